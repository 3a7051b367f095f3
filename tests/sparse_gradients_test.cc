// IndexedSlices gradients (ops/gradients.h): the gathers' sparse gradients, their sums and their
// densification, checked against hand-computed values and numeric gradients; ResourceGather,
// VariableShape, ScatterAdd / ScatterSub and their resource forms, and Unique, against
// hand-computed values, with their error paths.
#include <cmath>

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

// sum(g * w) for fixed weights w: a loss whose gradient with respect to g is w.
Output WeightedSum(const Scope& root, const Output& g) {
  const TensorShape& shape = g.shape();
  std::vector<double> w(shape.num_elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.7 * static_cast<double>(i) + 0.3);
  std::vector<int32_t> axes;
  for (int d = 0; d < shape.rank(); ++d) axes.push_back(d);
  return ops::Sum(root, ops::Mul(root, g, ops::Const(root, D(w, shape))), ops::Const(root, Tensor::FromVector(axes)));
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y) {
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

std::string RunError(const Scope& root, const std::vector<Output>& fetches,
                     const std::vector<Operation>& targets = {}) {
  if (!root.status().ok()) return std::string(root.status().message());
  auto out = test::RunGraph(root, {}, fetches, targets);
  return out.ok() ? "" : std::string(out.status().message());
}

const Tensor kTable = D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1, -2, 0.1, 0.9, -0.3}, {4, 3});

TEST(SparseGradientsTest, GatherGradientIsIndexedSlicesOfDyAtTheIndices) {
  for (bool v2 : {false, true}) {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
    auto idx = ops::Const(root, I32({2, 0, 2}, {3}));
    Output g = v2 ? ops::GatherV2(root, p, idx, 0) : ops::Gather(root, p, idx);
    auto loss = ops::Sum(root, ops::Mul(root, g, ops::Const(root, D({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3}))), {0, 1});
    std::vector<GradientValue> grads;
    ASSERT_OK(AddSymbolicGradients(root, {loss}, {p}, {}, &grads));
    ASSERT_TRUE(grads[0].is_sparse());
    const IndexedSlices& s = grads[0].sparse();
    auto out = test::RunGraph(root, {{p, kTable}}, {s.values, s.indices, s.dense_shape, ToDense(root, grads[0])});
    ASSERT_OK(out.status());
    test::ExpectTensorEqual((*out)[0], D({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3}));
    test::ExpectTensorEqual((*out)[1], I32({2, 0, 2}, {3}));
    test::ExpectTensorEqual((*out)[2], I32({4, 3}, {2}));
    // Row 2 was gathered twice: its dense gradient is the sum.
    test::ExpectTensorEqual((*out)[3], D({4, 5, 6, 0, 0, 0, 8, 10, 12, 0, 0, 0}, {4, 3}));
  }
}

TEST(SparseGradientsTest, GatherAlongAnotherAxisStaysDense) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
  auto g = ops::GatherV2(root, p, ops::Const(root, I32({1, 1}, {2})), 1);
  std::vector<GradientValue> grads;
  ASSERT_OK(AddSymbolicGradients(root, {WeightedSum(root, g)}, {p}, {}, &grads));
  EXPECT_FALSE(grads[0].is_sparse());
  EXPECT_TRUE(grads[0].valid());
}

// The dense overload densifies: the numeric gradient check (which uses it) passes for gather
// chains, two gathers of one table, and a gather plus a dense use of the same table.
TEST(SparseGradientsTest, DenseResultsPassNumericChecks) {
  {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
    auto first = ops::Gather(root, p, ops::Const(root, I32({3, 1, 3, 0}, {4})));
    auto second = ops::GatherV2(root, first, ops::Const(root, I64({2, 2, 1}, {3})), 0);
    ExpectGradientOk(root, {p}, {kTable}, WeightedSum(root, second));
  }
  {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
    auto a = ops::Gather(root, p, ops::Const(root, I32({1, 1}, {2})));
    auto b = ops::GatherV2(root, p, ops::Const(root, I64({0, 1, 3}, {3})), 0);
    ExpectGradientOk(root, {p}, {kTable},
                     ops::Add(root, WeightedSum(root, a), WeightedSum(root, ops::Square(root, b))));
  }
  {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
    auto a = ops::Gather(root, p, ops::Const(root, I32({2, 0}, {2})));
    ExpectGradientOk(root, {p}, {kTable}, ops::Add(root, WeightedSum(root, a), WeightedSum(root, ops::Tanh(root, p))));
  }
}

