#include "pipeline/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace dg {
namespace {

// More threads than this is a typo, not a deployment.
constexpr size_t kMaxServiceThreads = 1024;
// CPU_SETSIZE on Linux.
constexpr int64_t kMaxCpuId = 1024;

using Setter = std::function<Status(const toml::node&)>;

Status TypeError(const std::string& key, const char* want) {
  return Status::InvalidArgument("config key '" + key + "' must be " + want);
}

Setter Double(const std::string& key, double* out) {
  return [key, out](const toml::node& n) {
    if (auto v = n.value<double>()) {
      *out = *v;
      return Status::Ok();
    }
    return TypeError(key, "a number");
  };
}

Setter Int(const std::string& key, int64_t* out) {
  return [key, out](const toml::node& n) {
    if (!n.is_integer()) return TypeError(key, "an integer");
    *out = *n.value<int64_t>();
    return Status::Ok();
  };
}

Setter Size(const std::string& key, size_t* out) {
  return [key, out](const toml::node& n) {
    if (!n.is_integer() || *n.value<int64_t>() <= 0) return TypeError(key, "a positive integer");
    *out = static_cast<size_t>(*n.value<int64_t>());
    return Status::Ok();
  };
}

Setter Bool(const std::string& key, bool* out) {
  return [key, out](const toml::node& n) {
    if (!n.is_boolean()) return TypeError(key, "true or false");
    *out = *n.value<bool>();
    return Status::Ok();
  };
}

Setter String(const std::string& key, std::string* out) {
  return [key, out](const toml::node& n) {
    if (!n.is_string() || n.value<std::string>()->empty()) return TypeError(key, "a non-empty string");
    *out = *n.value<std::string>();
    return Status::Ok();
  };
}

// A string that may be empty (e.g. "no directives").
Setter AnyString(const std::string& key, std::string* out) {
  return [key, out](const toml::node& n) {
    if (!n.is_string()) return TypeError(key, "a string");
    *out = *n.value<std::string>();
    return Status::Ok();
  };
}

Setter Strings(const std::string& key, std::vector<std::string>* out) {
  return [key, out](const toml::node& n) {
    const toml::array* array = n.as_array();
    if (array == nullptr) return TypeError(key, "an array of strings");
    std::vector<std::string> values;
    for (const auto& element : *array) {
      if (!element.is_string() || element.value<std::string>()->empty()) {
        return TypeError(key, "an array of non-empty strings");
      }
      values.push_back(*element.value<std::string>());
    }
    *out = std::move(values);
    return Status::Ok();
  };
}

Setter Cpus(const std::string& key, std::vector<int>* out) {
  return [key, out](const toml::node& n) {
    const toml::array* array = n.as_array();
    if (array == nullptr) return TypeError(key, "an array of CPU ids");
    std::vector<int> values;
    for (const auto& element : *array) {
      if (!element.is_integer() || *element.value<int64_t>() < 0 || *element.value<int64_t>() >= kMaxCpuId) {
        return TypeError(key, "an array of CPU ids (integers from 0)");
      }
      values.push_back(static_cast<int>(*element.value<int64_t>()));
    }
    *out = std::move(values);
    return Status::Ok();
  };
}

std::map<std::string, std::map<std::string, Setter>> Schema(EngineConfig* c) {
  auto& i = c->ingest;
  auto& w = c->weights;
  auto& p = c->policy;
  auto& s = c->service;
  auto& l = c->linkage;
  std::map<std::string, Setter> linkage = {
      {"enabled", Bool("linkage.enabled", &l.enabled)},
      {"edge_threshold", Double("linkage.edge_threshold", &l.edge_threshold)},
      {"edge_min_families", Int("linkage.edge_min_families", &l.edge_min_families)},
      {"common_accounts", Int("linkage.common_accounts", &l.common_accounts)},
      {"common_damping", Double("linkage.common_damping", &l.common_damping)},
      {"min_campaign_accounts", Int("linkage.min_campaign_accounts", &l.min_campaign_accounts)},
      {"campaign_bias", Double("linkage.campaign_bias", &l.campaign_bias)},
      {"campaign_pooled_score", Double("linkage.campaign_pooled_score", &l.campaign_pooled_score)},
      {"campaign_mean_score", Double("linkage.campaign_mean_score", &l.campaign_mean_score)},
      {"campaign_suspicious_share", Double("linkage.campaign_suspicious_share", &l.campaign_suspicious_share)},
      {"campaign_signup_burst", Double("linkage.campaign_signup_burst", &l.campaign_signup_burst)},
      {"campaign_size", Double("linkage.campaign_size", &l.campaign_size)},
      {"campaign_coverage", Double("linkage.campaign_coverage", &l.campaign_coverage)},
      {"campaign_verified_org", Double("linkage.campaign_verified_org", &l.campaign_verified_org)},
      {"suspicious_score", Double("linkage.suspicious_score", &l.suspicious_score)},
      {"seed_min_exchanges", Int("linkage.seed_min_exchanges", &l.seed_min_exchanges)},
      {"attach_weight", Double("linkage.attach_weight", &l.attach_weight)},
      {"core_median_share", Double("linkage.core_median_share", &l.core_median_share)},
      {"protect_below_score", Double("linkage.protect_below_score", &l.protect_below_score)},
      {"protect_min_exchanges", Int("linkage.protect_min_exchanges", &l.protect_min_exchanges)},
      {"max_keys", Size("linkage.max_keys", &l.max_keys)},
      {"seen_once_capacity", Size("linkage.seen_once_capacity", &l.seen_once_capacity)},
  };
  for (size_t k = 0; k < kLinkKindCount; ++k) {
    const std::string name = "weight_" + std::string(LinkKindName(static_cast<LinkKind>(k)));
    linkage.emplace(name, Double("linkage." + name, &l.kind_weight[k]));
  }
  for (size_t f = 0; f < kLinkFamilyCount; ++f) {
    std::string family(LinkFamilyName(static_cast<LinkFamily>(f)));
    std::replace(family.begin(), family.end(), '-', '_');
    const std::string name = "cap_" + family;
    linkage.emplace(name, Double("linkage." + name, &l.family_cap[f]));
  }
  return {
      {"linkage", std::move(linkage)},
      {"ingest",
       {{"max_line_bytes", Size("ingest.max_line_bytes", &i.max_line_bytes)},
        {"reorder_window_ms", Int("ingest.reorder_window_ms", &i.reorder_window_ms)},
        {"dedup_window_ms", Int("ingest.dedup_window_ms", &i.dedup_window_ms)},
        {"dedup_max_ids", Size("ingest.dedup_max_ids", &i.dedup_max_ids)}}},
      {"policy",
       {{"monitor", Double("policy.monitor", &p.monitor)},
        {"throttle", Double("policy.throttle", &p.throttle)},
        {"challenge", Double("policy.challenge", &p.challenge)},
        {"block", Double("policy.block", &p.block)},
        {"min_exchanges", Int("policy.min_exchanges", &p.min_exchanges)},
        {"sticky", Bool("policy.sticky", &p.sticky)}}},
      {"weights",
       {{"bias", Double("weights.bias", &w.bias)},
        {"coercion", Double("weights.coercion", &w.coercion)},
        {"rubric", Double("weights.rubric", &w.rubric)},
        {"target_capabilities", Double("weights.target_capabilities", &w.target_capabilities)},
        {"single_turn", Double("weights.single_turn", &w.single_turn)},
        {"anonymised_network", Double("weights.anonymised_network", &w.anonymised_network)},
        {"country_mismatch", Double("weights.country_mismatch", &w.country_mismatch)},
        {"new_account", Double("weights.new_account", &w.new_account)},
        {"unverified", Double("weights.unverified", &w.unverified)},
        {"free_tier", Double("weights.free_tier", &w.free_tier)},
        {"large_outputs", Double("weights.large_outputs", &w.large_outputs)},
        {"logprobs", Double("weights.logprobs", &w.logprobs)},
        {"multi_sample", Double("weights.multi_sample", &w.multi_sample)},
        {"round_the_clock", Double("weights.round_the_clock", &w.round_the_clock)},
        {"regular_timing", Double("weights.regular_timing", &w.regular_timing)},
        {"verified_org", Double("weights.verified_org", &w.verified_org)},
        {"conversations", Double("weights.conversations", &w.conversations)},
        {"agent_loop", Double("weights.agent_loop", &w.agent_loop)},
        {"account_age", Double("weights.account_age", &w.account_age)},
        {"prior_weight", Double("weights.prior_weight", &w.prior_weight)},
        {"new_account_hours", Double("weights.new_account_hours", &w.new_account_hours)},
        {"aged_account_days", Double("weights.aged_account_days", &w.aged_account_days)},
        {"timing_min_exchanges", Int("weights.timing_min_exchanges", &w.timing_min_exchanges)}}},
      {"service",
       {{"read_tokens", Strings("service.read_tokens", &s.read_tokens)},
        {"write_tokens", Strings("service.write_tokens", &s.write_tokens)},
        {"max_body_bytes", Size("service.max_body_bytes", &s.max_body_bytes)},
        {"read_timeout_ms", Int("service.read_timeout_ms", &s.read_timeout_ms)},
        {"write_timeout_ms", Int("service.write_timeout_ms", &s.write_timeout_ms)},
        {"idle_timeout_ms", Int("service.idle_timeout_ms", &s.idle_timeout_ms)},
        {"threads", Size("service.threads", &s.threads)},
        {"io_threads", Size("service.io_threads", &s.io_threads)},
        {"max_connections", Size("service.max_connections", &s.max_connections)},
        {"io_cpus", Cpus("service.io_cpus", &s.io_cpus)},
        {"background_cpus", Cpus("service.background_cpus", &s.background_cpus)},
        {"keep_alive_max_requests", Size("service.keep_alive_max_requests", &s.keep_alive_max_requests)},
        {"max_queue_events", Size("service.max_queue_events", &s.max_queue_events)},
        {"max_errors", Size("service.max_errors", &s.max_errors)},
        {"fsync", Bool("service.fsync", &s.fsync)},
        {"background_policy", String("service.background_policy", &s.background_policy)},
        {"background_nice", Int("service.background_nice", &s.background_nice)},
        {"authz_account_header", String("service.authz_account_header", &s.authz_account_header)},
        {"authz_retry_after_s", Int("service.authz_retry_after_s", &s.authz_retry_after_s)},
        {"authz_throttle", String("service.authz_throttle", &s.authz_throttle)},
        {"authz_directives_allow", AnyString("service.authz_directives_allow", &s.authz_directives[0])},
        {"authz_directives_monitor", AnyString("service.authz_directives_monitor", &s.authz_directives[1])},
        {"authz_directives_throttle", AnyString("service.authz_directives_throttle", &s.authz_directives[2])},
        {"authz_directives_challenge", AnyString("service.authz_directives_challenge", &s.authz_directives[3])},
        {"authz_directives_block", AnyString("service.authz_directives_block", &s.authz_directives[4])}}},
      {"stream",
       {{"nats_urls", Strings("stream.nats_urls", &c->stream.nats_urls)},
        {"partitions", Int("stream.partitions", &c->stream.partitions)},
        {"replicas", Int("stream.replicas", &c->stream.replicas)},
        {"duplicate_window_ms", Int("stream.duplicate_window_ms", &c->stream.duplicate_window_ms)},
        {"events_stream", String("stream.events_stream", &c->stream.events_stream)},
        {"classified_stream", String("stream.classified_stream", &c->stream.classified_stream)},
        {"decisions_bucket", String("stream.decisions_bucket", &c->stream.decisions_bucket)},
        {"leases_bucket", String("stream.leases_bucket", &c->stream.leases_bucket)},
        {"lease_ttl_ms", Int("stream.lease_ttl_ms", &c->stream.lease_ttl_ms)}}},
  };
}

}  // namespace

