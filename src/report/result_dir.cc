#include "report/result_dir.h"

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace dg {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Optional readers: leave `out` as it was when the key is missing or of
// another type (campaigns_ext fields are optional and tolerated).
void OptString(const object& o, const char* key, std::string* out) {
  std::string_view v;
  if (o[key].get_string().get(v) == simdjson::SUCCESS) *out = std::string(v);
}

void OptInt(const object& o, const char* key, int64_t* out) {
  int64_t v = 0;
  if (o[key].get_int64().get(v) == simdjson::SUCCESS) *out = v;
}

void OptDouble(const object& o, const char* key, double* out) {
  double v = 0;
  if (o[key].get_double().get(v) == simdjson::SUCCESS) *out = v;
}

void OptTime(const object& o, const char* key, int64_t* out_ms) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return;
  if (auto t = ParseRfc3339Ms(v)) *out_ms = *t;
}

ShareList Shares(const object& o, const char* key) {
  ShareList out;
  object m;
  if (o[key].get_object().get(m) != simdjson::SUCCESS) return out;
  for (auto field : m) {
    double share = 0;
    if (field.value.get_double().get(share) == simdjson::SUCCESS) out.emplace_back(std::string(field.key), share);
  }
  return out;
}

std::vector<CountedValue> SharedValues(const object& o, const char* key) {
  std::vector<CountedValue> out;
  array list;
  if (o[key].get_array().get(list) != simdjson::SUCCESS) return out;
  for (element e : list) {
    object item;
    if (e.get_object().get(item) != simdjson::SUCCESS) continue;
    CountedValue v;
    element value;
    if (item["value"].get(value) != simdjson::SUCCESS) continue;
    int64_t number = 0;
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
      v.value = std::string(text);
    } else if (value.get_int64().get(number) == simdjson::SUCCESS) {
      v.value = std::to_string(number);
    } else {
      continue;
    }
    OptString(item, "ip_type", &v.ip_type);
    OptInt(item, "accounts", &v.accounts);
    OptInt(item, "exchanges", &v.exchanges);
    OptInt(item, "holders", &v.holders);
    out.push_back(std::move(v));
  }
  return out;
}

void ReadInfrastructure(const object& c, Infrastructure* infra) {
  object o;
  if (c["infrastructure"].get_object().get(o) != simdjson::SUCCESS) return;
  infra->ip_types = Shares(o, "ip_types");
  infra->countries = Shares(o, "countries");
  infra->ips = SharedValues(o, "ips");
  infra->prefixes = SharedValues(o, "prefixes");
  infra->asns = SharedValues(o, "asns");
  infra->user_agents = SharedValues(o, "user_agents");
  infra->client_fps = SharedValues(o, "client_fps");
  infra->request_shapes = SharedValues(o, "request_shapes");
  // The linkage stage writes ASNs as "AS9009 (proxy)": number and type.
  for (auto& asn : infra->asns) {
    std::string_view v = asn.value;
    if (v.substr(0, 2) == "AS") v.remove_prefix(2);
    size_t digits = 0;
    while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
    if (digits == 0) continue;
    std::string_view rest = v.substr(digits);
    if (asn.ip_type.empty() && rest.size() > 3 && rest.substr(0, 2) == " (" && rest.back() == ')') {
      asn.ip_type = std::string(rest.substr(2, rest.size() - 3));
    }
    asn.value = std::string(v.substr(0, digits));
  }
}

void ReadSignup(const object& c, Signup* signup) {
  object o;
  if (c["signup"].get_object().get(o) != simdjson::SUCCESS) return;
  signup->payment_fps = SharedValues(o, "payment_fps");
  signup->billing_countries = Shares(o, "billing_countries");
  array list;
  if (o["email_shapes"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      object item;
      if (e.get_object().get(item) != simdjson::SUCCESS) continue;
      EmailShapeValue v;
      OptString(item, "domain", &v.domain);
      OptString(item, "shape", &v.shape);
      OptInt(item, "accounts", &v.accounts);
      if (!v.shape.empty()) signup->email_shapes.push_back(std::move(v));
    }
  }
  if (o["waves"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      object item;
      if (e.get_object().get(item) != simdjson::SUCCESS) continue;
      SignupWave w;
      OptTime(item, "start", &w.start_ms);
      OptInt(item, "accounts", &w.accounts);
      if (w.start_ms != kNoTime) signup->waves.push_back(w);
    }
  }
}

