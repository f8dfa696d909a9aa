#include "pipeline/config.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

TEST(ConfigTest, ShippedDefaultFileEqualsCompiledDefaults) {
  auto loaded = LoadConfigFile(DG_SOURCE_DIR "/config/default.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const EngineConfig defaults;
  const EngineConfig& c = *loaded;
  EXPECT_EQ(c.ingest.max_line_bytes, defaults.ingest.max_line_bytes);
  EXPECT_EQ(c.ingest.reorder_window_ms, defaults.ingest.reorder_window_ms);
  EXPECT_EQ(c.ingest.dedup_window_ms, defaults.ingest.dedup_window_ms);
  EXPECT_EQ(c.ingest.dedup_max_ids, defaults.ingest.dedup_max_ids);
  EXPECT_DOUBLE_EQ(c.policy.monitor, defaults.policy.monitor);
  EXPECT_DOUBLE_EQ(c.policy.throttle, defaults.policy.throttle);
  EXPECT_DOUBLE_EQ(c.policy.challenge, defaults.policy.challenge);
  EXPECT_DOUBLE_EQ(c.policy.block, defaults.policy.block);
  EXPECT_EQ(c.policy.min_exchanges, defaults.policy.min_exchanges);
  EXPECT_EQ(c.policy.sticky, defaults.policy.sticky);
  EXPECT_EQ(c.stream.nats_urls, defaults.stream.nats_urls);
  EXPECT_EQ(c.stream.partitions, defaults.stream.partitions);
  EXPECT_EQ(c.stream.replicas, defaults.stream.replicas);
  EXPECT_EQ(c.stream.duplicate_window_ms, defaults.stream.duplicate_window_ms);
  EXPECT_EQ(c.stream.events_stream, defaults.stream.events_stream);
  EXPECT_EQ(c.stream.classified_stream, defaults.stream.classified_stream);
  EXPECT_EQ(c.stream.decisions_bucket, defaults.stream.decisions_bucket);
  EXPECT_EQ(c.stream.leases_bucket, defaults.stream.leases_bucket);
  EXPECT_EQ(c.stream.lease_ttl_ms, defaults.stream.lease_ttl_ms);
  const LinkageConfig& l = c.linkage;
  const LinkageConfig& ld = defaults.linkage;
  EXPECT_EQ(l.enabled, ld.enabled);
  for (size_t k = 0; k < kLinkKindCount; ++k) EXPECT_DOUBLE_EQ(l.kind_weight[k], ld.kind_weight[k]) << k;
  for (size_t f = 0; f < kLinkFamilyCount; ++f) EXPECT_DOUBLE_EQ(l.family_cap[f], ld.family_cap[f]) << f;
  for (auto [got, want] : {std::pair{l.edge_threshold, ld.edge_threshold},
                           {l.common_damping, ld.common_damping},
                           {l.suspicious_score, ld.suspicious_score},
                           {l.attach_weight, ld.attach_weight},
                           {l.core_median_share, ld.core_median_share},
                           {l.campaign_bias, ld.campaign_bias},
                           {l.campaign_pooled_score, ld.campaign_pooled_score},
                           {l.campaign_mean_score, ld.campaign_mean_score},
                           {l.campaign_suspicious_share, ld.campaign_suspicious_share},
                           {l.campaign_signup_burst, ld.campaign_signup_burst},
                           {l.campaign_size, ld.campaign_size},
                           {l.campaign_verified_org, ld.campaign_verified_org},
                           {l.campaign_coverage, ld.campaign_coverage},
                           {l.protect_below_score, ld.protect_below_score}}) {
    EXPECT_DOUBLE_EQ(got, want);
  }
  for (auto [got, want] : {std::pair{l.edge_min_families, ld.edge_min_families},
                           {l.common_accounts, ld.common_accounts},
                           {l.min_campaign_accounts, ld.min_campaign_accounts},
                           {l.seed_min_exchanges, ld.seed_min_exchanges},
                           {l.protect_min_exchanges, ld.protect_min_exchanges}}) {
    EXPECT_EQ(got, want);
  }
  EXPECT_EQ(l.max_keys, ld.max_keys);
  EXPECT_EQ(l.seen_once_capacity, ld.seen_once_capacity);
  const ScoringWeights& w = c.weights;
  const ScoringWeights& d = defaults.weights;
  for (auto [got, want] : {std::pair{w.bias, d.bias},
                           {w.coercion, d.coercion},
                           {w.rubric, d.rubric},
                           {w.target_capabilities, d.target_capabilities},
                           {w.single_turn, d.single_turn},
                           {w.anonymised_network, d.anonymised_network},
                           {w.country_mismatch, d.country_mismatch},
                           {w.new_account, d.new_account},
                           {w.unverified, d.unverified},
                           {w.free_tier, d.free_tier},
                           {w.large_outputs, d.large_outputs},
                           {w.logprobs, d.logprobs},
                           {w.multi_sample, d.multi_sample},
                           {w.round_the_clock, d.round_the_clock},
                           {w.regular_timing, d.regular_timing},
                           {w.verified_org, d.verified_org},
                           {w.conversations, d.conversations},
                           {w.agent_loop, d.agent_loop},
                           {w.account_age, d.account_age},
                           {w.prior_weight, d.prior_weight},
                           {w.new_account_hours, d.new_account_hours},
                           {w.aged_account_days, d.aged_account_days}}) {
    EXPECT_DOUBLE_EQ(got, want);
  }
  EXPECT_EQ(w.timing_min_exchanges, d.timing_min_exchanges);
  const ServiceOptions& sv = c.service;
  const ServiceOptions& sd = defaults.service;
  EXPECT_EQ(sv.read_tokens, sd.read_tokens);
  EXPECT_EQ(sv.write_tokens, sd.write_tokens);
  EXPECT_EQ(sv.max_body_bytes, sd.max_body_bytes);
  EXPECT_EQ(sv.read_timeout_ms, sd.read_timeout_ms);
  EXPECT_EQ(sv.write_timeout_ms, sd.write_timeout_ms);
  EXPECT_EQ(sv.idle_timeout_ms, sd.idle_timeout_ms);
  EXPECT_EQ(sv.threads, sd.threads);
  EXPECT_EQ(sv.keep_alive_max_requests, sd.keep_alive_max_requests);
  EXPECT_EQ(sv.max_queue_events, sd.max_queue_events);
  EXPECT_EQ(sv.max_errors, sd.max_errors);
  EXPECT_EQ(sv.fsync, sd.fsync);
  EXPECT_EQ(sv.background_policy, sd.background_policy);
  EXPECT_EQ(sv.background_nice, sd.background_nice);
  EXPECT_EQ(sv.authz_account_header, sd.authz_account_header);
  EXPECT_EQ(sv.authz_retry_after_s, sd.authz_retry_after_s);
  EXPECT_EQ(sv.authz_throttle, sd.authz_throttle);
  EXPECT_EQ(sv.authz_directives, sd.authz_directives);
}

TEST(ConfigTest, AuthzDirectives) {
  auto c = ParseConfig(
      "[service]\nauthz_directives_monitor = \"reasoning=summarise\"\nauthz_directives_throttle = \"\"\n"
      "authz_throttle = \"serve\"\n",
      "t");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->service.authz_directives[1], "reasoning=summarise");
  EXPECT_EQ(c->service.authz_directives[2], "");
  EXPECT_EQ(c->service.authz_throttle, "serve");
  EXPECT_TRUE(ValidateDirectives("max-tokens=1024; reasoning=strip").ok());
  EXPECT_TRUE(ValidateDirectives("max-tokens=1024;").ok());
  EXPECT_FALSE(ValidateDirectives("max-tokens").ok());
  EXPECT_FALSE(ValidateDirectives("=1").ok());
  EXPECT_FALSE(ValidateDirectives("a=1;;b=2").ok());
  EXPECT_FALSE(ValidateDirectives("Max=1").ok());
  EXPECT_FALSE(ValidateDirectives("a=1\r\nX-Evil: 1").ok());
  EXPECT_FALSE(ParseConfig("[service]\nauthz_directives_allow = \"a=b c\"\n", "t").ok());
  EXPECT_FALSE(ParseConfig("[service]\nauthz_throttle = \"maybe\"\n", "t").ok());
}

