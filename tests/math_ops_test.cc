// Elementwise math ops: hand-computed values for every op (float, double and integer types),
// broadcasting patterns up to rank 6 against a naive reference, empty tensors, build-time and
// run-time shape errors, the vectorized float exp/log/tanh/sigmoid against libm, the large
// (parallel) paths, and numeric gradient checks (double) for every differentiable op, through
// both the static and the run-time-shape gradient paths.
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/cpu/vector_math.h"
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
Tensor B(std::vector<bool> v, TensorShape shape) {
  Tensor t(DT_BOOL, shape);
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i];
  return t;
}

using test::Doubles;
using test::Floats;

Status RunError(const Scope& root, const Output& fetch,
                const std::vector<std::pair<Output, Tensor>>& feeds = {}) {
  return test::RunGraph(root, feeds, {fetch}).status();
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs,
                      const std::vector<Tensor>& values, const Output& y, double tol = 1e-7) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, tol);
}

using BinaryBuilder = std::function<Output(const Scope&, const Input&, const Input&)>;

Tensor RunBinary(const BinaryBuilder& op, const Tensor& x, const Tensor& y) {
  Scope root = Scope::NewRootScope();
  auto px = ops::Placeholder(root, x.dtype());
  auto py = ops::Placeholder(root, y.dtype());
  auto z = op(root, px, py);
  EXPECT_TRUE(root.ok()) << root.status();
  return test::RunOne(root, z, {{px, x}, {py, y}});
}

Tensor RunUnary(Output (*op)(const Scope&, const Input&), const Tensor& x) {
  Scope root = Scope::NewRootScope();
  auto px = ops::Placeholder(root, x.dtype());
  auto y = op(root, px);
  EXPECT_TRUE(root.ok()) << root.status();
  return test::RunOne(root, y, {{px, x}});
}

// ---- Binary arithmetic -----------------------------------------------------------------------

TEST(BinaryOpsTest, SameShapeFloatValues) {
  Tensor x = F({1, -2, 3.5f, 0}, {2, 2}), y = F({4, 5, -0.5f, 2}, {2, 2});
  test::ExpectTensorEqual(RunBinary(ops::Add, x, y), F({5, 3, 3, 2}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Sub, x, y), F({-3, -7, 4, -2}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Mul, x, y), F({4, -10, -1.75f, 0}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Div, x, y), F({0.25f, -0.4f, -7, 0}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::RealDiv, x, y), F({0.25f, -0.4f, -7, 0}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Maximum, x, y), F({4, 5, 3.5f, 2}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Minimum, x, y), F({1, -2, -0.5f, 0}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::SquaredDifference, x, y), F({9, 49, 16, 4}, {2, 2}));
}

TEST(BinaryOpsTest, DoubleAndIntegerTypes) {
  test::ExpectTensorEqual(RunBinary(ops::Mul, D({1.5, -2}, {2}), D({2, 3}, {2})), D({3, -6}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::Add, I32({1, 2}, {2}), I32({10, 20}, {2})),
                          I32({11, 22}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::Sub, I64({1, 2}, {2}), I64({10, 20}, {2})),
                          I64({-9, -18}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::Maximum, I64({1, 30}, {2}), I64({10, 20}, {2})),
                          I64({10, 30}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::SquaredDifference, I32({1, 30}, {2}), I32({4, 20}, {2})),
                          I32({9, 100}, {2}));
}

TEST(BinaryOpsTest, IntegerDivisionTruncatesLikeC) {
  Tensor x = I32({7, -7, 7, -7, 0, std::numeric_limits<int32_t>::min()}, {6});
  Tensor y = I32({2, 2, -2, -2, 5, -1}, {6});
  test::ExpectTensorEqual(RunBinary(ops::Div, x, y),
                          I32({3, -3, -3, 3, 0, std::numeric_limits<int32_t>::min()}, {6}));
  Scope root = Scope::NewRootScope();
  auto px = ops::Placeholder(root, DT_INT64);
  auto z = ops::Div(root, px, px);
  EXPECT_EQ(z.node()->type_string(), "Div");
  Status s = RunError(root, z, {{px, I64({3, 0}, {2})}});
  EXPECT_THAT(s.message(), HasSubstr("Integer division by zero"));
}

TEST(BinaryOpsTest, DivBuildsRealDivForFloats) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE);
  EXPECT_EQ(ops::Div(root, x, 2).node()->type_string(), "RealDiv");
  EXPECT_EQ(ops::Add(root, x, 2).node()->type_string(), "AddV2");
}

TEST(BinaryOpsTest, NaNPropagatesThroughMaximumAndMinimum) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = F({nan, 1, 2}, {3}), y = F({1, nan, 0}, {3});
  Tensor mx = RunBinary(ops::Maximum, x, y), mn = RunBinary(ops::Minimum, x, y);
  EXPECT_TRUE(std::isnan(mx.data<float>()[0]) && std::isnan(mx.data<float>()[1]));
  EXPECT_TRUE(std::isnan(mn.data<float>()[0]) && std::isnan(mn.data<float>()[1]));
  EXPECT_EQ(mx.data<float>()[2], 2);
  EXPECT_EQ(mn.data<float>()[2], 0);
}

