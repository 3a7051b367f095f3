// Graph passes: for each pass, the rewritten graph exactly (which nodes remain, their inputs, the
// folded values worked out by hand), what it must leave alone, and that the original and the
// optimized GraphDef compute the same in a Session.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "runtime/graph_passes.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using Feeds = std::vector<std::pair<std::string, Tensor>>;

std::unique_ptr<Graph> Import(const Scope& root) { return test::ImportScopeGraph(root); }

GraphDef ToDef(const Graph& g) {
  GraphDef def;
  g.ToGraphDef(&def);
  return def;
}

GraphDef ToDef(const Scope& root) {
  GraphDef def;
  Status s = root.ToGraphDef(&def);
  EXPECT_TRUE(s.ok()) << s;
  return def;
}

std::vector<std::string> NodeNames(const Graph& g) {
  std::vector<std::string> names;
  for (const Node* n : g.nodes()) names.push_back(n->name());
  return names;
}

std::vector<std::string> Inputs(const Graph& g, const std::string& name) {
  const Node* n = g.FindNode(name);
  EXPECT_NE(n, nullptr) << "no node " << name;
  if (n == nullptr) return {};
  return {n->def().input().begin(), n->def().input().end()};
}

// The value of Const node `name`.
Tensor ConstValue(const Graph& g, const std::string& name) {
  const Node* n = g.FindNode(name);
  EXPECT_NE(n, nullptr) << "no node " << name;
  if (n == nullptr || n->const_value() == nullptr) {
    ADD_FAILURE() << name << " is no Const";
    return Tensor();
  }
  return *n->const_value();
}

PassContext Protect(std::initializer_list<std::string> names) {
  PassContext ctx;
  ctx.protected_nodes.insert(names.begin(), names.end());
  return ctx;
}

bool SameGraphDef(const GraphDef& a, const GraphDef& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// Runs `targets` (if any), then fetches `fetches`, in a new session over `def`.
std::vector<Tensor> RunGraphDef(const GraphDef& def, const Feeds& feeds, const std::vector<std::string>& fetches,
                        const std::vector<std::string>& targets = {}) {
  auto session = Session::Create(def);
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return {};
  std::vector<Tensor> out;
  if (!targets.empty()) {
    Status s = (*session)->Run(feeds, {}, targets, nullptr);
    EXPECT_TRUE(s.ok()) << s;
  }
  Status s = (*session)->Run(feeds, fetches, {}, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// Expects `optimized` to compute exactly what `original` does.
void ExpectSameResults(const GraphDef& original, const Graph& optimized, const Feeds& feeds,
                       const std::vector<std::string>& fetches, const std::vector<std::string>& targets = {}) {
  test::ExpectGraphConsistent(optimized);
  std::vector<Tensor> want = RunGraphDef(original, feeds, fetches, targets);
  std::vector<Tensor> got = RunGraphDef(ToDef(optimized), feeds, fetches, targets);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) test::ExpectTensorEqual(got[i], want[i]);
}

// ---- Constant folding -------------------------------------------------------------------------

TEST(ConstantFoldingTest, FoldsAConstantSubgraphIntoOneConst) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto a = ops::Const(root.WithOpName("a"), {1.0f, 2.0f});
  auto b = ops::Const(root.WithOpName("b"), {3.0f, 4.0f});
  auto two = ops::Const(root.WithOpName("two"), 2.0f);
  auto s = ops::Add(root.WithOpName("s"), a, b);
  auto m = ops::Mul(root.WithOpName("m"), s, two);
  ops::Add(root.WithOpName("y"), x, m);
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx = Protect({"x", "y"});

  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), ctx, OptimizerOptions{}, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("x", "m/folded"));
  EXPECT_THAT(Inputs(*g, "m/folded"), IsEmpty());
  EXPECT_EQ(g->FindNode("m/folded")->type_string(), "Const");
  test::ExpectTensorEqual(ConstValue(*g, "m/folded"), Tensor::FromVector<float>({8, 12}));
  // Only what a non-folded node reads becomes a Const; the folded nodes stay, unread.
  EXPECT_EQ(g->FindNode("s/folded"), nullptr);
  EXPECT_TRUE(g->FindNode("m")->out_edges().empty());
  ExpectSameResults(ToDef(root), *g, {{"x", Tensor::FromVector<float>({10, 20})}}, {"y"});

  ASSERT_OK(DeadNodeElimination(g.get(), ctx, &changed));
  EXPECT_THAT(NodeNames(*g), UnorderedElementsAre("x", "y", "m/folded"));
  ASSERT_OK(ConstantFolding(g.get(), ctx, OptimizerOptions{}, &changed));
  EXPECT_FALSE(changed);
  ExpectSameResults(ToDef(root), *g, {{"x", Tensor::FromVector<float>({10, 20})}}, {"y"});
}

