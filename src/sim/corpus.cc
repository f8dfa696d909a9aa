#include "sim/corpus.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <fstream>
#include <iterator>

namespace dg {
namespace {

// The embedded samples; the names must match DG_SAMPLE_NAMES in
// src/sim/CMakeLists.txt, which generates the symbols (a mismatch fails the
// link instead of losing a corpus quietly).
#define DG_EMBEDDED_SAMPLES(X) \
  X(alpaca)                    \
  X(codealpaca)                \
  X(self_instruct)             \
  X(koala)                     \
  X(oasst_vicuna)              \
  X(wizardlm)                  \
  X(odex_en)                   \
  X(odex_es)                   \
  X(odex_ja)                   \
  X(odex_ru)                   \
  X(humaneval)                 \
  X(mbpp)                      \
  X(gsm8k)                     \
  X(hh_rlhf)                   \
  X(mt_bench)

#define DG_DECLARE_SAMPLE(name)                     \
  extern "C" const char dg_sample_##name##_start[]; \
  extern "C" const char dg_sample_##name##_end[];
DG_EMBEDDED_SAMPLES(DG_DECLARE_SAMPLE)
#undef DG_DECLARE_SAMPLE

struct EmbeddedSample {
  std::string_view name;
  const char* start;
  const char* end;
};

constexpr EmbeddedSample kEmbeddedSamples[] = {
#define DG_SAMPLE_ENTRY(name) {#name, dg_sample_##name##_start, dg_sample_##name##_end},
    DG_EMBEDDED_SAMPLES(DG_SAMPLE_ENTRY)
#undef DG_SAMPLE_ENTRY
};

#undef DG_EMBEDDED_SAMPLES

Status ParseRecord(simdjson::dom::element record, std::string_view source, size_t line_number, Corpus* corpus) {
  const auto where = [&] { return fmt::format("{}:{}", source, line_number); };
  simdjson::dom::object object;
  if (record.get_object().get(object) != simdjson::SUCCESS) {
    return Status::DataLoss(fmt::format("{}: record is not a JSON object", where()));
  }
  std::string_view text;
  if (object["text"].get_string().get(text) == simdjson::SUCCESS) {
    corpus->texts.emplace_back(text);
    return Status::Ok();
  }
  simdjson::dom::array turns;
  if (object["turns"].get_array().get(turns) == simdjson::SUCCESS) {
    std::vector<std::string> conversation;
    for (simdjson::dom::element turn : turns) {
      std::string_view turn_text;
      if (turn.get_string().get(turn_text) != simdjson::SUCCESS) {
        return Status::DataLoss(fmt::format("{}: a turn is not a string", where()));
      }
      conversation.emplace_back(turn_text);
    }
    if (conversation.empty()) {
      return Status::DataLoss(fmt::format("{}: conversation without turns", where()));
    }
    corpus->conversations.push_back(std::move(conversation));
    return Status::Ok();
  }
  return Status::DataLoss(fmt::format("{}: record has neither a string \"text\" nor an array \"turns\"", where()));
}

}  // namespace

const std::vector<std::string_view>& EmbeddedCorpusNames() {
  static const auto* const kNames = [] {
    auto* names = new std::vector<std::string_view>();
    for (const EmbeddedSample& sample : kEmbeddedSamples) names->push_back(sample.name);
    return names;
  }();
  return *kNames;
}

Result<Corpus> ParseCorpusJsonl(std::string_view jsonl, std::string_view source) {
  Corpus corpus;
  simdjson::dom::parser parser;
  size_t line_number = 0;
  size_t pos = 0;
  while (pos < jsonl.size()) {
    size_t end = jsonl.find('\n', pos);
    if (end == std::string_view::npos) end = jsonl.size();
    std::string_view line = jsonl.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    simdjson::dom::element record;
    // The line is not padded for simdjson, so the parser copies it.
    if (const auto error = parser.parse(line.data(), line.size()).get(record); error != simdjson::SUCCESS) {
      return Status::DataLoss(
          fmt::format("{}:{}: invalid JSON: {}", source, line_number, simdjson::error_message(error)));
    }
    DG_RETURN_IF_ERROR(ParseRecord(record, source, line_number, &corpus));
  }
  return corpus;
}

Result<Corpus> LoadEmbeddedCorpus(std::string_view name) {
  for (const EmbeddedSample& sample : kEmbeddedSamples) {
    if (sample.name != name) continue;
    const std::string_view bytes(sample.start, static_cast<size_t>(sample.end - sample.start));
    return ParseCorpusJsonl(bytes, fmt::format("embedded:{}", name));
  }
  return Status::NotFound(fmt::format("no embedded corpus named '{}'", name));
}

Result<Corpus> LoadCorpusFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open corpus file '{}'", path));
  const std::string contents{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return Status::IoError(fmt::format("cannot read corpus file '{}'", path));
  return ParseCorpusJsonl(contents, path);
}

}  // namespace dg
