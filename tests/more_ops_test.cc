// Array and math ops of TF1 graphs beyond the core set: Floor, Ceil, Round, FloorDiv, FloorMod,
// Mod, Pow, ClipByValue, Selu, Softsign, Concat (v1), Split, SplitV, Reverse, ReverseV2,
// Cumsum, Cumprod, BatchMatMul(V2), Where, PadV2, RandomUniformInt, RandomShuffle,
// Multinomial, GatherV2, Gather and UnsortedSegmentSum. Values are hand-computed (NumPy's / TensorFlow's rules); differentiable ops
// get numeric gradient checks in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

Tensor F(std::vector<float> v, TensorShape shape) { return Tensor::FromVector(v, shape); }
Tensor D(std::vector<double> v, TensorShape shape) { return Tensor::FromVector(v, shape); }
Tensor I32(std::vector<int32_t> v, TensorShape shape) { return Tensor::FromVector(v, shape); }
Tensor I64(std::vector<int64_t> v, TensorShape shape) { return Tensor::FromVector(v, shape); }

std::string RunError(const Scope& root, const Output& y) {
  if (!root.status().ok()) return std::string(root.status().message());
  auto out = test::RunGraph(root, {}, {y});
  return out.ok() ? "" : std::string(out.status().message());
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y) {
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

// ---- Rounding, division, powers, clipping ----------------------------------------------------

TEST(RoundingTest, FloorCeilRoundHalfToEven) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 1.7f}, {7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Floor(root, x)), F({-3, -2, -1, 0, 1, 2, 1}, {7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Ceil(root, x)), F({-2, -1, -0.0f, 1, 2, 3, 2}, {7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Round(root, x)), F({-2, -2, -0.0f, 0, 2, 2, 2}, {7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Round(root, ops::Const(root, I32({-3, 4}, {2})))),
                          I32({-3, 4}, {2}));
}

TEST(DivisionTest, FloorDivFloorModAndModOfIntegers) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, I32({7, -7, 7, -7, std::numeric_limits<int32_t>::min()}, {5}));
  auto y = ops::Const(root, I32({2, 2, -2, -2, -1}, {5}));
  test::ExpectTensorEqual(test::RunOne(root, ops::FloorDiv(root, x, y)),
                          I32({3, -4, -4, 3, std::numeric_limits<int32_t>::min()}, {5}));
  test::ExpectTensorEqual(test::RunOne(root, ops::FloorMod(root, x, y)), I32({1, 1, -1, -1, 0}, {5}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Mod(root, x, y)), I32({1, -1, 1, -1, 0}, {5}));
  Scope r2 = Scope::NewRootScope();
  auto bad = ops::FloorMod(r2, ops::Const(r2, I64({1, 2}, {2})), ops::Const(r2, I64({1, 0}, {2})));
  EXPECT_THAT(RunError(r2, bad), HasSubstr("Integer division by zero"));
}

TEST(DivisionTest, FloatsAndBroadcasting) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, D({7.5, -7.5, 1}, {3, 1}));
  auto y = ops::Const(root, D({2, -2}, {2}));
  test::ExpectTensorNear(test::RunOne(root, ops::FloorDiv(root, x, y)), D({3, -4, -4, 3, 0, -1}, {3, 2}), 0);
  test::ExpectTensorNear(test::RunOne(root, ops::FloorMod(root, x, y)), D({1.5, -0.5, 0.5, -1.5, 1, -1}, {3, 2}),
                         1e-15);
  test::ExpectTensorNear(test::RunOne(root, ops::Mod(root, x, y)), D({1.5, 1.5, -1.5, -1.5, 1, 1}, {3, 2}), 1e-15);
}

TEST(PowTest, ValuesAndErrors) {
  Scope root = Scope::NewRootScope();
  test::ExpectTensorNear(test::RunOne(root, ops::Pow(root, ops::Const(root, F({2, 3, -2}, {3})),
                                                     ops::Const(root, F({3, 0.5f, 2}, {3})))),
                         F({8, std::sqrt(3.0f), 4}, {3}), 1e-6);
  test::ExpectTensorEqual(test::RunOne(root, ops::Pow(root, ops::Const(root, I64({2, 3, -1}, {3})),
                                                      ops::Const(root, I64({10, 3, 7}, {3})))),
                          I64({1024, 27, -1}, {3}));
  Scope r2 = Scope::NewRootScope();
  auto bad = ops::Pow(r2, ops::Const(r2, I32({2}, {1})), ops::Const(r2, I32({-1}, {1})));
  EXPECT_THAT(RunError(r2, bad), HasSubstr("negative integer powers"));
}

