#include "ingest/decoder.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "ingest/line_reader.h"

namespace dg {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

static_assert(kLinePadding >= simdjson::SIMDJSON_PADDING, "line reader must leave room for simdjson");

// Largest integer a double holds exactly (2^53); integral doubles up to it are
// accepted where the contract says integer, since some writers emit 12.0.
constexpr double kMaxExactDouble = 9007199254740992.0;

Status WrongType(std::string_view field, std::string_view want) {
  return Status::InvalidArgument("field '" + std::string(field) + "' has wrong type (want " + std::string(want) + ")");
}

bool IsNull(element v) { return v.type() == element_type::NULL_VALUE; }

// Key dispatch. Every key of every line is looked up, so the lookup switches
// on the length and compares at most a few fixed-size byte strings, instead
// of comparing against each known name in turn (~20 keys a line against ~25
// names cost about 1k instructions a line).
template <size_t N>
bool KeyIs(std::string_view key, const char (&name)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

enum class LineKey : uint8_t {
  kUnknown,
  kTs,
  kRequestId,
  kAccountId,
  kOrgId,
  kApiKeyId,
  kIp,
  kAsn,
  kIpType,
  kCountry,
  kUserAgent,
  kClientFp,
  kAccount,
  kModel,
  kSystem,
  kPrompt,
  kMessages,
  kConversationId,
  kTurn,
  kTools,
  kToolCalls,
  kParams,
  kInputTokens,
  kOutputTokens,
  kStopReason,
  kResponse,
  kHttpRequest,
};

LineKey LineKeyOf(std::string_view key) {
  switch (key.size()) {
    case 2:
      if (KeyIs(key, "ts")) return LineKey::kTs;
      if (KeyIs(key, "ip")) return LineKey::kIp;
      break;
    case 3:
      if (KeyIs(key, "asn")) return LineKey::kAsn;
      break;
    case 4:
      if (KeyIs(key, "turn")) return LineKey::kTurn;
      break;
    case 5:
      if (KeyIs(key, "model")) return LineKey::kModel;
      if (KeyIs(key, "tools")) return LineKey::kTools;
      break;
    case 6:
      if (KeyIs(key, "system")) return LineKey::kSystem;
      if (KeyIs(key, "prompt")) return LineKey::kPrompt;
      if (KeyIs(key, "params")) return LineKey::kParams;
      if (KeyIs(key, "org_id")) return LineKey::kOrgId;
      break;
    case 7:
      if (KeyIs(key, "ip_type")) return LineKey::kIpType;
      if (KeyIs(key, "country")) return LineKey::kCountry;
      if (KeyIs(key, "account")) return LineKey::kAccount;
      break;
    case 8:
      if (KeyIs(key, "messages")) return LineKey::kMessages;
      if (KeyIs(key, "response")) return LineKey::kResponse;
      break;
    case 9:
      if (KeyIs(key, "client_fp")) return LineKey::kClientFp;
      break;
    case 10:
      if (KeyIs(key, "request_id")) return LineKey::kRequestId;
      if (KeyIs(key, "account_id")) return LineKey::kAccountId;
      if (KeyIs(key, "api_key_id")) return LineKey::kApiKeyId;
      if (KeyIs(key, "user_agent")) return LineKey::kUserAgent;
      if (KeyIs(key, "tool_calls")) return LineKey::kToolCalls;
      break;
    case 11:
      if (KeyIs(key, "stop_reason")) return LineKey::kStopReason;
      break;
    case 12:
      if (KeyIs(key, "input_tokens")) return LineKey::kInputTokens;
      if (KeyIs(key, "http_request")) return LineKey::kHttpRequest;
      break;
    case 13:
      if (KeyIs(key, "output_tokens")) return LineKey::kOutputTokens;
      break;
    case 15:
      if (KeyIs(key, "conversation_id")) return LineKey::kConversationId;
      break;
    default:
      break;
  }
  return LineKey::kUnknown;
}

enum class ParamsKey : uint8_t {
  kUnknown,
  kMaxTokens,
  kTemperature,
  kTopP,
  kN,
  kLogprobs,
  kTopLogprobs,
  kThinkingBudget,
  kStream,
};

ParamsKey ParamsKeyOf(std::string_view key) {
  switch (key.size()) {
    case 1:
      if (KeyIs(key, "n")) return ParamsKey::kN;
      break;
    case 5:
      if (KeyIs(key, "top_p")) return ParamsKey::kTopP;
      break;
    case 6:
      if (KeyIs(key, "stream")) return ParamsKey::kStream;
      break;
    case 8:
      if (KeyIs(key, "logprobs")) return ParamsKey::kLogprobs;
      break;
    case 10:
      if (KeyIs(key, "max_tokens")) return ParamsKey::kMaxTokens;
      break;
    case 11:
      if (KeyIs(key, "temperature")) return ParamsKey::kTemperature;
      break;
    case 12:
      if (KeyIs(key, "top_logprobs")) return ParamsKey::kTopLogprobs;
      break;
    case 15:
      if (KeyIs(key, "thinking_budget")) return ParamsKey::kThinkingBudget;
      break;
    default:
      break;
  }
  return ParamsKey::kUnknown;
}

Status GetString(element v, std::string_view field, std::string* out) {
  if (v.type() != element_type::STRING) return WrongType(field, "string");
  out->assign(std::string_view(v));
  return Status::Ok();
}

// Integers: int64, uint64 that fits, or an integral double within 2^53.
Status GetInt(element v, std::string_view field, int64_t* out) {
  switch (v.type()) {
    case element_type::INT64:
      *out = int64_t(v);
      return Status::Ok();
    case element_type::UINT64:
      return Status::InvalidArgument("field '" + std::string(field) + "' is out of range");
    case element_type::DOUBLE: {
      const double d = double(v);
      if (std::trunc(d) == d && std::fabs(d) <= kMaxExactDouble) {
        *out = static_cast<int64_t>(d);
        return Status::Ok();
      }
      return WrongType(field, "integer");
    }
    default:
      return WrongType(field, "integer");
  }
}

Status GetNonNegativeInt(element v, std::string_view field, int64_t* out) {
  DG_RETURN_IF_ERROR(GetInt(v, field, out));
  if (*out < 0) return Status::InvalidArgument("field '" + std::string(field) + "' is negative");
  return Status::Ok();
}

Status GetNumber(element v, std::string_view field, double* out) {
  switch (v.type()) {
    case element_type::INT64:
      *out = static_cast<double>(int64_t(v));
      return Status::Ok();
    case element_type::UINT64:
      *out = static_cast<double>(uint64_t(v));
      return Status::Ok();
    case element_type::DOUBLE:
      *out = double(v);
      return Status::Ok();
    default:
      return WrongType(field, "number");
  }
}

Status GetBool(element v, std::string_view field, TriBool* out) {
  if (v.type() != element_type::BOOL) return WrongType(field, "boolean");
  *out = bool(v) ? TriBool::kTrue : TriBool::kFalse;
  return Status::Ok();
}

Status DecodeTs(element v, int64_t* out) {
  if (v.type() == element_type::STRING) {
    const std::string_view s(v);
    const auto ms = ParseRfc3339Ms(s);
    if (!ms) return Status::InvalidArgument("field 'ts' is not an RFC 3339 time");
    *out = *ms;
  } else if (v.type() == element_type::INT64 || v.type() == element_type::UINT64 || v.type() == element_type::DOUBLE) {
    int64_t ms = 0;
    DG_RETURN_IF_ERROR(GetInt(v, "ts", &ms));
    *out = ms;
  } else {
    return WrongType("ts", "RFC 3339 string or epoch milliseconds");
  }
  if (*out < 0 || *out >= kMaxEventTimeMs) return Status::InvalidArgument("field 'ts' is out of range");
  return Status::Ok();
}

Status DecodeAccount(element v, AccountFacts* out) {
  if (v.type() != element_type::OBJECT) return WrongType("account", "object");
  for (const auto [key, value] : simdjson::dom::object(v)) {
    if (IsNull(value)) continue;
    if (key == "created") {
      if (value.type() != element_type::STRING) return WrongType("account.created", "string");
      const auto ms = ParseRfc3339Ms(std::string_view(value));
      if (!ms) return Status::InvalidArgument("field 'account.created' is not an RFC 3339 time");
      out->created_ms = *ms;
    } else if (key == "email_domain") {
      DG_RETURN_IF_ERROR(GetString(value, "account.email_domain", &out->email_domain));
    } else if (key == "email_local_shape") {
      DG_RETURN_IF_ERROR(GetString(value, "account.email_local_shape", &out->email_local_shape));
    } else if (key == "payment_fp") {
      DG_RETURN_IF_ERROR(GetString(value, "account.payment_fp", &out->payment_fp));
    } else if (key == "billing_country") {
      DG_RETURN_IF_ERROR(GetString(value, "account.billing_country", &out->billing_country));
    } else if (key == "phone_verified") {
      DG_RETURN_IF_ERROR(GetBool(value, "account.phone_verified", &out->phone_verified));
    } else if (key == "tier") {
      if (value.type() != element_type::STRING) return WrongType("account.tier", "string");
      out->tier = ParseTier(std::string_view(value));
    }
  }
  return Status::Ok();
}

Status DecodeParams(element v, GenParams* out) {
  if (v.type() != element_type::OBJECT) return WrongType("params", "object");
  for (const auto [key, value] : simdjson::dom::object(v)) {
    if (IsNull(value)) continue;
    switch (ParamsKeyOf(key)) {
      case ParamsKey::kMaxTokens:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "params.max_tokens", &out->max_tokens));
        break;
      case ParamsKey::kTemperature:
        DG_RETURN_IF_ERROR(GetNumber(value, "params.temperature", &out->temperature));
        break;
      case ParamsKey::kTopP:
        DG_RETURN_IF_ERROR(GetNumber(value, "params.top_p", &out->top_p));
        break;
      case ParamsKey::kN:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "params.n", &out->n));
        break;
      case ParamsKey::kLogprobs:
        DG_RETURN_IF_ERROR(GetBool(value, "params.logprobs", &out->logprobs));
        break;
      case ParamsKey::kTopLogprobs:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "params.top_logprobs", &out->top_logprobs));
        break;
      case ParamsKey::kThinkingBudget:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "params.thinking_budget", &out->thinking_budget));
        break;
      case ParamsKey::kStream:
        DG_RETURN_IF_ERROR(GetBool(value, "params.stream", &out->stream));
        break;
      case ParamsKey::kUnknown:
        break;
    }
  }
  return Status::Ok();
}

