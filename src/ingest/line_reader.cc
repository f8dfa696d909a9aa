#include "ingest/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <system_error>
#include <utility>

namespace dg {
namespace {

// Size of one read(2) of compressed input, and the least free space the line
// buffer offers to each read. Large enough that syscall and decoder call
// overhead vanish next to the copy, small enough to stay in L2/L3.
constexpr size_t kReadChunkBytes = size_t{1} << 20;
// The buffer starts with room for two chunks so that the usual refill (a
// partial line moved to the start, then a chunk after it) never has to grow.
constexpr size_t kInitialDataBytes = 2 * kReadChunkBytes;
// Upper bound for LineReaderOptions::max_line_bytes; keeps the buffer-size
// arithmetic far from overflow and from zlib's 32-bit counters.
constexpr size_t kMaxLineBytesCeiling = size_t{1} << 30;

// Magic numbers (RFC 1952 for gzip, RFC 8878 for zstd).
constexpr unsigned char kGzipMagic0 = 0x1f;
constexpr unsigned char kGzipMagic1 = 0x8b;
constexpr uint32_t kZstdFrameMagic = 0xFD2FB528;
constexpr uint32_t kZstdSkippableMagicMask = 0xFFFFFFF0;
constexpr uint32_t kZstdSkippableMagic = 0x184D2A50;
constexpr size_t kMagicBytes = 4;  // enough for the longest magic (zstd)

// zlib with MAX_WBITS + 16 accepts gzip wrapping only (no raw zlib streams).
constexpr int kGzipWindowBits = MAX_WBITS + 16;

std::string ErrnoMessage(int err) { return std::error_code(err, std::generic_category()).message(); }

uint32_t LoadLittleEndian32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace

// Reads the raw bytes of a file descriptor and decodes them according to the
// format found in the first bytes. Read() fills the caller's buffer directly,
// so plain input is copied once (by the kernel) and compressed input is
// decompressed straight into the line buffer.
class LineReader::Source {
 public:
  Source(int fd, bool owns_fd, std::string name) : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)) {}

  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  ~Source() {
    if (gzip_initialized_) inflateEnd(&gzip_);
    ZSTD_freeDCtx(zstd_);  // accepts nullptr
    if (owns_fd_) ::close(fd_);
  }

  // Writes up to `capacity` (> 0) decoded bytes to `dst`. Returns how many,
  // 0 only at the clean end of the input.
  Result<size_t> Read(char* dst, size_t capacity) {
    switch (format_) {
      case Format::kUnknown: {
        Status status = Detect();
        if (!status.ok()) return status;
        return Read(dst, capacity);
      }
      case Format::kPlain:
        return ReadPlain(dst, capacity);
      case Format::kGzip:
        return ReadGzip(dst, capacity);
      case Format::kZstd:
        return ReadZstd(dst, capacity);
    }
    return Status::Internal("unreachable");
  }

  uint64_t bytes_consumed() const { return bytes_consumed_; }

 private:
  enum class Format { kUnknown, kPlain, kGzip, kZstd };

  Result<size_t> ReadRaw(char* dst, size_t capacity) {
    for (;;) {
      const ssize_t n = ::read(fd_, dst, capacity);
      if (n >= 0) {
        bytes_consumed_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) return Status::IoError("read error on " + name_ + ": " + ErrnoMessage(errno));
    }
  }

  // Reads the first bytes (a pipe may deliver them one by one) and sets up the
  // decoder they call for. The bytes read here stay pending for the decoder.
  Status Detect() {
    while (peek_size_ < kMagicBytes) {
      Result<size_t> n = ReadRaw(peek_ + peek_size_, kMagicBytes - peek_size_);
      if (!n.ok()) return n.status();
      if (*n == 0) break;
      peek_size_ += *n;
    }
    const auto* magic = reinterpret_cast<const unsigned char*>(peek_);
    if (peek_size_ >= 2 && magic[0] == kGzipMagic0 && magic[1] == kGzipMagic1) {
      if (inflateInit2(&gzip_, kGzipWindowBits) != Z_OK) {
        return Status::Internal("cannot initialise the gzip decoder for " + name_);
      }
      gzip_initialized_ = true;
      format_ = Format::kGzip;
    } else if (peek_size_ == kMagicBytes &&
               (LoadLittleEndian32(magic) == kZstdFrameMagic ||
                (LoadLittleEndian32(magic) & kZstdSkippableMagicMask) == kZstdSkippableMagic)) {
      zstd_ = ZSTD_createDCtx();
      if (zstd_ == nullptr) return Status::Internal("cannot initialise the zstd decoder for " + name_);
      format_ = Format::kZstd;
    } else {
      format_ = Format::kPlain;
      return Status::Ok();
    }
    input_ = std::make_unique<char[]>(kReadChunkBytes);
    std::memcpy(input_.get(), peek_, peek_size_);
    input_size_ = peek_size_;
    peek_size_ = 0;
    return Status::Ok();
  }

