// Variables and their ops: node layout and names as tf.Variable builds them, Assign /
// AssignAdd / AssignSub values, copy-on-write against readers, the uninitialized-value and
// validate_shape errors, IsVariableInitialized, the "init" group, and the initializers.
#include <cmath>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::vector<float> Floats(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.NumElements());
}

TEST(VariableTest, BuildsNodesAsTfVariable) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), {2, 3}, init::Zeros());
  Variable a(root, 1.0f);
  Variable b(root, {1.0f, 2.0f});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(w.name(), "W");
  EXPECT_EQ(w.ref().node()->type_string(), "VariableV2");
  EXPECT_EQ(w.ref().dtype(), DT_FLOAT_REF);
  EXPECT_EQ(w.dtype(), DT_FLOAT);
  EXPECT_EQ(w.shape(), (TensorShape{2, 3}));
  EXPECT_EQ(w.initializer().name(), "W/Assign");
  EXPECT_EQ(w.value().node()->name(), "W/read");
  EXPECT_EQ(w.value().node()->type_string(), "Identity");
  EXPECT_EQ(w.value().dtype(), DT_FLOAT);
  EXPECT_NE(root.graph()->FindNode("W/Initializer/zeros"), nullptr);
  EXPECT_EQ(a.name(), "Variable");
  EXPECT_EQ(b.name(), "Variable_1");
  EXPECT_EQ(b.shape(), (TensorShape{2}));

  Scope layer = root.NewSubScope("layer");
  Variable k(layer.WithOpName("kernel"), {3}, init::Ones());
  EXPECT_EQ(k.name(), "layer/kernel");
  EXPECT_EQ(k.value().node()->name(), "layer/kernel/read");

  EXPECT_EQ(root.global_variables().size(), 4u);
  Variable frozen(root.WithOpName("frozen"), 0.5f, /*trainable=*/false);
  EXPECT_EQ(root.global_variables().size(), 5u);
  EXPECT_EQ(root.trainable_variables().size(), 4u);
}

TEST(VariableTest, InitializesAssignsAndUpdates) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), {1.0f, 2.0f, 3.0f});
  auto delta = ops::Const(root, {10.0f, 20.0f, 30.0f});
  auto add = ops::AssignAdd(root, v.ref(), delta);
  auto sub = ops::AssignSub(root, v.ref(), {1.0f, 1.0f, 1.0f});
  auto set = ops::Assign(root, v.ref(), {7.0f, 8.0f, 9.0f});
  auto init = ops::GlobalVariablesInitializer(root);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(init.name(), "init");

  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {init}, &out));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{1, 2, 3}));
  ASSERT_OK(session.Run({}, {add}, &out));  // fetching the ref reads the variable
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{11, 22, 33}));
  ASSERT_OK(session.Run({}, {sub}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{10, 21, 32}));
  ASSERT_OK(session.Run({}, {}, {set.op()}, &out));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{7, 8, 9}));
  // Re-running the initializer resets the value.
  ASSERT_OK(session.Run({}, {}, {init}, &out));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{1, 2, 3}));
}

TEST(VariableTest, ReadersKeepTheirValueWhenTheVariableIsUpdatedInPlace) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), {1.0f, 2.0f});
  auto add = ops::AssignAdd(root, v.ref(), {5.0f, 5.0f});
  Session session(root);
  std::vector<Tensor> before, out;
  ASSERT_OK(session.Run({}, {}, {v.initializer()}, &out));
  ASSERT_OK(session.Run({}, {v.value()}, &before));
  ASSERT_OK(session.Run({}, {}, {add.op()}, &out));
  EXPECT_EQ(Floats(before[0]), (std::vector<float>{1, 2}));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{6, 7}));
  // The initial value (a Const) is not changed by updates of the variable it initialized.
  ASSERT_OK(session.Run({}, {}, {v.initializer()}, &out));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{1, 2}));
}

TEST(VariableTest, UninitializedUseIsNamed) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), {2}, init::Zeros());
  auto y = ops::Identity(root, w.value());
  auto add = ops::AssignAdd(root, w.ref(), {1.0f, 1.0f});
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, {y}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("Attempting to use uninitialized value W"));
  s = session.Run({}, {}, {add.op()}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("Attempting to use uninitialized value W"));
}

TEST(VariableTest, IsVariableInitialized) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), {2}, init::Zeros());
  auto is_init = ops::IsVariableInitialized(root, w.ref());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {is_init}, &out));
  EXPECT_FALSE(out[0].scalar<bool>());
  ASSERT_OK(session.Run({}, {}, {w.initializer()}, &out));
  ASSERT_OK(session.Run({}, {is_init}, &out));
  EXPECT_TRUE(out[0].scalar<bool>());
}

