#include "stream/record.h"

#include <cstring>

namespace dg {
namespace {

constexpr std::string_view kMagic = "DGC1";
constexpr size_t kHeaderBytes = 4 + 1 + 8 + 8 + 1 + 1 + 4 + 4;

template <typename T>
void Put(std::string* out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out->push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

template <typename T>
T Get(const char* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return static_cast<T>(v);
}

}  // namespace

std::string EncodeRecord(const ClassifiedRecord& r) {
  std::string out;
  out.reserve(kHeaderBytes + r.reason.size() + r.line.size());
  out += kMagic;
  Put<uint8_t>(&out, static_cast<uint8_t>(r.kind));
  Put<uint64_t>(&out, r.source_seq);
  Put<uint64_t>(&out, static_cast<uint64_t>(r.stored_ms));
  Put<uint8_t>(&out, static_cast<uint8_t>(r.prompt_class.capability));
  Put<uint8_t>(&out, static_cast<uint8_t>((r.prompt_class.reasoning_coercion ? 1 : 0) |
                                          (r.prompt_class.rubric_grading ? 2 : 0)));
  Put<uint32_t>(&out, r.prompt_class.capability_hits);
  Put<uint32_t>(&out, static_cast<uint32_t>(r.reason.size()));
  out += r.reason;
  out += r.line;
  return out;
}

Status DecodeRecord(std::string_view data, ClassifiedRecord* r) {
  if (data.size() < kHeaderBytes || data.substr(0, 4) != kMagic) {
    return Status::InvalidArgument("not a classified record");
  }
  const char* p = data.data() + 4;
  const uint8_t kind = Get<uint8_t>(p);
  if (kind > static_cast<uint8_t>(RecordKind::kQuarantine)) return Status::InvalidArgument("unknown record kind");
  r->kind = static_cast<RecordKind>(kind);
  r->source_seq = Get<uint64_t>(p + 1);
  r->stored_ms = static_cast<int64_t>(Get<uint64_t>(p + 9));
  const uint8_t capability = Get<uint8_t>(p + 17);
  if (capability >= kCapabilityCount) return Status::InvalidArgument("capability out of range");
  r->prompt_class.capability = static_cast<Capability>(capability);
  const uint8_t flags = Get<uint8_t>(p + 18);
  if ((flags & ~3u) != 0) return Status::InvalidArgument("unknown record flags");
  r->prompt_class.reasoning_coercion = (flags & 1) != 0;
  r->prompt_class.rubric_grading = (flags & 2) != 0;
  r->prompt_class.capability_hits = Get<uint32_t>(p + 19);
  const uint32_t reason_bytes = Get<uint32_t>(p + 23);
  if (reason_bytes > data.size() - kHeaderBytes) return Status::InvalidArgument("truncated record");
  r->reason.assign(data.substr(kHeaderBytes, reason_bytes));
  r->line.assign(data.substr(kHeaderBytes + reason_bytes));
  return Status::Ok();
}

}  // namespace dg
