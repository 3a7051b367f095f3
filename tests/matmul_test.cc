// MatMul: hand-computed products for all four transpose combinations and every dtype, empty
// and K = 0 products, the MNIST-sized float products (oneDNN) against a double-precision naive
// loop, build-time and run-time shape errors, and numeric gradient checks (double) for all four
// transpose combinations.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

using test::Doubles;

// Tensor of dtype T from doubles.
template <typename T>
Tensor Of(std::vector<double> v, TensorShape shape) {
  Tensor t(DataTypeToEnum<T>::value, shape);
  for (size_t i = 0; i < v.size(); ++i) t.data<T>()[i] = static_cast<T>(v[i]);
  return t;
}

// The transpose of a row-major [rows, cols] list.
std::vector<double> Transposed(const std::vector<double>& v, int rows, int cols) {
  std::vector<double> t(v.size());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) t[c * rows + r] = v[r * cols + c];
  }
  return t;
}

template <typename T>
void CheckAllTransposes() {
  // a = [[1, 2, 3], [4, 5, 6]], b = [[7, 8], [9, 10], [11, 12]], a b = [[58, 64], [139, 154]].
  const std::vector<double> a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9, 10, 11, 12};
  const Tensor want = Of<T>({58, 64, 139, 154}, {2, 2});
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      Scope root = Scope::NewRootScope();
      Tensor av = ta ? Of<T>(Transposed(a, 2, 3), {3, 2}) : Of<T>(a, {2, 3});
      Tensor bv = tb ? Of<T>(Transposed(b, 3, 2), {2, 3}) : Of<T>(b, {3, 2});
      auto c = ops::MatMul(root, ops::Const(root, av), ops::Const(root, bv), ta, tb);
      ASSERT_TRUE(root.ok()) << root.status();
      EXPECT_EQ(c.shape().DebugString(), "[2,2]");
      test::ExpectTensorEqual(test::RunOne(root, c), want);
    }
  }
}

TEST(MatMulTest, AllTransposesFloat) { CheckAllTransposes<float>(); }
TEST(MatMulTest, AllTransposesDouble) { CheckAllTransposes<double>(); }
TEST(MatMulTest, AllTransposesInt32) { CheckAllTransposes<int32_t>(); }
TEST(MatMulTest, AllTransposesInt64) { CheckAllTransposes<int64_t>(); }

TEST(MatMulTest, EmptyProducts) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_FLOAT);
  auto b = ops::Placeholder(root, DT_FLOAT);
  auto c = ops::MatMul(root, a, b);
  auto out = test::RunGraph(root, {{a, Of<float>({}, {0, 3})}, {b, Of<float>(std::vector<double>(12, 1), {3, 4})}}, {c});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].shape().DebugString(), "[0,4]");
  // K = 0: a product of zeros.
  out = test::RunGraph(root, {{a, Of<float>({}, {2, 0})}, {b, Of<float>({}, {0, 3})}}, {c});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], Of<float>({0, 0, 0, 0, 0, 0}, {2, 3}));
}

// The MNIST shapes and the transposed products their gradients take, float against double.
TEST(MatMulTest, MnistShapesMatchNaiveDouble) {
  struct Case {
    int m, k, n;
    bool ta, tb;
  };
  const std::vector<Case> cases = {{128, 784, 256, false, false}, {128, 256, 10, false, false},
                                   {784, 128, 256, true, false},  {128, 10, 256, false, true},
                                   {1, 784, 256, false, false},   {33, 17, 5, true, true}};
  for (const Case& cs : cases) {
    TensorShape sa = cs.ta ? TensorShape{cs.k, cs.m} : TensorShape{cs.m, cs.k};
    TensorShape sb = cs.tb ? TensorShape{cs.n, cs.k} : TensorShape{cs.k, cs.n};
    Tensor ad = Doubles(sa), bd = Doubles(sb, 0.5, 0.1);
    Tensor af(DT_FLOAT, sa), bf(DT_FLOAT, sb);
    for (int64_t i = 0; i < ad.NumElements(); ++i) af.data<float>()[i] = static_cast<float>(ad.data<double>()[i]);
    for (int64_t i = 0; i < bd.NumElements(); ++i) bf.data<float>()[i] = static_cast<float>(bd.data<double>()[i]);
    Scope root = Scope::NewRootScope();
    Tensor c = test::RunOne(root, ops::MatMul(root, ops::Const(root, af), ops::Const(root, bf), cs.ta, cs.tb));
    ASSERT_EQ(c.shape().DebugString(), TensorShape({cs.m, cs.n}).DebugString());
    for (int i = 0; i < cs.m; ++i) {
      for (int j = 0; j < cs.n; ++j) {
        double want = 0;
        for (int p = 0; p < cs.k; ++p) {
          double x = af.data<float>()[cs.ta ? p * cs.m + i : i * cs.k + p];
          double y = bf.data<float>()[cs.tb ? j * cs.k + p : p * cs.n + j];
          want += x * y;
        }
        EXPECT_NEAR(c.data<float>()[i * cs.n + j], want, 1e-4 * std::max(1.0, std::fabs(want)));
      }
    }
  }
}

