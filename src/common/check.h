// DG_CHECK: invariants that no input can break. A failed check is a bug in
// DistillGuard, so it aborts with the location; bad input must be reported
// as a Status instead and never reach a CHECK.
#ifndef DG_COMMON_CHECK_H_
#define DG_COMMON_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define DG_CHECK(cond)                                                                    \
  do {                                                                                    \
    if (!(cond)) [[unlikely]] {                                                           \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)

#endif  // DG_COMMON_CHECK_H_
