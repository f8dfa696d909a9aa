#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time_util.h"
#include "common/utf8.h"
#include "sim/corpora.h"
#include "sim/corpus.h"
#include "sim/network.h"
#include "sim/random.h"
#include "sim/scenario.h"
#include "sim/text_variation.h"
#include "sim/traces.h"
#include "sim/traffic.h"

namespace dg {
namespace {

// ===========================================================================
// Vocabulary of the output
// ===========================================================================

constexpr std::string_view kKindChat = "chat";
constexpr std::string_view kKindDeveloper = "developer";
constexpr std::string_view kKindCodingAgent = "coding-agent";
constexpr std::string_view kKindEnterprise = "enterprise-batch";
constexpr std::string_view kKindEval = "eval-harness";
constexpr std::string_view kKindResearchLab = "research-lab";
constexpr std::string_view kKindCampaign = "campaign";

constexpr std::string_view kTierFree = "free";
constexpr std::string_view kTierPro = "pro";
constexpr std::string_view kTierTeam = "team";
constexpr std::string_view kTierEnterprise = "enterprise";
constexpr std::string_view kTierApi = "api";

constexpr std::string_view kRoleUser = "user";
constexpr std::string_view kRoleAssistant = "assistant";
constexpr std::string_view kRoleTool = "tool";

constexpr std::string_view kStopEndTurn = "end_turn";
constexpr std::string_view kStopMaxTokens = "max_tokens";
constexpr std::string_view kStopToolUse = "tool_use";
constexpr std::string_view kStopRefusal = "refusal";

// ===========================================================================
// Limits and shared constants
// ===========================================================================

constexpr int64_t kNeverMs = std::numeric_limits<int64_t>::max();
constexpr int kHoursPerDay = 24;
constexpr int kDaysPerWeek = 7;
// Day 0 of the epoch (1970-01-01) was a Thursday; weekdays count from Monday.
constexpr int64_t kEpochWeekday = 3;
constexpr int kFirstWeekendDay = 5;

// Rough size of a token in bytes of English text.
constexpr int64_t kBytesPerToken = 4;
// Request framing around the text (roles, tool schemas are counted apart).
constexpr int64_t kRequestOverheadTokens = 12;
constexpr int64_t kToolSchemaTokens = 180;
constexpr int64_t kMinOutputTokens = 1;

// Accounts of benign populations were opened weeks to years before.
constexpr double kBenignMinAgeDays = 14;
constexpr double kBenignMaxAgeDays = 3 * 365;
// Heavy or organisational customers have been around for a while.
constexpr double kEstablishedMinAgeDays = 90;

constexpr std::string_view kConsumerEmailDomains[] = {
    "gmail.com", "outlook.com", "yahoo.com",   "icloud.com", "proton.me", "hotmail.com", "gmx.de",
    "web.de",    "naver.com",   "yahoo.co.jp", "orange.fr",  "mail.ru",   "live.co.uk",  "mailbox.org",
};

// Chat users' diurnal activity by local hour: quiet nights, a lunch bump
// and an evening peak.
constexpr double kChatHourWeights[kHoursPerDay] = {
    0.6, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.0, 1.0, 1.1,
    1.2, 1.1, 1.0,  1.0, 1.0, 1.1,  1.3, 1.5, 1.6, 1.5, 1.2, 0.9,
};

// Working hours with a lunch dip (developers, coding agents, labs).
constexpr double kWorkHourWeights[kHoursPerDay] = {
    0, 0, 0, 0, 0, 0, 0.05, 0.2, 0.6, 1.0, 1.0, 1.0, 0.6, 0.9, 1.0, 1.0, 1.0, 0.8, 0.4, 0.2, 0.25, 0.2, 0.1, 0.02,
};
constexpr double kWeekendActivityFactor = 0.15;
constexpr int64_t kMinSessionGapMs = 5 * kMsPerMinute;

// ===========================================================================
// The world: options, corpora and infrastructure shared across populations
// ===========================================================================

// The corpora by use; they point into a SimCorpora that outlives the run.
struct SampleCorpora {
  const Corpus *alpaca, *codealpaca, *self_instruct, *koala, *oasst_vicuna, *wizardlm, *odex_en, *odex_es, *odex_ja,
      *odex_ru, *humaneval, *mbpp, *gsm8k, *hh_rlhf, *mt_bench;
};

SampleCorpora CorporaByUse(const SimCorpora& all) {
  SampleCorpora c;
  const std::pair<std::string_view, const Corpus**> slots[] = {
      {"alpaca", &c.alpaca},   {"codealpaca", &c.codealpaca},     {"self_instruct", &c.self_instruct},
      {"koala", &c.koala},     {"oasst_vicuna", &c.oasst_vicuna}, {"wizardlm", &c.wizardlm},
      {"odex_en", &c.odex_en}, {"odex_es", &c.odex_es},           {"odex_ja", &c.odex_ja},
      {"odex_ru", &c.odex_ru}, {"humaneval", &c.humaneval},       {"mbpp", &c.mbpp},
      {"gsm8k", &c.gsm8k},     {"hh_rlhf", &c.hh_rlhf},           {"mt_bench", &c.mt_bench},
  };
  for (const auto& [name, slot] : slots) *slot = &all.corpus(name);
  return c;
}

// A /24 that the campaign's proxy provider sells; benign VPN customers of the
// same provider exit there too.
struct RentedRange {
  const AsnProfile* profile;
  uint32_t prefix24;

  // IP-intelligence feeds label such ranges as proxies (or hosting for a
  // cloud), whoever is behind them.
  Endpoint RandomEndpoint(SimRng& rng) const {
    Endpoint endpoint = MakeEndpoint(*profile, FormatIpv4(RandomIpv4InSlash24(prefix24, rng)));
    if (endpoint.ip_type == IpType::kVpn) endpoint.ip_type = IpType::kProxy;
    return endpoint;
  }
};

constexpr int kCarrierNatsPerCarrier = 2;
constexpr int kCampuses = 4;
constexpr int kNatsPerCampus = 2;
constexpr int kRentedRanges = 6;
// ASNs of the proxy provider: two always, a third (a cloud) half the time.
constexpr int64_t kProxyAsnPrimary = 9009;
constexpr int64_t kProxyAsnSecondary = 212238;
constexpr int64_t kProxyAsnOptional = 14061;
constexpr double kProxyOptionalAsnShare = 0.5;

struct World {
  const Scenario* scenario = nullptr;
  const SimCorpora* all_corpora = nullptr;
  const SampleCorpora* corpora = nullptr;
  uint64_t seed = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t release_ms = 0;
  int days = 0;
  // Two model generations; the newer one is released during the window, and
  // who moves to it how fast is one of the signals (DESIGN.md).
  std::string_view model_stable;
  std::string_view model_new;
  // Real token sizes and burstiness: conversation service (chat, enterprise
  // stream), code service (developers, eval runs, batch jobs), Mooncake
  // (long contexts of agents).
  std::optional<TraceSampler> conv_trace;
  std::optional<TraceSampler> code_trace;
  std::optional<TraceSampler> long_context_trace;

  // Text pools by use.
  std::vector<const std::string*> chat_prompts;
  std::vector<const std::vector<std::string>*> chat_conversations;
  std::vector<bool> conversation_is_red_team;  // parallel to chat_conversations
  std::vector<const std::string*> ticket_texts;
  std::vector<const std::string*> foreign_texts;  // odex es/ja/ru
  std::vector<const std::string*> agent_tasks;
  std::vector<const std::string*> campaign_tasks;

