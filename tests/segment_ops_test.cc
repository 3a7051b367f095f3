// Segment ops (UnsortedSegment{Max,Min,Prod,Mean,SqrtN}, Segment{Sum,Mean,Max,Min,Prod},
// SparseSegment{Sum,Mean,SqrtN}(WithNumSegments) and their Grad(V2) ops), DynamicPartition,
// (Parallel)DynamicStitch, Unique, and the embedding lookups built on them. Expected values are
// hand-computed with TensorFlow's rules; every differentiable op gets a numeric gradient check in
// double.
#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"

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

std::string RunError(const Scope& root, const Output& y, const std::vector<std::pair<Output, Tensor>>& feeds = {}) {
  if (!root.status().ok()) return std::string(root.status().message());
  auto out = test::RunGraph(root, feeds, {y});
  return out.ok() ? "" : std::string(out.status().message());
}

// y = sum(g * w) with w fixed and of g's (static) shape.
Output WeightedSum(const Scope& root, const Output& g) {
  const TensorShape& shape = g.shape();
  EXPECT_TRUE(shape.IsFullyDefined()) << shape.DebugString();
  std::vector<double> w(shape.num_elements());
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.7 * static_cast<double>(i) + 0.3);
  std::vector<int> axes;
  for (int d = 0; d < shape.rank(); ++d) axes.push_back(d);
  return ops::Sum(root, ops::Mul(root, g, ops::Const(root, D(w, shape))), Tensor::FromVector(std::vector<int32_t>(
                                                                              axes.begin(), axes.end())));
}

// Like WeightedSum, for an output of a statically unknown dim 0 with `rows` rows at run time.
Output WeightedSumRows(const Scope& root, const Output& g, int64_t rows, int64_t cols) {
  return WeightedSum(root, ops::Reshape(root, g, Tensor::FromVector(std::vector<int64_t>{rows, cols})));
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y) {
  ASSERT_TRUE(root.status().ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-7);
}

constexpr float kLowest = std::numeric_limits<float>::lowest();
constexpr float kMax = std::numeric_limits<float>::max();

// ---- UnsortedSegment{Max,Min,Prod,Mean} ------------------------------------------------------

TEST(UnsortedSegmentTest, MaxMinProdMeanDropNegativeIdsAndFillEmptySegments) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, -2, 3, 4, 5, 6, -7, 8}, {4, 2}));
  auto ids = ops::Const(root, I32({0, 2, -1, 0}, {4}));
  auto mx = ops::UnsortedSegmentMax(root, d, ids, 4);
  EXPECT_EQ(mx.shape().DebugString(), TensorShape({4, 2}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, mx), F({1, 8, kLowest, kLowest, 3, 4, kLowest, kLowest}, {4, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::UnsortedSegmentMin(root, d, ids, 4)),
                          F({-7, -2, kMax, kMax, 3, 4, kMax, kMax}, {4, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::UnsortedSegmentProd(root, d, ids, 4)),
                          F({-7, -16, 1, 1, 3, 4, 1, 1}, {4, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::UnsortedSegmentMean(root, d, ids, 4)),
                          F({-3, 3, 0, 0, 3, 4, 0, 0}, {4, 2}));
  const float r2 = std::sqrt(2.0f);
  test::ExpectTensorNear(test::RunOne(root, ops::UnsortedSegmentSqrtN(root, d, ids, 4)),
                         F({-6 / r2, 6 / r2, 0, 0, 3, 4, 0, 0}, {4, 2}), 1e-6);
  // int64 ids of rank 2 over rank-3 data, an int64 num_segments.
  auto d3 = ops::Reshape(root, d, {2, 2, 2});
  auto ids2 = ops::Const(root, I64({1, 1, 0, 1}, {2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::UnsortedSegmentMax(root, d3, ids2, ops::Const(root, int64_t{2}))),
                          F({5, 6, 3, 8}, {2, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::UnsortedSegmentMean(root, d3, ids2, 2)),
                          F({5, 6, -1, 10.0f / 3}, {2, 2}));
  // Integer data: an empty segment of Max is the dtype's lowest value.
  auto mi = ops::UnsortedSegmentMax(root, ops::Const(root, I32({3, 1, 2}, {3})),
                                    ops::Const(root, I32({0, 0, 1}, {3})), 3);
  test::ExpectTensorEqual(test::RunOne(root, mi), I32({3, 2, std::numeric_limits<int32_t>::min()}, {3}));
  auto pd = ops::UnsortedSegmentProd(root, ops::Const(root, D({2, 3, 4}, {3})),
                                     ops::Const(root, I64({1, 1, 1}, {3})), 2);
  test::ExpectTensorEqual(test::RunOne(root, pd), D({1, 24}, {2}));
}

TEST(UnsortedSegmentTest, OutOfRangeIdsAndBadShapesNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4}, {4}));
  auto ids = ops::Placeholder(root, DT_INT64, {4});
  auto mx = ops::UnsortedSegmentMax(root.WithOpName("seg_max"), d, ids, 3);
  std::string err = RunError(root, mx, {{ids, I64({0, 1, 5, 0}, {4})}});
  EXPECT_THAT(err, HasSubstr("seg_max"));
  EXPECT_THAT(err, HasSubstr("segment_ids[2] = 5 is out of range [0, 3)"));
  auto pr = ops::UnsortedSegmentProd(root.WithOpName("seg_prod"), d, ids, 2);
  err = RunError(root, pr, {{ids, I64({0, 2, 1, 0}, {4})}});
  EXPECT_THAT(err, HasSubstr("seg_prod"));
  EXPECT_THAT(err, HasSubstr("segment_ids[1] = 2 is out of range [0, 2)"));
  Scope r2 = Scope::NewRootScope();
  ops::UnsortedSegmentMin(r2.WithOpName("m"), ops::Const(r2, F({1, 2, 3}, {3})), ops::Const(r2, I32({0, 1}, {2})), 2);
  EXPECT_THAT(r2.status().message(), HasSubstr("does not start with segment_ids.shape"));
  Scope r3 = Scope::NewRootScope();
  ops::UnsortedSegmentMax(r3, ops::Const(r3, F({1, 2}, {2})), ops::Const(r3, I32({0, 1}, {2})), -1);
  EXPECT_THAT(r3.status().message(), HasSubstr("num_segments must be non-negative"));
}

TEST(UnsortedSegmentTest, GradientsOfMaxMinProdMean) {
  const Tensor x = D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1.25, -2, 0.1}, {5, 2});
  auto ids = [](const Scope& r) { return ops::Const(r, I32({0, 1, -1, 0, 1}, {5})); };
  using Builder = Output (*)(const Scope&, const Input&, const Input&, const Input&);
  for (Builder op : {static_cast<Builder>(ops::UnsortedSegmentMax), static_cast<Builder>(ops::UnsortedSegmentMin),
                     static_cast<Builder>(ops::UnsortedSegmentProd), static_cast<Builder>(ops::UnsortedSegmentMean),
                     static_cast<Builder>(ops::UnsortedSegmentSqrtN)}) {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {5, 2});
    ExpectGradientOk(root, {p}, {x}, WeightedSum(root, op(root, p, ids(root), 2)));
  }
  // Prod with zeros: a segment with one zero (its gradient is the product of the others) and
  // one with two (all zero). Max with a tie splits the gradient between the tied elements.
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {6});
  auto zids = ops::Const(root, I32({0, 0, 0, 1, 1, 1}, {6}));
  ExpectGradientOk(root, {p}, {D({2, 0, 3, 0, 0.5, 0}, {6})},
                   WeightedSum(root, ops::UnsortedSegmentProd(root, p, zids, 2)));
  Scope r2 = Scope::NewRootScope();
  auto q = ops::Placeholder(r2, DT_DOUBLE, {3});
  auto g = ops::UnsortedSegmentMax(r2, q, ops::Const(r2, I32({0, 0, 0}, {3})), 1);
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(r2, {g}, {q}, &grads).ok());
  auto out = test::RunGraph(r2, {{q, D({2, 1, 2}, {3})}}, {grads[0]});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], D({0.5, 0, 0.5}, {3}));
}

