#include "ingest/decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dg {
namespace {

// Decodes `json` with the padding the line reader guarantees.
Status DecodeLine(std::string json, Event* event) {
  static EventDecoder decoder;
  const size_t size = json.size();
  json.append(simdjson::SIMDJSON_PADDING, ' ');
  return decoder.Decode(std::string_view(json.data(), size), event);
}

std::string Reason(const std::string& json) {
  Event e;
  const Status s = DecodeLine(json, &e);
  return s.ok() ? "ok" : s.message();
}

TEST(DecoderTest, DecodesEveryFieldOfTheContract) {
  const std::string line = R"({"ts":"2026-04-22T10:00:03.125Z","request_id":"r1","account_id":"a17","org_id":"o1",
    "api_key_id":"k1","ip":"203.0.113.7","asn":64500,"ip_type":"hosting","country":"SG","user_agent":"ua/1",
    "client_fp":"t13d","account":{"created":"2026-04-01T00:00:00Z","email_domain":"example.com",
    "email_local_shape":"aaaa99","payment_fp":"pm_1","billing_country":"US","phone_verified":false,"tier":"free"},
    "model":"m-2","system":"be terse","prompt":"hello","messages":[{"role":"user","content":"hi"},
    {"role":"assistant","content":"yo"},{"role":"tool","content":"{}"}],"conversation_id":"c1","turn":2,
    "tools":["bash","read_file"],"tool_calls":3,"params":{"max_tokens":8192,"temperature":0.7,"top_p":0.9,"n":2,
    "logprobs":true,"top_logprobs":5,"thinking_budget":4096,"stream":true},"input_tokens":120,"output_tokens":900,
    "stop_reason":"end_turn","response":"hey there","some_future_field":{"nested":[1,2,{"x":null}]}})";
  std::string flat;
  for (char c : line) if (c != '\n') flat.push_back(c);
  Event e;
  ASSERT_TRUE(DecodeLine(flat, &e).ok()) << Reason(flat);
  EXPECT_EQ(e.ts_ms, *ParseRfc3339Ms("2026-04-22T10:00:03.125Z"));
  EXPECT_EQ(e.request_id, "r1");
  EXPECT_EQ(e.account_id, "a17");
  EXPECT_EQ(e.org_id, "o1");
  EXPECT_EQ(e.api_key_id, "k1");
  EXPECT_EQ(e.ip, "203.0.113.7");
  EXPECT_EQ(e.asn, 64500);
  EXPECT_EQ(e.ip_type, IpType::kHosting);
  EXPECT_EQ(e.country, "SG");
  EXPECT_EQ(e.user_agent, "ua/1");
  EXPECT_EQ(e.client_fp, "t13d");
  ASSERT_TRUE(e.has_account);
  EXPECT_EQ(e.account.created_ms, *ParseRfc3339Ms("2026-04-01T00:00:00Z"));
  EXPECT_EQ(e.account.email_domain, "example.com");
  EXPECT_EQ(e.account.email_local_shape, "aaaa99");
  EXPECT_EQ(e.account.payment_fp, "pm_1");
  EXPECT_EQ(e.account.billing_country, "US");
  EXPECT_EQ(e.account.phone_verified, TriBool::kFalse);
  EXPECT_EQ(e.account.tier, Tier::kFree);
  EXPECT_EQ(e.model, "m-2");
  EXPECT_EQ(e.system, "be terse");
  EXPECT_EQ(e.prompt, "hello");  // `prompt` wins over the last user message
  EXPECT_EQ(e.message_count, 3);
  EXPECT_EQ(e.assistant_messages, 1);
  EXPECT_EQ(e.tool_messages, 1);
  EXPECT_EQ(e.conversation_id, "c1");
  EXPECT_EQ(e.turn, 2);
  EXPECT_EQ(e.tools, (std::vector<std::string>{"bash", "read_file"}));
  EXPECT_EQ(e.tool_calls, 3);
  EXPECT_EQ(e.params.max_tokens, 8192);
  EXPECT_DOUBLE_EQ(e.params.temperature, 0.7);
  EXPECT_DOUBLE_EQ(e.params.top_p, 0.9);
  EXPECT_EQ(e.params.n, 2);
  EXPECT_EQ(e.params.logprobs, TriBool::kTrue);
  EXPECT_EQ(e.params.top_logprobs, 5);
  EXPECT_EQ(e.params.thinking_budget, 4096);
  EXPECT_EQ(e.params.stream, TriBool::kTrue);
  EXPECT_EQ(e.input_tokens, 120);
  EXPECT_EQ(e.output_tokens, 900);
  EXPECT_EQ(e.stop_reason, "end_turn");
  EXPECT_EQ(e.response_bytes, 9);
}

