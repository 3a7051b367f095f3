// Array ops: hand-computed values for every op, build-time and run-time shape errors, buffer
// sharing of the shape-only ops, and numeric gradient checks (double) for every differentiable op.
#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

template <typename T>
Tensor T1(std::vector<T> v, TensorShape shape) {
  return Tensor::FromVector(v, shape);
}
Tensor F(std::vector<float> v, TensorShape shape) { return Tensor::FromVector(v, shape); }
Tensor I(std::vector<int32_t> v, TensorShape shape) { return Tensor::FromVector(v, shape); }

using test::Doubles;

Status RunError(const Scope& root, const Output& fetch,
                const std::vector<std::pair<Output, Tensor>>& feeds = {}) {
  return test::RunGraph(root, feeds, {fetch}).status();
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs,
                      const std::vector<Tensor>& values, const Output& y) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-8);
}

// ---- Placeholder, Const, Identity ------------------------------------------------------------

TEST(PlaceholderTest, UnfedPlaceholderFailsWithTheExactMessage) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  EXPECT_EQ(x.shape().DebugString(), "[?,784]");
  Status s = RunError(root, ops::Identity(root, x));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "node 'x' (op Placeholder): You must feed a value for placeholder tensor 'x' with dtype "
            "float and shape [?,784]");
  // Without a known shape the message names the dtype only, as TensorFlow's does.
  auto z = ops::Placeholder(root.WithOpName("z"), DT_INT32);
  EXPECT_EQ(RunError(root, z).message(),
            "node 'z' (op Placeholder): You must feed a value for placeholder tensor 'z' with dtype int32");
}

TEST(PlaceholderTest, FedValuePassesThrough) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_INT64);
  EXPECT_TRUE(x.shape().unknown_rank());
  Tensor v = T1<int64_t>({4, 5, 6}, {3});
  test::ExpectTensorEqual(test::RunOne(root, ops::Identity(root, x), {{x, v}}), v);
}

TEST(PlaceholderTest, WithDefaultUsesTheDefaultUnlessFed) {
  Scope root = Scope::NewRootScope();
  auto x = ops::PlaceholderWithDefault(root.WithOpName("x"), ops::Const(root, {1.f, 2.f}), {-1});
  EXPECT_EQ(x.shape().DebugString(), "[?]");
  auto y = ops::Identity(root, x);
  test::ExpectTensorEqual(test::RunOne(root, y), F({1, 2}, {2}));
  test::ExpectTensorEqual(test::RunOne(root, y, {{x, F({7, 8, 9}, {3})}}), F({7, 8, 9}, {3}));
  // A default that does not fit the declared shape is a build error.
  ops::PlaceholderWithDefault(root.WithOpName("bad"), ops::Const(root, {1.f, 2.f}), {3});
  EXPECT_THAT(root.status().message(), HasSubstr("does not match the placeholder's shape [3]"));
}

TEST(ConstTest, ScalarsVectorsAndShapedConstants) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 2.5f);
  auto b = ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2});
  auto c = ops::Const(root, int64_t{7}, {3});
  auto d = ops::Const(root.WithOpName("d"), Input({1, 2, 3}));
  auto e = ops::Const(root, {true, false});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.node()->name(), "a");
  EXPECT_EQ(d.node()->name(), "d");
  EXPECT_EQ(b.shape().DebugString(), "[2,2]");
  auto out = test::RunGraph(root, {}, {a, b, c, d, e});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], Tensor::Scalar(2.5f));
  test::ExpectTensorEqual((*out)[1], F({1, 2, 3, 4}, {2, 2}));
  test::ExpectTensorEqual((*out)[2], T1<int64_t>({7, 7, 7}, {3}));
  test::ExpectTensorEqual((*out)[3], I({1, 2, 3}, {3}));
  test::ExpectTensorEqual((*out)[4], Tensor::FromVector(std::vector<bool>{true, false}, {2}));
}

TEST(ConstTest, WrongValueCountIsABuildError) {
  Scope root = Scope::NewRootScope();
  ops::Const(root, {1.f, 2.f, 3.f}, {2, 2});
  EXPECT_THAT(root.status().message(), HasSubstr("3 values do not fill shape [2,2]"));
}

