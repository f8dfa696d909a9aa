#include "sim/sample_traffic.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/time_util.h"
#include "sim/corpus.h"

namespace dg {
namespace {

struct Generated {
  std::string events;
  std::string labels;
  SampleTrafficStats stats;
};

Generated Generate(const SampleTrafficOptions& options) {
  std::ostringstream events;
  std::ostringstream labels;
  Result<SampleTrafficStats> stats = WriteSampleTraffic(options, events, labels);
  EXPECT_TRUE(stats.ok()) << stats.status().message();
  return {events.str(), labels.str(), stats.ok() ? *stats : SampleTrafficStats{}};
}

// The default sample, generated once for the tests that only read it.
const Generated& DefaultSample() {
  static const Generated* const kSample = new Generated(Generate(SampleTrafficOptions{}));
  return *kSample;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

struct LabelRow {
  std::string label;
  std::string kind;
  bool has_campaign = false;
};

std::map<std::string, LabelRow> ParseLabels(std::string_view text) {
  std::map<std::string, LabelRow> rows;
  simdjson::dom::parser parser;
  for (std::string_view line : Lines(text)) {
    simdjson::dom::element doc;
    EXPECT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS) << line;
    std::string_view id, label, kind;
    EXPECT_EQ(doc["account_id"].get_string().get(id), simdjson::SUCCESS);
    EXPECT_EQ(doc["label"].get_string().get(label), simdjson::SUCCESS);
    EXPECT_EQ(doc["kind"].get_string().get(kind), simdjson::SUCCESS);
    simdjson::dom::element campaign;
    EXPECT_EQ(doc["campaign"].get(campaign), simdjson::SUCCESS) << "campaign must be present";
    LabelRow row{std::string(label), std::string(kind), !campaign.is_null()};
    EXPECT_TRUE(rows.emplace(std::string(id), row).second) << "duplicate label for " << id;
  }
  return rows;
}

// The prompt as SCHEMA.md defines it: `prompt`, else the last user message.
std::string PromptOf(simdjson::dom::element doc) {
  std::string_view prompt;
  if (doc["prompt"].get_string().get(prompt) == simdjson::SUCCESS) return std::string(prompt);
  simdjson::dom::array messages;
  if (doc["messages"].get_array().get(messages) != simdjson::SUCCESS) return "";
  std::string last;
  for (simdjson::dom::element m : messages) {
    std::string_view role, content;
    if (m["role"].get_string().get(role) == simdjson::SUCCESS && role == "user" &&
        m["content"].get_string().get(content) == simdjson::SUCCESS) {
      last = std::string(content);
    }
  }
  return last;
}

TEST(SampleTrafficTest, SameSeedGivesIdenticalBytes) {
  const Generated& a = DefaultSample();
  const Generated b = Generate(SampleTrafficOptions{});
  // EXPECT_TRUE, not EXPECT_EQ: a diff of two 50 MB strings takes minutes.
  EXPECT_TRUE(a.events == b.events);
  EXPECT_TRUE(a.labels == b.labels);
}

TEST(SampleTrafficTest, DifferentSeedGivesDifferentTraffic) {
  SampleTrafficOptions options;
  options.seed = 7;
  const Generated other = Generate(options);
  EXPECT_TRUE(DefaultSample().events != other.events);
  EXPECT_TRUE(DefaultSample().labels != other.labels);
}

TEST(SampleTrafficTest, DefaultSizeIsInTheIntendedRange) {
  const SampleTrafficStats& stats = DefaultSample().stats;
  EXPECT_GE(stats.events, 40000);
  EXPECT_LE(stats.events, 80000);
}

TEST(SampleTrafficTest, EveryEventParsesWithRequiredFieldsInTimeOrder) {
  const Generated& sample = DefaultSample();
  const std::vector<std::string_view> lines = Lines(sample.events);
  ASSERT_EQ(static_cast<int64_t>(lines.size()), sample.stats.events);
  const SampleTrafficOptions options;
  const int64_t end_ms = options.start_ms + options.days * kMsPerDay;
  simdjson::dom::parser parser;
  absl::flat_hash_set<std::string> request_ids;
  int64_t previous_ms = options.start_ms;
  for (std::string_view line : lines) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS) << line;
    std::string_view ts, request_id, account_id;
    ASSERT_EQ(doc["ts"].get_string().get(ts), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["request_id"].get_string().get(request_id), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["account_id"].get_string().get(account_id), simdjson::SUCCESS) << line;
    const std::optional<int64_t> ts_ms = ParseRfc3339Ms(ts);
    ASSERT_TRUE(ts_ms.has_value()) << ts;
    EXPECT_EQ(FormatRfc3339Ms(*ts_ms), ts) << "ts must be RFC 3339 with milliseconds, UTC";
    EXPECT_GE(*ts_ms, previous_ms) << line;
    EXPECT_LT(*ts_ms, end_ms) << line;
    previous_ms = *ts_ms;
    EXPECT_TRUE(request_ids.insert(std::string(request_id)).second) << "repeated " << request_id;
  }
}