TEST(DecoderTest, EpochMillisecondsAndMinimalLine) {
  Event e;
  ASSERT_TRUE(DecodeLine(R"({"ts":1776852001000,"request_id":"r2","account_id":"a2"})", &e).ok());
  EXPECT_EQ(e.ts_ms, 1776852001000);
  EXPECT_TRUE(e.prompt.empty());
  EXPECT_FALSE(e.has_account);
}

TEST(DecoderTest, PromptFallsBackToTheLastUserMessage) {
  Event e;
  ASSERT_TRUE(DecodeLine(R"({"ts":1,"request_id":"r","account_id":"a","messages":[{"role":"user","content":"first"},
    {"role":"assistant","content":"x"},{"role":"user","content":[{"type":"text","text":"second "},{"type":"text","text":"part"}]}]})",
                         &e).ok());
  EXPECT_EQ(e.prompt, "second part");
}

TEST(DecoderTest, OpenAiStyleToolObjectsBecomeNames) {
  Event e;
  ASSERT_TRUE(DecodeLine(R"({"ts":1,"request_id":"r","account_id":"a","tools":[{"type":"function","function":{"name":"get_weather"}},{"name":"bash"}]})", &e).ok());
  EXPECT_EQ(e.tools, (std::vector<std::string>{"get_weather", "bash"}));
}

TEST(DecoderTest, NullOptionalFieldsAreAbsent) {
  Event e;
  ASSERT_TRUE(DecodeLine(R"({"ts":1,"request_id":"r","account_id":"a","asn":null,"org_id":null,"params":null})", &e).ok());
  EXPECT_EQ(e.asn, kAbsent);
}

TEST(DecoderTest, RejectsWithAReasonAPersonCanActOn) {
  EXPECT_EQ(Reason(R"({"ts": "2026-04-22T10:00:00.500Z", "request_id": "rX", )"), "invalid JSON: " +
            std::string(simdjson::error_message(simdjson::TAPE_ERROR)));
  EXPECT_EQ(Reason(R"({"ts":"2026-04-22T10:00:01Z","request_id":"r9","prompt":"no account"})"),
            "missing required field 'account_id'");
  EXPECT_EQ(Reason(R"({"request_id":"r9","account_id":"a"})"), "missing required field 'ts'");
  EXPECT_EQ(Reason(R"({"ts":1,"account_id":"a"})"), "missing required field 'request_id'");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"","account_id":"a"})"), "missing required field 'request_id'");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":null,"account_id":"a"})"), "missing required field 'request_id'");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","asn":"not-a-number"})"),
            "field 'asn' has wrong type (want integer)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":7,"account_id":"a"})"), "field 'request_id' has wrong type (want string)");
  EXPECT_EQ(Reason(R"({"ts":"yesterday","request_id":"r","account_id":"a"})"), "field 'ts' is not an RFC 3339 time");
  EXPECT_EQ(Reason(R"({"ts":true,"request_id":"r","account_id":"a"})"),
            "field 'ts' has wrong type (want RFC 3339 string or epoch milliseconds)");
  EXPECT_EQ(Reason(R"({"ts":-5,"request_id":"r","account_id":"a"})"), "field 'ts' is out of range");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","asn":18446744073709551615})"),
            "field 'asn' is out of range");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","turn":1.5})"), "field 'turn' has wrong type (want integer)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","params":{"logprobs":"yes"}})"),
            "field 'params.logprobs' has wrong type (want boolean)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","account":{"created":"soon"}})"),
            "field 'account.created' is not an RFC 3339 time");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","tools":[1]})"), "field 'tools[]' has wrong type (want string)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","messages":{}})"), "field 'messages' has wrong type (want array)");
  EXPECT_EQ(Reason(R"([1,2,3])"), "not a JSON object");
  EXPECT_EQ(Reason("{\"ts\":1,\"request_id\":\"r\",\"account_id\":\"a\",\"prompt\":\"bad \xff\xfe utf8\"}"), "invalid UTF-8");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a"} trailing)"), "invalid JSON: " +
            std::string(simdjson::error_message(simdjson::TAPE_ERROR)));
}

