#include "common/json_writer.h"

#include <gtest/gtest.h>

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

TEST(JsonWriterTest, NonFiniteDoublesAreNull) {
  JsonWriter w;
  w.BeginArray().Double(1.0 / 0.0).EndArray();
  EXPECT_EQ(w.str(), "[null]");
}

}  // namespace
}  // namespace dg
