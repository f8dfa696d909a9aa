#include "intel/stix_export.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "common/json_writer.h"
#include "intel/hmac.h"
#include "intel/stix.h"
#include "report/report.h"

namespace dg {
namespace {

// The STIX sighting schema caps count at 999,999,999.
constexpr int64_t kMaxSightingCount = 999999999;
constexpr int kShareDecimals = 4;
constexpr char kExtensionSchema[] =
    "DistillGuard indicators (docs/intel.md). Property extension on indicator, sighting and campaign objects: "
    "indicator_kind (ip, prefix, asn, user_agent, client_fp, template_sketch, payment_fp_hmac, email_shape_hmac); "
    "client_fp (string); minhash (64 unsigned 32-bit integers, one-permutation MinHash with densification over "
    "masked 5-word shingles), sketch_scheme, lsh_bands, lsh_rows; hmac_sha256 (lower-case hex of HMAC-SHA256 "
    "under the trust group's key of 'payment_fp:' + value or 'email_shape:' + lower-case domain + '|' + shape), "
    "key_id; accounts and exchanges (counts at the producer); capabilities (name -> share of exchanges).";
// The definition is fixed: its timestamps do not move with each export.
constexpr char kExtensionCreated[] = "2026-04-01T00:00:00.000Z";

// One indicator before serialisation.
struct Pending {
  IntelKind kind;
  std::string pattern_type;
  std::string pattern;
  std::string name;
  std::string seed_value;  // safe to hash into the id (never a raw identifier)
  int64_t accounts = kAbsentCount;
  int64_t exchanges = kAbsentCount;
  std::string client_fp;
  std::vector<uint32_t> minhash;
  std::string hmac;
};

bool IsIpv6(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

bool IsIpv4(const std::string& ip) {
  unsigned char buf[4];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1;
}

bool IsProxyType(const std::string& t) {
  return t == "hosting" || t == "vpn" || t == "proxy" || t == "tor" || t == "residential" || t == "mobile";
}

class BundleBuilder {
 public:
  explicit BundleBuilder(const StixExportOptions& options) : options_(options), now_(StixTime(options.now_ms)) {
    producer_id_ = StixId("identity", "producer:" + options.producer);
    w_.BeginObject();
    w_.Key("type").String("bundle");
    w_.Key("id").String(StixId("bundle", fmt::format("bundle:{}:{}", options.producer, options.now_ms)));
    w_.Key("objects").BeginArray();
  }

  void Common(std::string_view type, const std::string& id) {
    w_.Key("type").String(type).Key("spec_version").String("2.1").Key("id").String(id);
    w_.Key("created").String(now_).Key("modified").String(now_);
    ++stats_.objects;
  }

  void Identities() {
    w_.BeginObject();
    Common("identity", std::string(kDgProjectIdentityId));
    w_.Key("name").String("DistillGuard project");
    w_.Key("description").String("Defines the DistillGuard STIX extension for distillation-campaign indicators.");
    w_.Key("identity_class").String("organization");
    w_.EndObject();
    w_.BeginObject();
    Common("identity", producer_id_);
    w_.Key("created_by_ref").String(producer_id_);
    w_.Key("name").String(options_.producer);
    w_.Key("description").String("Producer of this bundle: an LLM API provider running DistillGuard.");
    w_.Key("identity_class").String("organization");
    w_.EndObject();
    // The OASIS bundle schema's catch-all branch makes an extension-definition
    // match both core.json and cyber-observable-core.json, so its oneOf
    // rejects every bundle that holds one (docs/intel.md): by default the
    // definition is written beside the bundle, not in it.
    JsonWriter def;
    def.BeginObject();
    def.Key("type").String("extension-definition").Key("spec_version").String("2.1");
    def.Key("id").String(std::string(kDgExtensionId));
    def.Key("created").String(kExtensionCreated).Key("modified").String(kExtensionCreated);
    def.Key("created_by_ref").String(std::string(kDgProjectIdentityId));
    def.Key("name").String("distillguard-indicators");
    def.Key("description")
        .String(
            "What STIX has no type for: prompt-template sketches, client fingerprints, keyed "
            "hashes of low-entropy account identifiers, and campaign counts.");
    def.Key("schema").String(kExtensionSchema);
    def.Key("version").String("1.0");
    def.Key("extension_types").BeginArray().String("property-extension").EndArray();
    def.EndObject();
    extension_definition_ = def.Take();
    if (options_.embed_extension_definition) {
      w_.Raw(extension_definition_);
      ++stats_.objects;
    }
  }

  void BeginExtension() {
    w_.Key("extensions").BeginObject().Key(kDgExtensionId).BeginObject();
    w_.Key("extension_type").String("property-extension");
  }
  void EndExtension() { w_.EndObject().EndObject(); }

  void Counts(int64_t accounts, int64_t exchanges) {
    if (accounts != kAbsentCount) w_.Key("accounts").Int(accounts);
    if (exchanges != kAbsentCount) w_.Key("exchanges").Int(exchanges);
  }

  void Campaign(const CampaignData& c) {
    ++stats_.campaigns;
    const std::string campaign_id = StixId("campaign", "campaign:" + options_.producer + ":" + c.id);
    w_.BeginObject();
    Common("campaign", campaign_id);
    w_.Key("created_by_ref").String(producer_id_);
    w_.Key("name").String("Distillation campaign " + c.id + " seen by " + options_.producer);
    // The report's sentence: counts, dates, capabilities, address types and
    // countries; never an account id or identifier.
    w_.Key("description").String(CampaignSentence(c));
    w_.Key("objective").String("Harvest model outputs at scale to train a competing model (distillation).");
    w_.Key("first_seen").String(StixTime(c.first_seen_ms)).Key("last_seen").String(StixTime(c.last_seen_ms));
    BeginExtension();
    Counts(c.accounts, c.exchanges);
    if (c.exchanges_before_action != kAbsentCount) w_.Key("exchanges_before_action").Int(c.exchanges_before_action);
    if (!c.capabilities.empty()) {
      w_.Key("capabilities").BeginObject();
      for (const auto& [name, share] : c.capabilities) w_.Key(name).Double(share, kShareDecimals);
      w_.EndObject();
    }
    EndExtension();
    w_.EndObject();

    const auto& infra = c.infrastructure;
    std::string infra_id;
    if (!infra.ips.empty() || !infra.prefixes.empty() || !infra.asns.empty()) {
      infra_id = StixId("infrastructure", "infrastructure:" + options_.producer + ":" + c.id);
      std::string types;
      for (const auto& [t, share] : infra.ip_types) {
        types += fmt::format("{}{} {}%", types.empty() ? "" : ", ", t, static_cast<int>(share * 100 + 0.5));
      }
      w_.BeginObject();
      Common("infrastructure", infra_id);
      w_.Key("created_by_ref").String(producer_id_);
      w_.Key("name").String("Proxy network of campaign " + c.id);
      w_.Key("description")
          .String(fmt::format("Addresses the campaign's accounts came from ({}): {} ASNs, {} prefixes, "
                              "{} addresses listed as indicators.",
                              types.empty() ? "types unknown" : types, infra.asns.size(), infra.prefixes.size(),
                              infra.ips.size()));
      bool proxy = false;
      for (const auto& [t, share] : infra.ip_types) proxy |= IsProxyType(t) && share > 0;
      w_.Key("infrastructure_types").BeginArray().String(proxy ? "anonymization" : "unknown").EndArray();
      w_.Key("first_seen").String(StixTime(c.first_seen_ms)).Key("last_seen").String(StixTime(c.last_seen_ms));
      w_.EndObject();
      Relationship("uses", campaign_id, infra_id);
    }

    std::vector<Pending> pending;
    for (const auto& ip : infra.ips) {
      const bool v6 = IsIpv6(ip.value);
      if (!v6 && !IsIpv4(ip.value)) continue;
      pending.push_back({IntelKind::kIp,
                         "stix",
                         fmt::format("[{}:value = {}]", v6 ? "ipv6-addr" : "ipv4-addr", StixQuote(ip.value)),
                         "IP address " + ip.value,
                         ip.value,
                         ip.accounts,
                         ip.exchanges,
                         {},
                         {},
                         {}});
    }
    for (const auto& p : infra.prefixes) {
      const auto slash = p.value.find('/');
      if (slash == std::string::npos) continue;
      const std::string addr = p.value.substr(0, slash);
      const bool v6 = IsIpv6(addr);
      if (!v6 && !IsIpv4(addr)) continue;
      pending.push_back({IntelKind::kPrefix,
                         "stix",
                         fmt::format("[{}:value ISSUBSET {}]", v6 ? "ipv6-addr" : "ipv4-addr", StixQuote(p.value)),
                         "Network prefix " + p.value,
                         p.value,
                         p.accounts,
                         p.exchanges,
                         {},
                         {},
                         {}});
    }
    for (const auto& a : infra.asns) {
      if (a.value.empty() ||
          !std::all_of(a.value.begin(), a.value.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        continue;
      }
      pending.push_back({IntelKind::kAsn,
                         "stix",
                         "[autonomous-system:number = " + a.value + "]",
                         "AS" + a.value,
                         a.value,
                         a.accounts,
                         a.exchanges,
                         {},
                         {},
                         {}});
    }
    for (const auto& ua : infra.user_agents) {
      pending.push_back(
          {IntelKind::kUserAgent,
           "stix",
           "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = " + StixQuote(ua.value) + "]",
           "User agent " + ua.value,
           ua.value,
           ua.accounts,
           ua.exchanges,
           {},
           {},
           {}});
    }
    for (const auto& fp : infra.client_fps) {
      pending.push_back({IntelKind::kClientFp,
                         std::string(kDgPatternType),
                         "client_fp = " + StixQuote(fp.value),
                         "Client fingerprint " + fp.value,
                         fp.value,
                         fp.accounts,
                         fp.exchanges,
                         fp.value,
                         {},
                         {}});
    }
    for (const auto& t : c.templates) {
      std::string hex;
      for (uint32_t h : t.minhash) hex += fmt::format("{:08x}", h);
      pending.push_back({IntelKind::kTemplate,
                         std::string(kDgPatternType),
                         "template_sketch = '" + hex + "'",
                         "Prompt-template sketch",
                         hex,
                         t.accounts,
                         t.exchanges,
                         {},
                         t.minhash,
                         {}});
    }
    for (const auto& p : c.signup.payment_fps) {
      if (options_.key.empty()) {
        ++stats_.identifiers_left_out;
        continue;
      }
      const std::string h = HmacSha256Hex(options_.key, PaymentFpMessage(p.value));
      pending.push_back({IntelKind::kPaymentFp,
                         std::string(kDgPatternType),
                         "payment_fp_hmac = '" + h + "'",
                         "Keyed hash of a payment fingerprint",
                         h,
                         p.accounts,
                         kAbsentCount,
                         {},
                         {},
                         h});
    }
    for (const auto& e : c.signup.email_shapes) {
      if (options_.key.empty()) {
        ++stats_.identifiers_left_out;
        continue;
      }
      const std::string h = HmacSha256Hex(options_.key, EmailShapeMessage(e.domain, e.shape));
      pending.push_back({IntelKind::kEmailShape,
                         std::string(kDgPatternType),
                         "email_shape_hmac = '" + h + "'",
                         "Keyed hash of an e-mail domain and local-part shape",
                         h,
                         e.accounts,
                         kAbsentCount,
                         {},
                         {},
                         h});
    }

    const int64_t valid_until = std::max(c.last_seen_ms, options_.now_ms) + options_.valid_days * kMsPerDay;
    for (const auto& p : pending) {
      const std::string id = StixId("indicator", fmt::format("indicator:{}:{}:{}:{}", options_.producer, c.id,
                                                             IntelKindName(p.kind), p.seed_value));
      ++stats_.indicators;
      w_.BeginObject();
      Common("indicator", id);
      w_.Key("created_by_ref").String(producer_id_);
      w_.Key("name").String(p.name);
      w_.Key("description").String("Seen in distillation campaign " + c.id + ".");
      w_.Key("indicator_types").BeginArray().String("malicious-activity").EndArray();
      w_.Key("pattern").String(p.pattern).Key("pattern_type").String(p.pattern_type);
      w_.Key("valid_from").String(StixTime(c.first_seen_ms)).Key("valid_until").String(StixTime(valid_until));
      BeginExtension();
      w_.Key("indicator_kind").String(IntelKindName(p.kind));
      if (!p.client_fp.empty()) w_.Key("client_fp").String(p.client_fp);
      if (!p.minhash.empty()) {
        w_.Key("minhash").BeginArray();
        for (uint32_t h : p.minhash) w_.Int(h);
        w_.EndArray();
        const SketchParams& sp = c.sketch_params;
        w_.Key("sketch_scheme").String(sp.present && !sp.scheme.empty() ? sp.scheme : "dg-oph-v1");
        w_.Key("lsh_bands").Int(sp.present && sp.bands > 0 ? sp.bands : 16);
        w_.Key("lsh_rows").Int(sp.present && sp.rows > 0 ? sp.rows : 4);
      }
      if (!p.hmac.empty()) {
        w_.Key("hmac_sha256").String(p.hmac);
        w_.Key("key_id").String(IntelKeyId(options_.key));
      }
      Counts(p.accounts, p.exchanges);
      EndExtension();
      w_.EndObject();
      Relationship("indicates", id, campaign_id);
      if (!infra_id.empty() &&
          (p.kind == IntelKind::kIp || p.kind == IntelKind::kPrefix || p.kind == IntelKind::kAsn)) {
        Relationship("indicates", id, infra_id);
      }
      Sighting(id, c, p);
    }
  }

  void Relationship(std::string_view type, const std::string& source, const std::string& target) {
    w_.BeginObject();
    Common("relationship", StixId("relationship", fmt::format("{}:{}:{}", type, source, target)));
    w_.Key("created_by_ref").String(producer_id_);
    w_.Key("relationship_type").String(type).Key("source_ref").String(source).Key("target_ref").String(target);
    w_.EndObject();
  }

  void Sighting(const std::string& indicator_id, const CampaignData& c, const Pending& p) {
    ++stats_.sightings;
    // count: exchanges that carried the value where known, else accounts.
    int64_t count = p.exchanges != kAbsentCount ? p.exchanges : p.accounts;
    w_.BeginObject();
    Common("sighting", StixId("sighting", "sighting:" + indicator_id));
    w_.Key("created_by_ref").String(producer_id_);
    w_.Key("first_seen").String(StixTime(c.first_seen_ms)).Key("last_seen").String(StixTime(c.last_seen_ms));
    if (count != kAbsentCount) w_.Key("count").Int(std::clamp<int64_t>(count, 0, kMaxSightingCount));
    w_.Key("sighting_of_ref").String(indicator_id);
    w_.Key("where_sighted_refs").BeginArray().String(producer_id_).EndArray();
    if (p.accounts != kAbsentCount || p.exchanges != kAbsentCount) {
      BeginExtension();
      Counts(p.accounts, p.exchanges);
      EndExtension();
    }
    w_.EndObject();
  }

  StixExport Finish() {
    w_.EndArray().EndObject();
    return StixExport{w_.Take(), std::move(extension_definition_), stats_};
  }

 private:
  const StixExportOptions& options_;
  const std::string now_;
  std::string producer_id_;
  JsonWriter w_;
  StixExportStats stats_;
  std::string extension_definition_;
};

}  // namespace

Result<StixExport> ExportStixBundle(const ResultData& data, const StixExportOptions& options) {
  if (!options.key.empty() && options.key.size() < kMinIntelKeyBytes) {
    return Status::InvalidArgument("the intel key must have at least " + std::to_string(kMinIntelKeyBytes) + " bytes");
  }
  if (options.valid_days < 1) return Status::InvalidArgument("valid_days must be at least 1");
  if (options.producer.empty()) return Status::InvalidArgument("the producer name must not be empty");
  BundleBuilder b(options);
  b.Identities();
  for (const auto& c : data.campaigns) b.Campaign(c);
  return b.Finish();
}

}  // namespace dg