TEST(SampleTrafficTest, LabelsHaveOneLinePerAccountWithTheRightCounts) {
  const Generated& sample = DefaultSample();
  const std::map<std::string, LabelRow> labels = ParseLabels(sample.labels);
  EXPECT_EQ(static_cast<int64_t>(labels.size()), sample.stats.accounts);

  std::map<std::string, int> per_kind;
  int attack_accounts = 0;
  for (const auto& [id, row] : labels) {
    ++per_kind[row.kind];
    // Ids come from one opaque scheme for every population.
    EXPECT_EQ(id.size(), std::string_view("acct_0123456789").size()) << id;
    EXPECT_EQ(id.rfind("acct_", 0), 0U) << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 5), std::string::npos) << id;
    if (row.label == "attack") {
      ++attack_accounts;
      EXPECT_EQ(row.kind, "campaign");
      EXPECT_TRUE(row.has_campaign);
    } else {
      EXPECT_EQ(row.label, "benign");
      EXPECT_FALSE(row.has_campaign);
    }
  }
  const SampleTrafficOptions options;
  EXPECT_EQ(per_kind["chat"], options.chat_users);
  EXPECT_EQ(per_kind["developer"], options.developers);
  EXPECT_EQ(per_kind["coding-agent"], options.coding_agents);
  EXPECT_EQ(per_kind["eval-harness"], options.eval_harnesses);
  EXPECT_EQ(per_kind["campaign"], options.campaign_accounts);
  EXPECT_GE(per_kind["enterprise-batch"], 4 * options.enterprise_orgs);
  EXPECT_LE(per_kind["enterprise-batch"], 8 * options.enterprise_orgs);
  EXPECT_EQ(attack_accounts, sample.stats.attack_accounts);

  // Every account in the events has a label, and every label has events.
  simdjson::dom::parser parser;
  std::set<std::string> seen;
  for (std::string_view line : Lines(sample.events)) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    seen.insert(std::string(doc["account_id"].get_string().value()));
  }
  EXPECT_EQ(seen.size(), labels.size());
  for (const std::string& id : seen) EXPECT_TRUE(labels.contains(id)) << id;
}

TEST(SampleTrafficTest, AttackShareOfEventsMatchesStats) {
  const Generated& sample = DefaultSample();
  const std::map<std::string, LabelRow> labels = ParseLabels(sample.labels);
  simdjson::dom::parser parser;
  int64_t attack_events = 0;
  int64_t events = 0;
  for (std::string_view line : Lines(sample.events)) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    ++events;
    if (labels.at(std::string(doc["account_id"].get_string().value())).label == "attack") {
      ++attack_events;
    }
  }
  EXPECT_EQ(events, sample.stats.events);
  EXPECT_EQ(attack_events, sample.stats.attack_events);
  const double share = static_cast<double>(attack_events) / static_cast<double>(events);
  // A campaign hidden in the crowd: visible, but a minority of the traffic.
  EXPECT_GT(share, 0.03);
  EXPECT_LT(share, 0.25);
}

