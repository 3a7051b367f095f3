// Session and executor: running, pruning, feeding any tensor, plan caching, every run-time error
// by message, concurrent Run, buffer ownership, and GraphDef round trips.
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

TEST(SessionTest, RunsArithmeticOnFeeds) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root.WithOpName("a"), DT_FLOAT, TensorShape{});
  auto b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT, TensorShape{});
  auto c = ops::Placeholder(root.WithOpName("c"), DT_FLOAT, TensorShape{});
  auto y = a * b + c;
  Session session(root);
  ASSERT_TRUE(session.status().ok()) << session.status();
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) {  // the second and third runs use the cached plan
    ASSERT_TRUE(session.Run({{a, Tensor::Scalar(2.0f)}, {b, Tensor::Scalar(3.0f + i)}, {c, Tensor::Scalar(1.0f)}},
                            {y}, &out).ok());
    EXPECT_EQ(out[0].scalar<float>(), 2.0f * (3.0f + i) + 1.0f);
  }
  // The same graph by name.
  ASSERT_TRUE(session.Run({{"a", Tensor::Scalar(1.0f)}, {"b:0", Tensor::Scalar(1.0f)}, {"c", Tensor::Scalar(5.0f)}},
                          {y.name()}, {}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 6.0f);
}

TEST(SessionTest, PrunesToWhatTheFetchesNeed) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{2});
  auto unused = ops::Placeholder(root.WithOpName("unused"), DT_FLOAT, TensorShape{2});
  auto k = ops::Const(root.WithOpName("k"), {1.0f, 2.0f});
  auto y = x + k;
  auto z = unused * 2.0f;
  (void)z;
  Session session(root);
  std::vector<Tensor> out;
  // `unused` is not fed and not needed: no error.
  ASSERT_TRUE(session.Run({{x, Tensor::FromVector<float>({10, 20})}}, {y}, &out).ok());
  test::ExpectTensorEqual(out[0], Tensor::FromVector<float>({11, 22}));
  // Fetching only a constant needs no feed at all.
  ASSERT_TRUE(session.Run({}, {k}, &out).ok());
  test::ExpectTensorEqual(out[0], Tensor::FromVector<float>({1, 2}));
}

TEST(SessionTest, UnfedNeededPlaceholderIsNamed) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 784});
  auto y = x * 2.0f;
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, {y}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("You must feed a value for placeholder tensor 'x' with dtype float and shape [?,784]"));
}

TEST(SessionTest, FeedsAnyTensorNotOnlyPlaceholders) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  auto h = ops::Square(root.WithOpName("h"), x);
  auto y = h + 1.0f;
  Session session(root);
  std::vector<Tensor> out;
  // Feeding h cuts x off: x need not be fed.
  ASSERT_TRUE(session.Run({{h, Tensor::Scalar(10.0f)}}, {y}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 11.0f);
  // Fetching a fed tensor returns the fed value.
  ASSERT_TRUE(session.Run({{h, Tensor::Scalar(4.0f)}}, {h}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 4.0f);
}

TEST(SessionTest, FeedDtypeAndShapeErrorsNameTensorAndShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 784});
  auto y = x * 2.0f;
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({{x, Tensor(DT_FLOAT, {3})}}, {y}, &out);
  EXPECT_THAT(s.message(), HasSubstr("Cannot feed value of shape [3] for tensor 'x:0', which has shape [?,784]"));
  s = session.Run({{x, Tensor(DT_INT32, {2, 784})}}, {y}, &out);
  EXPECT_THAT(s.message(), HasSubstr("Cannot feed value of dtype int32 for tensor 'x:0', which has dtype float"));
  s = session.Run({{"x", Tensor(DT_FLOAT, {1, 784})}, {"x:0", Tensor(DT_FLOAT, {1, 784})}}, {y.name()}, {}, &out);
  EXPECT_THAT(s.message(), HasSubstr("fed more than once"));
}

TEST(SessionTest, UnknownFetchesAndTargetsAreNamed) {
  Scope root = Scope::NewRootScope();
  auto k = ops::Const(root.WithOpName("k"), 1.0f);
  (void)k;
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_THAT(session.Run({}, {"nope:0"}, {}, &out).message(), HasSubstr("cannot fetch tensor 'nope:0': no node named 'nope'"));
  EXPECT_THAT(session.Run({}, {"k:1"}, {}, &out).message(), HasSubstr("has 1 outputs"));
  EXPECT_THAT(session.Run({}, {}, {"ghost"}, &out).message(), HasSubstr("target 'ghost'"));
  EXPECT_THAT(session.Run({{"ghost", Tensor::Scalar(1.0f)}}, {"k"}, {}, &out).message(), HasSubstr("cannot feed"));
}

TEST(SessionTest, UninitializedVariableIsNamed) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("W"), Tensor::FromVector<float>({1, 2, 3}));
  auto y = ops::Mul(root, w, 2.0f);
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, {y}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("Attempting to use uninitialized value W"));
  ASSERT_TRUE(session.Run({}, {}, {w.initializer()}, &out).ok());
  ASSERT_TRUE(session.Run({}, {y}, &out).ok());
  test::ExpectTensorEqual(out[0], Tensor::FromVector<float>({2, 4, 6}));
}

