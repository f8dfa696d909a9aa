// SimRng: the simulator's only source of randomness, reproducible bit for bit
// from a seed on every platform.
//
// Sits under every generator of the sim module. std::mt19937_64 is fully
// specified by the standard, but the std distributions are not (libstdc++ and
// libc++ draw differently), and absl::BitGen is seeded nondeterministically,
// so the distributions are implemented here on top of the raw engine.
// DeriveSeed gives every account or actor its own stream, so adding a
// population or an event to one account does not reshuffle all the others.
//
// Thread-safety: a SimRng is not thread-safe; use one per generator.
#ifndef DG_SIM_RANDOM_H_
#define DG_SIM_RANDOM_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "common/check.h"
#include "common/hash.h"

namespace dg {

// A seed for the stream `stream` (e.g. "chat") and item `index` under the
// run's seed.
inline uint64_t DeriveSeed(uint64_t seed, std::string_view stream, uint64_t index = 0) {
  // Multiplying by an odd constant is a bijection, so distinct indexes give
  // distinct hash seeds.
  constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
  return Hash64(stream, seed ^ (index * kGolden));
}

class SimRng {
 public:
  explicit SimRng(uint64_t seed) : engine_(seed) {}

  uint64_t NextU64() { return engine_(); }

  // Uniform in [0, 1), 53 random bits.
  double Uniform01() {
    constexpr int kMantissaBits = 53;
    constexpr double kScale = 1.0 / static_cast<double>(uint64_t{1} << kMantissaBits);
    return static_cast<double>(engine_() >> (64 - kMantissaBits)) * kScale;
  }

  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform01(); }

  // Uniform integer in [lo, hi], without modulo bias.
  int64_t UniformInt(int64_t lo, int64_t hi) {
    DG_CHECK(lo <= hi);
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
    if (range == 0) return static_cast<int64_t>(engine_());  // the full 64-bit range
    const uint64_t reject_below = (0 - range) % range;
    uint64_t x = engine_();
    while (x < reject_below) x = engine_();
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + x % range);
  }

  // Uniform index in [0, n).
  size_t Index(size_t n) {
    DG_CHECK(n > 0);
    return static_cast<size_t>(UniformInt(0, static_cast<int64_t>(n) - 1));
  }

  bool Bernoulli(double p) { return Uniform01() < p; }

  double Exponential(double mean) { return -mean * std::log1p(-Uniform01()); }

  // Box-Muller; one of the pair is discarded to keep the state simple.
  double Normal(double mean, double stddev) {
    const double u1 = 1.0 - Uniform01();  // (0, 1], keeps log finite
    const double u2 = Uniform01();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  // Poisson count (Knuth's method; the simulator's means are small, larger
  // ones fall back to a rounded normal approximation).
  int64_t Poisson(double mean) {
    constexpr double kNormalApproximationAbove = 30.0;
    if (mean <= 0) return 0;
    if (mean > kNormalApproximationAbove) {
      const double x = std::round(Normal(mean, std::sqrt(mean)));
      return x < 0 ? 0 : static_cast<int64_t>(x);
    }
    const double limit = std::exp(-mean);
    int64_t count = 0;
    double product = Uniform01();
    while (product > limit) {
      ++count;
      product *= Uniform01();
    }
    return count;
  }

  // Log-uniform in [lo, hi] (lo > 0): as likely in [1, 10] as in [10, 100].
  double LogUniform(double lo, double hi) { return std::exp(Uniform(std::log(lo), std::log(hi))); }

  // Log-normal with the given median and shape (sigma of the log).
  double LogNormal(double median, double sigma) { return median * std::exp(Normal(0.0, sigma)); }

  // Index drawn with probability proportional to weights[i] (all >= 0, sum > 0).
  size_t WeightedIndex(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    DG_CHECK(total > 0);
    double x = Uniform01() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;  // rounding at the top end
  }

  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[Index(items.size())];
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Index(items.size())];
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Index(N)];
  }

  // Fisher-Yates.
  template <typename T>
  void Shuffle(std::vector<T>* items) {
    for (size_t i = items->size(); i > 1; --i) {
      std::swap((*items)[i - 1], (*items)[Index(i)]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace dg

#endif  // DG_SIM_RANDOM_H_