TEST(SampleTrafficTest, BenignAccountsRarelyShareAnIdenticalPrompt) {
  const Generated& sample = DefaultSample();
  const std::map<std::string, LabelRow> labels = ParseLabels(sample.labels);
  simdjson::dom::parser parser;
  // Benchmark questions legitimately repeat across evaluation harnesses.
  absl::flat_hash_map<std::string, std::set<std::string>> accounts_by_prompt;
  absl::flat_hash_map<std::string, int64_t> events_by_prompt;
  int64_t benign_events = 0;
  for (std::string_view line : Lines(sample.events)) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    const std::string account(doc["account_id"].get_string().value());
    const LabelRow& row = labels.at(account);
    if (row.label != "benign" || row.kind == "eval-harness") continue;
    const std::string prompt = PromptOf(doc);
    if (prompt.empty()) continue;
    ++benign_events;
    ++events_by_prompt[prompt];
    accounts_by_prompt[prompt].insert(account);
  }
  ASSERT_GT(accounts_by_prompt.size(), 0U);
  int64_t shared_prompts = 0;
  int64_t events_with_shared_prompt = 0;
  for (const auto& [prompt, accounts] : accounts_by_prompt) {
    if (accounts.size() > 1) {
      ++shared_prompts;
      events_with_shared_prompt += events_by_prompt[prompt];
    }
  }
  const double shared_share = static_cast<double>(shared_prompts) / static_cast<double>(accounts_by_prompt.size());
  EXPECT_LT(shared_share, 0.02) << shared_prompts << " of " << accounts_by_prompt.size()
                                << " distinct benign prompts occur under several accounts";
  // Weighted by events too: the shared ones are not the frequent ones.
  const double shared_event_share = static_cast<double>(events_with_shared_prompt) / static_cast<double>(benign_events);
  EXPECT_LT(shared_event_share, 0.02) << events_with_shared_prompt << " of " << benign_events;
}

TEST(SampleTrafficTest, EverySchemaFieldAppearsSomewhere) {
  const Generated& sample = DefaultSample();
  simdjson::dom::parser parser;
  std::set<std::string> fields;
  std::set<std::string> account_fields;
  std::set<std::string> param_fields;
  std::set<std::string> ip_types;
  std::set<std::string> models;
  bool ipv6 = false;
  for (std::string_view line : Lines(sample.events)) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    for (auto [key, value] : doc.get_object()) {
      fields.insert(std::string(key));
      if (key == "account") {
        for (auto [k, v] : value.get_object()) account_fields.insert(std::string(k));
      } else if (key == "params") {
        for (auto [k, v] : value.get_object()) param_fields.insert(std::string(k));
      } else if (key == "ip_type") {
        ip_types.insert(std::string(value.get_string().value()));
      } else if (key == "model") {
        models.insert(std::string(value.get_string().value()));
      } else if (key == "ip") {
        ipv6 = ipv6 || value.get_string().value().find(':') != std::string_view::npos;
      }
    }
  }
  for (const char* field :
       {"ts",           "request_id",    "account_id",      "org_id",    "api_key_id", "ip",         "asn",
        "ip_type",      "country",       "user_agent",      "client_fp", "account",    "model",      "system",
        "prompt",       "messages",      "conversation_id", "turn",      "tools",      "tool_calls", "params",
        "input_tokens", "output_tokens", "stop_reason",     "response"}) {
    EXPECT_TRUE(fields.contains(field)) << field;
  }
  for (const char* field :
       {"created", "email_domain", "email_local_shape", "payment_fp", "billing_country", "phone_verified", "tier"}) {
    EXPECT_TRUE(account_fields.contains(field)) << field;
  }
  for (const char* field :
       {"max_tokens", "temperature", "top_p", "n", "logprobs", "top_logprobs", "thinking_budget", "stream"}) {
    EXPECT_TRUE(param_fields.contains(field)) << field;
  }
  for (const char* type : {"residential", "mobile", "business", "hosting", "vpn", "proxy"}) {
    EXPECT_TRUE(ip_types.contains(type)) << type;
  }
  EXPECT_EQ(models.size(), 2U);
  EXPECT_TRUE(ipv6);
}