TEST(SessionTest, ScopeErrorsSurfaceWithTheOpAndShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 784});
  auto w = ops::Placeholder(root.WithOpName("w"), DT_FLOAT, TensorShape{100, 10});
  auto y = ops::MatMul(root.WithOpName("logits"), x, w);
  EXPECT_FALSE(y.valid());
  ASSERT_FALSE(root.ok());
  EXPECT_THAT(root.status().message(), HasSubstr("logits"));
  EXPECT_THAT(root.status().message(), HasSubstr("[?,784]"));
  EXPECT_THAT(root.status().message(), HasSubstr("[100,10]"));
  Session session(root);
  EXPECT_FALSE(session.status().ok());
  std::vector<Tensor> out;
  EXPECT_THAT(session.Run({}, {x}, &out).message(), HasSubstr("graph construction failed"));
}

TEST(SessionTest, PicksUpNodesAddedAfterCreation) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root, 3.0f);
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_TRUE(session.Run({}, {a}, &out).ok());
  auto b = a * a;
  ASSERT_TRUE(session.Run({}, {b}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 9.0f);
}

TEST(SessionTest, KernelsNeverWriteIntoFedBuffers) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{4});
  auto y = ops::Relu(root, ops::Neg(root, x));  // elementwise ops that may work in place
  Session session(root);
  Tensor fed = Tensor::FromVector<float>({1, -2, 3, -4});
  std::vector<Tensor> out;
  ASSERT_TRUE(session.Run({{x, fed}}, {y}, &out).ok());
  test::ExpectTensorEqual(out[0], Tensor::FromVector<float>({0, 2, 0, 4}));
  test::ExpectTensorEqual(fed, Tensor::FromVector<float>({1, -2, 3, -4}));
}

TEST(SessionTest, ControlDependenciesOrderTargets) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Tensor::Scalar(1.0f));
  auto double_it = ops::Assign(root.WithOpName("double"), v.ref(), ops::Mul(root, v, 2.0f));
  // Read the ref (the variable itself): "v/read" was built before the Assign and is not
  // ordered after it (as in TF1, where tf.identity(v) under control_dependencies has the same
  // pitfall).
  auto after = root.WithControlDependencies({double_it.op()});
  auto read = ops::Identity(after.WithOpName("read_after"), v.ref());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_TRUE(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out).ok());
  ASSERT_TRUE(session.Run({}, {read}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 2.0f);
  ASSERT_TRUE(session.Run({}, {read}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), 4.0f);
}

TEST(SessionTest, ConcurrentRunsAreSafe) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 8});
  auto w = ops::Const(root, Tensor::FromVector<float>(std::vector<float>(64, 0.5f), {8, 8}));
  auto y = ops::Sum(root, ops::Relu(root, ops::MatMul(root, x, w)), {1});
  Variable counter(root.WithOpName("counter"), Tensor::Scalar(0.0f));
  auto bump = ops::AssignAdd(root, counter.ref(), 1.0f);
  Session session(root);
  std::vector<Tensor> init_out;
  ASSERT_TRUE(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &init_out).ok());
  constexpr int kThreads = 8, kRuns = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        float v = static_cast<float>(t * 1000 + r);
        Tensor in(DT_FLOAT, {2, 8});
        for (float& e : in.flat<float>()) e = v;
        std::vector<Tensor> out;
        Status s = session.Run({{x, in}}, {y}, {bump.op()}, &out);
        // Each row: 8 outputs of relu(8 * v * 0.5) = 4v, summed: 32v.
        if (!s.ok() || out[0].data<float>()[0] != 32 * v || out[0].data<float>()[1] != 32 * v) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<Tensor> out;
  ASSERT_TRUE(session.Run({}, {counter.value()}, &out).ok());
  EXPECT_EQ(out[0].scalar<float>(), static_cast<float>(kThreads * kRuns));
}

TEST(SessionTest, GraphDefRoundTripGivesIdenticalResults) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 3});
  auto w = ops::Const(root.WithOpName("w"), {0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.75f}, TensorShape{3, 2});
  auto b = ops::Const(root.WithOpName("b"), {0.1f, -0.2f});
  auto h = ops::Relu(root.WithOpName("h"), ops::BiasAdd(root, ops::MatMul(root, x, w), b));
  auto probs = ops::Softmax(root.WithOpName("probs"), h);
  GraphDef def;
  ASSERT_TRUE(root.ToGraphDef(&def).ok());
  std::string bytes = def.SerializeAsString();
  GraphDef parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  auto imported = Session::Create(parsed);
  ASSERT_TRUE(imported.ok()) << imported.status();
  Session original(root);
  Tensor in = Tensor::FromVector<float>({1, 2, 3, -1, 0.5f, 4}, {2, 3});
  std::vector<Tensor> a, c;
  ASSERT_TRUE(original.Run({{x, in}}, {probs}, &a).ok());
  ASSERT_TRUE((*imported)->Run({{"x", in}}, {"probs"}, {}, &c).ok());
  test::ExpectTensorEqual(c[0], a[0]);
  EXPECT_EQ((*imported)->graph().num_nodes(), root.graph()->num_nodes());
}

TEST(SessionTest, CreateFromMalformedGraphDefNamesTheNode) {
  GraphDef def;
  NodeDef* n = def.add_node();
  n->set_name("add");
  n->set_op("AddV2");
  n->add_input("missing");
  n->add_input("missing");
  (*n->mutable_attr())["T"] = MakeAttr(DT_FLOAT);
  auto s = Session::Create(def);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("node 'add' (op AddV2): input 'missing' refers to an unknown node"));
}

}  // namespace
}  // namespace sluice