  Result<size_t> ReadPlain(char* dst, size_t capacity) {
    if (peek_size_ > 0) {
      // Only the few magic bytes; the next call reads the rest directly.
      const size_t n = std::min(capacity, peek_size_);
      std::memcpy(dst, peek_, n);
      std::memmove(peek_, peek_ + n, peek_size_ - n);
      peek_size_ -= n;
      return n;
    }
    return ReadRaw(dst, capacity);
  }

  // Makes compressed input available when all of it has been consumed.
  Status RefillInput() {
    if (input_pos_ < input_size_ || input_eof_) return Status::Ok();
    Result<size_t> n = ReadRaw(input_.get(), kReadChunkBytes);
    if (!n.ok()) return n.status();
    input_pos_ = 0;
    input_size_ = *n;
    input_eof_ = *n == 0;
    return Status::Ok();
  }

  Result<size_t> ReadGzip(char* dst, size_t capacity) {
    const auto out_bytes = static_cast<uInt>(std::min<size_t>(capacity, std::numeric_limits<uInt>::max()));
    gzip_.next_out = reinterpret_cast<Bytef*>(dst);
    gzip_.avail_out = out_bytes;
    for (;;) {
      DG_RETURN_IF_ERROR(RefillInput());
      if (!gzip_in_member_) {
        if (input_pos_ == input_size_) {
          if (input_eof_) return size_t{0};
          continue;
        }
        // A new member must follow; anything else is not ours to skip silently.
        if (static_cast<unsigned char>(input_[input_pos_]) != kGzipMagic0) {
          return Status::DataLoss("trailing garbage after gzip data in " + name_);
        }
        if (gzip_members_ > 0 && inflateReset(&gzip_) != Z_OK) {
          return Status::Internal("cannot reset the gzip decoder for " + name_);
        }
        gzip_in_member_ = true;
      }
      const size_t input_before = input_size_ - input_pos_;
      gzip_.next_in = reinterpret_cast<Bytef*>(input_.get() + input_pos_);
      gzip_.avail_in = static_cast<uInt>(input_before);
      // Flushes pending output even with no new input, so call it before
      // deciding that the stream is truncated.
      const int rc = inflate(&gzip_, Z_NO_FLUSH);
      input_pos_ = input_size_ - gzip_.avail_in;
      if (rc == Z_STREAM_END) {
        gzip_in_member_ = false;
        ++gzip_members_;
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
        return Status::DataLoss("corrupt gzip stream in " + name_ + ": " +
                                (gzip_.msg != nullptr ? gzip_.msg : zError(rc)));
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Internal("gzip decoder failed on " + name_ + ": " + zError(rc));
      }
      const size_t produced = out_bytes - gzip_.avail_out;
      if (produced > 0) return produced;
      if (rc == Z_STREAM_END) continue;
      if (input_pos_ == input_size_) {
        if (input_eof_) return Status::DataLoss("truncated gzip stream in " + name_);
        continue;
      }
      // With input and output space zlib always consumes or produces; guard
      // against a spin should it ever not.
      if (input_size_ - input_pos_ == input_before) {
        return Status::Internal("gzip decoder made no progress on " + name_);
      }
    }
  }