TEST(ConstantFoldingTest, ComputesWithTheKernelsOwnSemantics) {
  Scope root = Scope::NewRootScope();
  auto xi = ops::Placeholder(root.WithOpName("xi"), DT_INT32, {});
  auto big = ops::Const(root.WithOpName("big"), std::numeric_limits<int32_t>::max());
  auto one = ops::Const(root.WithOpName("one"), 1);
  auto wrapped = ops::Add(root.WithOpName("wrapped"), big, one);
  ops::Add(root.WithOpName("y"), xi, wrapped);
  auto f = ops::Const(root.WithOpName("f"), {3.7f, -3.7f, 0.5f});
  auto truncated = ops::Cast(root.WithOpName("truncated"), f, DT_INT32);
  ops::Add(root.WithOpName("z"), ops::Placeholder(root.WithOpName("zi"), DT_INT32, {3}), truncated);
  std::unique_ptr<Graph> g = Import(root);

  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"xi", "y", "zi", "z"}), OptimizerOptions{}, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("xi", "wrapped/folded"));
  EXPECT_THAT(Inputs(*g, "z"), ElementsAre("zi", "truncated/folded"));
  // The same kernels as at run time: int32 addition wraps, float to int truncates toward zero.
  EXPECT_EQ(ConstValue(*g, "wrapped/folded").scalar<int32_t>(), std::numeric_limits<int32_t>::min());
  test::ExpectTensorEqual(ConstValue(*g, "truncated/folded"), Tensor::FromVector<int32_t>({3, -3, 0}));
  std::vector<Tensor> at_run_time = RunGraphDef(ToDef(root), {}, {"wrapped", "truncated"});
  ASSERT_EQ(at_run_time.size(), 2u);
  test::ExpectTensorEqual(ConstValue(*g, "wrapped/folded"), at_run_time[0]);
  test::ExpectTensorEqual(ConstValue(*g, "truncated/folded"), at_run_time[1]);
  ExpectSameResults(ToDef(root), *g, {{"xi", Tensor::Scalar<int32_t>(0)}, {"zi", Tensor::FromVector<int32_t>({1, 2, 3})}},
                    {"y", "z"});
}

TEST(ConstantFoldingTest, StopsAtPlaceholdersVariablesAndRandomOps) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1, 2}));
  auto shape = ops::Const(root.WithOpName("shape"), {2});
  auto r = ops::RandomUniform(root.WithOpName("r"), shape, DT_FLOAT);
  auto c = ops::Const(root.WithOpName("c"), {1.0f, 1.0f});
  ops::Add(root.WithOpName("px"), x, c);
  ops::Mul(root.WithOpName("pv"), v.value(), c);
  ops::Add(root.WithOpName("pr"), r, c);
  ops::Neg(root.WithOpName("npd"), ops::PlaceholderWithDefault(root.WithOpName("pd"), c, {2}));
  std::unique_ptr<Graph> g = Import(root);
  const GraphDef before = ToDef(*g);

  bool changed = true;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"x", "px", "pv", "pr", "npd"}), OptimizerOptions{}, &changed));
  EXPECT_FALSE(changed);
  EXPECT_TRUE(SameGraphDef(ToDef(*g), before));

  // The random op is still drawn on every run.
  auto session = Session::Create(ToDef(*g));
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> first, second;
  ASSERT_OK((*session)->Run({}, {"pr"}, {}, &first));
  ASSERT_OK((*session)->Run({}, {"pr"}, {}, &second));
  EXPECT_NE(first[0].flat<float>()[0], second[0].flat<float>()[0]);
}

TEST(ConstantFoldingTest, SkipsResultsOverTheSizeLimit) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {1000});
  auto dims = ops::Const(root.WithOpName("dims"), {1000});
  auto fill = ops::Fill(root.WithOpName("fill"), dims, ops::Const(root.WithOpName("one"), 1.0f));
  ops::Add(root.WithOpName("y"), x, fill);
  // A small result computed through a large intermediate.
  auto sum = ops::Sum(root.WithOpName("sum"), fill, ops::Const(root.WithOpName("axis"), 0));
  ops::Add(root.WithOpName("z"), ops::Placeholder(root.WithOpName("s"), DT_FLOAT, {}), sum);
  const GraphDef original = ToDef(root);
  PassContext ctx = Protect({"x", "y", "s", "z"});

  for (int64_t limit : {1000, 3999}) {
    std::unique_ptr<Graph> g = Import(root);
    OptimizerOptions opts;
    opts.max_constant_bytes = limit;
    bool changed = true;
    ASSERT_OK(ConstantFolding(g.get(), ctx, opts, &changed));
    EXPECT_FALSE(changed) << limit;
    EXPECT_TRUE(SameGraphDef(ToDef(*g), original)) << limit;
  }
  std::unique_ptr<Graph> g = Import(root);
  OptimizerOptions opts;
  opts.max_constant_bytes = 4000;  // 1000 floats
  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), ctx, opts, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("x", "fill/folded"));
  EXPECT_THAT(Inputs(*g, "z"), ElementsAre("s", "sum/folded"));
  EXPECT_EQ(ConstValue(*g, "fill/folded").NumElements(), 1000);
  EXPECT_EQ(ConstValue(*g, "sum/folded").scalar<float>(), 1000.0f);
  ExpectSameResults(original, *g, {{"x", test::Floats({1000})}, {"s", Tensor::Scalar(1.0f)}}, {"y", "z"});
}

