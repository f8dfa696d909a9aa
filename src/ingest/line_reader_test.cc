#include "ingest/line_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dg {
namespace {

constexpr size_t kMiB = size_t{1} << 20;
// Stops a broken reader from looping forever inside a test.
constexpr size_t kMaxRecordsPerRead = size_t{10} << 20;

// One returned Line, copied so that it outlives the reader's buffer.
struct Record {
  LineKind kind = LineKind::kEnd;
  std::string text;
  uint64_t number = 0;
  uint64_t length = 0;
  bool operator==(const Record&) const = default;
};

struct ReadResult {
  std::vector<Record> records;  // kLine and kTooLong only
  LineKind last_kind = LineKind::kEnd;
  Status error;
  uint64_t bytes_consumed = 0;
  uint64_t total_bytes = 0;
};

const char* KindName(LineKind kind) {
  switch (kind) {
    case LineKind::kLine:
      return "kLine";
    case LineKind::kTooLong:
      return "kTooLong";
    case LineKind::kEnd:
      return "kEnd";
    case LineKind::kError:
      return "kError";
  }
  return "?";
}

std::string Describe(const Record& r) {
  constexpr size_t kShownBytes = 40;
  return std::string(KindName(r.kind)) + " #" + std::to_string(r.number) + " length " + std::to_string(r.length) +
         " text[" + std::to_string(r.text.size()) + "] \"" + r.text.substr(0, kShownBytes) +
         (r.text.size() > kShownBytes ? "...\"" : "\"");
}

// Compares record lists without printing megabytes of text on failure.
::testing::AssertionResult SameRecords(const std::vector<Record>& actual, const std::vector<Record>& expected) {
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    if (!(actual[i] == expected[i])) {
      return ::testing::AssertionFailure()
             << "record " << i << ": got " << Describe(actual[i]) << ", want " << Describe(expected[i]);
    }
  }
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure() << "got " << actual.size() << " records, want " << expected.size();
  }
  return ::testing::AssertionSuccess();
}

// Reads every padding byte after a returned line, so that ASan reports a
// read past the buffer and the compiler cannot drop the loads.
void TouchPadding(std::string_view text) {
  volatile unsigned char sink = 0;
  const auto* end = reinterpret_cast<const unsigned char*>(text.data() + text.size());
  for (size_t i = 0; i < kLinePadding; ++i) sink = sink ^ end[i];
  (void)sink;
}

ReadResult ReadAll(LineReader& reader) {
  ReadResult result;
  for (size_t i = 0; i < kMaxRecordsPerRead; ++i) {
    const Line line = reader.Next();
    if (line.kind == LineKind::kEnd || line.kind == LineKind::kError) {
      result.last_kind = line.kind;
      break;
    }
    if (line.kind == LineKind::kLine) TouchPadding(line.text);
    result.records.push_back(Record{line.kind, std::string(line.text), line.number, line.length});
  }
  result.error = reader.error();
  result.bytes_consumed = reader.bytes_consumed();
  result.total_bytes = reader.total_bytes();
  return result;
}

ReadResult ReadAll(const std::string& path, size_t max_line_bytes = kDefaultMaxLineBytes) {
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, LineReaderOptions{max_line_bytes});
  EXPECT_TRUE(reader.ok()) << reader.status().message();
  if (!reader.ok()) return {};
  return ReadAll(**reader);
}

// The reference split: what the reader must return for `data`.
std::vector<Record> ExpectedLines(std::string_view data, size_t max_line_bytes = kDefaultMaxLineBytes) {
  std::vector<Record> out;
  size_t pos = 0;
  uint64_t number = 0;
  while (pos < data.size()) {
    const size_t newline = data.find('\n', pos);
    const bool terminated = newline != std::string_view::npos;
    const size_t end = terminated ? newline : data.size();
    size_t length = end - pos;
    if (terminated && length > 0 && data[end - 1] == '\r') --length;
    Record r;
    r.number = ++number;
    r.length = length;
    r.kind = length > max_line_bytes ? LineKind::kTooLong : LineKind::kLine;
    r.text =
        std::string(data.substr(pos, r.kind == LineKind::kTooLong ? std::min(length, kQuarantineRawBytes) : length));
    out.push_back(std::move(r));
    pos = terminated ? newline + 1 : data.size();
  }
  return out;
}

