#include "service/http_parser.h"

#include <array>
#include <charconv>

#include "common/ascii.h"

namespace dg {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kBlankLine = "\r\n\r\n";
constexpr size_t kMaxMethodBytes = 16;
constexpr size_t kMaxChunkLineBytes = 1024;  // hex size plus extensions
constexpr size_t kMaxContentLengthDigits = 19;
constexpr int kHexBase = 16;

// RFC 9110 tchar.
constexpr std::array<bool, 256> MakeTokenTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kTokenChar = MakeTokenTable();

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// True if the comma-separated list `value` holds `token` (case-insensitive).
bool ListHas(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (AsciiEqualsIgnoreCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

HeadParse Error(int status, const char* message) {
  HeadParse p;
  p.outcome = ParseOutcome::kError;
  p.error_status = status;
  p.error = message;
  return p;
}

// Checks what has arrived of the request line before its end is there.
HeadParse CheckPartialRequestLine(std::string_view partial, const HttpLimits& limits) {
  const size_t space = partial.find(' ');
  const std::string_view method = partial.substr(0, space);
  for (const char c : method) {
    if (!kTokenChar[static_cast<unsigned char>(c)]) return Error(400, "malformed request line");
  }
  if (method.size() > kMaxMethodBytes) return Error(400, "malformed request line");
  if (space != std::string_view::npos && space + 1 < partial.size() && partial[space + 1] != '/') {
    return Error(400, "the request target must be a path");
  }
  if (partial.size() > limits.max_request_line_bytes) return Error(414, "request line too long");
  return {};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view RequestHead::Header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (AsciiEqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

HeadParse ParseRequestHead(std::string_view buffer, const HttpLimits& limits, RequestHead* head, size_t* scanned) {
  const size_t from = *scanned >= kBlankLine.size() ? *scanned - (kBlankLine.size() - 1) : 0;
  const size_t end = buffer.find(kBlankLine, from);
  if (end == std::string_view::npos) {
    *scanned = buffer.size();
    const size_t line_end = buffer.find(kCrlf);
    if (line_end == std::string_view::npos) return CheckPartialRequestLine(buffer, limits);
    // The request line is there: refuse it now if it cannot be one.
    if (HeadParse p = CheckPartialRequestLine(buffer.substr(0, line_end), limits); p.outcome == ParseOutcome::kError) {
      return p;
    }
    if (buffer.size() > limits.max_head_bytes) return Error(431, "request headers too large");
    return {};
  }
  const size_t head_bytes = end + kBlankLine.size();
  if (head_bytes > limits.max_head_bytes) return Error(431, "request headers too large");
  // A connection parses every request into the same head: keep the header
  // list's allocation (a fresh vector grows four times per request).
  std::vector<HttpHeader> headers = std::move(head->headers);
  headers.clear();
  *head = RequestHead{};
  head->headers = std::move(headers);
  std::string_view rest = buffer.substr(0, end + kCrlf.size());

  // Request line: METHOD SP target SP HTTP/1.x
  const size_t line_end = rest.find(kCrlf);
  const std::string_view line = rest.substr(0, line_end);
  rest.remove_prefix(line_end + kCrlf.size());
  if (line.size() > limits.max_request_line_bytes) return Error(414, "request line too long");
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Error(400, "malformed request line");
  }
  head->method = line.substr(0, sp1);
  head->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(head->method) || head->method.size() > kMaxMethodBytes) return Error(400, "malformed request line");
  if (head->target.empty() || head->target.front() != '/') return Error(400, "the request target must be a path");
  for (const char c : head->target) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') return Error(400, "malformed request target");
  }
  if (version == "HTTP/1.1") {
    head->minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head->minor_version = 0;
  } else {
    return Error(400, "unsupported HTTP version");
  }
  const size_t question = head->target.find('?');
  head->path = head->target.substr(0, question);
  if (question != std::string_view::npos) head->query = head->target.substr(question + 1);

  // Header fields.
  bool have_length = false;
  bool have_encoding = false;
  bool close = false;
  bool keep_alive_token = false;
  while (!rest.empty()) {
    const size_t e = rest.find(kCrlf);
    const std::string_view field = rest.substr(0, e);
    rest.remove_prefix(e + kCrlf.size());
    if (head->headers.size() >= limits.max_headers) return Error(431, "too many request headers");
    if (!field.empty() && (field.front() == ' ' || field.front() == '\t')) {
      return Error(400, "folded header lines are not accepted");
    }
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || !IsToken(field.substr(0, colon))) {
      return Error(400, "malformed header line");
    }
    const std::string_view name = field.substr(0, colon);
    const std::string_view value = Trim(field.substr(colon + 1));
    for (const char c : value) {
      if ((static_cast<unsigned char>(c) < ' ' && c != '\t') || c == '\x7f') {
        return Error(400, "control character in a header value");
      }
    }
    head->headers.push_back({name, value});
    if (AsciiEqualsIgnoreCase(name, "content-length")) {
      uint64_t n = 0;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || value.size() > kMaxContentLengthDigits || ec != std::errc() ||
          ptr != value.data() + value.size() || value.front() == '+' || value.front() == '-') {
        return Error(400, "bad Content-Length");
      }
      if (have_length && n != head->content_length) return Error(400, "conflicting Content-Length headers");
      have_length = true;
      head->content_length = n;
    } else if (AsciiEqualsIgnoreCase(name, "transfer-encoding")) {
      if (have_encoding || !AsciiEqualsIgnoreCase(value, "chunked")) {
        return Error(400, "only Transfer-Encoding: chunked is accepted");
      }
      have_encoding = true;
    } else if (AsciiEqualsIgnoreCase(name, "connection")) {
      close = close || ListHas(value, "close");
      keep_alive_token = keep_alive_token || ListHas(value, "keep-alive");
    } else if (AsciiEqualsIgnoreCase(name, "expect")) {
      head->expect_continue = AsciiEqualsIgnoreCase(value, "100-continue");
    }
  }
  if (have_length && have_encoding) return Error(400, "both Content-Length and Transfer-Encoding");
  head->chunked = have_encoding;
  if (!have_encoding && head->content_length > limits.max_body_bytes) return Error(413, "request body too large");
  head->keep_alive = !close && (head->minor_version == 1 || keep_alive_token);
  *scanned = head_bytes;
  HeadParse p;
  p.outcome = ParseOutcome::kComplete;
  p.head_bytes = head_bytes;
  return p;
}

