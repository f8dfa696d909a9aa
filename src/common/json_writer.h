// JsonWriter: a small, allocation-light writer for the JSON the sinks emit
// (accounts.jsonl, campaigns.json, quarantine.jsonl, summaries).
//
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 are
// written as U+FFFD so that every output line is valid JSON even when the
// input was not (quarantine.jsonl quotes rejected lines). Non-finite numbers
// are written as null.
//
// Thread-safety: one writer per thread.
#ifndef DG_COMMON_JSON_WRITER_H_
#define DG_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dg {

// Appends `text` as a quoted JSON string to `out`.
void AppendJsonString(std::string_view text, std::string* out);

// Builds one JSON value into a string. Commas between members and elements
// are inserted automatically.
class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value, int decimals = 4);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialised JSON as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }
  void Clear() {
    out_.clear();
    first_.clear();
  }

 private:
  void Separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: no member written yet
  bool after_key_ = false;
};

}  // namespace dg

#endif  // DG_COMMON_JSON_WRITER_H_
