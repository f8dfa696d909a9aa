#include "stream/sequencer.h"

namespace dg {

bool Sequencer::Push(uint64_t seq, std::string payload) {
  if (seq < next_ || !held_.try_emplace(seq, std::move(payload)).second) {
    ++duplicates_;
    return false;
  }
  return true;
}

bool Sequencer::Pop(std::string* payload) {
  auto it = held_.begin();
  if (it == held_.end() || it->first != next_) return false;
  *payload = std::move(it->second);
  held_.erase(it);
  ++next_;
  return true;
}

}  // namespace dg
