// TopKV2 and TopK: hand-computed values (ties to the lower index, NaN first, k == 0 and k == n),
// a large input against a full sort, the errors for k out of range, and the gradient against a
// numeric one.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
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

TEST(TopKTest, RowsOfAMatrixWithTiesToTheLowerIndex) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({1, 3, 2, 3, 0, 5, 5, 5, 4, -1}, {2, 5}));
  auto top = ops::TopKV2(root, x, 3);
  EXPECT_EQ(top.values.shape(), (TensorShape{2, 3}));
  EXPECT_EQ(top.indices.dtype(), DT_INT32);
  auto out = test::RunGraph(root, {}, {top.values, top.indices});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({3, 3, 2, 5, 5, 5}, {2, 3}));
  test::ExpectTensorEqual((*out)[1], I({1, 3, 2, 0, 1, 2}, {2, 3}));
}

TEST(TopKTest, KOfOneZeroAndTheWholeRowAndIntegersAndNan) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, F({2, 7, 7, -1}, {4}));
  auto one = ops::TopKV2(root, x, 1);
  auto none = ops::TopKV2(root, x, 0);
  auto all = ops::TopK(root, x, 4);
  auto out = test::RunGraph(root, {}, {one.values, one.indices, none.values, all.values, all.indices});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({7}, {1}));
  test::ExpectTensorEqual((*out)[1], I({1}, {1}));
  EXPECT_EQ((*out)[2].shape(), (TensorShape{0}));
  test::ExpectTensorEqual((*out)[3], F({7, 7, 2, -1}, {4}));
  test::ExpectTensorEqual((*out)[4], I({1, 2, 0, 3}, {4}));

  auto ints = ops::TopKV2(root, ops::Const(root, Tensor::FromVector(std::vector<int64_t>{4, -2, 9, 4}, {2, 2})), 1,
                          /*sorted=*/false);
  test::ExpectTensorEqual(test::RunOne(root, ints.indices), I({0, 0}, {2, 1}));

  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto withnan = ops::TopKV2(root, ops::Const(root, F({1, nan, 3}, {3})), 2);
  test::ExpectTensorEqual(test::RunOne(root, withnan.indices), I({1, 2}, {2}));
}

// k of 1 (a scan), 37 (the heap), 400 and 1000 (nth_element) on rows of 1000 with many ties.
TEST(TopKTest, LargeInputMatchesAFullSortPerRow) {
  const int rows = 300, n = 1000;
  std::vector<float> v(rows * n);
  for (int64_t i = 0; i < rows * n; ++i) v[i] = static_cast<float>((i * 7919) % 401) - 200.f;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, n});
  auto kk = ops::Placeholder(root, DT_INT32, {});
  auto top = ops::TopKV2(root, x, kk);
  for (int k : {1, 37, 400, 1000}) {
    SCOPED_TRACE(k);
    auto out =
        test::RunGraph(root, {{x, F(v, {rows, n})}, {kk, Tensor::Scalar<int32_t>(k)}}, {top.values, top.indices});
    ASSERT_TRUE(out.ok()) << out.status();
    for (int r = 0; r < rows; ++r) {
      std::vector<int32_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      const float* row = v.data() + r * n;
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return row[a] > row[b]; });
      for (int j = 0; j < k; ++j) {
        ASSERT_EQ((*out)[1].data<int32_t>()[r * k + j], order[j]) << "row " << r << " entry " << j;
        ASSERT_EQ((*out)[0].data<float>()[r * k + j], row[order[j]]);
      }
    }
  }
}

TEST(TopKTest, KOutOfRangeIsAnErrorNamingTheNode) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 3});
  auto kk = ops::Placeholder(root, DT_INT32, {});
  auto top = ops::TopKV2(root.WithOpName("topk"), x, kk);
  ASSERT_TRUE(root.ok()) << root.status();
  const Tensor xv = F({1, 2, 3}, {1, 3});
  Status big = test::RunGraph(root, {{x, xv}, {kk, Tensor::Scalar<int32_t>(4)}}, {top.values}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(big)) << big;
  EXPECT_THAT(big.message(), HasSubstr("topk"));
  EXPECT_THAT(big.message(), HasSubstr("must have last dimension >= k = 4"));
  Status neg = test::RunGraph(root, {{x, xv}, {kk, Tensor::Scalar<int32_t>(-1)}}, {top.values}).status();
  EXPECT_THAT(neg.message(), HasSubstr("topk"));
  EXPECT_THAT(neg.message(), HasSubstr("k = -1 must be non-negative"));
  // A constant k is checked while building.
  ops::TopKV2(root.WithOpName("topk_const"), x, 5);
  EXPECT_THAT(root.status().message(), HasSubstr("topk_const"));
  EXPECT_THAT(root.status().message(), HasSubstr("must have last dimension >= k = 5"));
  Scope r2 = Scope::NewRootScope();
  ops::TopKV2(r2, ops::Const(r2, 1.f), 1);
  EXPECT_THAT(r2.status().message(), HasSubstr("input must be at least a vector"));
}

TEST(TopKTest, GradientScattersDyToTheChosenPositions) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3, 4});
  auto top = ops::TopKV2(root, x, 2);
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, {x}, {test::Doubles({2, 3, 4})}, top.values * top.values);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-8);
  // The symbolic gradient of sum(values) is one at each chosen position.
  Scope r2 = Scope::NewRootScope();
  auto y = ops::Const(r2, F({1, 5, 3, 9, 2, 8}, {2, 3}));
  auto t = ops::TopK(r2, y, 2);
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(r2, {t.values}, {y}, &grads));
  test::ExpectTensorEqual(test::RunOne(r2, grads[0]), F({0, 1, 1, 1, 0, 1}, {2, 3}));
}

}  // namespace
}  // namespace sluice
