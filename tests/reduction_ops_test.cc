// Reductions and ArgMax/ArgMin: hand-computed values (axes positive, negative, scalar, int64,
// empty, several; keep_dims; integer types), empty inputs, float accuracy of long sums and
// means, the parallel paths against double-precision naive loops, shape inference with constant
// and run-time axes, build-time and run-time errors, and numeric gradient checks (double).
#include <cmath>
#include <limits>

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

using test::Doubles;
using test::Floats;

using Reduce = Output (*)(const Scope&, const Input&, const Input&, bool);

Tensor Reduced(Reduce op, const Tensor& x, const Input& axes, bool keep_dims = false) {
  Scope root = Scope::NewRootScope();
  auto y = op(root, ops::Const(root, x), axes, keep_dims);
  EXPECT_TRUE(root.ok()) << root.status();
  return test::RunOne(root, y);
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs,
                      const std::vector<Tensor>& values, const Output& y, double tol = 1e-7) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, tol);
}

// ---- Values ----------------------------------------------------------------------------------

TEST(ReductionTest, SumMeanMaxMinProdOverEachAxis) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {0}), F({5, 7, 9}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {1}), F({6, 15}, {2}));
  test::ExpectTensorEqual(Reduced(ops::Sum, x, -1), F({6, 15}, {2}));
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {0, 1}), F({21}, {}));
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {1, -2}), F({21}, {}));
  test::ExpectTensorEqual(Reduced(ops::Mean, x, {0}), F({2.5f, 3.5f, 4.5f}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Mean, x, {1}), F({2, 5}, {2}));
  test::ExpectTensorEqual(Reduced(ops::Max, x, {0}), F({4, 5, 6}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Max, x, {1}), F({3, 6}, {2}));
  test::ExpectTensorEqual(Reduced(ops::Min, x, {0}), F({1, 2, 3}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Min, x, {0, 1}), F({1}, {}));
  test::ExpectTensorEqual(Reduced(ops::Prod, x, {0}), F({4, 10, 18}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Prod, x, {1}), F({6, 120}, {2}));
  test::ExpectTensorEqual(Reduced(ops::ReduceSum, x, I64({1}, {1})), F({6, 15}, {2}));
}

TEST(ReductionTest, KeepDimsAndNoOpReductions) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {2, 3});
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {1}, true), F({6, 15}, {2, 1}));
  test::ExpectTensorEqual(Reduced(ops::Mean, x, {0, 1}, true), F({3.5f}, {1, 1}));
  test::ExpectTensorEqual(Reduced(ops::Max, x, {0}, true), F({4, 5, 6}, {1, 3}));
  // No axes: the input unchanged.
  test::ExpectTensorEqual(Reduced(ops::Sum, x, I32({}, {0})), x);
  test::ExpectTensorEqual(Reduced(ops::Mean, x, I32({}, {0}), true), x);
  // Reducing an axis of size 1.
  test::ExpectTensorEqual(Reduced(ops::Sum, F({1, 2}, {1, 2}), {0}), F({1, 2}, {2}));
  test::ExpectTensorEqual(Reduced(ops::Mean, F({1, 2}, {2, 1}), {1}, true), F({1, 2}, {2, 1}));
  // A scalar reduced over no axes.
  test::ExpectTensorEqual(Reduced(ops::Sum, F({7}, {}), I32({}, {0})), F({7}, {}));
}

TEST(ReductionTest, IntegerAndDoubleTypes) {
  Tensor x = I32({1, -2, 3, 4, 5, -6}, {2, 3});
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {0}), I32({5, 3, -3}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Mean, x, {1}), I32({0, 1}, {2}));  // 2/3 and 3/3, truncated
  test::ExpectTensorEqual(Reduced(ops::Max, x, {1}), I32({3, 5}, {2}));
  test::ExpectTensorEqual(Reduced(ops::Prod, I64({2, 3, 4}, {3}), {0}), I64({24}, {}));
  test::ExpectTensorEqual(Reduced(ops::Min, I64({2, 3, -4}, {3}), 0), I64({-4}, {}));
  test::ExpectTensorEqual(Reduced(ops::Mean, D({1, 2, 4}, {3}), {0}), D({7.0 / 3}, {}));
}