TEST(ConstantFoldingTest, TheConstWaitsForWhatTheFoldedValuesWaitedFor) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  Variable v(root.WithOpName("v"), Tensor::Scalar(0.0f));
  auto set = ops::Assign(root.WithOpName("set"), v.ref(), ops::Const(root.WithOpName("five"), 5.0f));
  auto c0 = ops::Const(root.WithOpName("c0"), 1.0f);
  // k waits for the assignment; k2 only for another constant, which orders nothing.
  auto k = ops::Const(root.WithControlDependencies({set.op()}).WithOpName("k"), 3.0f);
  auto k2 = ops::Const(root.WithControlDependencies({c0.op()}).WithOpName("k2"), 4.0f);
  auto neg = ops::Neg(root.WithOpName("neg"), k);
  ops::Add(root.WithOpName("y"), x, neg);
  auto neg2 = ops::Neg(root.WithControlDependencies({c0.op()}).WithOpName("neg2"), k2);
  ops::Add(root.WithOpName("y2"), x, neg2);
  std::unique_ptr<Graph> g = Import(root);

  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"x", "y", "y2"}), OptimizerOptions{}, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("x", "neg/folded"));
  EXPECT_THAT(Inputs(*g, "neg/folded"), ElementsAre("^set"));
  EXPECT_EQ(ConstValue(*g, "neg/folded").scalar<float>(), -3.0f);
  EXPECT_THAT(Inputs(*g, "y2"), ElementsAre("x", "neg2/folded"));
  EXPECT_THAT(Inputs(*g, "neg2/folded"), IsEmpty());
  // Fetching y still assigns v.
  const Feeds feeds = {{"x", Tensor::Scalar(1.0f)}};
  ExpectSameResults(ToDef(root), *g, feeds, {"y", "y2"}, {v.initializer().name()});
  auto session = Session::Create(ToDef(*g));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({}, {}, {v.initializer().name()}, nullptr));
  ASSERT_OK((*session)->Run(feeds, {"y"}, {}, &out));
  ASSERT_OK((*session)->Run({}, {"v"}, {}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 5.0f);
}

TEST(ConstantFoldingTest, FoldsShapeSizeAndRankOfKnownShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2, 3});
  auto nx = ops::Neg(root.WithOpName("nx"), x);
  auto s = ops::Shape(root.WithOpName("s"), nx);
  ops::Reshape(root.WithOpName("y"), nx, s);
  auto size = ops::Size(root.WithOpName("size"), x, DT_INT64);
  ops::Add(root.WithOpName("size_plus"), size, ops::Const(root.WithOpName("one"), int64_t{1}));
  ops::Identity(root.WithOpName("rank"), ops::Rank(root.WithOpName("r"), x));
  // A shape known only in part stays to be computed.
  auto p = ops::Placeholder(root.WithOpName("p"), DT_FLOAT, {-1, 3});
  ops::Identity(root.WithOpName("p_shape"), ops::Shape(root.WithOpName("ps"), p));
  ops::Identity(root.WithOpName("p_rank"), ops::Rank(root.WithOpName("pr"), p));
  std::unique_ptr<Graph> g = Import(root);

  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"x", "y", "size_plus", "rank", "p", "p_shape", "p_rank"}),
                            OptimizerOptions{}, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("nx", "s/folded"));
  // What ran after nx still does; waiting for a Placeholder orders nothing.
  EXPECT_THAT(Inputs(*g, "s/folded"), ElementsAre("^nx"));
  EXPECT_THAT(Inputs(*g, "size/folded"), IsEmpty());
  test::ExpectTensorEqual(ConstValue(*g, "s/folded"), Tensor::FromVector<int32_t>({2, 3}));
  EXPECT_THAT(Inputs(*g, "size_plus"), ElementsAre("size/folded", "one"));
  EXPECT_EQ(ConstValue(*g, "size/folded").scalar<int64_t>(), 6);
  EXPECT_THAT(Inputs(*g, "rank"), ElementsAre("r/folded"));
  EXPECT_EQ(ConstValue(*g, "r/folded").scalar<int32_t>(), 2);
  EXPECT_THAT(Inputs(*g, "p_shape"), ElementsAre("ps"));
  EXPECT_THAT(Inputs(*g, "p_rank"), ElementsAre("pr/folded"));
  const Feeds feeds = {{"x", test::Floats({2, 3})}, {"p", test::Floats({4, 3})}};
  ExpectSameResults(ToDef(root), *g, feeds, {"y", "size_plus", "rank", "p_shape", "p_rank"});
}

TEST(ConstantFoldingTest, LeavesAFailingKernelToFailAtRunTime) {
  Scope root = Scope::NewRootScope();
  auto perm = ops::Const(root.WithOpName("perm"), {0, 0});
  ops::Identity(root.WithOpName("y"), ops::InvertPermutation(root.WithOpName("inv"), perm));
  std::unique_ptr<Graph> g = Import(root);
  const GraphDef before = ToDef(*g);
  bool changed = true;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"y"}), OptimizerOptions{}, &changed));
  EXPECT_FALSE(changed);
  EXPECT_TRUE(SameGraphDef(ToDef(*g), before));
  auto session = Session::Create(ToDef(*g));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({}, {"y"}, {}, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr("inv"));
}

TEST(ConstantFoldingTest, ProtectedNodesAreNeitherFoldedNorReadAsConstants) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  auto b = ops::Const(root.WithOpName("b"), 2.0f);
  auto s = ops::Add(root.WithOpName("s"), a, b);
  ops::Neg(root.WithOpName("y"), s);
  for (const PassContext& ctx : {Protect({"s", "y"}), Protect({"a", "y"}), Protect({"y", "a", "b"})}) {
    std::unique_ptr<Graph> g = Import(root);
    bool changed = true;
    ASSERT_OK(ConstantFolding(g.get(), ctx, OptimizerOptions{}, &changed));
    EXPECT_FALSE(changed);
    EXPECT_TRUE(SameGraphDef(ToDef(*g), ToDef(root)));
  }
  // A fed Const: the graph still computes from the fed value.
  std::unique_ptr<Graph> g = Import(root);
  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"a", "y"}), OptimizerOptions{}, &changed));
  ExpectSameResults(ToDef(root), *g, {{"a", Tensor::Scalar(10.0f)}}, {"y"});

  ASSERT_OK(ConstantFolding(g.get(), Protect({"y"}), OptimizerOptions{}, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("s/folded"));
  EXPECT_EQ(g->FindNode("y")->type_string(), "Neg");
  EXPECT_EQ(ConstValue(*g, "s/folded").scalar<float>(), 3.0f);
}