void ReadTemplates(const object& c, CampaignData* out) {
  array list;
  if (c["templates"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      object item;
      array hashes;
      if (e.get_object().get(item) != simdjson::SUCCESS ||
          item["minhash"].get_array().get(hashes) != simdjson::SUCCESS) {
        continue;
      }
      TemplateRow row;
      bool ok = true;
      for (element h : hashes) {
        uint64_t v = 0;
        if (h.get_uint64().get(v) != simdjson::SUCCESS || v > UINT32_MAX) {
          ok = false;
          break;
        }
        row.minhash.push_back(static_cast<uint32_t>(v));
      }
      // A signature of another width cannot be banded like ours: skip it.
      if (!ok || row.minhash.size() != kCampaignSketchHashes) continue;
      OptInt(item, "accounts", &row.accounts);
      OptInt(item, "exchanges", &row.exchanges);
      out->templates.push_back(std::move(row));
    }
  }
  object params;
  if (c["sketch_params"].get_object().get(params) == simdjson::SUCCESS) {
    out->sketch_params.present = true;
    OptString(params, "scheme", &out->sketch_params.scheme);
    OptInt(params, "shingle_words", &out->sketch_params.shingle_words);
    OptInt(params, "hashes", &out->sketch_params.hashes);
    OptInt(params, "bands", &out->sketch_params.bands);
    OptInt(params, "rows", &out->sketch_params.rows);
  }
}

void ReadTimelineAndGraph(const object& c, CampaignData* out) {
  array list;
  if (c["timeline"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      object item;
      if (e.get_object().get(item) != simdjson::SUCCESS) continue;
      TimelineBucket b;
      OptTime(item, "hour", &b.hour_ms);
      OptInt(item, "served", &b.served);
      OptInt(item, "refused", &b.refused);
      if (b.hour_ms != kNoTime) out->timeline.push_back(b);
    }
  }
  object graph;
  if (c["graph"].get_object().get(graph) != simdjson::SUCCESS) return;
  if (graph["nodes"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      object item;
      if (e.get_object().get(item) != simdjson::SUCCESS) continue;
      GraphNode n;
      OptString(item, "id", &n.id);
      OptString(item, "action", &n.action);
      OptInt(item, "exchanges", &n.exchanges);
      if (!n.id.empty()) out->graph_nodes.push_back(std::move(n));
    }
  }
  if (graph["edges"].get_array().get(list) == simdjson::SUCCESS) {
    for (element e : list) {
      object item;
      if (e.get_object().get(item) != simdjson::SUCCESS) continue;
      GraphEdge edge;
      OptString(item, "a", &edge.a);
      OptString(item, "b", &edge.b);
      OptString(item, "kind", &edge.kind);
      OptDouble(item, "weight", &edge.weight);
      if (!edge.a.empty() && !edge.b.empty()) out->graph_edges.push_back(std::move(edge));
    }
  }
}

Status Required(simdjson::error_code err, const std::string& where, const char* field) {
  if (err == simdjson::SUCCESS) return Status::Ok();
  return Status::InvalidArgument(where + ": field \"" + field + "\" missing or of the wrong type");
}

Result<CampaignData> ParseCampaign(const element& e, const std::string& where) {
  object c;
  if (e.get_object().get(c) != simdjson::SUCCESS) return Status::InvalidArgument(where + ": not an object");
  CampaignData out;
  std::string_view text;
  DG_RETURN_IF_ERROR(Required(c["id"].get_string().get(text), where, "id"));
  out.id = std::string(text);
  DG_RETURN_IF_ERROR(Required(c["accounts"].get_int64().get(out.accounts), where, "accounts"));
  DG_RETURN_IF_ERROR(Required(c["exchanges"].get_int64().get(out.exchanges), where, "exchanges"));
  for (const char* key : {"first_seen", "last_seen"}) {
    DG_RETURN_IF_ERROR(Required(c[key].get_string().get(text), where, key));
    auto t = ParseRfc3339Ms(text);
    if (!t) return Status::InvalidArgument(where + ": " + key + " is not an RFC 3339 time");
    (key[0] == 'f' ? out.first_seen_ms : out.last_seen_ms) = *t;
  }
  DG_RETURN_IF_ERROR(Required(c["score"].get_double().get(out.score), where, "score"));
  object caps;
  DG_RETURN_IF_ERROR(Required(c["capabilities"].get_object().get(caps), where, "capabilities"));
  out.capabilities = Shares(c, "capabilities");
  array evidence;
  DG_RETURN_IF_ERROR(Required(c["evidence"].get_array().get(evidence), where, "evidence"));
  for (element item : evidence) {
    if (item.get_string().get(text) == simdjson::SUCCESS) out.evidence.emplace_back(text);
  }

  OptString(c, "action", &out.action);
  OptTime(c, "actioned_at", &out.actioned_at_ms);
  OptInt(c, "exchanges_before_action", &out.exchanges_before_action);
  array members;
  if (c["members"].get_array().get(members) == simdjson::SUCCESS) {
    for (element m : members) {
      if (m.get_string().get(text) == simdjson::SUCCESS) out.members.emplace_back(text);
    }
  }
  ReadInfrastructure(c, &out.infrastructure);
  ReadSignup(c, &out.signup);
  ReadTemplates(c, &out);
  ReadTimelineAndGraph(c, &out);
  return out;
}

}  // namespace

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path);
  return text.str();
}

