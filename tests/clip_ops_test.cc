// Gradient clipping (ClipByValue, ClipByNorm, GlobalNorm, ClipByGlobalNorm, and ClipByNorm of an
// IndexedSlices gradient) against values computed by hand, and clipped gradients applied by an
// optimizer.
#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using Vec = std::vector<float>;

Tensor F(const Vec& v) { return Tensor::FromVector(v); }

std::vector<Vec> Fetch(const Scope& root, const std::vector<Output>& fetches) {
  EXPECT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, fetches, &out);
  EXPECT_TRUE(s.ok()) << s;
  std::vector<Vec> result;
  for (const Tensor& t : out) result.emplace_back(t.data<float>(), t.data<float>() + t.NumElements());
  return result;
}

TEST(ClipOpsTest, ClipByValue) {
  Scope root = Scope::NewRootScope();
  auto r = Fetch(root, {ops::ClipByValue(root, F({-2, 0.5f, 3}), -1.0f, 1.0f)});
  EXPECT_THAT(r[0], ::testing::ElementsAre(-1.0f, 0.5f, 1.0f));
}

TEST(ClipOpsTest, ClipByNorm) {
  Scope root = Scope::NewRootScope();
  Output clipped = ops::ClipByNorm(root, F({3, 4}), 2.5f);  // norm 5: scaled by 2.5 / 5
  EXPECT_EQ(clipped.op().name(), "clip_by_norm");
  auto r = Fetch(root, {clipped, ops::ClipByNorm(root, F({3, 4}), 10.0f), ops::ClipByNorm(root, F({0, 0}), 1.0f)});
  EXPECT_THAT(r[0], ::testing::ElementsAre(1.5f, 2.0f));
  EXPECT_THAT(r[1], ::testing::ElementsAre(3.0f, 4.0f));
  EXPECT_THAT(r[2], ::testing::ElementsAre(0.0f, 0.0f));
}

TEST(ClipOpsTest, ClipByNormAlongAnAxis) {
  Scope root = Scope::NewRootScope();
  Tensor t(DT_FLOAT, TensorShape{2, 2});
  const float v[] = {3, 4, 0.3f, 0.4f};  // row norms 5 and 0.5
  std::copy(v, v + 4, t.data<float>());
  auto r = Fetch(root, {ops::ClipByNorm(root, t, 1.0f, {1})});
  EXPECT_THAT(r[0], ::testing::Pointwise(::testing::FloatNear(1e-6f), Vec{0.6f, 0.8f, 0.3f, 0.4f}));
}

TEST(ClipOpsTest, GlobalNormAndClipByGlobalNorm) {
  Scope root = Scope::NewRootScope();
  std::vector<Output> ts = {ops::Const(root, F({3, 4})), ops::Const(root, F({12}))};  // global norm 13
  ops::ClippedByGlobalNorm halved = ops::ClipByGlobalNorm(root, ts, 6.5f);
  ops::ClippedByGlobalNorm kept = ops::ClipByGlobalNorm(root, ts, 20.0f);
  Output use_norm = ops::Const(root, Tensor::Scalar<float>(26.0f));
  ops::ClippedByGlobalNorm by_given = ops::ClipByGlobalNorm(root, ts, 6.5f, use_norm);
  ASSERT_EQ(halved.list.size(), 2u);
  auto r = Fetch(root, {ops::GlobalNorm(root, ts), halved.global_norm, halved.list[0], halved.list[1], kept.list[0],
                      kept.list[1], by_given.list[0], by_given.global_norm});
  EXPECT_FLOAT_EQ(r[0][0], 13.0f);
  EXPECT_FLOAT_EQ(r[1][0], 13.0f);
  EXPECT_THAT(r[2], ::testing::Pointwise(::testing::FloatEq(), Vec{1.5f, 2.0f}));
  EXPECT_THAT(r[3], ::testing::Pointwise(::testing::FloatEq(), Vec{6.0f}));
  EXPECT_THAT(r[4], ::testing::Pointwise(::testing::FloatEq(), Vec{3.0f, 4.0f}));
  EXPECT_THAT(r[5], ::testing::Pointwise(::testing::FloatEq(), Vec{12.0f}));
  EXPECT_THAT(r[6], ::testing::Pointwise(::testing::FloatEq(), Vec{0.75f, 1.0f}));  // scale 6.5 / 26
  EXPECT_FLOAT_EQ(r[7][0], 26.0f);
}

TEST(ClipOpsTest, ClipByGlobalNormKeepsInvalidEntriesAndNaNsANonFiniteNorm) {
  Scope root = Scope::NewRootScope();
  float inf = std::numeric_limits<float>::infinity();
  ops::ClippedByGlobalNorm c = ops::ClipByGlobalNorm(root, {ops::Const(root, F({inf, 1})), Output()}, 1.0f);
  ASSERT_EQ(c.list.size(), 2u);
  EXPECT_FALSE(c.list[1].valid());
  auto r = Fetch(root, {c.list[0]});
  EXPECT_TRUE(std::isnan(r[0][0]));
  EXPECT_TRUE(std::isnan(r[0][1]));
}

