#include "common/thread_util.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace dg {

void NameThisThread(const char* name) {
  constexpr size_t kMaxName = 15;  // plus the terminating NUL
  char buf[kMaxName + 1] = {};
  std::strncpy(buf, name, kMaxName);
  pthread_setname_np(pthread_self(), buf);
}

size_t UsableCpuCount() {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return 1;
  return static_cast<size_t>(std::max(1, CPU_COUNT(&allowed)));
}

Status CheckCpus(std::span<const int> cpus, const char* what) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return Status::Ok();  // cannot tell; Pin reports
  for (const int cpu : cpus) {
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
      return Status::InvalidArgument(std::string(what) + ": CPU " + std::to_string(cpu) +
                                     " is not one this process may run on");
    }
  }
  return Status::Ok();
}

Status PinThisThread(std::span<const int> cpus) {
  if (cpus.empty()) return Status::Ok();
  DG_RETURN_IF_ERROR(CheckCpus(cpus, "CPU affinity"));
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int cpu : cpus) CPU_SET(cpu, &set);
  if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set); rc != 0) {
    return Status::InvalidArgument(std::string("cannot pin a thread: ") + std::strerror(rc));
  }
  return Status::Ok();
}

}  // namespace dg