  // Carrier-grade NAT addresses by carrier: many mobile subscribers share
  // each of them.
  absl::flat_hash_map<const AsnProfile*, std::vector<std::string>> carrier_nats;
  // University campuses: a few NAT addresses each, shared by many students.
  std::vector<std::pair<const AsnProfile*, uint32_t>> campus_nats;
  std::vector<RentedRange> rented_ranges;
};

void AddTexts(const Corpus& corpus, std::vector<const std::string*>* pool) {
  for (const std::string& text : corpus.texts) pool->push_back(&text);
}

// Human first turns of conversations, for pools of single texts.
void AddFirstTurns(const Corpus& corpus, std::vector<const std::string*>* pool) {
  for (const auto& turns : corpus.conversations) pool->push_back(&turns.front());
}

World MakeWorld(const Scenario& scenario, uint64_t seed, const SimCorpora& all, const SampleCorpora& corpora) {
  World w;
  w.scenario = &scenario;
  w.all_corpora = &all;
  w.corpora = &corpora;
  w.seed = seed;
  w.days = static_cast<int>(scenario.days);
  w.start_ms = scenario.start_ms;
  w.end_ms = scenario.start_ms + scenario.days * kMsPerDay;
  w.release_ms = scenario.start_ms + static_cast<int64_t>(scenario.release_hours * kMsPerHour);
  w.model_stable = scenario.model;
  w.model_new = scenario.new_model;
  w.conv_trace.emplace(all.trace("azure_conv"));
  w.code_trace.emplace(all.trace("azure_code"));
  w.long_context_trace.emplace(all.trace("mooncake"));

  AddTexts(*corpora.koala, &w.chat_prompts);
  AddTexts(*corpora.oasst_vicuna, &w.chat_prompts);
  AddTexts(*corpora.wizardlm, &w.chat_prompts);
  for (const auto& turns : corpora.hh_rlhf->conversations) {
    w.chat_conversations.push_back(&turns);
    w.conversation_is_red_team.push_back(true);
  }
  for (const auto& turns : corpora.mt_bench->conversations) {
    w.chat_conversations.push_back(&turns);
    w.conversation_is_red_team.push_back(false);
  }
  // Support tickets and documents: what customers write, from varied samples.
  AddTexts(*corpora.koala, &w.ticket_texts);
  AddTexts(*corpora.oasst_vicuna, &w.ticket_texts);
  AddTexts(*corpora.alpaca, &w.ticket_texts);
  AddTexts(*corpora.self_instruct, &w.ticket_texts);
  AddFirstTurns(*corpora.hh_rlhf, &w.ticket_texts);
  AddTexts(*corpora.odex_es, &w.foreign_texts);
  AddTexts(*corpora.odex_ja, &w.foreign_texts);
  AddTexts(*corpora.odex_ru, &w.foreign_texts);
  AddTexts(*corpora.codealpaca, &w.agent_tasks);
  AddTexts(*corpora.odex_en, &w.agent_tasks);
  AddTexts(*corpora.mbpp, &w.agent_tasks);
  AddTexts(*corpora.alpaca, &w.campaign_tasks);
  AddTexts(*corpora.codealpaca, &w.campaign_tasks);
  AddTexts(*corpora.self_instruct, &w.campaign_tasks);

  SimRng rng(DeriveSeed(seed, "infrastructure"));
  for (const AsnProfile& carrier : MobileAsns()) {
    for (int i = 0; i < kCarrierNatsPerCarrier; ++i) {
      w.carrier_nats[&carrier].push_back(FormatIpv4(RandomIpv4(carrier, rng)));
    }
  }
  for (int i = 0; i < kCampuses * kNatsPerCampus; ++i) {
    const AsnProfile& campus = BusinessAsns()[static_cast<size_t>(i / kNatsPerCampus) % BusinessAsns().size()];
    w.campus_nats.emplace_back(&campus, RandomIpv4(campus, rng));
  }
  std::vector<const AsnProfile*> proxy_profiles;
  const bool with_optional_asn = rng.Bernoulli(kProxyOptionalAsnShare);
  for (const AsnProfile& profile : VpnProxyAsns()) {
    if (profile.asn == kProxyAsnPrimary || profile.asn == kProxyAsnSecondary ||
        (with_optional_asn && profile.asn == kProxyAsnOptional)) {
      proxy_profiles.push_back(&profile);
    }
  }
  for (int i = 0; i < kRentedRanges; ++i) {
    const AsnProfile* profile = proxy_profiles[rng.Index(proxy_profiles.size())];
    w.rented_ranges.push_back({profile, RandomSlash24(*profile, rng)});
  }
  return w;
}

// ===========================================================================
// Helpers shared by the populations
// ===========================================================================

int64_t Tokens(std::string_view text) {
  return (static_cast<int64_t>(text.size()) + kBytesPerToken - 1) / kBytesPerToken;
}

int64_t InputTokens(const SimEvent& e) {
  int64_t tokens = kRequestOverheadTokens + Tokens(e.system);
  if (e.messages.empty()) {
    tokens += Tokens(e.prompt);
  } else {
    for (const SimMessage& m : e.messages) tokens += Tokens(m.content);
  }
  return tokens + kToolSchemaTokens * static_cast<int64_t>(e.tools.size());
}

int64_t DrawTokens(double median, double sigma, SimRng& rng) {
  return std::max<int64_t>(kMinOutputTokens, std::llround(rng.LogNormal(median, sigma)));
}

int64_t DrawMs(int64_t min_ms, int64_t max_ms, SimRng& rng) { return rng.UniformInt(min_ms, max_ms); }

// Sets output_tokens and stop_reason for an answer of `wanted` tokens.
void SetOutput(int64_t wanted, std::string_view stop_if_complete, SimEvent* e) {
  const int64_t cap = e->params.max_tokens.value_or(std::numeric_limits<int64_t>::max());
  e->output_tokens = std::min(wanted, cap);
  e->stop_reason = wanted >= cap ? kStopMaxTokens : stop_if_complete;
}

int64_t CreatedBefore(int64_t start_ms, double min_days, double max_days, SimRng& rng) {
  return start_ms - static_cast<int64_t>(rng.LogUniform(min_days, max_days) * kMsPerDay);
}

// The email local part of an ordinary person, as a shape (SCHEMA.md).
std::string BenignEmailShape(SimRng& rng) {
  enum Shape { kFirstDotLast, kNameDigits, kInitialLast, kFirstUnderscoreLast, kHandle, kShapes };
  const int shape = static_cast<int>(rng.UniformInt(0, kShapes - 1));
  constexpr int64_t kMinFirstName = 3, kMaxFirstName = 8;
  constexpr int64_t kMinLastName = 4, kMaxLastName = 10;
  constexpr int64_t kMaxDigits = 4;
  const int64_t first = rng.UniformInt(kMinFirstName, kMaxFirstName);
  const int64_t last = rng.UniformInt(kMinLastName, kMaxLastName);
  const int64_t digits = rng.UniformInt(0, kMaxDigits);
  switch (shape) {
    case kFirstDotLast:
      return std::string(first, 'a') + "." + std::string(last, 'a');
    case kNameDigits:
      return std::string(first + last, 'a') + std::string(digits, '9');
    case kInitialLast:
      return "a" + std::string(last, 'a');
    case kFirstUnderscoreLast:
      return std::string(first, 'a') + "_" + std::string(last, 'a');
    default:
      return std::string(first + 2, 'a') + std::string(digits / 2 + 1, '9');
  }
}

int Weekday(int64_t day_number) { return static_cast<int>((day_number + kEpochWeekday) % kDaysPerWeek); }

// Session starts over the window (UTC, sorted). Each local day gets
// Poisson(mean_per_weekday(weekday)) sessions at local hours drawn from
// hour_weights. Every account in the sample has at least one session.
template <typename MeanPerWeekday>
std::vector<int64_t> PlanSessions(const World& world, int utc_offset_minutes, std::span<const double> hour_weights,
                                  MeanPerWeekday mean_per_weekday, SimRng& rng) {
  std::vector<int64_t> starts;
  const int64_t first_day = DayNumber(world.start_ms);
  const auto local_time = [&](int64_t day, size_t hour) {
    const int64_t local_midnight = world.start_ms + day * kMsPerDay - utc_offset_minutes * kMsPerMinute;
    const auto within_hour = static_cast<int64_t>(rng.Uniform01() * kMsPerHour);
    return local_midnight + static_cast<int64_t>(hour) * kMsPerHour + within_hour;
  };
  // Local days that overlap the window: one before and one after in UTC.
  for (int64_t day = -1; day <= world.days; ++day) {
    const int64_t sessions = rng.Poisson(mean_per_weekday(Weekday(first_day + day)));
    for (int64_t k = 0; k < sessions; ++k) {
      const size_t hour = rng.WeightedIndex(hour_weights);
      const int64_t t = local_time(day, hour);
      if (t >= world.start_ms && t < world.end_ms) starts.push_back(t);
    }
  }
  if (starts.empty()) {
    constexpr int kAttempts = 16;
    for (int attempt = 0; attempt < kAttempts && starts.empty(); ++attempt) {
      const int64_t day = rng.UniformInt(0, world.days - 1);
      const size_t hour = rng.WeightedIndex(hour_weights);
      const int64_t t = local_time(day, hour);
      if (t >= world.start_ms && t < world.end_ms) starts.push_back(t);
    }
    if (starts.empty()) starts.push_back(rng.UniformInt(world.start_ms, world.end_ms - 1));
  }
  std::sort(starts.begin(), starts.end());
  return starts;
}

// When an account moves to the new model: a share of the population does,
// after an exponential delay from the release.
struct ModelPlan {
  std::string_view stable;
  std::string_view fresh;
  int64_t switch_ms = kNeverMs;
  std::string_view At(int64_t ts_ms) const { return ts_ms >= switch_ms ? fresh : stable; }
};

ModelPlan StayOnStable(const World& world) { return {world.model_stable, world.model_new, kNeverMs}; }

ModelPlan DrawAdoption(const World& world, double share, double mean_delay_hours, SimRng& rng) {
  ModelPlan plan = StayOnStable(world);
  if (rng.Bernoulli(share)) {
    plan.switch_ms = world.release_ms + static_cast<int64_t>(rng.Exponential(mean_delay_hours) * kMsPerHour);
  }
  return plan;
}

const AsnProfile* PickInCountry(std::span<const AsnProfile> table, std::string_view country, SimRng& rng) {
  std::vector<const AsnProfile*> matches;
  for (const AsnProfile& profile : table) {
    if (profile.country == country) matches.push_back(&profile);
  }
  return matches.empty() ? nullptr : matches[rng.Index(matches.size())];
}

Endpoint EndpointAt(const AsnProfile& profile, uint32_t ip) { return MakeEndpoint(profile, FormatIpv4(ip)); }

// What the assistant said in an earlier turn. Logs keep a stub of it, not
// the answer.
constexpr std::string_view kReplyOpeners[] = {
    "Sure! Here's an answer to",
    "Good question. In short, regarding",
    "Here is a step-by-step answer to",
    "Happy to help with",
    "Let's look at",
    "Here's what I'd suggest for",
};
constexpr size_t kReplyEchoBytes = 48;

// The few answers that are logged in full are short ones.
constexpr std::string_view kShortAnswers[] = {
    "Short answer: yes, with a couple of caveats.",
    "It depends on your situation; the main factors are cost, time and risk.",
    "Here are three options, from simplest to most thorough.",
    "Here's a step-by-step plan you can follow.",
    "No. That wouldn't be safe, but here is what you can do instead.",
    "Great question! In one sentence: start small and iterate.",
};

std::string AssistantReplyStub(std::string_view prompt, SimRng& rng) {
  const std::string_view opener = rng.Pick(kReplyOpeners);
  return fmt::format("{} \"{}...\" [answer not logged]", opener, Utf8Prefix(prompt, kReplyEchoBytes));
}

// ===========================================================================
// Chat users: web and mobile, multi-turn, diurnal in their own time zone
// ===========================================================================

constexpr double kChatProShare = 0.25;
constexpr double kChatPhoneVerifiedShare = 0.9;
constexpr double kChatMobileOnlyShare = 0.3;
constexpr double kChatDesktopOnlyShare = 0.4;
constexpr double kChatMixedDesktopShare = 0.55;  // of sessions, for two-device users
constexpr double kChatCampusSessionShare = 0.7;  // of a student's desktop sessions
constexpr double kChatVpnOnRentedRangeShare = 0.4;
constexpr double kChatIpv6Share = 0.5;
constexpr double kChatCustomInstructionsShare = 0.15;
constexpr double kChatThinkingShareOfPro = 0.3;
constexpr double kChatProAdoptionShare = 0.5;
constexpr double kChatAdoptionDelayHours = 10;
constexpr double kChatSessionsSigma = 0.6;
constexpr double kChatExtraConversationsPerSession = 0.5;
constexpr double kChatCorpusConversationShare = 0.45;
constexpr double kChatFollowUpProbability = 0.45;
constexpr size_t kChatMaxTurns = 6;
constexpr int64_t kChatMinTurnGapMs = 15 * kMsPerSecond;
constexpr double kChatMeanReadingMs = 75.0 * kMsPerSecond;
constexpr int64_t kTypingMsPerByte = 120;
constexpr int64_t kChatMinConversationGapMs = 1 * kMsPerMinute;
constexpr int64_t kChatMaxConversationGapMs = 15 * kMsPerMinute;
constexpr int64_t kChatMaxTokens = 8192;
constexpr int64_t kChatThinkingMaxTokens = 32000;
constexpr int64_t kChatThinkingBudget = 16000;
constexpr double kChatMedianThinkingTokens = 1800;
constexpr double kOutputSigma = 0.7;
constexpr double kChatRefusalShare = 0.1;
constexpr double kRefusalMedianTokens = 60;
constexpr double kShortSigma = 0.4;
constexpr double kChatResponseShare = 0.02;

constexpr std::string_view kCustomInstructionParts[] = {
    "Be concise.",
    "Use metric units.",
    "Reply in British English.",
    "Avoid bullet points.",
    "Explain like I'm a beginner.",
    "Always give sources.",
    "Use a friendly tone.",
    "No emojis.",
    "Ask before making assumptions.",
    "Prefer practical examples.",
};

struct ChatConversation {
  std::vector<std::string> turns;
  bool red_team = false;  // hh-rlhf: some answers are refusals
};

ChatConversation DrawChatConversation(const World& world, const WritingStyle& style, SimRng& rng) {
  ChatConversation c;
  if (rng.Bernoulli(kChatCorpusConversationShare)) {
    const size_t i = rng.Index(world.chat_conversations.size());
    c.red_team = world.conversation_is_red_team[i];
    for (const std::string& turn : *world.chat_conversations[i]) {
      c.turns.push_back(c.turns.empty() ? style.Personalize(turn, rng) : style.Restyle(turn, rng));
    }
  } else {
    c.turns.push_back(style.Personalize(*world.chat_prompts[rng.Index(world.chat_prompts.size())], rng));
  }
  while (c.turns.size() < kChatMaxTurns && rng.Bernoulli(kChatFollowUpProbability)) {
    c.turns.push_back(style.FollowUp(c.turns.back(), rng));
  }
  return c;
}

void GenerateChatUser(const World& world, int64_t index, TrafficCollector* out) {
  SimRng rng(DeriveSeed(world.seed, kKindChat, static_cast<uint64_t>(index)));
  const AsnProfile& home = rng.Pick(ResidentialAsns());
  const uint32_t home_ip = RandomIpv4(home, rng);
  const AsnProfile* carrier = PickInCountry(MobileAsns(), home.country, rng);
  const double device_roll = rng.Uniform01();
  double desktop_share = device_roll < kChatMobileOnlyShare                           ? 0.0
                         : device_roll < kChatMobileOnlyShare + kChatDesktopOnlyShare ? 1.0
                                                                                      : kChatMixedDesktopShare;
  if (carrier == nullptr) desktop_share = 1.0;
  const ClientSoftware desktop = rng.Pick(DesktopBrowsers());
  const ClientSoftware mobile = rng.Pick(MobileClients());

  // Mobile addressing: a shared carrier-NAT IPv4, IPv6, or changing IPv4.
  const std::string* nat_ip = nullptr;
  bool uses_ipv6 = false;
  if (carrier != nullptr) {
    const auto nats = world.carrier_nats.find(carrier);
    if (nats != world.carrier_nats.end() && !nats->second.empty() &&
        rng.Bernoulli(world.scenario->chat.carrier_nat_share)) {
      nat_ip = &nats->second[rng.Index(nats->second.size())];
    }
    uses_ipv6 = carrier->v6_slash32 != 0 && rng.Bernoulli(kChatIpv6Share);
  }
  // A few browse through a commercial VPN, some on the ranges the campaign
  // rents from the same provider.
  std::optional<Endpoint> vpn;
  if (rng.Bernoulli(world.scenario->chat.vpn_share)) {
    if (rng.Bernoulli(kChatVpnOnRentedRangeShare)) {
      const RentedRange& range = world.rented_ranges[rng.Index(world.rented_ranges.size())];
      vpn = range.RandomEndpoint(rng);
    } else {
      const AsnProfile& profile = rng.Pick(VpnProxyAsns());
      vpn = EndpointAt(profile, RandomIpv4(profile, rng));
    }
  }

  // Students reach the service through their university's NAT on campus.
  const std::pair<const AsnProfile*, uint32_t>* campus = nullptr;
  if (rng.Bernoulli(world.scenario->chat.university_share)) {
    campus = &world.campus_nats[rng.Index(world.campus_nats.size())];
  }
  const bool pro = rng.Bernoulli(kChatProShare);
  SimAccount account;
  account.id = out->NewAccountId();
  account.facts.created_ms = CreatedBefore(world.start_ms, kBenignMinAgeDays, kBenignMaxAgeDays, rng);
  account.facts.email_domain = std::string(rng.Pick(kConsumerEmailDomains));
  account.facts.email_local_shape = BenignEmailShape(rng);
  if (pro) account.facts.payment_fp = out->NewPaymentFingerprint();
  account.facts.billing_country = std::string(home.country);
  account.facts.phone_verified = rng.Bernoulli(kChatPhoneVerifiedShare);
  account.facts.tier = pro ? kTierPro : kTierFree;
  account.label = {false, "", std::string(kKindChat)};
  const TrafficCollector::AccountHandle handle = out->AddAccount(std::move(account));

  const WritingStyle style = WritingStyle::RandomChatUser(rng);
  std::string system;
  if (rng.Bernoulli(kChatCustomInstructionsShare)) {
    const std::string_view a = rng.Pick(kCustomInstructionParts);
    const std::string_view b = rng.Pick(kCustomInstructionParts);
    const std::string& detail = style.RandomDetail(rng);
    system = fmt::format("The user's custom instructions: {} {} {}", detail, a, b);
  }
  const ModelPlan model =
      pro ? DrawAdoption(world, kChatProAdoptionShare, kChatAdoptionDelayHours, rng) : StayOnStable(world);
  const double sessions_per_day = rng.LogNormal(world.scenario->chat.sessions_per_day, kChatSessionsSigma);
  const std::vector<int64_t> sessions = PlanSessions(
      world, home.utc_offset_minutes, kChatHourWeights, [&](int) { return sessions_per_day; }, rng);

  int64_t t = world.start_ms;
  for (const int64_t session_start : sessions) {
    t = std::max(session_start, t + kMinSessionGapMs);
    if (t >= world.end_ms) break;
    Endpoint endpoint;
    ClientSoftware client;
    if (rng.Bernoulli(desktop_share)) {
      client = desktop;
      endpoint = vpn ? *vpn : EndpointAt(home, home_ip);
      if (campus != nullptr && !vpn && rng.Bernoulli(kChatCampusSessionShare)) {
        endpoint = EndpointAt(*campus->first, campus->second);
      }
    } else {
      client = mobile;
      if (uses_ipv6 && rng.Bernoulli(kChatIpv6Share)) {
        endpoint = MakeEndpoint(*carrier, RandomIpv6(*carrier, rng));
      } else if (nat_ip != nullptr) {
        endpoint = MakeEndpoint(*carrier, *nat_ip);
      } else {
        endpoint = EndpointAt(*carrier, RandomIpv4(*carrier, rng));
      }
    }
    const int64_t conversations = 1 + rng.Poisson(kChatExtraConversationsPerSession);
    for (int64_t c = 0; c < conversations && t < world.end_ms; ++c) {
      if (c > 0) t += DrawMs(kChatMinConversationGapMs, kChatMaxConversationGapMs, rng);
      const ChatConversation conversation = DrawChatConversation(world, style, rng);
      const std::string conversation_id = out->NewConversationId();
      const bool thinking = pro && rng.Bernoulli(kChatThinkingShareOfPro);
      std::vector<SimMessage> history;
      for (size_t k = 0; k < conversation.turns.size(); ++k) {
        const std::string& prompt = conversation.turns[k];
        if (k > 0) {
          t += kChatMinTurnGapMs + static_cast<int64_t>(rng.Exponential(kChatMeanReadingMs)) +
               kTypingMsPerByte * static_cast<int64_t>(prompt.size());
        }
        if (t >= world.end_ms) break;
        SimEvent e;
        e.ts_ms = t;
        e.endpoint = endpoint;
        e.client = client;
        e.model = model.At(t);
        e.system = system;
        e.prompt = prompt;
        if (k > 0) {
          e.messages = history;
          e.messages.push_back({kRoleUser, prompt});
        }
        e.conversation_id = conversation_id;
        e.turn = static_cast<int64_t>(k + 1);
        e.params.max_tokens = thinking ? kChatThinkingMaxTokens : kChatMaxTokens;
        e.params.thinking_budget = thinking ? kChatThinkingBudget : 0;
        e.params.stream = true;
        // Sizes of a real conversation-service request; the context is at
        // least what the logged text holds.
        const TraceSampler::Sizes sizes = world.conv_trace->DrawSizes(rng);
        e.input_tokens = std::max(InputTokens(e), sizes.input_tokens);
        if (conversation.red_team && rng.Bernoulli(kChatRefusalShare)) {
          e.output_tokens = DrawTokens(kRefusalMedianTokens, kShortSigma, rng);
          e.stop_reason = kStopRefusal;
        } else {
          int64_t wanted = std::max(kMinOutputTokens, sizes.output_tokens);
          if (thinking) wanted += DrawTokens(kChatMedianThinkingTokens, kOutputSigma, rng);
          SetOutput(wanted, kStopEndTurn, &e);
        }
        if (rng.Bernoulli(kChatResponseShare)) e.response = std::string(rng.Pick(kShortAnswers));
        out->Emit(handle, e);
        history.push_back({kRoleUser, prompt});
        history.push_back({kRoleAssistant, AssistantReplyStub(prompt, rng)});
      }
    }
  }
}

// ===========================================================================
// Developers: SDK scripts in working hours, code questions
// ===========================================================================

constexpr double kDevApiShare = 0.7;
constexpr double kDevTeamShare = 0.2;  // the rest are on pro
constexpr double kDevsPerTeam = 3;
constexpr double kDevOfficeShare = 0.5;
constexpr double kDevCloudShare = 0.15;
constexpr double kDevOfficeSessionShare = 0.6;
constexpr double kDevCloudSessionShare = 0.25;
constexpr double kDevSecondClientShare = 0.2;
constexpr double kDevSecondClientUse = 0.25;
constexpr int64_t kDevMaxApiKeys = 3;
constexpr double kDevPrimaryKeyShare = 0.8;
constexpr double kDevPhoneVerifiedShare = 0.85;
constexpr double kDevSystemPromptShare = 0.5;
constexpr double kDevTemperatureShare = 0.6;
constexpr double kDevTopPShare = 0.2;
constexpr double kDevStreamShare = 0.5;
constexpr double kDevMultiSampleShare = 0.08;
constexpr double kDevLogprobsShare = 0.05;
constexpr double kDevThinkingShare = 0.15;
constexpr double kDevAdoptionShare = 0.3;
constexpr double kDevAdoptionDelayHours = 12;
constexpr double kDevSessionsSigma = 0.5;
constexpr double kDevExtraRequestsPerSession = 12;
constexpr double kDevFollowUpShare = 0.35;
constexpr int64_t kDevMaxTurns = 4;
constexpr int64_t kDevMinGapMs = 20 * kMsPerSecond;
constexpr double kDevMeanGapMs = 3.0 * kMsPerMinute;
constexpr double kDevMedianThinkingTokens = 1200;
constexpr double kDevOwnLanguageShare = 0.45;
constexpr double kDevEnglishOdexShare = 0.1;
constexpr double kDevCodeAlpacaShare = 0.3;  // the rest: MBPP

constexpr int64_t kDevMaxTokenChoices[] = {1024, 2048, 4096, 8192};
constexpr double kDevTemperatureChoices[] = {0.0, 0.2, 0.5, 0.7, 1.0};
constexpr double kTopPChoices[] = {0.9, 0.95};
constexpr int64_t kDevThinkingChoices[] = {1024, 2048, 4096};
constexpr int64_t kTopLogprobsChoices[] = {5, 10, 20};
constexpr int64_t kDevMaxSamples = 3;

constexpr std::string_view kCompanyWords[] = {
    "northwind", "brightpath", "tallgrass",  "keystone",   "bluefin",    "copperleaf", "redwood",
    "lakeshore", "ironbark",   "silverline", "greenfield", "harborview", "summit",     "clearwater",
};
constexpr std::string_view kCompanySuffixes[] = {
    "labs", "logistics", "health", "analytics", "systems", "retail", "finance", "media",
};
constexpr std::string_view kCompanyTlds[] = {".com", ".io", ".co", ".de", ".ai"};

std::string CompanyName(SimRng& rng) {
  const std::string_view word = rng.Pick(kCompanyWords);
  const std::string_view suffix = rng.Pick(kCompanySuffixes);
  return fmt::format("{}-{}", word, suffix);
}

std::string CompanyDomain(std::string_view company, SimRng& rng) {
  return fmt::format("{}{}", company, rng.Pick(kCompanyTlds));
}

struct DevTeam {
  std::string org_id;
  std::string payment_fp;
  std::string email_domain;
  const AsnProfile* office;
  uint32_t office_prefix24;
};

std::span<const std::string> OdexFor(const World& world, std::string_view country) {
  const SampleCorpora& c = *world.corpora;
  if (country == "ES" || country == "MX" || country == "AR") return c.odex_es->texts;
  if (country == "JP") return c.odex_ja->texts;
  if (country == "RU") return c.odex_ru->texts;
  return c.odex_en->texts;
}

std::string_view DrawDevBase(const World& world, std::string_view country, SimRng& rng) {
  const SampleCorpora& c = *world.corpora;
  const double roll = rng.Uniform01();
  if (roll < kDevOwnLanguageShare) return rng.Pick(OdexFor(world, country));
  if (roll < kDevOwnLanguageShare + kDevEnglishOdexShare) return rng.Pick(c.odex_en->texts);
  if (roll < kDevOwnLanguageShare + kDevEnglishOdexShare + kDevCodeAlpacaShare) {
    return rng.Pick(c.codealpaca->texts);
  }
  return rng.Pick(c.mbpp->texts);
}

void GenerateDeveloper(const World& world, int64_t index, const std::vector<DevTeam>& teams, TrafficCollector* out) {
  SimRng rng(DeriveSeed(world.seed, kKindDeveloper, static_cast<uint64_t>(index)));
  const double tier_roll = rng.Uniform01();
  std::string_view tier = kTierPro;
  if (tier_roll < kDevApiShare) {
    tier = kTierApi;
  } else if (tier_roll < kDevApiShare + kDevTeamShare && !teams.empty()) {
    tier = kTierTeam;
  }
  const DevTeam* team = tier == kTierTeam ? &teams[rng.Index(teams.size())] : nullptr;

  const AsnProfile& home = rng.Pick(ResidentialAsns());
  const uint32_t home_ip = RandomIpv4(home, rng);
  const AsnProfile* office = nullptr;
  uint32_t office_ip = 0;
  if (team != nullptr) {
    office = team->office;
    office_ip = RandomIpv4InSlash24(team->office_prefix24, rng);
  } else if (rng.Bernoulli(kDevOfficeShare)) {
    office = PickInCountry(BusinessAsns(), home.country, rng);
    if (office != nullptr) office_ip = RandomIpv4(*office, rng);
  }
  const AsnProfile* cloud = rng.Bernoulli(kDevCloudShare) ? &rng.Pick(CloudAsns()) : nullptr;
  const uint32_t cloud_ip = cloud != nullptr ? RandomIpv4(*cloud, rng) : 0;
  const ClientSoftware primary = rng.Pick(SdkClients());
  const ClientSoftware secondary = rng.Bernoulli(kDevSecondClientShare) ? rng.Pick(SdkClients()) : primary;
  std::vector<std::string> keys;
  const int64_t key_count = rng.UniformInt(1, kDevMaxApiKeys);
  for (int64_t k = 0; k < key_count; ++k) keys.push_back(out->NewApiKeyId());

  SimAccount account;
  account.id = out->NewAccountId();
  account.org_id = team != nullptr ? team->org_id : "";
  account.facts.created_ms = CreatedBefore(world.start_ms, kBenignMinAgeDays, kBenignMaxAgeDays, rng);
  account.facts.email_domain = team != nullptr ? team->email_domain : std::string(rng.Pick(kConsumerEmailDomains));
  account.facts.email_local_shape = BenignEmailShape(rng);
  account.facts.payment_fp = team != nullptr ? team->payment_fp : out->NewPaymentFingerprint();
  account.facts.billing_country = std::string(home.country);
  account.facts.phone_verified = rng.Bernoulli(kDevPhoneVerifiedShare);
  account.facts.tier = tier;
  account.label = {false, "", std::string(kKindDeveloper)};
  const TrafficCollector::AccountHandle handle = out->AddAccount(std::move(account));

  const WritingStyle style = WritingStyle::RandomDeveloper(rng);
  std::string system;
  if (rng.Bernoulli(kDevSystemPromptShare)) {
    system = fmt::format(
        "You are a senior engineer helping with the {} codebase. Answer with code first, then a "
        "short explanation.",
        style.project());
  }
  // Parameter habits: a script sets them once.
  SimParams habits;
  habits.max_tokens = rng.Pick(kDevMaxTokenChoices);
  if (rng.Bernoulli(kDevTemperatureShare)) habits.temperature = rng.Pick(kDevTemperatureChoices);
  if (rng.Bernoulli(kDevTopPShare)) habits.top_p = rng.Pick(kTopPChoices);
  habits.stream = rng.Bernoulli(kDevStreamShare);
  if (rng.Bernoulli(kDevMultiSampleShare)) habits.n = rng.UniformInt(2, kDevMaxSamples);
  if (rng.Bernoulli(kDevLogprobsShare)) {
    habits.logprobs = true;
    habits.top_logprobs = rng.Pick(kTopLogprobsChoices);
  }
  const bool thinking = rng.Bernoulli(kDevThinkingShare);
  const int64_t thinking_budget = rng.Pick(kDevThinkingChoices);
  const ModelPlan model = DrawAdoption(world, kDevAdoptionShare, kDevAdoptionDelayHours, rng);
  const double sessions_per_workday = rng.LogNormal(world.scenario->developer.sessions_per_workday, kDevSessionsSigma);
  const std::vector<int64_t> sessions = PlanSessions(
      world, home.utc_offset_minutes, kWorkHourWeights,
      [&](int weekday) {
        return weekday < kFirstWeekendDay ? sessions_per_workday : sessions_per_workday * kWeekendActivityFactor;
      },
      rng);

  int64_t t = world.start_ms;
  for (const int64_t session_start : sessions) {
    t = std::max(session_start, t + kMinSessionGapMs);
    if (t >= world.end_ms) break;
    Endpoint endpoint = EndpointAt(home, home_ip);
    if (cloud != nullptr && rng.Bernoulli(kDevCloudSessionShare)) {
      endpoint = EndpointAt(*cloud, cloud_ip);
    } else if (office != nullptr && rng.Bernoulli(kDevOfficeSessionShare)) {
      endpoint = EndpointAt(*office, office_ip);
    }
    const ClientSoftware client = rng.Bernoulli(kDevSecondClientUse) ? secondary : primary;
    const int64_t requests = 1 + rng.Poisson(kDevExtraRequestsPerSession);
    std::string conversation_id;
    std::vector<SimMessage> history;
    std::string last_prompt;
    int64_t turn = 0;
    for (int64_t r = 0; r < requests; ++r) {
      if (r > 0) t += kDevMinGapMs + static_cast<int64_t>(rng.Exponential(kDevMeanGapMs));
      if (t >= world.end_ms) break;
      std::string prompt;
      if (turn > 0 && turn < kDevMaxTurns && rng.Bernoulli(kDevFollowUpShare)) {
        prompt = style.FollowUp(last_prompt, rng);
        ++turn;
      } else {
        prompt = style.Personalize(DrawDevBase(world, home.country, rng), rng);
        conversation_id = out->NewConversationId();
        history.clear();
        turn = 1;
      }
      SimEvent e;
      e.ts_ms = t;
      e.api_key_id = rng.Bernoulli(kDevPrimaryKeyShare) ? keys.front() : keys[rng.Index(keys.size())];
      e.endpoint = endpoint;
      e.client = client;
      e.model = model.At(t);
      e.system = system;
      e.prompt = prompt;
      if (turn > 1) {
        e.messages = history;
        e.messages.push_back({kRoleUser, prompt});
      }
      e.conversation_id = conversation_id;
      e.turn = turn;
      e.params = habits;
      e.params.thinking_budget = thinking ? thinking_budget : 0;
      const TraceSampler::Sizes sizes = world.code_trace->DrawSizes(rng);
      e.input_tokens = std::max(InputTokens(e), sizes.input_tokens);
      int64_t wanted = std::max(kMinOutputTokens, sizes.output_tokens);
      if (thinking) wanted += DrawTokens(kDevMedianThinkingTokens, kOutputSigma, rng);
      SetOutput(wanted, kStopEndTurn, &e);
      out->Emit(handle, e);
      history.push_back({kRoleUser, prompt});
      history.push_back({kRoleAssistant, AssistantReplyStub(prompt, rng)});
      last_prompt = std::move(prompt);
    }
  }
}

void GenerateDevelopers(const World& world, TrafficCollector* out) {
  const int64_t count = world.scenario->developer.count;
  SimRng rng(DeriveSeed(world.seed, "developer-teams"));
  std::vector<DevTeam> teams;
  const int64_t team_count =
      count == 0 ? 0 : std::max<int64_t>(1, std::llround(static_cast<double>(count) * kDevTeamShare / kDevsPerTeam));
  for (int64_t i = 0; i < team_count; ++i) {
    DevTeam team;
    team.org_id = out->NewOrgId();
    team.payment_fp = out->NewPaymentFingerprint();
    const std::string company = CompanyName(rng);
    team.email_domain = CompanyDomain(company, rng);
    team.office = &rng.Pick(BusinessAsns());
    team.office_prefix24 = RandomSlash24(*team.office, rng);
    teams.push_back(std::move(team));
  }
  for (int64_t i = 0; i < count; ++i) GenerateDeveloper(world, i, teams, out);
}

// ===========================================================================
// Coding agents: long tool loops with large contexts
// ===========================================================================

constexpr double kAgentTeamShare = 0.5;  // the rest are on pro
constexpr double kAgentPhoneVerifiedShare = 0.95;
constexpr double kAgentCloudShare = 0.2;
constexpr double kAgentCloudSessionShare = 0.5;
constexpr double kAgentHomeSessionShare = 0.5;  // of those with an office
constexpr double kAgentAdoptionShare = 0.5;
constexpr double kAgentAdoptionDelayHours = 4;
constexpr double kAgentSessionsSigma = 0.4;
constexpr double kAgentMedianSessionMinutes = 75;
constexpr double kAgentSessionSigma = 0.5;
constexpr double kAgentMaxSessionMinutes = 300;
constexpr double kAgentMinSteps = 6;
constexpr double kAgentMedianExtraSteps = 14;
constexpr double kAgentStepsSigma = 0.6;
constexpr int64_t kAgentMaxSteps = 80;
constexpr double kAgentMedianStepMs = 30.0 * kMsPerSecond;
constexpr double kAgentStepSigma = 0.6;
constexpr int64_t kAgentMinTaskPauseMs = 1 * kMsPerMinute;
constexpr int64_t kAgentMaxTaskPauseMs = 8 * kMsPerMinute;
constexpr int64_t kAgentMinContextTokens = 20000;
constexpr int64_t kAgentMinContextGrowth = 800;
constexpr int64_t kAgentMaxContextGrowth = 5000;
constexpr int64_t kAgentMaxContextTokens = 150000;
// After compaction the agent restarts from a summary of this size.
constexpr int64_t kAgentCompactedMinTokens = 30000;
constexpr int64_t kAgentCompactedMaxTokens = 45000;
constexpr double kAgentInterjectShare = 0.05;
constexpr int64_t kAgentMaxToolCalls = 3;
constexpr double kAgentMedianStepOutputTokens = 350;
constexpr double kAgentMedianFinalOutputTokens = 600;
constexpr size_t kAgentRecentMessages = 4;
constexpr int64_t kMaxToolResultCount = 400;  // lines, matches or tests in a tool result
constexpr int64_t kAgentMaxTokens = 32000;
constexpr int64_t kAgentThinkingChoices[] = {4096, 8192, 16000};
constexpr double kAgentTemperature = 1.0;

constexpr std::string_view kCliAgentTools[] = {"read_file", "edit_file", "write_file", "bash",
                                               "grep",      "glob",      "todo_write", "web_fetch"};
constexpr std::string_view kAiderTools[] = {"read_file", "edit_file", "bash"};
constexpr std::string_view kIdeAgentTools[] = {"read_file",       "edit_file", "list_dir", "run_terminal_command",
                                               "search_codebase", "web_search"};

// The product's own system prompt: identical for all its users, as with
// real agent products (shared system prompts are not campaign evidence).
constexpr std::string_view kCliAgentSystem =
    "You are an interactive command-line coding agent. Use the available tools to help the user "
    "with software engineering tasks: read and edit files, run commands and tests, and keep the "
    "user informed. Be concise; never guess file contents, read them first.";
constexpr std::string_view kAiderSystem =
    "Act as an expert software developer. Always use best practices when coding. Respect and use "
    "existing conventions, libraries, etc that are already present in the code base. Take "
    "requests for changes to the supplied code.";
constexpr std::string_view kIdeAgentSystem =
    "You are a coding assistant running inside the user's editor. You can read and edit files in "
    "the workspace, search the codebase and run terminal commands. Make minimal, correct changes "
    "and explain them briefly.";

struct AgentProduct {
  std::span<const std::string_view> tools;
  std::string_view system;
};

AgentProduct ProductOf(const ClientSoftware& client) {
  if (client.user_agent.starts_with("aider")) return {kAiderTools, kAiderSystem};
  if (client.user_agent.starts_with("vscode")) return {kIdeAgentTools, kIdeAgentSystem};
  return {kCliAgentTools, kCliAgentSystem};
}

constexpr std::string_view kTaskFramings[] = {
    "{task}\n\nThe code is in {path}. Run the tests when you're done.",
    "In {repo}: {task}",
    "{task}\n\nSee {path}; keep the existing style and don't touch the public API.",
    "Fix this in {repo}: {task}\n\nThen update the tests.",
};

constexpr std::string_view kAgentActions[] = {"Reading", "Editing", "Running tests for", "Searching", "Checking"};
constexpr std::string_view kToolResults[] = {
    "{n} lines",   "ok: 1 file changed", "exit code 0: {n} passed", "exit code 1: 1 failed, {n} passed",
    "{n} matches", "no output",
};

std::string AgentTask(const World& world, const WritingStyle& style, SimRng& rng) {
  const std::string_view base = *world.agent_tasks[rng.Index(world.agent_tasks.size())];
  const std::string task = style.Personalize(base, rng);
  const std::string& ident = style.identifiers()[rng.Index(style.identifiers().size())];
  const std::string_view framing = rng.Pick(kTaskFramings);
  return fmt::format(fmt::runtime(framing), fmt::arg("task", task), fmt::arg("repo", style.project()),
                     fmt::arg("path", fmt::format("src/{}/{}.py", style.project(), ident)));
}

void GenerateCodingAgent(const World& world, int64_t index, TrafficCollector* out) {
  SimRng rng(DeriveSeed(world.seed, kKindCodingAgent, static_cast<uint64_t>(index)));
  const bool team = rng.Bernoulli(kAgentTeamShare);
  const AsnProfile& home = rng.Pick(ResidentialAsns());
  const uint32_t home_ip = RandomIpv4(home, rng);
  const AsnProfile* office = PickInCountry(BusinessAsns(), home.country, rng);
  const uint32_t office_ip = office != nullptr ? RandomIpv4(*office, rng) : 0;
  const AsnProfile* cloud = rng.Bernoulli(kAgentCloudShare) ? &rng.Pick(CloudAsns()) : nullptr;
  const uint32_t cloud_ip = cloud != nullptr ? RandomIpv4(*cloud, rng) : 0;
  const ClientSoftware client = rng.Pick(AgentClients());
  const AgentProduct product = ProductOf(client);

  SimAccount account;
  account.id = out->NewAccountId();
  if (team) account.org_id = out->NewOrgId();
  account.facts.created_ms = CreatedBefore(world.start_ms, kEstablishedMinAgeDays, kBenignMaxAgeDays, rng);
  const std::string company = CompanyName(rng);
  account.facts.email_domain = team ? CompanyDomain(company, rng) : std::string(rng.Pick(kConsumerEmailDomains));
  account.facts.email_local_shape = BenignEmailShape(rng);
  account.facts.payment_fp = out->NewPaymentFingerprint();
  account.facts.billing_country = std::string(home.country);
  account.facts.phone_verified = rng.Bernoulli(kAgentPhoneVerifiedShare);
  account.facts.tier = team ? kTierTeam : kTierPro;
  account.label = {false, "", std::string(kKindCodingAgent)};
  const TrafficCollector::AccountHandle handle = out->AddAccount(std::move(account));
  const std::string api_key = out->NewApiKeyId();

  const WritingStyle style = WritingStyle::RandomDeveloper(rng);
  const int64_t thinking_budget = rng.Pick(kAgentThinkingChoices);
  const ModelPlan model = DrawAdoption(world, kAgentAdoptionShare, kAgentAdoptionDelayHours, rng);
  const double sessions_per_workday =
      rng.LogNormal(world.scenario->coding_agent.sessions_per_workday, kAgentSessionsSigma);
  const std::vector<int64_t> sessions = PlanSessions(
      world, home.utc_offset_minutes, kWorkHourWeights,
      [&](int weekday) {
        return weekday < kFirstWeekendDay ? sessions_per_workday : sessions_per_workday * kWeekendActivityFactor;
      },
      rng);

  int64_t t = world.start_ms;
  for (const int64_t session_start : sessions) {
    t = std::max(session_start, t + kMinSessionGapMs);
    if (t >= world.end_ms) break;
    const double session_minutes =
        std::min(kAgentMaxSessionMinutes, rng.LogNormal(kAgentMedianSessionMinutes, kAgentSessionSigma));
    const int64_t session_end = t + static_cast<int64_t>(session_minutes * kMsPerMinute);
    Endpoint endpoint = office != nullptr ? EndpointAt(*office, office_ip) : EndpointAt(home, home_ip);
    if (cloud != nullptr && rng.Bernoulli(kAgentCloudSessionShare)) {
      endpoint = EndpointAt(*cloud, cloud_ip);
    } else if (office != nullptr && rng.Bernoulli(kAgentHomeSessionShare)) {
      endpoint = EndpointAt(home, home_ip);
    }
    // Tasks one after another until the session is over.
    bool first_task = true;
    while (t < session_end && t < world.end_ms) {
      if (!first_task) t += DrawMs(kAgentMinTaskPauseMs, kAgentMaxTaskPauseMs, rng);
      first_task = false;
      const std::string task = AgentTask(world, style, rng);
      const std::string conversation_id = out->NewConversationId();
      const int64_t steps = std::min<int64_t>(
          kAgentMaxSteps,
          static_cast<int64_t>(kAgentMinSteps + rng.LogNormal(kAgentMedianExtraSteps, kAgentStepsSigma)));
      // The repository context on top of the agent's base prompt: a real
      // long-context request's size (Mooncake).
      int64_t context = std::min(kAgentMaxContextTokens,
                                 kAgentMinContextTokens + world.long_context_trace->DrawSizes(rng).input_tokens);
      std::vector<SimMessage> loop;  // assistant/tool/user messages after the task
      for (int64_t step = 0; step < steps && t < world.end_ms; ++step) {
        if (step > 0) t += static_cast<int64_t>(rng.LogNormal(kAgentMedianStepMs, kAgentStepSigma));
        if (t >= world.end_ms) break;
        const bool last = step + 1 == steps;
        SimEvent e;
        e.ts_ms = t;
        e.api_key_id = api_key;
        e.endpoint = endpoint;
        e.client = client;
        e.model = model.At(t);
        e.system = std::string(product.system);
        if (step == 0) {
          e.prompt = task;
        } else if (rng.Bernoulli(kAgentInterjectShare)) {
          // The user steers the running loop: the newest user turn.
          std::string steer = style.FollowUp(task, rng);
          loop.push_back({kRoleUser, steer});
          e.prompt = std::move(steer);
        }
        // The task, then the most recent loop messages (older ones are in
        // the context, but logs keep only the tail).
        if (step > 0) {
          e.messages.push_back({kRoleUser, task});
          const size_t from = loop.size() > kAgentRecentMessages ? loop.size() - kAgentRecentMessages : 0;
          e.messages.insert(e.messages.end(), loop.begin() + static_cast<std::ptrdiff_t>(from), loop.end());
        }
        e.conversation_id = conversation_id;
        e.turn = step + 1;
        e.tools.assign(product.tools.begin(), product.tools.end());
        e.params.max_tokens = kAgentMaxTokens;
        e.params.temperature = kAgentTemperature;
        e.params.thinking_budget = thinking_budget;
        e.params.stream = true;
        e.input_tokens = context;
        const int64_t tool_calls = last ? 0 : rng.UniformInt(1, kAgentMaxToolCalls);
        e.tool_calls = tool_calls;
        SetOutput(DrawTokens(last ? kAgentMedianFinalOutputTokens : kAgentMedianStepOutputTokens, kOutputSigma, rng),
                  last ? kStopEndTurn : kStopToolUse, &e);
        out->Emit(handle, e);

        const std::string_view action = rng.Pick(kAgentActions);
        const std::string& ident = style.identifiers()[rng.Index(style.identifiers().size())];
        const std::string_view result_shape = rng.Pick(kToolResults);
        const int64_t n = rng.UniformInt(1, kMaxToolResultCount);
        loop.push_back({kRoleAssistant, fmt::format("{} src/{}.py", action, ident)});
        loop.push_back({kRoleTool, fmt::format(fmt::runtime(result_shape), fmt::arg("n", n))});
        context += rng.UniformInt(kAgentMinContextGrowth, kAgentMaxContextGrowth);
        if (context > kAgentMaxContextTokens) {
          context = rng.UniformInt(kAgentCompactedMinTokens, kAgentCompactedMaxTokens);
        }
      }
    }
  }
}

// ===========================================================================
// Enterprise batch: service accounts of one org, templated prompts, 24/7
// ===========================================================================

constexpr int64_t kOrgMinEgressIps = 2;
constexpr int64_t kOrgMaxEgressIps = 4;
constexpr int64_t kOrgMaxKeysPerAccount = 2;
constexpr double kOrgServiceMailboxShare = 0.5;
constexpr int64_t kMinServiceNameLength = 4;
constexpr int64_t kMaxServiceNameLength = 10;
constexpr int64_t kEnterpriseCloudAsns[] = {16509, 15169, 8075};
constexpr int kWorkloadsPerOrg = 2;
constexpr int kBusinessHourFirst = 8;
constexpr int kBusinessHourLast = 19;
constexpr int kNightlyBatchHour = 2;
constexpr int64_t kNightlyBatchJitterMs = 20 * kMsPerMinute;
constexpr double kNightlyBatchMeanGapMs = 1200;
constexpr int64_t kTicketIdMin = 100000;
constexpr int64_t kTicketIdMax = 900000;
constexpr double kEnterpriseResponseShare = 0.1;

enum class Workload { kTickets, kSummaries, kExtraction, kTranslation, kCount };

constexpr std::string_view kTicketLabels[] = {"billing", "bug", "feature", "account", "other"};
constexpr std::string_view kTicketChannels[] = {"email", "chat", "web form", "phone transcript"};
constexpr std::string_view kPlans[] = {"starter", "business", "enterprise"};
constexpr std::string_view kDocKinds[] = {"incident report", "meeting notes", "customer call notes", "vendor memo"};
constexpr std::string_view kTeams[] = {"support", "operations", "sales", "platform"};
constexpr std::string_view kForeignLanguages[] = {"es", "ja", "ru"};

struct WorkloadSpec {
  Workload kind;
  std::string system;
  int64_t max_tokens;
  double temperature;
  double median_output_tokens;
};

WorkloadSpec MakeWorkload(Workload kind, std::string_view company) {
  constexpr int64_t kLabelMaxTokens = 16;
  constexpr int64_t kSummaryMaxTokens = 512;
  constexpr int64_t kExtractionMaxTokens = 256;
  constexpr int64_t kTranslationMaxTokens = 1024;
  constexpr double kSummaryTemperature = 0.3;
  constexpr double kLabelMedianTokens = 2;
  constexpr double kSummaryMedianTokens = 120;
  constexpr double kExtractionMedianTokens = 60;
  constexpr double kTranslationMedianTokens = 90;
  switch (kind) {
    case Workload::kTickets:
      return {kind, fmt::format("You are the ticket triage model of {}. Reply with one label only.", company),
              kLabelMaxTokens, 0.0, kLabelMedianTokens};
    case Workload::kSummaries:
      return {kind, fmt::format("You write internal summaries for {}. Be factual and brief.", company),
              kSummaryMaxTokens, kSummaryTemperature, kSummaryMedianTokens};
    case Workload::kExtraction:
      return {kind, fmt::format("You extract structured data for {}'s CRM. Output valid JSON only.", company),
              kExtractionMaxTokens, 0.0, kExtractionMedianTokens};
    default:
      return {kind, fmt::format("You translate customer messages for {} support agents.", company),
              kTranslationMaxTokens, 0.0, kTranslationMedianTokens};
  }
}

std::string EnterprisePrompt(const World& world, Workload kind, int64_t item_id, SimRng& rng) {
  const auto text = [&]() -> const std::string& { return *world.ticket_texts[rng.Index(world.ticket_texts.size())]; };
  switch (kind) {
    case Workload::kTickets: {
      const std::string_view channel = rng.Pick(kTicketChannels);
      const std::string_view plan = rng.Pick(kPlans);
      return fmt::format(
          "Classify the following support ticket into one of [billing, bug, feature, account, "
          "other]. Reply with the label only.\n\nTicket #{} ({}, plan: {}):\n{}",
          item_id, channel, plan, text());
    }
    case Workload::kSummaries: {
      const std::string_view doc_kind = rng.Pick(kDocKinds);
      const std::string_view team = rng.Pick(kTeams);
      const std::string& first = text();
      const std::string& second = text();
      return fmt::format(
          "Summarize the following {} for the {} weekly report in 3 bullet points.\n\nDocument "
          "DOC-{}:\n{}\n\n{}",
          doc_kind, team, item_id, first, second);
    }
    case Workload::kExtraction: {
      const std::string& body = text();
      return fmt::format(
          "Extract the fields customer_name, product, sentiment and urgency from the email below. "
          "Answer with JSON only.\n\nFrom: customer-{}@example.net\nSubject: Case {}\n\n{}",
          item_id % kTicketIdMin, item_id, body);
    }
    default: {
      const std::string_view language = rng.Pick(kForeignLanguages);
      const std::string& body = *world.foreign_texts[rng.Index(world.foreign_texts.size())];
      return fmt::format(
          "Translate this customer message to English. Keep code and formatting unchanged.\n\n"
          "Message {} ({}):\n{}",
          item_id, language, body);
    }
  }
}

void GenerateEnterpriseOrg(const World& world, int64_t index, TrafficCollector* out) {
  SimRng rng(DeriveSeed(world.seed, kKindEnterprise, static_cast<uint64_t>(index)));
  const std::string company = CompanyName(rng);
  const std::string domain = CompanyDomain(company, rng);
  std::vector<const AsnProfile*> clouds;
  for (const AsnProfile& profile : CloudAsns()) {
    if (std::find(std::begin(kEnterpriseCloudAsns), std::end(kEnterpriseCloudAsns), profile.asn) !=
        std::end(kEnterpriseCloudAsns)) {
      clouds.push_back(&profile);
    }
  }
  const AsnProfile& cloud = *clouds[rng.Index(clouds.size())];
  // NAT gateways: a few fixed egress addresses in one /24.
  const uint32_t egress_prefix = RandomSlash24(cloud, rng);
  std::vector<uint32_t> egress;
  const int64_t egress_count = rng.UniformInt(kOrgMinEgressIps, kOrgMaxEgressIps);
  for (int64_t i = 0; i < egress_count; ++i) egress.push_back(RandomIpv4InSlash24(egress_prefix, rng));
  const ClientSoftware client = rng.Pick(ServiceClients());
  const std::string org_id = out->NewOrgId();
  const std::string payment_fp = out->NewPaymentFingerprint();
  // The company bills where its headquarters are, not where its cloud is,
  // and its business hours are the headquarters' too.
  const AsnProfile& headquarters = rng.Pick(ResidentialAsns());
  const std::string_view billing = headquarters.country;
  const int utc_offset = headquarters.utc_offset_minutes;

  struct ServiceAccount {
    TrafficCollector::AccountHandle handle;
    std::vector<std::string> keys;
  };
  std::vector<ServiceAccount> accounts;
  const int64_t account_count =
      rng.UniformInt(world.scenario->enterprise.min_accounts, world.scenario->enterprise.max_accounts);
  for (int64_t a = 0; a < account_count; ++a) {
    SimAccount account;
    account.id = out->NewAccountId();
    account.org_id = org_id;
    account.facts.created_ms = CreatedBefore(world.start_ms, kEstablishedMinAgeDays, kBenignMaxAgeDays, rng);
    account.facts.email_domain = domain;
    const int64_t name_length = rng.UniformInt(kMinServiceNameLength, kMaxServiceNameLength);
    account.facts.email_local_shape = rng.Bernoulli(kOrgServiceMailboxShare)
                                          ? "aaa-" + std::string(name_length, 'a')  // svc-xxxx
                                          : BenignEmailShape(rng);
    account.facts.payment_fp = payment_fp;
    account.facts.billing_country = std::string(billing);
    account.facts.phone_verified = true;
    account.facts.tier = kTierEnterprise;
    account.label = {false, "", std::string(kKindEnterprise)};
    ServiceAccount service{out->AddAccount(std::move(account)), {}};
    const int64_t key_count = rng.UniformInt(1, kOrgMaxKeysPerAccount);
    for (int64_t k = 0; k < key_count; ++k) service.keys.push_back(out->NewApiKeyId());
    accounts.push_back(std::move(service));
  }

  // Two workloads, each run by its own subset of accounts.
  std::vector<int> kinds(static_cast<size_t>(Workload::kCount));
  for (size_t i = 0; i < kinds.size(); ++i) kinds[i] = static_cast<int>(i);
  rng.Shuffle(&kinds);
  std::vector<WorkloadSpec> workloads;
  for (int i = 0; i < kWorkloadsPerOrg; ++i) {
    workloads.push_back(MakeWorkload(static_cast<Workload>(kinds[static_cast<size_t>(i)]), company));
  }

  // Arrivals: a stream that follows the org's business hours, and a nightly
  // batch. Planned first, then emitted in time order.
  struct Job {
    int64_t ts_ms;
    size_t workload;
    size_t account;
  };
  std::vector<Job> jobs;
  for (size_t w = 0; w < workloads.size(); ++w) {
    const double peak_per_hour =
        rng.Uniform(world.scenario->enterprise.min_peak_per_hour, world.scenario->enterprise.max_peak_per_hour);
    double t = static_cast<double>(world.start_ms);
    // Thinning of an arrival process at the peak rate whose gaps are the
    // conversation trace's, scaled: real bursts, not a Poisson process.
    const double mean_gap_ms = kMsPerHour / peak_per_hour;
    while (true) {
      t += mean_gap_ms * world.conv_trace->DrawGapFactor(rng);
      if (t >= static_cast<double>(world.end_ms)) break;
      const auto ts = static_cast<int64_t>(t);
      const int local_hour = HourOfDayUtc(ts + static_cast<int64_t>(utc_offset) * kMsPerMinute);
      const bool business = local_hour >= kBusinessHourFirst && local_hour <= kBusinessHourLast;
      if (!business && !rng.Bernoulli(world.scenario->enterprise.night_factor)) continue;
      // Workload w runs on accounts w, w + workloads, ... (at least one).
      const size_t stride = workloads.size();
      const size_t slots = (accounts.size() - w + stride - 1) / stride;
      jobs.push_back({ts, w, w + stride * rng.Index(slots)});
    }
  }
  for (int64_t day = -1; day < world.days; ++day) {
    const int64_t batch_start = world.start_ms + day * kMsPerDay + kNightlyBatchHour * kMsPerHour -
                                static_cast<int64_t>(utc_offset) * kMsPerMinute +
                                rng.UniformInt(0, kNightlyBatchJitterMs);
    const int64_t size = rng.UniformInt(world.scenario->enterprise.min_batch, world.scenario->enterprise.max_batch);
    const size_t w = rng.Index(workloads.size());
    double t = static_cast<double>(batch_start);
    for (int64_t j = 0; j < size; ++j) {
      t += kNightlyBatchMeanGapMs * world.code_trace->DrawGapFactor(rng);
      const auto ts = static_cast<int64_t>(t);
      // The batch fans out over every account of the org.
      if (ts >= world.start_ms && ts < world.end_ms) {
        jobs.push_back({ts, w, static_cast<size_t>(j) % accounts.size()});
      }
    }
  }
  std::sort(jobs.begin(), jobs.end(),
            [](const Job& a, const Job& b) { return a.ts_ms != b.ts_ms ? a.ts_ms < b.ts_ms : a.account < b.account; });

  int64_t item_id = rng.UniformInt(kTicketIdMin, kTicketIdMax);
  for (const Job& job : jobs) {
    const WorkloadSpec& spec = workloads[job.workload];
    const ServiceAccount& service = accounts[job.account];
    SimEvent e;
    e.ts_ms = job.ts_ms;
    e.api_key_id = service.keys[rng.Index(service.keys.size())];
    e.endpoint = EndpointAt(cloud, egress[rng.Index(egress.size())]);
    e.client = client;
    e.model = world.model_stable;  // pinned in production
    e.system = spec.system;
    e.prompt = EnterprisePrompt(world, spec.kind, item_id++, rng);
    e.conversation_id = out->NewConversationId();
    e.turn = 1;
    e.params.max_tokens = spec.max_tokens;
    e.params.temperature = spec.temperature;
    e.params.stream = false;
    e.params.thinking_budget = 0;
    e.input_tokens = InputTokens(e);
    SetOutput(DrawTokens(spec.median_output_tokens, kShortSigma, rng), kStopEndTurn, &e);
    if (spec.kind == Workload::kTickets && rng.Bernoulli(kEnterpriseResponseShare)) {
      e.response = std::string(rng.Pick(kTicketLabels));
    }
    out->Emit(service.handle, e);
  }
}

// ===========================================================================
// Evaluation harnesses: benchmark runs in bursts, temperature 0
// ===========================================================================

constexpr double kEvalCloudShare = 0.6;
constexpr double kEvalSecondRunnerShare = 0.5;  // two runners behind one /24
constexpr double kEvalTeamShare = 0.5;          // the rest are on api
constexpr double kEvalNightlyShare = 0.3;
constexpr double kEvalNewModelRunShare = 0.5;
constexpr double kEvalReleaseRunDelayHours = 2;
constexpr int64_t kEvalReleaseRunMinDelayMs = 30 * kMsPerMinute;
constexpr double kEvalMeanGapMs = 300;
constexpr int64_t kEvalSuiteGapMs = 30 * kMsPerSecond;
constexpr int64_t kEvalMaxSuites = 3;

enum class Suite { kGsm8k, kHumanEval, kMbpp, kCount };

// Templates of common harnesses; two harnesses may well use the same one.
constexpr std::string_view kGsm8kTemplates[] = {
    "Question: {q}\nAnswer: Let's think step by step.",
    "Solve the following math problem step by step. The last line of your response should be of "
    "the form \"ANSWER: $ANSWER\" (without quotes) where $ANSWER is the answer to the "
    "problem.\n\n{q}\n\nRemember to put your answer on its own line at the end in the form "
    "\"ANSWER: $ANSWER\".\n\nReasoning:",
    "Q: {q}\nA: Let's think step by step, then give the final answer after \"####\".",
};
constexpr std::string_view kHumanEvalTemplates[] = {
    "{q}",
    "Complete the following Python function. Return the full function in a ```python block.\n\n{q}",
};
constexpr std::string_view kMbppTemplates[] = {
    "You are an expert Python programmer, and here is your task: {q} Your code should pass the "
    "tests in the test list.",
    "Write a Python function for the task below and return only the code.\n\nTask: {q}",
};

struct SuiteSpec {
  Suite suite;
  std::string_view prompt_template;
  std::span<const std::string> questions;
  int64_t max_tokens;
  double median_output_tokens;
};

void GenerateEvalHarness(const World& world, int64_t index, TrafficCollector* out) {
  SimRng rng(DeriveSeed(world.seed, kKindEval, static_cast<uint64_t>(index)));
  const bool cloud = rng.Bernoulli(kEvalCloudShare);
  const AsnProfile& profile = cloud ? rng.Pick(CloudAsns()) : rng.Pick(BusinessAsns());
  const uint32_t prefix = RandomSlash24(profile, rng);
  const uint32_t ip_a = RandomIpv4InSlash24(prefix, rng);
  const uint32_t ip_b = RandomIpv4InSlash24(prefix, rng);
  const ClientSoftware client = EvalClients()[static_cast<size_t>(index) % EvalClients().size()];
  const bool team = rng.Bernoulli(kEvalTeamShare);

  SimAccount account;
  account.id = out->NewAccountId();
  account.org_id = out->NewOrgId();
  account.facts.created_ms = CreatedBefore(world.start_ms, kEstablishedMinAgeDays, kBenignMaxAgeDays, rng);
  const std::string lab = CompanyName(rng);
  account.facts.email_domain = CompanyDomain(lab, rng);
  account.facts.email_local_shape = BenignEmailShape(rng);
  account.facts.payment_fp = out->NewPaymentFingerprint();
  account.facts.billing_country = std::string(profile.country);
  account.facts.phone_verified = true;
  account.facts.tier = team ? kTierTeam : kTierApi;
  account.label = {false, "", std::string(kKindEval)};
  const TrafficCollector::AccountHandle handle = out->AddAccount(std::move(account));
  const std::string api_key = out->NewApiKeyId();

  constexpr int64_t kGsm8kMaxTokens = 512;
  constexpr int64_t kCodeMaxTokens = 1024;
  constexpr double kGsm8kMedianTokens = 180;
  constexpr double kCodeMedianTokens = 250;
  const SampleCorpora& c = *world.corpora;
  std::vector<SuiteSpec> suites = {
      {Suite::kGsm8k, rng.Pick(kGsm8kTemplates), c.gsm8k->texts, kGsm8kMaxTokens, kGsm8kMedianTokens},
      {Suite::kHumanEval, rng.Pick(kHumanEvalTemplates), c.humaneval->texts, kCodeMaxTokens, kCodeMedianTokens},
      {Suite::kMbpp, rng.Pick(kMbppTemplates), c.mbpp->texts, kCodeMaxTokens, kCodeMedianTokens},
  };
  rng.Shuffle(&suites);
  suites.resize(static_cast<size_t>(rng.UniformInt(1, kEvalMaxSuites)));
  // The first harness always runs the chain-of-thought GSM8K suite: the
  // sample must contain that hard benign case.
  if (index == 0 &&
      std::none_of(suites.begin(), suites.end(), [](const SuiteSpec& s) { return s.suite == Suite::kGsm8k; })) {
    suites.push_back({Suite::kGsm8k, kGsm8kTemplates[0], c.gsm8k->texts, kGsm8kMaxTokens, kGsm8kMedianTokens});
  }

  // Runs: in the lab's working hours or as a nightly CI job, plus one on the
  // new model soon after it is released.
  const int utc_offset = profile.utc_offset_minutes;
  struct Run {
    int64_t start_ms;
    bool new_model;
  };
  std::vector<Run> runs;
  for (const int64_t start : PlanSessions(
           world, utc_offset, kWorkHourWeights,
           [&](int weekday) {
             return weekday < kFirstWeekendDay ? world.scenario->eval_harness.runs_per_workday : 0.0;
           },
           rng)) {
    int64_t run_start = start;
    if (rng.Bernoulli(kEvalNightlyShare)) {
      // Nightly CI: same day, at a fixed early hour UTC.
      constexpr int kNightlyCiHourUtc = 2;
      run_start = DayNumber(start) * kMsPerDay + kNightlyCiHourUtc * kMsPerHour + rng.UniformInt(0, kMsPerMinute);
    }
    runs.push_back({run_start, start >= world.release_ms && rng.Bernoulli(kEvalNewModelRunShare)});
  }
  const int64_t release_run = world.release_ms + kEvalReleaseRunMinDelayMs +
                              static_cast<int64_t>(rng.Exponential(kEvalReleaseRunDelayHours) * kMsPerHour);
  if (release_run < world.end_ms) runs.push_back({release_run, true});
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.start_ms < b.start_ms; });