TEST(SparseGradientsTest, SparseSumsConcatenateAndMixedSumsDensify) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
  auto a = ops::Gather(root, p, ops::Const(root, I32({1, 3}, {2})));
  auto b = ops::Gather(root, p, ops::Const(root, I64({1}, {1})));
  auto loss = ops::Add(root, ops::Sum(root, a, {0, 1}), ops::Sum(root, ops::Mul(root, b, 2.0), {0, 1}));
  auto dense_too = ops::Add(root, loss, ops::Sum(root, ops::Mul(root, p, 10.0), {0, 1}));
  std::vector<GradientValue> sparse, mixed;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {p}, {}, &sparse));
  ASSERT_OK(AddSymbolicGradients(root, {dense_too}, {p}, {}, &mixed));
  ASSERT_TRUE(sparse[0].is_sparse());
  EXPECT_FALSE(mixed[0].is_sparse());
  const IndexedSlices& s = sparse[0].sparse();
  EXPECT_EQ(s.indices.dtype(), DT_INT64);  // int32 and int64 indices: both as int64
  auto out = test::RunGraph(root, {{p, kTable}}, {s.indices, s.values, ToDense(root, sparse[0]), mixed[0].dense()});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[0], I64({1, 3, 1}, {3}));
  test::ExpectTensorEqual((*out)[1], D({1, 1, 1, 1, 1, 1, 2, 2, 2}, {3, 3}));
  test::ExpectTensorEqual((*out)[2], D({0, 0, 0, 3, 3, 3, 0, 0, 0, 1, 1, 1}, {4, 3}));
  test::ExpectTensorEqual((*out)[3], D({10, 10, 10, 13, 13, 13, 10, 10, 10, 11, 11, 11}, {4, 3}));
}

TEST(SparseGradientsTest, RefVariableReadPassesTheSlicesOn) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3, 4, 5, 6}, {3, 2}));
  auto through = ops::Identity(root, v.value());
  auto loss = ops::Sum(root, ops::Gather(root, through, ops::Const(root, I32({2}, {1}))), {0, 1});
  std::vector<GradientValue> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {v.value()}, {}, &grads));
  ASSERT_TRUE(grads[0].is_sparse());
  std::vector<Output> dense;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {v.value()}, &dense));
  auto out = test::RunGraph(root, {}, {dense[0]}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[0], F({0, 0, 0, 0, 1, 1}, {3, 2}));
}

TEST(ResourceGatherTest, GathersRowsAndItsGradientIsSparse) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("table"), F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto rows = ops::ResourceGather(root.WithOpName("rows"), v.handle(), ops::Const(root, I64({3, 0, 3}, {3})));
  auto matrix = ops::ResourceGather(root, v.handle(), ops::Const(root, I32({1, 2, 0, 0}, {2, 2})));
  EXPECT_EQ(rows.shape(), TensorShape({3, 2}));
  EXPECT_EQ(matrix.shape(), TensorShape({2, 2, 2}));
  auto loss = ops::Sum(root, ops::Mul(root, rows, ops::Const(root, F({1, 2, 3, 4, 5, 6}, {3, 2}))), {0, 1});
  std::vector<GradientValue> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {v.handle()}, {}, &grads));
  ASSERT_TRUE(grads[0].is_sparse());
  auto shape = ops::VariableShape(root, v.handle(), DT_INT64);
  auto out = test::RunGraph(root, {}, {rows, matrix, grads[0].sparse().indices, ToDense(root, grads[0]), shape},
                            {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[0], F({7, 8, 1, 2, 7, 8}, {3, 2}));
  test::ExpectTensorEqual((*out)[1], F({3, 4, 5, 6, 1, 2, 1, 2}, {2, 2, 2}));
  test::ExpectTensorEqual((*out)[2], I64({3, 0, 3}, {3}));
  test::ExpectTensorEqual((*out)[3], F({3, 4, 0, 0, 0, 0, 6, 8}, {4, 2}));
  test::ExpectTensorEqual((*out)[4], I64({4, 2}, {2}));
}

