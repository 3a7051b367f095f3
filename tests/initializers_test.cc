// The variance-scaling family and Orthogonal: sample statistics of large draws against the
// formulas, bounds, orthogonality, seeds and the error paths.
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::vector<double> Values(const Tensor& t) {
  std::vector<double> v(t.NumElements());
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    v[i] = t.dtype() == DT_DOUBLE ? t.data<double>()[i] : static_cast<double>(t.data<float>()[i]);
  }
  return v;
}

Tensor InitialValue(const Initializer& init, const TensorShape& shape, DataType dtype = DT_FLOAT) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), shape, init, dtype);
  auto out = test::RunGraph(root, {}, {v.value()}, {v.initializer()});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? (*out)[0] : Tensor();
}

struct Stats {
  double mean = 0, stddev = 0, max_abs = 0;
};

Stats StatsOf(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= v.size();
  for (double x : v) {
    s.stddev += (x - s.mean) * (x - s.mean);
    s.max_abs = std::max(s.max_abs, std::fabs(x));
  }
  s.stddev = std::sqrt(s.stddev / v.size());
  return s;
}

// Tolerances are a few percent of the stddev: wide enough for the CPU random kernels, whose
// sample means over 184 320 draws spread about 2.5 times more than independent draws' would,
// narrow enough to tell a missing truncation correction (12%) or a wrong fan.
// A conv kernel [3, 3, 32, 64]: fan_in 288, fan_out 576, fan_avg 432; 184 320 samples.
const TensorShape kConv{3, 3, 32, 64};
constexpr double kFanIn = 288, kFanOut = 576, kFanAvg = 432;

TEST(VarianceScalingTest, TruncatedNormalHasTheScaledStddevAndIsBounded) {
  struct Case {
    Initializer init;
    double variance;
  };
  std::vector<Case> cases = {
      {init::VarianceScaling(1.0f, "fan_in", "truncated_normal", 1), 1.0 / kFanIn},
      {init::VarianceScaling(3.0f, "fan_out", "truncated_normal", 2), 3.0 / kFanOut},
      {init::GlorotNormal(3), 1.0 / kFanAvg},
      {init::HeNormal(4), 2.0 / kFanIn},
      {init::LecunNormal(5), 1.0 / kFanIn},
  };
  for (const Case& c : cases) {
    Stats s = StatsOf(Values(InitialValue(c.init, kConv)));
    const double stddev = std::sqrt(c.variance);
    // The stddev correction makes the truncated draw's stddev the target one.
    EXPECT_NEAR(s.stddev, stddev, 0.02 * stddev);
    EXPECT_NEAR(s.mean, 0.0, 0.03 * stddev);
    // Truncation at two stddevs of the uncorrected normal: |x| <= 2 * stddev / 0.8796...
    EXPECT_LE(s.max_abs, 2 * stddev / 0.87962566103423978 * (1 + 1e-6));
    EXPECT_GT(s.max_abs, 1.9 * stddev / 0.87962566103423978);
  }
}

TEST(VarianceScalingTest, UntruncatedNormalHasTheScaledStddev) {
  Stats s = StatsOf(Values(InitialValue(init::VarianceScaling(2.0f, "fan_avg", "untruncated_normal", 7), kConv)));
  const double stddev = std::sqrt(2.0 / kFanAvg);
  EXPECT_NEAR(s.stddev, stddev, 0.02 * stddev);
  EXPECT_NEAR(s.mean, 0.0, 0.03 * stddev);
  EXPECT_GT(s.max_abs, 4 * stddev);  // not truncated: 184 320 draws reach beyond 4 sigma
}