// JSON-ish lines of varied length: mostly short, some empty, a few long,
// some with "\r\n" or a stray '\r'. Random letters so that the compressed
// versions are large enough to cut in interesting places.
std::string MakeContent(uint64_t seed, size_t target_bytes, bool trailing_newline = true) {
  constexpr int kPercent = 100;
  std::mt19937_64 rng(seed);
  std::string out;
  uint64_t index = 0;
  while (out.size() < target_bytes) {
    const int bucket = static_cast<int>(rng() % kPercent);
    size_t length = 0;
    if (bucket < 4) {
      length = 0;
    } else if (bucket < 88) {
      length = rng() % 1500;
    } else if (bucket < 98) {
      length = rng() % 12000;
    } else {
      length = rng() % 300000;
    }
    std::string line;
    if (length > 0) {
      line = "{\"i\":" + std::to_string(index) + ",\"p\":\"";
      while (line.size() + 2 < length) line.push_back(static_cast<char>('a' + rng() % 26));
      line += "\"}";
      if (rng() % 50 == 0) line[rng() % line.size()] = '\r';
    }
    ++index;
    out += line;
    out += rng() % 8 == 0 ? "\r\n" : "\n";
  }
  if (!trailing_newline) out += "{\"last\":true}";
  return out;
}

std::string GzipBytes(std::string_view data, int level = Z_DEFAULT_COMPRESSION) {
  constexpr int kGzipWindowBits = MAX_WBITS + 16;
  constexpr int kMemLevel = 8;
  z_stream zs = {};
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// With a content checksum, as the zstd command writes by default: without
// one, a flipped byte inside raw literals is undetectable by design.
std::string ZstdBytes(std::string_view data) {
  constexpr int kLevel = 3;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  EXPECT_NE(cctx, nullptr);
  EXPECT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, kLevel)));
  EXPECT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)));
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

// A zstd skippable frame (RFC 8878 section 3.1.2), which readers must ignore.
std::string ZstdSkippableFrame(std::string_view payload) {
  constexpr uint32_t kSkippableMagic = 0x184D2A53;
  std::string out;
  auto put32 = [&out](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put32(kSkippableMagic);
  put32(static_cast<uint32_t>(payload.size()));
  out += payload;
  return out;
}

class LineReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "/line_reader_test_XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string WriteFile(const std::string& name, std::string_view bytes) const {
    const std::string path = Path(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good()) << path;
    return path;
  }

  // Writes with zlib's file API, as a log shipper would.
  std::string WriteGzFile(const std::string& name, std::string_view bytes) const {
    const std::string path = Path(name);
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr);
    constexpr size_t kPieceBytes = 1 << 20;
    for (size_t pos = 0; pos < bytes.size(); pos += kPieceBytes) {
      const size_t n = std::min(kPieceBytes, bytes.size() - pos);
      EXPECT_EQ(gzwrite(gz, bytes.data() + pos, static_cast<unsigned>(n)), static_cast<int>(n));
    }
    EXPECT_EQ(gzclose(gz), Z_OK);
    return path;
  }

  // Feeds `bytes` through a FIFO in small, irregular writes so that the
  // reader sees short reads and lines cut at many different places.
  ReadResult ReadThroughFifo(const std::string& name, const std::string& bytes, size_t max_line_bytes, uint64_t seed) {
    const std::string path = Path(name);
    EXPECT_EQ(mkfifo(path.c_str(), 0600), 0);
    // A reader that stops early must fail the test, not kill it.
    std::signal(SIGPIPE, SIG_IGN);
    std::thread writer([&path, &bytes, seed] {
      constexpr size_t kMaxWriteBytes = 9000;
      std::mt19937_64 rng(seed);
      const int fd = ::open(path.c_str(), O_WRONLY);
      if (fd < 0) return;
      size_t pos = 0;
      while (pos < bytes.size()) {
        const size_t n = std::min<size_t>(1 + rng() % kMaxWriteBytes, bytes.size() - pos);
        const ssize_t written = ::write(fd, bytes.data() + pos, n);
        if (written <= 0) break;
        pos += static_cast<size_t>(written);
      }
      ::close(fd);
    });
    ReadResult result = ReadAll(path, max_line_bytes);
    writer.join();
    return result;
  }

  // Writes `pieces` to a FIFO one at a time with a pause in between, so that
  // the reader almost surely sees each piece end as the end of a read.
  ReadResult ReadPiecesThroughFifo(const std::string& name, const std::vector<std::string>& pieces,
                                   size_t max_line_bytes) {
    constexpr auto kPause = std::chrono::milliseconds(30);
    const std::string path = Path(name);
    EXPECT_EQ(mkfifo(path.c_str(), 0600), 0);
    std::signal(SIGPIPE, SIG_IGN);
    std::thread writer([&path, &pieces, kPause] {
      const int fd = ::open(path.c_str(), O_WRONLY);
      if (fd < 0) return;
      for (const std::string& piece : pieces) {
        std::this_thread::sleep_for(kPause);
        if (::write(fd, piece.data(), piece.size()) != static_cast<ssize_t>(piece.size())) break;
      }
      ::close(fd);
    });
    ReadResult result = ReadAll(path, max_line_bytes);
    writer.join();
    return result;
  }

  std::string dir_;
};