// Message content is a string, or (as several APIs send it) an array of
// parts whose "text" members are joined.
Status MessageText(element content, std::string* out) {
  out->clear();
  if (content.type() == element_type::STRING) {
    out->assign(std::string_view(content));
    return Status::Ok();
  }
  if (IsNull(content)) return Status::Ok();
  if (content.type() != element_type::ARRAY) return WrongType("messages[].content", "string or array of parts");
  for (const element part : simdjson::dom::array(content)) {
    if (part.type() == element_type::STRING) {
      out->append(std::string_view(part));
    } else if (part.type() == element_type::OBJECT) {
      std::string_view text;
      if (part["text"].get(text) == simdjson::SUCCESS) out->append(text);
    }
  }
  return Status::Ok();
}

Status DecodeMessages(element v, Event* event, std::string* last_user) {
  if (v.type() != element_type::ARRAY) return WrongType("messages", "array");
  bool seen_user = false;
  for (const element m : simdjson::dom::array(v)) {
    if (m.type() != element_type::OBJECT) return WrongType("messages[]", "object");
    ++event->message_count;
    std::string_view role;
    if (m["role"].get(role) != simdjson::SUCCESS) continue;
    if (role == "assistant") {
      ++event->assistant_messages;
    } else if (role == "tool") {
      ++event->tool_messages;
    } else if (role == "user") {
      element content;
      if (m["content"].get(content) == simdjson::SUCCESS) {
        DG_RETURN_IF_ERROR(MessageText(content, last_user));
        seen_user = true;
      }
    }
  }
  if (!seen_user) last_user->clear();
  return Status::Ok();
}

