// ClassifiedStream: reads and classifies events ahead of the engine, on
// helper threads, and hands them to the engine thread in the source's order.
//
// Pipeline position: between ingest (EventSource) and the Engine, for
// `scan --threads N` (pipeline/scan.h). The engine's state is one sequence
// (causal, event-time order), but what comes before it, reading, decoding
// and classifying the prompt, depends on nothing but the line, and
// classifying is the largest part of an exchange's cost. So N - 1 helpers
// each take a batch of events from the source (one helper at a time: the
// source merges inputs by time and is not thread-safe), classify it on their
// own clone of the classifier, and publish it under its sequence number; the
// engine thread takes the batches in sequence order. When the batch it wants
// is not ready yet, the engine thread does not sleep: it reads and
// classifies the next batch itself, so no core idles while there is
// classifying to do. The engine sees exactly
// the events and classes of a one-thread scan, in the same order, so the
// outputs are the same byte for byte.
//
// Memory is bounded: at most kBatchesPerHelper batches per helper (plus one
// held by the consumer) of kBatchEvents events each are in flight. Events are
// swapped out of the source's pool (EventSource::Next(Event*)), not copied.
//
// Thread-safety: Next() and the destructor must be called from one thread
// (the consumer). The EventSource (and its quarantine sink) is used by the
// helpers and by Next(), one at a time, until Next() has returned nullptr
// (or the stream is destroyed); after that the consumer may read its
// counters.
//
// Invariants: the batches are numbered in the order they were read; the
// consumer gets batch k only after batches 0..k-1; a batch is in exactly one
// place (free list, a helper, the ready ring, the consumer).
#ifndef DG_PIPELINE_CLASSIFIED_STREAM_H_
#define DG_PIPELINE_CLASSIFIED_STREAM_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "classify/classifier.h"
#include "common/status.h"
#include "ingest/event.h"
#include "ingest/source.h"

namespace dg {

class ClassifiedStream {
 public:
  // Events per batch: large enough that taking and publishing a batch (two
  // lock round trips) is noise against classifying it (~1-20 us an event),
  // small enough that the first batch reaches the engine at once.
  static constexpr size_t kBatchEvents = 256;
  static constexpr size_t kBatchesPerHelper = 3;

  // Starts `helpers` (>= 1) threads reading `source` and classifying with
  // clones of `prototype`. `source` must outlive the stream. Fails
  // (InvalidArgument) for helpers < 1, or with the classifier's error if a
  // clone cannot be made; no thread is left running then.
  static Result<std::unique_ptr<ClassifiedStream>> Start(EventSource* source, const PromptClassifier& prototype,
                                                         size_t helpers);

  ClassifiedStream(const ClassifiedStream&) = delete;
  ClassifiedStream& operator=(const ClassifiedStream&) = delete;
  // Stops the helpers (they finish the batch in hand) and joins them; a
  // helper blocked reading a pipe holds this up until the pipe gives a line
  // or ends.
  ~ClassifiedStream();

  // The next event and its prompt's class, or nullptr at the end of the
  // source, when every helper has also been joined. Both stay valid until
  // the next call.
  const Event* Next(PromptClass* prompt_class);

  // The source's progress as of the end of the batch the last event came from.
  const SourceProgress& progress() const { return progress_; }

 private:
  struct Batch {
    uint64_t sequence = 0;
    std::vector<Event> events = std::vector<Event>(kBatchEvents);
    std::vector<PromptClass> classes = std::vector<PromptClass>(kBatchEvents);
    size_t count = 0;
    bool last = false;  // the source ended in this batch
    SourceProgress progress;
  };

  ClassifiedStream(EventSource* source, size_t helpers);
  void RunHelper(PromptClassifier* classifier);
  // Reads the next batch from the source into `batch`, classifies it and
  // puts it in the ready ring. False (and `batch` back on the free list)
  // when the source had already ended.
  bool FillAndPublish(Batch* batch, PromptClassifier* classifier);
  // Blocks until a batch is free; nullptr once stopping.
  Batch* TakeFree();
  void Stop();

  EventSource* const source_;
  std::vector<std::unique_ptr<Batch>> batches_;                 // owns every batch
  std::vector<std::unique_ptr<PromptClassifier>> classifiers_;  // one per helper
  std::unique_ptr<PromptClassifier> own_classifier_;            // the consumer's, see Next()
  std::vector<std::thread> helpers_;

  std::mutex read_mutex_;  // serialises reading the source; guards the two below
  uint64_t next_read_sequence_ = 0;
  // Written under read_mutex_; also read without it, as a hint, by the
  // consumer deciding whether to help (FillAndPublish checks it again).
  std::atomic<bool> source_done_ = false;

  std::mutex mutex_;  // guards free_, ready_ and stopping_
  std::condition_variable free_cv_;
  std::condition_variable ready_cv_;
  std::vector<Batch*> free_;
  std::vector<Batch*> ready_;  // indexed by sequence % size: at most size batches in flight
  bool stopping_ = false;

  // The consumer's side.
  Batch* current_ = nullptr;
  size_t position_ = 0;
  uint64_t next_sequence_ = 0;
  bool ended_ = false;
  SourceProgress progress_;
};

}  // namespace dg

#endif  // DG_PIPELINE_CLASSIFIED_STREAM_H_
