// Random ops: seeding (repeatable with seeds, fresh without), new values on every run, the
// distributions' moments over 100k samples, truncation at two standard deviations, the
// uniform range, dtypes, and shape errors.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

using RandomBuilder = Output (*)(const Scope&, const Input&, DataType, int64_t, int64_t);

template <typename T>
std::vector<double> Values(const Tensor& t) {
  return std::vector<double>(t.data<T>(), t.data<T>() + t.NumElements());
}

std::vector<double> AsDoubles(const Tensor& t) {
  return t.dtype() == DT_FLOAT ? Values<float>(t) : Values<double>(t);
}

// Runs `builder` in a fresh session `runs` times.
std::vector<std::vector<double>> Draw(RandomBuilder builder, const Input& shape, DataType dtype, int64_t seed,
                                      int64_t seed2, int runs = 1) {
  Scope root = Scope::NewRootScope();
  auto r = builder(root, shape, dtype, seed, seed2);
  Session session(root);
  std::vector<std::vector<double>> draws;
  for (int i = 0; i < runs; ++i) {
    std::vector<Tensor> out;
    Status s = session.Run({}, {r}, &out);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) return draws;
    draws.push_back(AsDoubles(out[0]));
  }
  return draws;
}

struct Moments {
  double mean, stddev, min, max;
};

Moments MomentsOf(const std::vector<double>& v) {
  double sum = 0, sq = 0, lo = v[0], hi = v[0];
  for (double x : v) sum += x, sq += x * x, lo = std::min(lo, x), hi = std::max(hi, x);
  double mean = sum / v.size();
  return {mean, std::sqrt(sq / v.size() - mean * mean), lo, hi};
}

class RandomOpsTest : public ::testing::TestWithParam<std::tuple<RandomBuilder, DataType>> {};

TEST_P(RandomOpsTest, SeededValuesRepeatAcrossSessionsAndChangeAcrossRuns) {
  auto [builder, dtype] = GetParam();
  auto a = Draw(builder, {3, 5}, dtype, 1, 2, /*runs=*/2);
  auto b = Draw(builder, {3, 5}, dtype, 1, 2, /*runs=*/2);
  auto c = Draw(builder, {3, 5}, dtype, 1, 3);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[0].size(), 15u);
  EXPECT_EQ(a, b);        // same seeds: same sequence of runs
  EXPECT_NE(a[0], a[1]);  // each run draws new values
  EXPECT_NE(a[0], c[0]);  // another seed2: other values
  auto d = Draw(builder, {15}, dtype, 0, 0);
  auto e = Draw(builder, {15}, dtype, 0, 0);
  EXPECT_NE(d[0], e[0]);  // unseeded: a fresh seed per kernel
}

TEST_P(RandomOpsTest, EmptyAndOddShapes) {
  auto [builder, dtype] = GetParam();
  for (int64_t n : {0, 1, 3, 5, 7}) {
    Scope root = Scope::NewRootScope();
    auto r = builder(root, Tensor::FromVector<int64_t>({n, 1}), dtype, 5, 5);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(r.shape(), (TensorShape{n, 1}));
    Tensor t = test::RunOne(root, r);
    EXPECT_EQ(t.shape(), (TensorShape{n, 1}));
    EXPECT_EQ(t.dtype(), dtype);
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, RandomOpsTest,
                         ::testing::Combine(::testing::Values(&ops::RandomStandardNormal, &ops::TruncatedNormal,
                                                              &ops::RandomUniform),
                                            ::testing::Values(DT_FLOAT, DT_DOUBLE)));

constexpr int kSamples = 100000;

TEST(RandomDistributionTest, StandardNormalMoments) {
  for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
    Moments m = MomentsOf(Draw(&ops::RandomStandardNormal, {kSamples}, dt, 11, 0)[0]);
    // Standard error of the mean is 1/sqrt(1e5) ~ 0.003.
    EXPECT_NEAR(m.mean, 0.0, 0.015);
    EXPECT_NEAR(m.stddev, 1.0, 0.015);
    EXPECT_LT(m.min, -3.5);
    EXPECT_GT(m.max, 3.5);
  }
}

TEST(RandomDistributionTest, TruncatedNormalStaysWithinTwoStddev) {
  for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
    Moments m = MomentsOf(Draw(&ops::TruncatedNormal, {kSamples}, dt, 12, 0)[0]);
    EXPECT_GE(m.min, -2.0);
    EXPECT_LE(m.max, 2.0);
    EXPECT_LT(m.min, -1.99);
    EXPECT_GT(m.max, 1.99);
    EXPECT_NEAR(m.mean, 0.0, 0.015);
    // The standard deviation of N(0,1) truncated to [-2, 2] is 0.8796.
    EXPECT_NEAR(m.stddev, 0.8796, 0.015);
  }
}

TEST(RandomDistributionTest, UniformIsInUnitInterval) {
  for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
    Moments m = MomentsOf(Draw(&ops::RandomUniform, {kSamples}, dt, 13, 0)[0]);
    EXPECT_GE(m.min, 0.0);
    EXPECT_LT(m.max, 1.0);
    EXPECT_NEAR(m.mean, 0.5, 0.01);
    EXPECT_NEAR(m.stddev, std::sqrt(1.0 / 12), 0.01);
    EXPECT_LT(m.min, 1e-3);
    EXPECT_GT(m.max, 1 - 1e-3);
  }
}

TEST(RandomDistributionTest, LargeTensorsFillInParallelWithTheSameValues) {
  // Block i of a run depends only on (key, i, run): the first values of a long draw equal
  // those of a short one with the same seeds.
  auto big = Draw(&ops::RandomStandardNormal, {1 << 20}, DT_FLOAT, 21, 22)[0];
  auto small = Draw(&ops::RandomStandardNormal, {8}, DT_FLOAT, 21, 22)[0];
  EXPECT_EQ(std::vector<double>(big.begin(), big.begin() + 8), small);
}

TEST(RandomShapeTest, ShapeFromPlaceholderAndErrors) {
  Scope root = Scope::NewRootScope();
  auto shape = ops::Placeholder(root.WithOpName("shape"), DT_INT32, TensorShape{2});
  auto r = ops::RandomUniform(root, shape, DT_FLOAT);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(r.shape(), TensorShape::UnknownDims(2));
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{shape, Tensor::FromVector<int32_t>({4, 6})}}, {r}, &out));
  EXPECT_EQ(out[0].shape(), (TensorShape{4, 6}));
  Status s = session.Run({{shape, Tensor::FromVector<int32_t>({4, -6})}}, {r}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("-6"));

  Scope bad = Scope::NewRootScope();
  ops::RandomUniform(bad, Tensor::FromVector<int32_t>({2, 2}, TensorShape{2, 1}), DT_FLOAT);
  EXPECT_FALSE(bad.ok());
  Scope bad_type = Scope::NewRootScope();
  ops::RandomUniform(bad_type, {2}, DT_INT32);
  EXPECT_FALSE(bad_type.ok());
}

}  // namespace
}  // namespace sluice