// ---- Segment{Sum,Mean,Max,Min,Prod} ----------------------------------------------------------

TEST(SortedSegmentTest, ReducesRunsAndZeroesSkippedIds) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {5, 2}));
  auto ids = ops::Const(root, I32({0, 0, 2, 2, 2}, {5}));
  auto sum = ops::SegmentSum(root, d, ids);
  EXPECT_EQ(sum.shape().DebugString(), TensorShape({-1, 2}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, sum), F({4, 6, 0, 0, 21, 24}, {3, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentMean(root, d, ids)), F({2, 3, 0, 0, 7, 8}, {3, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentMax(root, d, ids)), F({3, 4, 0, 0, 9, 10}, {3, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentMin(root, d, ids)), F({1, 2, 0, 0, 5, 6}, {3, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentProd(root, d, ids)), F({3, 8, 1, 1, 315, 480}, {3, 2}));
  // int64 ids, double and int64 data of rank 1 and 3.
  auto ids64 = ops::Const(root, I64({1, 1, 3}, {3}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentSum(root, ops::Const(root, D({0.5, 1, 2}, {3})), ids64)),
                          D({0, 1.5, 0, 2}, {4}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentMean(root, ops::Const(root, I64({7, 2, 5}, {3})), ids64)),
                          I64({0, 4, 0, 5}, {4}));
  auto d3 = ops::Reshape(root, ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {12})), {3, 2, 2});
  test::ExpectTensorEqual(test::RunOne(root, ops::SegmentMax(root, d3, ids64)),
                          F({0, 0, 0, 0, 5, 6, 7, 8, 0, 0, 0, 0, 9, 10, 11, 12}, {4, 2, 2}));
  // No ids: no segments.
  auto none = ops::SegmentSum(root, ops::Const(root, F({}, {0, 2})), ops::Const(root, I32({}, {0})));
  EXPECT_EQ(test::RunOne(root, none).shape().DebugString(), TensorShape({0, 2}).DebugString());
}

TEST(SortedSegmentTest, UnsortedNegativeAndMismatchedIdsNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4}, {4}));
  auto ids = ops::Placeholder(root, DT_INT32, {4});
  auto s = ops::SegmentSum(root.WithOpName("sorted_sum"), d, ids);
  std::string err = RunError(root, s, {{ids, I32({0, 2, 1, 3}, {4})}});
  EXPECT_THAT(err, HasSubstr("sorted_sum"));
  EXPECT_THAT(err, HasSubstr("segment_ids are not sorted: segment_ids[2] = 1 comes after segment_ids[1] = 2"));
  err = RunError(root, s, {{ids, I32({-1, 0, 0, 1}, {4})}});
  EXPECT_THAT(err, HasSubstr("segment_ids[0] = -1 is negative"));
  Scope r2 = Scope::NewRootScope();
  ops::SegmentMax(r2, ops::Const(r2, F({1, 2, 3}, {3})), ops::Const(r2, I32({0, 1}, {2})));
  EXPECT_THAT(r2.status().message(), HasSubstr("must have as many entries as data's dim 0"));
}

TEST(SortedSegmentTest, Gradients) {
  const Tensor x = D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1.25, -2, 0.1}, {5, 2});
  using Builder = Output (*)(const Scope&, const Input&, const Input&);
  for (Builder op : {static_cast<Builder>(ops::SegmentSum), static_cast<Builder>(ops::SegmentMean),
                     static_cast<Builder>(ops::SegmentMax), static_cast<Builder>(ops::SegmentMin),
                     static_cast<Builder>(ops::SegmentProd)}) {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {5, 2});
    auto y = op(root, p, ops::Const(root, I64({0, 0, 2, 2, 2}, {5})));
    ExpectGradientOk(root, {p}, {x}, WeightedSumRows(root, y, 3, 2));
  }
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_DOUBLE, {5});
  auto y = ops::SegmentProd(root, p, ops::Const(root, I32({0, 0, 1, 1, 1}, {5})));
  ExpectGradientOk(root, {p}, {D({0, 2, 0, 3, 0}, {5})}, WeightedSumRows(root, y, 2, 1));
}

// ---- SparseSegment{Sum,Mean,SqrtN} and their Grad ops ----------------------------------------

