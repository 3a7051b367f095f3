// The ops TF1 training graphs use that came with tests/tf1_graph_test.cc: StridedSlice (every
// mask) and StridedSliceGrad, Log1p, Cos, Sin, IsNan/IsInf/IsFinite, DivNoNan, All/Any, Assert,
// InTopK/InTopKV2 and PreventGradient. Values are hand-computed (NumPy's slicing rules) or
// TensorFlow's; differentiable ops get numeric gradient checks in double.
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
Tensor B(std::vector<bool> v, TensorShape shape) {
  Tensor t(DT_BOOL, shape);
  for (size_t i = 0; i < v.size(); ++i) t.data<bool>()[i] = v[i];
  return t;
}

// 0, 1, ..., 23 as float [2, 3, 4]: x[i, j, k] = 12 i + 4 j + k.
Tensor Iota234() {
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  return F(v, {2, 3, 4});
}

Status RunStatus(const Scope& root, const std::vector<Output>& fetches,
                 const std::vector<Operation>& targets = {}) {
  return test::RunGraph(root, {}, fetches, targets).status();
}

// ---- StridedSlice ----------------------------------------------------------------------------

TEST(StridedSliceTest, NewAxis) {  // x[:, tf.newaxis]
  Scope root = Scope::NewRootScope();
  auto y = ops::StridedSlice(root, ops::Const(root, Iota234()), {0, 0}, {0, 0}, {1, 1},
                             {.begin_mask = 1, .end_mask = 1, .new_axis_mask = 2});
  EXPECT_EQ(y.shape(), TensorShape({2, 1, 3, 4}));
  Tensor expected = Iota234();
  Tensor reshaped;
  expected.Reshaped(TensorShape{2, 1, 3, 4}, &reshaped);
  test::ExpectTensorEqual(test::RunOne(root, y), reshaped);
}

TEST(StridedSliceTest, EllipsisAndShrink) {  // x[..., 0] and x[1, ...]
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, Iota234());
  auto last = ops::StridedSlice(root, x, {0, 0}, {0, 1}, {1, 1}, {.ellipsis_mask = 1, .shrink_axis_mask = 2});
  auto first = ops::StridedSlice(root, x, {1, 0}, {2, 0}, {1, 1}, {.ellipsis_mask = 2, .shrink_axis_mask = 1});
  EXPECT_EQ(last.shape(), TensorShape({2, 3}));
  EXPECT_EQ(first.shape(), TensorShape({3, 4}));
  test::ExpectTensorEqual(test::RunOne(root, last), F({0, 4, 8, 12, 16, 20}, {2, 3}));
  std::vector<float> second(12);
  for (int i = 0; i < 12; ++i) second[i] = 12 + i;
  test::ExpectTensorEqual(test::RunOne(root, first), F(second, {3, 4}));
}