TEST(VarianceScalingTest, UniformIsBoundedWithTheScaledVariance) {
  struct Case {
    Initializer init;
    double variance;
  };
  std::vector<Case> cases = {
      {init::HeUniform(11), 2.0 / kFanIn},
      {init::LecunUniform(12), 1.0 / kFanIn},
      {init::GlorotUniform(13), 1.0 / kFanAvg},
      {init::VarianceScaling(0.5f, "fan_out", "uniform", 14), 0.5 / kFanOut},
  };
  for (const Case& c : cases) {
    Stats s = StatsOf(Values(InitialValue(c.init, kConv)));
    const double limit = std::sqrt(3 * c.variance);
    EXPECT_LE(s.max_abs, limit * (1 + 1e-6));
    EXPECT_GT(s.max_abs, 0.999 * limit);
    EXPECT_NEAR(s.stddev, std::sqrt(c.variance), 0.02 * std::sqrt(c.variance));
    EXPECT_NEAR(s.mean, 0.0, 0.02 * limit);
  }
}

TEST(VarianceScalingTest, FansOfVectorsAndMatricesAndDoubles) {
  // A matrix [400, 100]: fan_in 400. A vector [5000]: fans 5000. Doubles as floats.
  Stats m = StatsOf(Values(InitialValue(init::HeUniform(21), {400, 100}, DT_DOUBLE)));
  EXPECT_NEAR(m.max_abs, std::sqrt(6.0 / 400), 0.001 * std::sqrt(6.0 / 400));
  Stats v = StatsOf(Values(InitialValue(init::VarianceScaling(1.0f, "fan_out", "uniform", 22), {5000})));
  EXPECT_LE(v.max_abs, std::sqrt(3.0 / 5000) * (1 + 1e-6));
  EXPECT_GT(v.max_abs, 0.99 * std::sqrt(3.0 / 5000));
}

TEST(VarianceScalingTest, SeedsRepeatAndNodesAreTfs) {
  EXPECT_EQ(Values(InitialValue(init::HeNormal(5), {8, 8})), Values(InitialValue(init::HeNormal(5), {8, 8})));
  EXPECT_NE(Values(InitialValue(init::HeNormal(5), {8, 8})), Values(InitialValue(init::HeNormal(6), {8, 8})));
  Scope root = Scope::NewRootScope();
  Variable a(root.WithOpName("a"), {4, 4}, init::GlorotNormal(1));
  Variable b(root.WithOpName("b"), {4, 4}, init::GlorotUniform(1));
  Variable c(root.WithOpName("c"), {4, 4}, init::VarianceScaling(1.0f, "fan_in", "untruncated_normal", 1));
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_NE(root.graph()->FindNode("a/Initializer/truncated_normal/TruncatedNormal"), nullptr);
  EXPECT_NE(root.graph()->FindNode("b/Initializer/random_uniform/RandomUniform"), nullptr);
  EXPECT_NE(root.graph()->FindNode("c/Initializer/random_normal/RandomStandardNormal"), nullptr);
}

TEST(VarianceScalingTest, BadArgumentsAreErrors) {
  struct Case {
    Initializer init;
    const char* message;
  };
  std::vector<Case> cases = {
      {init::VarianceScaling(0.0f), "scale must be positive"},
      {init::VarianceScaling(1.0f, "fan_sum"), "mode must be fan_in, fan_out or fan_avg"},
      {init::VarianceScaling(1.0f, "fan_in", "cauchy"), "distribution must be"},
  };
  for (const Case& c : cases) {
    Scope root = Scope::NewRootScope();
    Variable v(root.WithOpName("v"), {3, 3}, c.init);
    EXPECT_FALSE(v.valid());
    EXPECT_THAT(root.status().message(), HasSubstr(c.message));
    EXPECT_THAT(root.status().message(), HasSubstr("v/Initializer"));
  }
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), TensorShape{-1, 3}, init::HeNormal());
  EXPECT_THAT(root.status().message(), HasSubstr("[?,3]"));
}

