// Scatter and gather-by-index ops: ScatterUpdate/Mul/Div/Min/Max and ScatterNdUpdate/Add on ref
// variables, ResourceScatterUpdate, ScatterNd, TensorScatterUpdate/Add, GatherNd and GatherV2
// with batch_dims, against hand-computed values; their gradients against numeric ones; and the
// errors for bad shapes and out-of-range indices (naming the node and the index).
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

Tensor F(const std::vector<float>& v, const TensorShape& shape) { return Tensor::FromVector(v, shape); }
Tensor I(const std::vector<int32_t>& v, const TensorShape& shape) { return Tensor::FromVector(v, shape); }
Tensor L(const std::vector<int64_t>& v, const TensorShape& shape) { return Tensor::FromVector(v, shape); }

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-8);
}

// Runs `init`, then `update` (a ref op, fetched: its value after the update).
StatusOr<Tensor> InitAndRun(const Scope& root, const Output& update) {
  auto init = ops::GlobalVariablesInitializer(root);
  if (!root.ok()) return root.status();
  Session session(root);
  SLUICE_RETURN_IF_ERROR(session.Run({}, {}, {init}));
  std::vector<Tensor> out;
  SLUICE_RETURN_IF_ERROR(session.Run({}, {update}, &out));
  return out[0];
}

// ---- Row scatters on ref variables ------------------------------------------------------------

TEST(ScatterUpdateTest, SetsRowsOfARank2VariableTheLastDuplicateWinning) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto up = ops::ScatterUpdate(root.WithOpName("scatter"), v.ref(), ops::Const(root, {3, 0, 3}),
                               F({10, 11, 20, 21, 30, 31}, {3, 2}));
  EXPECT_EQ(up.shape(), (TensorShape{4, 2}));
  auto got = InitAndRun(root, up);
  ASSERT_TRUE(got.ok()) << got.status();
  test::ExpectTensorEqual(*got, F({20, 21, 3, 4, 5, 6, 30, 31}, {4, 2}));
}

TEST(ScatterUpdateTest, ScalarUpdatesFillEveryIndexedRowAndInt64IndicesWork) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3, 4, 5, 6}, {3, 2}));
  auto up = ops::ScatterUpdate(root, v.ref(), ops::Const(root, L({2, 0}, {2})), 9.f);
  auto got = InitAndRun(root, up);
  ASSERT_TRUE(got.ok()) << got.status();
  test::ExpectTensorEqual(*got, F({9, 9, 3, 4, 9, 9}, {3, 2}));
}

TEST(ScatterUpdateTest, MatrixOfIndicesIntoARank3Variable) {
  Scope root = Scope::NewRootScope();
  // v: [3, 1, 2]; indices [2, 1]; updates [2, 1, 1, 2].
  Variable v(root.WithOpName("v"), F({0, 0, 0, 0, 0, 0}, {3, 1, 2}));
  auto up = ops::ScatterUpdate(root, v.ref(), ops::Const(root, I({2, 1}, {2, 1})), F({1, 2, 3, 4}, {2, 1, 1, 2}));
  auto got = InitAndRun(root, up);
  ASSERT_TRUE(got.ok()) << got.status();
  test::ExpectTensorEqual(*got, F({0, 0, 3, 4, 1, 2}, {3, 1, 2}));
}

TEST(ScatterArithmeticTest, MulDivMinMaxWithHandComputedValues) {
  const std::vector<float> init = {2, 4, 6, 8, 10, 12};
  const std::vector<int32_t> idx = {2, 0, 2};
  const Tensor upd = F({3, 0.5f, 4, 1, 2, 10}, {3, 2});
  struct Case {
    const char* op;
    std::vector<float> expected;
  };
  // Row 2 gets updates 0 and 2 in order, row 0 update 1.
  const std::vector<Case> cases = {
      {"ScatterMul", {8, 4, 6, 8, 60, 60}},
      {"ScatterDiv", {0.5f, 4, 6, 8, 10.f / 3 / 2, 12.f / 0.5f / 10}},
      {"ScatterMin", {2, 1, 6, 8, 2, 0.5f}},
      {"ScatterMax", {4, 4, 6, 8, 10, 12}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.op);
    Scope root = Scope::NewRootScope();
    Variable v(root.WithOpName("v"), F(init, {3, 2}));
    Output idx_t = ops::Const(root, I(idx, {3}));
    Output up;
    if (std::string(c.op) == "ScatterMul") up = ops::ScatterMul(root, v.ref(), idx_t, upd);
    if (std::string(c.op) == "ScatterDiv") up = ops::ScatterDiv(root, v.ref(), idx_t, upd);
    if (std::string(c.op) == "ScatterMin") up = ops::ScatterMin(root, v.ref(), idx_t, upd);
    if (std::string(c.op) == "ScatterMax") up = ops::ScatterMax(root, v.ref(), idx_t, upd);
    auto got = InitAndRun(root, up);
    ASSERT_TRUE(got.ok()) << got.status();
    test::ExpectTensorNear(*got, F(c.expected, {3, 2}), 1e-6);
  }
}