Status ValidateDirectives(std::string_view directives) {
  // Gateways copy the value into a request header and parse it with simple
  // splitting, so the alphabet is kept to what needs no quoting anywhere.
  const auto bad = [&](const char* why) {
    return Status::InvalidArgument("service.authz_directives_*: " + std::string(why) + " in '" +
                                   std::string(directives) + "'");
  };
  size_t start = 0;
  while (start <= directives.size()) {
    size_t end = directives.find(';', start);
    if (end == std::string_view::npos) end = directives.size();
    std::string_view item = directives.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) return bad("expected name=value");
      for (char c : item.substr(0, eq)) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return bad("bad character in a name");
      }
      for (char c : item.substr(eq + 1)) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_')) {
          return bad("bad character in a value");
        }
      }
    } else if (end < directives.size()) {
      return bad("empty item");
    }
    start = end + 1;
  }
  return Status::Ok();
}

Status EngineConfig::Validate() const {
  if (ingest.reorder_window_ms < 0) return Status::InvalidArgument("ingest.reorder_window_ms must be >= 0");
  if (ingest.dedup_window_ms < 0) return Status::InvalidArgument("ingest.dedup_window_ms must be >= 0");
  for (int64_t timeout_ms : {service.read_timeout_ms, service.write_timeout_ms, service.idle_timeout_ms}) {
    if (timeout_ms < 1) return Status::InvalidArgument("service timeouts must be >= 1 ms");
  }
  if (service.io_threads < 1 || service.io_threads > kMaxServiceThreads) {
    return Status::InvalidArgument("service.io_threads must be in [1, " + std::to_string(kMaxServiceThreads) + "]");
  }
  if (service.threads < 1 || service.threads > kMaxServiceThreads) {
    return Status::InvalidArgument("service.threads must be in [1, " + std::to_string(kMaxServiceThreads) + "]");
  }
  if (service.max_connections < 1) return Status::InvalidArgument("service.max_connections must be >= 1");
  if (service.background_nice < 0 || service.background_nice > 19) {
    return Status::InvalidArgument("service.background_nice must be in [0, 19]");
  }
  if (service.background_policy != "idle" && service.background_policy != "nice") {
    return Status::InvalidArgument("service.background_policy must be \"idle\" or \"nice\"");
  }
  if (service.authz_retry_after_s < 0) return Status::InvalidArgument("service.authz_retry_after_s must be >= 0");
  if (service.authz_throttle != "refuse" && service.authz_throttle != "serve") {
    return Status::InvalidArgument("service.authz_throttle must be \"refuse\" or \"serve\"");
  }
  for (const std::string& d : service.authz_directives) DG_RETURN_IF_ERROR(ValidateDirectives(d));
  if (stream.partitions < 1 || stream.partitions > 1024) {
    return Status::InvalidArgument("stream.partitions must be in [1, 1024]");
  }
  if (stream.replicas < 1 || stream.replicas > 5) return Status::InvalidArgument("stream.replicas must be in [1, 5]");
  if (stream.duplicate_window_ms < 1000) return Status::InvalidArgument("stream.duplicate_window_ms must be >= 1000");
  if (stream.lease_ttl_ms < 1000) return Status::InvalidArgument("stream.lease_ttl_ms must be >= 1000");
  DG_RETURN_IF_ERROR(weights.Validate());
  DG_RETURN_IF_ERROR(linkage.Validate());
  return policy.Validate();
}

Result<EngineConfig> ParseConfig(const std::string& toml_text, const std::string& origin) {
  EngineConfig config;
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ":" << e.source().begin.line << ": " << e.description();
    return Status::InvalidArgument(msg.str());
  }
  auto schema = Schema(&config);
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    auto it = schema.find(section);
    if (it == schema.end()) return Status::InvalidArgument(origin + ": unknown config section [" + section + "]");
    const toml::table* table = section_node.as_table();
    if (table == nullptr) return Status::InvalidArgument(origin + ": '" + section + "' must be a table");
    for (const auto& [key, node] : *table) {
      const std::string name(key.str());
      auto setter = it->second.find(name);
      if (setter == it->second.end()) {
        return Status::InvalidArgument(origin + ": unknown config key '" + section + "." + name + "'");
      }
      Status s = setter->second(node);
      if (!s.ok()) return Status::InvalidArgument(origin + ": " + s.message());
    }
  }
  if (Status s = config.Validate(); !s.ok()) return Status::InvalidArgument(origin + ": " + s.message());
  return config;
}

Result<EngineConfig> LoadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return Status::NotFound("config file not found: " + path);
    return Status::IoError("cannot read config file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace dg
