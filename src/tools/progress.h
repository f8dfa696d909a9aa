// A one-line progress display on stderr (events/s, MB/s, percentage and ETA
// when the input size is known), shown only when stderr is a terminal.
#ifndef DG_TOOLS_PROGRESS_H_
#define DG_TOOLS_PROGRESS_H_

#include "pipeline/scan.h"

namespace dg {

class ProgressLine {
 public:
  // Enabled when stderr is a terminal and `quiet` is false.
  explicit ProgressLine(bool quiet);
  void Update(const ScanProgress& p);
  // Erases the line (before the summary is printed).
  void Finish();

 private:
  bool enabled_;
  double last_s_ = -1;
  bool drawn_ = false;
};

}  // namespace dg

#endif  // DG_TOOLS_PROGRESS_H_
