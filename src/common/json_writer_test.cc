#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <iterator>
#include <random>
#include <string>

#include "common/utf8.h"

namespace dg {
namespace {

TEST(JsonWriterTest, WritesNestedValuesWithCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Int(1).Key("b").BeginArray().String("x").Null().Bool(true).EndArray();
  w.Key("c").Double(0.5).Key("d").Double(2.0).Key("e").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":["x",null,true],"c":0.5,"d":2,"e":{}})");
}

TEST(JsonWriterTest, EscapesControlAndQuoteCharacters) {
  std::string out;
  AppendJsonString("a\"b\\c\nd\x01", &out);
  EXPECT_EQ(out, R"("a\"b\\c\nd\u0001")");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  std::string out;
  AppendJsonString("caf\xC3\xA9 \xF0\x9F\x98\x80 bad\xFF\xFE end", &out);
  EXPECT_EQ(out, "\"caf\xC3\xA9 \xF0\x9F\x98\x80 bad\xEF\xBF\xBD\xEF\xBF\xBD end\"");
}

// The escaper skips plain bytes eight at a time; every byte position of a
// special byte relative to those words must give what a byte-at-a-time
// escaper gives.
std::string EscapeByteAtATime(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const size_t len = Utf8SequenceLength(text.substr(i));
      out += len == 0 ? std::string("\xEF\xBF\xBD") : std::string(text.substr(i, len));
      i += len == 0 ? 1 : len;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\b') {
      out += "\\b";
    } else if (c == '\f') {
      out += "\\f";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out + "\"";
}

TEST(JsonWriterTest, WordAtATimeEscapingEqualsByteAtATime) {
  const std::string pieces[] = {"a",    "Z",    " ",       "~",    "\x7F",     "\"",
                                "\\",   "\n",   "\x01",    "\x1F", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                "\xFF", "\xC3", "\xE2\x82"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> piece(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<int> plain_run(0, 3);
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (int n = length(rng); n > 0; --n) {
      // Mostly plain text so that whole plain words occur between specials.
      for (int k = plain_run(rng) * 4; k > 0; --k) text += 'x';
      text += pieces[piece(rng)];
    }
    std::string out;
    AppendJsonString(text, &out);
    ASSERT_EQ(out, EscapeByteAtATime(text)) << "round " << round;
  }
}

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  JsonWriter w;
  w.BeginArray().Double(1.0 / 0.0).EndArray();
  EXPECT_EQ(w.str(), "[null]");
}

}  // namespace
}  // namespace dg