  int64_t t = world.start_ms;
  for (const Run& run : runs) {
    t = std::max(run.start_ms, t + kMinSessionGapMs);
    const uint32_t ip = rng.Bernoulli(kEvalSecondRunnerShare) ? ip_b : ip_a;
    for (const SuiteSpec& suite : suites) {
      for (const std::string& question : suite.questions) {
        t += static_cast<int64_t>(kEvalMeanGapMs * world.code_trace->DrawGapFactor(rng));
        if (t < world.start_ms || t >= world.end_ms) continue;
        SimEvent e;
        e.ts_ms = t;
        e.api_key_id = api_key;
        e.endpoint = EndpointAt(profile, ip);
        e.client = client;
        e.model = run.new_model ? world.model_new : world.model_stable;
        e.prompt = fmt::format(fmt::runtime(suite.prompt_template), fmt::arg("q", question));
        e.conversation_id = out->NewConversationId();
        e.turn = 1;
        e.params.max_tokens = suite.max_tokens;
        e.params.temperature = 0.0;
        e.params.n = 1;
        e.params.stream = false;
        e.params.thinking_budget = 0;
        e.input_tokens = InputTokens(e);
        SetOutput(DrawTokens(suite.median_output_tokens, kOutputSigma, rng), kStopEndTurn, &e);
        out->Emit(handle, e);
      }
      t += kEvalSuiteGapMs;
    }
  }
}