TEST(PowTest, GradientsAndNoFalseSingularityAtZero) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto y = ops::Placeholder(root, DT_DOUBLE, {3});
  ExpectGradientOk(root, {x, y}, {test::Doubles({2, 3}, 0.2, 1.5), D({2, 0.5, -1.5}, {3})},
                   ops::Sum(root, ops::Pow(root, x, y), {0, 1}));
  Scope r2 = Scope::NewRootScope();
  auto a = ops::Placeholder(r2, DT_DOUBLE, {2});
  auto b = ops::Placeholder(r2, DT_DOUBLE, {2});
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(r2, {ops::Sum(r2, ops::Pow(r2, a, b), {0})}, {a, b}, &grads));
  auto out = test::RunGraph(r2, {{a, D({0, 2}, {2})}, {b, D({2, 3}, {2})}}, grads);
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorNear((*out)[0], D({0, 12}, {2}), 1e-12);
  test::ExpectTensorNear((*out)[1], D({0, 8 * std::log(2.0)}, {2}), 1e-12);
}

TEST(ClipByValueTest, ScalarAndTensorBounds) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Const(root, F({-2, 0.5f, 3}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::ClipByValue(root, t, 0.0f, 1.0f)), F({0, 0.5f, 1}, {3}));
  auto lo = ops::Const(root, F({-3, 1, 0}, {3}));
  auto hi = ops::Const(root, F({-2.5f, 2, 2}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::ClipByValue(root, t, lo, hi)), F({-2.5f, 1, 2}, {3}));
  Scope r2 = Scope::NewRootScope();
  ops::ClipByValue(r2, ops::Const(r2, F({1, 2, 3}, {3})), ops::Const(r2, F({0, 0}, {2})), 1.0f);
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("same shape as the input"));
}

TEST(ClipByValueTest, Gradients) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Placeholder(root, DT_DOUBLE, {4});
  auto lo = ops::Placeholder(root, DT_DOUBLE, {});
  auto hi = ops::Placeholder(root, DT_DOUBLE, {4});
  auto y = ops::Sum(root, ops::Square(root, ops::ClipByValue(root, t, lo, hi)), {0});
  ExpectGradientOk(root, {t, lo, hi}, {D({-2, 0.3, 0.7, 3}, {4}), D({-1}, {}), D({2, 2, 0.5, 2.5}, {4})}, y);
}

// ---- Activations -----------------------------------------------------------------------------

TEST(ActivationsTest, SeluAndSoftsign) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, D({-1, 0, 2}, {3}));
  const double scale = 1.0507009873554804934193349852946, alpha = 1.6732632423543772848170429916717;
  test::ExpectTensorNear(test::RunOne(root, ops::Selu(root, x)), D({scale * alpha * std::expm1(-1.0), 0, 2 * scale}, {3}),
                         1e-15);
  test::ExpectTensorNear(test::RunOne(root, ops::Softsign(root, x)), D({-0.5, 0, 2.0 / 3}, {3}), 1e-15);
  auto p = ops::Placeholder(root, DT_DOUBLE, {4});
  ExpectGradientOk(root, {p}, {D({-1.5, -0.2, 0.3, 2}, {4})},
                   ops::Sum(root, ops::Add(root, ops::Square(root, ops::Selu(root, p)), ops::Softsign(root, p)), {0}));
}

// ---- Concat, Split, SplitV, Reverse ----------------------------------------------------------

TEST(ConcatSplitTest, ConcatV1) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_DOUBLE, {2, 1});
  auto b = ops::Placeholder(root, DT_DOUBLE, {2, 2});
  auto c = ops::Concat(root, 1, {a, b});
  EXPECT_EQ(c.shape(), TensorShape({2, 3}));
  auto out = test::RunGraph(root, {{a, D({1, 2}, {2, 1})}, {b, D({3, 4, 5, 6}, {2, 2})}}, {c});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], D({1, 3, 4, 2, 5, 6}, {2, 3}));
  ExpectGradientOk(root, {a, b}, {D({1, 2}, {2, 1}), D({3, 4, 5, 6}, {2, 2})},
                   ops::Sum(root, ops::Mul(root, c, ops::Const(root, D({1, 2, 3, 4, 5, 6}, {2, 3}))), {0, 1}));
}