// The campaign has the shape DESIGN.md describes; a later detector test
// relies on these being present rather than on any one value.
TEST(SampleTrafficTest, CampaignSharesInfrastructureAndSwitchesModel) {
  const Generated& sample = DefaultSample();
  const std::map<std::string, LabelRow> labels = ParseLabels(sample.labels);
  simdjson::dom::parser parser;
  std::set<std::string> payment_fps, user_agents, client_fps, asns, accounts_on_new_model;
  int64_t attack_events = 0, coerced = 0;
  for (std::string_view line : Lines(sample.events)) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line.data(), line.size()).get(doc), simdjson::SUCCESS);
    const std::string account(doc["account_id"].get_string().value());
    if (labels.at(account).label != "attack") continue;
    ++attack_events;
    user_agents.insert(std::string(doc["user_agent"].get_string().value()));
    client_fps.insert(std::string(doc["client_fp"].get_string().value()));
    asns.insert(std::to_string(doc["asn"].get_int64().value()));
    simdjson::dom::element facts;
    if (doc["account"].get(facts) == simdjson::SUCCESS) {
      payment_fps.insert(std::string(facts["payment_fp"].get_string().value()));
      EXPECT_FALSE(facts["phone_verified"].get_bool().value());
    }
    if (doc["model"].get_string().value() == "orion-3") accounts_on_new_model.insert(account);
    std::string_view system;
    if (doc["system"].get_string().get(system) == simdjson::SUCCESS &&
        system.find("step-by-step reasoning") != std::string_view::npos) {
      ++coerced;
    }
  }
  EXPECT_EQ(user_agents.size(), 1U);
  EXPECT_EQ(client_fps.size(), 1U);
  EXPECT_GE(asns.size(), 2U);
  EXPECT_LE(asns.size(), 3U);
  EXPECT_LE(payment_fps.size(), 6U);
  // Part of the campaign moves to the new model on day 2, together.
  EXPECT_GT(accounts_on_new_model.size(), static_cast<size_t>(sample.stats.attack_accounts / 4));
  EXPECT_LT(accounts_on_new_model.size(), static_cast<size_t>(sample.stats.attack_accounts));
  EXPECT_EQ(coerced, attack_events);
}

TEST(SampleTrafficTest, ScaleMultipliesPopulations) {
  SampleTrafficOptions options;
  options.scale = 0.1;
  const Generated small = Generate(options);
  EXPECT_LT(small.stats.events, DefaultSample().stats.events / 4);
  EXPECT_EQ(small.stats.attack_accounts, 8);
}

TEST(SampleTrafficTest, RejectsBadOptions) {
  std::ostringstream events, labels;
  SampleTrafficOptions options;
  options.days = 0;
  EXPECT_EQ(WriteSampleTraffic(options, events, labels).status().code(), StatusCode::kInvalidArgument);
  options = SampleTrafficOptions{};
  options.scale = -1;
  EXPECT_EQ(WriteSampleTraffic(options, events, labels).status().code(), StatusCode::kInvalidArgument);
  options = SampleTrafficOptions{};
  options.chat_users = -3;
  EXPECT_EQ(WriteSampleTraffic(options, events, labels).status().code(), StatusCode::kInvalidArgument);
}