TEST(VariableTest, AssignValidatesShapeAtBuildAndRunTime) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), {2}, init::Zeros());
  // Known shapes that differ: a build-time error naming both.
  ops::Assign(root.WithOpName("bad"), w.ref(), {1.0f, 2.0f, 3.0f});
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("[2]"));
  EXPECT_THAT(root.status().message(), HasSubstr("[3]"));

  // A fed value of another shape: a run-time error naming the variable and both shapes.
  Scope r2 = Scope::NewRootScope();
  Variable v(r2.WithOpName("V"), {2}, init::Zeros());
  auto x = ops::Placeholder(r2.WithOpName("x"), DT_FLOAT);
  auto assign = ops::Assign(r2, v.ref(), x);
  auto reshape = ops::Assign(r2, v.ref(), x, /*validate_shape=*/false);
  ASSERT_TRUE(r2.ok()) << r2.status();
  Session session(r2);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {v.initializer()}, &out));
  Status s = session.Run({{x, Tensor::FromVector<float>({1, 2, 3})}}, {}, {assign.op()}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("V"));
  EXPECT_THAT(s.message(), HasSubstr("[2]"));
  EXPECT_THAT(s.message(), HasSubstr("[3]"));
  // Without validate_shape the variable takes the new shape.
  ASSERT_OK(session.Run({{x, Tensor::FromVector<float>({1, 2, 3})}}, {}, {reshape.op()}, &out));
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(Floats(out[0]), (std::vector<float>{1, 2, 3}));
}

TEST(VariableTest, AssignAddShapeMismatchAtRunTime) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("V"), {2}, init::Zeros());
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  auto add = ops::AssignAdd(root, v.ref(), x);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {v.initializer()}, &out));
  Status s = session.Run({{x, Tensor::FromVector<float>({1, 2, 3})}}, {}, {add.op()}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("[2]"));
  EXPECT_THAT(s.message(), HasSubstr("[3]"));
}

TEST(VariableTest, IntegerVariablesAndInitializerNames) {
  Scope root = Scope::NewRootScope();
  Variable step = train::CreateGlobalStep(root);
  auto inc = ops::AssignAdd(root, step.ref(), 1);
  auto init = ops::GlobalVariablesInitializer(root);
  auto init2 = ops::GlobalVariablesInitializer(root);
  auto named = ops::VariablesInitializer(root.WithOpName("init_step"), {step});
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(step.name(), "global_step");
  EXPECT_EQ(step.dtype(), DT_INT64);
  EXPECT_TRUE(root.trainable_variables().empty());
  EXPECT_EQ(init.name(), "init");
  EXPECT_EQ(init2.name(), "init_1");
  EXPECT_EQ(named.name(), "init_step");
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {init}, &out));
  for (int i = 0; i < 3; ++i) ASSERT_OK(session.Run({}, {}, {inc.op()}, &out));
  ASSERT_OK(session.Run({}, {step.value()}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), 3);
}

TEST(VariableTest, VariablesAreSharedByConcurrentRuns) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("counter"), 0.0f);
  auto inc = ops::AssignAdd(root, v.ref(), 1.0f);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {}, {v.initializer()}, &out));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<Tensor> o;
      for (int i = 0; i < 250; ++i) EXPECT_TRUE(session.Run({}, {}, {inc.op()}, &o).ok());
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_OK(session.Run({}, {v.value()}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 1000.0f);
}

// --- initializers ---

Tensor InitialValue(const Initializer& init, const TensorShape& shape, DataType dtype = DT_FLOAT) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), shape, init, dtype);
  auto out = test::RunGraph(root, {}, {v.value()}, {v.initializer()});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? (*out)[0] : Tensor();
}

TEST(InitializersTest, ConstantsHaveShapeDtypeAndValue) {
  Tensor z = InitialValue(init::Zeros(), {3, 4});
  EXPECT_EQ(z.shape(), (TensorShape{3, 4}));
  for (float x : Floats(z)) EXPECT_EQ(x, 0.0f);
  Tensor o = InitialValue(init::Ones(), {5});
  for (float x : Floats(o)) EXPECT_EQ(x, 1.0f);
  Tensor c = InitialValue(init::Constant(2.5f), {2, 2}, DT_DOUBLE);
  ASSERT_EQ(c.dtype(), DT_DOUBLE);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.data<double>()[i], 2.5);
  Tensor s = InitialValue(init::Ones(), {});
  EXPECT_EQ(s.shape(), TensorShape{});
  EXPECT_EQ(s.scalar<float>(), 1.0f);
}