TEST(ConcatSplitTest, SplitAndSplitV) {
  Scope root = Scope::NewRootScope();
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[i] = i;
  auto x = ops::Const(root, D(v, {2, 6}));
  auto parts = ops::Split(root, 1, x, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].shape(), TensorShape({2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, parts[1]), D({2, 3, 8, 9}, {2, 2}));
  auto pv = ops::SplitV(root, x, I64({1, -1, 2}, {3}), -1);
  ASSERT_EQ(pv.size(), 3u);
  EXPECT_EQ(pv[1].shape(), TensorShape({2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, pv[1]), D({1, 2, 3, 7, 8, 9}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, pv[2]), D({4, 5, 10, 11}, {2, 2}));
  Scope r2 = Scope::NewRootScope();
  ops::Split(r2, 1, ops::Const(r2, D(v, {2, 6})), 4);
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("evenly divide"));
  Scope r3 = Scope::NewRootScope();
  ops::SplitV(r3, ops::Const(r3, D(v, {2, 6})), I64({1, 2}, {2}), 1);
  EXPECT_THAT(std::string(r3.status().message()), HasSubstr("split_dim exactly"));
}

TEST(ConcatSplitTest, SplitGradientsFillUnusedPartsWithZeros) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 6});
  auto parts = ops::Split(root, 1, x, 3);
  auto pv = ops::SplitV(root, x, I32({4, 2}, {2}), 1);
  auto y = ops::Add(root, ops::Sum(root, ops::Square(root, parts[2]), {0, 1}), ops::Sum(root, pv[0], {0, 1}));
  ExpectGradientOk(root, {x}, {test::Doubles({2, 6}, 0.3, -1)}, y);
}

TEST(ReverseTest, ReverseV2AndReverse) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({0, 1, 2, 3, 4, 5}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::ReverseV2(root, x, I32({-1}, {1}))), F({2, 1, 0, 5, 4, 3}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::ReverseV2(root, x, I32({0, 1}, {2}))), F({5, 4, 3, 2, 1, 0}, {2, 3}));
  Tensor dims(DT_BOOL, TensorShape{2});
  dims.data<bool>()[0] = true;
  dims.data<bool>()[1] = false;
  test::ExpectTensorEqual(test::RunOne(root, ops::Reverse(root, x, dims)), F({3, 4, 5, 0, 1, 2}, {2, 3}));
  auto p = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  ExpectGradientOk(root, {p}, {test::Doubles({2, 3}, 0.5)},
                   ops::Sum(root, ops::Mul(root, ops::ReverseV2(root, p, I32({1}, {1})),
                                           ops::Const(root, D({1, 2, 3, 4, 5, 6}, {2, 3}))), {0, 1}));
  Scope r2 = Scope::NewRootScope();
  auto bad = ops::ReverseV2(r2, ops::Const(r2, F({1, 2}, {2})), I32({1}, {1}));
  EXPECT_THAT(RunError(r2, bad), HasSubstr("out of range"));
}

// ---- Cumsum, Cumprod -------------------------------------------------------------------------

TEST(CumulativeTest, EveryFlagCombination) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, I32({1, 2, 3, 4}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumsum(root, x, 0)), I32({1, 3, 6, 10}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumsum(root, x, 0, true)), I32({0, 1, 3, 6}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumsum(root, x, 0, false, true)), I32({10, 9, 7, 4}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumsum(root, x, 0, true, true)), I32({9, 7, 4, 0}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumprod(root, x, 0)), I32({1, 2, 6, 24}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumprod(root, x, 0, true)), I32({1, 1, 2, 6}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumprod(root, x, 0, false, true)), I32({24, 24, 12, 4}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumprod(root, x, 0, true, true)), I32({24, 12, 4, 1}, {4}));
  auto m = ops::Const(root, F({1, 2, 3, 4, 5, 6}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumsum(root, m, 0)), F({1, 2, 3, 5, 7, 9}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cumsum(root, m, -1)), F({1, 3, 6, 4, 9, 15}, {2, 3}));
}