void ExpectCleanEnd(const ReadResult& result) {
  EXPECT_EQ(result.last_kind, LineKind::kEnd);
  EXPECT_TRUE(result.error.ok()) << result.error.message();
}

TEST_F(LineReaderTest, PlainGzipAndZstdGiveTheSameLines) {
  const std::string content = MakeContent(1, 3 * kMiB);
  const std::vector<std::string> paths = {WriteFile("in.jsonl", content), WriteGzFile("in.jsonl.gz", content),
                                          WriteFile("in.jsonl.zst", ZstdBytes(content))};
  const std::vector<Record> expected = ExpectedLines(content);
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    const ReadResult result = ReadAll(path);
    ExpectCleanEnd(result);
    EXPECT_TRUE(SameRecords(result.records, expected));
    EXPECT_EQ(result.total_bytes, std::filesystem::file_size(path));
    EXPECT_EQ(result.bytes_consumed, result.total_bytes);
  }
}

TEST_F(LineReaderTest, DetectsCompressionFromMagicBytesNotFileName) {
  const std::string content = "{\"a\":1}\n{\"b\":2}\n";
  EXPECT_TRUE(SameRecords(ReadAll(WriteFile("looks_plain.txt", GzipBytes(content))).records, ExpectedLines(content)));
  EXPECT_TRUE(SameRecords(ReadAll(WriteFile("looks_zstd.log", ZstdBytes(content))).records, ExpectedLines(content)));
  EXPECT_TRUE(SameRecords(ReadAll(WriteFile("looks_gzip.gz", content)).records, ExpectedLines(content)));
}

TEST_F(LineReaderTest, ShortInputsThatResembleMagicBytes) {
  // One byte of the gzip magic, three of the zstd magic: plain text.
  EXPECT_TRUE(SameRecords(ReadAll(WriteFile("a", "\x1f")).records, ExpectedLines("\x1f")));
  EXPECT_TRUE(SameRecords(ReadAll(WriteFile("b", "\x28\xb5\x2f")).records, ExpectedLines("\x28\xb5\x2f")));
  // The whole gzip magic but nothing after it: a truncated gzip stream.
  const ReadResult result = ReadAll(WriteFile("c", "\x1f\x8b"));
  EXPECT_EQ(result.last_kind, LineKind::kError);
  EXPECT_EQ(result.error.code(), StatusCode::kDataLoss);
}