TEST(DecoderTest, IntegralDoublesAreAcceptedAsIntegers) {
  Event e;
  ASSERT_TRUE(DecodeLine(R"({"ts":1776852001000.0,"request_id":"r","account_id":"a","input_tokens":12.0})", &e).ok());
  EXPECT_EQ(e.input_tokens, 12);
}

TEST(DecoderTest, DeepNestingIsRejectedNotACrash) {
  std::string deep = R"({"ts":1,"request_id":"r","account_id":"a","x":)";
  deep += std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_NE(Reason(deep), "ok");
}

TEST(DecoderTest, LargeUnicodePromptSurvivesIntact) {
  const std::string prompt = "caf\xC3\xA9 \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80 " + std::string(300000, 'x');
  Event e;
  ASSERT_TRUE(DecodeLine(R"({"ts":1,"request_id":"r","account_id":"a","prompt":")" + prompt + "\"}", &e).ok());
  EXPECT_EQ(e.prompt, prompt);
}

// The http_request extension: a gateway's access log carries the provider
// API body as a JSON string (nginx $request_body with escape=json).
std::string WithBody(const std::string& body_json_string, const std::string& extra = "") {
  return R"({"ts":1776852000000,"request_id":"r1","account_id":"a1")" + extra + R"(,"http_request":)" +
         body_json_string + "}";
}

// Quotes `raw` as a JSON string.
std::string Quote(const std::string& raw) {
  std::string out = "\"";
  for (char c : raw) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

TEST(DecoderTest, HttpRequestOpenAiBodyFillsTheExchange) {
  const std::string body =
      R"({"model":"gpt-x","messages":[{"role":"system","content":"be terse"},{"role":"user","content":"first"},)"
      R"({"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"text","text":"solve "},)"
      R"({"type":"text","text":"this"}]}],"max_completion_tokens":2048,"temperature":0.2,"top_p":0.5,"n":3,)"
      R"("logprobs":true,"top_logprobs":4,"stream":true,"tools":[{"type":"function","function":{"name":"bash"}}]})";
  Event e;
  ASSERT_TRUE(DecodeLine(WithBody(Quote(body)), &e).ok()) << Reason(WithBody(Quote(body)));
  EXPECT_EQ(e.model, "gpt-x");
  EXPECT_EQ(e.system, "be terse");
  EXPECT_EQ(e.prompt, "solve this");
  EXPECT_EQ(e.message_count, 4);
  EXPECT_EQ(e.assistant_messages, 1);
  EXPECT_EQ(e.params.max_tokens, 2048);
  EXPECT_DOUBLE_EQ(e.params.temperature, 0.2);
  EXPECT_DOUBLE_EQ(e.params.top_p, 0.5);
  EXPECT_EQ(e.params.n, 3);
  EXPECT_EQ(e.params.logprobs, TriBool::kTrue);
  EXPECT_EQ(e.params.top_logprobs, 4);
  EXPECT_EQ(e.params.stream, TriBool::kTrue);
  ASSERT_EQ(e.tools.size(), 1u);
  EXPECT_EQ(e.tools[0], "bash");
}

