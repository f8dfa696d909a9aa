// Thread set-up: names (seen in top -H, perf and /proc) and CPU affinity.
//
// Bottom of the pipeline, beside status.h: the service uses it for its event
// loops and its ingest and engine threads (service.io_cpus,
// service.background_cpus), so that a deployment can keep the threads that
// answer checks off the cores that process the stream.
//
// Thread-safety: each call affects only the calling thread.
#ifndef DG_COMMON_THREAD_UTIL_H_
#define DG_COMMON_THREAD_UTIL_H_

#include <span>

#include "common/status.h"

namespace dg {

// Names the calling thread (Linux keeps the first 15 bytes).
void NameThisThread(const char* name);

// Restricts the calling thread to `cpus` (ids as in /proc/cpuinfo); an empty
// list leaves it as it is. InvalidArgument for an id the machine lacks.
Status PinThisThread(std::span<const int> cpus);

// How many CPUs this process may run on (its affinity mask), at least 1.
size_t UsableCpuCount();

// Whether every id in `cpus` is a CPU this process may run on.
Status CheckCpus(std::span<const int> cpus, const char* what);

}  // namespace dg

#endif  // DG_COMMON_THREAD_UTIL_H_
