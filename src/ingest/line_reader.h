// LineReader: splits one input (a file, or standard input) into lines.
//
// The first stage of the pipeline: ingest/line_reader -> decoder -> dedup ->
// reorder/merge -> features. Compression is detected from the magic bytes,
// not the file name: gzip (also concatenated multi-member files, as written by
// `cat a.gz b.gz` or by log rotation) and zstd (also several frames), else the
// input is read as plain text. Lines are returned as views into the reader's
// own buffer, each followed by kLinePadding readable bytes so that the decoder
// can hand them to simdjson without a copy.
//
// Long lines: a line longer than LineReaderOptions::max_line_bytes is never
// buffered whole. The reader keeps its first kQuarantineRawBytes bytes (for
// the quarantine file), skips the rest while counting its length, and returns
// it as LineKind::kTooLong. Without this a single hostile or broken input line
// (a missing '\n' in a multi-gigabyte file) would make the process buffer the
// whole file; with it memory stays below max_line_bytes plus one read chunk
// whatever the input.
//
// Thread-safety: none. A reader is used by one thread at a time; read several
// inputs in parallel with one reader per thread.
#ifndef DG_INGEST_LINE_READER_H_
#define DG_INGEST_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace dg {

// Bytes of readable slack guaranteed after every returned line's last byte, so
// that simdjson can parse the line in place (>= SIMDJSON_PADDING, which is 64).
inline constexpr size_t kLinePadding = 64;
inline constexpr size_t kDefaultMaxLineBytes = size_t{16} << 20;  // 16 MiB
inline constexpr size_t kQuarantineRawBytes = 4096;               // prefix kept of a rejected line

struct LineReaderOptions {
  // Longest line (without its '\n' or "\r\n") returned as kLine. Must be in
  // [1, 1 GiB]; the read buffer grows up to about this plus one read chunk.
  size_t max_line_bytes = kDefaultMaxLineBytes;
};

enum class LineKind {
  kLine,     // a line, possibly empty
  kTooLong,  // a line longer than max_line_bytes; only its prefix is kept
  kEnd,      // the input is exhausted; every further call returns kEnd
  kError,    // see LineReader::error(); every further call returns kError
};

struct Line {
  LineKind kind = LineKind::kEnd;
  // kLine: the line without its '\n' (and without a '\r' before it); valid
  //   until the next call to Next(); at least kLinePadding readable bytes follow it.
  // kTooLong: the first min(kQuarantineRawBytes, length) bytes of the line.
  std::string_view text;
  uint64_t number = 0;  // 1-based line number within this input (0 for kEnd, kError)
  uint64_t length = 0;  // full length of the line in bytes (also for kTooLong)
};

// Reads one input (a file path, or "-" for standard input) line by line.
//
// A last line without a trailing '\n' is returned like any other; a '\r' is
// stripped only when it precedes a '\n'. When a compressed stream turns out to
// be corrupt or truncated, the lines completed before the damage are returned
// and then kError; a partial line at the damage is dropped, since its end
// cannot be known.
//
// Invariants: the buffer always holds kLinePadding bytes past the end of the
// buffered data, and it never grows beyond max_line_bytes + 1 + one read chunk
// + kLinePadding.
class LineReader {
 public:
  // NotFound if the file does not exist, IoError if it cannot be opened
  // (message names the path and strerror), InvalidArgument for bad options.
  // Nothing is read until the first Next(), so Open does not wait for data on
  // stdin (opening a named FIFO still waits for a writer, as open(2) does).
  // Never throws.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path, const LineReaderOptions& options);

  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader();

  // The next line, kEnd or kError. Returned views stay valid until the next
  // call. Trailing bytes after a gzip member that do not start another
  // member, or after a zstd frame that do not start another frame, are
  // DataLoss, not silently ignored.
  Line Next();

  // After kError: DataLoss for a corrupt or truncated compressed stream,
  // IoError for a read error. Lines before the error were returned normally.
  const Status& error() const { return error_; }
  // Bytes of the underlying (possibly compressed) input read so far.
  uint64_t bytes_consumed() const;
  // Size of the underlying file, 0 when unknown (stdin, pipes).
  uint64_t total_bytes() const { return total_bytes_; }
  // The path as given ("-" for stdin).
  const std::string& name() const { return name_; }

 private:
  // Produces the decompressed bytes of the input (defined in line_reader.cc so
  // that zlib and zstd stay out of this header).
  class Source;

  LineReader(std::string name, const LineReaderOptions& options, std::unique_ptr<Source> source, uint64_t total_bytes);

  // Moves the unreturned data to the buffer start when the free tail is
  // shorter than a read chunk, and grows the buffer (up to its bound) when
  // that is not enough.
  void MakeRoom();
  // Called when the buffered part of the current line already exceeds the
  // limit: consumes the rest of the line without buffering it.
  Line SkipLongLine();
  Line MakeLine(const char* start, size_t raw_length, bool terminated);
  Line MakeTooLong(uint64_t length);
  Line Fail(Status status);

  std::string name_;
  LineReaderOptions options_;
  std::unique_ptr<Source> source_;
  uint64_t total_bytes_ = 0;

  std::unique_ptr<char[]> buffer_;
  size_t capacity_bytes_ = 0;  // allocated size of buffer_, including padding
  size_t max_capacity_bytes_ = 0;
  size_t begin_ = 0;  // start of the unreturned data
  size_t scan_ = 0;   // [begin_, scan_) is known to contain no '\n'
  size_t end_ = 0;    // end of the buffered data

  std::string quarantine_;  // prefix of a too-long line that left the buffer
  uint64_t line_number_ = 0;
  bool at_end_ = false;
  Status error_;
};

}  // namespace dg

#endif  // DG_INGEST_LINE_READER_H_