TEST(ConstTest, EveryRunSharesTheParsedBuffer) {
  Scope root = Scope::NewRootScope();
  auto c = ops::Const(root, {1.f, 2.f});
  Session session(root);
  std::vector<Tensor> first, second;
  ASSERT_TRUE(session.Run({}, {c}, &first).ok());
  ASSERT_TRUE(session.Run({}, {c}, &second).ok());
  EXPECT_TRUE(first[0].SharesBufferWith(second[0]));
}

TEST(IdentityTest, ForwardsWithoutCopyingAndReadsVariables) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  auto y = ops::StopGradient(root, ops::Identity(root, x));
  Tensor v = F({1, 2, 3}, {3});
  Tensor out = test::RunOne(root, y, {{x, v}});
  test::ExpectTensorEqual(out, v);
  EXPECT_TRUE(out.SharesBufferWith(v));

  Variable w(root.WithOpName("w"), ops::Const(root, {5.f, 6.f}));
  auto read = ops::Identity(root, w.ref());
  auto out2 = test::RunGraph(root, {}, {read}, {w.initializer()});
  ASSERT_TRUE(out2.ok()) << out2.status();
  test::ExpectTensorEqual((*out2)[0], F({5, 6}, {2}));
}

TEST(GroupTest, RunsAllDependencies) {
  Scope root = Scope::NewRootScope();
  Variable a(root.WithOpName("a"), ops::Const(root, 1.f));
  Variable b(root.WithOpName("b"), ops::Const(root, 2.f));
  auto init = ops::Group(root.WithOpName("init"), {a.initializer(), b.initializer()});
  EXPECT_EQ(init.node()->type_string(), "NoOp");
  EXPECT_EQ(init.node()->control_inputs().size(), 2u);
  auto out = test::RunGraph(root, {}, {a.value(), b.value()}, {init, ops::NoOp(root)});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].scalar<float>(), 1.f);
  EXPECT_EQ((*out)[1].scalar<float>(), 2.f);
}

// ---- Fills and shape queries -----------------------------------------------------------------

TEST(FillTest, ZerosOnesAndFill) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1, 2, 3, 4, 5, 6}, {2, 3});
  auto fill = ops::Fill(root, {2, 2}, 1.5f);
  auto fill64 = ops::Fill(root, ops::Const(root, {int64_t{3}}), int64_t{9});
  EXPECT_EQ(fill.shape().DebugString(), "[2,2]");
  auto out = test::RunGraph(root, {}, {ops::ZerosLike(root, x), ops::OnesLike(root, x), fill, fill64});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], I({0, 0, 0, 0, 0, 0}, {2, 3}));
  test::ExpectTensorEqual((*out)[1], I({1, 1, 1, 1, 1, 1}, {2, 3}));
  test::ExpectTensorEqual((*out)[2], F({1.5, 1.5, 1.5, 1.5}, {2, 2}));
  test::ExpectTensorEqual((*out)[3], T1<int64_t>({9, 9, 9}, {3}));
}

TEST(FillTest, NegativeDimsFailAtRunTime) {
  Scope root = Scope::NewRootScope();
  auto dims = ops::Placeholder(root, DT_INT32, {2});
  auto f = ops::Fill(root, dims, 0.f);
  Status s = RunError(root, f, {{dims, I({2, -3}, {2})}});
  EXPECT_THAT(s.message(), HasSubstr("dims [2,-3] has a negative entry"));
}

TEST(ShapeTest, ShapeSizeRank) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 3});
  auto shape = ops::Shape(root, x);
  auto shape64 = ops::Shape(root, x, DT_INT64);
  EXPECT_EQ(shape.shape().DebugString(), "[2]");
  auto out = test::RunGraph(root, {{x, F({1, 2, 3, 4, 5, 6}, {2, 3})}},
                            {shape, shape64, ops::Size(root, x), ops::Size(root, x, DT_INT64),
                             ops::Rank(root, x)});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], I({2, 3}, {2}));
  test::ExpectTensorEqual((*out)[1], T1<int64_t>({2, 3}, {2}));
  test::ExpectTensorEqual((*out)[2], Tensor::Scalar<int32_t>(6));
  test::ExpectTensorEqual((*out)[3], Tensor::Scalar<int64_t>(6));
  test::ExpectTensorEqual((*out)[4], Tensor::Scalar<int32_t>(2));
}

// ---- Reshape, ExpandDims, Squeeze ------------------------------------------------------------

