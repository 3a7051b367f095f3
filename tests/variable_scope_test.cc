// Variable scopes and GetVariable: names, reuse (inherited, AUTO_REUSE), TF1's error messages,
// default initializers and regularizers, default names.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> VariableNames(const Scope& root, bool trainable_only = false) {
  std::vector<std::string> names;
  for (const Variable& v : trainable_only ? root.trainable_variables() : root.global_variables()) {
    names.push_back(v.name() + v.shape().DebugString());
  }
  return names;
}

TEST(VariableScopeTest, NamesFollowTheVariableScopeNotTheNameScope) {
  Scope root = Scope::NewRootScope();
  Scope enc = VariableScope(root, "encoder");
  EXPECT_EQ(enc.name_prefix(), "encoder/");
  EXPECT_EQ(VariableScopeName(enc), "encoder");
  Variable w = GetVariable(enc, "w", {3, 4});
  Scope inner = VariableScope(enc.NewSubScope("block"), "conv");
  EXPECT_EQ(VariableScopeName(inner), "encoder/block/conv");
  Variable k = GetVariable(inner, "kernel", {2, 2});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(w.name(), "encoder/w");
  EXPECT_EQ(k.name(), "encoder/block/conv/kernel");
  EXPECT_EQ(w.shape(), (TensorShape{3, 4}));
  EXPECT_EQ(w.dtype(), DT_FLOAT);

  // Entered again with reuse: a fresh name scope, the same variable scope and variables.
  Scope again = VariableScope(root, "encoder", VariableReuse::kReuse);
  EXPECT_EQ(again.name_prefix(), "encoder_1/");
  EXPECT_EQ(VariableScopeName(again), "encoder");
  Variable w2 = GetVariable(again, "w", {3, 4});
  // Reuse is inherited by nested scopes, also those opened with NewSubScope.
  Variable k2 = GetVariable(VariableScope(again.NewSubScope("block"), "conv"), "kernel", {2, 2});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(w2.ref().node(), w.ref().node());
  EXPECT_EQ(k2.ref().node(), k.ref().node());
  EXPECT_EQ(GetVariableReuse(VariableScope(again, "x")), VariableReuse::kReuse);
  EXPECT_EQ(GetVariableReuse(VariableScope(again, "y", VariableReuse::kInherit)), VariableReuse::kReuse);
  EXPECT_EQ(GetVariableReuse(enc), VariableReuse::kInherit);
  EXPECT_THAT(VariableNames(root), ElementsAre("encoder/w[3,4]", "encoder/block/conv/kernel[2,2]"));
  // Ops built next to a reused variable go under the scope's own name scope.
  Output y = ops::MatMul(again, ops::Const(again, 1.0f, TensorShape{1, 3}), w2);
  EXPECT_EQ(y.node()->name(), "encoder_1/MatMul");
}

TEST(VariableScopeTest, ScopesWithoutAVariableScopeNameVariablesByTheirPrefix) {
  Scope root = Scope::NewRootScope();
  Variable a = GetVariable(root.NewSubScope("hidden"), "kernel", {2, 2});
  Variable b = GetVariable(root.NewSubScope("hidden"), "kernel", {2, 2});  // "hidden_1/"
  Variable c = GetVariable(root, "c", {});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.name(), "hidden/kernel");
  EXPECT_EQ(b.name(), "hidden_1/kernel");
  EXPECT_EQ(c.name(), "c");
  EXPECT_EQ(VariableScopeName(root), "");
}

TEST(VariableScopeTest, CreatingAnExistingVariableIsTf1sError) {
  Scope root = Scope::NewRootScope();
  GetVariable(VariableScope(root, "s"), "v", {2});
  Variable again = GetVariable(VariableScope(root, "s"), "v", {2});
  EXPECT_FALSE(again.valid());
  EXPECT_THAT(root.status().message(),
              HasSubstr("Variable s/v already exists, disallowed. Did you mean to set reuse=True or "
                        "reuse=tf.AUTO_REUSE in VarScope?"));
}

TEST(VariableScopeTest, ReusingAMissingVariableIsTf1sError) {
  Scope root = Scope::NewRootScope();
  Variable v = GetVariable(VariableScope(root, "s", VariableReuse::kReuse), "v", {2});
  EXPECT_FALSE(v.valid());
  EXPECT_THAT(root.status().message(),
              HasSubstr("Variable s/v does not exist, or was not created with tf.get_variable()"));
  // A tf.Variable of that name is not found by GetVariable either.
  Scope r2 = Scope::NewRootScope();
  Variable plain(r2.NewSubScope("s").WithOpName("v"), {2}, init::Zeros());
  Variable missing = GetVariable(VariableScope(r2, "s", VariableReuse::kReuse), "v", {2});
  EXPECT_FALSE(missing.valid());
  EXPECT_THAT(r2.status().message(), HasSubstr("was not created with tf.get_variable()"));
  // ...and creating one over it is an error naming it.
  Scope r3 = Scope::NewRootScope();
  Variable plain3(r3.WithOpName("v"), {2}, init::Zeros());
  EXPECT_FALSE(GetVariable(r3, "v", {2}).valid());
  EXPECT_THAT(r3.status().message(), HasSubstr("cannot create variable v"));
}