TEST(SparseSegmentTest, SumMeanSqrtN) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto idx = ops::Const(root, I32({0, 2, 3, 3, 1}, {5}));
  auto seg = ops::Const(root, I32({0, 0, 1, 3, 3}, {5}));
  auto sum = ops::SparseSegmentSum(root, d, idx, seg);
  EXPECT_EQ(sum.shape().DebugString(), TensorShape({-1, 2}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, sum), F({6, 8, 7, 8, 0, 0, 10, 12}, {4, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SparseSegmentMean(root, d, idx, seg)),
                          F({3, 4, 7, 8, 0, 0, 5, 6}, {4, 2}));
  const float r2 = std::sqrt(2.0f);
  test::ExpectTensorNear(test::RunOne(root, ops::SparseSegmentSqrtN(root, d, idx, seg)),
                         F({6 / r2, 8 / r2, 7, 8, 0, 0, 10 / r2, 12 / r2}, {4, 2}), 1e-6);
  // int64 indices and segment ids, double data of rank 1, int32 data for Sum.
  auto idx64 = ops::Const(root, I64({1, 1, 0}, {3}));
  auto seg64 = ops::Const(root, I64({0, 1, 1}, {3}));
  test::ExpectTensorEqual(
      test::RunOne(root, ops::SparseSegmentMean(root, ops::Const(root, D({4, 10}, {2})), idx64, seg64)),
      D({10, 7}, {2}));
  test::ExpectTensorEqual(
      test::RunOne(root, ops::SparseSegmentSum(root, ops::Const(root, I32({4, 10}, {2})), idx64, seg64)),
      I32({10, 14}, {2}));
}

TEST(SparseSegmentTest, WithNumSegmentsHasTrailingEmptyRows) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto idx = ops::Const(root, I32({0, 2, 3, 3, 1}, {5}));
  auto seg = ops::Const(root, I64({0, 0, 1, 3, 3}, {5}));
  auto sum = ops::SparseSegmentSumWithNumSegments(root, d, idx, seg, 6);
  EXPECT_EQ(sum.shape().DebugString(), TensorShape({6, 2}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, sum), F({6, 8, 7, 8, 0, 0, 10, 12, 0, 0, 0, 0}, {6, 2}));
  test::ExpectTensorEqual(
      test::RunOne(root, ops::SparseSegmentMeanWithNumSegments(root, d, idx, seg, ops::Const(root, int64_t{5}))),
      F({3, 4, 7, 8, 0, 0, 5, 6, 0, 0}, {5, 2}));
  const float r2 = std::sqrt(2.0f);
  test::ExpectTensorNear(test::RunOne(root, ops::SparseSegmentSqrtNWithNumSegments(root, d, idx, seg, 4)),
                         F({6 / r2, 8 / r2, 7, 8, 0, 0, 10 / r2, 12 / r2}, {4, 2}), 1e-6);
  auto num = ops::Placeholder(root, DT_INT32, TensorShape({}));
  auto bad = ops::SparseSegmentSumWithNumSegments(root.WithOpName("bag_sum"), d, idx, seg, num);
  std::string err = RunError(root, bad, {{num, Tensor::Scalar<int32_t>(3)}});
  EXPECT_THAT(err, HasSubstr("bag_sum"));
  EXPECT_THAT(err, HasSubstr("segment_ids[4] = 3 is out of range [0, 3)"));
  err = RunError(root, bad, {{num, Tensor::Scalar<int32_t>(-2)}});
  EXPECT_THAT(err, HasSubstr("num_segments must be non-negative, got -2"));

  using Builder = Output (*)(const Scope&, const Input&, const Input&, const Input&, const Input&);
  for (Builder op : {static_cast<Builder>(ops::SparseSegmentSumWithNumSegments),
                     static_cast<Builder>(ops::SparseSegmentMeanWithNumSegments),
                     static_cast<Builder>(ops::SparseSegmentSqrtNWithNumSegments)}) {
    Scope r = Scope::NewRootScope();
    auto p = ops::Placeholder(r, DT_DOUBLE, {4, 2});
    auto y = op(r, p, ops::Const(r, I64({0, 2, 3, 3, 1}, {5})), ops::Const(r, I32({0, 0, 1, 3, 3}, {5})), 5);
    ExpectGradientOk(r, {p}, {D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1.25}, {4, 2})}, WeightedSum(r, y));
  }
}

TEST(SparseSegmentTest, BadIndicesAndSegmentIdsNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto idx = ops::Placeholder(root, DT_INT64, {3});
  auto seg = ops::Placeholder(root, DT_INT32, {3});
  auto m = ops::SparseSegmentMean(root.WithOpName("bag_mean"), d, idx, seg);
  std::string err = RunError(root, m, {{idx, I64({0, 4, 1}, {3})}, {seg, I32({0, 0, 1}, {3})}});
  EXPECT_THAT(err, HasSubstr("bag_mean"));
  EXPECT_THAT(err, HasSubstr("indices[1] = 4 is out of range [0, 4)"));
  err = RunError(root, m, {{idx, I64({0, -1, 1}, {3})}, {seg, I32({0, 0, 1}, {3})}});
  EXPECT_THAT(err, HasSubstr("indices[1] = -1 is out of range [0, 4)"));
  err = RunError(root, m, {{idx, I64({0, 1, 1}, {3})}, {seg, I32({1, 0, 1}, {3})}});
  EXPECT_THAT(err, HasSubstr("segment_ids are not sorted"));
  auto g = ops::SparseSegmentMeanGrad(root.WithOpName("bag_grad"), d, idx, seg, 3);
  err = RunError(root, g, {{idx, I64({0, 3, 1}, {3})}, {seg, I32({0, 0, 1}, {3})}});
  EXPECT_THAT(err, HasSubstr("bag_grad"));
  EXPECT_THAT(err, HasSubstr("indices[1] = 3 is out of range [0, 3)"));
  err = RunError(root, g, {{idx, I64({0, 1, 1}, {3})}, {seg, I32({0, 0, 4}, {3})}});
  EXPECT_THAT(err, HasSubstr("segment_ids[2] = 4 is out of range [0, 4)"));
  Scope r2 = Scope::NewRootScope();
  ops::SparseSegmentSum(r2, ops::Const(r2, F({1, 2}, {2})), ops::Const(r2, I32({0, 1}, {2})),
                        ops::Const(r2, I32({0}, {1})));
  EXPECT_THAT(r2.status().message(), HasSubstr("must have the same length"));
}

