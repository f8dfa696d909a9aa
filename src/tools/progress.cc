#include "tools/progress.h"

#include <unistd.h>

#include <cstdio>

namespace dg {
namespace {
constexpr double kRedrawSeconds = 0.25;
constexpr double kMega = 1e6;
}  // namespace

ProgressLine::ProgressLine(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

void ProgressLine::Update(const ScanProgress& p) {
  if (!enabled_ || p.elapsed_s - last_s_ < kRedrawSeconds) return;
  last_s_ = p.elapsed_s;
  const double secs = p.elapsed_s > 0 ? p.elapsed_s : 1e-9;
  const double rate = static_cast<double>(p.events) / secs;
  const double mbps = static_cast<double>(p.bytes_consumed) / kMega / secs;
  std::fprintf(stderr, "\r\033[Kscanning: %llu events, %.0f events/s, %.1f MB/s",
               static_cast<unsigned long long>(p.events), rate, mbps);
  if (p.total_bytes > 0 && p.bytes_consumed > 0) {
    const double done = static_cast<double>(p.bytes_consumed) / static_cast<double>(p.total_bytes);
    const double eta = done > 0 ? secs * (1 - done) / done : 0;
    std::fprintf(stderr, ", %.0f%%, ETA %.0f s", done * 100, eta);
  }
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::Finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace dg