TEST(ReshapeTest, InfersMinusOneAndSharesTheBuffer) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {2, 3});
  auto y = ops::Reshape(root, x, {3, -1});
  EXPECT_EQ(y.shape().DebugString(), "[3,2]");
  Tensor v = F({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor out = test::RunOne(root, y, {{x, v}});
  test::ExpectTensorEqual(out, F({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_TRUE(out.SharesBufferWith(v));
}

TEST(ReshapeTest, UnknownBatchKeepsMinusOneUnknown) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 784});
  auto y = ops::Reshape(root, x, {-1, 28, 28, 1});
  EXPECT_EQ(y.shape().DebugString(), "[?,28,28,1]");
  // A target read from a Shape op carries the known dims.
  auto z = ops::Reshape(root, y, ops::Shape(root, x));
  EXPECT_EQ(z.shape().DebugString(), "[?,784]");
}

TEST(ReshapeTest, SizeMismatchIsABuildErrorNamingBothShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  ops::Reshape(root.WithOpName("r"), x, {4, 2});
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("node 'r' (op Reshape)"));
  EXPECT_THAT(root.status().message(),
              HasSubstr("Cannot reshape a tensor of shape [2,3] (6 elements) to shape [4,2] (8 elements)"));
}

TEST(ReshapeTest, SizeMismatchIsARunErrorWhenShapesAreFed) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT);
  auto y = ops::Reshape(root, x, {4, -1});
  Status s = RunError(root, y, {{x, F({1, 2, 3, 4, 5, 6}, {2, 3})}});
  EXPECT_THAT(s.message(), HasSubstr("Cannot reshape a tensor of shape [2,3] (6 elements) to shape [4,-1]"));
  auto z = ops::Reshape(root, x, {5});
  s = RunError(root, z, {{x, F({1, 2, 3, 4, 5, 6}, {2, 3})}});
  EXPECT_THAT(s.message(), HasSubstr("(6 elements) to shape [5] (5 elements)"));
}

TEST(ExpandDimsSqueezeTest, Values) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1.f, 2.f, 3.f}, {3});
  auto a = ops::ExpandDims(root, x, 0);
  auto b = ops::ExpandDims(root, x, -1);
  auto c = ops::Squeeze(root, ops::Const(root, {1.f, 2.f}, {1, 2, 1}));
  auto d = ops::Squeeze(root, ops::Const(root, {1.f, 2.f}, {1, 2, 1}), {-1});
  EXPECT_EQ(a.shape().DebugString(), "[1,3]");
  EXPECT_EQ(b.shape().DebugString(), "[3,1]");
  EXPECT_EQ(c.shape().DebugString(), "[2]");
  EXPECT_EQ(d.shape().DebugString(), "[1,2]");
  auto out = test::RunGraph(root, {}, {a, b, c, d});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 2, 3}, {1, 3}));
  test::ExpectTensorEqual((*out)[1], F({1, 2, 3}, {3, 1}));
  test::ExpectTensorEqual((*out)[2], F({1, 2}, {2}));
  test::ExpectTensorEqual((*out)[3], F({1, 2}, {1, 2}));
  ops::Squeeze(root, x, {0});
  EXPECT_THAT(root.status().message(), HasSubstr("cannot squeeze dim 0 of shape [3]: its size is not 1"));
}

// ---- Transpose -------------------------------------------------------------------------------

TEST(TransposeTest, ThreeDimensional) {
  Scope root = Scope::NewRootScope();
  // x[i][j][k] = 100i + 10j + k, shape [2,3,4]; y = transpose(x, [2,0,1]) has shape [4,2,3]
  // and y[k][i][j] = x[i][j][k].
  std::vector<float> xv;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) xv.push_back(100 * i + 10 * j + k);
  auto x = ops::Const(root, xv, {2, 3, 4});
  auto y = ops::Transpose(root, x, {2, 0, 1});
  EXPECT_EQ(y.shape().DebugString(), "[4,2,3]");
  std::vector<float> expected = {0,  10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121,
                                 2,  12, 22, 102, 112, 122, 3, 13, 23, 103, 113, 123};
  test::ExpectTensorEqual(test::RunOne(root, y), F(expected, {4, 2, 3}));
}