TEST(ConstantFoldingTest, TheConstKeepsTheRequestedDeviceAndAUniqueName) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  auto s = ops::Neg(root.WithDevice("/device:CPU:0").WithOpName("s"), a);
  ops::Const(root.WithOpName("s/folded"), 7.0f);  // the name the folded value would take
  ops::Neg(root.WithOpName("y"), s);
  std::unique_ptr<Graph> g = Import(root);
  bool changed = false;
  ASSERT_OK(ConstantFolding(g.get(), Protect({"y", "s/folded"}), OptimizerOptions{}, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("s/folded_1"));
  EXPECT_EQ(g->FindNode("s/folded_1")->requested_device(), "/device:CPU:0");
  EXPECT_EQ(ConstValue(*g, "s/folded_1").scalar<float>(), -1.0f);
  ExpectSameResults(ToDef(root), *g, {}, {"y"});
}

// ---- Common subexpression elimination ---------------------------------------------------------

TEST(CseTest, MergesEquivalentNodesIntoTheEarlierOne) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto c1 = ops::Const(root.WithOpName("c1"), 2.0f);
  auto c2 = ops::Const(root.WithOpName("c2"), 2.0f);
  auto m1 = ops::Mul(root.WithOpName("m1"), x, c1);
  auto m2 = ops::Mul(root.WithOpName("m2"), x, c2);
  ops::NoOp(root.WithControlDependencies({m2.op()}).WithOpName("t"));
  ops::Add(root.WithOpName("y"), m1, m2);
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx = Protect({"x", "y", "t"});

  bool changed = false;
  ASSERT_OK(CommonSubexpressionElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(NodeNames(*g), UnorderedElementsAre("x", "c1", "m1", "t", "y"));
  EXPECT_THAT(Inputs(*g, "m1"), ElementsAre("x", "c1"));
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("m1", "m1"));
  EXPECT_THAT(Inputs(*g, "t"), ElementsAre("^m1"));
  ExpectSameResults(ToDef(root), *g, {{"x", Tensor::FromVector<float>({1, 2})}}, {"y"}, {"t"});

  ASSERT_OK(CommonSubexpressionElimination(g.get(), ctx, &changed));
  EXPECT_FALSE(changed);
}

TEST(CseTest, NeverMergesRandomOpsPlaceholdersVariableReadsOrAssignments) {
  Scope root = Scope::NewRootScope();
  auto shape = ops::Const(root.WithOpName("shape"), {3});
  auto r1 = ops::RandomUniform(root.WithOpName("r1"), shape, DT_FLOAT);
  auto r2 = ops::RandomUniform(root.WithOpName("r2"), shape, DT_FLOAT);
  ops::Placeholder(root.WithOpName("p1"), DT_FLOAT, {3});
  ops::Placeholder(root.WithOpName("p2"), DT_FLOAT, {3});
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1, 2, 3}));
  ops::Identity(root.WithOpName("read2"), v.ref());
  ops::Assign(root.WithOpName("a1"), v.ref(), r1);
  ops::Assign(root.WithOpName("a2"), v.ref(), r1);
  std::unique_ptr<Graph> g = Import(root);
  const GraphDef before = ToDef(*g);

  bool changed = true;
  ASSERT_OK(CommonSubexpressionElimination(g.get(), PassContext{}, &changed));
  EXPECT_FALSE(changed);
  EXPECT_TRUE(SameGraphDef(ToDef(*g), before));
  std::vector<Tensor> out = RunGraphDef(ToDef(*g), {}, {"r1", "r2"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].flat<float>()[0], out[1].flat<float>()[0]);
}

TEST(CseTest, DifferentDevicesAttrsInputOrderOrControlInputsAreDifferentNodes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2, 2});
  auto c = ops::Const(root.WithOpName("c"), 2.0f);
  auto p1 = ops::Neg(root.WithOpName("p1"), x);
  auto p2 = ops::Abs(root.WithOpName("p2"), x);
  auto axis = ops::Const(root.WithOpName("axis"), 0);
  std::vector<Output> outs = {
      ops::Mul(root.WithDevice("/device:CPU:0").WithOpName("on_cpu"), x, c),
      ops::Mul(root.WithOpName("anywhere"), x, c),
      ops::Mul(root.WithOpName("swapped"), c, x),
      ops::Sum(root.WithOpName("sum"), x, axis, /*keep_dims=*/false),
      ops::Sum(root.WithOpName("sum_keep"), x, axis, /*keep_dims=*/true),
      ops::Neg(root.WithControlDependencies({p1.op(), p2.op()}).WithOpName("after_12"), x),
      ops::Neg(root.WithControlDependencies({p2.op(), p1.op()}).WithOpName("after_21"), x),
      ops::Neg(root.WithControlDependencies({p1.op()}).WithOpName("after_1"), x),
  };
  for (size_t i = 0; i < outs.size(); ++i) ops::Identity(root.WithOpName(absl::StrCat("out", i)), outs[i]);
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx;
  for (size_t i = 0; i < outs.size(); ++i) ctx.protected_nodes.insert(absl::StrCat("out", i));

  bool changed = false;
  ASSERT_OK(CommonSubexpressionElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  // Only the control inputs that are the same set merge.
  EXPECT_EQ(g->FindNode("after_21"), nullptr);
  EXPECT_THAT(Inputs(*g, "out6"), ElementsAre("after_12"));
  for (const char* kept : {"on_cpu", "anywhere", "swapped", "sum", "sum_keep", "after_12", "after_1"}) {
    EXPECT_NE(g->FindNode(kept), nullptr) << kept;
  }
  EXPECT_EQ(g->num_nodes(), 20);
  std::vector<std::string> fetches;
  for (size_t i = 0; i < outs.size(); ++i) fetches.push_back(absl::StrCat("out", i));
  ExpectSameResults(ToDef(root), *g, {{"x", test::Floats({2, 2})}}, fetches);
}

