// The classifier's databases, compiled while the project is built
// (tools/classifier_databases.cc writes them, the assembler links them in)
// and handed to PromptClassifier::Create() through
// ClassifierOptions::precompiled, so that scan, serve and the stream worker
// start without running the Hyperscan compiler (about half a second of CPU
// per process; docs/benchmarks.md).
//
// Pipeline position: start-up only, beside classify/classifier.h. Kept out
// of the dg_classify library because the build needs that library to make
// the bytes.
//
// Thread-safety: the bytes are read-only data of the executable.
#ifndef DG_CLASSIFY_PREBUILT_H_
#define DG_CLASSIFY_PREBUILT_H_

#include <string_view>

namespace dg {

// The DatabaseBundle bytes made by the build; valid for the whole process.
std::string_view PrebuiltClassifierDatabases();

}  // namespace dg

#endif  // DG_CLASSIFY_PREBUILT_H_
