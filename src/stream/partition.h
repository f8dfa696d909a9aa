// Partitioning and naming for the scale-out over NATS JetStream
// (docs/scale-out.md): which subject an event goes to, and how account and
// campaign ids become key-value keys.
//
// An event's partition is Hash64(account_id) % partitions (common/hash.h,
// xxHash3 with seed 0), so every exchange of one account lands on one
// subject, dg.events.<p>, and stage 1 can own partitions independently.
// KV keys allow only [-/_=.a-zA-Z0-9]; ids are encoded so that any byte
// string maps to a key and back: [-_a-zA-Z0-9] stay, every other byte
// (including '.', '/' and '=') becomes "=XX" (upper-case hex).
//
// Thread-safety: pure functions.
#ifndef DG_STREAM_PARTITION_H_
#define DG_STREAM_PARTITION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dg {

inline constexpr std::string_view kEventsSubjectPrefix = "dg.events.";
inline constexpr std::string_view kClassifiedSubjectPrefix = "dg.classified.";
inline constexpr std::string_view kAccountKeyPrefix = "acct.";
inline constexpr std::string_view kCampaignKeyPrefix = "campaign.";
inline constexpr std::string_view kStage2StatusKey = "status.stage2";
inline constexpr std::string_view kStage2LeaseKey = "stage2";

// REQUIRES: partitions >= 1.
uint32_t PartitionOf(std::string_view account_id, uint32_t partitions);
std::string EventsSubject(uint32_t partition);
std::string ClassifiedSubject(uint32_t partition);
// The durable consumer of a partition: "dg-p07".
std::string PartitionConsumer(uint32_t partition);

// A KV key token for any id (see above); EncodeKeyToken("") is "=".
std::string EncodeKeyToken(std::string_view id);
// The id back; nullopt when `token` is not an encoding.
std::optional<std::string> DecodeKeyToken(std::string_view token);

std::string AccountKey(std::string_view account_id);
std::string CampaignKey(std::string_view campaign_id);

}  // namespace dg

#endif  // DG_STREAM_PARTITION_H_