  Result<size_t> ReadZstd(char* dst, size_t capacity) {
    ZSTD_outBuffer out{dst, capacity, 0};
    for (;;) {
      DG_RETURN_IF_ERROR(RefillInput());
      // Between frames with nothing left: the clean end. Inside a frame the
      // decoder may still hold output, so it is called once more below.
      if (input_pos_ == input_size_ && input_eof_ && !zstd_in_frame_) return size_t{0};
      ZSTD_inBuffer in{input_.get(), input_size_, input_pos_};
      const size_t rc = ZSTD_decompressStream(zstd_, &out, &in);
      const size_t consumed = in.pos - input_pos_;
      input_pos_ = in.pos;
      if (ZSTD_isError(rc) != 0) {
        return Status::DataLoss("corrupt zstd stream in " + name_ + ": " + ZSTD_getErrorName(rc));
      }
      zstd_in_frame_ = rc != 0;  // 0: a frame ended and all of it was flushed
      if (out.pos > 0) return out.pos;
      if (input_pos_ == input_size_) {
        if (input_eof_ && zstd_in_frame_) return Status::DataLoss("truncated zstd stream in " + name_);
        continue;
      }
      if (consumed == 0) return Status::Internal("zstd decoder made no progress on " + name_);
    }
  }

  const int fd_;
  const bool owns_fd_;
  const std::string name_;
  uint64_t bytes_consumed_ = 0;
  Format format_ = Format::kUnknown;

  char peek_[kMagicBytes] = {};  // first bytes, read before the format is known
  size_t peek_size_ = 0;

  // Compressed input: [input_pos_, input_size_) is not yet decoded.
  std::unique_ptr<char[]> input_;
  size_t input_pos_ = 0;
  size_t input_size_ = 0;
  bool input_eof_ = false;

  z_stream gzip_ = {};
  bool gzip_initialized_ = false;
  bool gzip_in_member_ = false;
  uint64_t gzip_members_ = 0;  // members completed

  ZSTD_DCtx* zstd_ = nullptr;
  bool zstd_in_frame_ = false;
};

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path, const LineReaderOptions& options) {
  if (options.max_line_bytes == 0 || options.max_line_bytes > kMaxLineBytesCeiling) {
    return Status::InvalidArgument("max_line_bytes must be between 1 and " + std::to_string(kMaxLineBytesCeiling) +
                                   ", got " + std::to_string(options.max_line_bytes));
  }
  if (path == "-") {
    // Size unknown even when stdin is a file: reading may start mid-file.
    return std::unique_ptr<LineReader>(
        new LineReader(path, options, std::make_unique<Source>(STDIN_FILENO, false, path), 0));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    std::string message = "cannot open " + path + ": " + ErrnoMessage(err);
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(std::move(message));
    return Status::IoError(std::move(message));
  }
  auto source = std::make_unique<Source>(fd, true, path);  // closes fd on every path below
  struct stat st = {};
  if (::fstat(fd, &st) != 0) return Status::IoError("cannot stat " + path + ": " + ErrnoMessage(errno));
  if (S_ISDIR(st.st_mode)) return Status::IoError("cannot read " + path + ": " + ErrnoMessage(EISDIR));
  uint64_t total_bytes = 0;
  if (S_ISREG(st.st_mode)) {
    total_bytes = static_cast<uint64_t>(st.st_size);
    // Only a hint (larger read-ahead); failure changes nothing.
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  return std::unique_ptr<LineReader>(new LineReader(path, options, std::move(source), total_bytes));
}

LineReader::LineReader(std::string name, const LineReaderOptions& options, std::unique_ptr<Source> source,
                       uint64_t total_bytes)
    : name_(std::move(name)), options_(options), source_(std::move(source)), total_bytes_(total_bytes) {
  // A partial line may hold max_line_bytes + 1 bytes (the extra one may be a
  // '\r' that is stripped later) before the long-line path takes over.
  max_capacity_bytes_ = options_.max_line_bytes + 1 + kReadChunkBytes + kLinePadding;
  capacity_bytes_ = std::min(kInitialDataBytes + kLinePadding, max_capacity_bytes_);
  // Zero-filled, so the padding after the last line is initialised memory.
  buffer_ = std::make_unique<char[]>(capacity_bytes_);
}

LineReader::~LineReader() = default;

uint64_t LineReader::bytes_consumed() const { return source_->bytes_consumed(); }

Line LineReader::Next() {
  if (!error_.ok()) return Line{.kind = LineKind::kError};
  for (;;) {
    if (scan_ < end_) {
      const char* base = buffer_.get();
      const void* newline = std::memchr(base + scan_, '\n', end_ - scan_);
      if (newline != nullptr) {
        const size_t newline_pos = static_cast<size_t>(static_cast<const char*>(newline) - base);
        const size_t start = begin_;
        begin_ = scan_ = newline_pos + 1;
        return MakeLine(base + start, newline_pos - start, /*terminated=*/true);
      }
      scan_ = end_;
    }
    if (at_end_) {
      if (begin_ == end_) return Line{.kind = LineKind::kEnd};
      const size_t start = begin_;
      begin_ = scan_ = end_;
      return MakeLine(buffer_.get() + start, end_ - start, /*terminated=*/false);
    }
    if (end_ - begin_ > options_.max_line_bytes + 1) return SkipLongLine();
    MakeRoom();
    Result<size_t> n = source_->Read(buffer_.get() + end_, capacity_bytes_ - kLinePadding - end_);
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) {
      at_end_ = true;
    } else {
      end_ += *n;
    }
  }
}