TEST(StridedSliceTest, NegativeStridesAndClamping) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, Iota234());
  // x[1, ::-2, 1:3]
  auto a = ops::StridedSlice(root, x, {1, 0, 1}, {2, 0, 3}, {1, -2, 1},
                             {.begin_mask = 2, .end_mask = 2, .shrink_axis_mask = 1});
  // x[-1:, 5:1:-1, -3:] (5 clamps to 2)
  auto b = ops::StridedSlice(root, x, {-1, 5, -3}, {0, 1, 0}, {1, -1, 1}, {.end_mask = 5});
  // x[:, 2:0] is empty; x[::-1] reverses dim 0
  auto empty = ops::StridedSlice(root, x, {0, 2}, {0, 0}, {1, 1}, {.begin_mask = 1, .end_mask = 1});
  auto reversed = ops::StridedSlice(root, x, {0}, {0}, {-1}, {.begin_mask = 1, .end_mask = 1});
  EXPECT_EQ(a.shape(), TensorShape({2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, a), F({21, 22, 13, 14}, {2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, b), F({21, 22, 23}, {1, 1, 3}));
  EXPECT_EQ(test::RunOne(root, empty).shape(), TensorShape({2, 0, 4}));
  Tensor r = test::RunOne(root, reversed);
  ASSERT_EQ(r.shape(), TensorShape({2, 3, 4}));
  EXPECT_EQ(r.data<float>()[0], 12);
  EXPECT_EQ(r.data<float>()[23], 11);
}

TEST(StridedSliceTest, Int64SpecAndIntAndStringInputs) {
  Scope root = Scope::NewRootScope();
  auto v = ops::Const(root, Tensor::FromVector<int64_t>({5, 6, 7, 8, 9}));
  auto spec = [&](std::vector<int64_t> x) { return ops::Const(root, Tensor::FromVector<int64_t>(x)); };
  auto odd = ops::StridedSlice(root, v, spec({1}), spec({5}), spec({2}));
  test::ExpectTensorEqual(test::RunOne(root, odd), Tensor::FromVector<int64_t>({6, 8}));
  Tensor words(DT_STRING, TensorShape{3});
  words.data<std::string>()[0] = "a";
  words.data<std::string>()[1] = "bb";
  words.data<std::string>()[2] = "ccc";
  auto last = ops::StridedSlice(root, ops::Const(root, words), {-1}, {0}, {1}, {.shrink_axis_mask = 1});
  EXPECT_EQ(test::RunOne(root, last).scalar<std::string>(), "ccc");
}

TEST(StridedSliceTest, ErrorsNameTheProblem) {
  {
    Scope root = Scope::NewRootScope();
    ops::StridedSlice(root, ops::Const(root, Iota234()), {5}, {6}, {1}, {.shrink_axis_mask = 1});
    EXPECT_THAT(std::string(root.status().message()), HasSubstr("out of bounds"));
  }
  {
    Scope root = Scope::NewRootScope();
    ops::StridedSlice(root, ops::Const(root, Iota234()), {0}, {1}, {0});
    EXPECT_THAT(std::string(root.status().message()), HasSubstr("must be non-zero"));
  }
  {
    Scope root = Scope::NewRootScope();
    ops::StridedSlice(root, ops::Const(root, Iota234()), {0, 0, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 1});
    EXPECT_THAT(std::string(root.status().message()), HasSubstr("Index out of range"));
  }
  {  // begin known only at run time: the kernel reports it, naming the shape
    Scope root = Scope::NewRootScope();
    auto begin = ops::Placeholder(root, DT_INT32, {1});
    auto y = ops::StridedSlice(root, ops::Const(root, Iota234()), begin, {1}, {1}, {.shrink_axis_mask = 1});
    auto out = test::RunGraph(root, {{begin, I32({7}, {1})}}, {y});
    ASSERT_FALSE(out.ok());
    EXPECT_THAT(std::string(out.status().message()), HasSubstr("[2,3,4]"));
  }
}

TEST(StridedSliceTest, Gradients) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3, 4});
  auto y = ops::StridedSlice(root, x, {1, 0, 1}, {2, 0, 4}, {1, -2, 2},
                             {.begin_mask = 2, .end_mask = 2, .shrink_axis_mask = 1});
  auto z = ops::StridedSlice(root, x, {0, 0}, {0, 2}, {1, 1},
                             {.ellipsis_mask = 1, .new_axis_mask = 0});
  auto loss = ops::Add(root, ops::Sum(root, ops::Square(root, y), {0, 1}),
                       ops::Sum(root, ops::Mul(root, z, z), {0, 1, 2}));
  auto err = test::ComputeGradientError(root, {x}, {test::Doubles({2, 3, 4}, 0.1, -1.0)}, loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

// StridedSliceGrad scatters, and its own gradient slices.
TEST(StridedSliceTest, StridedSliceGradAndItsGradient) {
  Scope root = Scope::NewRootScope();
  auto dy = ops::Placeholder(root, DT_DOUBLE, {2});
  auto g = ops::StridedSliceGrad(root, {2, 3}, {1, 0}, {2, 3}, {1, 2}, dy, {.shrink_axis_mask = 1});
  EXPECT_EQ(g.shape(), TensorShape({2, 3}));
  auto out = test::RunGraph(root, {{dy, D({5, 7}, {2})}}, {g});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], D({0, 0, 0, 5, 0, 7}, {2, 3}));
  auto loss = ops::Sum(root, ops::Square(root, g), {0, 1});
  auto err = test::ComputeGradientError(root, {dy}, {D({0.5, -1.5}, {2})}, loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

// Keras's Flatten: x reshaped to [tf.shape(x)[0], prod(tf.shape(x)[1:])].
TEST(StridedSliceTest, FlattenChainBuildsInfersAndRuns) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 3, 4});
  auto shape = ops::Shape(root, x);
  auto batch = ops::StridedSlice(root, shape, {0}, {1}, {1}, {.shrink_axis_mask = 1});
  auto rest = ops::Prod(root, ops::StridedSlice(root, shape, {1}, {0}, {1}, {.end_mask = 1}), {0});
  auto flat = ops::Reshape(root, x, ops::Pack(root, {batch, rest}));
  ASSERT_TRUE(root.status().ok()) << root.status();
  EXPECT_EQ(batch.shape(), TensorShape({}));
  EXPECT_EQ(flat.shape(), TensorShape({-1, 12}));
  auto out = test::RunGraph(root, {{x, Iota234()}}, {flat});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ((*out)[0].shape(), TensorShape({2, 12}));
  EXPECT_EQ((*out)[0].data<float>()[13], 13);
}