// Tools are names; OpenAI-style objects ({"type":"function","function":{"name":..}})
// and {"name": ..} objects are accepted and reduced to their names.
Status DecodeTools(element v, std::vector<std::string>* out) {
  if (v.type() != element_type::ARRAY) return WrongType("tools", "array of strings");
  for (const element t : simdjson::dom::array(v)) {
    std::string_view name;
    if (t.type() == element_type::STRING) {
      name = std::string_view(t);
    } else if (t.type() == element_type::OBJECT) {
      if (t["name"].get(name) != simdjson::SUCCESS && t.at_pointer("/function/name").get(name) != simdjson::SUCCESS) {
        return WrongType("tools[]", "string");
      }
    } else {
      return WrongType("tools[]", "string");
    }
    out->emplace_back(name);
  }
  return Status::Ok();
}

// What a line gave itself; `http_request` fills only the rest.
struct Given {
  bool model = false;
  bool system = false;
  bool prompt = false;
  bool messages = false;
  bool tools = false;
};

// Takes what the line lacks from an OpenAI- or Anthropic-style request body.
// Any part of the body with an unexpected shape is skipped on its own: a
// gateway logs whatever its clients sent, and the exchange still happened.
void ExpandHttpRequest(element body, const Given& given, Event* event, std::string* last_user) {
  if (body.type() != element_type::OBJECT) return;
  const simdjson::dom::object obj(body);
  element v;
  if (!given.model && obj["model"].get(v) == simdjson::SUCCESS && v.type() == element_type::STRING) {
    event->model.assign(std::string_view(v));
  }
  if (!given.system && obj["system"].get(v) == simdjson::SUCCESS) {
    std::string text;
    if (MessageText(v, &text).ok()) event->system = std::move(text);  // Anthropic: string or text blocks
  }
  if (!given.prompt && !given.messages) {
    if (obj["prompt"].get(v) == simdjson::SUCCESS && v.type() == element_type::STRING) {
      event->prompt.assign(std::string_view(v));  // legacy completions
    } else if (obj["input"].get(v) == simdjson::SUCCESS && v.type() == element_type::STRING) {
      event->prompt.assign(std::string_view(v));  // OpenAI Responses API
    }
    if (obj["messages"].get(v) == simdjson::SUCCESS) {
      Event counts;
      std::string user;
      if (DecodeMessages(v, &counts, &user).ok()) {
        event->message_count = counts.message_count;
        event->assistant_messages = counts.assistant_messages;
        event->tool_messages = counts.tool_messages;
        if (event->prompt.empty()) *last_user = std::move(user);
        // OpenAI carries the system prompt as the first message.
        if (!given.system && event->system.empty()) {
          for (const element m : simdjson::dom::array(v)) {
            std::string_view role;
            element content;
            if (m["role"].get(role) != simdjson::SUCCESS || (role != "system" && role != "developer")) continue;
            if (m["content"].get(content) == simdjson::SUCCESS) {
              std::string text;
              if (MessageText(content, &text).ok()) event->system = std::move(text);
            }
            break;
          }
        }
      }
    }
  }
  if (!given.tools && obj["tools"].get(v) == simdjson::SUCCESS) {
    std::vector<std::string> tools;
    if (DecodeTools(v, &tools).ok()) event->tools = std::move(tools);
  }
  GenParams& p = event->params;
  const auto int_param = [&](const char* key, int64_t* out) {
    int64_t n = 0;
    if (*out == kAbsent && obj[key].get(v) == simdjson::SUCCESS && GetNonNegativeInt(v, key, &n).ok()) *out = n;
  };
  const auto number_param = [&](const char* key, double* out) {
    double d = 0;
    if (*out < 0 && obj[key].get(v) == simdjson::SUCCESS && GetNumber(v, key, &d).ok() && d >= 0) *out = d;
  };
  const auto bool_param = [&](const char* key, TriBool* out) {
    TriBool b = TriBool::kUnset;
    if (*out == TriBool::kUnset && obj[key].get(v) == simdjson::SUCCESS && GetBool(v, key, &b).ok()) *out = b;
  };
  int_param("max_tokens", &p.max_tokens);
  int_param("max_completion_tokens", &p.max_tokens);  // OpenAI's newer name
  int_param("max_output_tokens", &p.max_tokens);      // OpenAI Responses API
  number_param("temperature", &p.temperature);
  number_param("top_p", &p.top_p);
  int_param("n", &p.n);
  bool_param("logprobs", &p.logprobs);
  int_param("top_logprobs", &p.top_logprobs);
  bool_param("stream", &p.stream);
  // Anthropic: {"thinking": {"type": "enabled", "budget_tokens": N}} or {"type": "disabled"}.
  if (p.thinking_budget == kAbsent && obj["thinking"].get(v) == simdjson::SUCCESS && v.type() == element_type::OBJECT) {
    std::string_view type;
    element budget;
    int64_t n = 0;
    if (v["type"].get(type) == simdjson::SUCCESS && type == "disabled") {
      p.thinking_budget = 0;
    } else if (v["budget_tokens"].get(budget) == simdjson::SUCCESS &&
               GetNonNegativeInt(budget, "thinking.budget_tokens", &n).ok()) {
      p.thinking_budget = n;
    }
  }
}

}  // namespace