TEST(CseTest, AProtectedTargetMayStayInTheOthersPlace) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto q = ops::Neg(root.WithOpName("q"), x);
  auto g1 = ops::NoOp(root.WithControlDependencies({q.op()}).WithOpName("g1"));
  auto g2 = ops::NoOp(root.WithControlDependencies({q.op()}).WithOpName("g2"));
  ops::NoOp(root.WithControlDependencies({g1}).WithOpName("t"));
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx = Protect({"x", "g2", "t"});

  bool changed = false;
  ASSERT_OK(CommonSubexpressionElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  EXPECT_EQ(g->FindNode("g1"), nullptr);  // the earlier one, but g2 is protected
  EXPECT_THAT(Inputs(*g, "g2"), ElementsAre("^q"));
  EXPECT_THAT(Inputs(*g, "t"), ElementsAre("^g2"));
  test::ExpectGraphConsistent(*g);
  ASSERT_OK(CommonSubexpressionElimination(g.get(), ctx, &changed));
  EXPECT_FALSE(changed);

  // Both protected: both stay.
  g = Import(root);
  ASSERT_OK(CommonSubexpressionElimination(g.get(), Protect({"g1", "g2"}), &changed));
  EXPECT_FALSE(changed);
  EXPECT_TRUE(SameGraphDef(ToDef(*g), ToDef(root)));
}

TEST(CseTest, AProtectedNodeWithOutputsNeverMerges) {
  // It may be fed: merged either way, the fed value would reach the other node's consumers.
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto m1 = ops::Neg(root.WithOpName("m1"), x);
  auto m2 = ops::Neg(root.WithOpName("m2"), x);
  ops::Abs(root.WithOpName("y1"), m1);
  ops::Abs(root.WithOpName("y2"), m2);
  const GraphDef original = ToDef(root);
  for (const char* fed : {"m1", "m2"}) {
    std::unique_ptr<Graph> g = Import(root);
    PassContext ctx = Protect({"x", fed, "y1", "y2"});
    bool changed = true;
    ASSERT_OK(CommonSubexpressionElimination(g.get(), ctx, &changed));
    EXPECT_FALSE(changed) << fed;
    ExpectSameResults(original, *g, {{"x", Tensor::FromVector<float>({1, 2})}, {fed, Tensor::FromVector<float>({5, 6})}},
                      {"y1", "y2"});
  }
  // Unprotected, they merge; then so do the two Abs nodes' inputs, not the protected Abs nodes.
  std::unique_ptr<Graph> g = Import(root);
  bool changed = false;
  ASSERT_OK(CommonSubexpressionElimination(g.get(), Protect({"x", "y1", "y2"}), &changed));
  EXPECT_TRUE(changed);
  EXPECT_EQ(g->FindNode("m2"), nullptr);
  EXPECT_THAT(Inputs(*g, "y2"), ElementsAre("m1"));
  ExpectSameResults(original, *g, {{"x", Tensor::FromVector<float>({1, 2})}}, {"y1", "y2"});
}

// ---- Dead-node elimination --------------------------------------------------------------------

TEST(DeadNodeEliminationTest, RemovesWhatNothingReadsButNotSideEffectsOrProtectedNodes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  ops::Neg(root.WithOpName("unused2"), ops::Mul(root.WithOpName("unused"), x, a));
  ops::Add(root.WithOpName("y"), x, a);
  ops::RandomUniform(root.WithOpName("r"), ops::Const(root.WithOpName("shape"), {2}), DT_FLOAT);
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1, 2}));
  ops::Assign(root.WithOpName("set"), v.ref(), ops::Const(root.WithOpName("c"), {3.0f, 4.0f}));
  ops::Placeholder(root.WithOpName("p"), DT_FLOAT, {});
  ops::NoOp(root.WithOpName("kept_noop"));
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx = Protect({"x", "y", "kept_noop"});

  bool changed = false;
  ASSERT_OK(DeadNodeElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(NodeNames(*g), UnorderedElementsAre("x", "a", "y", "shape", "r", "v", v.initializer().name(),
                                                  v.initializer().input(1).node()->name(), "c", "set", "kept_noop"));
  ExpectSameResults(ToDef(root), *g, {{"x", Tensor::FromVector<float>({1, 2})}}, {"y"}, {"set"});
  ASSERT_OK(DeadNodeElimination(g.get(), ctx, &changed));
  EXPECT_FALSE(changed);
}

// ---- Identity and NoOp elimination ------------------------------------------------------------