TEST(SparseSegmentTest, GradOpsScatterScaledRows) {
  Scope root = Scope::NewRootScope();
  auto g = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  auto idx = ops::Const(root, I32({0, 2, 3, 3, 1}, {5}));
  auto seg = ops::Const(root, I32({0, 0, 1, 3, 3}, {5}));
  const float r2 = std::sqrt(2.0f);
  auto mg = ops::SparseSegmentMeanGrad(root, g, idx, seg, 5);
  EXPECT_EQ(mg.shape().DebugString(), TensorShape({5, 2}).DebugString());
  test::ExpectTensorEqual(test::RunOne(root, mg), F({0.5, 1, 3.5, 4, 0.5, 1, 6.5, 8, 0, 0}, {5, 2}));
  test::ExpectTensorEqual(test::RunOne(root, ops::SparseSegmentSumGrad(root, g, idx, seg, 5)),
                          F({1, 2, 7, 8, 1, 2, 10, 12, 0, 0}, {5, 2}));
  // The V2 ops: the rows of indices 0, 1, 2, 3 only.
  auto v2 = ops::SparseSegmentMeanGradV2(root, g, ops::Const(root, I64({0, 2, 3, 3, 1}, {5})), seg, 5);
  auto v2_out = test::RunGraph(root, {}, {v2.output, v2.sorted_unique_indices});
  ASSERT_TRUE(v2_out.ok()) << v2_out.status();
  test::ExpectTensorEqual((*v2_out)[0], F({0.5, 1, 3.5, 4, 0.5, 1, 6.5, 8}, {4, 2}));
  test::ExpectTensorEqual((*v2_out)[1], I64({0, 1, 2, 3}, {4}));
  auto s2 = ops::SparseSegmentSumGradV2(root, g, ops::Const(root, I32({3, 3, 0}, {3})),
                                        ops::Const(root, I32({0, 1, 1}, {3})), 5);
  auto s2_out = test::RunGraph(root, {}, {s2.output, s2.sorted_unique_indices});
  ASSERT_TRUE(s2_out.ok()) << s2_out.status();
  test::ExpectTensorEqual((*s2_out)[0], F({3, 4, 4, 6}, {2, 2}));
  test::ExpectTensorEqual((*s2_out)[1], I32({0, 3}, {2}));
  auto q2 = ops::SparseSegmentSqrtNGradV2(root, g, ops::Const(root, I32({3, 3, 0}, {3})),
                                          ops::Const(root, I32({0, 1, 1}, {3})), 5);
  test::ExpectTensorNear(test::RunOne(root, q2.output), F({3 / r2, 4 / r2, 1 + 3 / r2, 2 + 4 / r2}, {2, 2}), 1e-6);
  test::ExpectTensorNear(test::RunOne(root, ops::SparseSegmentSqrtNGrad(root, g, idx, seg, 5)),
                         F({1 / r2, 2 / r2, 7 / r2, 8 / r2, 1 / r2, 2 / r2, 3 + 7 / r2, 4 + 8 / r2, 0, 0}, {5, 2}),
                         1e-6);
}

TEST(SparseSegmentTest, Gradients) {
  const Tensor x = D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1.25}, {4, 2});
  using Builder = Output (*)(const Scope&, const Input&, const Input&, const Input&);
  for (Builder op : {static_cast<Builder>(ops::SparseSegmentSum), static_cast<Builder>(ops::SparseSegmentMean),
                     static_cast<Builder>(ops::SparseSegmentSqrtN)}) {
    Scope root = Scope::NewRootScope();
    auto p = ops::Placeholder(root, DT_DOUBLE, {4, 2});
    auto y = op(root, p, ops::Const(root, I64({0, 2, 3, 3, 1}, {5})), ops::Const(root, I32({0, 0, 1, 3, 3}, {5})));
    ExpectGradientOk(root, {p}, {x}, WeightedSumRows(root, y, 4, 2));
  }
}

// ---- Large inputs: the parallel paths against plain loops -----------------------------------

TEST(SegmentParallelTest, LargeInputsMatchSerialLoops) {
  const int64_t rows = 3000, cols = 40, n = 4000, per_bag = 37;
  const Tensor data = test::Floats({rows, cols});
  const float* x = data.data<float>();
  std::vector<int64_t> unsorted(rows), sorted(rows), indices(n);
  std::vector<int32_t> bags(n);
  for (int64_t j = 0; j < rows; ++j) {
    unsorted[j] = (j * 7) % 51 - 1;  // -1 (dropped) to 49
    sorted[j] = j / 70;
  }
  for (int64_t j = 0; j < n; ++j) {
    indices[j] = (j * 13) % rows;
    bags[j] = static_cast<int32_t>(j / per_bag);
  }
  const int64_t num_bags = (n - 1) / per_bag + 1, num_sorted = sorted.back() + 1;
  std::vector<float> max_ref(50 * cols, std::numeric_limits<float>::lowest());
  std::vector<double> sum_ref(num_sorted * cols, 0), sqrtn_ref(num_bags * cols, 0), grad_ref(rows * cols, 0);
  std::vector<int64_t> bag_size(num_bags, 0);
  for (int64_t j = 0; j < n; ++j) ++bag_size[bags[j]];
  for (int64_t j = 0; j < rows; ++j) {
    for (int64_t c = 0; c < cols; ++c) {
      if (unsorted[j] >= 0) {
        float& m = max_ref[unsorted[j] * cols + c];
        m = std::max(m, x[j * cols + c]);
      }
      sum_ref[sorted[j] * cols + c] += x[j * cols + c];
    }
  }
  for (int64_t j = 0; j < n; ++j) {
    const double scale = 1 / std::sqrt(static_cast<double>(bag_size[bags[j]]));
    for (int64_t c = 0; c < cols; ++c) {
      sqrtn_ref[bags[j] * cols + c] += x[indices[j] * cols + c] * scale;
      // The Grad op's input: `data`'s first num_bags rows as the bags' gradients.
      grad_ref[indices[j] * cols + c] += x[bags[j] * cols + c] / static_cast<double>(bag_size[bags[j]]);
    }
  }
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, data);
  auto mx = ops::UnsortedSegmentMax(root, d, ops::Const(root, I64(unsorted, {rows})), 50);
  auto sum = ops::SegmentSum(root, d, ops::Const(root, I64(sorted, {rows})));
  auto idx = ops::Const(root, I64(indices, {n}));
  auto seg = ops::Const(root, I32(bags, {n}));
  auto sq = ops::SparseSegmentSqrtN(root, d, idx, seg);
  auto g = ops::SparseSegmentMeanGrad(root, ops::Slice(root, d, {0, 0}, {static_cast<int>(num_bags), -1}), idx, seg,
                                      static_cast<int>(rows));
  auto out = test::RunGraph(root, {}, {mx, sum, sq, g});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F(max_ref, {50, cols}));
  test::ExpectTensorNear((*out)[1], F(std::vector<float>(sum_ref.begin(), sum_ref.end()), {num_sorted, cols}), 1e-4);
  test::ExpectTensorNear((*out)[2], F(std::vector<float>(sqrtn_ref.begin(), sqrtn_ref.end()), {num_bags, cols}), 1e-4);
  test::ExpectTensorNear((*out)[3], F(std::vector<float>(grad_ref.begin(), grad_ref.end()), {rows, cols}), 1e-4);
}