// The reduction of x ([d0, d1, d2]) over the flagged axes, in double, by plain loops.
std::vector<double> NaiveReduce3(const Tensor& x, bool r0, bool r1, bool r2, double init,
                                 double (*combine)(double, double)) {
  const int64_t d0 = x.dim_size(0), d1 = x.dim_size(1), d2 = x.dim_size(2);
  const int64_t o1 = r1 ? 1 : d1, o2 = r2 ? 1 : d2;
  std::vector<double> out((r0 ? 1 : d0) * o1 * o2, init);
  for (int64_t i = 0; i < d0; ++i) {
    for (int64_t j = 0; j < d1; ++j) {
      for (int64_t k = 0; k < d2; ++k) {
        double& o = out[((r0 ? 0 : i) * o1 + (r1 ? 0 : j)) * o2 + (r2 ? 0 : k)];
        o = combine(o, x.data<float>()[(i * d1 + j) * d2 + k]);
      }
    }
  }
  return out;
}
double Plus(double a, double b) { return a + b; }
double Larger(double a, double b) { return std::max(a, b); }
std::vector<double> NaiveSum3(const Tensor& x, bool r0, bool r1, bool r2) {
  return NaiveReduce3(x, r0, r1, r2, 0.0, Plus);
}

TEST(ReductionTest, EveryAxisSubsetOfARank3TensorMatchesNaiveLoops) {
  for (TensorShape shape : {TensorShape{2, 3, 4}, TensorShape{3, 1, 5}, TensorShape{70, 300, 9}}) {
    Tensor x = Floats(shape);
    for (int mask = 1; mask < 8; ++mask) {
      std::vector<int32_t> axes;
      for (int a = 0; a < 3; ++a) {
        if (mask & (1 << a)) axes.push_back(a);
      }
      Tensor got = Reduced(ops::Sum, x, I32(axes, {static_cast<int64_t>(axes.size())}), true);
      std::vector<double> want = NaiveSum3(x, mask & 1, mask & 2, mask & 4);
      ASSERT_EQ(got.NumElements(), static_cast<int64_t>(want.size()));
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_NEAR(got.data<float>()[i], want[i], 1e-6 * std::max(1.0, std::fabs(want[i])))
            << shape.DebugString() << " mask " << mask << " element " << i;
      }
    }
  }
}

TEST(ReductionTest, RandomShapesAndAxesMatchNaiveLoops) {
  uint64_t state = 99;
  auto next = [&](int n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % n);
  };
  for (int trial = 0; trial < 300; ++trial) {
    const int rank = next(6);
    TensorShape shape;
    for (int i = 0; i < rank; ++i) shape.AddDim(next(9) == 0 ? 0 : 1 + next(4));
    std::vector<int32_t> axes;
    std::vector<bool> reduced(rank, false);
    for (int i = 0; i < rank; ++i) {
      if (next(2) == 0) continue;
      reduced[i] = true;
      axes.push_back(next(2) == 0 ? i : i - rank);  // positive or negative
    }
    const bool keep_dims = next(2) == 0;
    Tensor x = Floats(shape, 1.0, 0.5);
    // Naive: each input element adds into the output element with its reduced indices zeroed.
    TensorShape kept;
    for (int i = 0; i < rank; ++i) kept.AddDim(reduced[i] ? 1 : shape.dim(i));
    std::vector<double> sum(kept.num_elements(), 0.0), mx(kept.num_elements(), -HUGE_VAL);
    std::vector<int64_t> idx(rank);
    for (int64_t e = 0; e < x.NumElements(); ++e) {
      int64_t rest = e;
      for (int i = rank - 1; i >= 0; --i) {
        idx[i] = rest % shape.dim(i);
        rest /= shape.dim(i);
      }
      int64_t o = 0;
      for (int i = 0; i < rank; ++i) o = o * kept.dim(i) + (reduced[i] ? 0 : idx[i]);
      sum[o] += x.data<float>()[e];
      mx[o] = std::max<double>(mx[o], x.data<float>()[e]);
    }
    Tensor axes_t = I32(axes, {static_cast<int64_t>(axes.size())});
    Tensor got_sum = Reduced(ops::Sum, x, axes_t, keep_dims);
    Tensor got_max = Reduced(ops::Max, x, axes_t, keep_dims);
    SCOPED_TRACE(shape.DebugString() + " axes " + std::to_string(axes.size()));
    ASSERT_EQ(got_sum.NumElements(), static_cast<int64_t>(sum.size()));
    if (keep_dims) EXPECT_EQ(got_sum.shape(), kept);
    for (size_t i = 0; i < sum.size(); ++i) {
      EXPECT_NEAR(got_sum.data<float>()[i], sum[i], 1e-5);
      EXPECT_EQ(got_max.data<float>()[i], static_cast<float>(mx[i]));
    }
  }
}