TEST(IdentityEliminationTest, BypassesAnIdentityAndMovesItsControlSuccessors) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto nx = ops::Neg(root.WithOpName("nx"), x);
  auto i = ops::Identity(root.WithOpName("i"), nx);
  auto j = ops::Identity(root.WithOpName("j"), i);
  ops::Neg(root.WithOpName("y"), j);
  ops::NoOp(root.WithControlDependencies({i.op()}).WithOpName("t"));
  auto i0 = ops::Identity(root.WithOpName("i0"), x);
  ops::Abs(root.WithOpName("y0"), i0);
  ops::NoOp(root.WithControlDependencies({i0.op()}).WithOpName("t0"));
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx = Protect({"x", "y", "t", "y0", "t0"});

  bool changed = false;
  ASSERT_OK(IdentityElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  EXPECT_THAT(NodeNames(*g), UnorderedElementsAre("x", "nx", "y", "t", "y0", "t0"));
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("nx"));
  EXPECT_THAT(Inputs(*g, "t"), ElementsAre("^nx"));
  EXPECT_THAT(Inputs(*g, "y0"), ElementsAre("x"));
  EXPECT_THAT(Inputs(*g, "t0"), IsEmpty());  // waiting for a Placeholder orders nothing
  ExpectSameResults(ToDef(root), *g, {{"x", Tensor::FromVector<float>({1, 2})}}, {"y", "y0"}, {"t", "t0"});
  ASSERT_OK(IdentityElimination(g.get(), ctx, &changed));
  EXPECT_FALSE(changed);
}

TEST(IdentityEliminationTest, KeepsVariableReadsControlledIdentitiesOtherDevicesAndProtectedOnes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto p = ops::Placeholder(root.WithOpName("p"), DT_FLOAT, {});
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1, 2}));
  ops::Neg(root.WithOpName("y_read"), v.value());
  ops::Neg(root.WithOpName("y_ctrl"), ops::Identity(root.WithControlDependencies({p.op()}).WithOpName("ctrl"), x));
  ops::Neg(root.WithOpName("y_dev"), ops::Identity(root.WithDevice("/device:CPU:0").WithOpName("dev"), x));
  ops::Neg(root.WithOpName("y_prot"), ops::Identity(root.WithOpName("prot"), x));
  std::unique_ptr<Graph> g = Import(root);
  const GraphDef before = ToDef(*g);

  bool changed = true;
  ASSERT_OK(IdentityElimination(g.get(), Protect({"prot"}), &changed));
  EXPECT_FALSE(changed);
  EXPECT_TRUE(SameGraphDef(ToDef(*g), before));
  EXPECT_EQ(g->FindNode("v/read")->type_string(), "Identity");
}

TEST(IdentityEliminationTest, BypassesANoOpSoThatWhatItWaitedForStillRuns) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Tensor::Scalar(0.0f));
  Variable w(root.WithOpName("w"), Tensor::Scalar(0.0f));
  auto set_v = ops::Assign(root.WithOpName("set_v"), v.ref(), ops::Const(root.WithOpName("five"), 5.0f));
  auto set_w = ops::Assign(root.WithOpName("set_w"), w.ref(), ops::Const(root.WithOpName("six"), 6.0f));
  auto group = ops::NoOp(root.WithControlDependencies({set_v.op(), set_w.op()}).WithOpName("group"));
  ops::NoOp(root.WithControlDependencies({group}).WithOpName("train"));
  auto init = ops::GlobalVariablesInitializer(root.WithOpName("init"));
  std::unique_ptr<Graph> g = Import(root);
  PassContext ctx = Protect({"train", init.name(), "v", "w"});

  bool changed = false;
  ASSERT_OK(IdentityElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  EXPECT_EQ(g->FindNode("group"), nullptr);
  EXPECT_THAT(Inputs(*g, "train"), ElementsAre("^set_v", "^set_w"));
  // The init NoOp is protected; the variables' reads ("v/read") are reads of refs: both stay.
  EXPECT_NE(g->FindNode(init.name()), nullptr);
  EXPECT_NE(g->FindNode("v/read"), nullptr);

  for (const GraphDef& def : {ToDef(root), ToDef(*g)}) {
    auto session = Session::Create(def);
    ASSERT_TRUE(session.ok()) << session.status();
    std::vector<Tensor> out;
    ASSERT_OK((*session)->Run({}, {}, {init.name()}, nullptr));
    ASSERT_OK((*session)->Run({}, {}, {"train"}, nullptr));
    ASSERT_OK((*session)->Run({}, {"v", "w"}, {}, &out));
    EXPECT_EQ(out[0].scalar<float>(), 5.0f);
    EXPECT_EQ(out[1].scalar<float>(), 6.0f);
  }
}

TEST(IdentityEliminationTest, KeepsANoOpWhoseBypassNeedsMoreThan16Edges) {
  for (int fan_in : {4, 5}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
    std::vector<Operation> sources;
    for (int i = 0; i < fan_in; ++i) sources.push_back(ops::Neg(root.WithOpName(absl::StrCat("in", i)), x).op());
    auto hub = ops::NoOp(root.WithControlDependencies(sources).WithOpName("hub"));
    PassContext ctx;
    for (int i = 0; i < fan_in; ++i) ctx.protected_nodes.insert(absl::StrCat("in", i));
    for (int i = 0; i < 4; ++i) {
      ops::NoOp(root.WithControlDependencies({hub}).WithOpName(absl::StrCat("out", i)));
      ctx.protected_nodes.insert(absl::StrCat("out", i));
    }
    std::unique_ptr<Graph> g = Import(root);
    bool changed = false;
    ASSERT_OK(IdentityElimination(g.get(), ctx, &changed));
    // 4 x 4 = 16 edges replace the hub; 5 x 4 = 20 would be more than it saves.
    EXPECT_EQ(changed, fan_in == 4);
    EXPECT_EQ(g->FindNode("hub") == nullptr, fan_in == 4);
    if (fan_in == 4) {
      EXPECT_THAT(Inputs(*g, "out2"), ElementsAre("^in0", "^in1", "^in2", "^in3"));
    }
    test::ExpectGraphConsistent(*g);
  }
}