TEST(TransposeTest, FedPermutationAndErrors) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3});
  auto perm = ops::Placeholder(root, DT_INT32, {2});
  auto y = ops::Transpose(root, x, perm);
  EXPECT_EQ(y.shape().DebugString(), "[?,?]");
  test::ExpectTensorEqual(test::RunOne(root, y, {{perm, I({1, 0}, {2})}}), F({1, 4, 2, 5, 3, 6}, {3, 2}));
  Status s = RunError(root, y, {{perm, I({1, 1}, {2})}});
  EXPECT_THAT(s.message(), HasSubstr("[1,1] is not a valid permutation"));
  ops::Transpose(root, x, {0, 1, 2});
  EXPECT_THAT(root.status().message(), HasSubstr("has 3 entries but the input has shape [2,3]"));
}

TEST(TransposeTest, LargeMatchesNaive) {
  Scope root = Scope::NewRootScope();
  const int rows = 613, cols = 433;  // above the parallel threshold, odd sizes
  Tensor v(DT_FLOAT, {rows, cols});
  for (int i = 0; i < rows * cols; ++i) v.data<float>()[i] = static_cast<float>(i);
  auto x = ops::Placeholder(root, DT_FLOAT, {rows, cols});
  Tensor out = test::RunOne(root, ops::Transpose(root, x, {1, 0}), {{x, v}});
  ASSERT_EQ(out.shape().DebugString(), "[433,613]");
  int bad = 0;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) bad += out.data<float>()[j * rows + i] != v.data<float>()[i * cols + j];
  EXPECT_EQ(bad, 0);
  // Pad takes the same parallel path.
  Tensor padded = test::RunOne(root, ops::Pad(root, x, ops::Const(root, {1, 2, 3, 4}, {2, 2})), {{x, v}});
  ASSERT_EQ(padded.shape().DebugString(), "[616,440]");
  bad = 0;
  for (int i = 0; i < rows + 3; ++i) {
    for (int j = 0; j < cols + 7; ++j) {
      bool inside = i >= 1 && i < rows + 1 && j >= 3 && j < cols + 3;
      float want = inside ? v.data<float>()[(i - 1) * cols + (j - 3)] : 0.f;
      bad += padded.data<float>()[i * (cols + 7) + j] != want;
    }
  }
  EXPECT_EQ(bad, 0);
}

TEST(TransposeTest, InvertPermutation) {
  Scope root = Scope::NewRootScope();
  test::ExpectTensorEqual(test::RunOne(root, ops::InvertPermutation(root, {2, 0, 3, 1})),
                          I({1, 3, 0, 2}, {4}));
}

// ---- BroadcastTo, Tile, Slice ----------------------------------------------------------------

TEST(BroadcastToTest, Values) {
  Scope root = Scope::NewRootScope();
  auto a = ops::BroadcastTo(root, ops::Const(root, {1.f, 2.f, 3.f}), {2, 3});
  auto b = ops::BroadcastTo(root, ops::Const(root, {1.f, 2.f}, {2, 1}), {2, 3});
  EXPECT_EQ(a.shape().DebugString(), "[2,3]");
  auto out = test::RunGraph(root, {}, {a, b});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 2, 3, 1, 2, 3}, {2, 3}));
  test::ExpectTensorEqual((*out)[1], F({1, 1, 1, 2, 2, 2}, {2, 3}));
  ops::BroadcastTo(root, ops::Const(root, {1.f, 2.f, 3.f}), {2, 4});
  EXPECT_THAT(root.status().message(), HasSubstr("cannot broadcast shape [3] to shape [2,4]"));
}

TEST(TileTest, Values) {
  Scope root = Scope::NewRootScope();
  auto t = ops::Tile(root, ops::Const(root, {1, 2, 3, 4}, {2, 2}), {2, 3});
  EXPECT_EQ(t.shape().DebugString(), "[4,6]");
  test::ExpectTensorEqual(test::RunOne(root, t),
                          I({1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}, {4, 6}));
}

TEST(SliceTest, Values) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  auto s = ops::Slice(root, x, {1, 0}, {-1, 2});
  EXPECT_EQ(s.shape().DebugString(), "[2,2]");
  test::ExpectTensorEqual(test::RunOne(root, s), I({4, 5, 7, 8}, {2, 2}));
  ops::Slice(root, x, {2, 0}, {2, 1});
  EXPECT_THAT(root.status().message(), HasSubstr("exceeds 3"));
}