TEST(ReductionTest, ParallelPathsMatchNaiveLoops) {
  // Few long rows, many short rows, a wide column reduction, a tall narrow one, and a 3-D
  // reduction over the middle axis with few outer slabs.
  struct Case {
    TensorShape shape;
    std::vector<int32_t> axes;
  };
  const std::vector<Case> cases = {{{3, 200000}, {1}},     {{200000, 3}, {1}}, {{40, 20000}, {0}},
                                   {{200000, 3}, {0}},     {{1, 300000}, {1}}, {{2, 5000, 40}, {1}},
                                   {{600, 600}, {0, 1}}};
  for (const Case& c : cases) {
    Tensor x = Floats(c.shape);
    Tensor x3;
    if (c.shape.rank() == 2) {
      ASSERT_TRUE(x.Reshaped({1, c.shape.dim(0), c.shape.dim(1)}, &x3));
    } else {
      x3 = x;
    }
    bool r[3] = {false, false, false};
    for (int32_t a : c.axes) r[a + 3 - c.shape.rank()] = true;
    std::vector<double> want = NaiveSum3(x3, r[0], r[1], r[2]);
    std::vector<double> want_max = NaiveReduce3(x3, r[0], r[1], r[2], -HUGE_VAL, Larger);
    Tensor got = Reduced(ops::Sum, x, I32(c.axes, {static_cast<int64_t>(c.axes.size())}));
    Tensor mean = Reduced(ops::Mean, x, I32(c.axes, {static_cast<int64_t>(c.axes.size())}));
    Tensor mx = Reduced(ops::Max, x, I32(c.axes, {static_cast<int64_t>(c.axes.size())}));
    ASSERT_EQ(got.NumElements(), static_cast<int64_t>(want.size()));
    const double count = static_cast<double>(x.NumElements()) / want.size();
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(got.data<float>()[i], want[i], 1e-6 * std::max(1.0, std::fabs(want[i])));
      EXPECT_NEAR(mean.data<float>()[i], want[i] / count, 1e-6);
      EXPECT_EQ(mx.data<float>()[i], want_max[i]);
    }
  }
}

TEST(ReductionTest, LongFloatMeansAreAccurate) {
  // 60000 values whose float sum drifts by ~1e-3 relative when accumulated naively in float.
  const int64_t n = 60000;
  Tensor x(DT_FLOAT, {n});
  double exact = 0;
  for (int64_t i = 0; i < n; ++i) {
    x.data<float>()[i] = 0.1f + 1e-3f * static_cast<float>(i % 7);
    exact += x.data<float>()[i];
  }
  Tensor mean = Reduced(ops::Mean, x, {0});
  EXPECT_NEAR(mean.data<float>()[0], exact / n, 1e-7 * exact / n);
  Tensor col;
  ASSERT_TRUE(x.Reshaped({n / 3, 3}, &col));
  Tensor col_mean = Reduced(ops::Mean, col, {0});
  for (int j = 0; j < 3; ++j) {
    double e = 0;
    for (int64_t i = 0; i < n / 3; ++i) e += col.data<float>()[i * 3 + j];
    EXPECT_NEAR(col_mean.data<float>()[j], e / (n / 3), 1e-7 * e / (n / 3));
  }
}

TEST(ReductionTest, EmptyInputs) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor x = F({}, {0, 3});
  test::ExpectTensorEqual(Reduced(ops::Sum, x, {0}), F({0, 0, 0}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Prod, x, {0}), F({1, 1, 1}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Max, x, {0}), F({-inf, -inf, -inf}, {3}));
  test::ExpectTensorEqual(Reduced(ops::Min, x, {0}), F({inf, inf, inf}, {3}));
  Tensor m = Reduced(ops::Mean, x, {0});
  EXPECT_TRUE(std::isnan(m.data<float>()[0]));
  EXPECT_EQ(Reduced(ops::Sum, x, {1}).shape().DebugString(), "[0]");
  test::ExpectTensorEqual(Reduced(ops::Max, I32({}, {0}), {0}), I32({std::numeric_limits<int32_t>::lowest()}, {}));
}

