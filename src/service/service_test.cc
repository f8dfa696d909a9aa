#include "service/service.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/time_util.h"
#include "ingest/decoder.h"

namespace dg {
namespace {

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("dg_service_test_" + name + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

// A small stream: a few accounts, one of them asking for reasoning traces
// from a fresh free account on a hosting network, many times.
std::vector<std::string> Stream() {
  std::vector<std::string> lines;
  const int64_t t0 = 1776852000000;  // 2026-04-22T10:00:00Z
  for (int i = 0; i < 60; ++i) {
    const std::string ts = FormatRfc3339Ms(t0 + int64_t{i} * 30'000);
    lines.push_back(
        R"({"ts":")" + ts + R"(","request_id":"x)" + std::to_string(i) +
        R"(","account_id":"attacker","ip_type":"hosting","country":"SG",)"
        R"("account":{"created":"2026-04-22T09:00:00Z","tier":"free","phone_verified":false,"billing_country":"US"},)"
        R"("prompt":"Think step by step and show your full chain of thought before answering: implement a )"
        R"(lock-free queue in C++, task )" +
        std::to_string(i) + R"(","params":{"logprobs":true,"n":4}})");
    if (i % 3 == 0) {
      lines.push_back(R"({"ts":")" + ts + R"(","request_id":"b)" + std::to_string(i) +
                      R"(","account_id":"customer","conversation_id":"c1","turn":)" + std::to_string(i / 3 + 1) +
                      R"(,"account":{"created":"2024-01-01T00:00:00Z","tier":"team","phone_verified":true},)"
                      R"("prompt":"Can you help me word this email to my landlord?"})");
    }
  }
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string body;
  for (const auto& l : lines) body += l + "\n";
  return body;
}

simdjson::dom::element Parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json).get(e), simdjson::SUCCESS) << json;
  return e;
}

std::unique_ptr<DecisionService> OpenService(const std::string& dir, const std::string& config_path = "") {
  ServeOptions options;
  options.state_dir = dir;
  options.config_path = config_path;
  if (!config_path.empty()) {
    auto c = LoadConfigFile(config_path);
    EXPECT_TRUE(c.ok());
    if (c.ok()) options.config = *c;
  }
  auto s = DecisionService::Open(options);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(s).value() : nullptr;
}

std::string CheckAction(DecisionService& s, const std::string& account) {
  const HttpAnswer a = s.Check(R"({"account_id":")" + account + R"("})", "application/json");
  EXPECT_EQ(a.status, 200) << a.body;
  simdjson::dom::parser parser;
  return std::string(Parse(parser, a.body)["action"].get_string().value());
}

TEST(DecisionServiceTest, ExternalDecisionsAnswerChecks) {
  // A gateway-facing instance of a cluster (serve --nats) publishes what the
  // cluster decided; a check must answer it like one of its own.
  auto s = OpenService("");
  PublishedDecision d;
  d.action = Action::kBlock;
  d.score = 0.97;
  d.campaign = "C0001";
  d.exchanges = 12;
  s->PublishExternal("remote-attacker", d);
  const HttpAnswer a = s->Check(R"({"account_id":"remote-attacker"})", "application/json");
  ASSERT_EQ(a.status, 200);
  simdjson::dom::parser parser;
  const auto doc = Parse(parser, a.body);
  EXPECT_EQ(std::string(doc["action"].get_string().value()), "block");
  EXPECT_EQ(std::string(doc["campaign"].get_string().value()), "C0001");
}

