#include "service/http_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace dg {
namespace {

HeadParse Parse(std::string_view text, RequestHead* head, const HttpLimits& limits = {}) {
  size_t scanned = 0;
  return ParseRequestHead(text, limits, head, &scanned);
}

TEST(HttpParserTest, ParsesAHead) {
  const std::string text =
      "POST /v1/check?compat=nginx HTTP/1.1\r\nHost: x\r\ncontent-type:  application/json \r\n"
      "Content-Length: 17\r\n\r\n{\"account_id\":1}";
  RequestHead h;
  const HeadParse p = Parse(text, &h);
  ASSERT_EQ(p.outcome, ParseOutcome::kComplete) << p.error;
  EXPECT_EQ(p.head_bytes, text.find("{"));
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.path, "/v1/check");
  EXPECT_EQ(h.query, "compat=nginx");
  EXPECT_EQ(h.Header("Content-Type"), "application/json");
  EXPECT_EQ(h.Header("HOST"), "x");
  EXPECT_EQ(h.Header("Authorization"), "");
  EXPECT_EQ(h.content_length, 17u);
  EXPECT_FALSE(h.chunked);
  EXPECT_TRUE(h.keep_alive);
}

TEST(HttpParserTest, AReusedHeadHoldsOnlyItsOwnRequest) {
  RequestHead h;
  ASSERT_EQ(Parse("POST /a?q=1 HTTP/1.0\r\nAuthorization: Bearer x\r\nConnection: keep-alive\r\n"
                  "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
                  &h)
                .outcome,
            ParseOutcome::kComplete);
  const size_t capacity = h.headers.capacity();
  ASSERT_EQ(Parse("GET /b HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n", &h).outcome, ParseOutcome::kComplete);
  EXPECT_EQ(h.path, "/b");
  EXPECT_EQ(h.query, "");
  EXPECT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(h.Header("Authorization"), "");
  EXPECT_FALSE(h.chunked);
  EXPECT_FALSE(h.expect_continue);
  EXPECT_FALSE(h.keep_alive);
  EXPECT_EQ(h.minor_version, 1);
  EXPECT_GE(h.headers.capacity(), capacity);  // the allocation is kept
}