TEST_F(LineReaderTest, ReadsConcatenatedGzipMembersAsOneStream) {
  // The first member ends mid-line: members join at the byte level.
  const std::string a = MakeContent(2, 200000) + "partial-";
  const std::string b = "rest of line\n" + MakeContent(3, 300000, /*trailing_newline=*/false);
  const std::string path =
      WriteFile("multi.gz", GzipBytes(a) + GzipBytes("") + GzipBytes(b, Z_BEST_SPEED) + GzipBytes("\n"));
  const ReadResult result = ReadAll(path);
  ExpectCleanEnd(result);
  EXPECT_TRUE(SameRecords(result.records, ExpectedLines(a + b + "\n")));
  EXPECT_EQ(result.bytes_consumed, result.total_bytes);
}

TEST_F(LineReaderTest, ReadsMultipleZstdFramesAndSkipsSkippableFrames) {
  const std::string a = MakeContent(4, 200000) + "partial-";
  const std::string b = "rest of line\n" + MakeContent(5, 300000);
  const std::string path = WriteFile("multi.zst", ZstdSkippableFrame("metadata") + ZstdBytes(a) + ZstdBytes("") +
                                                      ZstdSkippableFrame("") + ZstdBytes(b));
  const ReadResult result = ReadAll(path);
  ExpectCleanEnd(result);
  EXPECT_TRUE(SameRecords(result.records, ExpectedLines(a + b)));
  EXPECT_EQ(result.bytes_consumed, result.total_bytes);
}

TEST_F(LineReaderTest, StripsCarriageReturnOnlyBeforeNewline) {
  const ReadResult result = ReadAll(WriteFile("crlf", "a\r\nb\r\n\r\nc\rd\ne\r\r\n\r"));
  ExpectCleanEnd(result);
  ASSERT_EQ(result.records.size(), 6u);
  EXPECT_EQ(result.records[0].text, "a");
  EXPECT_EQ(result.records[1].text, "b");
  EXPECT_EQ(result.records[2].text, "");
  EXPECT_EQ(result.records[3].text, "c\rd");
  EXPECT_EQ(result.records[4].text, "e\r");
  EXPECT_EQ(result.records[5].text, "\r");  // no '\n' after it: kept
  EXPECT_EQ(result.records[0].length, 1u);
}

TEST_F(LineReaderTest, ReturnsLastLineWithoutNewline) {
  const ReadResult result = ReadAll(WriteFile("tail", "one\ntwo"));
  ExpectCleanEnd(result);
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.records[1], (Record{LineKind::kLine, "two", 2, 3}));
}

TEST_F(LineReaderTest, EmptyInputsEndAtOnce) {
  for (const std::string& path :
       {WriteFile("empty", ""), WriteFile("empty.gz", GzipBytes("")), WriteFile("empty.zst", ZstdBytes(""))}) {
    SCOPED_TRACE(path);
    Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, {});
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ((*reader)->Next().kind, LineKind::kEnd);
    EXPECT_EQ((*reader)->Next().kind, LineKind::kEnd);
    EXPECT_TRUE((*reader)->error().ok());
    EXPECT_EQ((*reader)->bytes_consumed(), (*reader)->total_bytes());
  }
}

TEST_F(LineReaderTest, ReturnsEmptyLinesWithTheirNumbers) {
  const ReadResult result = ReadAll(WriteFile("blank", "\n\n\nx\n\n"));
  ExpectCleanEnd(result);
  const std::vector<Record> expected = {{LineKind::kLine, "", 1, 0},
                                        {LineKind::kLine, "", 2, 0},
                                        {LineKind::kLine, "", 3, 0},
                                        {LineKind::kLine, "x", 4, 1},
                                        {LineKind::kLine, "", 5, 0}};
  EXPECT_TRUE(SameRecords(result.records, expected));
}