TEST(ScatterArithmeticTest, IntegerMaxAndDivisionByZero) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), I({5, -5, 7}, {3}));
  auto mx = ops::ScatterMax(root, v.ref(), {1, 1}, I({-7, -1}, {2}));
  auto got = InitAndRun(root, mx);
  ASSERT_TRUE(got.ok()) << got.status();
  test::ExpectTensorEqual(*got, I({5, -1, 7}, {3}));

  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), I({5, -5, 7}, {3}));
  auto div = ops::ScatterDiv(r2.WithOpName("div"), w.ref(), {0, 2}, I({2, 0}, {2}));
  Status s = InitAndRun(r2, div).status();
  EXPECT_THAT(s.message(), HasSubstr("div"));
  EXPECT_THAT(s.message(), HasSubstr("updates[1] is 0: integer division by zero"));
}

TEST(ScatterUpdateTest, OutOfRangeIndexNamesTheNodeAndIndexAndLeavesTheVariable) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3}, {3}));
  auto up = ops::ScatterUpdate(root.WithOpName("scatter"), v.ref(), {0, 5}, {7.f, 8.f});
  auto init = ops::GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {init}));
  std::vector<Tensor> out;
  Status s = session.Run({}, {up}, &out);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("scatter"));
  EXPECT_THAT(s.message(), HasSubstr("indices[1] = 5 is not in [0, 3)"));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  test::ExpectTensorEqual(out[0], F({1, 2, 3}, {3}));
  // A negative index too.
  auto neg = ops::ScatterMin(root.WithOpName("neg"), v.ref(), {-1}, {0.f});
  Session s2(root);
  ASSERT_OK(s2.Run({}, {}, {init}));
  Status sn = s2.Run({}, {neg}, &out);
  EXPECT_THAT(sn.message(), HasSubstr("neg"));
  EXPECT_THAT(sn.message(), HasSubstr("indices[0] = -1 is not in [0, 3)"));
}

TEST(ScatterUpdateTest, BadUpdatesShapeIsABuildErrorAndUninitializedARunError) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3, 4}, {2, 2}));
  ops::ScatterUpdate(root.WithOpName("bad"), v.ref(), {0, 1}, F({1, 2, 3}, {3}));
  EXPECT_THAT(root.status().message(), HasSubstr("bad"));
  EXPECT_THAT(root.status().message(), HasSubstr("updates must have shape indices.shape + params.shape[1:] = [2,2]"));

  Scope r2 = Scope::NewRootScope();
  auto var = ops::VariableV2(r2.WithOpName("raw"), {3}, DT_FLOAT);
  auto up = ops::ScatterUpdate(r2.WithOpName("up"), var, {0}, {1.f});
  ASSERT_TRUE(r2.ok()) << r2.status();
  Status s = test::RunGraph(r2, {}, {up}).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("Attempting to use uninitialized value raw"));
}

TEST(ScatterUpdateTest, AValueReadBeforeTheUpdateKeepsItsValues) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3}, {3}));
  auto up = ops::ScatterUpdate(root, v.ref(), {1}, {9.f});
  auto init = ops::GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> before, after;
  ASSERT_OK(session.Run({}, {}, {init}));
  ASSERT_OK(session.Run({}, {v.value()}, &before));
  ASSERT_OK(session.Run({}, {up}, &after));
  test::ExpectTensorEqual(before[0], F({1, 2, 3}, {3}));
  test::ExpectTensorEqual(after[0], F({1, 9, 3}, {3}));
}

