#include "ingest/source.h"

#include <algorithm>

#include "common/utf8.h"

namespace dg {
namespace {

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

EventSource::EventSource(const IngestOptions& options, QuarantineSink* quarantine)
    : options_(options), quarantine_(quarantine), dedup_(options.dedup_window_ms, options.dedup_max_ids) {}

Result<std::unique_ptr<EventSource>> EventSource::Open(const std::vector<std::string>& paths,
                                                       const IngestOptions& options, QuarantineSink* quarantine) {
  if (paths.empty()) return Status::InvalidArgument("no input given");
  std::unique_ptr<EventSource> source(new EventSource(options, quarantine));
  LineReaderOptions reader_options;
  reader_options.max_line_bytes = options.max_line_bytes;
  int stdin_count = 0;
  for (const auto& path : paths) {
    if (path == "-" && ++stdin_count > 1) return Status::InvalidArgument("standard input ('-') given more than once");
    auto reader = LineReader::Open(path, reader_options);
    if (!reader.ok()) return reader.status();
    source->inputs_.push_back(Input{std::move(reader).value()});
  }
  return source;
}

void EventSource::Quarantine(uint32_t input, uint64_t line, std::string reason, std::string_view raw) {
  ++counters_.quarantined;
  if (quarantine_ == nullptr) return;
  QuarantineRecord record;
  record.line = line;
  record.input = inputs_[input].reader->name();
  record.reason = std::move(reason);
  record.raw.assign(raw.substr(0, kQuarantineRawBytes));
  quarantine_->Write(record);
}

void EventSource::ReadOne(uint32_t i) {
  Input& in = inputs_[i];
  while (!in.done) {
    const Line line = in.reader->Next();
    switch (line.kind) {
      case LineKind::kEnd:
        in.done = true;
        return;
      case LineKind::kError:
        in.done = true;
        ++counters_.input_errors;
        input_errors_.push_back(in.reader->error());
        Quarantine(i, line.number, "input error: " + in.reader->error().message(), {});
        return;
      case LineKind::kTooLong:
        ++counters_.lines;
        ++counters_.too_long;
        counters_.bytes += line.length;
        Quarantine(i, line.number,
                   "line of " + std::to_string(line.length) + " bytes exceeds the limit of " +
                       std::to_string(options_.max_line_bytes),
                   line.text);
        continue;
      case LineKind::kLine:
        break;
    }
    ++counters_.lines;
    counters_.bytes += line.text.size();
    if (IsBlank(line.text)) {
      ++counters_.blank_lines;
      continue;
    }
    // Decoded straight into a free slot: moving an Event costs a copy of
    // every short string it holds (they live inside the Event).
    size_t slot = 0;
    if (free_slots_.empty()) {
      slot = events_.size();
      events_.emplace_back();
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
    }
    Event& event = events_[slot];
    const Status status = decoder_.Decode(line.text, &event);
    if (!status.ok()) {
      free_slots_.push_back(slot);
      Quarantine(i, line.number, status.message(), line.text);
      continue;
    }
    event.input_index = i;
    event.line_number = line.number;
    heap_.push(Pending{event.ts_ms, i, line.number, slot});
    in.max_ts_ms = std::max(in.max_ts_ms, event.ts_ms);
    return;
  }
}

int EventSource::Laggard() const {
  int best = -1;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].done) continue;
    if (best < 0 || inputs_[i].max_ts_ms < inputs_[static_cast<size_t>(best)].max_ts_ms) best = static_cast<int>(i);
  }
  return best;
}

bool EventSource::Ready() const {
  if (heap_.empty()) return false;
  const int lag = Laggard();
  if (lag < 0) return true;  // every input ended: drain
  const int64_t max_ts = inputs_[static_cast<size_t>(lag)].max_ts_ms;
  if (max_ts == kNoTime) return false;
  return heap_.top().ts_ms <= max_ts - options_.reorder_window_ms;
}

const Event* EventSource::Next() {
  if (lent_slot_ != kNoSlot) {
    free_slots_.push_back(lent_slot_);
    lent_slot_ = kNoSlot;
  }
  while (true) {
    while (!Ready()) {
      const int lag = Laggard();
      if (lag < 0) break;
      ReadOne(static_cast<uint32_t>(lag));
    }
    if (heap_.empty()) return nullptr;
    const Pending top = heap_.top();
    heap_.pop();
    const Event& pending = events_[top.slot];
    if (!dedup_.Insert(pending.request_id, std::max(pending.ts_ms, last_emitted_ms_))) {
      free_slots_.push_back(top.slot);
      ++counters_.duplicates;
      continue;
    }
    if (last_emitted_ms_ != kNoTime && pending.ts_ms < last_emitted_ms_) ++counters_.late;
    last_emitted_ms_ = std::max(last_emitted_ms_, pending.ts_ms);
    lent_slot_ = top.slot;
    ++counters_.events;
    return &pending;
  }
}

bool EventSource::Next(Event* event) {
  if (Next() == nullptr) return false;
  std::swap(*event, events_[lent_slot_]);
  return true;
}

uint64_t EventSource::bytes_consumed() const {
  uint64_t sum = 0;
  for (const auto& in : inputs_) sum += in.reader->bytes_consumed();
  return sum;
}

uint64_t EventSource::total_bytes() const {
  uint64_t sum = 0;
  for (const auto& in : inputs_) {
    if (in.reader->total_bytes() == 0) return 0;
    sum += in.reader->total_bytes();
  }
  return sum;
}

}  // namespace dg