std::string Pattern(size_t length, uint64_t seed) {
  std::string s(length, '\0');
  for (size_t i = 0; i < length; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

TEST_F(LineReaderTest, LineAtTheLimitIsKeptAndOneByteOverIsTooLong) {
  constexpr size_t kLimit = 8192;
  const std::string at_limit = Pattern(kLimit, 1);
  const std::string over = Pattern(kLimit + 1, 2);
  const std::string at_limit_crlf = Pattern(kLimit, 3);
  const std::string content = "first\n" + at_limit + "\n" + over + "\n" + at_limit_crlf + "\r\nafter\n";
  for (const std::string& path : {WriteFile("limit", content), WriteFile("limit.gz", GzipBytes(content))}) {
    SCOPED_TRACE(path);
    const ReadResult result = ReadAll(path, kLimit);
    ExpectCleanEnd(result);
    const std::vector<Record> expected = {
        {LineKind::kLine, "first", 1, 5},
        {LineKind::kLine, at_limit, 2, kLimit},
        {LineKind::kTooLong, over.substr(0, kQuarantineRawBytes), 3, kLimit + 1},
        {LineKind::kLine, at_limit_crlf, 4, kLimit},
        {LineKind::kLine, "after", 5, 5},
    };
    EXPECT_TRUE(SameRecords(result.records, expected));
  }
}

TEST_F(LineReaderTest, TooLongLineShorterThanQuarantinePrefixIsKeptWhole) {
  constexpr size_t kLimit = 100;
  const std::string over = Pattern(150, 4);
  const ReadResult result = ReadAll(WriteFile("small_limit", "ok\n" + over + "\nnext"), kLimit);
  ExpectCleanEnd(result);
  const std::vector<Record> expected = {
      {LineKind::kLine, "ok", 1, 2}, {LineKind::kTooLong, over, 2, 150}, {LineKind::kLine, "next", 3, 4}};
  EXPECT_TRUE(SameRecords(result.records, expected));
}

TEST_F(LineReaderTest, HugeLineIsSkippedAndTheNextLineIsIntact) {
  constexpr size_t kLimit = kMiB;
  constexpr size_t kHugeBytes = 50'000'000;
  const std::string huge = Pattern(kHugeBytes, 5);
  const std::string content = "before\n" + huge + "\r\nafter\n" + huge + "\nx";
  const std::vector<Record> expected = {
      {LineKind::kLine, "before", 1, 6}, {LineKind::kTooLong, huge.substr(0, kQuarantineRawBytes), 2, kHugeBytes},
      {LineKind::kLine, "after", 3, 5},  {LineKind::kTooLong, huge.substr(0, kQuarantineRawBytes), 4, kHugeBytes},
      {LineKind::kLine, "x", 5, 1},
  };
  for (const std::string& path : {WriteFile("huge", content), WriteFile("huge.gz", GzipBytes(content, Z_BEST_SPEED)),
                                  WriteFile("huge.zst", ZstdBytes(content))}) {
    SCOPED_TRACE(path);
    const ReadResult result = ReadAll(path, kLimit);
    ExpectCleanEnd(result);
    EXPECT_TRUE(SameRecords(result.records, expected));
  }
  // A huge last line without a newline: the end of input ends it.
  const ReadResult result = ReadAll(WriteFile("huge_tail", "a\n" + huge), kLimit);
  ExpectCleanEnd(result);
  EXPECT_TRUE(SameRecords(result.records, ExpectedLines("a\n" + huge, kLimit)));
}

TEST_F(LineReaderTest, CarriageReturnAndNewlineInSeparateReads) {
  constexpr size_t kLimit = 10;
  const ReadResult result =
      ReadPiecesThroughFifo("split_crlf",
                            {std::string(100, 'A') + "\r", "\nnext\n",   // too long; "\r\n" split while skipping
                             std::string(kLimit + 1, 'B') + "\r", "\n",  // one over; the '\r' is not part of the prefix
                             std::string(kLimit, 'C') + "\r", "\n",      // exactly at the limit once '\r' is stripped
                             std::string(50, 'D'), "\r", "\n", "end"},
                            kLimit);
  ExpectCleanEnd(result);
  const std::vector<Record> expected = {
      {LineKind::kTooLong, std::string(100, 'A'), 1, 100},
      {LineKind::kLine, "next", 2, 4},
      {LineKind::kTooLong, std::string(kLimit + 1, 'B'), 3, kLimit + 1},
      {LineKind::kLine, std::string(kLimit, 'C'), 4, kLimit},
      {LineKind::kTooLong, std::string(50, 'D'), 5, 50},
      {LineKind::kLine, "end", 6, 3},
  };
  EXPECT_TRUE(SameRecords(result.records, expected));
}

TEST_F(LineReaderTest, LongLinesWithinTheLimitGrowTheBuffer) {
  constexpr size_t kLimit = 6 * kMiB;
  const std::string content = "short\n" + Pattern(5 * kMiB, 6) + "\nshort\n" + Pattern(kLimit, 7) + "\r\n" +
                              Pattern(kLimit + 1, 8) + "\n" + Pattern(3 * kMiB, 9) + "\nlast";
  const std::vector<Record> expected = ExpectedLines(content, kLimit);
  ASSERT_EQ(expected[3].kind, LineKind::kLine);
  ASSERT_EQ(expected[4].kind, LineKind::kTooLong);
  for (const std::string& path : {WriteFile("grow", content), WriteFile("grow.zst", ZstdBytes(content))}) {
    SCOPED_TRACE(path);
    const ReadResult result = ReadAll(path, kLimit);
    ExpectCleanEnd(result);
    EXPECT_TRUE(SameRecords(result.records, expected));
  }
}

TEST_F(LineReaderTest, LinesStraddlingReadBoundariesMatchReferenceSplit) {
  const std::string content = MakeContent(6, 6 * kMiB, /*trailing_newline=*/false);
  const std::vector<std::string> paths = {WriteFile("s", content), WriteFile("s.gz", GzipBytes(content)),
                                          WriteFile("s.zst", ZstdBytes(content))};
  // 1000 is below the quarantine prefix, 20000 above it; both leave some
  // long lines cut by reads.
  for (const size_t limit : {kDefaultMaxLineBytes, size_t{20000}, size_t{1000}}) {
    const std::vector<Record> expected = ExpectedLines(content, limit);
    for (const std::string& path : paths) {
      SCOPED_TRACE(path + " limit " + std::to_string(limit));
      const ReadResult result = ReadAll(path, limit);
      ExpectCleanEnd(result);
      EXPECT_TRUE(SameRecords(result.records, expected));
    }
  }
}

TEST_F(LineReaderTest, ShortReadsFromAPipeMatchReferenceSplit) {
  const std::string content = MakeContent(7, 2 * kMiB);
  const std::string gz = GzipBytes(content);
  uint64_t seed = 100;
  for (const size_t limit : {kDefaultMaxLineBytes, size_t{300}}) {
    const std::vector<Record> expected = ExpectedLines(content, limit);
    SCOPED_TRACE("limit " + std::to_string(limit));
    const ReadResult plain = ReadThroughFifo("fifo" + std::to_string(seed), content, limit, seed);
    ++seed;
    ExpectCleanEnd(plain);
    EXPECT_TRUE(SameRecords(plain.records, expected));
    EXPECT_EQ(plain.total_bytes, 0u);
    EXPECT_EQ(plain.bytes_consumed, content.size());
    const ReadResult gzip = ReadThroughFifo("fifo" + std::to_string(seed), gz, limit, seed);
    ++seed;
    ExpectCleanEnd(gzip);
    EXPECT_TRUE(SameRecords(gzip.records, expected));
  }
}

TEST_F(LineReaderTest, ReadsStandardInputFromAPipe) {
  const std::string content = MakeContent(8, 500000);
  const std::string zst = ZstdBytes(content);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const int saved_stdin = dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);
  std::thread writer([fd = fds[1], &zst] {
    size_t pos = 0;
    while (pos < zst.size()) {
      const ssize_t n = ::write(fd, zst.data() + pos, zst.size() - pos);
      if (n <= 0) break;
      pos += static_cast<size_t>(n);
    }
    ::close(fd);
  });
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open("-", {});
  ReadResult result;
  if (reader.ok()) result = ReadAll(**reader);
  writer.join();
  dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->name(), "-");
  ExpectCleanEnd(result);
  EXPECT_TRUE(SameRecords(result.records, ExpectedLines(content)));
  EXPECT_EQ(result.total_bytes, 0u);
  EXPECT_EQ(result.bytes_consumed, zst.size());
}