TEST(ReductionTest, NaNPropagatesThroughMaxAndMin) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = F({1, nan, 3, 4, 5, 6}, {2, 3});
  Tensor mx = Reduced(ops::Max, x, {1}), mn = Reduced(ops::Min, x, {0});
  EXPECT_TRUE(std::isnan(mx.data<float>()[0]));
  EXPECT_EQ(mx.data<float>()[1], 6);
  EXPECT_TRUE(std::isnan(mn.data<float>()[1]));
  EXPECT_EQ(mn.data<float>()[0], 1);
}

// ---- Shapes and errors -----------------------------------------------------------------------

TEST(ReductionShapeTest, ConstantAndRunTimeAxes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 784});
  EXPECT_EQ(ops::Sum(root, x, {0}).shape().DebugString(), "[784]");
  EXPECT_EQ(ops::Mean(root, x, -1, true).shape().DebugString(), "[?,1]");
  EXPECT_EQ(ops::Max(root, x, {0, 1}).shape().DebugString(), "[]");
  auto axes = ops::Placeholder(root, DT_INT32, {-1});
  EXPECT_TRUE(ops::Sum(root, x, axes).shape().unknown_rank());
  EXPECT_EQ(ops::Sum(root, x, axes, true).shape().DebugString(), "[?,?]");
  auto unknown = ops::Placeholder(root, DT_FLOAT);
  EXPECT_TRUE(ops::Sum(root, unknown, {0}).shape().unknown_rank());
  ASSERT_TRUE(root.ok()) << root.status();
  Tensor got = test::RunOne(root, ops::Sum(root, x, axes, true),
                            {{x, Floats({2, 784})}, {axes, I32({-1}, {1})}});
  EXPECT_EQ(got.shape().DebugString(), "[2,1]");
}

TEST(ReductionShapeTest, AxisOutOfRangeAtBuildAndRunTime) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  ops::Sum(root.WithOpName("s"), x, {2});
  EXPECT_THAT(root.status().message(), HasSubstr("node 's'"));
  EXPECT_THAT(root.status().message(), HasSubstr("Invalid reduction dimension 2 for input with 2 dimension(s)"));

  Scope r2 = Scope::NewRootScope();
  auto y = ops::Placeholder(r2, DT_FLOAT);
  auto axes = ops::Placeholder(r2, DT_INT32);
  auto sum = ops::Sum(r2, y, axes);
  Status s = test::RunGraph(r2, {{y, Floats({2, 3})}, {axes, I32({-3}, {1})}}, {sum}).status();
  EXPECT_THAT(s.message(), HasSubstr("Invalid reduction dimension -3 for input with 2 dimension(s)"));
  s = test::RunGraph(r2, {{y, Floats({2, 3})}, {axes, I32({0, 1}, {1, 2})}}, {sum}).status();
  EXPECT_THAT(s.message(), HasSubstr("reduction_indices must be a scalar or vector, got shape [1,2]"));
}

// ---- ArgMax, ArgMin --------------------------------------------------------------------------

TEST(ArgReductionTest, ValuesTiesAndOutputTypes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({1, 9, 9, 4, 0, 0}, {2, 3}));
  auto a1 = ops::ArgMax(root, x, 1);
  auto a0 = ops::ArgMax(root, x, 0, DT_INT32);
  auto m1 = ops::ArgMin(root, x, -1);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a1.shape().DebugString(), "[2]");
  test::ExpectTensorEqual(test::RunOne(root, a1), I64({1, 0}, {2}));  // first of tied maxima
  test::ExpectTensorEqual(test::RunOne(root, a0), I32({1, 0, 0}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, m1), I64({0, 1}, {2}));
  auto ints = ops::ArgMax(root, ops::Const(root, {3, 7, 7, -1}), int64_t{0});
  test::ExpectTensorEqual(test::RunOne(root, ints), I64({1}, {}));
}

