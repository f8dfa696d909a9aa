// Hot paths of the scan, one at a time: decoding a line (simdjson DOM, as
// used, and on-demand for comparison), updating an account's state and
// scoring it, and the whole engine step (classify + features + score).
// Lines are ~1 KB exchanges shaped like the contract's events.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <random>
#include <string>
#include <vector>

#include "features/account_state.h"
#include "ingest/decoder.h"
#include "pipeline/engine.h"
#include "scoring/scorer.h"

namespace dg {
namespace {

constexpr int kLines = 4096;
constexpr int kAccounts = 1000;
constexpr size_t kPromptBytes = 700;

std::vector<std::string> MakeLines() {
  std::mt19937_64 rng(7);
  const char* words[] = {"write",   "a",     "function", "that",   "sorts",   "the",   "list",
                         "explain", "why",   "step",     "python", "returns", "value", "careful",
                         "data",    "model", "think",    "answer", "user",    "test"};
  std::vector<std::string> lines;
  for (int i = 0; i < kLines; ++i) {
    std::string prompt;
    while (prompt.size() < kPromptBytes) {
      prompt += words[rng() % std::size(words)];
      prompt += ' ';
    }
    lines.push_back(
        R"({"ts":"2026-04-22T10:)" + std::to_string(10 + i % 50) + ":" + std::to_string(10 + i % 50) +
        R"(.125Z","request_id":"req-)" + std::to_string(i) + R"(","account_id":"acct_)" +
        std::to_string(i % kAccounts) + R"(","org_id":"org_1","api_key_id":"key_9","ip":"203.0.113.)" +
        std::to_string(i % 250) +
        R"(","asn":64500,"ip_type":"hosting","country":"SG","user_agent":"python-sdk/1.2","client_fp":"t13d1516h2",)"
        R"("model":"model-x","system":"You are helpful.","prompt":")" +
        prompt +
        R"(","conversation_id":"c1","turn":1,"tools":["bash"],"tool_calls":0,)"
        R"("params":{"max_tokens":16000,"temperature":0.7,"logprobs":false,"thinking_budget":4096},)"
        R"("input_tokens":180,"output_tokens":900,"stop_reason":"end_turn"})");
    lines.back().reserve(lines.back().size() + simdjson::SIMDJSON_PADDING);
  }
  return lines;
}

const std::vector<std::string>& Lines() {
  static const auto* lines = new std::vector<std::string>(MakeLines());
  return *lines;
}

std::vector<Event> DecodeAll() {
  EventDecoder decoder;
  std::vector<Event> events(Lines().size());
  for (size_t i = 0; i < Lines().size(); ++i) {
    std::string padded = Lines()[i] + std::string(simdjson::SIMDJSON_PADDING, ' ');
    if (!decoder.Decode(std::string_view(padded.data(), Lines()[i].size()), &events[i]).ok()) std::abort();
  }
  return events;
}

void BM_DecodeDom(benchmark::State& state) {
  std::vector<std::string> padded;
  for (const auto& l : Lines()) padded.push_back(l + std::string(simdjson::SIMDJSON_PADDING, ' '));
  EventDecoder decoder;
  Event event;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto& l = Lines()[i];
    benchmark::DoNotOptimize(decoder.Decode(std::string_view(padded[i].data(), l.size()), &event).ok());
    bytes += l.size();
    i = (i + 1) % Lines().size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeDom);

// On-demand: touches every field as the decoder would, without validation
// of skipped values (the reason the decoder uses DOM).
void BM_ParseOnDemandAllFields(benchmark::State& state) {
  std::vector<simdjson::padded_string> padded;
  for (const auto& l : Lines()) padded.emplace_back(l);
  simdjson::ondemand::parser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    auto doc = parser.iterate(padded[i]);
    size_t fields = 0;
    for (auto field : doc.get_object()) {
      std::string_view key;
      if (field.unescaped_key().get(key) == simdjson::SUCCESS) ++fields;
      simdjson::ondemand::value v = field.value();
      simdjson::ondemand::json_type type;
      if (v.type().get(type) == simdjson::SUCCESS && type == simdjson::ondemand::json_type::string) {
        std::string_view text;
        if (v.get_string().get(text) == simdjson::SUCCESS) fields += text.size();
      }
    }
    benchmark::DoNotOptimize(fields);
    bytes += Lines()[i].size();
    i = (i + 1) % Lines().size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseOnDemandAllFields);

void BM_FeatureUpdateAndScore(benchmark::State& state) {
  const auto events = DecodeAll();
  std::vector<AccountState> accounts(kAccounts);
  const Scorer scorer{ScoringWeights{}};
  PromptClass pc;
  pc.capability = Capability::kSoftwareEngineering;
  size_t i = 0;
  for (auto _ : state) {
    const Event& e = events[i];
    AccountState& s = accounts[i % kAccounts];
    s.ObserveRequest(e, pc);
    benchmark::DoNotOptimize(scorer.Score(s.Summary(e.ts_ms)));
    s.ObserveResponse(e);
    i = (i + 1) % events.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FeatureUpdateAndScore);

void BM_EngineProcess(benchmark::State& state) {
  const auto events = DecodeAll();
  auto engine = Engine::Create(EngineConfig{});
  if (!engine.ok()) std::abort();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize((*engine)->Process(events[i]).score);
    bytes += events[i].line_bytes;
    i = (i + 1) % events.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EngineProcess);

void BM_AccountStateBytes(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(sizeof(AccountState));
  state.counters["bytes_per_account_state"] = static_cast<double>(sizeof(AccountState));
  state.counters["bytes_per_account_record"] = static_cast<double>(sizeof(AccountRecord));
}
BENCHMARK(BM_AccountStateBytes);

}  // namespace
}  // namespace dg