// ---- Elementwise -----------------------------------------------------------------------------

TEST(Tf1MathTest, Log1pAndFloatClasses) {
  Scope root = Scope::NewRootScope();
  const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
  auto x = ops::Const(root, F({0, 1e-10f, 1, -1, inf, -inf, nan}, {7}));
  Tensor l = test::RunOne(root, ops::Log1p(root, x));
  EXPECT_EQ(l.data<float>()[0], 0);
  EXPECT_FLOAT_EQ(l.data<float>()[1], 1e-10f);  // log(1 + x) in float would give 0
  EXPECT_FLOAT_EQ(l.data<float>()[2], std::log(2.0f));
  EXPECT_EQ(l.data<float>()[3], -inf);
  test::ExpectTensorEqual(test::RunOne(root, ops::IsNan(root, x)), B({0, 0, 0, 0, 0, 0, 1}, {7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::IsInf(root, x)), B({0, 0, 0, 0, 1, 1, 0}, {7}));
  test::ExpectTensorEqual(test::RunOne(root, ops::IsFinite(root, x)), B({1, 1, 1, 1, 0, 0, 0}, {7}));
  auto xd = ops::Const(root, D({1, std::nan("")}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::IsFinite(root, xd)), B({1, 0}, {2}));
}

TEST(Tf1MathTest, DivNoNanIsZeroWhereTheDivisorIs) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({6, 0, std::nanf(""), -3}, {2, 2}));
  auto y = ops::Const(root, F({3, 0}, {2}));
  Tensor z = test::RunOne(root, ops::DivNoNan(root, x, y));
  ASSERT_EQ(z.shape(), TensorShape({2, 2}));
  EXPECT_EQ(z.data<float>()[0], 2);
  EXPECT_EQ(z.data<float>()[1], 0);
  EXPECT_TRUE(std::isnan(z.data<float>()[2]));
  EXPECT_EQ(z.data<float>()[3], 0);
}

TEST(Tf1MathTest, DivNoNanTreatsNaNDividendOverZeroAsZero) {
  Scope root = Scope::NewRootScope();
  auto z = ops::DivNoNan(root, ops::Const(root, F({std::nanf(""), 1}, {2})), ops::Const(root, F({0, 0}, {2})));
  test::ExpectTensorEqual(test::RunOne(root, z), F({0, 0}, {2}));
}

TEST(Tf1MathTest, Log1pAndDivNoNanGradients) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto y = ops::Placeholder(root, DT_DOUBLE, {3});
  auto loss = ops::Sum(root, ops::Add(root, ops::Log1p(root, ops::Square(root, x)), ops::DivNoNan(root, x, y)),
                       {0, 1});
  auto err = test::ComputeGradientError(root, {x, y}, {test::Doubles({2, 3}, 0.3, -0.7), D({1.5, -2, 0.75}, {3})},
                                        loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
  // Where y is 0 both gradients are 0, as TensorFlow's.
  Scope r2 = Scope::NewRootScope();
  auto a = ops::Placeholder(r2, DT_DOUBLE, {2});
  auto b = ops::Placeholder(r2, DT_DOUBLE, {2});
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(r2, {ops::Sum(r2, ops::DivNoNan(r2, a, b), {0})}, {a, b}, &grads));
  auto out = test::RunGraph(r2, {{a, D({3, 4}, {2})}, {b, D({2, 0}, {2})}}, grads);
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorNear((*out)[0], D({0.5, 0}, {2}), 1e-12);
  test::ExpectTensorNear((*out)[1], D({-0.75, 0}, {2}), 1e-12);
}