void ChunkedDecoder::Reset() {
  pos_ = 0;
  in_trailer_ = false;
  body_.clear();
}

ChunkedDecoder::Progress ChunkedDecoder::Feed(std::string_view data, size_t max_body_bytes) {
  Progress p;
  const auto fail = [&p](int status, const char* message) {
    p.outcome = ParseOutcome::kError;
    p.error_status = status;
    p.error = message;
    return p;
  };
  while (true) {
    const std::string_view rest = data.substr(pos_);
    const size_t e = rest.find(kCrlf);
    if (e == std::string_view::npos) {
      if (rest.size() > kMaxChunkLineBytes) return fail(400, "malformed chunked body");
      return p;
    }
    if (e > kMaxChunkLineBytes) return fail(400, "malformed chunked body");
    const std::string_view line = rest.substr(0, e);
    if (in_trailer_) {
      pos_ += e + kCrlf.size();
      if (line.empty()) {
        p.outcome = ParseOutcome::kComplete;
        p.consumed = pos_;
        return p;
      }
      continue;
    }
    // chunk-size [; extensions]
    const std::string_view size_text = Trim(line.substr(0, line.find(';')));
    if (size_text.empty() || size_text.size() > kMaxContentLengthDigits) return fail(400, "malformed chunked body");
    uint64_t size = 0;
    for (const char c : size_text) {
      const int v = HexValue(c);
      if (v < 0) return fail(400, "malformed chunked body");
      size = size * kHexBase + static_cast<uint64_t>(v);
    }
    if (size > max_body_bytes || body_.size() + size > max_body_bytes) return fail(413, "request body too large");
    if (size == 0) {
      in_trailer_ = true;
      pos_ += e + kCrlf.size();
      continue;
    }
    const size_t data_start = e + kCrlf.size();
    if (rest.size() < data_start + size + kCrlf.size()) return p;
    if (rest.substr(data_start + size, kCrlf.size()) != kCrlf) return fail(400, "malformed chunked body");
    body_.append(rest.substr(data_start, size));
    pos_ += data_start + size + kCrlf.size();
  }
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * kHexBase + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> QueryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace dg
