// Statistical checks of the CPU random kernels (RandomStandardNormal, TruncatedNormal,
// RandomUniform): their Philox4x32-10 against the reference vectors; that the sample means of
// many seeds, and of many runs of one kernel, spread as much as independent draws would (a
// chi-square test), no more and no less; that neighbouring values, the slots of a Philox block
// and the contiguous chunks the kernels fill in parallel are uncorrelated and unbiased; and that
// different seeds and successive runs of one kernel draw non-overlapping streams.
//
// Every test is seeded, so it passes or fails the same way on every run. The bounds are set at
// about five standard deviations (tail probabilities of a few times 1e-7), so that a correct
// generator fails none of them for all but a negligible fraction of seed choices, while the
// defects they look for (streams that restart, repeat or correlate; a biased float conversion)
// move the statistics far beyond them.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/cpu/philox.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using RandomBuilder = Output (*)(const Scope&, const Input&, DataType, int64_t, int64_t);

// How far, in standard deviations of the statistic, a value may stray (two-sided tail
// probability 5.7e-7 for a normal statistic).
constexpr double kZ = 5.0;

struct Dist {
  const char* name;
  RandomBuilder builder;
  double mean, variance;
};

// N(0, 1) truncated to [-2, 2]: variance 1 - 2 * 2 * phi(2) / (Phi(2) - Phi(-2)).
double TruncatedVariance() {
  const double phi2 = std::exp(-2.0) / std::sqrt(2.0 * M_PI);
  const double mass = std::erf(2.0 / std::sqrt(2.0));
  return 1.0 - 4.0 * phi2 / mass;
}

std::vector<Dist> Dists() {
  return {{"RandomStandardNormal", &ops::RandomStandardNormal, 0.0, 1.0},
          {"TruncatedNormal", &ops::TruncatedNormal, 0.0, TruncatedVariance()},
          {"RandomUniform", &ops::RandomUniform, 0.5, 1.0 / 12.0}};
}

std::vector<double> AsDoubles(const Tensor& t) {
  if (t.dtype() == DT_FLOAT) return std::vector<double>(t.data<float>(), t.data<float>() + t.NumElements());
  return std::vector<double>(t.data<double>(), t.data<double>() + t.NumElements());
}

// One graph with a node per (seed, seed2), fetched together in one run.
std::vector<Tensor> DrawSeedTensors(RandomBuilder builder, DataType dtype, int64_t n,
                                    const std::vector<std::pair<int64_t, int64_t>>& seeds) {
  Scope root = Scope::NewRootScope();
  std::vector<Output> fetches;
  for (auto [s, s2] : seeds) fetches.push_back(builder(root, Tensor::FromVector<int64_t>({n}), dtype, s, s2));
  Session session(root);
  std::vector<Tensor> out;
  Status st = session.Run({}, fetches, &out);
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

std::vector<std::vector<double>> DrawSeeds(RandomBuilder builder, DataType dtype, int64_t n,
                                           const std::vector<std::pair<int64_t, int64_t>>& seeds) {
  std::vector<std::vector<double>> draws;
  for (const Tensor& t : DrawSeedTensors(builder, dtype, n, seeds)) draws.push_back(AsDoubles(t));
  return draws;
}

// The sample mean and the mean squared deviation from `center` of a float or double tensor.
template <typename T>
std::pair<double, double> MeanAndSquare(const T* v, int64_t n, double center) {
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = v[i];
    sum += x;
    sq += (x - center) * (x - center);
  }
  return {sum / static_cast<double>(n), sq / static_cast<double>(n)};
}
std::pair<double, double> MeanAndSquare(const Tensor& t, double center) {
  return t.dtype() == DT_FLOAT ? MeanAndSquare(t.data<float>(), t.NumElements(), center)
                               : MeanAndSquare(t.data<double>(), t.NumElements(), center);
}

double Mean(const double* v, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += v[i];
  return sum / static_cast<double>(n);
}

// The p and 1 - p quantiles of chi-square with k degrees of freedom for the normal quantile z
// (Wilson and Hilferty's cube-root approximation). At z = 5 it errs slightly outwards: for
// k = 20 it gives [1.97, 69.7] where the exact quantiles are [2.22, 68.8]; for k = 50,
// [14.52, 117.3] against [14.78, 116.8].
std::pair<double, double> ChiSquareBounds(int k, double z) {
  const double a = 2.0 / (9.0 * k);
  auto q = [&](double zz) { return k * std::pow(1.0 - a + zz * std::sqrt(a), 3.0); };
  return {q(-z), q(z)};
}