// ComputeGradients, ClipByGlobalNorm, ApplyGradients: the step is the clipped gradient's.
TEST(ClipOpsTest, OptimizerAppliesClippedGradients) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), F({0, 0}));
  Variable b(root.WithOpName("b"), F({0}));
  // Gradients: d/dw = (3, 4), d/db = 12; global norm 13.
  Output loss = ops::Sum(root, w.value() * F({3, 4}), {0}) + ops::Sum(root, b.value() * 12.0f, {0});
  train::GradientDescentOptimizer opt(1.0f);
  std::vector<train::GradAndVar> grads;
  ASSERT_OK(opt.ComputeGradients(root, loss, {}, &grads));
  ASSERT_EQ(grads.size(), 2u);
  std::vector<Output> g = {grads[0].first.dense(), grads[1].first.dense()};
  ops::ClippedByGlobalNorm clipped = ops::ClipByGlobalNorm(root, g, 6.5f);
  for (size_t i = 0; i < grads.size(); ++i) grads[i].first = clipped.list[i];
  Operation train_op = opt.ApplyGradients(root, grads);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({}, {}, {train_op}, &out));
  ASSERT_OK(session.Run({}, {w.value(), b.value(), clipped.global_norm}, &out));
  EXPECT_FLOAT_EQ(out[0].data<float>()[0], -1.5f);
  EXPECT_FLOAT_EQ(out[0].data<float>()[1], -2.0f);
  EXPECT_FLOAT_EQ(out[1].data<float>()[0], -6.0f);
}

// A gather's IndexedSlices gradient clipped by norm as TF1's clip_by_norm does: the values'
// norm (duplicate ids not summed first), the values scaled, the indices kept; then applied
// sparsely by an optimizer.
TEST(ClipOpsTest, ClipGradientByNormKeepsIndexedSlicesSparse) {
  Scope root = Scope::NewRootScope();
  Tensor initial(DT_FLOAT, TensorShape{6, 3});
  for (int i = 0; i < 18; ++i) initial.data<float>()[i] = 0.1f * i;
  Variable emb(root.WithOpName("emb"), initial);
  Tensor w_value(DT_FLOAT, TensorShape{3, 1});
  for (int j = 0; j < 3; ++j) w_value.data<float>()[j] = j + 1.0f;
  // d loss / d gathered row = w^T = (1, 2, 3) for each of the ids 2, 2, 5: values norm sqrt(3 * 14).
  auto ids = ops::Const(root, Tensor::FromVector(std::vector<int32_t>{2, 2, 5}));
  Output loss = ops::Sum(root, ops::MatMul(root, ops::Gather(root, emb.value(), ids), ops::Const(root, w_value)), {0, 1});
  train::GradientDescentOptimizer opt(0.1f);
  std::vector<train::GradAndVar> grads;
  ASSERT_OK(opt.ComputeGradients(root, loss, {emb}, &grads));
  ASSERT_EQ(grads.size(), 1u);
  ASSERT_TRUE(grads[0].first.is_sparse());
  GradientValue clipped = ops::ClipGradientByNorm(root, grads[0].first, 1.0f);
  ASSERT_TRUE(clipped.is_sparse());
  GradientValue unclipped = ops::ClipGradientByNorm(root, grads[0].first, 100.0f);  // norm below: unchanged
  GradientValue dense = ops::ClipGradientByNorm(root, ops::Const(root, F({3, 4})), 2.5f);
  ASSERT_FALSE(dense.is_sparse());
  EXPECT_FALSE(ops::ClipGradientByNorm(root, GradientValue(), 1.0f).valid());
  grads[0].first = clipped;
  Operation train_op = opt.ApplyGradients(root, grads);
  ASSERT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  ASSERT_OK(session.Run({}, {clipped.sparse().values, clipped.sparse().indices, unclipped.sparse().values,
                             dense.dense()}, {}, &out));
  const double norm = std::sqrt(42.0);
  ASSERT_EQ(out[0].shape(), TensorShape({3, 3}));
  for (int r = 0; r < 3; ++r) {
    for (int j = 0; j < 3; ++j) {
      EXPECT_NEAR(out[0].data<float>()[r * 3 + j], (j + 1) / norm, 1e-6);
      EXPECT_FLOAT_EQ(out[2].data<float>()[r * 3 + j], j + 1.0f);
    }
  }
  EXPECT_THAT(std::vector<int32_t>(out[1].data<int32_t>(), out[1].data<int32_t>() + 3), ::testing::ElementsAre(2, 2, 5));
  EXPECT_FLOAT_EQ(out[3].data<float>()[0], 1.5f);
  EXPECT_FLOAT_EQ(out[3].data<float>()[1], 2.0f);
  ASSERT_OK(session.Run({}, {}, {train_op}, &out));
  ASSERT_OK(session.Run({}, {emb.value()}, {}, &out));
  // Row 2 moved by 0.1 * 2 * (1, 2, 3) / norm, row 5 by half that; the other rows did not move.
  const float* e = out[0].data<float>();
  const float* t = initial.data<float>();
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(e[2 * 3 + j], t[2 * 3 + j] - 0.1 * 2 * (j + 1) / norm, 1e-6);
    EXPECT_NEAR(e[5 * 3 + j], t[5 * 3 + j] - 0.1 * (j + 1) / norm, 1e-6);
    for (int r : {0, 1, 3, 4}) EXPECT_EQ(e[r * 3 + j], t[r * 3 + j]);
  }
}

}  // namespace
}  // namespace sluice
