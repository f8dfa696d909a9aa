#include "intel/bundle.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>

#include "report/result_dir.h"
#include "sinks/outputs.h"

namespace dg {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kHmacHexChars = 64;

std::string_view GetString(const object& o, const char* key) {
  std::string_view v;
  if (o[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

// Pulls the quoted literal after `prefix` out of a single-comparison pattern
// "[<prefix>'<literal>']", undoing \' and \\ escapes. False if it is not of
// that form.
bool QuotedLiteral(std::string_view pattern, std::string_view prefix, std::string* out) {
  if (pattern.size() < prefix.size() + 4 || pattern.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = pattern.substr(prefix.size());
  if (rest.front() != '\'' || rest.substr(rest.size() - 2) != "']") return false;
  rest = rest.substr(1, rest.size() - 3);
  out->clear();
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '\\' && i + 1 < rest.size()) {
      out->push_back(rest[++i]);
    } else if (rest[i] == '\'') {
      return false;  // an unescaped quote: a compound pattern
    } else {
      out->push_back(rest[i]);
    }
  }
  return true;
}

// Recognises the STIX patterns the export writes.
bool ParseStixPattern(std::string_view pattern, IntelIndicator* ind) {
  static constexpr std::string_view kUa =
      "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = ";
  if (QuotedLiteral(pattern, "[ipv4-addr:value = ", &ind->value) ||
      QuotedLiteral(pattern, "[ipv6-addr:value = ", &ind->value)) {
    ind->kind = IntelKind::kIp;
    return true;
  }
  if (QuotedLiteral(pattern, "[ipv4-addr:value ISSUBSET ", &ind->value) ||
      QuotedLiteral(pattern, "[ipv6-addr:value ISSUBSET ", &ind->value)) {
    ind->kind = IntelKind::kPrefix;
    return ind->value.find('/') != std::string::npos;
  }
  if (QuotedLiteral(pattern, kUa, &ind->value)) {
    ind->kind = IntelKind::kUserAgent;
    return true;
  }
  static constexpr std::string_view kAsn = "[autonomous-system:number = ";
  if (pattern.size() > kAsn.size() + 1 && pattern.substr(0, kAsn.size()) == kAsn && pattern.back() == ']') {
    std::string_view digits = pattern.substr(kAsn.size(), pattern.size() - kAsn.size() - 1);
    if (digits.empty() || digits.size() > 10 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    ind->kind = IntelKind::kAsn;
    ind->value = std::string(digits);
    return true;
  }
  return false;
}

bool IsLowerHex(std::string_view s, size_t length) {
  return s.size() == length &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The DistillGuard extension of an indicator. 1: used, 0: absent,
// an error for a malformed extension.
Result<bool> ParseExtension(const object& o, const std::string& where, IntelIndicator* ind) {
  object extensions, ext;
  if (o["extensions"].get_object().get(extensions) != simdjson::SUCCESS ||
      extensions[std::string(kDgExtensionId)].get_object().get(ext) != simdjson::SUCCESS) {
    return false;
  }
  const std::string_view kind_name = GetString(ext, "indicator_kind");
  IntelKind kind;
  if (!ParseIntelKind(kind_name, &kind)) {
    return Status::InvalidArgument(where + ": unknown indicator_kind \"" + std::string(kind_name) + "\"");
  }
  switch (kind) {
    case IntelKind::kClientFp:
      ind->value = std::string(GetString(ext, "client_fp"));
      if (ind->value.empty()) return Status::InvalidArgument(where + ": client_fp missing");
      break;
    case IntelKind::kTemplate: {
      array hashes;
      if (ext["minhash"].get_array().get(hashes) != simdjson::SUCCESS || hashes.size() != kIntelSketchHashes) {
        return Status::InvalidArgument(where + ": minhash must be an array of " + std::to_string(kIntelSketchHashes) +
                                       " integers");
      }
      size_t i = 0;
      for (element h : hashes) {
        uint64_t v = 0;
        if (h.get_uint64().get(v) != simdjson::SUCCESS || v > UINT32_MAX) {
          return Status::InvalidArgument(where + ": minhash value " + std::to_string(i) + " is not a uint32");
        }
        ind->minhash[i++] = static_cast<uint32_t>(v);
      }
      ind->value = "template sketch";
      break;
    }
    case IntelKind::kPaymentFp:
    case IntelKind::kEmailShape:
      ind->value = std::string(GetString(ext, "hmac_sha256"));
      if (!IsLowerHex(ind->value, kHmacHexChars)) {
        return Status::InvalidArgument(where + ": hmac_sha256 must be 64 lower-case hex characters");
      }
      ind->key_id = std::string(GetString(ext, "key_id"));
      break;
    default:
      // Network kinds come from the STIX pattern; the extension only names them.
      if (ind->value.empty() || ind->kind != kind) return false;
      break;
  }
  ind->kind = kind;
  return true;
}

Status ParseTime(const object& o, const char* key, const std::string& where, bool required, int64_t* out) {
  std::string_view text;
  if (o[key].get_string().get(text) != simdjson::SUCCESS) {
    return required ? Status::InvalidArgument(where + ": " + key + " missing") : Status::Ok();
  }
  auto t = ParseRfc3339Ms(text);
  if (!t || text.empty() || text.back() != 'Z') {
    return Status::InvalidArgument(where + ": " + key + " is not a STIX timestamp");
  }
  *out = *t;
  return Status::Ok();
}

}  // namespace

Result<IntelBundle> ParseIntelBundle(std::string_view json, std::string source) {
  simdjson::dom::parser parser;
  element doc;
  object root;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument(source + ": not a JSON object");
  }
  if (GetString(root, "type") != "bundle") return Status::InvalidArgument(source + ": type is not \"bundle\"");
  IntelBundle bundle;
  bundle.source = source;
  bundle.id = std::string(GetString(root, "id"));
  if (!IsStixId(bundle.id, "bundle")) return Status::InvalidArgument(source + ": missing or malformed bundle id");
  array objects;
  if (root["objects"].get_array().get(objects) != simdjson::SUCCESS) {
    return Status::InvalidArgument(source + ": no \"objects\" array");
  }
  std::vector<std::pair<std::string, std::string>> identities;  // id -> name
  std::string indicator_creator;
  size_t index = 0;
  for (element e : objects) {
    const std::string where = source + ": object " + std::to_string(index++);
    object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) return Status::InvalidArgument(where + " is not an object");
    ++bundle.objects;
    const std::string_view type = GetString(o, "type");
    const std::string_view id = GetString(o, "id");
    if (type.empty()) return Status::InvalidArgument(where + ": no type");
    if (!IsStixId(id, type))
      return Status::InvalidArgument(where + ": missing or malformed id for type " + std::string(type));
    if (type == "identity") identities.emplace_back(std::string(id), std::string(GetString(o, "name")));
    if (type != "indicator") continue;
    IntelIndicator ind;
    ind.id = std::string(id);
    ind.name = std::string(GetString(o, "name"));
    const std::string_view pattern = GetString(o, "pattern");
    const std::string_view pattern_type = GetString(o, "pattern_type");
    if (pattern.empty() || pattern_type.empty()) return Status::InvalidArgument(where + ": indicator without pattern");
    DG_RETURN_IF_ERROR(ParseTime(o, "valid_from", where, true, &ind.valid_from_ms));
    DG_RETURN_IF_ERROR(ParseTime(o, "valid_until", where, false, &ind.valid_until_ms));
    const bool stix_ok = pattern_type == "stix" && ParseStixPattern(pattern, &ind);
    auto ext = ParseExtension(o, where, &ind);
    if (!ext.ok()) return ext.status();
    if (!stix_ok && !*ext) {
      ++bundle.unsupported;
      continue;
    }
    if (indicator_creator.empty()) indicator_creator = std::string(GetString(o, "created_by_ref"));
    bundle.indicators.push_back(std::move(ind));
  }
  bundle.producer = "unknown producer";
  for (const auto& [id, name] : identities) {
    if (id == indicator_creator && !name.empty()) bundle.producer = name;
  }
  return bundle;
}

Result<IntelBundle> LoadIntelBundle(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseIntelBundle(*text, std::filesystem::path(path).filename().string());
}

Result<IntelBundle> ImportIntelBundle(const std::string& path, const std::string& state_dir) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  auto bundle = ParseIntelBundle(*text, std::filesystem::path(path).filename().string());
  if (!bundle.ok()) return bundle.status();
  const std::string dir = state_dir + "/intel";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  // The bundle id is validated (type--uuid), so it is a safe file name.
  DG_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + bundle->id + ".json", *text));
  return bundle;
}

Result<std::vector<IntelBundle>> LoadImportedBundles(const std::string& state_dir) {
  std::vector<IntelBundle> out;
  const std::filesystem::path dir = std::filesystem::path(state_dir) / "intel";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (ec) return Status::IoError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto b = LoadIntelBundle(f.string());
    if (!b.ok()) return b.status();
    out.push_back(std::move(b).value());
  }
  return out;
}

}  // namespace dg
