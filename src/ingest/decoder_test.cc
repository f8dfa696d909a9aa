#include "ingest/decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <type_traits>
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
  for (char c : line)
    if (c != '\n') flat.push_back(c);
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
                         &e)
                  .ok());
  EXPECT_EQ(e.prompt, "second part");
}

TEST(DecoderTest, OpenAiStyleToolObjectsBecomeNames) {
  Event e;
  ASSERT_TRUE(
      DecodeLine(
          R"({"ts":1,"request_id":"r","account_id":"a","tools":[{"type":"function","function":{"name":"get_weather"}},{"name":"bash"}]})",
          &e)
          .ok());
  EXPECT_EQ(e.tools, (std::vector<std::string>{"get_weather", "bash"}));
}

TEST(DecoderTest, NullOptionalFieldsAreAbsent) {
  Event e;
  ASSERT_TRUE(
      DecodeLine(R"({"ts":1,"request_id":"r","account_id":"a","asn":null,"org_id":null,"params":null})", &e).ok());
  EXPECT_EQ(e.asn, kAbsent);
}

TEST(DecoderTest, RejectsWithAReasonAPersonCanActOn) {
  EXPECT_EQ(Reason(R"({"ts": "2026-04-22T10:00:00.500Z", "request_id": "rX", )"),
            "invalid JSON: " + std::string(simdjson::error_message(simdjson::TAPE_ERROR)));
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
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","turn":1.5})"),
            "field 'turn' has wrong type (want integer)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","params":{"logprobs":"yes"}})"),
            "field 'params.logprobs' has wrong type (want boolean)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","account":{"created":"soon"}})"),
            "field 'account.created' is not an RFC 3339 time");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","tools":[1]})"),
            "field 'tools[]' has wrong type (want string)");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a","messages":{}})"),
            "field 'messages' has wrong type (want array)");
  EXPECT_EQ(Reason(R"([1,2,3])"), "not a JSON object");
  EXPECT_EQ(Reason("{\"ts\":1,\"request_id\":\"r\",\"account_id\":\"a\",\"prompt\":\"bad \xff\xfe utf8\"}"),
            "invalid UTF-8");
  EXPECT_EQ(Reason(R"({"ts":1,"request_id":"r","account_id":"a"} trailing)"),
            "invalid JSON: " + std::string(simdjson::error_message(simdjson::TAPE_ERROR)));
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
  const std::string body =
      R"({"model":"body-model","system":"body-system","messages":[{"role":"user","content":"body"}],)"
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

// Every field, for failure messages of the reuse test.
std::string Describe(const Event& e) {
  std::string out;
  const auto add = [&](const char* name, const auto& value) {
    out += name;
    out += "=";
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_convertible_v<T, std::string_view>) {
      out += std::string(value);
    } else if constexpr (std::is_floating_point_v<T>) {
      out += std::to_string(value);
    } else {
      out += std::to_string(static_cast<int64_t>(value));
    }
    out += " ";
  };
  add("ts_ms", e.ts_ms);
  add("request_id", e.request_id);
  add("account_id", e.account_id);
  add("org_id", e.org_id);
  add("api_key_id", e.api_key_id);
  add("ip", e.ip);
  add("asn", e.asn);
  add("ip_type", static_cast<int>(e.ip_type));
  add("has_ip_type", e.has_ip_type);
  add("country", e.country);
  add("user_agent", e.user_agent);
  add("client_fp", e.client_fp);
  add("has_account", e.has_account);
  add("account.created_ms", e.account.created_ms);
  add("account.email_domain", e.account.email_domain);
  add("account.email_local_shape", e.account.email_local_shape);
  add("account.payment_fp", e.account.payment_fp);
  add("account.billing_country", e.account.billing_country);
  add("account.phone_verified", static_cast<int>(e.account.phone_verified));
  add("account.tier", static_cast<int>(e.account.tier));
  add("model", e.model);
  add("system", e.system);
  add("prompt", e.prompt.substr(0, 80));
  add("message_count", e.message_count);
  add("assistant_messages", e.assistant_messages);
  add("tool_messages", e.tool_messages);
  add("conversation_id", e.conversation_id);
  add("turn", e.turn);
  for (const auto& t : e.tools) add("tool", t);
  add("tool_calls", e.tool_calls);
  add("params.max_tokens", e.params.max_tokens);
  add("params.temperature", e.params.temperature);
  add("params.top_p", e.params.top_p);
  add("params.n", e.params.n);
  add("params.logprobs", static_cast<int>(e.params.logprobs));
  add("params.top_logprobs", e.params.top_logprobs);
  add("params.thinking_budget", e.params.thinking_budget);
  add("params.stream", static_cast<int>(e.params.stream));
  add("input_tokens", e.input_tokens);
  add("output_tokens", e.output_tokens);
  add("stop_reason", e.stop_reason);
  add("response_bytes", e.response_bytes);
  add("input_index", e.input_index);
  add("line_number", e.line_number);
  add("line_bytes", e.line_bytes);
  return out;
}