// ResourceGather's gradient equals Gather's on the same values, which the numeric check covers.
TEST(ResourceGatherTest, GradientMatchesTheNumericallyCheckedGather) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("table"), kTable);
  auto p = ops::Placeholder(root, DT_DOUBLE, {4, 3});
  auto ids = ops::Const(root, I32({3, 1, 3, 0, 1}, {5}));
  auto loss_of = [&](const Output& rows) { return WeightedSum(root, ops::Tanh(root, ops::Mul(root, rows, rows))); };
  Output by_handle = loss_of(ops::ResourceGather(root, v.handle(), ids));
  Output by_value = loss_of(ops::Gather(root, p, ids));
  ExpectGradientOk(root, {p}, {kTable}, by_value);
  std::vector<Output> g_handle, g_value;
  ASSERT_OK(AddSymbolicGradients(root, {by_handle}, {v.handle()}, &g_handle));
  ASSERT_OK(AddSymbolicGradients(root, {by_value}, {p}, &g_value));
  auto out = test::RunGraph(root, {{p, kTable}}, {g_handle[0], g_value[0]}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorNear((*out)[0], (*out)[1], 1e-12);
}

TEST(ResourceGatherTest, ErrorsNameTheProblem) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("table"), F({1, 2, 3, 4}, {2, 2}));
  auto bad = ops::ResourceGather(root.WithOpName("bad"), v.handle(), ops::Const(root, I32({0, 2}, {2})));
  ASSERT_OK(test::RunGraph(root, {}, {}, {ops::GlobalVariablesInitializer(root)}).status());
  std::string err = RunError(root, {bad}, {ops::GlobalVariablesInitializer(root)});
  EXPECT_THAT(err, HasSubstr("indices[1] = 2 is not in [0, 2)"));
  EXPECT_THAT(err, HasSubstr("bad"));
  Scope r2 = Scope::NewRootScope();
  ResourceVariable never(r2.WithOpName("never"), F({1, 2}, {2}));
  auto read = ops::ResourceGather(r2, never.handle(), ops::Const(r2, I32({0}, {1})));
  EXPECT_THAT(RunError(r2, {read}), HasSubstr("never"));
}

TEST(ScatterAddTest, RefFormsAccumulateDuplicatesInRankThree) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 2, 2}));
  auto upd = ops::Const(root, F({1, 1, 1, 1, 10, 10, 10, 10, 100, 100, 100, 100}, {3, 2, 2}));
  auto added = ops::ScatterAdd(root.WithOpName("add"), v.ref(), ops::Const(root, I32({2, 0, 2}, {3})), upd);
  EXPECT_EQ(added.shape(), TensorShape({3, 2, 2}));
  auto out = test::RunGraph(root, {}, {added}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[0], F({10, 11, 12, 13, 4, 5, 6, 7, 109, 110, 111, 112}, {3, 2, 2}));

  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), Tensor::FromVector(std::vector<int64_t>{5, 5, 5, 5}, {2, 2}));
  auto sub = ops::ScatterSub(r2, w.ref(), ops::Const(r2, I64({1, 1}, {2})),
                             ops::Const(r2, Tensor::FromVector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2})), true);
  auto scalar =
      ops::ScatterAdd(r2.WithControlDependencies({sub.op()}), w.ref(), ops::Const(r2, I32({0}, {1})), int64_t{7});
  auto out2 = test::RunGraph(r2, {}, {scalar}, {ops::GlobalVariablesInitializer(r2)});
  ASSERT_OK(out2.status());
  test::ExpectTensorEqual((*out2)[0], Tensor::FromVector(std::vector<int64_t>{12, 12, 1, -1}, {2, 2}));
}