// Cuts a compressed file at several places; each cut must give a prefix of
// the complete lines, then DataLoss naming the stream type and the file.
// A cut inside the gzip trailer or the last zstd block may come after every
// line: all of them are returned, and still the error.
void ExpectTruncationIsDataLoss(const std::string& dir, const std::string& content, const std::string& compressed,
                                const std::string& kind) {
  const std::vector<Record> expected = ExpectedLines(content);
  const std::vector<size_t> cuts = {
      5, 10, compressed.size() / 3, compressed.size() / 2, compressed.size() - 4, compressed.size() - 1};
  for (const size_t cut : cuts) {
    SCOPED_TRACE(kind + " cut at " + std::to_string(cut) + " of " + std::to_string(compressed.size()));
    const std::string path = dir + "/truncated_" + kind + std::to_string(cut);
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(compressed.data(), static_cast<std::streamsize>(cut));
    }
    Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, {});
    ASSERT_TRUE(reader.ok());
    const ReadResult result = ReadAll(**reader);
    EXPECT_EQ(result.last_kind, LineKind::kError);
    EXPECT_EQ(result.error.code(), StatusCode::kDataLoss);
    EXPECT_NE(result.error.message().find("truncated " + kind + " stream in " + path), std::string::npos)
        << result.error.message();
    ASSERT_LE(result.records.size(), expected.size());
    EXPECT_TRUE(
        SameRecords(result.records, std::vector<Record>(expected.begin(), expected.begin() + result.records.size())));
    if (cut == compressed.size() / 2) {
      EXPECT_GT(result.records.size(), 0u);
    }
    // The error sticks.
    EXPECT_EQ((*reader)->Next().kind, LineKind::kError);
    EXPECT_EQ(result.bytes_consumed, cut);
    std::filesystem::remove(path);
  }
}