TEST(Tf1MathTest, CosAndSinWithGradients) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, D({0, 0.5, -2, 3.14159}, {4}));
  test::ExpectTensorNear(test::RunOne(root, ops::Cos(root, x)),
                         D({1, std::cos(0.5), std::cos(-2.0), std::cos(3.14159)}, {4}), 1e-15);
  test::ExpectTensorNear(test::RunOne(root, ops::Sin(root, x)),
                         D({0, std::sin(0.5), std::sin(-2.0), std::sin(3.14159)}, {4}), 1e-15);
  auto p = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto loss = ops::Sum(root, ops::Mul(root, ops::Cos(root, p), ops::Sin(root, p)), {0, 1});
  auto err = test::ComputeGradientError(root, {p}, {test::Doubles({2, 3}, 0.3, -0.7)}, loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

TEST(Tf1MathTest, AllAndAny) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, B({1, 1, 0, 1, 0, 0}, {2, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::All(root, x, {1})), B({0, 0}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Any(root, x, {1})), B({1, 1}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::All(root, x, {0}, true)), B({1, 0, 0}, {1, 3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Any(root, x, {0, 1})), B({1}, {}));
  auto empty = ops::Const(root, B({}, {0, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::All(root, empty, {0})), B({1, 1}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::Any(root, empty, {0})), B({0, 0}, {2}));
}

// ---- InTopK, Assert, PreventGradient ---------------------------------------------------------

TEST(InTopKTest, MatchesTensorFlow) {
  Scope root = Scope::NewRootScope();
  // Row 1 ties the target with another class: ties count for the target (TensorFlow's rule).
  auto p = ops::Const(root, F({0.1f, 0.5f, 0.4f, 0.3f, 0.3f, 0.3f, 1, 2, 3, std::nanf(""), 1, 2}, {4, 3}));
  auto t = ops::Const(root, I32({2, 0, 2, 1}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::InTopK(root, p, t, 1)), B({0, 1, 1, 0}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::InTopK(root, p, t, 2)), B({1, 1, 1, 0}, {4}));
  // Targets out of range are never in the top k; int64 targets; the v1 op with attr k.
  auto t64 = ops::Const(root, Tensor::FromVector<int64_t>({3, -1, 0, 1}));
  test::ExpectTensorEqual(test::RunOne(root, ops::InTopK(root, p, t64, 3)), B({0, 0, 1, 0}, {4}));
  auto v1 = NodeBuilder(root, "InTopK").Input(p).Input(t).Attr("k", int64_t{2}).Finalize();
  test::ExpectTensorEqual(test::RunOne(root, v1.output(0)), B({1, 1, 1, 0}, {4}));
}

TEST(InTopKTest, BatchMismatchIsAnError) {
  Scope root = Scope::NewRootScope();
  ops::InTopK(root, ops::Const(root, F({1, 2, 3, 4}, {2, 2})), ops::Const(root, I32({0}, {1})), 1);
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("batch size"));
}

TEST(AssertTest, PassesOrFailsWithTheData) {
  Scope root = Scope::NewRootScope();
  auto cond = ops::Placeholder(root, DT_BOOL, {});
  Tensor words(DT_STRING, TensorShape{});
  words.scalar<std::string>() = "x is";
  auto check = ops::Assert(root, cond, {ops::Const(root, words), ops::Const(root, I32({1, 2, 3, 4}, {2, 2})),
                                        ops::Const(root, F({0.5f}, {1}))}, 2);
  auto ok = test::RunGraph(root, {{cond, B({1}, {})}}, {}, {check});
  EXPECT_TRUE(ok.ok()) << ok.status();
  auto failed = test::RunGraph(root, {{cond, B({0}, {})}}, {}, {check});
  ASSERT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("assertion failed: [x is] [[1 2]...] [0.5]"));  // TensorFlow's text
}

TEST(PreventGradientTest, ForwardIsIdentityGradientFailsWithTheMessage) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {2});
  auto y = ops::PreventGradient(root, x, "no second derivative here");
  auto out = test::RunGraph(root, {{x, F({1, 2}, {2})}}, {y});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 2}, {2}));
  std::vector<Output> grads;
  Status s = AddSymbolicGradients(root, {ops::Sum(root, y, {0})}, {x}, &grads);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no second derivative here"));
}

}  // namespace
}  // namespace sluice