TEST(SampleTrafficTest, FailingStreamIsAnIoError) {
  SampleTrafficOptions options;
  options.scale = 0.05;
  std::ostringstream events, labels;
  events.setstate(std::ios::badbit);
  EXPECT_EQ(WriteSampleTraffic(options, events, labels).status().code(), StatusCode::kIoError);
}

TEST(CorpusTest, EmbeddedCorporaHaveTheDocumentedRecordCounts) {
  // data/samples/README.md
  const std::map<std::string, size_t> expected = {
      {"alpaca", 400},       {"codealpaca", 300}, {"self_instruct", 175}, {"koala", 180},  {"hh_rlhf", 200},
      {"oasst_vicuna", 200}, {"wizardlm", 200},   {"odex_en", 200},       {"odex_es", 90}, {"odex_ja", 164},
      {"odex_ru", 200},      {"mt_bench", 80},    {"humaneval", 80},      {"mbpp", 150},   {"gsm8k", 150},
  };
  EXPECT_EQ(EmbeddedCorpusNames().size(), expected.size());
  for (const auto& [name, count] : expected) {
    Result<Corpus> corpus = LoadEmbeddedCorpus(name);
    ASSERT_TRUE(corpus.ok()) << name << ": " << corpus.status().message();
    EXPECT_EQ(corpus->texts.size() + corpus->conversations.size(), count) << name;
  }
  Result<Corpus> hh = LoadEmbeddedCorpus("hh_rlhf");
  ASSERT_TRUE(hh.ok());
  EXPECT_TRUE(hh->texts.empty());
  EXPECT_FALSE(hh->conversations.front().empty());
}

TEST(CorpusTest, EmbeddedBytesMatchTheFilesOnDisk) {
  Result<Corpus> embedded = LoadEmbeddedCorpus("odex_ja");
  Result<Corpus> on_disk = LoadCorpusFile(std::string(DG_SOURCE_DIR) + "/data/samples/odex_ja.jsonl");
  ASSERT_TRUE(embedded.ok());
  ASSERT_TRUE(on_disk.ok()) << on_disk.status().message();
  EXPECT_EQ(embedded->texts, on_disk->texts);
}

TEST(CorpusTest, UnknownEmbeddedNameIsNotFound) {
  EXPECT_EQ(LoadEmbeddedCorpus("nope").status().code(), StatusCode::kNotFound);
}

TEST(CorpusTest, ParsesTextsAndConversationsAndReportsBadLines) {
  Result<Corpus> ok = ParseCorpusJsonl("{\"text\": \"a\\nb\"}\n\n{\"turns\": [\"x\", \"y\"]}\r\n", "t");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->texts, std::vector<std::string>{"a\nb"});
  ASSERT_EQ(ok->conversations.size(), 1U);
  EXPECT_EQ(ok->conversations[0], (std::vector<std::string>{"x", "y"}));

  Result<Corpus> bad_json = ParseCorpusJsonl("{\"text\": \"a\"}\n{oops\n", "t");
  EXPECT_EQ(bad_json.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bad_json.status().message().find("t:2"), std::string::npos);
  EXPECT_EQ(ParseCorpusJsonl("{\"turns\": [1]}", "t").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseCorpusJsonl("{\"other\": 1}", "t").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseCorpusJsonl("[1]", "t").status().code(), StatusCode::kDataLoss);
}

TEST(CorpusTest, LoadCorpusFileReadsAndReportsMissingFiles) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "dg_corpus_test.jsonl";
  {
    std::ofstream out(path);
    out << "{\"text\": \"hello\"}\n";
  }
  Result<Corpus> corpus = LoadCorpusFile(path.string());
  ASSERT_TRUE(corpus.ok()) << corpus.status().message();
  EXPECT_EQ(corpus->texts, std::vector<std::string>{"hello"});
  std::filesystem::remove(path);
  EXPECT_EQ(LoadCorpusFile(path.string()).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dg
