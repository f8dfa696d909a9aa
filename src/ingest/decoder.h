// EventDecoder: turns one JSON line into an Event, or says exactly why not.
//
// First stage of the pipeline after the line reader: ingest/line_reader ->
// decoder -> dedup -> reorder/merge -> features. Uses simdjson's DOM parser
// (validates the whole line, including UTF-8 and the syntax of fields we then
// ignore; docs/benchmarks.md compares it with on-demand). The contract is
// ../shared/SCHEMA.md section 1: required `ts`, `request_id`, `account_id`;
// a wrong type on any known field rejects the line; unknown fields are
// ignored; `null` on an optional field means absent.
//
// Extension (docs/ingest.md): `http_request`, the provider API request body
// as a gateway logged it (a JSON string, as nginx's $request_body, or an
// object). Fields the line lacks (model, system, prompt/messages, tools,
// params) are taken from it; a body that is not usable JSON is ignored and
// the line is decoded without it.
//
// Thread-safety: one decoder per thread (it owns the parser's buffers).
#ifndef DG_INGEST_DECODER_H_
#define DG_INGEST_DECODER_H_

#include <simdjson.h>

#include <string>
#include <string_view>

#include "common/status.h"
#include "ingest/event.h"

namespace dg {

// Latest event time accepted (exclusive): 10000-01-01T00:00:00Z, the first
// instant RFC 3339 cannot write.
inline constexpr int64_t kMaxEventTimeMs = 253402300800000;

class EventDecoder {
 public:
  EventDecoder() = default;

  // Decodes `line`, which must be followed by at least SIMDJSON_PADDING
  // readable bytes (the line reader guarantees it). On success fills `*event`
  // (all fields reset first). On bad input returns InvalidArgument whose
  // message is the quarantine reason, e.g. "missing required field
  // 'account_id'".
  Status Decode(std::string_view line, Event* event);

 private:
  simdjson::dom::parser parser_;
  // A second parser for `http_request` strings: the line's document (from
  // parser_) stays valid while the body is parsed.
  simdjson::dom::parser body_parser_;
  std::string body_buffer_;
  // The last user message of `messages` (the prompt when the line has none);
  // a member so that its buffer is reused from line to line.
  std::string last_user_;
};

}  // namespace dg

#endif  // DG_INGEST_DECODER_H_