Result<std::vector<CampaignData>> ParseCampaignsJson(const std::string& text) {
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS) return Status::InvalidArgument("campaigns.json: invalid JSON");
  array list;
  if (doc["campaigns"].get_array().get(list) != simdjson::SUCCESS) {
    return Status::InvalidArgument("campaigns.json: no \"campaigns\" array");
  }
  std::vector<CampaignData> out;
  size_t index = 0;
  for (element e : list) {
    auto c = ParseCampaign(e, "campaigns.json: campaign " + std::to_string(index++));
    if (!c.ok()) return c.status();
    out.push_back(std::move(c).value());
  }
  return out;
}

namespace {

Result<AccountData> ParseAccountWith(simdjson::dom::parser& parser, const std::string& line) {
  element doc;
  if (parser.parse(line).get(doc) != simdjson::SUCCESS) return Status::InvalidArgument("invalid JSON");
  object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) return Status::InvalidArgument("not an object");
  AccountData a;
  std::string_view text;
  DG_RETURN_IF_ERROR(Required(o["account_id"].get_string().get(text), "account", "account_id"));
  a.account_id = std::string(text);
  DG_RETURN_IF_ERROR(Required(o["action"].get_string().get(text), "account " + a.account_id, "action"));
  a.action = std::string(text);
  DG_RETURN_IF_ERROR(Required(o["score"].get_double().get(a.score), "account " + a.account_id, "score"));
  DG_RETURN_IF_ERROR(Required(o["exchanges"].get_int64().get(a.exchanges), "account " + a.account_id, "exchanges"));
  OptString(o, "campaign", &a.campaign);
  OptTime(o, "first_action_ts", &a.first_action_ts_ms);
  OptInt(o, "exchanges_before_action", &a.exchanges_before_action);
  array reasons;
  if (o["reasons"].get_array().get(reasons) == simdjson::SUCCESS) {
    for (element r : reasons) {
      if (r.get_string().get(text) == simdjson::SUCCESS) a.reasons.emplace_back(text);
    }
  }
  return a;
}

}  // namespace

Result<AccountData> ParseAccountLine(const std::string& line) {
  simdjson::dom::parser parser;
  return ParseAccountWith(parser, line);
}

Result<SummaryData> ParseSummaryJson(const std::string& text) {
  simdjson::dom::parser parser;
  element doc;
  object o;
  if (parser.parse(text).get(doc) != simdjson::SUCCESS || doc.get_object().get(o) != simdjson::SUCCESS) {
    return Status::InvalidArgument("summary.json: invalid JSON");
  }
  SummaryData s;
  s.present = true;
  OptInt(o, "events", &s.events);
  OptInt(o, "accounts", &s.accounts);
  OptInt(o, "quarantined", &s.quarantined);
  OptInt(o, "duplicates", &s.duplicates);
  OptTime(o, "first_ts", &s.first_ts_ms);
  OptTime(o, "last_ts", &s.last_ts_ms);
  for (auto [key, out] : {std::pair{"accounts_by_action", &s.accounts_by_action},
                          std::pair{"exchanges_by_action", &s.exchanges_by_action}}) {
    object m;
    if (o[key].get_object().get(m) != simdjson::SUCCESS) continue;
    for (auto field : m) {
      int64_t n = 0;
      if (field.value.get_int64().get(n) == simdjson::SUCCESS) out->emplace_back(std::string(field.key), n);
    }
  }
  return s;
}

Result<ResultData> LoadResultDir(const std::string& dir) {
  ResultData data;
  auto campaigns = ReadWholeFile(dir + "/campaigns.json");
  if (!campaigns.ok()) return campaigns.status();
  auto parsed = ParseCampaignsJson(*campaigns);
  if (!parsed.ok()) return Status::InvalidArgument(dir + "/" + parsed.status().message());
  data.campaigns = std::move(parsed).value();

  const std::string accounts_path = dir + "/accounts.jsonl";
  std::ifstream in(accounts_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + accounts_path + ": " + std::strerror(errno));
  std::string line;
  int64_t number = 0;
  simdjson::dom::parser parser;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto a = ParseAccountWith(parser, line);
    if (!a.ok()) {
      return Status::InvalidArgument(accounts_path + ":" + std::to_string(number) + ": " + a.status().message());
    }
    data.accounts.push_back(std::move(a).value());
  }
  if (in.bad()) return Status::IoError("cannot read " + accounts_path);

  auto summary = ReadWholeFile(dir + "/summary.json");
  if (summary.ok()) {
    auto s = ParseSummaryJson(*summary);
    if (!s.ok()) return Status::InvalidArgument(dir + "/" + s.status().message());
    data.summary = std::move(s).value();
  }
  return data;
}

}  // namespace dg