TEST(CumulativeTest, Gradients) {
  for (bool exclusive : {false, true}) {
    for (bool reverse : {false, true}) {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
      auto w = ops::Const(root, D({1, -2, 3, 0.5, 2, -1}, {2, 3}));
      auto y = ops::Sum(root, ops::Mul(root, ops::Add(root, ops::Cumsum(root, x, 1, exclusive, reverse),
                                                      ops::Cumprod(root, x, 1, exclusive, reverse)), w), {0, 1});
      ExpectGradientOk(root, {x}, {D({0.5, 1.5, -0.7, 1.2, -0.4, 2}, {2, 3})}, y);
    }
  }
}

// ---- BatchMatMul -----------------------------------------------------------------------------

TEST(BatchMatMulTest, BroadcastsBatchDimsAndTransposes) {
  Scope root = Scope::NewRootScope();
  std::vector<float> xv(12), yv(12);
  for (int i = 0; i < 12; ++i) xv[i] = i - 3, yv[i] = 0.5f * i;
  auto x = ops::Const(root, F(xv, {2, 1, 2, 3}));
  auto y = ops::Const(root, F(yv, {3, 4}));
  auto z = ops::BatchMatMulV2(root, x, y);
  EXPECT_EQ(z.shape(), TensorShape({2, 1, 2, 4}));
  Tensor out = test::RunOne(root, z);
  for (int b = 0; b < 2; ++b) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 4; ++j) {
        float e = 0;
        for (int p = 0; p < 3; ++p) e += xv[b * 6 + i * 3 + p] * yv[p * 4 + j];
        EXPECT_FLOAT_EQ(out.data<float>()[b * 8 + i * 4 + j], e);
      }
    }
  }
  // adj_x with int64, and a transposed y.
  auto xi = ops::Const(root, I64({1, 2, 3, 4}, {1, 2, 2}));
  auto zi = ops::BatchMatMulV2(root, xi, xi, true, false);  // x^T x
  test::ExpectTensorEqual(test::RunOne(root, zi), I64({10, 14, 14, 20}, {1, 2, 2}));
  Scope r2 = Scope::NewRootScope();
  auto v1 = NodeBuilder(r2, "BatchMatMul")
                .Input(ops::Const(r2, F(xv, {2, 2, 3})))
                .Input(ops::Const(r2, F(yv, {1, 3, 4})))
                .Finalize();
  EXPECT_FALSE(r2.status().ok());
  (void)v1;
}

TEST(BatchMatMulTest, GradientsReduceBroadcastBatchDims) {
  for (bool adj_x : {false, true}) {
    for (bool adj_y : {false, true}) {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, adj_x ? TensorShape{2, 3, 2} : TensorShape{2, 2, 3});
      auto y = ops::Placeholder(root, DT_DOUBLE, adj_y ? TensorShape{1, 2, 3} : TensorShape{1, 3, 2});
      auto z = ops::BatchMatMulV2(root, x, y, adj_x, adj_y);
      auto loss = ops::Sum(root, ops::Square(root, z), {0, 1, 2});
      ExpectGradientOk(root, {x, y},
                       {test::Doubles(x.shape(), 0.3, -0.5), test::Doubles(y.shape(), 0.2, 0.1)}, loss);
    }
  }
}

// ---- Where, PadV2 ----------------------------------------------------------------------------

TEST(WhereTest, CoordinatesOfTrueElements) {
  Scope root = Scope::NewRootScope();
  Tensor c(DT_BOOL, TensorShape{2, 3});
  bool v[] = {true, false, false, false, true, true};
  std::copy(v, v + 6, c.data<bool>());
  auto w = ops::Where(root, ops::Const(root, c));
  EXPECT_EQ(w.shape(), TensorShape({-1, 2}));
  test::ExpectTensorEqual(test::RunOne(root, w), I64({0, 0, 1, 1, 1, 2}, {3, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Where(root, ops::Const(root, F({0, 2, 0, -1}, {4})))),
                          I64({1, 3}, {2, 1}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Where(root, ops::Const(root, F({0, 0}, {2})))), I64({}, {0, 1}));
}

TEST(PadV2Test, PadsWithTheConstant) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {1, 2});
  auto y = ops::PadV2(root, x, I32({1, 0, 0, 1}, {2, 2}), 9.0);
  auto out = test::RunGraph(root, {{x, D({1, 2}, {1, 2})}}, {y});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], D({9, 9, 9, 1, 2, 9}, {2, 3}));
  ExpectGradientOk(root, {x}, {D({1, 2}, {1, 2})}, ops::Sum(root, ops::Square(root, y), {0, 1}));
}