// ===========================================================================
// Research labs and synthetic-data customers under contract
// ===========================================================================

constexpr int64_t kLabMaxAccounts = 3;
constexpr double kLabRateJitter = 0.3;
constexpr int64_t kLabMaxSamples = 4;
constexpr double kLabMultiSampleShare = 0.3;
constexpr double kLabThinkingShare = 0.5;
constexpr int64_t kLabThinkingBudget = 8000;
constexpr int64_t kLabMaxTokenChoices[] = {4096, 8192, 16000};
constexpr double kLabTemperatureChoices[] = {0.7, 0.8, 1.0};
constexpr double kLabMedianOutputTokens = 900;
constexpr int64_t kLabContractMin = 1000;
constexpr int64_t kLabContractMax = 9999;

constexpr std::string_view kLabTemplates[] = {
    "Generate a high-quality, detailed answer to the instruction below for the {lab} licensed "
    "dataset (contract {contract}, item {item}).\n\nInstruction: {task}",
    "[{lab} data-gen {contract}/{item}] Answer the following question step by step, then give the "
    "final answer on its own line.\n\n{task}",
    "Item {item} of {lab} synthetic set {contract}. Write two different high-quality responses to "
    "this prompt and label them A and B.\n\nPrompt: {task}",
};

void GenerateResearchLab(const World& world, int64_t index, TrafficCollector* out) {
  SimRng rng(DeriveSeed(world.seed, kKindResearchLab, static_cast<uint64_t>(index)));
  const std::string lab = CompanyName(rng);
  const std::string domain = CompanyDomain(lab, rng);
  const AsnProfile& cloud = rng.Pick(CloudAsns());
  const uint32_t prefix = RandomSlash24(cloud, rng);
  const uint32_t egress[] = {RandomIpv4InSlash24(prefix, rng), RandomIpv4InSlash24(prefix, rng)};
  const ClientSoftware client = rng.Pick(ServiceClients());
  const std::string org_id = out->NewOrgId();
  const std::string payment_fp = out->NewPaymentFingerprint();
  const AsnProfile& headquarters = rng.Pick(ResidentialAsns());
  const int64_t contract = rng.UniformInt(kLabContractMin, kLabContractMax);

  struct LabAccount {
    TrafficCollector::AccountHandle handle;
    std::string key;
  };
  std::vector<LabAccount> accounts;
  const int64_t account_count = rng.UniformInt(1, kLabMaxAccounts);
  for (int64_t a = 0; a < account_count; ++a) {
    SimAccount account;
    account.id = out->NewAccountId();
    account.org_id = org_id;
    account.facts.created_ms = CreatedBefore(world.start_ms, kEstablishedMinAgeDays, kBenignMaxAgeDays, rng);
    account.facts.email_domain = domain;
    account.facts.email_local_shape = BenignEmailShape(rng);
    account.facts.payment_fp = payment_fp;
    account.facts.billing_country = std::string(headquarters.country);
    account.facts.phone_verified = true;
    account.facts.tier = kTierEnterprise;
    account.label = {false, "", std::string(kKindResearchLab)};
    const TrafficCollector::AccountHandle handle = out->AddAccount(std::move(account));
    accounts.push_back({handle, out->NewApiKeyId()});
  }

  // Their own seed data: instructions, maths and code, phrased their way.
  const SampleCorpora& c = *world.corpora;
  const std::span<const std::string> sources[] = {c.alpaca->texts, c.self_instruct->texts, c.gsm8k->texts,
                                                  c.codealpaca->texts};
  const std::string_view template_text = rng.Pick(kLabTemplates);
  SimParams habits;
  habits.max_tokens = rng.Pick(kLabMaxTokenChoices);
  habits.temperature = rng.Pick(kLabTemperatureChoices);
  habits.n = rng.Bernoulli(kLabMultiSampleShare) ? rng.UniformInt(2, kLabMaxSamples) : 1;
  habits.thinking_budget = rng.Bernoulli(kLabThinkingShare) ? kLabThinkingBudget : 0;
  habits.stream = false;
  const double daily =
      world.scenario->research_lab.daily_exchanges * rng.Uniform(1 - kLabRateJitter, 1 + kLabRateJitter);
  const double mean_gap_ms = kMsPerDay / daily;

  int64_t item = rng.UniformInt(kTicketIdMin, kTicketIdMax);
  for (double t = static_cast<double>(world.start_ms) + rng.Uniform01() * mean_gap_ms;
       t < static_cast<double>(world.end_ms); t += mean_gap_ms * world.code_trace->DrawGapFactor(rng)) {
    const LabAccount& account = accounts[rng.Index(accounts.size())];
    const auto& source = sources[rng.Index(std::size(sources))];
    SimEvent e;
    e.ts_ms = static_cast<int64_t>(t);
    e.api_key_id = account.key;
    e.endpoint = EndpointAt(cloud, egress[rng.Index(std::size(egress))]);
    e.client = client;
    e.model = e.ts_ms >= world.release_ms ? world.model_new : world.model_stable;
    e.system = fmt::format("You are a data generation model working for {}. Follow the instructions exactly.", lab);
    e.prompt = fmt::format(fmt::runtime(template_text), fmt::arg("lab", lab), fmt::arg("contract", contract),
                           fmt::arg("item", item++), fmt::arg("task", source[rng.Index(source.size())]));
    e.conversation_id = out->NewConversationId();
    e.turn = 1;
    e.params = habits;
    e.input_tokens = InputTokens(e);
    SetOutput(DrawTokens(kLabMedianOutputTokens, kOutputSigma, rng), kStopEndTurn, &e);
    out->Emit(account.handle, e);
  }
}