TEST(PadTest, Values) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1, 2, 3, 4}, {2, 2});
  auto p = ops::Pad(root, x, ops::Const(root, {1, 0, 0, 2}, {2, 2}));
  EXPECT_EQ(p.shape().DebugString(), "[3,4]");
  test::ExpectTensorEqual(test::RunOne(root, p), I({0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}, {3, 4}));
  ops::Pad(root, x, ops::Const(root, {1, 0}, {1, 2}));
  EXPECT_THAT(root.status().message(), HasSubstr("paddings must have shape [2,2] for input of shape [2,2], got [1,2]"));
}

// ---- ConcatV2, Pack, Unpack ------------------------------------------------------------------

TEST(ConcatTest, NegativeAxisAndAxisZero) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2});
  auto b = ops::Const(root, {5.f, 6.f}, {2, 1});
  auto c = ops::ConcatV2(root, {a, b}, -1);
  auto d = ops::ConcatV2(root, {a, ops::Const(root, {7.f, 8.f}, {1, 2})}, 0);
  EXPECT_EQ(c.shape().DebugString(), "[2,3]");
  EXPECT_EQ(d.shape().DebugString(), "[3,2]");
  auto out = test::RunGraph(root, {}, {c, d});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 2, 5, 3, 4, 6}, {2, 3}));
  test::ExpectTensorEqual((*out)[1], F({1, 2, 3, 4, 7, 8}, {3, 2}));
  ops::ConcatV2(root, {a, b}, 0);
  EXPECT_THAT(root.status().message(), HasSubstr("the other dimensions must match, got shapes [2,2], [2,1]"));
}

TEST(ConcatTest, StringsAndFedShapes) {
  Scope root = Scope::NewRootScope();
  Tensor s1(DT_STRING, {2}), s2(DT_STRING, {1});
  s1.data<std::string>()[0] = "a";
  s1.data<std::string>()[1] = "bb";
  s2.data<std::string>()[0] = "ccc";
  auto c = ops::ConcatV2(root, {ops::Const(root, s1), ops::Const(root, s2)}, 0);
  Tensor out = test::RunOne(root, c);
  ASSERT_EQ(out.NumElements(), 3);
  EXPECT_EQ(out.data<std::string>()[2], "ccc");
  auto x = ops::Placeholder(root, DT_FLOAT);
  auto y = ops::ConcatV2(root, {x, x}, 1);
  Status s = RunError(root, y, {{x, F({1, 2}, {2})}});
  EXPECT_THAT(s.message(), HasSubstr("concat axis 1 is out of range"));
}

TEST(PackTest, PackAndUnpack) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root, {1.f, 2.f});
  auto b = ops::Const(root, {3.f, 4.f});
  auto p0 = ops::Pack(root, {a, b});
  auto p1 = ops::Pack(root, {a, b}, 1);
  EXPECT_EQ(p1.shape().DebugString(), "[2,2]");
  auto parts = ops::Unpack(root, p1, 2, 1);
  ASSERT_EQ(parts.size(), 2u);
  auto out = test::RunGraph(root, {}, {p0, p1, parts[0], parts[1]});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 2, 3, 4}, {2, 2}));
  test::ExpectTensorEqual((*out)[1], F({1, 3, 2, 4}, {2, 2}));
  test::ExpectTensorEqual((*out)[2], F({1, 2}, {2}));
  test::ExpectTensorEqual((*out)[3], F({3, 4}, {2}));
  ops::Pack(root, {a, ops::Const(root, {1.f})});
  EXPECT_THAT(root.status().message(), HasSubstr("Pack inputs must have the same shape, got [2], [1]"));
}

// ---- OneHot ----------------------------------------------------------------------------------

TEST(OneHotTest, LastAxisFirstAxisAndOutOfRange) {
  Scope root = Scope::NewRootScope();
  auto idx = ops::Const(root, Tensor::FromVector<int64_t>({0, 2, -1, 5}));
  auto a = ops::OneHot(root, idx, 3, 1.f, 0.f);
  auto b = ops::OneHot(root, ops::Const(root, {1, 0}), 3, 5, -1, 0);
  EXPECT_EQ(a.shape().DebugString(), "[4,3]");
  EXPECT_EQ(b.shape().DebugString(), "[3,2]");
  auto out = test::RunGraph(root, {}, {a, b});
  ASSERT_TRUE(out.ok()) << out.status();
  test::ExpectTensorEqual((*out)[0], F({1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}, {4, 3}));
  test::ExpectTensorEqual((*out)[1], I({-1, 5, 5, -1, -1, -1}, {3, 2}));
}