TEST(DecisionServiceTest, AcceptsAndRejectsLinesLikeTheIngestDecoder) {
  auto s = OpenService("");
  ASSERT_NE(s, nullptr);
  const std::string bad_type = R"({"ts":"2026-04-22T10:00:00Z","request_id":"r2","account_id":7})";
  const std::string body = Stream()[0] + "\n\n  \r\n" + R"({"ts":"2026-04-22T10:00:00Z","request_id":"r1"})" +
                           "\nnot json\n" + bad_type + "\r\n" + Stream()[1];
  const HttpAnswer a = s->PostEvents(body, "application/x-ndjson");
  ASSERT_EQ(a.status, 200) << a.body;
  simdjson::dom::parser parser;
  auto doc = Parse(parser, a.body);
  EXPECT_EQ(doc["accepted"].get_int64().value(), 2);
  EXPECT_EQ(doc["rejected"].get_int64().value(), 3);
  // Same reasons as scan's quarantine: the ingest decoder's messages.
  EventDecoder decoder;
  Event event;
  std::string padded = bad_type + std::string(simdjson::SIMDJSON_PADDING, '\0');
  const Status want = decoder.Decode(std::string_view(padded.data(), bad_type.size()), &event);
  ASSERT_FALSE(want.ok());
  auto errors = doc["errors"].get_array().value();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors.at(0)["line"].get_int64().value(), 4);
  EXPECT_EQ(std::string(errors.at(0)["reason"].get_string().value()), "missing required field 'account_id'");
  EXPECT_EQ(errors.at(1)["line"].get_int64().value(), 5);
  EXPECT_EQ(errors.at(2)["line"].get_int64().value(), 6);
  EXPECT_EQ(std::string(errors.at(2)["reason"].get_string().value()), want.message());
}

TEST(DecisionServiceTest, RefusesWrongContentTypesAndEmptyBodies) {
  auto s = OpenService("");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->PostEvents(Stream()[0], "application/x-www-form-urlencoded").status, 415);
  EXPECT_EQ(s->PostEvents(Stream()[0], "").status, 415);
  EXPECT_EQ(s->PostEvents("", "application/x-ndjson").status, 400);
  EXPECT_EQ(s->PostEvents(Stream()[0], "Application/JSON; charset=utf-8").status, 200);
  EXPECT_EQ(s->Check(R"({"account_id":"a"})", "text/plain").status, 415);
  EXPECT_EQ(s->Check("", "application/json").status, 400);
  EXPECT_EQ(s->Check("[1,2]", "application/json").status, 400);
  EXPECT_EQ(s->Check(R"({"account_id":"a")", "application/json").status, 400);
  EXPECT_EQ(s->Check(R"({"account_id":5})", "application/json").status, 400);
  EXPECT_EQ(s->Check(R"({"account_id":""})", "application/json").status, 400);
  EXPECT_EQ(s->Check(R"({"account_id":"a","ip":[1]})", "application/json").status, 400);
  EXPECT_EQ(s->Check(std::string(2000, '[') + std::string(2000, ']'), "application/json").status, 400);
  EXPECT_EQ(s->Check("{\"account_id\":\"\xff\xfe\"}", "application/json").status, 400);
  EXPECT_EQ(s->Check(R"({"account_id":"a","n":1e999999})", "application/json").status, 400);
}

TEST(DecisionServiceTest, DecisionsEqualTheEngineOnTheSameStream) {
  auto s = OpenService("");
  ASSERT_NE(s, nullptr);
  const auto lines = Stream();
  // Posted in three batches, plus a duplicate delivery.
  ASSERT_EQ(s->PostEvents(Join({lines.begin(), lines.begin() + 10}), "application/x-ndjson").status, 200);
  ASSERT_EQ(s->PostEvents(lines[3], "application/json").status, 200);
  ASSERT_EQ(s->PostEvents(Join({lines.begin() + 10, lines.end()}), "application/x-ndjson").status, 200);
  s->Drain();

  auto engine = Engine::Create(EngineConfig{});
  ASSERT_TRUE(engine.ok());
  EventDecoder decoder;
  for (const auto& l : lines) {
    Event e;
    std::string padded = l + std::string(simdjson::SIMDJSON_PADDING, '\0');
    ASSERT_TRUE(decoder.Decode(std::string_view(padded.data(), l.size()), &e).ok());
    (*engine)->Process(e);
  }
  bool any_actioned = false;
  for (const auto& row : (*engine)->AccountRows()) {
    EXPECT_EQ(CheckAction(*s, row.account_id), ActionName(row.action)) << row.account_id;
    const HttpAnswer account = s->GetAccount(row.account_id);
    ASSERT_EQ(account.status, 200);
    EXPECT_EQ(account.body, AccountRowJson(row));
    any_actioned |= IsActioned(row.action);
  }
  EXPECT_TRUE(any_actioned) << "the stream should get the attacker actioned";
  EXPECT_EQ(s->GetAccount("nobody").status, 404);
  EXPECT_EQ(CheckAction(*s, "nobody"), "allow");
  EXPECT_NE(s->MetricsText().find("dg_events_duplicate_total 1\n"), std::string::npos);
}