TEST_F(LineReaderTest, TruncatedGzipReturnsCompleteLinesThenDataLoss) {
  const std::string content = MakeContent(9, 1500000);
  ExpectTruncationIsDataLoss(dir_, content, GzipBytes(content), "gzip");
}

TEST_F(LineReaderTest, TruncatedZstdReturnsCompleteLinesThenDataLoss) {
  const std::string content = MakeContent(10, 1500000);
  ExpectTruncationIsDataLoss(dir_, content, ZstdBytes(content), "zstd");
}

TEST_F(LineReaderTest, GarbageAfterCompressedDataIsDataLoss) {
  const std::string content = MakeContent(11, 100000);
  const std::vector<std::string> paths = {
      WriteFile("g1.gz", GzipBytes(content) + "garbage\n"),
      WriteFile("g2.gz", GzipBytes(content) + "\x1f" + "garbage\n"),
      WriteFile("g3.gz", GzipBytes(content) + std::string(16, '\0')),
      WriteFile("z1.zst", ZstdBytes(content) + "garbage\n"),
      WriteFile("z2.zst", ZstdBytes(content) + "\x28\xb5"),
  };
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    const ReadResult result = ReadAll(path);
    EXPECT_EQ(result.last_kind, LineKind::kError);
    EXPECT_EQ(result.error.code(), StatusCode::kDataLoss) << result.error.message();
    EXPECT_NE(result.error.message().find(path), std::string::npos) << result.error.message();
    // Everything before the garbage was complete and is returned.
    EXPECT_TRUE(SameRecords(result.records, ExpectedLines(content)));
  }
}

TEST_F(LineReaderTest, CorruptCompressedDataIsDataLoss) {
  const std::string content = MakeContent(12, 500000);
  std::string gz = GzipBytes(content);
  std::string zst = ZstdBytes(content);
  for (std::string* bytes : {&gz, &zst}) {
    for (size_t i = bytes->size() / 2; i < bytes->size() / 2 + 64; ++i) (*bytes)[i] = static_cast<char>(~(*bytes)[i]);
  }
  for (const std::string& path : {WriteFile("corrupt.gz", gz), WriteFile("corrupt.zst", zst)}) {
    SCOPED_TRACE(path);
    const ReadResult result = ReadAll(path);
    EXPECT_EQ(result.last_kind, LineKind::kError);
    EXPECT_EQ(result.error.code(), StatusCode::kDataLoss) << result.error.message();
  }
}