// Updates lock the variable: concurrent ScatterNdAdd steps lose no increment.
TEST(ScatterNdRefTest, ConcurrentAddsLoseNothing) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F(std::vector<float>(64, 0.f), {8, 8}));
  std::vector<int32_t> idx;
  for (int r = 0; r < 8; ++r) idx.push_back(r);
  auto add =
      ops::ScatterNdAdd(root, v.ref(), ops::Const(root, I(idx, {8, 1})), F(std::vector<float>(64, 1.f), {8, 8}));
  auto init = ops::GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {init}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_OK(session.Run({}, {}, {add.op()}));
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  test::ExpectTensorEqual(out[0], F(std::vector<float>(64, 200.f), {8, 8}));
}

// ---- ResourceScatterUpdate --------------------------------------------------------------------

TEST(ResourceScatterUpdateTest, SetsRowsAndRejectsOutOfRangeIndices) {
  Scope root = Scope::NewRootScope();
  ResourceVariable v(root.WithOpName("v"), F({1, 2, 3, 4, 5, 6}, {3, 2}));
  auto up = ops::ResourceScatterUpdate(root.WithOpName("rsu"), v.handle(), {2, 0}, F({7, 8, 9, 10}, {2, 2}));
  auto bad = ops::ResourceScatterUpdate(root.WithOpName("rsu_bad"), v.handle(), {3}, F({0, 0}, {1, 2}));
  auto init = ops::GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {init}));
  ASSERT_OK(session.Run({}, {}, {up}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  test::ExpectTensorEqual(out[0], F({9, 10, 3, 4, 7, 8}, {3, 2}));
  Status s = session.Run({}, {}, {bad});
  EXPECT_THAT(s.message(), HasSubstr("rsu_bad"));
  EXPECT_THAT(s.message(), HasSubstr("indices[0] = 3 is not in [0, 3)"));
  // The declared shape is checked while building.
  ops::ResourceScatterUpdate(root.WithOpName("rsu_shape"), v.handle(), {0}, F({1, 2, 3}, {1, 3}));
  EXPECT_THAT(root.status().message(), HasSubstr("rsu_shape"));
}

// ---- N-d scatters -----------------------------------------------------------------------------

TEST(ScatterNdTest, TfDocumentationExampleAndDuplicatesSum) {
  Scope root = Scope::NewRootScope();
  auto out = ops::ScatterNd(root, ops::Const(root, I({4, 3, 1, 7}, {4, 1})), F({9, 10, 11, 12}, {4}), {8});
  auto dup = ops::ScatterNd(root, ops::Const(root, I({1, 1, 0}, {3, 1})), F({1, 2, 3}, {3}), {3});
  EXPECT_EQ(out.shape(), (TensorShape{8}));
  test::ExpectTensorEqual(test::RunOne(root, out), F({0, 11, 0, 10, 9, 0, 0, 12}, {8}));
  test::ExpectTensorEqual(test::RunOne(root, dup), F({3, 3, 0}, {3}));
}

TEST(ScatterNdTest, SlicesOfARank3OutputAndPointsOfARank2One) {
  Scope root = Scope::NewRootScope();
  // Shape [4, 2, 2]; indices [[0], [2]] put [2, 2] slices.
  auto slices = ops::ScatterNd(root, ops::Const(root, L({0, 2}, {2, 1})),
                               F({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2}), ops::Const(root, L({4, 2, 2}, {3})));
  test::ExpectTensorEqual(test::RunOne(root, slices),
                          F({1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0}, {4, 2, 2}));
  // K = 2 on [2, 3]: indices of shape [2, 1, 2] (a batch of batches), updates [2, 1].
  auto points = ops::ScatterNd(root, ops::Const(root, I({1, 2, 0, 1}, {2, 1, 2})), F({5, 6}, {2, 1}), {2, 3});
  test::ExpectTensorEqual(test::RunOne(root, points), F({0, 6, 0, 0, 0, 5}, {2, 3}));
}

TEST(ScatterNdTest, OutOfRangeAndShapeErrors) {
  Scope root = Scope::NewRootScope();
  auto idx = ops::Placeholder(root, DT_INT32, {-1, 2});
  auto upd = ops::Placeholder(root, DT_FLOAT, {-1});
  auto out = ops::ScatterNd(root.WithOpName("snd"), idx, upd, {2, 2});
  ASSERT_TRUE(root.ok()) << root.status();
  Status s = test::RunGraph(root, {{idx, I({0, 1, 2, 0}, {2, 2})}, {upd, F({1, 2}, {2})}}, {out}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("snd"));
  EXPECT_THAT(s.message(), HasSubstr("indices[1] = [2,0] does not index into shape [2,2]"));
  // Updates that do not fit indices and shape.
  Scope r2 = Scope::NewRootScope();
  ops::ScatterNd(r2.WithOpName("bad"), ops::Const(r2, I({0, 1}, {2, 1})), F({1, 2, 3}, {3}), {4});
  EXPECT_THAT(r2.status().message(), HasSubstr("bad"));
  EXPECT_THAT(r2.status().message(), HasSubstr("updates must have shape indices.shape[:-1] + shape[K:] = [2]"));
  Scope r3 = Scope::NewRootScope();
  ops::ScatterNd(r3.WithOpName("deep"), ops::Const(r3, I({0, 1, 0}, {1, 3})), F({1}, {1}), {4, 4});
  EXPECT_THAT(r3.status().message(), HasSubstr("indices.shape[-1] = 3 must be <= the rank of shape [4,4]"));
}

TEST(ScatterNdRefTest, UpdateAndAddOnVariables) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), F({1, 2, 3, 4, 5, 6}, {2, 3}));
  auto set = ops::ScatterNdUpdate(root, v.ref(), ops::Const(root, I({1, 0, 0, 2}, {2, 2})), {10.f, 20.f});
  auto got = InitAndRun(root, set);
  ASSERT_TRUE(got.ok()) << got.status();
  test::ExpectTensorEqual(*got, F({1, 2, 20, 10, 5, 6}, {2, 3}));

  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), F({1, 2, 3, 4, 5, 6}, {2, 3}));
  // Whole rows (K = 1), row 1 twice.
  auto add = ops::ScatterNdAdd(r2.WithOpName("add"), w.ref(), ops::Const(r2, I({1, 1}, {2, 1})),
                               F({1, 1, 1, 10, 20, 30}, {2, 3}));
  got = InitAndRun(r2, add);
  ASSERT_TRUE(got.ok()) << got.status();
  test::ExpectTensorEqual(*got, F({1, 2, 3, 15, 26, 37}, {2, 3}));

  auto bad = ops::ScatterNdAdd(r2.WithOpName("add_bad"), w.ref(), ops::Const(r2, I({0, 3}, {1, 2})), {1.f});
  Status s = InitAndRun(r2, bad).status();
  EXPECT_THAT(s.message(), HasSubstr("add_bad"));
  EXPECT_THAT(s.message(), HasSubstr("indices[0] = [0,3] does not index into shape [2,3]"));
}

