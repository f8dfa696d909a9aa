// LogFollower: reads a growing log file line by line, as `tail -F` does.
//
// Gateway side of the pipeline, before the service: a gateway (nginx,
// HAProxy) appends one event per line to its access log; LogFollower hands
// complete lines to the Shipper (gateway/shipper.h), which posts them to
// POST /v1/events. It survives the rotations gateways are run with: a
// rename and a new file at the same path (logrotate's default, nginx
// reopening on USR1), and truncation in place (copytruncate). A line is
// handed out only once it ends with a newline, so a half-written line is
// never split in two (except the last line of a rotated-away file, which
// is handed out as it is when the follower moves on).
//
// Thread-safety: none; one thread uses a follower.
#ifndef DG_GATEWAY_LOG_FOLLOWER_H_
#define DG_GATEWAY_LOG_FOLLOWER_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace dg {

// Where a follower stands: the file (device and inode, so that a file
// rotated into the path's place is told apart) and the bytes of it handed
// out as whole lines.
struct LogPosition {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t offset = 0;
};

class LogFollower {
 public:
  // `from_start`: read the file from its beginning; else from its current
  // end (only lines written from now on). A missing file is not an error: it
  // is opened once it appears (from its start).
  LogFollower(std::string path, bool from_start);
  ~LogFollower();
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // Appends up to `max_lines` complete lines (without the newline; blank
  // lines are skipped) to `*lines`. Returns the number appended; 0 means
  // nothing new right now (at the end of the file it checks for a
  // rotation and goes on in the new file). IoError on a
  // read error.
  Result<size_t> Poll(size_t max_lines, std::vector<std::string>* lines);

  // Lines longer than this are cut off at it (the rest of the line is
  // dropped): a runaway writer must not grow memory without bound.
  static constexpr size_t kMaxLineBytes = size_t{16} << 20;

  // Bytes of the current file consumed so far (whole lines handed out).
  int64_t offset() const { return offset_; }
  LogPosition position() const;
  // Goes on from `position` when the file at the path is still that file and
  // at least that long (a restart after a clean stop or a crash). False,
  // and nothing changed, otherwise (rotated or truncated meanwhile).
  bool ResumeAt(const LogPosition& position);
  int64_t rotations() const { return rotations_; }

 private:
  bool OpenFile(bool at_end);
  // True when it moved to a new or truncated file.
  bool CheckRotation(std::vector<std::string>* lines, size_t* appended);
  void TakeLines(size_t max_lines, std::vector<std::string>* lines, size_t* appended);

  std::string path_;
  bool start_at_end_;
  int fd_ = -1;
  ino_t inode_ = 0;
  dev_t device_ = 0;
  int64_t read_offset_ = 0;  // bytes read from the file
  int64_t offset_ = 0;       // bytes handed out as lines
  std::string pending_;      // read, not yet a complete line
  bool truncating_ = false;  // dropping the rest of an over-long line
  int64_t rotations_ = 0;
};

}  // namespace dg

#endif  // DG_GATEWAY_LOG_FOLLOWER_H_