// ---- DynamicPartition, DynamicStitch, Unique -------------------------------------------------

TEST(DynamicPartitionStitchTest, PartitionsAndStitchesBack) {
  Scope root = Scope::NewRootScope();
  auto d = ops::Const(root, F({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {5, 2}));
  auto parts = ops::DynamicPartition(root, d, ops::Const(root, I32({1, 0, 1, 2, 1}, {5})), 4);
  ASSERT_EQ(parts.size(), 4u);
  test::ExpectTensorEqual(test::RunOne(root, parts[0]), F({3, 4}, {1, 2}));
  test::ExpectTensorEqual(test::RunOne(root, parts[1]), F({1, 2, 5, 6, 9, 10}, {3, 2}));
  test::ExpectTensorEqual(test::RunOne(root, parts[2]), F({7, 8}, {1, 2}));
  test::ExpectTensorEqual(test::RunOne(root, parts[3]), F({}, {0, 2}));
  // Partitions of rank 2 over int64 data.
  auto q = ops::DynamicPartition(root, ops::Const(root, I64({5, 6, 7, 8}, {2, 2})),
                                 ops::Const(root, I32({1, 0, 0, 1}, {2, 2})), 2);
  test::ExpectTensorEqual(test::RunOne(root, q[0]), I64({6, 7}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, q[1]), I64({5, 8}, {2}));

  // Strings move by value.
  auto words = Tensor::FromVector(std::vector<std::string>{"a", "bb", "ccc"}, TensorShape({3}));
  auto wp = ops::DynamicPartition(root, ops::Const(root, words), ops::Const(root, I32({1, 0, 1}, {3})), 2);
  auto ws = ops::DynamicStitch(root, {ops::Const(root, I32({1, 0}, {2})), ops::Const(root, I32({2}, {1}))},
                               {wp[1], wp[0]});
  test::ExpectTensorEqual(test::RunOne(root, ws),
                          Tensor::FromVector(std::vector<std::string>{"ccc", "a", "bb"}, TensorShape({3})));

  auto st = ops::DynamicStitch(root, {ops::Const(root, I32({0, 4}, {2})), ops::Const(root, I32({1, 4}, {1, 2}))},
                               {ops::Const(root, F({1, 2, 3, 4}, {2, 2})),
                                ops::Const(root, F({5, 6, 7, 8}, {1, 2, 2}))});
  EXPECT_EQ(st.shape().DebugString(), TensorShape({5, 2}).DebugString());
  // Index 4 appears twice: the later one wins; rows 2 and 3 are named by no index.
  test::ExpectTensorEqual(test::RunOne(root, st), F({1, 2, 5, 6, 0, 0, 0, 0, 7, 8}, {5, 2}));
  auto pst = ops::ParallelDynamicStitch(root, {ops::Const(root, I32({3, 0}, {2})), ops::Const(root, I32({1, 2}, {2}))},
                                        {ops::Const(root, I64({30, 0}, {2})), ops::Const(root, I64({10, 20}, {2}))});
  test::ExpectTensorEqual(test::RunOne(root, pst), I64({0, 10, 20, 30}, {4}));
}

TEST(DynamicPartitionStitchTest, BadPartitionsAndIndicesNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto p = ops::Placeholder(root, DT_INT32, {3});
  auto parts = ops::DynamicPartition(root.WithOpName("split_ids"), ops::Const(root, F({1, 2, 3}, {3})), p, 2);
  std::string err = RunError(root, parts[0], {{p, I32({0, 2, 1}, {3})}});
  EXPECT_THAT(err, HasSubstr("split_ids"));
  EXPECT_THAT(err, HasSubstr("partitions[1] = 2 is not in [0, 2)"));
  auto st = ops::DynamicStitch(root.WithOpName("merge"), {p}, {ops::Const(root, F({1, 2, 3}, {3}))});
  err = RunError(root, st, {{p, I32({0, -3, 1}, {3})}});
  EXPECT_THAT(err, HasSubstr("merge"));
  EXPECT_THAT(err, HasSubstr("indices[0][1] = -3 is negative"));
  Scope r2 = Scope::NewRootScope();
  ops::DynamicStitch(r2, {ops::Const(r2, I32({0}, {1})), ops::Const(r2, I32({1}, {1}))},
                     {ops::Const(r2, F({1, 2}, {1, 2})), ops::Const(r2, F({1, 2, 3}, {1, 3}))});
  EXPECT_THAT(r2.status().message(), HasSubstr("element shape"));
}

TEST(DynamicPartitionStitchTest, Gradients) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {5, 2});
  auto parts = ops::DynamicPartition(root, x, ops::Const(root, I32({1, 0, 1, 2, 1}, {5})), 3);
  // Part 2 is not used: its gradient is zeros.
  auto y = ops::Add(root, WeightedSumRows(root, parts[1], 3, 2), ops::Sum(root, ops::Square(root, parts[0]), {0, 1}));
  ExpectGradientOk(root, {x}, {D({0.5, -1, 2, 1.5, 0.25, -0.75, 3, 1.25, -2, 0.1}, {5, 2})}, y);

  Scope r2 = Scope::NewRootScope();
  auto a = ops::Placeholder(r2, DT_DOUBLE, {2, 2});
  auto b = ops::Placeholder(r2, DT_DOUBLE, {1, 2});
  auto st = ops::DynamicStitch(r2, {ops::Const(r2, I32({2, 0}, {2})), ops::Const(r2, I32({1}, {1}))}, {a, b});
  ExpectGradientOk(r2, {a, b}, {D({0.5, -1, 2, 1.5}, {2, 2}), D({3, -2}, {1, 2})}, WeightedSum(r2, st));
}