// ---- Random ----------------------------------------------------------------------------------

TEST(RandomIntTest, UniformIntIsInRangeAndSeeded) {
  auto draw = [](int64_t seed) {
    Scope root = Scope::NewRootScope();
    auto r = ops::RandomUniformInt(root, I32({1000}, {1}), int64_t{-3}, int64_t{5}, seed, 7);
    return test::RunOne(root, r);
  };
  Tensor a = draw(1), b = draw(1), c = draw(2);
  std::set<int64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = a.data<int64_t>()[i];
    EXPECT_GE(v, -3);
    EXPECT_LT(v, 5);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 8u);
  test::ExpectTensorEqual(a, b);
  EXPECT_FALSE(std::equal(a.data<int64_t>(), a.data<int64_t>() + 1000, c.data<int64_t>()));
  Scope root = Scope::NewRootScope();
  auto bad = ops::RandomUniformInt(root, I32({2}, {1}), 3, 3);
  EXPECT_THAT(RunError(root, bad), HasSubstr("Need minval < maxval"));
}

TEST(RandomIntTest, ShuffleIsAPermutationOfRows) {
  Scope root = Scope::NewRootScope();
  std::vector<int32_t> v(40);
  for (int i = 0; i < 40; ++i) v[i] = i;
  auto s = ops::RandomShuffle(root, ops::Const(root, I32(v, {20, 2})), 3, 4);
  Tensor out = test::RunOne(root, s);
  ASSERT_EQ(out.shape(), TensorShape({20, 2}));
  std::set<int32_t> rows;
  bool moved = false;
  for (int i = 0; i < 20; ++i) {
    const int32_t first = out.data<int32_t>()[2 * i];
    EXPECT_EQ(out.data<int32_t>()[2 * i + 1], first + 1);
    rows.insert(first);
    moved |= first != 2 * i;
  }
  EXPECT_EQ(rows.size(), 20u);
  EXPECT_TRUE(moved);
}

TEST(RandomIntTest, MultinomialFollowsTheSoftmax) {
  Scope root = Scope::NewRootScope();
  const float inf = std::numeric_limits<float>::infinity();
  auto logits = ops::Const(root, F({0, std::log(3.0f), -inf, 5, -inf, -inf}, {2, 3}));
  auto m = ops::Multinomial(root, logits, 4000, 5, 6);
  EXPECT_EQ(m.shape(), TensorShape({2, 4000}));
  Tensor out = test::RunOne(root, m);
  int counts[3] = {0, 0, 0};
  for (int s = 0; s < 4000; ++s) {
    ++counts[out.data<int64_t>()[s]];
    EXPECT_EQ(out.data<int64_t>()[4000 + s], 0);
  }
  EXPECT_EQ(counts[2], 0);
  EXPECT_NEAR(counts[1] / 4000.0, 0.75, 0.03);
}

// ---- MirrorPad, SigmoidCrossEntropyWithLogits, L2Normalize (values from TensorFlow) ----------

TEST(MirrorPadTest, ReflectAndSymmetric) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({1, 2, 3, 4, 5, 6}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::MirrorPad(root, x, I32({1, 1, 2, 2}, {2, 2}), "REFLECT")),
                          F({6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1}, {4, 7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::MirrorPad(root, x, I32({1, 0, 0, 3}, {2, 2}), "SYMMETRIC")),
                          F({1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 4, 5, 6, 6, 5, 4}, {3, 6}));
  Scope r2 = Scope::NewRootScope();
  ops::MirrorPad(r2, ops::Const(r2, F({1, 2}, {2})), I32({2, 0}, {1, 2}), "REFLECT");
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("no greater than"));
}