TEST(BinaryOpsTest, LiteralsTakeTheOtherOperandsDtype) {
  Scope root = Scope::NewRootScope();
  auto i = ops::Const(root, {1, 2, 3});
  auto d = ops::Const(root, {1.0, 2.0});
  auto a = ops::Mul(root, i, 2);
  auto b = ops::Mul(root, 0.5, d);
  auto c = ops::Sub(root, 10, i);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.dtype(), DT_INT32);
  EXPECT_EQ(b.dtype(), DT_DOUBLE);
  test::ExpectTensorEqual(test::RunOne(root, a), I32({2, 4, 6}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, b), D({0.5, 1.0}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, c), I32({9, 8, 7}, {3}));
}

TEST(BroadcastTest, RowVectorColumnVectorAndScalar) {
  // [2,3] + [3]
  test::ExpectTensorEqual(RunBinary(ops::Add, F({1, 2, 3, 4, 5, 6}, {2, 3}), F({10, 20, 30}, {3})),
                          F({11, 22, 33, 14, 25, 36}, {2, 3}));
  // [3] - [2,3]: the left operand broadcasts.
  test::ExpectTensorEqual(RunBinary(ops::Sub, F({10, 20, 30}, {3}), F({1, 2, 3, 4, 5, 6}, {2, 3})),
                          F({9, 18, 27, 6, 15, 24}, {2, 3}));
  // [2,1] * [1,3]
  test::ExpectTensorEqual(RunBinary(ops::Mul, F({1, 2}, {2, 1}), F({1, 10, 100}, {1, 3})),
                          F({1, 10, 100, 2, 20, 200}, {2, 3}));
  // [2,3] / [2,1]
  test::ExpectTensorEqual(RunBinary(ops::Div, F({2, 4, 6, 3, 6, 9}, {2, 3}), F({2, 3}, {2, 1})),
                          F({1, 2, 3, 1, 2, 3}, {2, 3}));
  // scalar with a matrix, both ways, and with int64.
  test::ExpectTensorEqual(RunBinary(ops::Maximum, F({2.5f}, {}), F({1, 3, 2, 4}, {2, 2})),
                          F({2.5f, 3, 2.5f, 4}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Sub, I64({1, 3, 2, 4}, {2, 2}), I64({1}, {})),
                          I64({0, 2, 1, 3}, {2, 2}));
  // [1,1] with a scalar gives [1,1].
  test::ExpectTensorEqual(RunBinary(ops::Add, F({1}, {1, 1}), F({2}, {})), F({3}, {1, 1}));
}

// The broadcast of x and y computed with plain index arithmetic.
Tensor NaiveBroadcastAdd(const Tensor& x, const Tensor& y) {
  const int rank = std::max(x.dims(), y.dims());
  TensorShape out;
  for (int i = 0; i < rank; ++i) {
    int kx = i - (rank - x.dims()), ky = i - (rank - y.dims());
    int64_t dx = kx < 0 ? 1 : x.dim_size(kx), dy = ky < 0 ? 1 : y.dim_size(ky);
    out.AddDim(dx == 1 ? dy : dx);
  }
  Tensor z(DT_FLOAT, out);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t e = 0; e < z.NumElements(); ++e) {
    int64_t rest = e;
    for (int i = rank - 1; i >= 0; --i) {
      idx[i] = rest % out.dim(i);
      rest /= out.dim(i);
    }
    auto offset = [&](const Tensor& t) {
      int64_t off = 0;
      for (int k = 0; k < t.dims(); ++k) {
        int i = k + rank - t.dims();
        off = off * t.dim_size(k) + (t.dim_size(k) == 1 ? 0 : idx[i]);
      }
      return off;
    };
    z.data<float>()[e] = x.data<float>()[offset(x)] + y.data<float>()[offset(y)];
  }
  return z;
}

// SelectV2 of c, t and e broadcast together, computed with plain index arithmetic.
Tensor NaiveSelectV2(const Tensor& c, const Tensor& t, const Tensor& e) {
  const int rank = std::max({c.dims(), t.dims(), e.dims()});
  TensorShape out;
  for (int i = 0; i < rank; ++i) {
    int64_t d = 1;
    for (const Tensor* x : {&c, &t, &e}) {
      int k = i - (rank - x->dims());
      if (k >= 0 && x->dim_size(k) != 1) d = x->dim_size(k);
    }
    out.AddDim(d);
  }
  Tensor z(DT_FLOAT, out);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t n = 0; n < z.NumElements(); ++n) {
    int64_t rest = n;
    for (int i = rank - 1; i >= 0; --i) {
      idx[i] = rest % out.dim(i);
      rest /= out.dim(i);
    }
    auto offset = [&](const Tensor& x) {
      int64_t off = 0;
      for (int k = 0; k < x.dims(); ++k) {
        off = off * x.dim_size(k) + (x.dim_size(k) == 1 ? 0 : idx[k + rank - x.dims()]);
      }
      return off;
    };
    z.data<float>()[n] = c.data<bool>()[offset(c)] ? t.data<float>()[offset(t)] : e.data<float>()[offset(e)];
  }
  return z;
}