TEST(VariableScopeTest, ShapeOrDtypeMismatchOnReuseIsAnError) {
  Scope root = Scope::NewRootScope();
  GetVariable(VariableScope(root, "s"), "v", {3, 4});
  // Partial or unknown shapes are compatible.
  EXPECT_TRUE(GetVariable(VariableScope(root, "s", VariableReuse::kReuse), "v", TensorShape{-1, 4}).valid());
  EXPECT_TRUE(GetVariable(VariableScope(root, "s", VariableReuse::kReuse), "v", TensorShape::UnknownRank()).valid());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_FALSE(GetVariable(VariableScope(root, "s", VariableReuse::kReuse), "v", {4, 3}).valid());
  EXPECT_THAT(root.status().message(),
              HasSubstr("Trying to share variable s/v, but specified shape [4,3] and found shape [3,4]"));
  Scope r2 = Scope::NewRootScope();
  GetVariable(VariableScope(r2, "s"), "v", {3});
  EXPECT_FALSE(GetVariable(VariableScope(r2, "s", VariableReuse::kReuse), "v", {3}, DT_DOUBLE).valid());
  EXPECT_THAT(r2.status().message(), HasSubstr("specified dtype double and found dtype float"));
}

TEST(VariableScopeTest, AutoReuseCreatesOrReturns) {
  Scope root = Scope::NewRootScope();
  Scope s = VariableScope(root, "s", VariableReuse::kAutoReuse);
  Variable a = GetVariable(s, "v", {2});
  Variable b = GetVariable(VariableScope(root, "s", VariableReuse::kAutoReuse), "v", {2});
  Variable c = GetVariable(s, "u", {5});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.ref().node(), b.ref().node());
  EXPECT_THAT(VariableNames(root), ElementsAre("s/v[2]", "s/u[5]"));
  // Under AUTO_REUSE, a nested kReuse scope requires the variable.
  EXPECT_FALSE(GetVariable(VariableScope(s, "t", VariableReuse::kReuse), "w", {1}).valid());
}

