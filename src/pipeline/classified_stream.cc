#include "pipeline/classified_stream.h"

#include <utility>

#include "common/check.h"
#include "common/thread_util.h"
#include "pipeline/engine.h"

namespace dg {

Result<std::unique_ptr<ClassifiedStream>> ClassifiedStream::Start(EventSource* source,
                                                                  const PromptClassifier& prototype, size_t helpers) {
  if (helpers < 1) return Status::InvalidArgument("a classified stream needs at least one helper thread");
  std::unique_ptr<ClassifiedStream> stream(new ClassifiedStream(source, helpers));
  for (size_t h = 0; h <= helpers; ++h) {  // one more for the consumer
    auto clone = prototype.Clone();
    if (!clone.ok()) return clone.status();
    stream->classifiers_.push_back(std::move(clone).value());
  }
  stream->own_classifier_ = std::move(stream->classifiers_.back());
  stream->classifiers_.pop_back();
  for (size_t h = 0; h < helpers; ++h) {
    stream->helpers_.emplace_back(&ClassifiedStream::RunHelper, stream.get(), stream->classifiers_[h].get());
  }
  return stream;
}

ClassifiedStream::ClassifiedStream(EventSource* source, size_t helpers) : source_(source) {
  const size_t count = helpers * kBatchesPerHelper + 1;
  for (size_t b = 0; b < count; ++b) {
    batches_.push_back(std::make_unique<Batch>());
    free_.push_back(batches_.back().get());
  }
  ready_.assign(count, nullptr);
}

ClassifiedStream::~ClassifiedStream() { Stop(); }

void ClassifiedStream::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  free_cv_.notify_all();
  for (std::thread& t : helpers_) {
    if (t.joinable()) t.join();
  }
}

ClassifiedStream::Batch* ClassifiedStream::TakeFree() {
  std::unique_lock<std::mutex> lock(mutex_);
  free_cv_.wait(lock, [this] { return stopping_ || !free_.empty(); });
  if (stopping_) return nullptr;
  Batch* batch = free_.back();
  free_.pop_back();
  return batch;
}

void ClassifiedStream::RunHelper(PromptClassifier* classifier) {
  NameThisThread("dg-classify");
  while (Batch* batch = TakeFree()) {
    if (!FillAndPublish(batch, classifier)) return;
  }
}

bool ClassifiedStream::FillAndPublish(Batch* batch, PromptClassifier* classifier) {
  {
    std::lock_guard<std::mutex> read_lock(read_mutex_);
    if (source_done_.load(std::memory_order_relaxed)) {
      // Another thread read the end: nothing is left to read.
      {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(batch);
      }
      free_cv_.notify_one();
      return false;
    }
    batch->sequence = next_read_sequence_++;
    batch->count = 0;
    batch->last = false;
    while (batch->count < kBatchEvents) {
      if (!source_->Next(&batch->events[batch->count])) {
        source_done_.store(true, std::memory_order_relaxed);
        batch->last = true;
        break;
      }
      ++batch->count;
    }
    batch->progress = source_->progress();
  }
  for (size_t i = 0; i < batch->count; ++i) {
    batch->classes[i] = classifier->Classify(PromptContextOf(batch->events[i]));
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Batch*& slot = ready_[batch->sequence % ready_.size()];
    DG_CHECK(slot == nullptr);  // more batches in flight than the ring holds
    slot = batch;
  }
  ready_cv_.notify_one();  // the consumer is the only waiter
  return true;
}

const Event* ClassifiedStream::Next(PromptClass* prompt_class) {
  while (true) {
    if (current_ != nullptr && position_ < current_->count) {
      *prompt_class = current_->classes[position_];
      return &current_->events[position_++];
    }
    if (ended_) return nullptr;
    if (current_ != nullptr) {
      const bool last = current_->last;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(current_);
      }
      free_cv_.notify_one();
      current_ = nullptr;
      if (last) {
        ended_ = true;
        Stop();  // the helpers have nothing left to read: join them before the caller reads the source
        return nullptr;
      }
    }
    while (current_ == nullptr) {
      std::unique_lock<std::mutex> lock(mutex_);
      Batch*& slot = ready_[next_sequence_ % ready_.size()];
      if (slot != nullptr) {
        current_ = slot;
        slot = nullptr;
        break;
      }
      if (!free_.empty() && !source_done_.load(std::memory_order_relaxed)) {
        // The batch wanted is still being classified: rather than sleep,
        // read and classify the next one here (so on N cores N threads
        // classify, and the engine's idle time goes into the helpers' work).
        Batch* batch = free_.back();
        free_.pop_back();
        lock.unlock();
        (void)FillAndPublish(batch, own_classifier_.get());
        continue;
      }
      ready_cv_.wait(lock, [&slot] { return slot != nullptr; });
    }
    DG_CHECK(current_->sequence == next_sequence_);
    ++next_sequence_;
    position_ = 0;
    progress_ = current_->progress;
  }
}

}  // namespace dg