TEST(BroadcastTest, HighRankPatternsMatchNaiveIndexing) {
  const std::vector<std::pair<TensorShape, TensorShape>> cases = {
      {{2, 1, 3, 1, 2, 2}, {1, 4, 3, 5, 1, 2}},
      {{3, 1, 4, 1, 2, 1}, {4, 5, 1, 3}},
      {{1, 1, 1, 2, 3, 4}, {2, 3, 4}},
      {{2, 3, 4, 5}, {2, 1, 4, 1}},
      {{7}, {3, 2, 1, 1, 1, 1, 7}},
      {{2, 1, 2, 1, 2, 1, 2}, {1, 2, 1, 2, 1, 2, 1}},
  };
  for (const auto& [sx, sy] : cases) {
    Tensor x = Floats(sx, 3.0), y = Floats(sy, 2.0, 1.0);
    test::ExpectTensorEqual(RunBinary(ops::Add, x, y), NaiveBroadcastAdd(x, y));
    test::ExpectTensorEqual(RunBinary(ops::Add, y, x), NaiveBroadcastAdd(y, x));
  }
}

TEST(BroadcastTest, RandomCompatibleShapesMatchNaiveIndexing) {
  uint64_t state = 12345;
  auto next = [&](int n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % n);
  };
  for (int trial = 0; trial < 300; ++trial) {
    const int rank = next(7);
    TensorShape sx, sy;
    const int drop_x = next(rank + 1), drop_y = next(2) == 0 ? next(rank + 1) : 0;
    for (int i = 0; i < rank; ++i) {
      const int64_t d = next(8) == 0 ? 0 : 1 + next(3);
      const int pattern = next(3);  // 0: both d, 1: x broadcasts, 2: y broadcasts
      if (i >= drop_x) sx.AddDim(pattern == 1 ? 1 : d);
      if (i >= drop_y) sy.AddDim(pattern == 2 ? 1 : d);
    }
    Tensor x = Floats(sx, 3.0), y = Floats(sy, 2.0, 1.0);
    SCOPED_TRACE(sx.DebugString() + " + " + sy.DebugString());
    test::ExpectTensorEqual(RunBinary(ops::Add, x, y), NaiveBroadcastAdd(x, y));
  }
}

TEST(BroadcastTest, LargeTensorsTakeTheParallelPaths) {
  // Same shape, row vector, column vector, and an outer dimension of 1.
  const std::vector<std::pair<TensorShape, TensorShape>> cases = {
      {{512, 1024}, {512, 1024}}, {{512, 1024}, {1024}}, {{512, 1024}, {512, 1}},
      {{1, 300000}, {300000}}, {{300000}, {}}};
  for (const auto& [sx, sy] : cases) {
    Tensor x = Floats(sx), y = Floats(sy, 2.0);
    test::ExpectTensorEqual(RunBinary(ops::Add, x, y), NaiveBroadcastAdd(x, y));
  }
}

TEST(BroadcastTest, EmptyTensors) {
  Tensor z = RunBinary(ops::Add, F({}, {0, 3}), F({1, 2, 3}, {3}));
  EXPECT_EQ(z.shape().DebugString(), "[0,3]");
  z = RunBinary(ops::Mul, F({}, {2, 0}), F({}, {2, 0}));
  EXPECT_EQ(z.shape().DebugString(), "[2,0]");
  z = RunBinary(ops::Less, F({}, {0}), F({1}, {}));
  EXPECT_EQ(z.shape().DebugString(), "[0]");
  EXPECT_EQ(z.dtype(), DT_BOOL);
}

TEST(BroadcastTest, BuildTimeErrorNamesTheNodeAndBothShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  auto y = ops::Placeholder(root, DT_FLOAT, {4});
  ops::Add(root.WithOpName("sum"), x, y);
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("'sum'"));
  EXPECT_THAT(root.status().message(), HasSubstr("[2,3]"));
  EXPECT_THAT(root.status().message(), HasSubstr("[4]"));
}

TEST(BroadcastTest, RunTimeErrorNamesBothShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, -1});
  auto y = ops::Placeholder(root, DT_FLOAT, {-1});
  auto z = ops::Mul(root, x, y);
  Status s = RunError(root, z, {{x, Floats({2, 3})}, {y, Floats({4})}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("Incompatible shapes: [2,3] vs. [4]"));
}

// ---- Unary -----------------------------------------------------------------------------------

TEST(UnaryOpsTest, HandComputedValues) {
  Tensor x = F({-2, -0.5f, 0, 4}, {4});
  test::ExpectTensorEqual(RunUnary(ops::Neg, x), F({2, 0.5f, -0.f, -4}, {4}));
  test::ExpectTensorEqual(RunUnary(ops::Abs, x), F({2, 0.5f, 0, 4}, {4}));
  test::ExpectTensorEqual(RunUnary(ops::Sign, x), F({-1, -1, 0, 1}, {4}));
  test::ExpectTensorEqual(RunUnary(ops::Square, x), F({4, 0.25f, 0, 16}, {4}));
  Tensor p = F({0.25f, 1, 4, 16}, {4});
  test::ExpectTensorEqual(RunUnary(ops::Sqrt, p), F({0.5f, 1, 2, 4}, {4}));
  test::ExpectTensorEqual(RunUnary(ops::Rsqrt, p), F({2, 1, 0.5f, 0.25f}, {4}));
  test::ExpectTensorEqual(RunUnary(ops::Reciprocal, p), F({4, 1, 0.25f, 0.0625f}, {4}));
  test::ExpectTensorNear(RunUnary(ops::Exp, F({0, 1, -1, 10}, {4})),
                         F({1, 2.7182818f, 0.36787944f, 22026.465f}, {4}), 1e-6);
  test::ExpectTensorNear(RunUnary(ops::Log, F({1, 2.7182818f, 0.5f, 100}, {4})),
                         F({0, 1, -0.69314718f, 4.6051702f}, {4}), 1e-6);
  test::ExpectTensorNear(RunUnary(ops::Tanh, F({0, 0.5f, -1, 20}, {4})),
                         F({0, 0.46211716f, -0.76159416f, 1}, {4}), 1e-6);
  test::ExpectTensorNear(RunUnary(ops::Sigmoid, F({0, 2, -2, -100}, {4})),
                         F({0.5f, 0.88079708f, 0.11920292f, 0}, {4}), 1e-6);
}