TEST_F(LineReaderTest, OpenReportsMissingFilesAndDirectories) {
  const std::string missing = Path("no_such_file.jsonl");
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open(missing, {});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_NE(reader.status().message().find(missing), std::string::npos);
  EXPECT_NE(reader.status().message().find("No such file"), std::string::npos);

  Result<std::unique_ptr<LineReader>> dir = LineReader::Open(dir_, {});
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kIoError);
  EXPECT_NE(dir.status().message().find(dir_), std::string::npos);
}

TEST_F(LineReaderTest, OpenFailureOtherThanMissingIsIoError) {
  constexpr size_t kOverlongNameBytes = 300;  // NAME_MAX is 255 on Linux
  const std::string path = Path(std::string(kOverlongNameBytes, 'n'));
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, {});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIoError) << reader.status().message();
}

TEST_F(LineReaderTest, ReadErrorIsIoError) {
  // read(2) on a directory fails with EISDIR; Open("-") does not look at
  // what stdin is, so the failure surfaces from Next().
  const int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir_fd, 0);
  const int saved_stdin = dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(dup2(dir_fd, STDIN_FILENO), STDIN_FILENO);
  ::close(dir_fd);
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open("-", {});
  Line first;
  Line second;
  if (reader.ok()) {
    first = (*reader)->Next();
    second = (*reader)->Next();
  }
  dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(first.kind, LineKind::kError);
  EXPECT_EQ(second.kind, LineKind::kError);
  EXPECT_EQ((*reader)->error().code(), StatusCode::kIoError);
  EXPECT_NE((*reader)->error().message().find("read error on -"), std::string::npos) << (*reader)->error().message();
}

TEST_F(LineReaderTest, RejectsUnusableLineLimits) {
  const std::string path = WriteFile("x", "x\n");
  EXPECT_EQ(LineReader::Open(path, LineReaderOptions{0}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LineReader::Open(path, LineReaderOptions{~size_t{0}}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LineReaderTest, PaddingAfterLinesEndingAtBufferAndFileEnds) {
  // Files whose size is a multiple of any power-of-two read chunk, with the
  // last line running up to the last byte (ReadAll touches the padding of
  // every line; ASan reports an overrun).
  for (const size_t size : {kMiB - 1, kMiB, kMiB + 1, 2 * kMiB, 3 * kMiB}) {
    std::string content = MakeContent(13, size);
    content.resize(size);
    if (content.back() == '\n') content.back() = 'z';
    const std::string name = "pad" + std::to_string(size);
    for (const std::string& path : {WriteFile(name, content), WriteFile(name + ".gz", GzipBytes(content))}) {
      SCOPED_TRACE(path);
      const ReadResult result = ReadAll(path);
      ExpectCleanEnd(result);
      EXPECT_TRUE(SameRecords(result.records, ExpectedLines(content)));
    }
  }
}

TEST_F(LineReaderTest, BytesConsumedStartsAtZeroAndReachesTotal) {
  const std::string content = MakeContent(14, 3 * kMiB);
  const std::string path = WriteFile("progress.gz", GzipBytes(content));
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, {});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->bytes_consumed(), 0u);
  EXPECT_EQ((*reader)->total_bytes(), std::filesystem::file_size(path));
  EXPECT_EQ((*reader)->name(), path);
  uint64_t previous = 0;
  for (Line line = (*reader)->Next(); line.kind == LineKind::kLine; line = (*reader)->Next()) {
    EXPECT_GE((*reader)->bytes_consumed(), previous);
    EXPECT_LE((*reader)->bytes_consumed(), (*reader)->total_bytes());
    previous = (*reader)->bytes_consumed();
  }
  EXPECT_TRUE((*reader)->error().ok());
  EXPECT_EQ((*reader)->bytes_consumed(), (*reader)->total_bytes());
}

}  // namespace
}  // namespace dg