TEST(UniqueTest, FirstOccurrenceOrderAndPositions) {
  Scope root = Scope::NewRootScope();
  auto u = ops::Unique(root, ops::Const(root, I64({4, 1, 4, 7, 1, 1}, {6})));
  auto out = test::RunGraph(root, {}, {u.y, u.idx});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], I64({4, 1, 7}, {3}));
  test::ExpectTensorEqual((*out)[1], I32({0, 1, 0, 2, 1, 1}, {6}));
  auto v = ops::Unique(root, ops::Const(root, F({0.5f, -0.0f, 0.0f}, {3})), DT_INT64);
  test::ExpectTensorEqual(test::RunOne(root, v.idx), I64({0, 1, 1}, {3}));
  Scope r2 = Scope::NewRootScope();
  ops::Unique(r2, ops::Const(r2, I32({1, 2}, {1, 2})));
  EXPECT_THAT(r2.status().message(), HasSubstr("x must be a vector"));
}

// ---- EmbeddingLookup, EmbeddingLookupSparse --------------------------------------------------

// Row i of the 5-row table is (10 i + 1, 10 i + 2).
std::vector<double> TableRow(int64_t i) { return {10.0 * i + 1, 10.0 * i + 2}; }

// The ids each partition holds, in order, for the layouts tested.
struct Layout {
  const char* strategy;
  std::vector<std::vector<int64_t>> ids;
};
std::vector<Layout> Layouts() {
  return {{"mod", {{0, 1, 2, 3, 4}}},
          {"div", {{0, 1, 2, 3, 4}}},
          {"mod", {{0, 3}, {1, 4}, {2}}},
          {"div", {{0, 1}, {2, 3}, {4}}}};
}

Tensor PartitionValues(const std::vector<int64_t>& ids, DataType dt) {
  std::vector<double> v;
  for (int64_t i : ids) {
    for (double x : TableRow(i)) v.push_back(x);
  }
  const TensorShape shape({static_cast<int64_t>(ids.size()), 2});
  if (dt == DT_DOUBLE) return D(v, shape);
  return F(std::vector<float>(v.begin(), v.end()), shape);
}

std::vector<Output> ConstPartitions(const Scope& root, const Layout& layout) {
  std::vector<Output> params;
  for (const auto& ids : layout.ids) params.push_back(ops::Const(root, PartitionValues(ids, DT_FLOAT)));
  return params;
}

TEST(EmbeddingLookupTest, OneAndThreePartitionsBothStrategies) {
  for (const Layout& layout : Layouts()) {
    SCOPED_TRACE(absl::StrCat(layout.strategy, " ", layout.ids.size()));
    Scope root = Scope::NewRootScope();
    auto ids = ops::Const(root, I64({4, 0, 2, 1, 3, 3}, {2, 3}));
    auto rows = ops::EmbeddingLookup(root, ConstPartitions(root, layout), ids, layout.strategy);
    ASSERT_TRUE(root.status().ok()) << root.status();
    EXPECT_EQ(rows.shape().DebugString(), TensorShape({2, 3, 2}).DebugString());
    test::ExpectTensorEqual(test::RunOne(root, rows), F({41, 42, 1, 2, 21, 22, 11, 12, 31, 32, 31, 32}, {2, 3, 2}));
    // int32 ids, a scalar id.
    auto one = ops::EmbeddingLookup(root, ConstPartitions(root, layout), ops::Const(root, 3), layout.strategy);
    test::ExpectTensorEqual(test::RunOne(root, one), F({31, 32}, {2}));
    // max_norm scales the rows longer than 5 to norm 5: all but row 0 (norm sqrt(5)).
    auto clipped = ops::EmbeddingLookup(root, ConstPartitions(root, layout), ops::Const(root, I32({0, 2}, {2})),
                                        layout.strategy, 5.0f);
    const float n2 = std::sqrt(21.0f * 21 + 22 * 22);
    test::ExpectTensorNear(test::RunOne(root, clipped), F({1, 2, 21 * 5 / n2, 22 * 5 / n2}, {2, 2}), 1e-5);
  }
}

TEST(EmbeddingLookupTest, UnevenPartitionsOfSevenRows) {
  // 7 rows over 3 partitions: "mod" holds {0, 3, 6}, {1, 4}, {2, 5}; "div" {0, 1, 2}, {3, 4}, {5, 6}.
  const std::vector<Layout> layouts = {{"mod", {{0, 3, 6}, {1, 4}, {2, 5}}}, {"div", {{0, 1, 2}, {3, 4}, {5, 6}}}};
  for (const Layout& layout : layouts) {
    SCOPED_TRACE(layout.strategy);
    Scope root = Scope::NewRootScope();
    auto ids = ops::Const(root, I32({6, 0, 3, 5, 1, 2, 4}, {7}));
    auto rows = ops::EmbeddingLookup(root, ConstPartitions(root, layout), ids, layout.strategy);
    test::ExpectTensorEqual(test::RunOne(root, rows),
                            F({61, 62, 1, 2, 31, 32, 51, 52, 11, 12, 21, 22, 41, 42}, {7, 2}));
    // Partitions of unknown sizes: "div" adds their dim 0s up at run time.
    std::vector<Output> params;
    std::vector<std::pair<Output, Tensor>> feeds;
    for (const auto& ids : layout.ids) {
      params.push_back(ops::Placeholder(root, DT_FLOAT, TensorShape({-1, -1})));
      feeds.push_back({params.back(), PartitionValues(ids, DT_FLOAT)});
    }
    auto dynamic = ops::EmbeddingLookup(root, params, ops::Const(root, I64({5, 2}, {2})), layout.strategy);
    auto out = test::RunGraph(root, feeds, {dynamic});
    ASSERT_TRUE(out.ok()) << out.status();
    test::ExpectTensorEqual((*out)[0], F({51, 52, 21, 22}, {2, 2}));
  }
}

