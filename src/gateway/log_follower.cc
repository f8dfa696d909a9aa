#include "gateway/log_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dg {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

LogFollower::LogFollower(std::string path, bool from_start) : path_(std::move(path)), start_at_end_(!from_start) {
  OpenFile(start_at_end_);
  // Only the file present at start is read from its end: one that appears
  // later (or replaces it) is all new.
  start_at_end_ = false;
}

LogFollower::~LogFollower() {
  if (fd_ >= 0) close(fd_);
}

bool LogFollower::OpenFile(bool at_end) {
  const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return false;
  }
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  inode_ = st.st_ino;
  device_ = st.st_dev;
  read_offset_ = at_end ? static_cast<int64_t>(st.st_size) : 0;
  offset_ = read_offset_;
  if (lseek(fd_, read_offset_, SEEK_SET) < 0) read_offset_ = offset_ = 0;
  pending_.clear();
  truncating_ = false;
  return true;
}

LogPosition LogFollower::position() const {
  return LogPosition{static_cast<uint64_t>(device_), static_cast<uint64_t>(inode_), offset_};
}

bool LogFollower::ResumeAt(const LogPosition& position) {
  if (fd_ < 0 || position.offset < 0) return false;
  struct stat st {};
  if (fstat(fd_, &st) != 0 || static_cast<uint64_t>(st.st_ino) != position.inode ||
      static_cast<uint64_t>(st.st_dev) != position.device || static_cast<int64_t>(st.st_size) < position.offset) {
    return false;
  }
  if (lseek(fd_, position.offset, SEEK_SET) < 0) return false;
  read_offset_ = offset_ = position.offset;
  pending_.clear();
  truncating_ = false;
  return true;
}

void LogFollower::TakeLines(size_t max_lines, std::vector<std::string>* lines, size_t* appended) {
  size_t start = 0;
  while (*appended < max_lines) {
    const size_t nl = pending_.find('\n', start);
    if (nl == std::string::npos) break;
    std::string_view line(pending_.data() + start, nl - start);
    offset_ += static_cast<int64_t>(nl - start + 1);
    start = nl + 1;
    if (truncating_) {  // the tail of an over-long line
      truncating_ = false;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (IsBlank(line)) continue;
    lines->emplace_back(line.substr(0, kMaxLineBytes));
    ++*appended;
  }
  pending_.erase(0, start);
  if (pending_.size() > kMaxLineBytes) {
    if (!truncating_) {
      lines->emplace_back(pending_.substr(0, kMaxLineBytes));
      ++*appended;
    }
    offset_ += static_cast<int64_t>(pending_.size());
    pending_.clear();
    truncating_ = true;
  }
}

bool LogFollower::CheckRotation(std::vector<std::string>* lines, size_t* appended) {
  struct stat st {};
  if (stat(path_.c_str(), &st) != 0) return false;  // gone for now: keep the old file, look again later
  if (fd_ >= 0 && st.st_ino == inode_ && st.st_dev == device_) {
    if (static_cast<int64_t>(st.st_size) < read_offset_) {  // truncated in place (copytruncate)
      ++rotations_;
      lseek(fd_, 0, SEEK_SET);
      read_offset_ = offset_ = 0;
      pending_.clear();
      truncating_ = false;
      return true;
    }
    return false;
  }
  // A new file at the path. The old one was read to its end just before
  // (Poll read until EOF); a last line without its newline goes out as is.
  if (fd_ >= 0) {
    if (!pending_.empty() && !truncating_ && !IsBlank(pending_)) {
      lines->push_back(pending_);
      ++*appended;
    }
    ++rotations_;
  }
  return OpenFile(/*at_end=*/false);
}

Result<size_t> LogFollower::Poll(size_t max_lines, std::vector<std::string>* lines) {
  size_t appended = 0;
  if (fd_ < 0) {
    if (!OpenFile(start_at_end_)) return appended;
  }
  // Twice at most: the current file to its end, and after a rotation the new one.
  for (int pass = 0; pass < 2; ++pass) {
    TakeLines(max_lines, lines, &appended);
    char buffer[kReadChunk];
    bool at_end = false;
    while (appended < max_lines) {
      const ssize_t n = read(fd_, buffer, sizeof(buffer));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("cannot read " + path_ + ": " + std::strerror(errno));
      }
      if (n == 0) {
        at_end = true;
        break;
      }
      read_offset_ += n;
      pending_.append(buffer, static_cast<size_t>(n));
      TakeLines(max_lines, lines, &appended);
    }
    if (!at_end || !CheckRotation(lines, &appended)) break;
  }
  return appended;
}

}  // namespace dg