TEST(VariableScopeTest, InitializersDtypesTrainableAndResourceVariables) {
  Scope root = Scope::NewRootScope();
  VariableScopeOptions opts;
  opts.initializer = init::Constant(3.0f);
  Scope s = VariableScope(root, "s", opts);
  Variable a = GetVariable(s, "a", {2});                                     // the scope's default
  Variable b = GetVariable(VariableScope(s, "inner"), "b", {2}, DT_DOUBLE);  // inherited
  Variable c = GetVariable(s, "c", {2}, DT_FLOAT, init::Ones());             // the given one
  Variable d = GetVariable(root, "d", {3}, DT_INT32);                        // zeros for integers
  Variable e = GetVariable(root, "e", {300, 100});                           // GlorotUniform
  Variable f = GetVariable(root, "f", {2}, DT_FLOAT, init::Zeros(), nullptr, /*trainable=*/false);
  VariableScopeOptions res;
  res.use_resource = true;
  Variable g = GetVariable(VariableScope(root, "r", res), "g", {2}, DT_FLOAT, init::Ones());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(g.is_resource());
  EXPECT_FALSE(a.is_resource());
  EXPECT_THAT(VariableNames(root, /*trainable_only=*/true),
              ElementsAre("s/a[2]", "s/inner/b[2]", "s/c[2]", "d[3]", "e[300,100]", "r/g[2]"));
  auto out = test::RunGraph(root, {}, {a.value(), b.value(), c.value(), d.value(), e.value(), g.value()},
                            {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  EXPECT_EQ((*out)[0].data<float>()[1], 3.0f);
  EXPECT_EQ((*out)[1].data<double>()[0], 3.0);
  EXPECT_EQ((*out)[2].data<float>()[0], 1.0f);
  EXPECT_EQ((*out)[3].data<int32_t>()[2], 0);
  const double limit = std::sqrt(6.0 / 400);
  float hi = 0;
  for (int64_t i = 0; i < (*out)[4].NumElements(); ++i) hi = std::max(hi, std::fabs((*out)[4].data<float>()[i]));
  EXPECT_LE(hi, limit + 1e-6);
  EXPECT_GT(hi, 0.99 * limit);
  EXPECT_EQ((*out)[5].data<float>()[0], 1.0f);
  // Resource variables are reused as resource variables.
  Variable g2 = GetVariable(VariableScope(root, "r", VariableReuse::kReuse), "g", {2});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_TRUE(g2.is_resource());
  EXPECT_EQ(g2.handle().node(), g.handle().node());
}

TEST(VariableScopeTest, RegularizersAddTheirLossOnceWhenCreating) {
  Scope root = Scope::NewRootScope();
  auto l2 = [](const Scope& s, const Output& w) { return ops::Mul(s, ops::L2Loss(s, w), 0.5f); };
  GetVariable(root, "a", {2}, DT_FLOAT, init::Constant(2.0f), l2);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(root.GetCollection(kRegularizationLossesCollection), ElementsAre("a/Regularizer/Mul:0"));
  Scope r2 = Scope::NewRootScope();
  VariableScopeOptions opts;
  opts.regularizer = l2;
  Scope s = VariableScope(r2, "s", opts);
  Variable b = GetVariable(s, "b", {3}, DT_FLOAT, init::Constant(1.0f));
  Variable b2 = GetVariable(VariableScope(r2, "s", VariableReuse::kReuse), "b", {3});  // no second loss
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(b2.ref().node(), b.ref().node());
  std::vector<std::string> losses = r2.GetCollection(kRegularizationLossesCollection);
  ASSERT_THAT(losses, ElementsAre("s/b/Regularizer/Mul:0"));
  Output loss(Operation(r2.graph()->FindNode("s/b/Regularizer/Mul"), r2.data()), 0);
  auto out = test::RunGraph(r2, {}, {loss}, {ops::GlobalVariablesInitializer(r2)});
  ASSERT_OK(out.status());
  EXPECT_FLOAT_EQ((*out)[0].scalar<float>(), 0.5f * 1.5f);  // 0.5 * sum(1^2) / 2
}

TEST(VariableScopeTest, UniqueVariableScopeNamesLikeKerasAndRestartsWhenReentered) {
  Scope root = Scope::NewRootScope();
  Scope m = VariableScope(root, "model");
  EXPECT_EQ(VariableScopeName(UniqueVariableScope(m, "dense")), "model/dense");
  EXPECT_EQ(VariableScopeName(UniqueVariableScope(m, "dense")), "model/dense_1");
  EXPECT_EQ(VariableScopeName(UniqueVariableScope(m, "conv2d")), "model/conv2d");
  // Entering "model" again restarts its default names, so a rebuild under reuse shares.
  Scope again = VariableScope(root, "model", VariableReuse::kReuse);
  EXPECT_EQ(VariableScopeName(UniqueVariableScope(again, "dense")), "model/dense");
  // Without reuse, a name taken by a name scope or a variable is passed over.
  Scope r2 = Scope::NewRootScope();
  GetVariable(r2.NewSubScope("dense"), "kernel", {1});
  EXPECT_EQ(VariableScopeName(UniqueVariableScope(r2, "dense")), "dense_1");
  EXPECT_TRUE(r2.ok()) << r2.status();
  // A scope's op name is not the variable scope's.
  EXPECT_EQ(VariableScope(root.WithOpName("op"), "vs").name_prefix(), "vs/");
  // Bad names.
  Scope r3 = Scope::NewRootScope();
  VariableScope(r3, "a/b");
  EXPECT_THAT(r3.status().message(), HasSubstr("not a valid scope name"));
}

TEST(VariableScopeTest, ReenterVariableScopeFromAnotherScope) {
  Scope root = Scope::NewRootScope();
  Variable w = GetVariable(VariableScope(VariableScope(root, "a"), "b"), "w", {2});
  Scope elsewhere = root.NewSubScope("tower_1");
  Scope s = ReenterVariableScope(elsewhere, "a/b", VariableReuse::kReuse);
  EXPECT_EQ(s.name_prefix(), "tower_1/b/");
  Variable w2 = GetVariable(s, "w", {2});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(w2.ref().node(), w.ref().node());
}

TEST(VariableScopeTest, DenseBuiltTwiceUnderAReusedScopeSharesAndComputesTheSame) {
  Scope root = Scope::NewRootScope();
  auto x1 = ops::Placeholder(root.WithOpName("x1"), DT_FLOAT, TensorShape{-1, 3});
  auto x2 = ops::Placeholder(root.WithOpName("x2"), DT_FLOAT, TensorShape{-1, 3});
  auto tower = [&](const Scope& s, const Output& x) {
    auto h = layers::Dense(s.NewSubScope("hidden"), x, 4, ops::Tanh, init::GlorotUniform(1));
    return layers::Dense(s.NewSubScope("out"), h, 2);
  };
  Output y1 = tower(VariableScope(root, "net"), x1);
  Output y2 = tower(VariableScope(root, "net", VariableReuse::kReuse), x2);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(VariableNames(root),
              ElementsAre("net/hidden/kernel[3,4]", "net/hidden/bias[4]", "net/out/kernel[4,2]", "net/out/bias[2]"));
  EXPECT_EQ(y2.node()->name(), "net_1/out/BiasAdd");
  Tensor in = test::Floats({5, 3});
  auto out = test::RunGraph(root, {{x1, in}, {x2, in}}, {y1, y2}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[1], (*out)[0]);
  // Without reuse the second build is TF1's error.
  Scope r2 = Scope::NewRootScope();
  auto x = ops::Placeholder(r2.WithOpName("x"), DT_FLOAT, TensorShape{-1, 3});
  tower(VariableScope(r2, "net"), x);
  tower(VariableScope(r2, "net"), x);
  EXPECT_THAT(r2.status().message(), HasSubstr("Variable net/hidden/kernel already exists, disallowed"));
}

}  // namespace
}  // namespace sluice