TEST(EmbeddingLookupTest, VariablesAsParams) {
  Scope root = Scope::NewRootScope();
  // Partitions "div" over three variables: one read through its ref, two through their values.
  std::vector<Variable> vars;
  const Layout layout = Layouts()[3];
  for (size_t p = 0; p < layout.ids.size(); ++p) {
    vars.emplace_back(root.WithOpName(absl::StrCat("part_", p)), PartitionValues(layout.ids[p], DT_FLOAT));
  }
  auto rows = ops::EmbeddingLookup(root, {vars[0].ref(), vars[1].value(), vars[2].value()},
                                   ops::Const(root, I32({4, 1, 2}, {3})), "div");
  auto single = ops::EmbeddingLookup(root, {vars[1].ref()}, ops::Const(root, I32({1}, {1})));
  auto init = ops::GlobalVariablesInitializer(root);
  auto out = test::RunGraph(root, {}, {rows, single}, {init});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({41, 42, 11, 12, 21, 22}, {3, 2}));
  test::ExpectTensorEqual((*out)[1], F({31, 32}, {1, 2}));
}

TEST(EmbeddingLookupTest, GradientsWrtEveryPartition) {
  for (const Layout& layout : Layouts()) {
    for (bool clip : {false, true}) {
      SCOPED_TRACE(absl::StrCat(layout.strategy, " ", layout.ids.size(), clip ? " max_norm" : ""));
      Scope root = Scope::NewRootScope();
      std::vector<Output> params;
      std::vector<Tensor> values;
      for (const auto& ids : layout.ids) {
        values.push_back(test::Doubles({static_cast<int64_t>(ids.size()), 2}, 2.0, 0.5));
        params.push_back(ops::Placeholder(root, DT_DOUBLE, values.back().shape()));
      }
      auto rows = ops::EmbeddingLookup(root, params, ops::Const(root, I32({4, 0, 2, 1, 3, 3}, {2, 3})),
                                       layout.strategy, clip ? std::optional<float>(1.0f) : std::nullopt);
      ExpectGradientOk(root, params, values, WeightedSum(root, rows));
    }
  }
}

TEST(EmbeddingLookupTest, BadIdsStrategyAndParams) {
  Scope root = Scope::NewRootScope();
  auto ids = ops::Placeholder(root, DT_INT32, {2});
  auto one = ops::EmbeddingLookup(root.NewSubScope("single"), ConstPartitions(root, Layouts()[0]), ids);
  std::string err = RunError(root, one, {{ids, I32({1, 5}, {2})}});
  EXPECT_THAT(err, HasSubstr("single/embedding_lookup"));
  EXPECT_THAT(err, HasSubstr("indices[1] = 5 is not in [0, 5)"));
  // Id 7 of a "mod" lookup over 3 partitions is row 2 of partition 1, which has 2 rows.
  auto three = ops::EmbeddingLookup(root.NewSubScope("sharded"), ConstPartitions(root, Layouts()[2]), ids);
  err = RunError(root, three, {{ids, I32({7, 0}, {2})}});
  EXPECT_THAT(err, HasSubstr("sharded/embedding_lookup"));
  EXPECT_THAT(err, HasSubstr("indices[0] = 2 is not in [0, 2)"));

  Scope r2 = Scope::NewRootScope();
  ops::EmbeddingLookup(r2, ConstPartitions(r2, Layouts()[2]), ops::Const(r2, 1), "range");
  EXPECT_THAT(r2.status().message(), HasSubstr("partition_strategy must be \"mod\" or \"div\", got \"range\""));
  Scope r3 = Scope::NewRootScope();
  ops::EmbeddingLookup(r3, {}, ops::Const(r3, 1));
  EXPECT_THAT(r3.status().message(), HasSubstr("at least one params tensor"));
  Scope r4 = Scope::NewRootScope();
  ops::EmbeddingLookup(r4, {ops::Const(r4, F({1, 2}, {1, 2})), ops::Const(r4, D({1, 2}, {1, 2}))}, ops::Const(r4, 1));
  EXPECT_THAT(r4.status().message(), HasSubstr("params[1] is double, params[0] float"));
  Scope r5 = Scope::NewRootScope();
  ops::EmbeddingLookup(r5, ConstPartitions(r5, Layouts()[2]), ops::Const(r5, F({1}, {1})));
  EXPECT_THAT(r5.status().message(), HasSubstr("ids must be int32 or int64, got float"));
}

// Bags: row 0 = {1, 3}, row 1 empty, row 2 = {4, 1, 1}, row 3 empty (and so, as in TensorFlow,
// not in the result); weights 2, 1 | 0.5, 1, 3.
ops::SparseIds Bags(const Scope& root) {
  return {ops::Const(root, I64({0, 0, 0, 1, 2, 0, 2, 1, 2, 2}, {5, 2})), ops::Const(root, I64({1, 3, 4, 1, 1}, {5})),
          ops::Const(root, I64({4, 3}, {2}))};
}

TEST(EmbeddingLookupSparseTest, CombinersWithAndWithoutWeights) {
  const float r2 = std::sqrt(2.0f), r3 = std::sqrt(3.0f), r5 = std::sqrt(5.0f), r1025 = std::sqrt(10.25f);
  struct Case {
    const char* combiner;
    bool weighted;
    std::vector<float> expected;
  };
  // Unweighted rows: e1 + e3 = (42, 44) and e4 + 2 e1 = (63, 66); weighted: 2 e1 + e3 = (53, 56)
  // and 0.5 e4 + 4 e1 = (64.5, 69). Weighted mean / sqrtn of the empty row divide 0 by 0: 0
  // (TensorFlow's div_no_nan).
  const std::vector<Case> cases = {
      {"sum", false, {42, 44, 0, 0, 63, 66}},
      {"mean", false, {21, 22, 0, 0, 21, 22}},
      {"sqrtn", false, {42 / r2, 44 / r2, 0, 0, 63 / r3, 66 / r3}},
      {"sum", true, {53, 56, 0, 0, 64.5, 69}},
      {"mean", true, {53.0f / 3, 56.0f / 3, 0, 0, 64.5f / 4.5f, 69 / 4.5f}},
      {"sqrtn", true, {53 / r5, 56 / r5, 0, 0, 64.5f / r1025, 69 / r1025}},
  };
  for (const Layout& layout : Layouts()) {
    for (const Case& c : cases) {
      SCOPED_TRACE(
          absl::StrCat(layout.strategy, " ", layout.ids.size(), " ", c.combiner, c.weighted ? " weighted" : ""));
      Scope root = Scope::NewRootScope();
      std::optional<Output> weights;
      if (c.weighted) weights = ops::Const(root, F({2, 1, 0.5, 1, 3}, {5}));
      auto out = ops::EmbeddingLookupSparse(root, ConstPartitions(root, layout), Bags(root), weights, c.combiner,
                                            layout.strategy);
      ASSERT_TRUE(root.status().ok()) << root.status();
      Tensor got = test::RunOne(root, out);
      ASSERT_EQ(got.shape().DebugString(), TensorShape({3, 2}).DebugString());
      test::ExpectTensorNear(got, F(c.expected, {3, 2}), 1e-5);
    }
  }
}