TEST(UnaryOpsTest, IntegerAndDoubleTypes) {
  test::ExpectTensorEqual(RunUnary(ops::Abs, I32({-3, 0, 5}, {3})), I32({3, 0, 5}, {3}));
  test::ExpectTensorEqual(RunUnary(ops::Sign, I64({-3, 0, 5}, {3})), I64({-1, 0, 1}, {3}));
  test::ExpectTensorEqual(RunUnary(ops::Neg, I64({-3, 0, 5}, {3})), I64({3, 0, -5}, {3}));
  test::ExpectTensorEqual(RunUnary(ops::Square, I32({-3, 4}, {2})), I32({9, 16}, {2}));
  test::ExpectTensorNear(RunUnary(ops::Exp, D({1, -2}, {2})), D({std::exp(1.0), std::exp(-2.0)}, {2}),
                         1e-15);
  test::ExpectTensorNear(RunUnary(ops::Sigmoid, D({3}, {1})), D({1 / (1 + std::exp(-3.0))}, {1}),
                         1e-15);
}

TEST(UnaryOpsTest, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity();
  Tensor e = RunUnary(ops::Exp, F({inf, -inf, 100, -200}, {4}));
  test::ExpectTensorEqual(e, F({inf, 0, inf, 0}, {4}));
  Tensor l = RunUnary(ops::Log, F({0, inf, -1}, {3}));
  EXPECT_EQ(l.data<float>()[0], -inf);
  EXPECT_EQ(l.data<float>()[1], inf);
  EXPECT_TRUE(std::isnan(l.data<float>()[2]));
  test::ExpectTensorEqual(RunUnary(ops::Tanh, F({inf, -inf}, {2})), F({1, -1}, {2}));
  test::ExpectTensorEqual(RunUnary(ops::Sigmoid, F({inf, -inf}, {2})), F({1, 0}, {2}));
}

// Distance in units in the last place between a float result and the exact value.
double UlpError(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e9;
  if (std::isinf(want) || want == 0) return got == want ? 0 : 1e9;
  const float w = static_cast<float>(want);
  const double ulp = std::nextafter(std::fabs(w), std::numeric_limits<float>::infinity()) - std::fabs(w);
  return std::fabs(got - want) / ulp;
}

TEST(VectorMathTest, WithinThreeUlpOfLibmAcrossTheFloatRange) {
  double worst[4] = {};
  for (uint64_t b = 0; b <= 0xffffffffu; b += 9973) {
    uint32_t bits = static_cast<uint32_t>(b);
    float x;
    std::memcpy(&x, &bits, sizeof(x));
    const double xd = x;
    const double want[4] = {std::exp(xd), std::log(xd), std::tanh(xd), 1 / (1 + std::exp(-xd))};
    const float got[4] = {cpu::VecExp(x), cpu::VecLog(x), cpu::VecTanh(x), cpu::VecSigmoid(x)};
    for (int k = 0; k < 4; ++k) {
      if (std::fabs(want[k]) < std::numeric_limits<float>::min() && want[k] != 0) {
        EXPECT_LE(std::fabs(got[k] - want[k]), std::numeric_limits<float>::min()) << k << " " << x;
        continue;
      }
      worst[k] = std::max(worst[k], UlpError(got[k], want[k]));
    }
  }
  EXPECT_LE(worst[0], 3) << "exp";
  EXPECT_LE(worst[1], 3) << "log";
  EXPECT_LE(worst[2], 3) << "tanh";
  EXPECT_LE(worst[3], 3) << "sigmoid";
}

TEST(UnaryOpsTest, LargeTensorsMatchLibm) {
  Tensor x = Floats({1 << 18}, 5.0);
  Tensor e = RunUnary(ops::Exp, x), t = RunUnary(ops::Tanh, x), s = RunUnary(ops::Sigmoid, x);
  Tensor p = Floats({1 << 18}, 5.0, 5.5);
  Tensor l = RunUnary(ops::Log, p);
  for (int64_t i = 0; i < x.NumElements(); i += 7) {
    const double v = x.data<float>()[i];
    EXPECT_NEAR(e.data<float>()[i], std::exp(v), 3e-7 * std::exp(v));
    EXPECT_NEAR(t.data<float>()[i], std::tanh(v), 3e-7);
    EXPECT_NEAR(s.data<float>()[i], 1 / (1 + std::exp(-v)), 3e-7);
    EXPECT_NEAR(l.data<float>()[i], std::log(static_cast<double>(p.data<float>()[i])), 3e-7);
  }
}