// Lines that between them set every field the decoder fills (including the
// optional ones, the prompt taken from `messages` and the fields taken from
// `http_request`), a minimal one, and lines the decoder rejects part-way
// through (after it has written some fields).
std::vector<std::string> ReuseCorpus() {
  const std::string body =
      R"({"model":"gpt-x","messages":[{"role":"system","content":"be terse"},{"role":"user","content":"first"},)"
      R"({"role":"assistant","content":"ok"},{"role":"user","content":"solve this"}],"max_completion_tokens":2048,)"
      R"("temperature":0.2,"top_p":0.5,"n":3,"logprobs":true,"top_logprobs":4,"stream":true,)"
      R"("tools":[{"type":"function","function":{"name":"bash"}}]})";
  return {
      R"({"ts":"2026-04-22T10:00:03.125Z","request_id":"r1","account_id":"a17","org_id":"o1","api_key_id":"k1",)"
      R"("ip":"203.0.113.7","asn":64500,"ip_type":"hosting","country":"SG","user_agent":"ua/1","client_fp":"t13d",)"
      R"("account":{"created":"2026-04-01T00:00:00Z","email_domain":"example.com","email_local_shape":"aaaa99",)"
      R"("payment_fp":"pm_1","billing_country":"US","phone_verified":false,"tier":"free"},"model":"m-2",)"
      R"("system":"a system prompt long enough to live on the heap, not in the string's own bytes",)"
      R"("prompt":"a prompt long enough to live on the heap, not in the string's own small buffer",)"
      R"("messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"},{"role":"tool","content":"{}"}],)"
      R"("conversation_id":"c1","turn":2,"tools":["bash","read_file"],"tool_calls":3,"params":{"max_tokens":8192,)"
      R"("temperature":0.7,"top_p":0.9,"n":2,"logprobs":true,"top_logprobs":5,"thinking_budget":4096,"stream":true},)"
      R"("input_tokens":120,"output_tokens":900,"stop_reason":"end_turn","response":"hey there"})",
      R"({"ts":1776852001000,"request_id":"r2","account_id":"a2"})",
      R"({"ts":1,"request_id":"r3","account_id":"a3","messages":[{"role":"user","content":"the last user message )"
      R"(becomes the prompt when there is none"},{"role":"assistant","content":"x"}]})",
      R"({"ts":1,"request_id":"r4","account_id":"a4","messages":[{"role":"assistant","content":"no user turn"}]})",
      R"({"ts":1,"request_id":"r5","account_id":"a5","ip_type":"vpn","account":{"tier":"pro"},"asn":null,"params":null})",
      R"({"ts":1,"request_id":"r6","account_id":"a6","http_request":)" + Quote(body) + "}",
      R"({"ts":1,"request_id":"r7","account_id":"a7","http_request":{"system":[{"type":"text","text":"agent"}],)"
      R"("thinking":{"type":"enabled","budget_tokens":24000},"messages":[{"role":"user","content":"plan it"}]}})",
      // Rejected after some fields were written.
      R"({"ts":1,"request_id":"r8","account_id":"a8","org_id":"o8","prompt":"half","asn":"x"})",
      R"({"ts":1,"request_id":"r9","account_id":"a9","tools":["a","b",7]})",
      R"({"ts":1,"request_id":"r10","org_id":"o10","system":"no account id"})",
      R"({"ts":1,"request_id":"r11","account_id":"a11","messages":[{"role":"user","content":"u"},2]})",
      R"({"ts":1,"request_id":"r12","account_id":"a12","prompt":"truncated)",
  };
}

