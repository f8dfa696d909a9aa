#include "common/json_writer.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/utf8.h"

namespace dg {

namespace {

// Bytes that a JSON string holds as they are: printable ASCII other than the
// quote and the backslash. Bytes >= 0x80 are checked as UTF-8 apart.
constexpr std::array<bool, 256> MakePlainTable() {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return plain;
}
constexpr std::array<bool, 256> kPlainByte = MakePlainTable();

uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

constexpr uint64_t EveryByte(uint8_t b) { return uint64_t{0x0101010101010101} * b; }

// Whether all eight bytes of `word` are plain (kPlainByte), by the classic
// "has a zero byte" bit trick: no byte >= 0x80, none < 0x20, no '"', no '\\'.
bool IsPlainWord(uint64_t word) {
  constexpr uint64_t kHigh = EveryByte(0x80);
  const auto has_zero = [](uint64_t w) { return (w - EveryByte(0x01)) & ~w & kHigh; };
  const uint64_t control = (word - EveryByte(0x20)) & ~word & kHigh;
  return ((word & kHigh) | control | has_zero(word ^ EveryByte('"')) | has_zero(word ^ EveryByte('\\'))) == 0;
}

}  // namespace

// Copies runs of plain bytes at once, eight at a time: most of what the
// project writes (prompt text in the simulator, reasons) is plain ASCII, and
// per-byte appends were the largest cost of a simulator run.
void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  const size_t n = text.size();
  size_t run_start = 0;
  size_t i = 0;
  while (i < n) {
    while (i + sizeof(uint64_t) <= n && IsPlainWord(LoadWord(text.data() + i))) i += sizeof(uint64_t);
    if (i >= n) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (kPlainByte[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(text.substr(i));
      if (len > 0) {  // well-formed UTF-8 is copied as it is
        i += len;
        continue;
      }
    }
    out->append(text.data() + run_start, i - run_start);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c >= 0x80) {
          out->append("\xEF\xBF\xBD");  // U+FFFD for a byte that starts no valid sequence
        } else {
          const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out->append(escape, sizeof(escape));
        }
    }
    ++i;
    run_start = i;
  }
  out->append(text.data() + run_start, n - run_start);
  out->push_back('"');
}

void JsonWriter::Separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  first_.pop_back();
  return *this;
}
JsonWriter& JsonWriter::Key(std::string_view key) {
  Separate();
  AppendJsonString(key, &out_);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}
JsonWriter& JsonWriter::String(std::string_view value) {
  Separate();
  AppendJsonString(value, &out_);
  return *this;
}
JsonWriter& JsonWriter::Int(int64_t value) {
  Separate();
  out_.append(std::to_string(value));
  return *this;
}
JsonWriter& JsonWriter::Double(double value, int decimals) {
  Separate();
  if (!std::isfinite(value)) {
    out_.append("null");
    return *this;
  }
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  std::string_view s(buf, static_cast<size_t>(n));
  // Trim trailing zeros so 0.5000 prints as 0.5 and 1.0000 as 1.
  if (s.find('.') != std::string_view::npos) {
    while (s.back() == '0') s.remove_suffix(1);
    if (s.back() == '.') s.remove_suffix(1);
  }
  if (s == "-0") s = "0";
  out_.append(s);
  return *this;
}
JsonWriter& JsonWriter::Bool(bool value) {
  Separate();
  out_.append(value ? "true" : "false");
  return *this;
}
JsonWriter& JsonWriter::Null() {
  Separate();
  out_.append("null");
  return *this;
}
JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_.append(json);
  return *this;
}

}  // namespace dg