TEST(UnaryGradOpsTest, ValuesAndShapeCheck) {
  Tensor y = F({0.5f, 0.25f}, {2}), dy = F({2, 4}, {2});
  test::ExpectTensorEqual(RunBinary(ops::SigmoidGrad, y, dy), F({0.5f, 0.75f}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::TanhGrad, y, dy), F({1.5f, 3.75f}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::SqrtGrad, y, dy), F({2, 8}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::RsqrtGrad, y, dy), F({-0.125f, -0.03125f}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::ReciprocalGrad, y, dy), F({-0.5f, -0.25f}, {2}));
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_FLOAT);
  auto b = ops::Placeholder(root, DT_FLOAT);
  Status s = RunError(root, ops::TanhGrad(root, a, b), {{a, F({1, 2}, {2})}, {b, F({1}, {1})}});
  EXPECT_THAT(s.message(), HasSubstr("y and dy must have the same shape, got [2] and [1]"));
}

// ---- Comparisons and logic -------------------------------------------------------------------

TEST(ComparisonTest, ValuesWithBroadcasting) {
  Tensor x = F({1, 2, 3, 4, 5, 6}, {2, 3}), y = F({2, 5, 3}, {3});
  test::ExpectTensorEqual(RunBinary(ops::Equal, x, y), B({0, 0, 1, 0, 1, 0}, {2, 3}));
  test::ExpectTensorEqual(RunBinary(ops::NotEqual, x, y), B({1, 1, 0, 1, 0, 1}, {2, 3}));
  test::ExpectTensorEqual(RunBinary(ops::Less, x, y), B({1, 1, 0, 0, 0, 0}, {2, 3}));
  test::ExpectTensorEqual(RunBinary(ops::LessEqual, x, y), B({1, 1, 1, 0, 1, 0}, {2, 3}));
  test::ExpectTensorEqual(RunBinary(ops::Greater, x, y), B({0, 0, 0, 1, 0, 1}, {2, 3}));
  test::ExpectTensorEqual(RunBinary(ops::GreaterEqual, x, y), B({0, 0, 1, 1, 1, 1}, {2, 3}));
  test::ExpectTensorEqual(RunBinary(ops::Equal, I64({3, 4}, {2}), I64({4}, {})), B({0, 1}, {2}));
  test::ExpectTensorEqual(RunBinary(ops::Less, I32({3, 4}, {2, 1}), I32({4, 3}, {1, 2})),
                          B({1, 0, 0, 0}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::Equal, B({1, 0}, {2}), B({1, 1}, {2})), B({1, 0}, {2}));
}

TEST(ComparisonTest, OperatorsBuildComparisons) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1.f, 2.f, 3.f});
  test::ExpectTensorEqual(test::RunOne(root, x < 2), B({1, 0, 0}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, x >= 2), B({0, 1, 1}, {3}));
}

TEST(LogicalTest, NotAndOr) {
  Tensor a = B({1, 1, 0, 0}, {2, 2}), b = B({1, 0}, {2});
  test::ExpectTensorEqual(RunUnary(ops::LogicalNot, a), B({0, 0, 1, 1}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::LogicalAnd, a, b), B({1, 0, 0, 0}, {2, 2}));
  test::ExpectTensorEqual(RunBinary(ops::LogicalOr, a, b), B({1, 1, 1, 0}, {2, 2}));
}

// ---- Cast ------------------------------------------------------------------------------------

TEST(CastTest, AllPairsOfSupportedTypes) {
  const std::vector<DataType> types = {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_UINT8, DT_BOOL};
  for (DataType src : types) {
    for (DataType dst : types) {
      // Values every type holds exactly (bool: 0 and 1).
      std::vector<double> values = src == DT_BOOL ? std::vector<double>{0, 1, 1}
                                                  : std::vector<double>{0, 1, 200};
      Tensor x(src, {3});
      DispatchType(src, [&]<typename S>() {
        if constexpr (std::is_arithmetic_v<S>) {
          for (int i = 0; i < 3; ++i) x.data<S>()[i] = static_cast<S>(values[i]);
        }
      });
      Scope root = Scope::NewRootScope();
      auto p = ops::Placeholder(root, src);
      auto c = ops::Cast(root, p, dst);
      Tensor out = test::RunOne(root, c, {{p, x}});
      ASSERT_EQ(out.dtype(), dst) << DataTypeString(src) << " -> " << DataTypeString(dst);
      Tensor expected(dst, {3});
      DispatchType(dst, [&]<typename T>() {
        if constexpr (std::is_arithmetic_v<T>) {
          for (int i = 0; i < 3; ++i) {
            expected.data<T>()[i] =
                std::is_same_v<T, bool> ? values[i] != 0 : static_cast<T>(values[i]);
          }
        }
      });
      test::ExpectTensorEqual(out, expected);
    }
  }
}

TEST(CastTest, FloatToIntegerTruncatesTowardZero) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {-1.7f, -0.5f, 0.5f, 2.9f});
  test::ExpectTensorEqual(test::RunOne(root, ops::Cast(root, x, DT_INT32)), I32({-1, 0, 0, 2}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cast(root, x, DT_INT64)), I64({-1, 0, 0, 2}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Cast(root, x, DT_BOOL)), B({1, 1, 1, 1}, {4}));
}

// ---- Select, SelectV2 ------------------------------------------------------------------------

