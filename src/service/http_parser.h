// HTTP/1.1 request parsing for the service's event-loop server.
//
// Service stage, below http_server.h: turns the bytes a connection has
// received into a request head (method, target, headers, body framing) and
// decodes chunked bodies, with the limits that keep a hostile client from
// holding memory (head size, request-line length, header count, body size).
// Pure functions over buffers: no sockets, no threads, no allocation beyond
// the header list and the decoded body, so that every rule has a unit test.
//
// What is refused (status for the error answer): a request line that is not
// `TOKEN SP /target SP HTTP/1.x` (400; 414 when it is longer than the
// limit), a head over the limit or with too many headers (431), a header
// line without a token name and a colon or folded onto the previous one
// (400), Content-Length that is not a decimal number or given twice with
// different values (400), Transfer-Encoding other than `chunked` or given
// together with Content-Length (400, against request smuggling), a body over
// the limit (413), bad chunk framing (400).
//
// Thread-safety: values; a ChunkedDecoder belongs to one connection.
#ifndef DG_SERVICE_HTTP_PARSER_H_
#define DG_SERVICE_HTTP_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dg {

struct HttpLimits {
  size_t max_head_bytes = size_t{64} << 10;         // request line + headers + blank line
  size_t max_request_line_bytes = size_t{8} << 10;  // longer: 414
  size_t max_headers = 100;
  size_t max_body_bytes = size_t{32} << 20;  // Content-Length or decoded chunked size; over: 413
};

struct HttpHeader {
  std::string_view name;
  std::string_view value;  // without surrounding blanks
};

// A parsed request head. The views point into the buffer it was parsed from.
struct RequestHead {
  std::string_view method;
  std::string_view target;  // as sent: path and query
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?', without it
  int minor_version = 1;    // HTTP/1.<minor_version>
  std::vector<HttpHeader> headers;
  bool chunked = false;
  uint64_t content_length = 0;  // when !chunked
  bool keep_alive = true;       // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "keep-alive"
  bool expect_continue = false;

  // The first header of that name (ASCII case-insensitive); empty if none.
  std::string_view Header(std::string_view name) const;
};

enum class ParseOutcome { kIncomplete, kComplete, kError };

struct HeadParse {
  ParseOutcome outcome = ParseOutcome::kIncomplete;
  size_t head_bytes = 0;  // kComplete: bytes up to and including the blank line
  int error_status = 0;   // kError: 400, 413, 414 or 431
  const char* error = "";
};

// Parses the request head at the start of `buffer`. kIncomplete means more
// bytes are needed and nothing seen so far is wrong: a request line that
// cannot become valid is refused as soon as its first bytes arrive, so junk
// is answered at once instead of at the read timeout. `scanned` (in/out,
// start at 0) remembers how far the blank line was searched for, so that a
// head arriving in many reads is not rescanned from its start.
HeadParse ParseRequestHead(std::string_view buffer, const HttpLimits& limits, RequestHead* head, size_t* scanned);

// Decodes a chunked body as its bytes arrive. Feed it the bytes after the
// head each time more arrived (the same prefix plus new bytes); it keeps its
// position, appends whole chunks to the body, and skips trailer fields.
class ChunkedDecoder {
 public:
  struct Progress {
    ParseOutcome outcome = ParseOutcome::kIncomplete;
    size_t consumed = 0;  // kComplete: bytes of `data` the body used
    int error_status = 0;
    const char* error = "";
  };
  Progress Feed(std::string_view data, size_t max_body_bytes);
  std::string& body() { return body_; }
  void Reset();

 private:
  size_t pos_ = 0;  // offset in `data` of the next chunk-size line (or trailer)
  bool in_trailer_ = false;
  std::string body_;
};

// %XX decoding of a path segment or query value ('+' stays '+' in paths;
// `plus_is_space` for query values). nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

// The raw value of `key` in an "a=1&b=2" query, percent-decoded; nullopt if
// absent or malformed.
std::optional<std::string> QueryValue(std::string_view query, std::string_view key);

}  // namespace dg

#endif  // DG_SERVICE_HTTP_PARSER_H_