Status EventDecoder::Decode(std::string_view line, Event* event) {
  // Reset, not `*event = Event{}`: the strings keep the buffers earlier lines
  // grew, so a steady stream decodes without allocating.
  event->Reset();
  last_user_.clear();
  element doc;
  const auto error =
      parser_.parse(reinterpret_cast<const uint8_t*>(line.data()), line.size(), /*realloc_if_needed=*/false).get(doc);
  if (error == simdjson::UTF8_ERROR) return Status::InvalidArgument("invalid UTF-8");
  if (error == simdjson::EMPTY) return Status::InvalidArgument("empty line");
  if (error) return Status::InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
  if (doc.type() != element_type::OBJECT) return Status::InvalidArgument("not a JSON object");

  bool has_ts = false;
  bool has_prompt = false;
  Given given;
  std::string_view http_request_text;
  element http_request_object;
  bool has_http_request_object = false;
  for (const auto [key, value] : simdjson::dom::object(doc)) {
    const LineKey field = LineKeyOf(key);
    if (field == LineKey::kTs) {
      DG_RETURN_IF_ERROR(DecodeTs(value, &event->ts_ms));
      has_ts = true;
      continue;
    }
    if (IsNull(value)) continue;  // optional fields: null is absent; required ones are checked below
    switch (field) {
      case LineKey::kTs:  // handled above
      case LineKey::kUnknown:
        break;
      case LineKey::kRequestId:
        DG_RETURN_IF_ERROR(GetString(value, "request_id", &event->request_id));
        break;
      case LineKey::kAccountId:
        DG_RETURN_IF_ERROR(GetString(value, "account_id", &event->account_id));
        break;
      case LineKey::kOrgId:
        DG_RETURN_IF_ERROR(GetString(value, "org_id", &event->org_id));
        break;
      case LineKey::kApiKeyId:
        DG_RETURN_IF_ERROR(GetString(value, "api_key_id", &event->api_key_id));
        break;
      case LineKey::kIp:
        DG_RETURN_IF_ERROR(GetString(value, "ip", &event->ip));
        break;
      case LineKey::kAsn:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "asn", &event->asn));
        break;
      case LineKey::kIpType:
        if (value.type() != element_type::STRING) return WrongType("ip_type", "string");
        event->ip_type = ParseIpType(std::string_view(value));
        event->has_ip_type = true;
        break;
      case LineKey::kCountry:
        DG_RETURN_IF_ERROR(GetString(value, "country", &event->country));
        break;
      case LineKey::kUserAgent:
        DG_RETURN_IF_ERROR(GetString(value, "user_agent", &event->user_agent));
        break;
      case LineKey::kClientFp:
        DG_RETURN_IF_ERROR(GetString(value, "client_fp", &event->client_fp));
        break;
      case LineKey::kAccount:
        DG_RETURN_IF_ERROR(DecodeAccount(value, &event->account));
        event->has_account = true;
        break;
      case LineKey::kModel:
        DG_RETURN_IF_ERROR(GetString(value, "model", &event->model));
        break;
      case LineKey::kSystem:
        DG_RETURN_IF_ERROR(GetString(value, "system", &event->system));
        break;
      case LineKey::kPrompt:
        DG_RETURN_IF_ERROR(GetString(value, "prompt", &event->prompt));
        has_prompt = true;
        break;
      case LineKey::kMessages:
        DG_RETURN_IF_ERROR(DecodeMessages(value, event, &last_user_));
        given.messages = true;
        break;
      case LineKey::kConversationId:
        DG_RETURN_IF_ERROR(GetString(value, "conversation_id", &event->conversation_id));
        break;
      case LineKey::kTurn:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "turn", &event->turn));
        break;
      case LineKey::kTools:
        DG_RETURN_IF_ERROR(DecodeTools(value, &event->tools));
        given.tools = true;
        break;
      case LineKey::kToolCalls:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "tool_calls", &event->tool_calls));
        break;
      case LineKey::kParams:
        DG_RETURN_IF_ERROR(DecodeParams(value, &event->params));
        break;
      case LineKey::kInputTokens:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "input_tokens", &event->input_tokens));
        break;
      case LineKey::kOutputTokens:
        DG_RETURN_IF_ERROR(GetNonNegativeInt(value, "output_tokens", &event->output_tokens));
        break;
      case LineKey::kStopReason:
        DG_RETURN_IF_ERROR(GetString(value, "stop_reason", &event->stop_reason));
        break;
      case LineKey::kResponse:
        if (value.type() != element_type::STRING) return WrongType("response", "string");
        event->response_bytes = static_cast<int64_t>(std::string_view(value).size());
        break;
      case LineKey::kHttpRequest:
        if (value.type() == element_type::STRING) {
          http_request_text = std::string_view(value);
        } else if (value.type() == element_type::OBJECT) {
          http_request_object = value;
          has_http_request_object = true;
        } else {
          return WrongType("http_request", "string or object");
        }
        break;
    }
  }
  if (!has_ts) return Status::InvalidArgument("missing required field 'ts'");
  if (event->request_id.empty()) return Status::InvalidArgument("missing required field 'request_id'");
  if (event->account_id.empty()) return Status::InvalidArgument("missing required field 'account_id'");
  if (has_http_request_object || !http_request_text.empty()) {
    given.model = !event->model.empty();
    given.system = !event->system.empty();
    given.prompt = has_prompt;
    if (has_http_request_object) {
      ExpandHttpRequest(http_request_object, given, event, &last_user_);
    } else {
      // The string points into parser_'s document, which stays valid: the
      // body goes through its own parser, padded as simdjson needs.
      body_buffer_.assign(http_request_text.data(), http_request_text.size());
      body_buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
      element body;
      if (body_parser_
              .parse(reinterpret_cast<const uint8_t*>(body_buffer_.data()), http_request_text.size(),
                     /*realloc_if_needed=*/false)
              .get(body) == simdjson::SUCCESS) {
        ExpandHttpRequest(body, given, event, &last_user_);
      }
    }
  }
  // A swap, not a copy: `prompt` is empty here, and last_user_ keeps its buffer for the next line.
  if (!has_prompt && event->prompt.empty() && !last_user_.empty()) event->prompt.swap(last_user_);
  event->line_bytes = line.size();
  return Status::Ok();
}

}  // namespace dg
