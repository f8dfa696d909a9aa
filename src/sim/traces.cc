#include "sim/traces.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <fstream>
#include <iterator>

#include "common/check.h"
#include "common/time_util.h"

namespace dg {
namespace {

// The embedded samples; the names must match DG_TRACE_NAMES in
// src/sim/CMakeLists.txt (a mismatch fails the link).
#define DG_EMBEDDED_TRACES(X) \
  X(azure_conv, kAzureCsv)    \
  X(azure_code, kAzureCsv)    \
  X(mooncake, kMooncakeJsonl)

#define DG_DECLARE_TRACE(name, format)             \
  extern "C" const char dg_trace_##name##_start[]; \
  extern "C" const char dg_trace_##name##_end[];
DG_EMBEDDED_TRACES(DG_DECLARE_TRACE)
#undef DG_DECLARE_TRACE

struct EmbeddedTrace {
  std::string_view name;
  TraceFormat format;
  const char* start;
  const char* end;
};

constexpr EmbeddedTrace kEmbeddedTraces[] = {
#define DG_TRACE_ENTRY(name, format) {#name, TraceFormat::format, dg_trace_##name##_start, dg_trace_##name##_end},
    DG_EMBEDDED_TRACES(DG_TRACE_ENTRY)
#undef DG_TRACE_ENTRY
};
#undef DG_EMBEDDED_TRACES

constexpr std::string_view kAzureHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";
// "2023-11-16 18:15:46.6805900": date, a space, time, 7 fraction digits.
constexpr size_t kAzureDateTimeLength = 19;
constexpr size_t kMillisecondDigits = 3;

bool ParseInt(std::string_view text, int64_t* out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && *out >= 0;
}

// The Azure timestamp as epoch ms (sub-millisecond digits dropped).
std::optional<int64_t> ParseAzureTime(std::string_view text) {
  if (text.size() < kAzureDateTimeLength || text[10] != ' ') return std::nullopt;
  std::string rfc(text.substr(0, kAzureDateTimeLength));
  rfc[10] = 'T';
  if (text.size() > kAzureDateTimeLength + 1 && text[kAzureDateTimeLength] == '.') {
    rfc += '.';
    std::string_view fraction = text.substr(kAzureDateTimeLength + 1);
    for (size_t i = 0; i < kMillisecondDigits; ++i) rfc += i < fraction.size() ? fraction[i] : '0';
  }
  rfc += 'Z';
  return ParseRfc3339Ms(rfc);
}

Status ParseAzure(std::string_view text, std::string_view source, Trace* trace) {
  size_t pos = 0;
  size_t line_number = 0;
  int64_t first_ms = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line_number == 1) {
      if (line != kAzureHeader) {
        return Status::DataLoss(fmt::format("{}:1: expected the header '{}'", source, kAzureHeader));
      }
      continue;
    }
    const size_t c1 = line.find(',');
    const size_t c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    TraceRecord record;
    const std::optional<int64_t> ts = c1 == std::string_view::npos ? std::nullopt : ParseAzureTime(line.substr(0, c1));
    if (c2 == std::string_view::npos || !ts || !ParseInt(line.substr(c1 + 1, c2 - c1 - 1), &record.input_tokens) ||
        !ParseInt(line.substr(c2 + 1), &record.output_tokens)) {
      return Status::DataLoss(
          fmt::format("{}:{}: expected 'YYYY-MM-DD HH:MM:SS.f,context_tokens,generated_tokens'", source, line_number));
    }
    if (trace->records.empty()) first_ms = *ts;
    record.arrival_ms = *ts - first_ms;
    trace->records.push_back(record);
  }
  return Status::Ok();
}

Status ParseMooncake(std::string_view text, std::string_view source, Trace* trace) {
  simdjson::dom::parser parser;
  size_t pos = 0;
  size_t line_number = 0;
  int64_t first_ms = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    simdjson::dom::element doc;
    int64_t ts = 0;
    TraceRecord record;
    if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS ||
        doc["timestamp"].get_int64().get(ts) != simdjson::SUCCESS ||
        doc["input_length"].get_int64().get(record.input_tokens) != simdjson::SUCCESS ||
        doc["output_length"].get_int64().get(record.output_tokens) != simdjson::SUCCESS || ts < 0 ||
        record.input_tokens < 0 || record.output_tokens < 0) {
      return Status::DataLoss(fmt::format(
          "{}:{}: expected a JSON object with integer timestamp, input_length, output_length", source, line_number));
    }
    if (trace->records.empty()) first_ms = ts;
    record.arrival_ms = ts - first_ms;
    trace->records.push_back(record);
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string_view>& EmbeddedTraceNames() {
  static const auto* const kNames = [] {
    auto* names = new std::vector<std::string_view>();
    for (const EmbeddedTrace& t : kEmbeddedTraces) names->push_back(t.name);
    return names;
  }();
  return *kNames;
}

TraceFormat EmbeddedTraceFormat(std::string_view name) {
  for (const EmbeddedTrace& t : kEmbeddedTraces) {
    if (t.name == name) return t.format;
  }
  return TraceFormat::kAzureCsv;
}

Result<Trace> ParseTrace(std::string_view text, TraceFormat format, std::string_view source) {
  Trace trace;
  trace.source = std::string(source);
  DG_RETURN_IF_ERROR(format == TraceFormat::kAzureCsv ? ParseAzure(text, source, &trace)
                                                      : ParseMooncake(text, source, &trace));
  if (trace.records.size() < 2) {
    return Status::DataLoss(fmt::format("{}: a trace needs at least two records", source));
  }
  for (size_t i = 1; i < trace.records.size(); ++i) {
    if (trace.records[i].arrival_ms < trace.records[i - 1].arrival_ms) {
      return Status::DataLoss(fmt::format("{}: record {} arrives before the one above it", source, i + 1));
    }
  }
  return trace;
}

Result<Trace> LoadEmbeddedTrace(std::string_view name) {
  for (const EmbeddedTrace& t : kEmbeddedTraces) {
    if (t.name != name) continue;
    return ParseTrace(std::string_view(t.start, static_cast<size_t>(t.end - t.start)), t.format,
                      fmt::format("embedded:{}", name));
  }
  return Status::NotFound(fmt::format("no embedded trace named '{}'", name));
}

Result<Trace> LoadTraceFile(const std::string& path, TraceFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open trace file '{}'", path));
  const std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Status::IoError(fmt::format("cannot read trace file '{}'", path));
  return ParseTrace(contents, format, path);
}

TraceSampler::TraceSampler(const Trace& trace) : trace_(&trace) {
  DG_CHECK(trace.records.size() >= 2);
  const auto& r = trace.records;
  const double span_ms = static_cast<double>(r.back().arrival_ms - r.front().arrival_ms);
  mean_gap_ms_ = span_ms / static_cast<double>(r.size() - 1);
  // A trace of simultaneous arrivals has no burst structure to copy: every
  // gap is then the mean.
  for (size_t i = 1; i < r.size(); ++i) {
    const double gap = static_cast<double>(r[i].arrival_ms - r[i - 1].arrival_ms);
    gap_factors_.push_back(mean_gap_ms_ > 0 ? gap / mean_gap_ms_ : 1.0);
  }
}

TraceSampler::Sizes TraceSampler::DrawSizes(SimRng& rng) const {
  const TraceRecord& record = trace_->records[rng.Index(trace_->records.size())];
  return {record.input_tokens, record.output_tokens};
}

double TraceSampler::DrawGapFactor(SimRng& rng) const { return gap_factors_[rng.Index(gap_factors_.size())]; }

}  // namespace dg