TEST(ConfigTest, ServiceSection) {
  auto c = ParseConfig(
      "[service]\nread_tokens = [\"r\"]\nwrite_tokens = [\"w1\", \"w2\"]\nthreads = 8\n"
      "fsync = false\nread_timeout_ms = 250\nbackground_policy = \"nice\"\n",
      "t.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->service.read_tokens, std::vector<std::string>{"r"});
  EXPECT_EQ(c->service.write_tokens, (std::vector<std::string>{"w1", "w2"}));
  EXPECT_EQ(c->service.threads, 8u);
  EXPECT_FALSE(c->service.fsync);
  EXPECT_EQ(c->service.read_timeout_ms, 250);
  EXPECT_EQ(c->service.background_policy, "nice");
  for (const char* bad :
       {"[service]\nread_tokens = \"r\"\n", "[service]\nwrite_tokens = [1]\n", "[service]\nwrite_tokens = [\"\"]\n",
        "[service]\nthreads = 0\n", "[service]\nread_timeout_ms = 0\n", "[service]\ntoken = \"x\"\n",
        "[service]\nbackground_policy = \"batch\"\n"}) {
    auto r = ParseConfig(bad, "t.toml");
    EXPECT_FALSE(r.ok()) << bad;
    // A rejected token value never appears in the message.
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find("\"x\""), std::string::npos);
    }
  }
}