TEST(ScatterAddTest, ResourceFormsTouchOnlyTheRows) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("v"), D({1, 2, 3, 4, 5, 6}, {3, 2}));
  auto add = ops::ResourceScatterAdd(root, v.handle(), ops::Const(root, I32({0, 0}, {2})),
                                     ops::Const(root, D({1, 1, 2, 2}, {2, 2})));
  auto sub = ops::ResourceScatterSub(root.WithControlDependencies({add}), v.handle(), ops::Const(root, I64({2}, {1})),
                                     ops::Const(root, D({0.5, 0.25}, {1, 2})));
  auto read = ops::ReadVariableOp(root.WithControlDependencies({sub}), v.handle(), DT_DOUBLE);
  auto out = test::RunGraph(root, {}, {read}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[0], D({4, 5, 3, 4, 4.5, 5.75}, {3, 2}));
}

TEST(ScatterAddTest, BadIndicesAndShapesAreErrors) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3, 4}, {2, 2}));
  auto bad = ops::ScatterAdd(root.WithOpName("oob"), v.ref(), ops::Const(root, I32({1, -1}, {2})),
                             ops::Const(root, F({1, 1, 1, 1}, {2, 2})));
  std::string err = RunError(root, {bad}, {ops::GlobalVariablesInitializer(root)});
  EXPECT_THAT(err, HasSubstr("indices[1] = -1 is not in [0, 2)"));
  EXPECT_THAT(err, HasSubstr("oob"));
  // Nothing changed: every index is checked first.
  Scope r1 = Scope::NewRootScope();
  Variable w(r1.WithOpName("w"), F({1, 2, 3, 4}, {2, 2}));
  auto oob = ops::ScatterAdd(r1, w.ref(), ops::Const(r1, I32({0, 5}, {2})), ops::Const(r1, F({1, 1, 1, 1}, {2, 2})));
  Session session(r1);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(r1)}, nullptr));
  std::vector<Tensor> out;
  EXPECT_FALSE(session.Run({}, {oob}, {}, &out).ok());
  ASSERT_OK(session.Run({}, {w.value()}, {}, &out));
  test::ExpectTensorEqual(out[0], F({1, 2, 3, 4}, {2, 2}));

  Scope r2 = Scope::NewRootScope();
  Variable x(r2.WithOpName("x"), F({1, 2, 3, 4}, {2, 2}));
  ops::ScatterAdd(r2.WithOpName("shapes"), x.ref(), ops::Const(r2, I32({0}, {1})),
                  ops::Const(r2, F({1, 1, 1}, {1, 3})));
  EXPECT_THAT(std::string(r2.status().message()), HasSubstr("must be indices.shape + var.shape[1:]"));
}

TEST(UniqueTest, FirstOccurrenceOrderAndPositions) {
  Scope root = Scope::NewRootScope();
  auto u = ops::Unique(root, ops::Const(root, I64({7, 3, 7, 7, 1, 3}, {6})));
  auto f = ops::Unique(root, ops::Const(root, F({2.5f, 2.5f, -1}, {3})), DT_INT64);
  auto out = test::RunGraph(root, {}, {u.y, u.idx, f.y, f.idx});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[0], I64({7, 3, 1}, {3}));
  test::ExpectTensorEqual((*out)[1], I32({0, 1, 0, 0, 2, 1}, {6}));
  test::ExpectTensorEqual((*out)[2], F({2.5f, -1}, {2}));
  test::ExpectTensorEqual((*out)[3], I64({0, 0, 1}, {3}));
  Scope r2 = Scope::NewRootScope();
  ops::Unique(r2.WithOpName("matrix"), ops::Const(r2, I32({1, 2, 3, 4}, {2, 2})));
  EXPECT_FALSE(r2.status().ok());
}

}  // namespace
}  // namespace sluice