// max |W^T W - I| (columns orthonormal) or |W W^T - I| (rows) for W [rows, cols].
double OrthogonalityError(const std::vector<double>& w, int64_t rows, int64_t cols, double gain) {
  const bool by_rows = rows < cols;
  const int64_t k = by_rows ? rows : cols, len = by_rows ? cols : rows;
  auto at = [&](int64_t vec, int64_t i) { return by_rows ? w[vec * cols + i] : w[i * cols + vec]; };
  double err = 0;
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = 0; b < k; ++b) {
      double dot = 0;
      for (int64_t i = 0; i < len; ++i) dot += at(a, i) * at(b, i);
      err = std::max(err, std::fabs(dot / (gain * gain) - (a == b ? 1.0 : 0.0)));
    }
  }
  return err;
}

TEST(OrthogonalTest, ColumnsOrRowsAreOrthonormalTimesGain) {
  // Tall [64, 16] (columns), wide [8, 40] (rows), square [32, 32] and a conv kernel [3, 3, 4, 8]
  // seen as [36, 8].
  Tensor tall = InitialValue(init::Orthogonal(1.0f, 1), {64, 16}, DT_DOUBLE);
  EXPECT_LT(OrthogonalityError(Values(tall), 64, 16, 1.0), 1e-12);
  Tensor wide = InitialValue(init::Orthogonal(2.0f, 2), {8, 40}, DT_DOUBLE);
  EXPECT_LT(OrthogonalityError(Values(wide), 8, 40, 2.0), 1e-12);
  Tensor square = InitialValue(init::Orthogonal(1.0f, 3), {32, 32});
  EXPECT_LT(OrthogonalityError(Values(square), 32, 32, 1.0), 1e-5);
  Tensor conv = InitialValue(init::Orthogonal(0.5f, 4), {3, 3, 4, 8});
  EXPECT_EQ(conv.shape(), (TensorShape{3, 3, 4, 8}));
  EXPECT_LT(OrthogonalityError(Values(conv), 36, 8, 0.5), 1e-5);
  // A square orthogonal matrix: its rows are orthonormal too.
  std::vector<double> sq = Values(square), t(sq.size());
  for (int i = 0; i < 32; ++i) {
    for (int j = 0; j < 32; ++j) t[j * 32 + i] = sq[i * 32 + j];
  }
  EXPECT_LT(OrthogonalityError(t, 32, 32, 1.0), 1e-5);
}

TEST(OrthogonalTest, SignCorrectionMakesTheDrawUnbiased) {
  // Q with R's diagonal made positive is Haar-distributed: its entries have mean 0 and
  // variance 1 / rows. Averaged over 40 draws of [50, 50] (100 000 entries).
  std::vector<double> all;
  for (int s = 1; s <= 40; ++s) {
    std::vector<double> v = Values(InitialValue(init::Orthogonal(1.0f, s), {50, 50}, DT_DOUBLE));
    all.insert(all.end(), v.begin(), v.end());
  }
  Stats st = StatsOf(all);
  EXPECT_NEAR(st.stddev, std::sqrt(1.0 / 50), 0.01 * std::sqrt(1.0 / 50));
  EXPECT_NEAR(st.mean, 0.0, 0.002);
}

TEST(OrthogonalTest, SeedsAndErrors) {
  EXPECT_EQ(Values(InitialValue(init::Orthogonal(1.0f, 9), {6, 4})),
            Values(InitialValue(init::Orthogonal(1.0f, 9), {6, 4})));
  EXPECT_NE(Values(InitialValue(init::Orthogonal(1.0f, 9), {6, 4})),
            Values(InitialValue(init::Orthogonal(1.0f, 10), {6, 4})));
  EXPECT_NE(Values(InitialValue(init::Orthogonal(), {6, 4})), Values(InitialValue(init::Orthogonal(), {6, 4})));
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), {5}, init::Orthogonal());
  EXPECT_FALSE(v.valid());
  EXPECT_THAT(root.status().message(), HasSubstr("at least two-dimensional"));
  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), {3, 3}, init::Orthogonal(), DT_INT32);
  EXPECT_FALSE(w.valid());
  EXPECT_THAT(r2.status().message(), HasSubstr("float or double"));
}

}  // namespace
}  // namespace sluice
