// Database bundle: compiled Hyperscan databases, serialized, each under a key
// that names what it was compiled from. The build compiles the classifier's
// databases once (tools/classifier_databases.cc) and links the bundle into
// the binary (classify/prebuilt.h), so that a process starts in milliseconds
// instead of spending about half a second of CPU in the Hyperscan compiler.
//
// Pipeline position: start-up only; PromptClassifier::Create() looks each
// database up here before it compiles one (classifier.cc says when a bundled
// database is used).
//
// Format (little-endian, every field 8-byte aligned): the magic "DGHSDB01",
// the entry count (u64), then the entries: key (u64), size (u64) and size
// bytes of a database as hs_serialize_database() wrote it, padded with zeros
// to a multiple of 8.
//
// Thread-safety: a parsed bundle is immutable; it holds views into the
// bytes it was parsed from, which must outlive it.
#ifndef DG_CLASSIFY_DATABASE_BUNDLE_H_
#define DG_CLASSIFY_DATABASE_BUNDLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace dg {

class DatabaseBundle {
 public:
  struct Entry {
    uint64_t key = 0;
    std::string bytes;  // hs_serialize_database() output
  };

  // An empty bundle: every look-up misses.
  DatabaseBundle() = default;

  // Parses `bytes`; kDataLoss when they are not one whole bundle (wrong
  // magic, fewer or more bytes than its entries, a duplicate key). An empty
  // view is an empty bundle.
  static Result<DatabaseBundle> Parse(std::string_view bytes);

  static std::string Serialize(const std::vector<Entry>& entries);

  // The serialized database stored under `key`, if any.
  std::optional<std::string_view> Find(uint64_t key) const;
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<uint64_t, std::string_view>> entries_;  // a handful: looked up linearly
};

}  // namespace dg

#endif  // DG_CLASSIFY_DATABASE_BUNDLE_H_