TEST(EmbeddingLookupSparseTest, GradientsWrtParamsAndWeights) {
  for (const Layout& layout : {Layouts()[0], Layouts()[2], Layouts()[3]}) {
    for (const char* combiner : {"sum", "mean", "sqrtn"}) {
      for (bool weighted : {false, true}) {
        SCOPED_TRACE(absl::StrCat(layout.strategy, " ", layout.ids.size(), " ", combiner, weighted ? " weighted" : ""));
        Scope root = Scope::NewRootScope();
        std::vector<Output> xs;
        std::vector<Tensor> values;
        for (const auto& ids : layout.ids) {
          values.push_back(test::Doubles({static_cast<int64_t>(ids.size()), 2}, 2.0, 0.5));
          xs.push_back(ops::Placeholder(root, DT_DOUBLE, values.back().shape()));
        }
        const std::vector<Output> params = xs;
        // Rows 0 = {1, 3} and 1 = {4, 1, 1}.
        ops::SparseIds bags{ops::Const(root, I64({0, 0, 0, 1, 1, 0, 1, 1, 1, 2}, {5, 2})),
                            ops::Const(root, I32({1, 3, 4, 1, 1}, {5})), ops::Const(root, I64({2, 3}, {2}))};
        std::optional<Output> weights;
        if (weighted) {
          xs.push_back(ops::Placeholder(root, DT_DOUBLE, {5}));
          values.push_back(D({2, 1, 0.5, 1, 3}, {5}));
          weights = xs.back();
        }
        auto out = ops::EmbeddingLookupSparse(root, params, bags, weights, combiner, layout.strategy);
        ExpectGradientOk(root, xs, values, WeightedSumRows(root, out, 2, 2));
      }
    }
  }
}

TEST(EmbeddingLookupSparseTest, TrainsVariablePartitions) {
  // Two "mod" partitions as variables; loss = sum of the "sum"-combined bags {1, 3} and {4, 1, 1}:
  // one gradient-descent step of rate 1 takes 3 off row 1's entries and 1 off rows 3 and 4.
  Scope root = Scope::NewRootScope();
  Variable p0(root.WithOpName("emb_0"), PartitionValues({0, 2, 4}, DT_FLOAT));
  Variable p1(root.WithOpName("emb_1"), PartitionValues({1, 3}, DT_FLOAT));
  ops::SparseIds bags{ops::Const(root, I64({0, 0, 0, 1, 1, 0, 1, 1, 1, 2}, {5, 2})),
                      ops::Const(root, I64({1, 3, 4, 1, 1}, {5})), ops::Const(root, I64({2, 3}, {2}))};
  auto out = ops::EmbeddingLookupSparse(root, {p0.value(), p1.value()}, bags, std::nullopt, "sum");
  auto loss = ops::Sum(root, out, {0, 1});
  auto train = train::GradientDescentOptimizer(1.0f).Minimize(root, loss);
  ASSERT_TRUE(root.status().ok()) << root.status();
  auto init = ops::GlobalVariablesInitializer(root);
  auto before = test::RunGraph(root, {}, {loss}, {init});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_FLOAT_EQ((*before)[0].data<float>()[0], 11 + 12 + 31 + 32 + 41 + 42 + 2 * (11 + 12));
  Session session(root, SessionOptions{});
  std::vector<Tensor> values;
  ASSERT_TRUE(session.Run({}, {}, {init}).ok());
  ASSERT_TRUE(session.Run({}, {}, {train}).ok());
  ASSERT_TRUE(session.Run({}, {p0.value(), p1.value()}, {}, &values).ok());
  test::ExpectTensorEqual(values[0], F({1, 2, 21, 22, 40, 41}, {3, 2}));
  test::ExpectTensorEqual(values[1], F({8, 9, 30, 31}, {2, 2}));
}

TEST(EmbeddingLookupSparseTest, BadArguments) {
  Scope root = Scope::NewRootScope();
  ops::EmbeddingLookupSparse(root, ConstPartitions(root, Layouts()[0]), Bags(root), std::nullopt, "max");
  EXPECT_THAT(root.status().message(), HasSubstr("combiner must be \"sum\", \"mean\" or \"sqrtn\", got \"max\""));
  Scope r2 = Scope::NewRootScope();
  ops::SparseIds bad{ops::Const(r2, I64({0, 0, 1}, {1, 3})), ops::Const(r2, I64({1}, {1})),
                     ops::Const(r2, I64({1, 3, 3}, {3}))};
  ops::EmbeddingLookupSparse(r2, ConstPartitions(r2, Layouts()[0]), bad);
  EXPECT_THAT(r2.status().message(), HasSubstr("must be an [N, 2] matrix"));
  // An id outside the table fails the run in the lookup's Gather.
  Scope r3 = Scope::NewRootScope();
  auto vals = ops::Placeholder(r3, DT_INT64, {2});
  ops::SparseIds ids{ops::Const(r3, I64({0, 0, 1, 0}, {2, 2})), vals, ops::Const(r3, I64({2, 1}, {2}))};
  auto out = ops::EmbeddingLookupSparse(r3, ConstPartitions(r3, Layouts()[0]), ids, std::nullopt, "sum");
  std::string err = RunError(r3, out, {{vals, I64({1, 9}, {2})}});
  EXPECT_THAT(err, HasSubstr("embedding_lookup_sparse/embedding_lookup"));
  EXPECT_THAT(err, HasSubstr("indices[1] = 9 is not in [0, 5)"));
}

}  // namespace
}  // namespace sluice