// The decoder reuses one Event for every line (EventSource keeps a pool):
// decoding B into an Event that held A, with a decoder that decoded A, must
// give exactly what decoding B fresh gives, whatever A was, for every field.
TEST(DecoderTest, ReusedEventEqualsAFreshOne) {
  const auto corpus = ReuseCorpus();
  for (size_t a = 0; a < corpus.size(); ++a) {
    for (size_t b = 0; b < corpus.size(); ++b) {
      EventDecoder reused_decoder;
      Event reused;
      std::string padded_a = corpus[a] + std::string(simdjson::SIMDJSON_PADDING, ' ');
      (void)reused_decoder.Decode(std::string_view(padded_a.data(), corpus[a].size()), &reused);
      std::string padded_b = corpus[b] + std::string(simdjson::SIMDJSON_PADDING, ' ');
      const Status reused_status = reused_decoder.Decode(std::string_view(padded_b.data(), corpus[b].size()), &reused);

      EventDecoder fresh_decoder;
      Event fresh;
      const Status fresh_status = fresh_decoder.Decode(std::string_view(padded_b.data(), corpus[b].size()), &fresh);
      ASSERT_EQ(reused_status.ok(), fresh_status.ok()) << a << " then " << b;
      EXPECT_EQ(reused_status.message(), fresh_status.message()) << a << " then " << b;
      if (fresh_status.ok()) {
        EXPECT_TRUE(reused == fresh) << a << " then " << b << "\nreused: " << Describe(reused)
                                     << "\nfresh:  " << Describe(fresh);
      }
    }
  }
}

// The corpus is only a test if its lines differ in every field: each field
// must take at least two values across the accepted lines.
TEST(DecoderTest, ReuseCorpusVariesEveryField) {
  std::vector<Event> events;
  for (const auto& line : ReuseCorpus()) {
    Event e;
    if (DecodeLine(line, &e).ok()) events.push_back(e);
  }
  ASSERT_GE(events.size(), 2u);
  const auto varies = [&](auto field) {
    for (const auto& e : events) {
      if (!(field(e) == field(events[0]))) return true;
    }
    return false;
  };
#define DG_EXPECT_VARIES(member) EXPECT_TRUE(varies([](const Event& e) { return e.member; })) << #member
  DG_EXPECT_VARIES(ts_ms);
  DG_EXPECT_VARIES(request_id);
  DG_EXPECT_VARIES(account_id);
  DG_EXPECT_VARIES(org_id);
  DG_EXPECT_VARIES(api_key_id);
  DG_EXPECT_VARIES(ip);
  DG_EXPECT_VARIES(asn);
  DG_EXPECT_VARIES(ip_type);
  DG_EXPECT_VARIES(has_ip_type);
  DG_EXPECT_VARIES(country);
  DG_EXPECT_VARIES(user_agent);
  DG_EXPECT_VARIES(client_fp);
  DG_EXPECT_VARIES(has_account);
  DG_EXPECT_VARIES(account.created_ms);
  DG_EXPECT_VARIES(account.email_domain);
  DG_EXPECT_VARIES(account.email_local_shape);
  DG_EXPECT_VARIES(account.payment_fp);
  DG_EXPECT_VARIES(account.billing_country);
  DG_EXPECT_VARIES(account.phone_verified);
  DG_EXPECT_VARIES(account.tier);
  DG_EXPECT_VARIES(model);
  DG_EXPECT_VARIES(system);
  DG_EXPECT_VARIES(prompt);
  DG_EXPECT_VARIES(message_count);
  DG_EXPECT_VARIES(assistant_messages);
  DG_EXPECT_VARIES(tool_messages);
  DG_EXPECT_VARIES(conversation_id);
  DG_EXPECT_VARIES(turn);
  DG_EXPECT_VARIES(tools);
  DG_EXPECT_VARIES(tool_calls);
  DG_EXPECT_VARIES(params.max_tokens);
  DG_EXPECT_VARIES(params.temperature);
  DG_EXPECT_VARIES(params.top_p);
  DG_EXPECT_VARIES(params.n);
  DG_EXPECT_VARIES(params.logprobs);
  DG_EXPECT_VARIES(params.top_logprobs);
  DG_EXPECT_VARIES(params.thinking_budget);
  DG_EXPECT_VARIES(params.stream);
  DG_EXPECT_VARIES(input_tokens);
  DG_EXPECT_VARIES(output_tokens);
  DG_EXPECT_VARIES(stop_reason);
  DG_EXPECT_VARIES(response_bytes);
  DG_EXPECT_VARIES(line_bytes);
#undef DG_EXPECT_VARIES
}

}  // namespace
}  // namespace dg
