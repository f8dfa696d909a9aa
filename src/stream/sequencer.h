// Sequencer: puts stage-1 output back into DG_EVENTS order for stage 2 of
// the scale-out (docs/scale-out.md).
//
// Stage-1 workers publish classified records for different partitions
// concurrently, so DG_CLASSIFIED holds them in an order that depends on the
// workers' timing. Each record carries its DG_EVENTS sequence; those are
// dense (JetStream gives no sequence to a de-duplicated publish), so the
// sequencer holds records until the next expected sequence is there and
// releases them in order. A record for a sequence already released or already
// held (a stage-1 redelivery) is dropped. This is what makes stage 2's input,
// and hence every decision, independent of the number of workers.
//
// A missing sequence (its partition's worker is down) holds everything
// behind it; `buffered()` shows it.
//
// Thread-safety: not thread-safe; one per stage-2 leader.
#ifndef DG_STREAM_SEQUENCER_H_
#define DG_STREAM_SEQUENCER_H_

#include <cstdint>
#include <map>
#include <string>

namespace dg {

class Sequencer {
 public:
  // `first_seq`: the first sequence to release (DG_EVENTS' first sequence).
  explicit Sequencer(uint64_t first_seq) : next_(first_seq) {}

  // False (and the payload is dropped) for a duplicate.
  bool Push(uint64_t seq, std::string payload);
  // Moves the next record in order into `*payload`; false if it has not
  // arrived yet.
  bool Pop(std::string* payload);

  uint64_t next() const { return next_; }  // the sequence Pop waits for
  size_t buffered() const { return held_.size(); }
  uint64_t duplicates() const { return duplicates_; }

 private:
  uint64_t next_;
  std::map<uint64_t, std::string> held_;
  uint64_t duplicates_ = 0;
};

}  // namespace dg

#endif  // DG_STREAM_SEQUENCER_H_