TEST(DecisionServiceTest, StateAndOverridesSurviveARestart) {
  const std::string dir = TempDir("restart");
  const auto lines = Stream();
  std::string before_attacker, before_customer;
  {
    auto s = OpenService(dir);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(s->PostEvents(Join(lines), "application/x-ndjson").status, 200);
    s->Drain();
    before_attacker = s->GetAccount("attacker").body;
    before_customer = s->GetAccount("customer").body;
    const HttpAnswer o = s->SetOverride(OverrideKind::kAccount, "customer",
                                        R"({"action":"block","by":"alice","reason":"chargeback"})", "application/json");
    ASSERT_EQ(o.status, 200) << o.body;
    EXPECT_EQ(CheckAction(*s, "customer"), "block");
  }
  auto s = OpenService(dir);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->replayed_events(), static_cast<int64_t>(lines.size()));
  EXPECT_EQ(s->GetAccount("attacker").body, before_attacker);
  EXPECT_EQ(CheckAction(*s, "customer"), "block");
  EXPECT_NE(s->GetAccount("customer").body.find("\"model_action\""), std::string::npos);
  // A redelivery after the restart is still a duplicate.
  ASSERT_EQ(s->PostEvents(lines[0], "application/json").status, 200);
  s->Drain();
  EXPECT_EQ(s->GetAccount("attacker").body, before_attacker);
  // Clearing the override returns the model's decision.
  ASSERT_EQ(s->SetOverride(OverrideKind::kAccount, "customer", R"({"action":"clear","by":"bob","reason":"appeal"})",
                           "application/json")
                .status,
            200);
  EXPECT_EQ(s->GetAccount("customer").body, before_customer);
  const HttpAnswer audit = s->GetOverrides();
  EXPECT_NE(audit.body.find("chargeback"), std::string::npos);
  EXPECT_NE(audit.body.find("appeal"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(DecisionServiceTest, OverrideRequestsAreValidated) {
  auto s = OpenService("");
  ASSERT_NE(s, nullptr);
  const auto set = [&](const std::string& body) {
    return s->SetOverride(OverrideKind::kCampaign, "C1", body, "application/json").status;
  };
  EXPECT_EQ(set(R"({"action":"block","by":"a"})"), 400);
  EXPECT_EQ(set(R"({"action":"ban","by":"a","reason":"r"})"), 400);
  EXPECT_EQ(set(R"({"action":"block","by":1,"reason":"r"})"), 400);
  EXPECT_EQ(set(R"({"action":"block","by":"a","reason":"r"})"), 200);
}

TEST(DecisionServiceTest, ReloadRebuildsWithTheNewPolicyOrKeepsTheOld) {
  const std::string dir = TempDir("reload");
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/config.toml";
  { std::ofstream(config) << "[policy]\nmin_exchanges = 3\n"; }
  auto s = OpenService(dir + "/state", config);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->PostEvents(Join(Stream()), "application/x-ndjson").status, 200);
  s->Drain();
  EXPECT_NE(CheckAction(*s, "attacker"), "allow");
  // An account is never actioned before min_exchanges: with a huge one, nobody is.
  { std::ofstream(config) << "[policy]\nmin_exchanges = 100000\n"; }
  HttpAnswer a = s->Reload();
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(CheckAction(*s, "attacker"),
            s->GetAccount("attacker").body.find("\"monitor\"") != std::string::npos ? "monitor" : "allow");
  EXPECT_FALSE(IsActioned(*ParseAction(CheckAction(*s, "attacker"))));
  { std::ofstream(config) << "[policy]\nno_such_key = 1\n"; }
  a = s->Reload();
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("no_such_key"), std::string::npos);
  EXPECT_EQ(s->config().policy.min_exchanges, 100000);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dg

namespace dg {
namespace {

std::string Header(const HttpAnswer& a, const std::string& name) {
  for (const auto& [k, v] : a.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(DecisionServiceTest, AuthzMapsActionsToStatuses) {
  auto s = OpenService("");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->PostEvents(Join(Stream()), "application/x-ndjson").status, 200);
  s->Drain();
  EXPECT_EQ(s->Authz("", "203.0.113.1").status, 401);
  const HttpAnswer customer = s->Authz("customer", "");
  EXPECT_EQ(customer.status, 204);
  EXPECT_TRUE(customer.body.empty());
  EXPECT_EQ(Header(customer, "X-DistillGuard-Action"), CheckAction(*s, "customer"));
  const HttpAnswer attacker = s->Authz("attacker", "203.0.113.1");
  const std::string action = CheckAction(*s, "attacker");
  EXPECT_EQ(attacker.status, action == "throttle" ? 429 : 403) << action;
  const auto set = [&](const char* a) {
    ASSERT_EQ(s->SetOverride(OverrideKind::kAccount, "customer",
                             std::string(R"({"action":")") + a + R"(","by":"t","reason":"r"})", "application/json")
                  .status,
              200);
  };
  set("throttle");
  HttpAnswer a = s->Authz("customer", "");
  EXPECT_EQ(a.status, 429);
  EXPECT_EQ(Header(a, "Retry-After"), "60");
  set("challenge");
  a = s->Authz("customer", "");
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(Header(a, "X-DistillGuard-Reason"), "challenge");
  set("block");
  EXPECT_EQ(Header(s->Authz("customer", ""), "X-DistillGuard-Reason"), "block");
  set("monitor");
  EXPECT_EQ(s->Authz("customer", "").status, 204);
  EXPECT_EQ(s->Authz("never-seen", "").status, 204);
}

TEST(DecisionServiceTest, AuthzDirectivesAndNginxMode) {
  const std::string dir = TempDir("authz");
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/c.toml";
  {
    std::ofstream(config) << "[service]\nauthz_directives_monitor = \"reasoning=summarise\"\n"
                             "authz_directives_block = \"reason-code=b7\"\nauthz_retry_after_s = 30\n";
  }
  auto s = OpenService("", config);
  ASSERT_NE(s, nullptr);
  const auto set = [&](const char* a) {
    ASSERT_EQ(s->SetOverride(OverrideKind::kAccount, "c1",
                             std::string(R"({"action":")") + a + R"(","by":"t","reason":"r"})", "application/json")
                  .status,
              200);
  };
  // allow: no directives configured, no header.
  HttpAnswer a = s->Authz("c1", "");
  EXPECT_EQ(a.status, 204);
  EXPECT_EQ(Header(a, "X-DistillGuard-Directives"), "");
  set("monitor");
  a = s->Authz("c1", "");
  EXPECT_EQ(a.status, 204);
  EXPECT_EQ(Header(a, "X-DistillGuard-Directives"), "reasoning=summarise");
  // throttle: the default directives; 429 for Envoy/HAProxy, 403 for nginx.
  set("throttle");
  a = s->Authz("c1", "");
  EXPECT_EQ(a.status, 429);
  EXPECT_EQ(Header(a, "Retry-After"), "30");
  EXPECT_EQ(Header(a, "X-DistillGuard-Directives"), "max-tokens=1024; reasoning=strip");
  a = s->Authz(AuthzRequest{"c1", "", "", /*nginx_compat=*/true});
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(Header(a, "X-DistillGuard-Action"), "throttle");
  EXPECT_EQ(Header(a, "X-DistillGuard-Reason"), "throttle");
  EXPECT_EQ(Header(a, "Retry-After"), "30");
  set("block");
  a = s->Authz(AuthzRequest{"c1", "198.51.100.4, 10.0.0.1", "", true});
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(Header(a, "X-DistillGuard-Reason"), "block");
  EXPECT_EQ(Header(a, "X-DistillGuard-Directives"), "reason-code=b7");
  EXPECT_EQ(Header(a, "X-DistillGuard-Client-Ip"), "198.51.100.4");
  EXPECT_EQ(Header(a, "Retry-After"), "");
}

TEST(DecisionServiceTest, AuthzServesThrottledWhenConfigured) {
  const std::string dir = TempDir("authz_serve");
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/c.toml";
  { std::ofstream(config) << "[service]\nauthz_throttle = \"serve\"\n"; }
  auto s = OpenService("", config);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(
      s->SetOverride(OverrideKind::kAccount, "c1", R"({"action":"throttle","by":"t","reason":"r"})", "application/json")
          .status,
      200);
  const HttpAnswer a = s->Authz("c1", "");
  EXPECT_EQ(a.status, 204);
  EXPECT_EQ(Header(a, "X-DistillGuard-Action"), "throttle");
  EXPECT_EQ(Header(a, "X-DistillGuard-Directives"), "max-tokens=1024; reasoning=strip");
}

TEST(ClientIpTest, FromForwardedForThenRealIp) {
  EXPECT_EQ(ClientIpFromHeaders("203.0.113.7", ""), "203.0.113.7");
  EXPECT_EQ(ClientIpFromHeaders(" 203.0.113.7 , 10.0.0.1", "192.0.2.1"), "203.0.113.7");
  EXPECT_EQ(ClientIpFromHeaders("203.0.113.7:5555", ""), "203.0.113.7");
  EXPECT_EQ(ClientIpFromHeaders("[2001:db8::1]:443", ""), "2001:db8::1");
  EXPECT_EQ(ClientIpFromHeaders("2001:db8::1", ""), "2001:db8::1");
  EXPECT_EQ(ClientIpFromHeaders("unknown", "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(ClientIpFromHeaders("", "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(ClientIpFromHeaders("<script>", "x\r\ny"), "");
  EXPECT_EQ(ClientIpFromHeaders(std::string(5000, '1'), ""), "");
  EXPECT_EQ(ClientIpFromHeaders("999.1.1.1", ""), "");
}

// Threads of this process under SCHED_IDLE, from /proc (Linux).
int IdleThreads() {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    // After the command: state is field 3 of proc_pid_stat(5), policy field 41.
    for (int i = 3; i <= 41 && fields >> field; ++i) {
      if (i == 41 && field == std::to_string(SCHED_IDLE)) ++n;
    }
  }
  return n;
}

TEST(DecisionServiceTest, BackgroundThreadsFollowTheConfiguredPolicy) {
  for (const std::string policy : {"idle", "nice"}) {
    ServeOptions options;
    options.config.service.background_policy = policy;
    auto s = DecisionService::Open(options);
    ASSERT_TRUE(s.ok()) << s.status().message();
    const int want = policy == "idle" ? 2 : 0;  // the ingest and the engine thread
    // The threads switch policy when they start; wait for that, not a duration.
    for (int i = 0; i < 500 && IdleThreads() != want; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(IdleThreads(), want) << policy;
    // Ingestion works under either policy.
    EXPECT_EQ((*s)->PostEvents(Join(Stream()), "application/x-ndjson").status, 200);
    (*s)->Drain();
    EXPECT_NE(CheckAction(**s, "attacker"), "allow") << policy;
  }
}

}  // namespace
}  // namespace dg
