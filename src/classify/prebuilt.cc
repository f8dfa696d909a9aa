#include "classify/prebuilt.h"

#include <cstddef>

// Defined by the generated prebuilt_databases.S (CMake, src/classify).
extern "C" const char dg_classifier_databases_start[];
extern "C" const char dg_classifier_databases_end[];

namespace dg {

std::string_view PrebuiltClassifierDatabases() {
  return {dg_classifier_databases_start,
          static_cast<size_t>(dg_classifier_databases_end - dg_classifier_databases_start)};
}

}  // namespace dg