TEST(TensorScatterTest, UpdateAndAddCopyTheTensor) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Const(root, F({1, 2, 3, 4}, {2, 2}));
  auto idx = ops::Const(root, I({1, 0, 1}, {3, 1}));
  auto upd = ops::Const(root, F({10, 20, 30, 40, 50, 60}, {3, 2}));
  auto set = ops::TensorScatterUpdate(root, t, idx, upd);
  auto add = ops::TensorScatterAdd(root, t, idx, upd);
  auto out = test::RunGraph(root, {}, {set, add, t});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({30, 40, 50, 60}, {2, 2}));
  test::ExpectTensorEqual((*out)[1], F({31, 42, 63, 84}, {2, 2}));
  test::ExpectTensorEqual((*out)[2], F({1, 2, 3, 4}, {2, 2}));  // the input is unchanged
  // Int32 and a bool tensor (TensorScatterUpdate takes any type).
  auto flags = ops::Const(root, Tensor::FromVector(std::vector<bool>{false, false, false}));
  auto b = ops::TensorScatterUpdate(root, flags, ops::Const(root, I({2}, {1, 1})),
                                    ops::Const(root, Tensor::FromVector(std::vector<bool>{true})));
  test::ExpectTensorEqual(test::RunOne(root, b), Tensor::FromVector(std::vector<bool>{false, false, true}));
}

// ---- GatherNd ---------------------------------------------------------------------------------