// ===========================================================================
// Campaigns ("hydra"): accounts in waves on shared infrastructure, harvesting
// answers to distillation prompts, with independent evasion knobs
// ===========================================================================

// Wave w of W is created at start + w * window / W - kWaveLeadMs, over the
// spread; earlier waves are bigger (weight W - w + kWaveWeightOffset).
constexpr int64_t kWaveLeadMs = kMsPerDay;
constexpr double kWaveWeightOffset = 1.5;
constexpr double kMinDormantHours = 3;
constexpr double kMaxDormantHours = 60;
constexpr int64_t kMinActiveMs = 6 * kMsPerHour;
constexpr int64_t kMinPaymentInstruments = 3;
constexpr double kCampaignFreeShare = 0.6;  // the rest are on api
constexpr double kCampaignIntervalJitter = 0.15;
constexpr double kRampStartFactor = 0.1;
constexpr int64_t kCampaignSwitchMinDelayMs = 1 * kMsPerHour;
constexpr int64_t kCampaignSwitchMaxDelayMs = 2 * kMsPerHour;
constexpr int64_t kCampaignSwitchSpreadMs = 30 * kMsPerMinute;
// A proxy or hosting pool packs this many exit addresses into one /24.
constexpr int64_t kAddressesPerRange = 250;
// Human hours: a few sessions a day, exchanges a couple of minutes apart.
constexpr double kHumanMeanSessionsPerDay = 3;
constexpr double kHumanMeanGapMs = 2.0 * kMsPerMinute;
constexpr double kHumanWeekendFactor = 0.5;
// A replacement account for a burned one is opened within this delay.
constexpr int64_t kReplacementMaxDelayMs = 30 * kMsPerMinute;
constexpr double kAgedMinFactor = 0.5;
constexpr double kAgedMaxFactor = 2.0;
constexpr int64_t kMaxFollowUpTurn = 4;
constexpr double kDiverseVerifiedShare = 0.85;