// ---- The pipeline -----------------------------------------------------------------------------

// A graph with work for every pass: an Identity (i), two equal products (m1, m2), a constant
// subexpression (s), a node nothing reads (dead), and a Shape of a known shape.
struct PipelineGraph {
  Scope root = Scope::NewRootScope();
  PassContext ctx;
  Feeds feeds;
  std::vector<std::string> fetches = {"y", "z"};

  PipelineGraph() {
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2, 3});
    auto i = ops::Identity(root.WithOpName("i"), x);
    auto m1 = ops::Mul(root.WithOpName("m1"), i, ops::Const(root.WithOpName("c1"), 2.0f));
    auto m2 = ops::Mul(root.WithOpName("m2"), i, ops::Const(root.WithOpName("c2"), 2.0f));
    auto s = ops::Add(root.WithOpName("s"), ops::Const(root.WithOpName("a"), 1.0f),
                      ops::Const(root.WithOpName("b"), 2.0f));
    ops::Sub(root.WithOpName("dead"), x, s);
    auto sum = ops::Add(root.WithOpName("sum"), m1, m2);
    ops::Reshape(root.WithOpName("y"), ops::Mul(root.WithOpName("scaled"), sum, s), ops::Shape(root.WithOpName("shape"), x));
    auto w = ops::Const(root.WithOpName("w"), Tensor::FromVector<float>({1, 0, 0, 1, 1, 1}, {3, 2}));
    ops::MatMul(root.WithOpName("z"), ops::Relu(root.WithOpName("relu"), x),
                ops::Identity(root.WithOpName("w_t"), ops::Transpose(root.WithOpName("wt"), ops::Transpose(root.WithOpName("wtt"), w, {1, 0}), {1, 0})));
    ctx = Protect({"x", "y", "z"});
    feeds = {{"x", test::Floats({2, 3})}};
  }
};

// ---- Gradient gates -----------------------------------------------------------------------------

// The gates an optimizer's gate_gradients builds (TF1's GATE_OP tuple) go, and training computes
// exactly what it computes with them.
TEST(GradientGateEliminationTest, RemovesTheGatesOfGatedGradientsWithTheSameTraining) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4, 3});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, {4, 2});
  Variable w(root.WithOpName("w"), Tensor::FromVector<float>({0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}, {3, 2}));
  Variable b(root.WithOpName("b"), Tensor::FromVector<float>({0.01f, -0.02f}));
  auto pred = ops::Add(root.WithOpName("pred"), ops::MatMul(root.WithOpName("mm"), x, w.value()), b.value());
  auto loss = ops::Mean(root.WithOpName("loss"), ops::Square(root, ops::Sub(root, pred, y)), {0, 1});
  Operation train = train::MomentumOptimizer(0.1f, 0.9f).Minimize(root.WithOpName("train"), loss);
  auto init = ops::GlobalVariablesInitializer(root.WithOpName("init"));
  ASSERT_OK(root.status());
  std::unique_ptr<Graph> g = Import(root);
  auto gates = [](const Graph& graph) {
    std::vector<std::string> names;
    for (const Node* n : graph.nodes()) {
      if (n->name().find("/tuple/") != std::string::npos) names.push_back(n->name());
    }
    return names;
  };
  ASSERT_THAT(gates(*g), ::testing::Contains("gradients/mm_grad/tuple/group_deps"));
  PassContext ctx = Protect({"x", "y", "loss", "train", "init", "w", "b"});

  bool changed = false;
  ASSERT_OK(GradientGateElimination(g.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  const Node* group = g->FindNode("gradients/mm_grad/tuple/group_deps");
  ASSERT_NE(group, nullptr);
  EXPECT_TRUE(group->out_edges().empty());
  ASSERT_OK(OptimizeGraph(g.get(), ctx, OptimizerOptions{}));
  EXPECT_THAT(gates(*g), IsEmpty());
  test::ExpectGraphConsistent(*g);

  // Five steps with and without the gates: the same variables, bit for bit.
  const Feeds feeds = {{"x", Tensor::FromVector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {4, 3})},
                       {"y", Tensor::FromVector<float>({1, 0, 0, 1, 1, 1, 0, 0}, {4, 2})}};
  std::vector<std::vector<Tensor>> results;
  for (const GraphDef& def : {ToDef(root), ToDef(*g)}) {
    SessionOptions options;
    options.optimizer_options.gradient_gate_elimination = false;
    auto session = Session::Create(def, options);
    ASSERT_OK(session.status());
    ASSERT_OK((*session)->Run({}, {}, {"init"}, nullptr));
    for (int step = 0; step < 5; ++step) ASSERT_OK((*session)->Run(feeds, {}, {"train"}, nullptr));
    std::vector<Tensor> out;
    ASSERT_OK((*session)->Run(feeds, {"w", "b", "loss"}, {}, &out));
    results.push_back(out);
  }
  for (size_t i = 0; i < results[0].size(); ++i) test::ExpectTensorEqual(results[1][i], results[0][i]);
}