TEST(SelectTest, ElementwiseRowwiseAndScalarConditions) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2});
  auto e = ops::Const(root, {-1.f, -2.f, -3.f, -4.f}, {2, 2});
  auto same = ops::Select(root, ops::Const(root, B({1, 0, 0, 1}, {2, 2})), t, e);
  auto rows = ops::Where3(root, ops::Const(root, B({0, 1}, {2})), t, e);
  auto scalar = ops::Select(root, ops::Const(root, B({0}, {})), t, e);
  ASSERT_TRUE(root.ok()) << root.status();
  test::ExpectTensorEqual(test::RunOne(root, same), F({1, -2, -3, 4}, {2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, rows), F({-1, -2, 3, 4}, {2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, scalar), F({-1, -2, -3, -4}, {2, 2}));
  auto ints = ops::Select(root, ops::Const(root, B({1, 0}, {2})), ops::Const(root, {1, 2}),
                          ops::Const(root, {3, 4}));
  test::ExpectTensorEqual(test::RunOne(root, ints), I32({1, 4}, {2}));
}

TEST(SelectTest, ShapeErrorsAtBuildAndRunTime) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Placeholder(root, DT_FLOAT, {2, 2});
  ops::Select(root.WithOpName("bad"), ops::Placeholder(root, DT_BOOL, {3}), t, t);
  EXPECT_THAT(root.status().message(), HasSubstr("'bad'"));
  EXPECT_THAT(root.status().message(), HasSubstr("[3]"));

  Scope r2 = Scope::NewRootScope();
  auto c = ops::Placeholder(r2, DT_BOOL);
  auto a = ops::Placeholder(r2, DT_FLOAT);
  auto b = ops::Placeholder(r2, DT_FLOAT);
  auto sel = ops::Select(r2, c, a, b);
  Status s = RunError(r2, sel, {{c, B({1, 0, 1}, {3})}, {a, Floats({2, 2})}, {b, Floats({2, 2})}});
  EXPECT_THAT(s.message(), HasSubstr("got condition [3] and 'then' [2,2]"));
  s = RunError(r2, sel, {{c, B({1}, {})}, {a, Floats({2, 2})}, {b, Floats({2})}});
  EXPECT_THAT(s.message(), HasSubstr("'then' and 'else' must have the same shape, got [2,2] and [2]"));
}

TEST(SelectV2Test, RandomCompatibleShapesMatchNaiveIndexing) {
  uint64_t state = 777;
  auto next = [&](int n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((state >> 33) % n);
  };
  for (int trial = 0; trial < 200; ++trial) {
    const int rank = next(6);
    TensorShape shapes[3];
    int drop[3] = {next(rank + 1), next(rank + 1), next(rank + 1)};
    for (int i = 0; i < rank; ++i) {
      const int64_t d = next(10) == 0 ? 0 : 1 + next(3);
      for (int j = 0; j < 3; ++j) {
        if (i >= drop[j]) shapes[j].AddDim(next(2) == 0 ? 1 : d);
      }
    }
    Tensor c(DT_BOOL, shapes[0]);
    for (int64_t i = 0; i < c.NumElements(); ++i) c.data<bool>()[i] = next(2) == 0;
    Tensor t = Floats(shapes[1]), e = Floats(shapes[2], 2.0, 5.0);
    SCOPED_TRACE(shapes[0].DebugString() + " " + shapes[1].DebugString() + " " + shapes[2].DebugString());
    Scope root = Scope::NewRootScope();
    auto pc = ops::Placeholder(root, DT_BOOL);
    auto pt = ops::Placeholder(root, DT_FLOAT);
    auto pe = ops::Placeholder(root, DT_FLOAT);
    Tensor got = test::RunOne(root, ops::SelectV2(root, pc, pt, pe), {{pc, c}, {pt, t}, {pe, e}});
    test::ExpectTensorEqual(got, NaiveSelectV2(c, t, e));
  }
}

TEST(SelectV2Test, BroadcastsAllThreeOperands) {
  Scope root = Scope::NewRootScope();
  auto c = ops::Const(root, B({1, 0, 1}, {3}));
  auto t = ops::Const(root, {1.f, 2.f}, {2, 1});
  auto e = ops::Const(root, 0.f);
  auto out = ops::SelectV2(root, c, t, e);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(out.shape().DebugString(), "[2,3]");
  test::ExpectTensorEqual(test::RunOne(root, out), F({1, 0, 1, 2, 0, 2}, {2, 3}));
  auto big = ops::SelectV2(root, ops::Const(root, B({1, 0}, {2, 1, 1})), ops::Const(root, Floats({3, 4})),
                           ops::Const(root, Floats({4}, 1.0, 5.0)));
  Tensor got = test::RunOne(root, big);
  Tensor tv = Floats({3, 4}), ev = Floats({4}, 1.0, 5.0);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 12; ++j) {
      float want = i == 0 ? tv.data<float>()[j] : ev.data<float>()[j % 4];
      EXPECT_EQ(got.data<float>()[i * 12 + j], want);
    }
  }
}

// ---- AddN ------------------------------------------------------------------------------------

TEST(AddNTest, SumsInputsAndChecksShapes) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root, {1.f, 2.f});
  auto b = ops::Const(root, {10.f, 20.f});
  auto c = ops::Const(root, {100.f, 200.f});
  test::ExpectTensorEqual(test::RunOne(root, ops::AddN(root, {a, b, c})), F({111, 222}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::AddN(root, {a})), F({1, 2}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::AddN(root, {ops::Const(root, {1, 2}), ops::Const(root, {3, 4})})),
                          I32({4, 6}, {2}));
  ops::AddN(root.WithOpName("bad"), {a, ops::Const(root, {1.f, 2.f, 3.f})});
  EXPECT_THAT(root.status().message(), HasSubstr("input 0 is [2] and input 1 is [3]"));

  Scope r2 = Scope::NewRootScope();
  auto p = ops::Placeholder(r2, DT_FLOAT);
  auto q = ops::Placeholder(r2, DT_FLOAT);
  Status s = RunError(r2, ops::AddN(r2, {p, q, p}), {{p, Floats({2})}, {q, Floats({3})}});
  EXPECT_THAT(s.message(), HasSubstr("input 0 is [2] and input 1 is [3]"));
}

