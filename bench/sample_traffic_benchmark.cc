// Generation throughput of the embedded sample traffic (sim/sample_traffic.h)
// in events per second, at the default size and at larger scales. The output
// goes to a sink that discards it, so the figure is the generator's own cost
// (ordering and serialising included), not the disk's.
#include <benchmark/benchmark.h>

#include <ostream>
#include <streambuf>

#include "sim/sample_traffic.h"

namespace dg {
namespace {

// A streambuf that accepts and drops everything.
class DiscardBuffer : public std::streambuf {
 protected:
  std::streamsize xsputn(const char* /*data*/, std::streamsize count) override { return count; }
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
};

// Arg: population scale (1 = the default sample, ~40k events over 3 days).
void BM_WriteSampleTraffic(benchmark::State& state) {
  SampleTrafficOptions options;
  options.scale = static_cast<double>(state.range(0));
  DiscardBuffer discard;
  std::ostream events(&discard);
  std::ostream labels(&discard);
  int64_t generated = 0;
  for (auto _ : state) {
    Result<SampleTrafficStats> stats = WriteSampleTraffic(options, events, labels);
    if (!stats.ok()) {
      state.SkipWithError(stats.status().message().c_str());
      return;
    }
    generated += stats->events;
  }
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(generated), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(generated) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WriteSampleTraffic)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace dg