TEST(HttpParserTest, IncompleteUntilTheBlankLineArrivesInPieces) {
  const std::string text = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  RequestHead h;
  size_t scanned = 0;
  for (size_t n = 1; n < text.size(); ++n) {
    const HeadParse p = ParseRequestHead(std::string_view(text).substr(0, n), {}, &h, &scanned);
    ASSERT_EQ(p.outcome, ParseOutcome::kIncomplete) << n << ": " << p.error;
  }
  const HeadParse p = ParseRequestHead(text, {}, &h, &scanned);
  ASSERT_EQ(p.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(p.head_bytes, text.size());
}

TEST(HttpParserTest, KeepAliveFollowsVersionAndConnection) {
  RequestHead h;
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\n\r\n", &h).outcome, ParseOutcome::kComplete);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &h).outcome, ParseOutcome::kComplete);
  EXPECT_TRUE(h.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", &h).outcome, ParseOutcome::kComplete);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_EQ(Parse("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n", &h).outcome, ParseOutcome::kComplete);
  EXPECT_TRUE(h.expect_continue);
}

struct Refusal {
  const char* name;
  std::string text;
  int status;
};

TEST(HttpParserTest, RefusesWithTheRightStatus) {
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  const std::vector<Refusal> cases = {
      {"junk", std::string("\x00\x01\x02", 3), 400},
      {"no target", "HELLO THERE\r\n\r\n", 400},
      {"absolute form", "GET http://x/ HTTP/1.1\r\n\r\n", 400},
      {"bad version", "GET / HTTP/2.0\r\n\r\n", 400},
      {"extra part", "GET / HTTP/1.1 x\r\n\r\n", 400},
      {"control in target", "GET /a\x01 HTTP/1.1\r\n\r\n", 400},
      {"no colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400},
      {"space in name", "GET / HTTP/1.1\r\nHo st: x\r\n\r\n", 400},
      {"folded", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400},
      {"negative length", "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400},
      {"text length", "POST / HTTP/1.1\r\nContent-Length: ten\r\n\r\n", 400},
      {"plus length", "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400},
      {"two lengths", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
      {"length and chunked", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"gzip encoding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
      {"huge length", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
      {"body over limit", "POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", 413},
      {"long URI", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414},
      {"long URI, incomplete", "GET /" + std::string(9000, 'a'), 414},
      {"huge header", "GET / HTTP/1.1\r\nX: " + std::string(70000, 'a'), 431},
      {"many headers",
       "GET / HTTP/1.1\r\n" +
           [] {
             std::string s;
             for (int i = 0; i < 101; ++i) s += "X-" + std::to_string(i) + ": 1\r\n";
             return s + "\r\n";
           }(),
       431},
  };
  for (const Refusal& c : cases) {
    RequestHead h;
    const HeadParse p = Parse(c.text, &h, limits);
    EXPECT_EQ(p.outcome, ParseOutcome::kError) << c.name;
    EXPECT_EQ(p.error_status, c.status) << c.name << ": " << p.error;
    EXPECT_STRNE(p.error, "") << c.name;
  }
}

TEST(HttpParserTest, AValidPrefixIsNotRefused) {
  RequestHead h;
  for (const std::string text : {"G", "GET", "GET ", "GET /v1", "GET /v1 HTTP/1.1\r\nHo"}) {
    EXPECT_EQ(Parse(text, &h).outcome, ParseOutcome::kIncomplete) << text;
  }
}

TEST(HttpParserTest, ChunkedBodyArrivingInPieces) {
  const std::string body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    ChunkedDecoder d;
    ChunkedDecoder::Progress p = d.Feed(std::string_view(body).substr(0, cut), 100);
    if (p.outcome != ParseOutcome::kComplete) {
      ASSERT_EQ(p.outcome, ParseOutcome::kIncomplete) << cut << ": " << p.error;
      p = d.Feed(body, 100);
    }
    ASSERT_EQ(p.outcome, ParseOutcome::kComplete) << cut;
    EXPECT_EQ(d.body(), "hello world");
    EXPECT_EQ(body.substr(p.consumed), "NEXT");
  }
}

TEST(HttpParserTest, ChunkedRefusals) {
  for (const auto& [text, status] : std::vector<std::pair<std::string, int>>{
           {"zz\r\n{}\r\n0\r\n\r\n", 400},
           {"2\r\n{}XX0\r\n\r\n", 400},
           {"FFFFFFFF\r\n", 413},
           {"60\r\n" + std::string(0x60, 'a') + "\r\n60\r\n", 413},
           {std::string(2000, '1'), 400},
       }) {
    ChunkedDecoder d;
    const ChunkedDecoder::Progress p = d.Feed(text, 100);
    EXPECT_EQ(p.outcome, ParseOutcome::kError) << text.substr(0, 20);
    EXPECT_EQ(p.error_status, status) << text.substr(0, 20);
  }
}

// The same bytes give the same outcome whether they arrive at once or in
// two reads, for valid heads with random damage; and nothing reads past the
// buffer (the sanitizer build runs this).
TEST(HttpParserTest, IncrementalEqualsWholeOnDamagedHeads) {
  std::mt19937 rng(20261202);
  const std::string base =
      "POST /v1/check?x=1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n";
  const std::string alphabet = std::string("\r\n :/?-aZ09\t\x00\xff", 14);
  for (int round = 0; round < 20000; ++round) {
    std::string text = base;
    const int edits = static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 3);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
      if (text.empty()) text = "G";
    }
    RequestHead whole_head;
    size_t scanned = 0;
    const HeadParse whole = ParseRequestHead(text, {}, &whole_head, &scanned);
    const size_t cut = rng() % (text.size() + 1);
    RequestHead split_head;
    scanned = 0;
    HeadParse split = ParseRequestHead(std::string_view(text).substr(0, cut), {}, &split_head, &scanned);
    if (split.outcome == ParseOutcome::kIncomplete) split = ParseRequestHead(text, {}, &split_head, &scanned);
    ASSERT_EQ(static_cast<int>(split.outcome), static_cast<int>(whole.outcome)) << round << ": " << text;
    ASSERT_EQ(split.error_status, whole.error_status) << round << ": " << text;
    if (whole.outcome == ParseOutcome::kComplete) {
      EXPECT_EQ(split.head_bytes, whole.head_bytes);
      EXPECT_EQ(split_head.path, whole_head.path);
      EXPECT_EQ(split_head.chunked, whole_head.chunked);
    }
    ChunkedDecoder d;
    (void)d.Feed(text, 1000);  // arbitrary bytes as a chunked body: no crash
  }
}

TEST(HttpParserTest, PercentDecoding) {
  EXPECT_EQ(PercentDecode("acc%2F1%20x+y").value(), "acc/1 x+y");
  EXPECT_EQ(PercentDecode("a+b", true).value(), "a b");
  EXPECT_FALSE(PercentDecode("a%2").has_value());
  EXPECT_FALSE(PercentDecode("a%zz").has_value());
  EXPECT_EQ(QueryValue("x=1&compat=nginx", "compat").value(), "nginx");
  EXPECT_EQ(QueryValue("compat", "compat").value(), "");
  EXPECT_FALSE(QueryValue("x=1", "compat").has_value());
  EXPECT_FALSE(QueryValue("compatx=1", "compat").has_value());
}

}  // namespace
}  // namespace dg