TEST(AddNTest, LargeInputs) {
  Scope root = Scope::NewRootScope();
  Tensor a = Floats({100003}), b = Floats({100003}, 2.0), c = Floats({100003}, 3.0, 1.0);
  Tensor got = test::RunOne(root, ops::AddN(root, {ops::Const(root, a), ops::Const(root, b),
                                                   ops::Const(root, c)}));
  for (int64_t i = 0; i < a.NumElements(); ++i) {
    EXPECT_EQ(got.data<float>()[i], a.data<float>()[i] + b.data<float>()[i] + c.data<float>()[i]);
  }
}

// ---- BroadcastGradientArgs, Range ------------------------------------------------------------

TEST(BroadcastGradientArgsTest, TensorFlowSemantics) {
  auto run = [](std::vector<int32_t> s0, std::vector<int32_t> s1) {
    Scope root = Scope::NewRootScope();
    auto r = ops::BroadcastGradientArgs(root, ops::Const(root, I32(s0, {static_cast<int64_t>(s0.size())})),
                                        ops::Const(root, I32(s1, {static_cast<int64_t>(s1.size())})));
    return test::RunGraph(root, {}, {r.r0, r.r1});
  };
  auto out = run({2, 3, 5}, {1});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], I32({}, {0}));
  test::ExpectTensorEqual((*out)[1], I32({0, 1, 2}, {3}));
  out = run({2, 1, 5}, {3, 1});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], I32({1}, {1}));
  test::ExpectTensorEqual((*out)[1], I32({0, 2}, {2}));
  out = run({1, 1}, {1});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], I32({0, 1}, {2}));
  test::ExpectTensorEqual((*out)[1], I32({0, 1}, {2}));
  out = run({2, 3}, {4});
  EXPECT_THAT(out.status().message(), HasSubstr("Incompatible shapes: [2,3] vs. [4]"));
}

TEST(RangeTest, IntegerAndFloatRanges) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Range(root, 0, 5, 1);
  auto b = ops::Range(root, 5, 0, -2);
  auto c = ops::Range(root, 0.f, 1.f, 0.25f);
  auto d = ops::Range(root, int64_t{3}, int64_t{4}, int64_t{5});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.shape().DebugString(), "[5]");
  EXPECT_EQ(b.shape().DebugString(), "[3]");
  EXPECT_EQ(c.shape().DebugString(), "[4]");
  test::ExpectTensorEqual(test::RunOne(root, a), I32({0, 1, 2, 3, 4}, {5}));
  test::ExpectTensorEqual(test::RunOne(root, b), I32({5, 3, 1}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, c), F({0, 0.25f, 0.5f, 0.75f}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, d), I64({3}, {1}));
  auto n = ops::Placeholder(root, DT_INT32, {});
  auto dyn = ops::Range(root, 0, n, 1);
  EXPECT_EQ(dyn.shape().DebugString(), "[?]");
  test::ExpectTensorEqual(test::RunOne(root, dyn, {{n, Tensor::Scalar<int32_t>(3)}}), I32({0, 1, 2}, {3}));
  EXPECT_THAT(RunError(root, dyn, {{n, Tensor::Scalar<int32_t>(-3)}}).message(),
              HasSubstr("Requires start <= limit when delta > 0"));
  ops::Range(root.WithOpName("zero"), 0, 5, 0);
  EXPECT_THAT(root.status().message(), HasSubstr("delta != 0"));
}

// ---- Gradients -------------------------------------------------------------------------------

using GradBuilder = std::function<Output(const Scope&, const Input&, const Input&)>;

// Checks the gradient of op(x, y) for x and y of the given shapes, once with fully known
// placeholder shapes (reduction axes found while building) and once with unknown dims (found at
// run time). x in [-1, 2] and y in [0.9, 2.3] interleave without ties, and y stays away from 0.
void CheckBinaryGradient(const GradBuilder& op, const TensorShape& sx, const TensorShape& sy) {
  for (bool known : {true, false}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, known ? sx : TensorShape::UnknownDims(sx.rank()));
    auto y = ops::Placeholder(root, DT_DOUBLE, known ? sy : TensorShape::UnknownRank());
    auto z = op(root, x, y);
    SCOPED_TRACE(absl::StrCat(z.valid() ? z.node()->type_string() : "?", " ", sx.DebugString(),
                              " ", sy.DebugString(), known ? " known" : " unknown"));
    ExpectGradientOk(root, {x, y}, {Doubles(sx, 1.5, 0.5), Doubles(sy, 0.7, 1.6)}, z);
  }
}

TEST(BinaryGradTest, AllOpsAllBroadcastPatterns) {
  const std::vector<std::pair<TensorShape, TensorShape>> shapes = {
      {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{3}, {2, 3}}, {{2, 1}, {1, 3}},
      {{}, {2, 2}},     {{2, 2}, {}},  {{3, 1}, {2, 1, 4}}};
  const std::vector<GradBuilder> builders = {ops::Add, ops::Sub, ops::Mul, ops::Div, ops::RealDiv,
                                             ops::Maximum, ops::Minimum, ops::SquaredDifference};
  for (const auto& op : builders) {
    for (const auto& [sx, sy] : shapes) CheckBinaryGradient(op, sx, sy);
  }
}

