// Throughput of ingest's LineReader: splitting ~1 KB JSON-ish log lines from
// a plain file, and from gzip and zstd versions of the same content. Bytes
// per second count the decompressed bytes, so the three figures compare the
// cost of each input format for the same log. The files are generated once
// in a fresh temporary directory (page cache warm) and removed at exit.
#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "ingest/line_reader.h"

namespace dg {
namespace {

constexpr size_t kContentBytes = size_t{32} << 20;
constexpr size_t kTargetLineBytes = 1024;
constexpr int kZstdLevel = 3;  // the zstd command's default
constexpr size_t kVocabularyWords = 512;
constexpr size_t kMaxWordBytes = 10;

// Log-like lines: fixed field names and a prompt of words from a small
// vocabulary, so that compression ratios resemble real API logs (~4-6x).
std::string MakeContent() {
  std::mt19937_64 rng(42);
  std::vector<std::string> words(kVocabularyWords);
  for (std::string& word : words) {
    const size_t length = 1 + rng() % kMaxWordBytes;
    for (size_t i = 0; i < length; ++i) word.push_back(static_cast<char>('a' + rng() % 26));
  }
  std::string out;
  out.reserve(kContentBytes + 2 * kTargetLineBytes);
  for (uint64_t i = 0; out.size() < kContentBytes; ++i) {
    const size_t start = out.size();
    out += "{\"ts\":\"2026-04-22T10:00:03.125Z\",\"request_id\":\"req-" + std::to_string(i) +
           "\",\"account_id\":\"acct-" + std::to_string(rng() % 5000) +
           "\",\"model\":\"large-2\",\"endpoint\":\"/v1/chat\",\"prompt\":\"";
    while (out.size() - start < kTargetLineBytes) {
      out += words[rng() % words.size()];
      out.push_back(' ');
    }
    out += "\"}\n";
  }
  return out;
}

class BenchFiles {
 public:
  BenchFiles() {
    std::string templ = (std::filesystem::temp_directory_path() / "dg_line_reader_bench_XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) return;
    dir_ = templ;
    const std::string content = MakeContent();
    content_bytes_ = content.size();
    plain_ = dir_ + "/log.jsonl";
    gzip_ = dir_ + "/log.jsonl.gz";
    zstd_ = dir_ + "/log.jsonl.zst";
    std::ofstream(plain_, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));

    gzFile gz = gzopen(gzip_.c_str(), "wb");
    constexpr size_t kPieceBytes = size_t{1} << 20;
    for (size_t pos = 0; gz != nullptr && pos < content.size(); pos += kPieceBytes) {
      const size_t n = std::min(kPieceBytes, content.size() - pos);
      gzwrite(gz, content.data() + pos, static_cast<unsigned>(n));
    }
    if (gz != nullptr) gzclose(gz);

    std::string zst(ZSTD_compressBound(content.size()), '\0');
    const size_t n = ZSTD_compress(zst.data(), zst.size(), content.data(), content.size(), kZstdLevel);
    if (ZSTD_isError(n) == 0) {
      std::ofstream(zstd_, std::ios::binary).write(zst.data(), static_cast<std::streamsize>(n));
    }
  }
  ~BenchFiles() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

  static const BenchFiles& Get() {
    static const BenchFiles files;
    return files;
  }

  size_t content_bytes() const { return content_bytes_; }
  const std::string& plain() const { return plain_; }
  const std::string& gzip() const { return gzip_; }
  const std::string& zstd() const { return zstd_; }

 private:
  std::string dir_;
  size_t content_bytes_ = 0;
  std::string plain_;
  std::string gzip_;
  std::string zstd_;
};

void ReadLines(benchmark::State& state, const std::string& path) {
  const BenchFiles& files = BenchFiles::Get();
  uint64_t lines = 0;
  for (auto _ : state) {
    Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, {});
    if (!reader.ok()) {
      state.SkipWithError(reader.status().message().c_str());
      return;
    }
    uint64_t bytes = 0;
    Line line;
    while ((line = (*reader)->Next()).kind == LineKind::kLine) {
      bytes += line.length;
      ++lines;
    }
    if (line.kind == LineKind::kError) {
      state.SkipWithError((*reader)->error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(files.content_bytes()));
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
  std::error_code ignored;
  state.counters["ratio"] =
      static_cast<double>(files.content_bytes()) / static_cast<double>(std::filesystem::file_size(path, ignored));
}

void BM_LineReaderPlain(benchmark::State& state) { ReadLines(state, BenchFiles::Get().plain()); }
void BM_LineReaderGzip(benchmark::State& state) { ReadLines(state, BenchFiles::Get().gzip()); }
void BM_LineReaderZstd(benchmark::State& state) { ReadLines(state, BenchFiles::Get().zstd()); }

BENCHMARK(BM_LineReaderPlain)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LineReaderGzip)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LineReaderZstd)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dg
