// Real LLM-serving traces (Azure LLM inference 2023, Mooncake/Kimi) as the
// simulator's source of token sizes and arrival burstiness.
//
// Part of the sim module, beside the prompt corpora (sim/corpus.h): the
// population generators draw (input, output) token pairs from a trace and
// scale its normalised inter-arrival gaps (gap / mean gap) to their own
// rates, so simulated sizes and bursts follow production data rather than a
// textbook distribution. Small contiguous samples (data/traces/) are compiled
// into the binary; the full traces can be read from disk.
//
// Formats: Azure CSV `TIMESTAMP,ContextTokens,GeneratedTokens` with
// timestamps "YYYY-MM-DD HH:MM:SS.fffffff" (UTC); Mooncake JSON Lines
// {"timestamp": ms, "input_length": n, "output_length": n, ...}. A record
// that does not parse is DataLoss with its line number.
//
// Thread-safety: a Trace is immutable after loading; TraceSampler is const
// and takes the SimRng per call, so one can be shared by several generators
// of one thread.
#ifndef DG_SIM_TRACES_H_
#define DG_SIM_TRACES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sim/random.h"

namespace dg {

enum class TraceFormat { kAzureCsv, kMooncakeJsonl };

struct TraceRecord {
  int64_t arrival_ms = 0;  // since the first record
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

struct Trace {
  std::string source;
  std::vector<TraceRecord> records;  // in arrival order
};

// Names of the embedded samples: "azure_conv", "azure_code", "mooncake".
const std::vector<std::string_view>& EmbeddedTraceNames();
TraceFormat EmbeddedTraceFormat(std::string_view name);

// NotFound for a name that is not embedded.
Result<Trace> LoadEmbeddedTrace(std::string_view name);
// NotFound when the file cannot be opened, IoError when reading fails,
// DataLoss for a bad record or a trace with fewer than two records.
Result<Trace> LoadTraceFile(const std::string& path, TraceFormat format);
Result<Trace> ParseTrace(std::string_view text, TraceFormat format, std::string_view source);

// Draws from one trace: empirical resampling of its records and gaps.
class TraceSampler {
 public:
  // `trace` must have at least two records (LoadTrace* guarantees it).
  explicit TraceSampler(const Trace& trace);

  struct Sizes {
    int64_t input_tokens;
    int64_t output_tokens;
  };
  // A real request's (input, output) token pair.
  Sizes DrawSizes(SimRng& rng) const;
  // A real inter-arrival gap divided by the trace's mean gap (mean 1): a
  // generator multiplies it by its own mean gap to keep the trace's burstiness.
  double DrawGapFactor(SimRng& rng) const;

  double mean_gap_ms() const { return mean_gap_ms_; }
  const Trace& trace() const { return *trace_; }

 private:
  const Trace* trace_;
  std::vector<double> gap_factors_;
  double mean_gap_ms_ = 0;
};

}  // namespace dg

#endif  // DG_SIM_TRACES_H_