TEST(GatherNdTest, PointsRowsAndBatchesOfIndices) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Const(root, F({1, 2, 3, 4}, {2, 2}));
  auto points = ops::GatherNd(root, p, ops::Const(root, I({0, 0, 1, 1}, {2, 2})));
  auto rows = ops::GatherNd(root, p, ops::Const(root, L({1, 0}, {2, 1})));
  auto batched = ops::GatherNd(root, p, ops::Const(root, I({0, 1, 1, 0}, {2, 1, 2})));
  auto whole = ops::GatherNd(root, p, ops::Const(root, I({}, {2, 0})));  // K = 0: the whole tensor twice
  EXPECT_EQ(batched.shape(), (TensorShape{2, 1}));
  auto out = test::RunGraph(root, {}, {points, rows, batched, whole});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 4}, {2}));
  test::ExpectTensorEqual((*out)[1], F({3, 4, 1, 2}, {2, 2}));
  test::ExpectTensorEqual((*out)[2], F({2, 3}, {2, 1}));
  test::ExpectTensorEqual((*out)[3], F({1, 2, 3, 4, 1, 2, 3, 4}, {2, 2, 2}));
  // A rank-3 params, K = 2: slices of the last dim.
  auto p3 = ops::Const(root, I({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2}));
  auto s3 = ops::GatherNd(root, p3, ops::Const(root, I({1, 0, 0, 1}, {2, 2})));
  test::ExpectTensorEqual(test::RunOne(root, s3), I({4, 5, 2, 3}, {2, 2}));
}

TEST(GatherNdTest, OutOfRangeNamesNodeAndIndex) {
  Scope root = Scope::NewRootScope();
  auto idx = ops::Placeholder(root, DT_INT64, {-1, 2});
  auto g = ops::GatherNd(root.WithOpName("gnd"), ops::Const(root, F({1, 2, 3, 4, 5, 6}, {2, 3})), idx);
  Status s = test::RunGraph(root, {{idx, L({1, 2, 1, 3}, {2, 2})}}, {g}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("gnd"));
  EXPECT_THAT(s.message(), HasSubstr("indices[1] = [1,3] does not index into shape [2,3]"));
  ops::GatherNd(root.WithOpName("deep"), ops::Const(root, F({1, 2}, {2})), ops::Const(root, I({0, 0}, {1, 2})));
  EXPECT_THAT(root.status().message(), HasSubstr("indices.shape[-1] = 2 must be <= the rank of params [2]"));
}

// ---- Gradients --------------------------------------------------------------------------------

TEST(ScatterGradientTest, ScatterNdWithRespectToUpdates) {
  Scope root = Scope::NewRootScope();
  auto u = ops::Placeholder(root, DT_DOUBLE, {3, 2});
  auto y = ops::ScatterNd(root, ops::Const(root, I({2, 0, 2}, {3, 1})), u, {4, 2});
  ExpectGradientOk(root, {u}, {test::Doubles({3, 2})}, y * y);
}

TEST(ScatterGradientTest, GatherNdWithRespectToParamsDuplicatesSummed) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {3, 2});
  auto y = ops::GatherNd(root, p, ops::Const(root, I({1, 1, 1, 1, 2, 0}, {3, 2})));
  ExpectGradientOk(root, {p}, {test::Doubles({3, 2})}, y * y);
  auto rows = ops::GatherNd(root, p, ops::Const(root, L({2, 0, 2}, {3, 1})));
  ExpectGradientOk(root, {p}, {test::Doubles({3, 2})}, rows * rows);
}

TEST(ScatterGradientTest, TensorScatterUpdateAndAdd) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Placeholder(root, DT_DOUBLE, {3, 2});
  auto u = ops::Placeholder(root, DT_DOUBLE, {2, 2});
  auto idx = ops::Const(root, I({2, 0}, {2, 1}));
  auto set = ops::TensorScatterUpdate(root, t, idx, u);
  ExpectGradientOk(root, {t, u}, {test::Doubles({3, 2}), test::Doubles({2, 2}, 2.0)}, set * set);
  auto add = ops::TensorScatterAdd(root, t, idx, u);
  ExpectGradientOk(root, {t, u}, {test::Doubles({3, 2}), test::Doubles({2, 2}, 2.0)}, add * add);
}

// ---- GatherV2 with batch_dims -----------------------------------------------------------------