TEST(InitializersTest, RandomInitializersHaveTheirDistribution) {
  Tensor n = InitialValue(init::RandomNormal(3.0f, 0.5f, /*seed=*/1), {200, 100});
  double sum = 0, sq = 0;
  for (float x : Floats(n)) sum += x, sq += x * x;
  double mean = sum / n.NumElements(), stddev = std::sqrt(sq / n.NumElements() - mean * mean);
  EXPECT_NEAR(mean, 3.0, 0.02);
  EXPECT_NEAR(stddev, 0.5, 0.02);

  Tensor t = InitialValue(init::TruncatedNormal(-1.0f, 0.1f, /*seed=*/2), {10000});
  for (float x : Floats(t)) {
    EXPECT_GE(x, -1.2f - 1e-6f);
    EXPECT_LE(x, -0.8f + 1e-6f);
  }

  Tensor u = InitialValue(init::RandomUniform(-2.0f, 6.0f, /*seed=*/3), {10000});
  float lo = 100, hi = -100;
  for (float x : Floats(u)) lo = std::min(lo, x), hi = std::max(hi, x);
  EXPECT_GE(lo, -2.0f);
  EXPECT_LT(hi, 6.0f);
  EXPECT_LT(lo, -1.9f);
  EXPECT_GT(hi, 5.9f);
}

TEST(InitializersTest, SeededInitializersRepeatAcrossSessions) {
  Tensor a = InitialValue(init::RandomNormal(0.0f, 1.0f, /*seed=*/42), {16});
  Tensor b = InitialValue(init::RandomNormal(0.0f, 1.0f, /*seed=*/42), {16});
  Tensor c = InitialValue(init::RandomNormal(0.0f, 1.0f, /*seed=*/43), {16});
  Tensor d = InitialValue(init::RandomNormal(), {16});
  Tensor e = InitialValue(init::RandomNormal(), {16});
  EXPECT_EQ(Floats(a), Floats(b));
  EXPECT_NE(Floats(a), Floats(c));
  EXPECT_NE(Floats(d), Floats(e));
  // Seeded ops carry TF1's seed attrs: (DEFAULT_GRAPH_SEED, seed).
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), {4}, init::RandomNormal(0.0f, 1.0f, 7));
  const Node* rnd = root.graph()->FindNode("v/Initializer/random_normal/RandomStandardNormal");
  ASSERT_NE(rnd, nullptr);
  int64_t seed = 0, seed2 = 0;
  ASSERT_TRUE(GetAttr(rnd->def().attr(), "seed", &seed).ok());
  ASSERT_TRUE(GetAttr(rnd->def().attr(), "seed2", &seed2).ok());
  EXPECT_EQ(seed, 87654321);
  EXPECT_EQ(seed2, 7);
  EXPECT_NE(root.graph()->FindNode("v/Initializer/random_normal"), nullptr);
}

TEST(InitializersTest, GlorotUniformLimitFromFans) {
  // Dense kernel [fan_in, fan_out]: limit sqrt(6 / (fan_in + fan_out)).
  const double limit = std::sqrt(6.0 / (300 + 100));
  Tensor k = InitialValue(init::GlorotUniform(/*seed=*/5), {300, 100});
  float hi = 0;
  for (float x : Floats(k)) {
    EXPECT_LE(std::fabs(x), limit + 1e-6);
    hi = std::max(hi, std::fabs(x));
  }
  EXPECT_GT(hi, 0.99 * limit);
  // Conv kernel [3, 3, 16, 32]: the receptive field 9 multiplies both fans.
  const double conv_limit = std::sqrt(6.0 / (9 * 16 + 9 * 32));
  Tensor c = InitialValue(init::GlorotUniform(/*seed=*/6), {3, 3, 16, 32});
  float chi = 0;
  for (float x : Floats(c)) {
    EXPECT_LE(std::fabs(x), conv_limit + 1e-6);
    chi = std::max(chi, std::fabs(x));
  }
  EXPECT_GT(chi, 0.99 * conv_limit);
}

TEST(InitializersTest, UnknownShapeOrWrongDtypeIsAnError) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), TensorShape{-1, 3}, init::Zeros());
  EXPECT_FALSE(v.valid());
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("[?,3]"));
  Scope r2 = Scope::NewRootScope();
  Variable w(r2.WithOpName("w"), TensorShape{3}, init::RandomNormal(), DT_INT32);
  EXPECT_FALSE(w.valid());
  EXPECT_FALSE(r2.ok());
}

TEST(CollectionTest, KeepsNamesInOrderOncePerKeyAndIsSharedByAllScopes) {
  Scope root = Scope::NewRootScope();
  Scope sub = root.NewSubScope("layer");
  EXPECT_TRUE(root.GetCollection("losses").empty());
  root.AddToCollection("losses", "a:0");
  sub.AddToCollection("losses", "b:0");
  root.AddToCollection("losses", "a:0");
  sub.AddToCollection("train_op", "train");
  EXPECT_THAT(sub.GetCollection("losses"), ::testing::ElementsAre("a:0", "b:0"));
  EXPECT_THAT(root.GetCollection("train_op"), ::testing::ElementsAre("train"));
  EXPECT_THAT(root.CollectionKeys(), ::testing::ElementsAre("losses", "train_op"));
  EXPECT_TRUE(Scope::NewRootScope().CollectionKeys().empty());
}

}  // namespace
}  // namespace sluice