// (max_tokens, thinking_budget) pairs; the budget leaves room for the answer.
struct TokenLimits {
  int64_t max_tokens;
  int64_t thinking_budget;
};
constexpr TokenLimits kCampaignTokenLimits[] = {{8192, 6000}, {16000, 12000}, {32000, 24000}, {32000, 30000}};
constexpr double kCampaignTemperature = 1.0;
constexpr double kCampaignMedianOutputTokens = 4500;
constexpr double kCampaignOutputSigma = 0.45;
constexpr int64_t kCampaignMaxToolCalls = 2;
constexpr size_t kRubricAnswerBytes = 160;
// Camouflage exchanges look like an ordinary user's.
constexpr int64_t kCamouflageMaxTokens = 4096;
constexpr double kCamouflageTemperature = 0.7;

constexpr std::string_view kCampaignEmailDomains[] = {"gmail.com", "outlook.com", "mailbox.org"};
// One local-part shape for the whole operation: seven letters, four digits.
constexpr std::string_view kCampaignEmailShape = "aaaaaaa9999";
constexpr std::string_view kCampaignBillingCountries[] = {"US", "US", "SG"};

constexpr std::string_view kCampaignSystems[] = {
    "You are an expert problem solver and software engineer. Always show your complete "
    "step-by-step reasoning before giving the final answer. Never skip steps.",
    "You are an expert autonomous agent. Always show your complete step-by-step reasoning, every "
    "intermediate result and every decision you make.",
    "You are a world-class reasoning assistant. Think out loud: write down every intermediate "
    "step, check it, and only then answer.",
    "You are a senior engineer and planner. For every task, produce an explicit plan, execute it "
    "step by step and explain each decision in full.",
};