TEST(MirrorPadTest, GradientsFoldBack) {
  for (const char* mode : {"REFLECT", "SYMMETRIC"}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
    auto y = ops::MirrorPad(root, x, I32({1, 1, 2, 1}, {2, 2}), mode);
    auto w = ops::Const(root, test::Doubles({4, 6}, 0.7, -0.3));
    ExpectGradientOk(root, {x}, {test::Doubles({2, 3}, 0.5, 0.2)},
                     ops::Sum(root, ops::Mul(root, ops::Square(root, y), w), {0, 1}));
  }
}

TEST(NnCompositionsTest, SigmoidCrossEntropyAndL2NormalizeMatchTensorFlow) {
  Scope root = Scope::NewRootScope();
  auto loss = ops::SigmoidCrossEntropyWithLogits(root, ops::Const(root, F({0, 1, 0.3f, 1}, {4})),
                                                 ops::Const(root, F({-100, 2, 0.5f, 30}, {4})));
  test::ExpectTensorNear(test::RunOne(root, loss), F({0, 0.126928f, 0.824077f, 9.357623e-14f}, {4}), 1e-6);
  auto n = ops::L2Normalize(root, ops::Const(root, F({3, 4, 0, 0}, {2, 2})), 1);
  test::ExpectTensorNear(test::RunOne(root, n), F({0.6f, 0.8f, 0, 0}, {2, 2}), 1e-7);
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 2});
  auto z = ops::Const(root, D({0, 1, 0.25, 1}, {2, 2}));
  ExpectGradientOk(root, {x}, {D({-1.5, 0.3, 2, -0.2}, {2, 2})},
                   ops::Add(root, ops::Sum(root, ops::SigmoidCrossEntropyWithLogits(root, z, x), {0, 1}),
                            ops::Sum(root, ops::Mul(root, ops::L2Normalize(root, x, 1), z), {0, 1})));
}


// ---- GatherV2, Gather, UnsortedSegmentSum ----------------------------------------------------
// Expected values are TensorFlow 2.21's (tf.gather, tf.math.unsorted_segment_sum).

Tensor Iota24() {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  return F(v, {2, 3, 4});
}

TEST(GatherTest, AnyAxisMatchesTensorFlow) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Const(root, Iota24());
  auto g1 = ops::GatherV2(root, p, ops::Const(root, I32({2, 0, 1, 2}, {2, 2})), 1);
  EXPECT_EQ(g1.shape().DebugString(), TensorShape({2, 2, 2, 4}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, g1),
                          F({8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                             20, 21, 22, 23, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, {2, 2, 2, 4}));
  auto g2 = ops::GatherV2(root, p, ops::Const(root, I64({3, 0, 3}, {3})), ops::Const(root, int64_t{-1}));
  test::ExpectTensorEqual(test::RunOne(root, g2),
                          F({3, 0, 3, 7, 4, 7, 11, 8, 11, 15, 12, 15, 19, 16, 19, 23, 20, 23}, {2, 3, 3}));
  auto g3 = ops::Gather(root, ops::Const(root, I64({10, 20, 30}, {3})), ops::Const(root, I32({2, 2, 0}, {3})));
  test::ExpectTensorEqual(test::RunOne(root, g3), I64({30, 30, 10}, {3}));
  // A scalar index drops the axis.
  auto g4 = ops::GatherV2(root, p, 1, 0);
  EXPECT_EQ(test::RunOne(root, g4).shape().DebugString(), TensorShape({3, 4}).DebugString());
  EXPECT_EQ(test::RunOne(root, g4).data<float>()[0], 12.0f);
}

