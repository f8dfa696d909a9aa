#include "stream/record.h"

#include <gtest/gtest.h>

namespace dg {
namespace {

ClassifiedRecord Sample() {
  ClassifiedRecord r;
  r.kind = RecordKind::kEvent;
  r.source_seq = 0x0102030405060708ull;
  r.stored_ms = 1'780'000'000'123;
  r.prompt_class.capability = Capability::kReasoning;
  r.prompt_class.reasoning_coercion = true;
  r.prompt_class.rubric_grading = false;
  r.prompt_class.capability_hits = 0x89;
  r.line = R"({"ts":"2026-04-20T00:00:01.359Z","request_id":"r1","account_id":"a"})";
  return r;
}

TEST(RecordTest, RoundTrips) {
  for (RecordKind kind : {RecordKind::kEvent, RecordKind::kQuarantine}) {
    ClassifiedRecord r = Sample();
    r.kind = kind;
    if (kind == RecordKind::kQuarantine) r.reason = "missing required field 'account_id'";
    ClassifiedRecord back;
    ASSERT_TRUE(DecodeRecord(EncodeRecord(r), &back).ok());
    EXPECT_EQ(back.kind, r.kind);
    EXPECT_EQ(back.source_seq, r.source_seq);
    EXPECT_EQ(back.stored_ms, r.stored_ms);
    EXPECT_EQ(back.prompt_class.capability, r.prompt_class.capability);
    EXPECT_EQ(back.prompt_class.reasoning_coercion, r.prompt_class.reasoning_coercion);
    EXPECT_EQ(back.prompt_class.rubric_grading, r.prompt_class.rubric_grading);
    EXPECT_EQ(back.prompt_class.capability_hits, r.prompt_class.capability_hits);
    EXPECT_EQ(back.reason, r.reason);
    EXPECT_EQ(back.line, r.line);
  }
}

TEST(RecordTest, KeepsBinaryAndEmptyLines) {
  ClassifiedRecord r = Sample();
  r.line = std::string("\0\n\xff{", 4);
  ClassifiedRecord back;
  ASSERT_TRUE(DecodeRecord(EncodeRecord(r), &back).ok());
  EXPECT_EQ(back.line, r.line);
  r.line.clear();
  ASSERT_TRUE(DecodeRecord(EncodeRecord(r), &back).ok());
  EXPECT_EQ(back.line, "");
}

TEST(RecordTest, RejectsWhatEncodeCannotWrite) {
  const std::string good = EncodeRecord(Sample());
  ClassifiedRecord back;
  EXPECT_FALSE(DecodeRecord("", &back).ok());
  EXPECT_FALSE(DecodeRecord(good.substr(0, 10), &back).ok());  // truncated header
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(DecodeRecord(bad_magic, &back).ok());
  std::string bad_kind = good;
  bad_kind[4] = 7;
  EXPECT_FALSE(DecodeRecord(bad_kind, &back).ok());
  std::string bad_capability = good;
  bad_capability[21] = static_cast<char>(kCapabilityCount);
  EXPECT_FALSE(DecodeRecord(bad_capability, &back).ok());
  std::string bad_reason = good;
  bad_reason[27] = 0x7f;  // reason longer than the record
  EXPECT_FALSE(DecodeRecord(bad_reason, &back).ok());
}

}  // namespace
}  // namespace dg