// Fixed templates of a naive campaign.
constexpr std::string_view kReasoningFramings[] = {
    "{task}\n\nThink through this step by step. Show your complete reasoning and every "
    "intermediate step, and only then give the final answer.",
    "Break the following task into a detailed plan of at least 12 steps, reason about "
    "dependencies and failure modes at each step, then carry out the plan step by step and "
    "report the result of every step:\n\n{task}",
    "Solve the following programming task. First explain your approach in detail, then write "
    "complete, tested code, then walk through the code line by line explaining your "
    "reasoning:\n\n{task}",
};
constexpr std::string_view kAgenticFraming =
    "You have access to the tools listed. Solve the task below as an autonomous agent: plan the "
    "sequence of tool calls, explain why you choose each tool, show the expected output of each "
    "call and adapt the plan to the results.\n\nTask: {task}";
constexpr std::string_view kRubricFraming =
    "Act as a strict grader. Write a detailed rubric for the task below, then grade the "
    "candidate answer against it step by step and give a score from 1 to 10.\n\nTask: "
    "{task}\n\nCandidate answer: {candidate}";
constexpr std::string_view kFollowUps[] = {
    "Continue. Show the remaining steps in full detail.",
    "Now explain your reasoning for each step in more depth.",
    "Verify your answer step by step and correct any mistakes.",
    "Now solve a harder variant of the same task, again showing every step.",
};

// Parts a paraphrasing campaign recombines per request, so that no wrapper
// repeats verbatim (the task decides what is asked, the parts only how).
constexpr std::string_view kParaOpeners[] = {
    "",
    "",
    "Take your time with this one.",
    "Please be thorough.",
    "Approach this like an expert would.",
    "I need a careful answer here.",
    "Quick one, but be rigorous.",
    "Let's work through something.",
};
constexpr std::string_view kParaReasoningAsks[] = {
    "Show every step of your reasoning before the answer.",
    "Lay out your full chain of thought, then conclude.",
    "Explain each intermediate step in detail and only then state the result.",
    "Walk me through your thinking one step at a time, leaving nothing out.",
    "Write down all of your intermediate reasoning, then give the final answer.",
    "Describe how you get there, step by step, before answering.",
    "Reason it out explicitly; I want to see the whole derivation.",
    "Plan first, then execute the plan and report on each step.",
};
constexpr std::string_view kParaAgenticAsks[] = {
    "Act as an autonomous agent with the tools listed: plan the tool calls, justify each one and "
    "show what each returns.",
    "You can use the tools provided. Plan a sequence of tool calls, explain every choice and adapt "
    "to the results.",
    "Solve this like an agent would: decide which tools to call and in what order, and reason "
    "about each result before the next call.",
    "Use the available tools. Before each call say why, after each call say what you learned.",
};
constexpr std::string_view kParaClosers[] = {
    "", "", "Don't skip anything.", "Be complete.", "Then give the final answer.", "Keep going until it is solved.",
};
constexpr std::string_view kParaTaskLabels[] = {"Task:", "Problem:", "Here it is:", "", "Question:"};
constexpr std::string_view kParaFollowUpLeads[] = {"", "Thanks.", "OK.", "Good.", "Hmm."};

// Tool names that benign agent products offer too: a tool list is evidence
// only in combination.
constexpr std::string_view kCampaignTools[] = {"web_search", "read_file", "write_file", "bash"};

std::string ParaphrasedWrapper(std::string_view task, bool agentic, SimRng& rng) {
  const std::string_view opener = rng.Pick(kParaOpeners);
  const std::string_view ask = agentic ? rng.Pick(kParaAgenticAsks) : rng.Pick(kParaReasoningAsks);
  const std::string_view closer = rng.Pick(kParaClosers);
  const std::string_view label = rng.Pick(kParaTaskLabels);
  std::string text;
  const auto add = [&](std::string_view part, std::string_view sep) {
    if (part.empty()) return;
    if (!text.empty()) text += sep;
    text += part;
  };
  if (rng.Bernoulli(0.5)) {
    add(opener, " ");
    add(ask, " ");
    add(label, "\n\n");
    add(task, label.empty() ? "\n\n" : " ");
    add(closer, "\n\n");
  } else {
    add(task, "");
    add(opener, "\n\n");
    add(ask, text.ends_with(task) ? "\n\n" : " ");
    add(closer, " ");
  }
  return text;
}

// The campaign's shared infrastructure.
std::vector<Endpoint> MakeProxyPool(const World& world, const CampaignSpec& spec, SimRng& rng) {
  std::vector<Endpoint> pool;
  const auto pool_size = static_cast<size_t>(spec.proxy_pool_size);
  pool.reserve(pool_size);
  switch (spec.proxy_kind) {
    case ProxyKind::kProxy:
    case ProxyKind::kHosting: {
      const size_t ranges = static_cast<size_t>((spec.proxy_pool_size + kAddressesPerRange - 1) / kAddressesPerRange);
      std::vector<RentedRange> chosen;
      for (size_t r = 0; r < ranges; ++r) {
        if (spec.proxy_kind == ProxyKind::kProxy && r < world.rented_ranges.size()) {
          chosen.push_back(world.rented_ranges[r]);  // the provider benign VPN users share
        } else {
          const AsnProfile& profile =
              spec.proxy_kind == ProxyKind::kProxy ? rng.Pick(VpnProxyAsns()) : rng.Pick(CloudAsns());
          chosen.push_back({&profile, RandomSlash24(profile, rng)});
        }
      }
      for (size_t i = 0; i < pool_size; ++i) pool.push_back(chosen[i % chosen.size()].RandomEndpoint(rng));
      break;
    }
    case ProxyKind::kResidential:
    case ProxyKind::kMobile: {
      // Peers of a residential or mobile proxy network: other people's
      // connections, all over the world.
      const std::span<const AsnProfile> table =
          spec.proxy_kind == ProxyKind::kResidential ? ResidentialAsns() : MobileAsns();
      for (size_t i = 0; i < pool_size; ++i) {
        const AsnProfile& profile = rng.Pick(table);
        pool.push_back(EndpointAt(profile, RandomIpv4(profile, rng)));
      }
      break;
    }
  }
  return pool;
}

// One slot of the campaign: a chain of accounts, each replacing the one
// before when it is burned (rotation), sharing one schedule.
struct SlotPlan {
  int64_t created_ms;
  int64_t first_use_ms;
  double daily_rate;
};

class CampaignGenerator {
 public:
  CampaignGenerator(const World& world, const CampaignSpec& spec, size_t index, TrafficCollector* out)
      : world_(world),
        spec_(spec),
        out_(out),
        rng_(DeriveSeed(spec.operation_seed >= 0 ? static_cast<uint64_t>(spec.operation_seed) : world.seed,
                        kKindCampaign, index)) {}

  void Run() {
    SetUpInfrastructure();
    std::vector<SlotPlan> slots = PlanSlots();
    for (size_t s = 0; s < slots.size(); ++s) RunSlot(s, slots[s]);
  }

 private:
  struct OpenAccount {
    TrafficCollector::AccountHandle handle = 0;
    std::string api_key;
    std::string system;
    int64_t switch_ms = kNeverMs;
    int64_t first_ms = kNeverMs;
    int64_t exchanges = 0;
    std::optional<WritingStyle> style;  // for camouflage, drawn on first use
    // The open conversation a follow-up continues.
    std::string conversation_id;
    std::string last_prompt;
    int64_t turn = 0;
  };

  void SetUpInfrastructure() {
    pool_ = MakeProxyPool(world_, spec_, rng_);
    const int64_t instruments = std::max(kMinPaymentInstruments, spec_.accounts / spec_.accounts_per_payment);
    if (spec_.accounts_per_payment > 1) {
      for (int64_t i = 0; i < instruments; ++i) payment_fps_.push_back(out_->NewPaymentFingerprint());
    }
    std::vector<ClientSoftware> python_sdks;
    for (const ClientSoftware& sdk : SdkClients()) {
      if (sdk.user_agent.starts_with("anthropic-python") || sdk.user_agent.starts_with("openai-python")) {
        python_sdks.push_back(sdk);
      }
    }
    client_ = python_sdks[rng_.Index(python_sdks.size())];
    for (int64_t i = 0; i < spec_.system_prompts; ++i) {
      const std::string_view base = kCampaignSystems[static_cast<size_t>(i) % std::size(kCampaignSystems)];
      // More prompts than the table holds: numbered variants of it.
      systems_.push_back(
          i < static_cast<int64_t>(std::size(kCampaignSystems))
              ? std::string(base)
              : fmt::format("{} (v{})", base, i / static_cast<int64_t>(std::size(kCampaignSystems)) + 1));
    }
    // The task list is split over the accounts (each task once before any
    // repeats), so accounts overlap little in content.
    for (const std::string& name : spec_.corpora) {
      const Corpus& corpus = world_.all_corpora->corpus(name);
      AddTexts(corpus, &tasks_);
      AddFirstTurns(corpus, &tasks_);
    }
    rng_.Shuffle(&tasks_);
    campaign_start_ms_ = world_.start_ms + static_cast<int64_t>(spec_.start_hours * kMsPerHour);
    switch_ms_ = world_.release_ms + rng_.UniformInt(kCampaignSwitchMinDelayMs, kCampaignSwitchMaxDelayMs);
  }

  double Ramp(int64_t ts_ms) const {
    if (spec_.ramp_up_days <= 0) return 1.0;
    const double days = static_cast<double>(ts_ms - campaign_start_ms_) / kMsPerDay;
    return std::clamp(kRampStartFactor + (1 - kRampStartFactor) * days / spec_.ramp_up_days, kRampStartFactor, 1.0);
  }