TEST(BinaryGradTest, StaticShapesNeedNoRunTimeShapeOps) {
  // [?,256] + [256]: the bias gradient is a Sum over axis 0 and the other passes through.
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 256});
  auto b = ops::Placeholder(root, DT_FLOAT, {256});
  auto y = ops::Add(root, x, b);
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x, b}, &grads).ok());
  for (const auto& node : root.graph()->nodes()) {
    EXPECT_NE(node->type_string(), "BroadcastGradientArgs");
    EXPECT_NE(node->type_string(), "Shape");
  }
  EXPECT_EQ(grads[0].node()->type_string(), "OnesLike");
  EXPECT_EQ(grads[1].node()->type_string(), "Sum");
  EXPECT_EQ(grads[1].shape().DebugString(), "[256]");
}

TEST(BinaryGradTest, OneTensorTwiceNeedsNoReduction) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {-1, 3});
  auto y = ops::Mul(root, x, x);
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x}, &grads).ok());
  for (const auto& node : root.graph()->nodes()) EXPECT_NE(node->type_string(), "BroadcastGradientArgs");
  ExpectGradientOk(root, {x}, {Doubles({2, 3})}, y);
}

TEST(UnaryGradTest, EveryDifferentiableUnaryOp) {
  using Unary = Output (*)(const Scope&, const Input&);
  const std::vector<std::pair<Unary, double>> ops_and_offsets = {
      {ops::Neg, 0},  {ops::Abs, 0},   {ops::Square, 0},     {ops::Exp, 0},     {ops::Log, 2},
      {ops::Sqrt, 2}, {ops::Rsqrt, 2}, {ops::Reciprocal, 2}, {ops::Sigmoid, 0}, {ops::Tanh, 0}};
  for (const auto& [op, offset] : ops_and_offsets) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
    auto y = op(root, x);
    SCOPED_TRACE(y.node()->type_string());
    ExpectGradientOk(root, {x}, {Doubles({2, 3}, 1.0, offset)}, y);
  }
}

TEST(UnaryGradTest, SecondOrderThroughTheGradOps) {
  const std::vector<std::pair<GradBuilder, double>> grad_ops = {
      {ops::SigmoidGrad, 0}, {ops::TanhGrad, 0}, {ops::SqrtGrad, 2}, {ops::RsqrtGrad, 2},
      {ops::ReciprocalGrad, 2}};
  for (const auto& [op, offset] : grad_ops) {
    Scope root = Scope::NewRootScope();
    auto y = ops::Placeholder(root, DT_DOUBLE, {3});
    auto dy = ops::Placeholder(root, DT_DOUBLE, {3});
    auto z = op(root, y, dy);
    SCOPED_TRACE(z.node()->type_string());
    ExpectGradientOk(root, {y, dy}, {Doubles({3}, 0.5, offset), Doubles({3}, 1.0, 0.3)}, z);
  }
}

TEST(CastGradTest, BetweenFloatTypesOnly) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {3});
  auto y = ops::Cast(root, ops::Mul(root, x, 3.0), DT_FLOAT);
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, {x}, {Doubles({3})}, y, /*delta=*/1e-2);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-4);
  // Through an integer cast no gradient flows.
  Scope r2 = Scope::NewRootScope();
  auto a = ops::Placeholder(r2, DT_DOUBLE, {3});
  auto b = ops::Cast(r2, ops::Cast(r2, a, DT_INT32), DT_DOUBLE);
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(r2, {b}, {a}, &grads).ok());
  EXPECT_FALSE(grads[0].valid());
}

TEST(SelectGradTest, SelectAndBroadcastingSelectV2) {
  {
    Scope root = Scope::NewRootScope();
    auto t = ops::Placeholder(root, DT_DOUBLE, {2, 3});
    auto e = ops::Placeholder(root, DT_DOUBLE, {2, 3});
    auto y = ops::Select(root, ops::Const(root, B({1, 0}, {2})), t, e);
    ExpectGradientOk(root, {t, e}, {Doubles({2, 3}), Doubles({2, 3}, 2.0)}, y);
  }
  for (bool known : {true, false}) {
    Scope root = Scope::NewRootScope();
    auto t = ops::Placeholder(root, DT_DOUBLE, known ? TensorShape{2, 1} : TensorShape::UnknownRank());
    auto e = ops::Placeholder(root, DT_DOUBLE, known ? TensorShape{3} : TensorShape{-1});
    auto y = ops::SelectV2(root, ops::Const(root, B({1, 0, 1, 0, 0, 1}, {2, 3})), t, e);
    ExpectGradientOk(root, {t, e}, {Doubles({2, 1}), Doubles({3}, 2.0)}, y);
  }
}

TEST(AddNGradTest, EveryInputGetsTheGradient) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_DOUBLE, {2, 2});
  auto b = ops::Placeholder(root, DT_DOUBLE, {2, 2});
  auto y = ops::AddN(root, {a, ops::Mul(root, b, b), a});
  ExpectGradientOk(root, {a, b}, {Doubles({2, 2}), Doubles({2, 2}, 1.5)}, y);
}

}  // namespace
}  // namespace sluice