TEST(DecoderTest, HttpRequestAnthropicBodyAsAnObject) {
  const std::string body =
      R"({"model":"claude-x","system":[{"type":"text","text":"You are an agent."}],"max_tokens":32000,)"
      R"("thinking":{"type":"enabled","budget_tokens":24000},"messages":[{"role":"user","content":"plan it"}],)"
      R"("tools":[{"name":"read_file","input_schema":{}}]})";
  Event e;
  ASSERT_TRUE(DecodeLine(WithBody(body), &e).ok()) << Reason(WithBody(body));
  EXPECT_EQ(e.model, "claude-x");
  EXPECT_EQ(e.system, "You are an agent.");
  EXPECT_EQ(e.prompt, "plan it");
  EXPECT_EQ(e.params.max_tokens, 32000);
  EXPECT_EQ(e.params.thinking_budget, 24000);
  ASSERT_EQ(e.tools.size(), 1u);
  EXPECT_EQ(e.tools[0], "read_file");
}

TEST(DecoderTest, HttpRequestNeverOverridesTheLinesOwnFields) {
  const std::string body = R"({"model":"body-model","system":"body-system","messages":[{"role":"user","content":"body"}],)"
                           R"("max_tokens":10,"temperature":0.9})";
  Event e;
  const std::string line =
      WithBody(Quote(body), R"(,"model":"line-model","prompt":"line prompt","params":{"max_tokens":99})");
  ASSERT_TRUE(DecodeLine(line, &e).ok()) << Reason(line);
  EXPECT_EQ(e.model, "line-model");
  EXPECT_EQ(e.prompt, "line prompt");
  EXPECT_EQ(e.message_count, 0);       // the line's prompt wins: the body's messages are not read
  EXPECT_EQ(e.system, "body-system");  // absent from the line: taken from the body
  EXPECT_EQ(e.params.max_tokens, 99);
  EXPECT_DOUBLE_EQ(e.params.temperature, 0.9);
}

TEST(DecoderTest, HostileHttpRequestBodiesKeepTheEvent) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "[";
  const std::string huge_prompt(200000, 'x');
  const std::vector<std::string> bodies = {
      Quote("not json at all"),
      Quote("{\"model\":"),  // truncated
      Quote(""),
      Quote("[1,2,3]"),
      Quote(R"({"model":7,"messages":"nope","tools":{"a":1},"max_tokens":-5,"temperature":"hot",)"
            R"("thinking":{"budget_tokens":"lots"},"system":{"x":1}})"),
      Quote(R"({"messages":[1,2,{"role":"user","content":7}]})"),
      Quote(deep),
      Quote(R"({"messages":[{"role":"user","content":")" + huge_prompt + R"("}]})"),
      Quote("\xff\xfe"),  // not UTF-8 inside the string: the whole line is refused by the outer parse
  };
  for (size_t i = 0; i < bodies.size(); ++i) {
    Event e;
    const Status s = DecodeLine(WithBody(bodies[i]), &e);
    if (i + 1 == bodies.size()) {
      EXPECT_FALSE(s.ok());
      EXPECT_EQ(s.message(), "invalid UTF-8");
      continue;
    }
    ASSERT_TRUE(s.ok()) << i << ": " << s.message();
    EXPECT_EQ(e.account_id, "a1") << i;
    EXPECT_TRUE(e.model.empty()) << i;
    EXPECT_EQ(e.params.max_tokens, kAbsent) << i;
    if (i + 2 == bodies.size()) {
      EXPECT_EQ(e.prompt.size(), huge_prompt.size());
    }
  }
  // A wrong type for the field itself is a wrong type like any other.
  EXPECT_EQ(Reason(WithBody("17")), "field 'http_request' has wrong type (want string or object)");
}

}  // namespace
}  // namespace dg