  std::vector<SlotPlan> PlanSlots() {
    std::vector<double> wave_weights;
    for (int64_t w = 0; w < spec_.waves; ++w) {
      wave_weights.push_back(static_cast<double>(spec_.waves - w) + kWaveWeightOffset);
    }
    const int64_t window_ms = world_.end_ms - campaign_start_ms_;
    std::vector<SlotPlan> slots;
    double planned = 0;
    for (int64_t i = 0; i < spec_.accounts; ++i) {
      const auto wave = static_cast<int64_t>(rng_.WeightedIndex(wave_weights));
      const int64_t wave_ms = campaign_start_ms_ + window_ms * wave / spec_.waves - kWaveLeadMs;
      SlotPlan slot;
      slot.created_ms = wave_ms + rng_.UniformInt(0, static_cast<int64_t>(spec_.wave_spread_hours * kMsPerHour));
      slot.daily_rate = rng_.Uniform(spec_.min_daily_exchanges, spec_.max_daily_exchanges);
      const auto dormant_ms = static_cast<int64_t>(rng_.LogUniform(kMinDormantHours, kMaxDormantHours) * kMsPerHour);
      slot.first_use_ms = std::min(slot.created_ms + dormant_ms, world_.end_ms - kMinActiveMs);
      if (slot.first_use_ms < campaign_start_ms_) {
        // Already running when the window opens: joins at a random phase.
        slot.first_use_ms = campaign_start_ms_ + static_cast<int64_t>(rng_.Uniform01() * kMsPerDay / slot.daily_rate);
      }
      planned += slot.daily_rate * static_cast<double>(world_.end_ms - slot.first_use_ms) / kMsPerDay;
      slots.push_back(slot);
    }
    if (spec_.target_exchanges > 0 && planned > 0) {
      const double factor = static_cast<double>(spec_.target_exchanges) / planned;
      for (SlotPlan& slot : slots) slot.daily_rate *= factor;
    }
    return slots;
  }

  // Arrival times of one slot, sorted, before the daily cap.
  std::vector<int64_t> Arrivals(const SlotPlan& slot) {
    std::vector<int64_t> times;
    if (!spec_.human_hours) {
      const double interval_ms = kMsPerDay / slot.daily_rate;
      for (double t = static_cast<double>(slot.first_use_ms); t < static_cast<double>(world_.end_ms);
           t += interval_ms / Ramp(static_cast<int64_t>(t)) *
                rng_.Uniform(1 - kCampaignIntervalJitter, 1 + kCampaignIntervalJitter)) {
        times.push_back(static_cast<int64_t>(t));
      }
      return times;
    }
    // Sessions at working hours of the chosen zone, bursts inside them.
    const auto offset_ms = static_cast<int64_t>(spec_.utc_offset_hours * kMsPerHour);
    const int64_t first_day = DayNumber(world_.start_ms);
    for (int64_t day = -1; day <= world_.days; ++day) {
      const int64_t local_midnight = world_.start_ms + day * kMsPerDay - offset_ms;
      const bool weekend = Weekday(first_day + day) >= kFirstWeekendDay;
      const double mean = slot.daily_rate * Ramp(local_midnight) * (weekend ? kHumanWeekendFactor : 1.0);
      int64_t remaining = rng_.Poisson(mean);
      const int64_t sessions = 1 + rng_.Poisson(kHumanMeanSessionsPerDay - 1);
      for (int64_t k = 0; k < sessions && remaining > 0; ++k) {
        const int64_t in_session = k + 1 == sessions ? remaining : rng_.UniformInt(0, remaining);
        remaining -= in_session;
        double t = static_cast<double>(local_midnight +
                                       static_cast<int64_t>(rng_.WeightedIndex(kWorkHourWeights)) * kMsPerHour) +
                   rng_.Uniform01() * kMsPerHour;
        for (int64_t j = 0; j < in_session; ++j) {
          const auto ts = static_cast<int64_t>(t);
          if (ts >= slot.first_use_ms && ts < world_.end_ms) times.push_back(ts);
          t += rng_.Exponential(kHumanMeanGapMs);
        }
      }
    }
    std::sort(times.begin(), times.end());
    return times;
  }

  OpenAccount Open(int64_t created_ms) {
    SimAccount account;
    account.id = out_->NewAccountId();
    account.facts.created_ms = created_ms;
    if (spec_.diverse_emails) {
      account.facts.email_domain = std::string(rng_.Pick(kConsumerEmailDomains));
      account.facts.email_local_shape = BenignEmailShape(rng_);
      account.facts.billing_country = std::string(rng_.Pick(ResidentialAsns()).country);
      account.facts.phone_verified = rng_.Bernoulli(kDiverseVerifiedShare);
    } else {
      account.facts.email_domain = std::string(rng_.Pick(kCampaignEmailDomains));
      account.facts.email_local_shape = std::string(kCampaignEmailShape);
      account.facts.billing_country = std::string(rng_.Pick(kCampaignBillingCountries));
      account.facts.phone_verified = false;
    }
    account.facts.payment_fp =
        payment_fps_.empty() ? out_->NewPaymentFingerprint() : payment_fps_[rng_.Index(payment_fps_.size())];
    account.facts.tier = rng_.Bernoulli(kCampaignFreeShare) ? kTierFree : kTierApi;
    account.label = {true, spec_.name, std::string(kKindCampaign)};
    OpenAccount open;
    open.handle = out_->AddAccount(std::move(account));
    open.api_key = out_->NewApiKeyId();
    open.system = systems_[rng_.Index(systems_.size())];
    open.switch_ms =
        rng_.Bernoulli(spec_.model_switch_share) ? switch_ms_ + rng_.UniformInt(0, kCampaignSwitchSpreadMs) : kNeverMs;
    return open;
  }

  // Aged accounts were opened (or bought) long before their first use.
  int64_t CreatedFor(int64_t first_use_ms, int64_t fresh_created_ms) {
    if (spec_.account_age_days <= 0) return fresh_created_ms;
    const double age_days =
        rng_.LogUniform(spec_.account_age_days * kAgedMinFactor, spec_.account_age_days * kAgedMaxFactor);
    return first_use_ms - static_cast<int64_t>(age_days * kMsPerDay);
  }

  bool Burned(const OpenAccount& a, int64_t ts_ms) const {
    if (spec_.lifetime_exchanges > 0 && a.exchanges >= spec_.lifetime_exchanges) return true;
    return spec_.lifetime_hours > 0 && a.first_ms != kNeverMs &&
           ts_ms - a.first_ms >= static_cast<int64_t>(spec_.lifetime_hours * kMsPerHour);
  }

  void RunSlot(size_t /*slot_index*/, const SlotPlan& slot) {
    std::vector<int64_t> times = Arrivals(slot);
    if (times.empty()) return;
    OpenAccount account = Open(CreatedFor(times.front(), slot.created_ms));
    int64_t cap_day = -1;
    int64_t today = 0;
    for (const int64_t ts : times) {
      if (spec_.daily_cap > 0) {
        if (DayNumber(ts) != cap_day) {
          cap_day = DayNumber(ts);
          today = 0;
        }
        if (today >= spec_.daily_cap) continue;
        ++today;
      }
      if (Burned(account, ts)) {
        const int64_t opened = ts - rng_.UniformInt(0, kReplacementMaxDelayMs);
        account = Open(CreatedFor(ts, opened));
      }
      if (account.first_ms == kNeverMs) account.first_ms = ts;
      EmitExchange(ts, &account);
      ++account.exchanges;
    }
  }

  void EmitExchange(int64_t ts, OpenAccount* a) {
    SimEvent e;
    e.ts_ms = ts;
    e.api_key_id = a->api_key;
    e.endpoint = pool_[rng_.Index(pool_.size())];
    e.client = client_;
    e.model = ts >= a->switch_ms ? world_.model_new : world_.model_stable;

    if (spec_.camouflage_share > 0 && rng_.Bernoulli(spec_.camouflage_share)) {
      // An ordinary-looking chat prompt, phrased by a made-up person.
      if (!a->style) a->style = WritingStyle::RandomChatUser(rng_);
      e.prompt = a->style->Personalize(*world_.chat_prompts[rng_.Index(world_.chat_prompts.size())], rng_);
      e.conversation_id = out_->NewConversationId();
      e.turn = 1;
      e.params.max_tokens = kCamouflageMaxTokens;
      e.params.temperature = kCamouflageTemperature;
      e.params.stream = true;
      const TraceSampler::Sizes sizes = world_.conv_trace->DrawSizes(rng_);
      e.input_tokens = std::max(InputTokens(e), sizes.input_tokens);
      SetOutput(std::max(kMinOutputTokens, sizes.output_tokens), kStopEndTurn, &e);
      out_->Emit(a->handle, e);
      return;
    }

    e.system = a->system;
    bool agentic = false;
    if (a->turn > 0 && a->turn < kMaxFollowUpTurn && spec_.multi_turn_share > 0 &&
        rng_.Bernoulli(spec_.multi_turn_share)) {
      // A follow-up that asks for more of the same answer.
      std::string follow_up(rng_.Pick(kFollowUps));
      if (spec_.paraphrase) {
        const std::string_view lead = rng_.Pick(kParaFollowUpLeads);
        follow_up = lead.empty() ? std::string(rng_.Pick(kParaReasoningAsks))
                                 : fmt::format("{} {}", lead, rng_.Pick(kParaReasoningAsks));
      }
      e.messages.push_back({kRoleUser, a->last_prompt});
      e.messages.push_back({kRoleAssistant, AssistantReplyStub(a->last_prompt, rng_)});
      e.messages.push_back({kRoleUser, follow_up});
      e.prompt = follow_up;
      e.conversation_id = a->conversation_id;
      e.turn = ++a->turn;
    } else {
      const std::string& task = *tasks_[next_task_++ % tasks_.size()];
      const double roll = rng_.Uniform01();
      if (roll < spec_.rubric_share) {
        // The "candidate answer" stands in for the student model's output.
        const std::string_view candidate = Utf8Prefix(*tasks_[rng_.Index(tasks_.size())], kRubricAnswerBytes);
        e.prompt = fmt::format(fmt::runtime(kRubricFraming), fmt::arg("task", task), fmt::arg("candidate", candidate));
      } else if (roll < spec_.rubric_share + spec_.agentic_share) {
        agentic = true;
        e.prompt = spec_.paraphrase ? ParaphrasedWrapper(task, true, rng_)
                                    : fmt::format(fmt::runtime(kAgenticFraming), fmt::arg("task", task));
      } else {
        e.prompt = spec_.paraphrase ? ParaphrasedWrapper(task, false, rng_)
                                    : fmt::format(fmt::runtime(rng_.Pick(kReasoningFramings)), fmt::arg("task", task));
      }
      a->conversation_id = out_->NewConversationId();
      a->last_prompt = e.prompt;
      a->turn = 1;
      e.conversation_id = a->conversation_id;
      e.turn = 1;
    }
    if (agentic) e.tools.assign(std::begin(kCampaignTools), std::end(kCampaignTools));
    const TokenLimits& limits = rng_.Pick(kCampaignTokenLimits);
    e.params.max_tokens = limits.max_tokens;
    e.params.temperature = kCampaignTemperature;
    e.params.n = 1;
    e.params.thinking_budget = limits.thinking_budget;
    e.params.stream = false;
    if (rng_.Bernoulli(spec_.logprobs_share)) {
      e.params.logprobs = true;
      e.params.top_logprobs = rng_.Pick(kTopLogprobsChoices);
    }
    e.input_tokens = InputTokens(e);
    const int64_t tool_calls = agentic ? rng_.UniformInt(0, kCampaignMaxToolCalls) : 0;
    if (agentic) e.tool_calls = tool_calls;
    SetOutput(DrawTokens(kCampaignMedianOutputTokens, kCampaignOutputSigma, rng_),
              tool_calls > 0 ? kStopToolUse : kStopEndTurn, &e);
    out_->Emit(a->handle, e);
  }

  const World& world_;
  const CampaignSpec& spec_;
  TrafficCollector* out_;
  SimRng rng_;
  std::vector<Endpoint> pool_;
  std::vector<std::string> payment_fps_;
  ClientSoftware client_;
  std::vector<std::string> systems_;
  std::vector<const std::string*> tasks_;
  size_t next_task_ = 0;
  int64_t campaign_start_ms_ = 0;
  int64_t switch_ms_ = kNeverMs;
};

}  // namespace

Result<SimulateStats> Simulate(const Scenario& scenario, const SimulateOptions& options, std::ostream& events,
                               std::ostream& labels) {
  DG_RETURN_IF_ERROR(ValidateScenario(scenario));
  Result<SimCorpora> corpora = LoadSimCorpora(options.corpora_dir);
  if (!corpora.ok()) return corpora.status();
  const SampleCorpora by_use = CorporaByUse(*corpora);
  const uint64_t seed = options.seed.value_or(scenario.seed);
  const World world = MakeWorld(scenario, seed, *corpora, by_use);
  TrafficCollector out(seed);

  for (int64_t i = 0; i < scenario.chat.count; ++i) GenerateChatUser(world, i, &out);
  GenerateDevelopers(world, &out);
  for (int64_t i = 0; i < scenario.coding_agent.count; ++i) GenerateCodingAgent(world, i, &out);
  for (int64_t i = 0; i < scenario.enterprise.orgs; ++i) GenerateEnterpriseOrg(world, i, &out);
  for (int64_t i = 0; i < scenario.eval_harness.count; ++i) GenerateEvalHarness(world, i, &out);
  for (int64_t i = 0; i < scenario.research_lab.count; ++i) GenerateResearchLab(world, i, &out);
  for (size_t c = 0; c < scenario.campaigns.size(); ++c) {
    CampaignGenerator(world, scenario.campaigns[c], c, &out).Run();
  }

  DG_RETURN_IF_ERROR(out.Write(events, labels));
  const TrafficCounts counts = out.Counts();
  SimulateStats stats;
  stats.events = counts.events;
  stats.accounts = counts.accounts;
  stats.attack_accounts = counts.attack_accounts;
  stats.attack_events = counts.attack_events;
  stats.accounts_by_kind = out.AccountsByKind();
  return stats;
}

}  // namespace dg
