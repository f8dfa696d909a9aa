// Hot paths of the linkage stage: the template sketch (masking, shingling,
// one-permutation MinHash) per KB of prompt, the LSH band keys, key
// extraction for one exchange, and Linker::Observe (index inserts and
// lookups, pair evidence, union-find, rescoring) on a stream where many
// accounts share values and a campaign grows.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

#include "linkage/link_keys.h"
#include "linkage/linker.h"
#include "sketch/minhash.h"

namespace dg {
namespace {

std::string Prose(size_t bytes, uint64_t seed) {
  static const char* const kWords[] = {"write",   "a",     "function", "that",   "sorts",   "the",   "list",
                                       "explain", "why",   "step",     "python", "returns", "value", "careful",
                                       "data",    "model", "think",    "answer", "user",    "test",  "graph",
                                       "queue",   "cache", "proof",    "lemma"};
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < bytes) {
    s += kWords[rng() % std::size(kWords)];
    s += (rng() % 11 == 0) ? ". " : " ";
  }
  return s;
}

void BM_Sketch(benchmark::State& state) {
  const std::string text = Prose(static_cast<size_t>(state.range(0)), 1);
  TemplateSketch sketch;
  std::vector<uint64_t> scratch;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ComputeSketch(text, &sketch, &scratch));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::min(text.size(), kSketchMaxBytes)));
}
BENCHMARK(BM_Sketch)->Arg(1024)->Arg(8192);

void BM_BandKeys(benchmark::State& state) {
  TemplateSketch sketch;
  std::vector<uint64_t> scratch;
  ComputeSketch(Prose(1024, 2), &sketch, &scratch);
  for (auto _ : state) benchmark::DoNotOptimize(ComputeBandKeys(sketch));
}
BENCHMARK(BM_BandKeys);

Event MakeEvent(uint32_t account, int n, bool campaign, std::mt19937_64& rng) {
  Event e;
  e.ts_ms = 1'770'000'000'000 + n * 100;
  e.account_id = fmt::format("a{}", account);
  e.ip = fmt::format("10.{}.{}.{}", account % 200, rng() % 256, rng() % 256);
  e.ip_type = campaign ? IpType::kProxy : IpType::kResidential;
  e.asn = campaign ? 64501 : 64000 + static_cast<int64_t>(account % 50);
  e.client_fp = campaign ? "fp_script" : fmt::format("fp{}", account % 12);
  e.user_agent = campaign ? "script/1.0" : fmt::format("agent{}", account % 9);
  e.params.max_tokens = campaign ? 32000 : 1024;
  e.has_account = true;
  e.account.payment_fp = fmt::format("pm_{}", campaign ? account / 8 : account);
  e.account.created_ms = e.ts_ms - (campaign ? 3'600'000 : 86'400'000LL * (account % 400));
  e.system = campaign ? "You are an expert agent. Show all reasoning." : "";
  e.prompt = (campaign ? "Reason step by step and show every step before the answer. Task: " : "") + Prose(900, rng());
  return e;
}

// One exchange through the linker, on a stream of 20,000 accounts of which 5%
// belong to a campaign (the campaign is found and escalated along the way).
void BM_LinkerObserve(benchmark::State& state) {
  constexpr uint32_t kAccounts = 20'000;
  constexpr int kEvents = 50'000;
  std::mt19937_64 rng(3);
  std::vector<Event> events;
  events.reserve(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    const auto account = static_cast<uint32_t>(rng() % kAccounts);
    events.push_back(MakeEvent(account, i, account % 20 == 0, rng));
  }
  AccountSummary summary;
  summary.exchanges = 10;
  for (auto _ : state) {
    state.PauseTiming();
    Linker linker(LinkageConfig{}, PolicyConfig{});
    state.ResumeTiming();
    for (const Event& e : events) {
      const uint32_t account = static_cast<uint32_t>(std::stoul(e.account_id.substr(1)));
      benchmark::DoNotOptimize(linker.Observe(account, e, account % 20 == 0 ? 0.7 : 0.02, summary));
      benchmark::DoNotOptimize(linker.TakeEscalations());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kEvents);
}
BENCHMARK(BM_LinkerObserve)->Unit(benchmark::kMillisecond);

void BM_KeyExtraction(benchmark::State& state) {
  std::mt19937_64 rng(4);
  const Event e = MakeEvent(1, 1, true, rng);
  KeyExtractor extractor;
  for (auto _ : state) benchmark::DoNotOptimize(extractor.Extract(e).size());
}
BENCHMARK(BM_KeyExtraction);

}  // namespace
}  // namespace dg