// sum_i ((x_i - mean) / sd)^2 for statistics x_i that should be N(mean, sd^2) and independent:
// chi-square with x.size() degrees of freedom.
double ChiSquare(const std::vector<double>& x, double mean, double sd) {
  double s = 0;
  for (double v : x) s += (v - mean) * (v - mean) / (sd * sd);
  return s;
}

// The Random123 known-answer vectors of Philox4x32-10 (kat_vectors in its distribution).
TEST(PhiloxTest, MatchesTheReferenceVectors) {
  using W = std::array<uint32_t, 4>;
  EXPECT_EQ(cpu::Philox4x32({0, 0}, {0, 0, 0, 0}), (W{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(cpu::Philox4x32({0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}),
            (W{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(cpu::Philox4x32({0xa4093822, 0x299f31d0}, {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}),
            (W{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(ChiSquareBoundsTest, MatchTabulatedQuantiles) {
  // Tabulated: chi2(50) 0.001 / 0.999 quantiles are 24.674 and 86.661 (z = 3.0902).
  auto [lo, hi] = ChiSquareBounds(50, 3.0902);
  EXPECT_NEAR(lo, 24.674, 0.25);
  EXPECT_NEAR(hi, 86.661, 0.25);
  // chi2(64) at 0.001 / 0.999: 34.633 and 104.716.
  auto [lo64, hi64] = ChiSquareBounds(64, 3.0902);
  EXPECT_NEAR(lo64, 34.633, 0.3);
  EXPECT_NEAR(hi64, 104.716, 0.3);
  // At z = 5 (tail 2.87e-7), chi2(50) quantiles are 14.777 and 116.822.
  auto [lo5, hi5] = ChiSquareBounds(50, 5.0);
  EXPECT_NEAR(lo5, 14.777, 0.5);
  EXPECT_NEAR(hi5, 116.822, 1.0);
}

constexpr int64_t kN = int64_t{1} << 17;

// The claim under test: over N draws the mean of a seed's values has standard deviation
// sqrt(variance / N) across seeds. With K seeds and the known mean, the sum of squared z-scores
// is chi-square(K); for K = 50 float draws the bounds below are about [14.8, 117], i.e. the
// spread of the means must be within [0.54, 1.53] times the independent-draw value (K = 20
// double draws: [0.31, 1.87]). A 2.5x spread (chi-square ~ 6.25 K) or correlated seeds fail this
// by far. (The double kernels share the float kernels' Philox stream and differ only in the
// conversion, hence fewer seeds there.)
TEST(RandomStatsTest, SampleMeansAcrossSeedsSpreadAsIndependentDraws) {
  for (const Dist& d : Dists()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      const int num_seeds = dt == DT_FLOAT ? 50 : 20;
      std::vector<std::pair<int64_t, int64_t>> seeds;
      for (int i = 0; i < num_seeds; ++i) seeds.push_back({i % 2 == 0 ? 1 + i : 87654321, 1 + i});
      auto [lo, hi] = ChiSquareBounds(num_seeds, kZ);
      std::vector<Tensor> draws = DrawSeedTensors(d.builder, dt, kN, seeds);
      ASSERT_EQ(draws.size(), seeds.size());
      std::vector<double> means;
      for (const Tensor& t : draws) {
        auto [mean, square] = MeanAndSquare(t, d.mean);
        means.push_back(mean);
        // The sample variance too, within 5 standard errors: the relative standard error of
        // the mean square is sqrt((m4 / var^2 - 1) / N), at most sqrt(2 / N) here (2 for the
        // normal, less for the truncated normal and the uniform).
        EXPECT_NEAR(square / d.variance, 1.0, kZ * std::sqrt(2.0 / kN)) << d.name << " " << DataTypeString(dt);
      }
      const double chi2 = ChiSquare(means, d.mean, std::sqrt(d.variance / kN));
      std::printf("%s %s, %d seeds x %lld: spread of the means / expected = %.3f\n", d.name,
                  DataTypeString(dt).c_str(), num_seeds, static_cast<long long>(kN), std::sqrt(chi2 / num_seeds));
      EXPECT_GT(chi2, lo) << d.name << " " << DataTypeString(dt) << ": spread ratio " << std::sqrt(chi2 / num_seeds);
      EXPECT_LT(chi2, hi) << d.name << " " << DataTypeString(dt) << ": spread ratio " << std::sqrt(chi2 / num_seeds);
    }
  }
}

// The same across successive runs of one seeded kernel: each run must be a fresh, independent
// draw (a run counter that does not advance, or advances into overlapping counters, fails).
TEST(RandomStatsTest, SampleMeansAcrossRunsSpreadAsIndependentDraws) {
  constexpr int kRuns = 40;
  auto [lo, hi] = ChiSquareBounds(kRuns, kZ);
  for (const Dist& d : Dists()) {
    Scope root = Scope::NewRootScope();
    Output r = d.builder(root, Tensor::FromVector<int64_t>({kN}), DT_FLOAT, 3, 9);
    Session session(root);
    std::vector<double> means;
    for (int run = 0; run < kRuns; ++run) {
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({}, {r}, &out));
      means.push_back(MeanAndSquare(out[0], d.mean).first);
    }
    const double chi2 = ChiSquare(means, d.mean, std::sqrt(d.variance / kN));
    EXPECT_GT(chi2, lo) << d.name << ": spread ratio " << std::sqrt(chi2 / kRuns);
    EXPECT_LT(chi2, hi) << d.name << ": spread ratio " << std::sqrt(chi2 / kRuns);
  }
}

// Lag-k autocorrelation of one long draw: each is N(0, 1/N) for independent values. Lags 1..8
// cover the two values of a Box-Muller pair, the slots of a Philox block and neighbouring
// blocks.
TEST(RandomStatsTest, NeighbouringValuesAreUncorrelated) {
  constexpr int64_t n = int64_t{1} << 18;
  for (const Dist& d : Dists()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      std::vector<double> v = DrawSeeds(d.builder, dt, n, {{7, 3}})[0];
      for (double& x : v) x = (x - d.mean) / std::sqrt(d.variance);
      for (int lag = 1; lag <= 8; ++lag) {
        double s = 0;
        for (int64_t i = 0; i + lag < n; ++i) s += v[i] * v[i + lag];
        const double r = s / static_cast<double>(n - lag);
        EXPECT_LT(std::abs(r), kZ / std::sqrt(static_cast<double>(n)))
            << d.name << " " << DataTypeString(dt) << " lag " << lag;
      }
      // The two values of a pair: z0^2 + z1^2 of a Box-Muller pair is exponential, but z0 and z1
      // are uncorrelated in sign, and so are their squares.
      double s = 0;
      for (int64_t i = 0; i + 1 < n; i += 2) s += (v[i] * v[i] - 1) * (v[i + 1] * v[i + 1] - 1);
      // Var((z^2 - 1)) is 2 for N(0, 1); allow the other distributions by normalising with the
      // sample fourth moment.
      double m4 = 0;
      for (double x : v) m4 += (x * x - 1) * (x * x - 1);
      m4 /= n;
      EXPECT_LT(std::abs(s / (n / 2) / m4), kZ / std::sqrt(n / 2.0)) << d.name << " " << DataTypeString(dt);
    }
  }
}

// The mean of each slot of a Philox block (values i with i % 4 == k) and of each of 64
// contiguous chunks (the ranges that parallel threads fill): chi-square over the chunks, z-score
// per slot. Chunks that restart the counter, or a slot whose conversion is biased, show here.
TEST(RandomStatsTest, BlockSlotsAndParallelChunksAreUnbiased) {
  constexpr int64_t n = int64_t{1} << 18;
  constexpr int kChunks = 64;
  auto [lo, hi] = ChiSquareBounds(kChunks, kZ);
  for (const Dist& d : Dists()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      std::vector<double> v = DrawSeeds(d.builder, dt, n, {{11, 5}})[0];
      std::vector<double> chunk_means;
      for (int c = 0; c < kChunks; ++c) chunk_means.push_back(Mean(v.data() + c * (n / kChunks), n / kChunks));
      const double chi2 = ChiSquare(chunk_means, d.mean, std::sqrt(d.variance / (n / kChunks)));
      EXPECT_GT(chi2, lo) << d.name << " " << DataTypeString(dt);
      EXPECT_LT(chi2, hi) << d.name << " " << DataTypeString(dt);
      for (int k = 0; k < 4; ++k) {
        double sum = 0;
        for (int64_t i = k; i < n; i += 4) sum += v[i];
        const double z = (sum / (n / 4) - d.mean) / std::sqrt(d.variance / (n / 4));
        EXPECT_LT(std::abs(z), kZ) << d.name << " " << DataTypeString(dt) << " slot " << k;
      }
      // Chunks must not repeat one another.
      for (int c = 1; c < kChunks; ++c) {
        EXPECT_NE(std::memcmp(v.data(), v.data() + c * (n / kChunks), sizeof(double) * 64), 0) << d.name;
      }
    }
  }
}

// Doubles have 52-53 random bits: among a few million draws a chance repeat has probability
// ~1e-3 at most, so any repeated value means two streams overlap (another seed, a later run, or
// a shifted copy of the same stream). Also: different seeds are uncorrelated value by value.
TEST(RandomStatsTest, SeedsAndRunsDrawDisjointStreams) {
  constexpr int64_t n = int64_t{1} << 12;
  for (const Dist& d : Dists()) {
    std::vector<std::pair<int64_t, int64_t>> seeds;
    for (int i = 1; i <= 8; ++i) seeds.push_back({1, i});   // seed2 varies
    for (int i = 2; i <= 8; ++i) seeds.push_back({i, 1});   // seed varies
    for (int i = 2; i <= 8; ++i) seeds.push_back({i, i});   // both
    seeds.push_back({1LL << 32, 1});                        // high bits
    seeds.push_back({1, 1LL << 32});
    seeds.push_back({87654321, 0});
    seeds.push_back({0, 87654321});
    Scope root = Scope::NewRootScope();
    std::vector<Output> fetches;
    for (auto [s, s2] : seeds) {
      fetches.push_back(d.builder(root, Tensor::FromVector<int64_t>({n}), DT_DOUBLE, s, s2));
    }
    Session session(root);
    std::vector<double> all;
    std::vector<std::vector<double>> first_run;
    for (int run = 0; run < 3; ++run) {
      std::vector<Tensor> out;
      ASSERT_OK(session.Run({}, fetches, &out));
      for (const Tensor& t : out) {
        std::vector<double> v = AsDoubles(t);
        if (run == 0) first_run.push_back(v);
        all.insert(all.end(), v.begin(), v.end());
      }
    }
    std::sort(all.begin(), all.end());
    const int64_t repeats = static_cast<int64_t>(all.size()) -
                            (std::unique(all.begin(), all.end()) - all.begin());
    EXPECT_EQ(repeats, 0) << d.name << ": " << repeats << " repeated values among " << all.size();
    // Correlation of value i of one seed with value i of another: N(0, 1/n) each.
    for (size_t a = 0; a + 1 < first_run.size(); ++a) {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) {
        s += (first_run[a][i] - d.mean) * (first_run[a + 1][i] - d.mean);
      }
      EXPECT_LT(std::abs(s / n / d.variance), kZ / std::sqrt(static_cast<double>(n)))
          << d.name << " seeds " << a << " and " << a + 1;
    }
  }
}

// The reported measurement: 8 seeds, 184,320 draws. With 8 seeds the spread of the means is
// itself uncertain: sqrt(chi2(8) / 8) has a 99.9% range of about [0.30, 1.87], and a spread
// 2.5 times the expected one (chi2 >= 50) has probability 4e-8. Check the three ops at the
// reported size against the chi-square(8) quantiles at tail 2.87e-7 (0.1035 and 45.57).
TEST(RandomStatsTest, ReportedSizeEightSeeds) {
  constexpr int64_t n = 184320;
  std::vector<std::pair<int64_t, int64_t>> seeds;
  for (int i = 1; i <= 8; ++i) seeds.push_back({i, 0});
  std::vector<std::vector<double>> op_means;
  for (const Dist& d : Dists()) {
    std::vector<double> means;
    for (const Tensor& t : DrawSeedTensors(d.builder, DT_FLOAT, n, seeds)) {
      means.push_back(MeanAndSquare(t, d.mean).first);
    }
    std::vector<double> centered;
    for (double m : means) centered.push_back(m - d.mean);
    op_means.push_back(centered);
    const double chi2 = ChiSquare(means, d.mean, std::sqrt(d.variance / n));
    std::printf("%s, 8 seeds x %lld: spread of the means / expected = %.3f\n", d.name,
                static_cast<long long>(n), std::sqrt(chi2 / 8));
    EXPECT_GT(chi2, 0.1035) << d.name;
    EXPECT_LT(chi2, 45.57) << d.name;
  }
  // With the same (seed, seed2) the three ops read the same Philox blocks (as TensorFlow's do):
  // TruncatedNormal keeps RandomStandardNormal's values that fall within two standard
  // deviations, so their means across seeds are strongly correlated, and three ops agreeing is
  // one observation, not three.
  auto correlation = [](const std::vector<double>& a, const std::vector<double>& b) {
    double sa = 0, sb = 0, sab = 0;
    for (size_t i = 0; i < a.size(); ++i) sa += a[i] * a[i], sb += b[i] * b[i], sab += a[i] * b[i];
    return sab / std::sqrt(sa * sb);
  };
  std::printf("correlation of the means over 8 seeds: normal/truncated %.3f, normal/uniform %.3f\n",
              correlation(op_means[0], op_means[1]), correlation(op_means[0], op_means[2]));
}

}  // namespace
}  // namespace sluice
