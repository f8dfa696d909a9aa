// Generation throughput of the scenario simulator (sim/scenario.h): events
// per second for the naive-hydra scenario of scenarios/ and for the
// all-knobs 25k-shape scenario scaled to a tenth. Target: >= 200k events/s.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "sim/scenario.h"

namespace dg {
namespace {

void BM_Simulate(benchmark::State& state, const char* file, double scale) {
  Result<Scenario> scenario = LoadScenarioFile(std::string(DG_SOURCE_DIR) + "/scenarios/" + file);
  if (!scenario.ok()) {
    state.SkipWithError(scenario.status().message().c_str());
    return;
  }
  const Scenario scaled = ScaleScenario(*scenario, scale);
  int64_t events = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    // Into files, as `distillguard simulate` writes them (an ostringstream
    // would mostly measure its own reallocations).
    std::ofstream out("/dev/null", std::ios::binary);
    std::ofstream labels("/dev/null", std::ios::binary);
    Result<SimulateStats> stats = Simulate(scaled, SimulateOptions{}, out, labels);
    if (!stats.ok()) {
      state.SkipWithError(stats.status().message().c_str());
      return;
    }
    events += stats->events;
    bytes += static_cast<int64_t>(out.tellp());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(bytes);
}

BENCHMARK_CAPTURE(BM_Simulate, naive_hydra, "naive_hydra.toml", 1.0)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Simulate, all_knobs_25k_tenth, "all_knobs_25k.toml", 0.1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Simulate, benign_heavy_enterprise, "benign_heavy_enterprise.toml", 1.0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace dg