void LineReader::MakeRoom() {
  if (capacity_bytes_ - kLinePadding - end_ >= kReadChunkBytes) return;
  const size_t pending = end_ - begin_;
  if (begin_ > 0) {
    char* base = buffer_.get();
    std::memmove(base, base + begin_, pending);
    scan_ -= begin_;
    begin_ = 0;
    end_ = pending;
  }
  const size_t needed = end_ + kReadChunkBytes + kLinePadding;
  if (capacity_bytes_ >= needed) return;
  // Doubling keeps the copies of a growing line linear in its length. The
  // bound is never below `needed`: pending <= max_line_bytes + 1 here.
  const size_t new_capacity = std::min(std::max(needed, 2 * capacity_bytes_), max_capacity_bytes_);
  DG_CHECK(new_capacity >= needed);
  auto grown = std::make_unique<char[]>(new_capacity);
  std::memcpy(grown.get(), buffer_.get(), end_);
  buffer_ = std::move(grown);
  capacity_bytes_ = new_capacity;
}

Line LineReader::MakeLine(const char* start, size_t raw_length, bool terminated) {
  size_t length = raw_length;
  if (terminated && length > 0 && start[length - 1] == '\r') --length;
  ++line_number_;
  if (length > options_.max_line_bytes) {
    return Line{.kind = LineKind::kTooLong,
                .text = std::string_view(start, std::min(length, kQuarantineRawBytes)),
                .number = line_number_,
                .length = length};
  }
  return Line{
      .kind = LineKind::kLine, .text = std::string_view(start, length), .number = line_number_, .length = length};
}

Line LineReader::MakeTooLong(uint64_t length) {
  if (quarantine_.size() > length) quarantine_.resize(length);  // a '\r' stripped at the end
  ++line_number_;
  return Line{.kind = LineKind::kTooLong, .text = quarantine_, .number = line_number_, .length = length};
}

Line LineReader::SkipLongLine() {
  const char* base = buffer_.get();
  uint64_t length = end_ - begin_;
  quarantine_.assign(base + begin_, std::min<size_t>(length, kQuarantineRawBytes));
  char last_byte = base[end_ - 1];  // decides whether a '\n' at a chunk start ends "\r\n"
  begin_ = scan_ = end_ = 0;
  for (;;) {
    Result<size_t> n = source_->Read(buffer_.get(), capacity_bytes_ - kLinePadding);
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) {
      at_end_ = true;
      return MakeTooLong(length);
    }
    base = buffer_.get();
    const auto* newline = static_cast<const char*>(std::memchr(base, '\n', *n));
    const size_t part = newline != nullptr ? static_cast<size_t>(newline - base) : *n;
    if (quarantine_.size() < kQuarantineRawBytes) {
      quarantine_.append(base, std::min(part, kQuarantineRawBytes - quarantine_.size()));
    }
    length += part;
    if (newline != nullptr) {
      if ((part > 0 ? base[part - 1] : last_byte) == '\r') --length;
      begin_ = scan_ = part + 1;
      end_ = *n;
      return MakeTooLong(length);
    }
    last_byte = base[*n - 1];
  }
}

Line LineReader::Fail(Status status) {
  // The partial line at the failure point is dropped: its end is unknown.
  error_ = std::move(status);
  begin_ = scan_ = end_ = 0;
  return Line{.kind = LineKind::kError};
}

}  // namespace dg