TEST(MatMulShapeTest, InnerDimensionMismatchNamesBothShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  auto w = ops::Placeholder(root.WithOpName("w"), DT_FLOAT, {100, 10});
  ops::MatMul(root, x, w);
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(),
              HasSubstr("Dimensions must be equal, but are 784 and 100 for 'MatMul' with input "
                        "shapes: [?,784], [100,10]"));
  EXPECT_THAT(root.status().message(), HasSubstr("node 'MatMul' (op MatMul)"));
}

TEST(MatMulShapeTest, TransposesAndRank) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_FLOAT, {784, -1});
  auto b = ops::Placeholder(root, DT_FLOAT, {256, 784});
  EXPECT_EQ(ops::MatMul(root, a, b, true, true).shape().DebugString(), "[?,256]");
  EXPECT_EQ(ops::MatMul(root, b, a).shape().DebugString(), "[256,?]");
  EXPECT_EQ(ops::MatMul(root, ops::Placeholder(root, DT_FLOAT), b).shape().DebugString(), "[?,784]");
  ASSERT_TRUE(root.ok()) << root.status();
  ops::MatMul(root.WithOpName("r3"), ops::Placeholder(root, DT_FLOAT, {2, 3, 4}), b);
  EXPECT_THAT(root.status().message(), HasSubstr("Shape must be rank 2 but is rank 3 for 'r3'"));
}

TEST(MatMulShapeTest, RunTimeMismatchNamesBothShapes) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_FLOAT);
  auto b = ops::Placeholder(root, DT_FLOAT);
  auto c = ops::MatMul(root, a, b, false, true);
  Status s = test::RunGraph(root, {{a, Of<float>(std::vector<double>(6, 1), {2, 3})},
                                   {b, Of<float>(std::vector<double>(8, 1), {2, 4})}}, {c}).status();
  EXPECT_THAT(s.message(), HasSubstr("Matrix size-incompatible: In[0]: [2,3], In[1]: [2,4]"));
  s = test::RunGraph(root, {{a, Of<float>(std::vector<double>(6, 1), {6})},
                            {b, Of<float>(std::vector<double>(8, 1), {2, 4})}}, {c}).status();
  EXPECT_THAT(s.message(), HasSubstr("MatMul requires rank-2 inputs, got shapes [6] and [2,4]"));
}

TEST(MatMulGradTest, AllFourTransposeCombinations) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (bool known : {true, false}) {
        Scope root = Scope::NewRootScope();
        TensorShape sa = ta ? TensorShape{4, 3} : TensorShape{3, 4};
        TensorShape sb = tb ? TensorShape{5, 4} : TensorShape{4, 5};
        auto a = ops::Placeholder(root, DT_DOUBLE, known ? sa : TensorShape::UnknownRank());
        auto b = ops::Placeholder(root, DT_DOUBLE, known ? sb : TensorShape{-1, -1});
        auto c = ops::MatMul(root, a, b, ta, tb);
        ASSERT_TRUE(root.ok()) << root.status();
        auto err = test::ComputeGradientError(root, {a, b}, {Doubles(sa), Doubles(sb, 0.5, 0.2)}, c);
        ASSERT_TRUE(err.ok()) << err.status();
        EXPECT_LT(*err, 1e-8) << "transpose_a=" << ta << " transpose_b=" << tb;
      }
    }
  }
}

}  // namespace
}  // namespace sluice