TEST(ConfigTest, StreamSection) {
  auto c = ParseConfig(
      "[stream]\nnats_urls = [\"nats://a:4222\", \"nats://b:4222\"]\npartitions = 6\n"
      "replicas = 3\nlease_ttl_ms = 2000\n",
      "t.toml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->stream.nats_urls, (std::vector<std::string>{"nats://a:4222", "nats://b:4222"}));
  EXPECT_EQ(c->stream.partitions, 6);
  EXPECT_EQ(c->stream.replicas, 3);
  EXPECT_EQ(c->stream.lease_ttl_ms, 2000);
  EXPECT_EQ(c->stream.events_stream, "DG_EVENTS");
  for (const char* bad : {"[stream]\npartitions = 0\n", "[stream]\npartitions = 5000\n", "[stream]\nreplicas = 7\n",
                          "[stream]\nduplicate_window_ms = 10\n", "[stream]\nlease_ttl_ms = 0\n",
                          "[stream]\nnats_url = []\n", "[stream]\nevents_stream = \"\"\n"}) {
    EXPECT_FALSE(ParseConfig(bad, "t.toml").ok()) << bad;
  }
}

TEST(ConfigTest, OverridesAndPartialFiles) {
  auto c = ParseConfig("[policy]\nblock = 0.99\n[ingest]\nmax_line_bytes = 1000\n", "test");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_DOUBLE_EQ(c->policy.block, 0.99);
  EXPECT_EQ(c->ingest.max_line_bytes, 1000u);
  EXPECT_DOUBLE_EQ(c->policy.monitor, PolicyConfig{}.monitor);
}

TEST(ConfigTest, RejectsTyposWrongTypesAndBadValues) {
  const std::pair<const char*, const char*> cases[] = {
      {"[policy]\nblok = 0.9\n", "unknown config key 'policy.blok'"},
      {"[polcy]\nblock = 0.9\n", "unknown config section [polcy]"},
      {"[policy]\nblock = \"high\"\n", "config key 'policy.block' must be a number"},
      {"[policy]\nblock = 0.1\n", "monitor <= throttle <= challenge <= block"},
      {"[ingest]\nmax_line_bytes = -1\n", "must be a positive integer"},
      {"[policy\n", "test:1:"},
  };
  for (const auto& [text, want] : cases) {
    auto c = ParseConfig(text, "test");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
  }
  EXPECT_EQ(LoadConfigFile("/nonexistent.toml").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace dg
