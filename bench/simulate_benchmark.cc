// Generation throughput of the scenario simulator (sim/scenario.h): events
// per second for the naive-hydra scenario of scenarios/ and for the
// all-knobs 25k-shape scenario scaled to a tenth. Target: >= 200k events/s.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <ostream>
#include <streambuf>
#include <string>

#include "sim/scenario.h"

namespace dg {
namespace {

// Passes everything on to a file and counts the bytes (tellp() on /dev/null
// reports 0, so it cannot give the output size).
class CountingBuf : public std::streambuf {
 public:
  explicit CountingBuf(std::streambuf* sink) : sink_(sink) {}
  int64_t bytes() const { return bytes_; }

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const std::streamsize written = sink_->sputn(s, n);
    bytes_ += written;
    return written;
  }
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    ++bytes_;
    return sink_->sputc(traits_type::to_char_type(c));
  }
  int sync() override { return sink_->pubsync(); }

 private:
  std::streambuf* sink_;
  int64_t bytes_ = 0;
};

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
    std::ofstream null_file("/dev/null", std::ios::binary);
    CountingBuf counter(null_file.rdbuf());
    std::ostream out(&counter);
    std::ofstream labels("/dev/null", std::ios::binary);
    Result<SimulateStats> stats = Simulate(scaled, SimulateOptions{}, out, labels);
    if (!stats.ok()) {
      state.SkipWithError(stats.status().message().c_str());
      return;
    }
    events += stats->events;
    bytes += counter.bytes();
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
