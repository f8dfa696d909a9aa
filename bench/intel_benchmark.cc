// IntelIndex::Match per exchange: the cost scan --intel adds to every event.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <random>
#include <string>

#include "intel/bundle.h"
#include "intel/hmac.h"
#include "intel/index.h"

namespace dg {
namespace {

constexpr char kKey[] = "benchmark-shared-key-0123";

// A bundle of `n` IP indicators, n/10 /24 prefixes, 50 ASNs, 50 agents,
// n/100 payment hashes and 20 template sketches.
std::string SyntheticBundle(int n) {
  std::string objects;
  int id = 0;
  auto add = [&](const std::string& pattern_type, const std::string& pattern, const std::string& ext) {
    if (!objects.empty()) objects += ",";
    objects += fmt::format(R"({{"type": "indicator", "id": "indicator--{:08x}-0000-4000-8000-000000000000",
        "pattern_type": "{}", "pattern": "{}", "valid_from": "2026-01-01T00:00:00.000Z"{}}})",
                           id++, pattern_type, pattern, ext);
  };
  const std::string ext_prefix = R"(, "extensions": {"extension-definition--8c1e6a6e-4f0b-4c59-9a43-5b2a1b0d6f7e": )"
                                 R"({"extension_type": "property-extension", )";
  for (int i = 0; i < n; ++i)
    add("stix", fmt::format("[ipv4-addr:value = '10.{}.{}.{}']", i >> 16 & 255, i >> 8 & 255, i & 255), "");
  for (int i = 0; i < n / 10; ++i)
    add("stix", fmt::format("[ipv4-addr:value ISSUBSET '172.{}.{}.0/24']", i >> 8 & 255, i & 255), "");
  for (int i = 0; i < 50; ++i) add("stix", fmt::format("[autonomous-system:number = {}]", 64500 + i), "");
  for (int i = 0; i < n / 100; ++i) {
    add("distillguard", "payment_fp_hmac = 'x'",
        ext_prefix + R"("indicator_kind": "payment_fp_hmac", "hmac_sha256": ")" +
            HmacSha256Hex(kKey, PaymentFpMessage("pm_" + std::to_string(i))) + "\"}}");
  }
  std::mt19937 rng(7);
  for (int t = 0; t < 20; ++t) {
    std::string hashes;
    for (int i = 0; i < 64; ++i) hashes += (i ? "," : "") + std::to_string(rng());
    add("distillguard", "template_sketch = 'x'",
        ext_prefix + R"("indicator_kind": "template_sketch", "minhash": [)" + hashes + "]}}");
  }
  return R"({"type": "bundle", "id": "bundle--6f1c1d9e-2b7a-4c3e-9f1a-0d2e3c4b5a69", "objects": [)" + objects + "]}";
}

void BM_IntelMatch(benchmark::State& state) {
  auto bundle = ParseIntelBundle(SyntheticBundle(static_cast<int>(state.range(0))), "bench.json");
  if (!bundle.ok()) {
    state.SkipWithError(bundle.status().message().c_str());
    return;
  }
  IntelIndex index(kKey);
  index.Add(*bundle);
  std::mt19937 rng(1);
  std::vector<Event> events(4096);
  for (auto& e : events) {
    e.ts_ms = 1'780'000'000'000;
    e.ip = fmt::format("{}.{}.{}.{}", 10 + rng() % 200, rng() % 256, rng() % 256, rng() % 256);
    e.asn = 64000 + static_cast<int64_t>(rng() % 1000);
    e.user_agent = "python-httpx/0.27";
    e.client_fp = "t13d1516h2_8daaf6152771_02713d6af862";
    e.has_account = rng() % 20 == 0;  // sign-up facts on one line in 20
    e.account.payment_fp = "pm_" + std::to_string(rng() % 100000);
  }
  IntelSketch sketch;
  for (auto& v : sketch) v = rng();
  const bool with_sketch = state.range(1) != 0;
  size_t i = 0, hits = 0;
  for (auto _ : state) {
    hits += index.Match(events[i++ & 4095], with_sketch ? &sketch : nullptr).size();
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations());
  state.counters["indicators"] = static_cast<double>(index.indicator_count());
}
BENCHMARK(BM_IntelMatch)->Args({1000, 0})->Args({100000, 0})->Args({100000, 1});

}  // namespace
}  // namespace dg
