// ClassifiedRecord: what stage 1 of the scale-out (a worker that owns
// partitions of DG_EVENTS) publishes to DG_CLASSIFIED for stage 2 (the
// single sequenced cross-account stage), docs/scale-out.md.
//
// It carries the original line unchanged, the prompt's class (the expensive
// part of an event, done once in stage 1), and the event's sequence in
// DG_EVENTS, which is the order stage 2 replays in. A line stage 1 could not
// decode travels as a quarantine record with the reason, so that stage 2
// counts it and its sequence has no hole.
//
// Wire format (little-endian): "DGC1", kind u8, source_seq u64, stored_ms
// i64, capability u8, flags u8 (1 coercion, 2 rubric), capability_hits u32,
// reason length u32, reason bytes, then the line to the end.
//
// Thread-safety: pure functions.
#ifndef DG_STREAM_RECORD_H_
#define DG_STREAM_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "classify/classifier.h"
#include "common/status.h"

namespace dg {

enum class RecordKind : uint8_t { kEvent = 0, kQuarantine = 1 };

struct ClassifiedRecord {
  RecordKind kind = RecordKind::kEvent;
  uint64_t source_seq = 0;  // sequence in DG_EVENTS
  int64_t stored_ms = 0;    // when DG_EVENTS stored the event (server clock), for latency
  PromptClass prompt_class;
  std::string reason;  // kQuarantine: why the line was rejected
  std::string line;    // the line as published
};

std::string EncodeRecord(const ClassifiedRecord& record);
// InvalidArgument for anything EncodeRecord could not have written.
Status DecodeRecord(std::string_view data, ClassifiedRecord* record);

}  // namespace dg

#endif  // DG_STREAM_RECORD_H_