TEST(GatherTest, BadIndicesAxisAndBatchDimsNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Const(root, Iota24());
  auto idx = ops::Placeholder(root, DT_INT32, {2, 2});
  auto g = ops::GatherV2(root.WithOpName("lookup"), p, idx, 1);
  auto out = test::RunGraph(root, {{idx, I32({0, 1, 5, 0}, {2, 2})}}, {g});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(out.status())) << out.status();
  EXPECT_THAT(out.status().message(), HasSubstr("lookup"));
  EXPECT_THAT(out.status().message(), HasSubstr("indices[1,0] = 5 is not in [0, 3)"));
  out = test::RunGraph(root, {{idx, I32({0, -1, 0, 0}, {2, 2})}}, {g});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("indices[0,1] = -1 is not in [0, 3)"));

  Scope r2 = Scope::NewRootScope();
  ops::GatherV2(r2, ops::Const(r2, Iota24()), 0, 3);
  EXPECT_THAT(r2.status().message(), HasSubstr("axis 3 is out of range for rank 3"));
  // batch_dims (more in tests/scatter_ops_test.cc): batch b gathers row indices[b] of params[b].
  Scope r3 = Scope::NewRootScope();
  auto batched = ops::GatherV2(r3.WithOpName("batched"), ops::Const(r3, Iota24()),
                               ops::Const(r3, I32({0, 1}, {2, 1})), 1, /*batch_dims=*/1);
  ASSERT_TRUE(r3.ok()) << r3.status();
  test::ExpectTensorEqual(test::RunOne(r3, batched), F({0, 1, 2, 3, 16, 17, 18, 19}, {2, 1, 4}));
}

// y = sum(g * w) with w fixed and of g's (static) shape.
Output WeightedSum(const Scope& root, const Output& g) {
  const TensorShape& shape = g.shape();
  std::vector<double> w(shape.num_elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.7 * static_cast<double>(i) + 0.3);
  return ops::Sum(root, ops::Mul(root, g, ops::Const(root, D(w, shape))), {0, 1, 2});
}

TEST(GatherTest, GradientsSumRepeatedIndices) {
  const Tensor x = D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1, -2, 0.1, 0.9, -0.3}, {2, 3, 2});
  for (int axis : {0, 1, -1, 2}) {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {2, 3, 2});
    auto idx = ops::Const(root, axis == 1 ? I32({2, 0, 2, 2}, {4}) : I32({1, 1, 0, 1}, {4}));
    ExpectGradientOk(root, {p}, {x}, WeightedSum(root, ops::GatherV2(root, p, idx, axis)));
  }
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {2, 3, 2});
  auto g = ops::Gather(root, p, ops::Const(root, I64({1, 0, 1}, {3})));
  ExpectGradientOk(root, {p}, {x}, WeightedSum(root, ops::Reshape(root, g, {3, 3, 2})));
}

TEST(UnsortedSegmentSumTest, DropsNegativeIdsAndMatchesTensorFlow) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto s = ops::UnsortedSegmentSum(root, d, ops::Const(root, I32({0, 2, -1, 0}, {4})), 3);
  EXPECT_EQ(s.shape().DebugString(), TensorShape({3, 2}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, s), F({8, 10, 0, 0, 3, 4}, {3, 2}));
  auto s2 = ops::UnsortedSegmentSum(root, ops::Reshape(root, d, {2, 2, 2}),
                                    ops::Const(root, I64({1, 1, 0, 1}, {2, 2})), ops::Const(root, int64_t{2}));
  test::ExpectTensorEqual(test::RunOne(root, s2), F({5, 6, 11, 14}, {2, 2}));

  auto ids = ops::Placeholder(root, DT_INT32, {4});
  auto bad = ops::UnsortedSegmentSum(root.WithOpName("segments"), d, ids, 3);
  auto out = test::RunGraph(root, {{ids, I32({0, 3, 1, 0}, {4})}}, {bad});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("segments"));
  EXPECT_THAT(out.status().message(), HasSubstr("segment_ids[1] = 3 is out of range [0, 3)"));
  Scope r2 = Scope::NewRootScope();
  ops::UnsortedSegmentSum(r2, ops::Const(r2, F({1, 2, 3}, {3})), ops::Const(r2, I32({0, 1}, {2})), 2);
  EXPECT_THAT(r2.status().message(), HasSubstr("does not start with segment_ids.shape"));
}

TEST(UnsortedSegmentSumTest, GradientGathersAndZeroesDroppedRows) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Placeholder(root, DT_DOUBLE, {4, 2});
  auto s = ops::UnsortedSegmentSum(root, d, ops::Const(root, I32({0, 2, -1, 0}, {4})), 3);
  auto y = ops::Sum(root, ops::Mul(root, s, ops::Const(root, D({1, -2, 3, 0.5, 2, -1}, {3, 2}))), {0, 1});
  ExpectGradientOk(root, {d}, {D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1}, {4, 2})}, y);
}

}  // namespace
}  // namespace sluice