// ---- Gradients -------------------------------------------------------------------------------

TEST(ArrayGradTest, IdentityReshapeExpandSqueezeTranspose) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3, 4});
  auto y = ops::Identity(root, x);
  y = ops::Reshape(root, y, {4, -1});
  y = ops::ExpandDims(root, y, 1);
  y = ops::Transpose(root, y, {2, 1, 0});
  y = ops::Squeeze(root, y, {1});
  y = ops::PlaceholderWithDefault(root, y, {6, 4});
  ExpectGradientOk(root, {x}, {Doubles({2, 3, 4})}, y * y);
}

TEST(ArrayGradTest, TransposeWithFedPermutation) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3, 4});
  auto perm = ops::PlaceholderWithDefault(root, ops::Const(root, {1, 2, 0}), {3});
  auto y = ops::Transpose(root, x, perm);
  ExpectGradientOk(root, {x}, {Doubles({2, 3, 4})}, y * ops::Const(root, Doubles({3, 4, 2})));
}

TEST(ArrayGradTest, BroadcastToSumsOverBroadcastAxes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {3, 1});
  auto y = ops::BroadcastTo(root, x, {2, 3, 4});
  ExpectGradientOk(root, {x}, {Doubles({3, 1})}, y * ops::Const(root, Doubles({2, 3, 4})));
  // Unknown input dims take the BroadcastGradientArgs path.
  Scope root2 = Scope::NewRootScope();
  auto u = ops::Placeholder(root2, DT_DOUBLE, {-1, -1});
  auto v = ops::BroadcastTo(root2, u, {2, 3, 4});
  ExpectGradientOk(root2, {u}, {Doubles({3, 1})}, v * ops::Const(root2, Doubles({2, 3, 4})));
}

TEST(ArrayGradTest, Tile) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto y = ops::Tile(root, x, {3, 2});
  ExpectGradientOk(root, {x}, {Doubles({2, 3})}, y * ops::Const(root, Doubles({6, 6})));
  Scope root2 = Scope::NewRootScope();
  auto u = ops::Placeholder(root2, DT_DOUBLE);
  auto v = ops::Tile(root2, u, {1, 2});
  ExpectGradientOk(root2, {u}, {Doubles({2, 3})}, v * ops::Const(root2, Doubles({2, 6})));
}

TEST(ArrayGradTest, ConcatV2) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto b = ops::Placeholder(root, DT_DOUBLE, {2, 1});
  auto c = ops::Placeholder(root, DT_DOUBLE, {2, 2});
  auto y = ops::ConcatV2(root, {a, b, c}, ops::Const(root, int64_t{-1}));
  ExpectGradientOk(root, {a, b, c}, {Doubles({2, 3}), Doubles({2, 1}, 2), Doubles({2, 2}, 3)},
                   y * ops::Const(root, Doubles({2, 6})));
}

TEST(ArrayGradTest, PackAndUnpack) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto b = ops::Placeholder(root, DT_DOUBLE, {2, 3});
  auto p = ops::Pack(root, {a, b}, 1);
  auto parts = ops::Unpack(root, p, 3, -1);
  auto y = ops::Pack(root, {parts[2] * 2.0, parts[0]});
  ExpectGradientOk(root, {a, b}, {Doubles({2, 3}), Doubles({2, 3}, 2)}, y * y);
}

TEST(ArrayGradTest, SliceAndPad) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {3, 4});
  auto y = ops::Slice(root, x, {1, 1}, {2, -1});
  auto z = ops::Pad(root, y, ops::Const(root, Tensor::FromVector<int64_t>({0, 1, 2, 0}, {2, 2})));
  ExpectGradientOk(root, {x}, {Doubles({3, 4})}, z * ops::Const(root, Doubles({3, 5})));
}

TEST(ArrayGradTest, StopGradientAndNonDifferentiableOps) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_DOUBLE, {2});
  auto y = ops::StopGradient(root, x) + ops::ZerosLike(root, x) + ops::OnesLike(root, x);
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {y}, {x}, &grads).ok());
  EXPECT_FALSE(grads[0].valid());
}

}  // namespace
}  // namespace sluice