TEST(BatchGatherTest, ForwardValuesForSeveralAxesAndNegativeBatchDims) {
  Scope root = Scope::NewRootScope();
  // params [2, 3]: each row gathers with its own indices.
  auto p = ops::Const(root, F({1, 2, 3, 4, 5, 6}, {2, 3}));
  auto g = ops::GatherV2(root, p, ops::Const(root, I({2, 0, 1, 1}, {2, 2})), 1, /*batch_dims=*/1);
  EXPECT_EQ(g.shape(), (TensorShape{2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, g), F({3, 1, 5, 5}, {2, 2}));
  auto neg = ops::GatherV2(root, p, ops::Const(root, I({2, 0, 1, 1}, {2, 2})), 1, /*batch_dims=*/-1);
  test::ExpectTensorEqual(test::RunOne(root, neg), F({3, 1, 5, 5}, {2, 2}));
  // params [2, 2, 3] (b, outer, n), axis 2, indices [2, 1]: out [2, 2, 1].
  auto p3 = ops::Const(root, F({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 2, 3}));
  auto g3 = ops::GatherV2(root, p3, ops::Const(root, L({2, 0}, {2, 1})), 2, 1);
  EXPECT_EQ(g3.shape(), (TensorShape{2, 2, 1}));
  test::ExpectTensorEqual(test::RunOne(root, g3), F({2, 5, 6, 9}, {2, 2, 1}));
  // axis 1 of params [2, 3, 2] with a trailing inner dim: out [2, 2, 2].
  auto p4 = ops::Const(root, F({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 3, 2}));
  auto g4 = ops::GatherV2(root, p4, ops::Const(root, I({1, 1, 0, 2}, {2, 2})), 1, 1);
  test::ExpectTensorEqual(test::RunOne(root, g4), F({2, 3, 2, 3, 6, 7, 10, 11}, {2, 2, 2}));
  // batch_dims 2 of params [2, 2, 3] and indices [2, 2, 1].
  auto g5 = ops::GatherV2(root, p3, ops::Const(root, I({0, 1, 2, 2}, {2, 2, 1})), 2, 2);
  test::ExpectTensorEqual(test::RunOne(root, g5), F({0, 4, 8, 11}, {2, 2, 1}));
}

TEST(BatchGatherTest, Errors) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Const(root, F({1, 2, 3, 4, 5, 6}, {2, 3}));
  ops::GatherV2(root.WithOpName("mismatch"), p, ops::Const(root, I({0, 0, 0}, {3, 1})), 1, 1);
  EXPECT_THAT(root.status().message(), HasSubstr("params.shape[0] = 2 must equal indices.shape[0] = 3"));
  Scope r2 = Scope::NewRootScope();
  auto p2 = ops::Const(r2, F({1, 2, 3, 4, 5, 6}, {2, 3}));
  ops::GatherV2(r2.WithOpName("axis"), p2, ops::Const(r2, I({0, 0}, {2, 1})), 0, 1);
  EXPECT_THAT(r2.status().message(), HasSubstr("axis = 0 must be >= batch_dims = 1"));
  Scope r3 = Scope::NewRootScope();
  auto p3 = ops::Const(r3, F({1, 2, 3, 4, 5, 6}, {2, 3}));
  auto idx = ops::Placeholder(r3, DT_INT32, {2, -1});
  auto g = ops::GatherV2(r3.WithOpName("bg"), p3, idx, 1, 1);
  ASSERT_TRUE(r3.ok()) << r3.status();
  Status s = test::RunGraph(r3, {{idx, I({0, 3}, {2, 1})}}, {g}).status();
  EXPECT_THAT(s.message(), HasSubstr("bg"));
  EXPECT_THAT(s.message(), HasSubstr("indices[1,0] = 3 is not in [0, 3)"));
}

TEST(BatchGatherTest, GradientsMatchNumericOnes) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto g = ops::GatherV2(root, p, ops::Const(root, I({2, 2, 1, 0, 0, 1}, {2, 3})), 1, 1);
  ExpectGradientOk(root, {p}, {test::Doubles({2, 3})}, g * g);
  auto p3 = ops::Placeholder(root, DT_DOUBLE, {2, 3, 2, 2});
  // axis 2 (past the batch dim, with outer 3 and inner 2), indices [2, 2, 2]
  auto g3 = ops::GatherV2(root, p3, ops::Const(root, L({1, 1, 0, 1, 0, 0, 1, 0}, {2, 2, 2})), 2, 1);
  ExpectGradientOk(root, {p3}, {test::Doubles({2, 3, 2, 2})}, g3 * g3);
  // batch_dims 2 and a negative axis.
  auto g4 = ops::GatherV2(root, p3, ops::Const(root, I({0, 1, 1, 0, 0, 0}, {2, 3, 1})), -2, 2);
  ExpectGradientOk(root, {p3}, {test::Doubles({2, 3, 2, 2})}, g4 * g4);
}

}  // namespace
}  // namespace sluice