// A NoOp that waits for something with side effects, or whose Identities wait for more, or read
// what it does not wait for, is an ordering the graph asked for: it stays.
TEST(GradientGateEliminationTest, KeepsOrderingsThatMayMatter) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1, 2}));
  auto set_v = ops::Assign(root.WithOpName("set_v"), v.ref(), x);
  auto a = ops::Neg(root.WithOpName("a"), x);
  auto c = ops::Abs(root.WithOpName("c"), x);
  // Waits for an assignment.
  auto after_assign = ops::NoOp(root.WithControlDependencies({set_v.op(), a.op()}).WithOpName("after_assign"));
  ops::Identity(root.WithControlDependencies({after_assign}).WithOpName("pass_a"), a);
  // Its Identity also waits for something else.
  auto g2 = ops::NoOp(root.WithControlDependencies({a.op()}).WithOpName("g2"));
  ops::Identity(root.WithControlDependencies({g2, c.op()}).WithOpName("pass_a2"), a);
  // Its Identity reads what the NoOp does not wait for.
  auto g3 = ops::NoOp(root.WithControlDependencies({a.op()}).WithOpName("g3"));
  ops::Identity(root.WithControlDependencies({g3}).WithOpName("pass_c"), c);
  // A protected NoOp.
  auto g4 = ops::NoOp(root.WithControlDependencies({a.op()}).WithOpName("g4"));
  ops::Identity(root.WithControlDependencies({g4}).WithOpName("pass_a4"), a);
  ASSERT_OK(root.status());
  std::unique_ptr<Graph> g = Import(root);
  const GraphDef before = ToDef(*g);
  bool changed = true;
  ASSERT_OK(GradientGateElimination(g.get(), Protect({"g4"}), &changed));
  EXPECT_FALSE(changed);
  EXPECT_TRUE(SameGraphDef(ToDef(*g), before));
}

TEST(OptimizeGraphTest, ReachesAFixedPointWithTheSameResults) {
  PipelineGraph p;
  std::unique_ptr<Graph> g = Import(p.root);
  ASSERT_OK(OptimizeGraph(g.get(), p.ctx, OptimizerOptions{}));
  EXPECT_THAT(NodeNames(*g), UnorderedElementsAre("x", "c1", "m1", "sum", "scaled", "s/folded", "shape/folded", "y",
                                                  "relu", "w", "z"));
  EXPECT_THAT(Inputs(*g, "m1"), ElementsAre("x", "c1"));
  EXPECT_THAT(Inputs(*g, "sum"), ElementsAre("m1", "m1"));
  EXPECT_THAT(Inputs(*g, "y"), ElementsAre("scaled", "shape/folded"));
  // w_t was bypassed, the double transpose folded to w's value ("wt/folded"), and the second CSE
  // merged that Const into w itself.
  EXPECT_THAT(Inputs(*g, "z"), ElementsAre("relu", "w"));
  ExpectSameResults(ToDef(p.root), *g, p.feeds, p.fetches);

  // A fixed point: no pass finds anything more to do.
  bool changed = true;
  ASSERT_OK(IdentityElimination(g.get(), p.ctx, &changed));
  EXPECT_FALSE(changed);
  ASSERT_OK(CommonSubexpressionElimination(g.get(), p.ctx, &changed));
  EXPECT_FALSE(changed);
  ASSERT_OK(ConstantFolding(g.get(), p.ctx, OptimizerOptions{}, &changed));
  EXPECT_FALSE(changed);
  ASSERT_OK(DeadNodeElimination(g.get(), p.ctx, &changed));
  EXPECT_FALSE(changed);
  const GraphDef once = ToDef(*g);
  ASSERT_OK(OptimizeGraph(g.get(), p.ctx, OptimizerOptions{}));
  EXPECT_TRUE(SameGraphDef(ToDef(*g), once));
}

TEST(OptimizeGraphTest, EachSwitchTurnsItsPassOff) {
  PipelineGraph p;
  OptimizerOptions none;
  none.constant_folding = none.common_subexpression_elimination = none.dead_node_elimination =
      none.identity_elimination = none.gradient_gate_elimination = false;
  std::unique_ptr<Graph> g = Import(p.root);
  ASSERT_OK(OptimizeGraph(g.get(), p.ctx, none));
  EXPECT_TRUE(SameGraphDef(ToDef(*g), ToDef(p.root)));

  struct Switch {
    bool OptimizerOptions::*flag;
    std::function<bool(const Graph&)> pass_ran;
  };
  const std::vector<Switch> switches = {
      {&OptimizerOptions::identity_elimination, [](const Graph& g) { return g.FindNode("i") == nullptr; }},
      {&OptimizerOptions::common_subexpression_elimination, [](const Graph& g) { return g.FindNode("m2") == nullptr; }},
      {&OptimizerOptions::constant_folding, [](const Graph& g) { return g.FindNode("s/folded") != nullptr; }},
      {&OptimizerOptions::dead_node_elimination, [](const Graph& g) { return g.FindNode("dead") == nullptr; }},
  };
  for (const Switch& s : switches) {
    OptimizerOptions all_but_this;
    all_but_this.*s.flag = false;
    g = Import(p.root);
    ASSERT_OK(OptimizeGraph(g.get(), p.ctx, all_but_this));
    EXPECT_FALSE(s.pass_ran(*g));
    ExpectSameResults(ToDef(p.root), *g, p.feeds, p.fetches);

    OptimizerOptions only_this = none;
    only_this.*s.flag = true;
    g = Import(p.root);
    ASSERT_OK(OptimizeGraph(g.get(), p.ctx, only_this));
    EXPECT_TRUE(s.pass_ran(*g));
    ExpectSameResults(ToDef(p.root), *g, p.feeds, p.fetches);
  }
}

}  // namespace
}  // namespace sluice