TEST(ArgReductionTest, Errors) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  ops::ArgMax(root.WithOpName("a"), x, 2);
  EXPECT_THAT(root.status().message(), HasSubstr("dimension 2 is out of range for input of shape [2,3]"));

  Scope r2 = Scope::NewRootScope();
  auto y = ops::Placeholder(r2, DT_FLOAT);
  auto axis = ops::Placeholder(r2, DT_INT32);
  auto am = ops::ArgMax(r2, y, axis);
  Status s = test::RunGraph(r2, {{y, Floats({2, 3})}, {axis, Tensor::Scalar<int32_t>(5)}}, {am}).status();
  EXPECT_THAT(s.message(), HasSubstr("Expected dimension in the range [-2, 2), but got 5"));
  s = test::RunGraph(r2, {{y, F({}, {3, 0})}, {axis, Tensor::Scalar<int32_t>(1)}}, {am}).status();
  EXPECT_THAT(s.message(), HasSubstr("Reduction axis 1 is empty in shape [3,0]"));
}

// ---- Gradients -------------------------------------------------------------------------------

TEST(ReductionGradTest, SumMeanMaxMinWithStaticShapes) {
  const std::vector<std::pair<std::vector<int32_t>, bool>> axes_cases = {
      {{0}, false}, {{1}, false}, {{-1}, true}, {{0, 2}, false}, {{0, 1, 2}, false},
      {{1, 2}, true}, {{}, false}};
  for (Reduce op : {ops::Sum, ops::Mean, ops::Max, ops::Min, ops::Prod}) {
    for (const auto& [axes, keep_dims] : axes_cases) {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3, 4});
      auto y = op(root, x, I32(axes, {static_cast<int64_t>(axes.size())}), keep_dims);
      SCOPED_TRACE(absl::StrCat(y.node()->type_string(), " axes ", axes.size(), " keep ", keep_dims));
      ExpectGradientOk(root, {x}, {Doubles({2, 3, 4})}, y);
    }
  }
}

TEST(ReductionGradTest, RunTimeShapesAndAxes) {
  for (Reduce op : {ops::Sum, ops::Mean, ops::Max, ops::Min, ops::Prod}) {
    // Unknown dims with constant axes.
    {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, {-1, 3, -1});
      auto y = op(root, x, {1, -1}, false);
      ExpectGradientOk(root, {x}, {Doubles({2, 3, 2})}, y);
    }
    // Unknown rank and axes only known at run time (an Identity hides the constant).
    for (bool keep_dims : {false, true}) {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE);
      auto axes = ops::Identity(root, ops::Const(root, I64({-1, 0}, {2})));
      auto y = op(root, x, axes, keep_dims);
      SCOPED_TRACE(absl::StrCat(y.node()->type_string(), " keep ", keep_dims));
      ExpectGradientOk(root, {x}, {Doubles({3, 2, 2})}, y);
    }
  }
}

TEST(ReductionGradTest, MeanWithKnownOutputAndUnknownInputShape) {
  // The batch mean of a loss ([?] -> []) and a column mean ([?,3] -> [3]).
  for (const auto& axes : {std::vector<int32_t>{0, 1}, std::vector<int32_t>{0}}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, {-1, 3});
    auto y = ops::Mean(root, x, I32(axes, {static_cast<int64_t>(axes.size())}));
    ASSERT_TRUE(y.shape().IsFullyDefined());
    ExpectGradientOk(root, {x}, {Doubles({4, 3})}, y);
  }
}

TEST(ReductionGradTest, TiedMaximaShareTheGradient) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {4});
  auto y = ops::Max(root, x, {0});
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x}, &grads).ok());
  auto out = test::RunGraph(root, {{x, D({1, 5, 5, 2}, {4})}}, {grads[0]});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], D({0, 0.5, 0.5, 0}, {4}));
}

TEST(ReductionGradTest, ProdWithNoneOneAndTwoZeros) {
  const std::vector<Tensor> values = {D({1.5, -2, 0.5, 3, 1.2, -0.7}, {2, 3}),
                                      D({1.5, 0, 0.5, 3, 1.2, -0.7}, {2, 3}),
                                      D({0, 0, 0.5, 3, 0, -0.7}, {2, 3})};
  for (const Tensor& v : values) {
    for (int axis : {0, 1}) {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
      auto y = ops::Prod(root, x, axis);
      ExpectGradientOk(root, {x}, {v}, y);
    }
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE);
    auto y = ops::Prod(root, x, ops::Identity(root, ops::Const(root, {0, 1})), true);
    ExpectGradientOk(root, {x}, {v}, y);
  }
}

}  // namespace
}  // namespace sluice
