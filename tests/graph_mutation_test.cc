// Graph mutation: removing nodes, rewiring data and control edges, and what iteration, ids,
// TopologicalOrder and ToGraphDef make of a rewired graph.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<Graph> Import(const Scope& root) { return test::ImportScopeGraph(root); }

std::vector<std::string> Names(const std::vector<Node*>& nodes) {
  std::vector<std::string> names;
  for (const Node* n : nodes) names.push_back(n->name());
  return names;
}

std::vector<std::string> IterationNames(const Graph& g) {
  std::vector<std::string> names;
  for (const auto& n : g.nodes()) names.push_back(n->name());
  return names;
}

std::vector<std::string> DefInputs(const Graph& g, const std::string& name) {
  const Node* n = g.FindNode(name);
  EXPECT_NE(n, nullptr) << name;
  if (n == nullptr) return {};
  return {n->def().input().begin(), n->def().input().end()};
}

// a, b: float Consts; c = a + b; n = -a; t: a NoOp after n.
std::unique_ptr<Graph> SmallGraph() {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  auto b = ops::Const(root.WithOpName("b"), 2.0f);
  ops::Add(root.WithOpName("c"), a, b);
  auto n = ops::Neg(root.WithOpName("n"), a);
  ops::NoOp(root.WithControlDependencies({n.op()}).WithOpName("t"));
  return Import(root);
}

TEST(GraphMutationTest, RemoveNodeKeepsIdsStableAndIterationSkipsIt) {
  std::unique_ptr<Graph> g = SmallGraph();
  Node* n = g->FindNode("n");
  Node* t = g->FindNode("t");
  ASSERT_NE(t, nullptr);
  const int n_id = n->id(), t_id = t->id();
  std::vector<int> ids_before;
  for (const Node* node : g->nodes()) ids_before.push_back(node->id());

  g->RemoveNode(t);
  EXPECT_EQ(g->num_nodes(), 4);
  EXPECT_EQ(g->num_node_ids(), 5);
  EXPECT_EQ(g->FindNodeId(t_id), nullptr);
  EXPECT_EQ(g->FindNode("t"), nullptr);
  EXPECT_TRUE(n->out_edges().empty());
  EXPECT_THAT(IterationNames(*g), ElementsAre("a", "b", "c", "n"));
  test::ExpectGraphConsistent(*g);

  g->RemoveNode(n);
  EXPECT_EQ(g->FindNodeId(n_id), nullptr);
  EXPECT_EQ(g->FindNode("a")->out_edges().size(), 1u);
  EXPECT_THAT(IterationNames(*g), ElementsAre("a", "b", "c"));
  for (const Node* node : g->nodes()) EXPECT_EQ(g->FindNodeId(node->id()), node);
  EXPECT_EQ(g->FindNode("c")->id(), ids_before[2]);
  test::ExpectGraphConsistent(*g);

  // A removed name may be used again; its id may not.
  NodeDef again;
  again.set_name("t");
  again.set_op("NoOp");
  auto added = g->AddNode(again);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ((*added)->id(), 5);
  EXPECT_EQ(g->num_node_ids(), 6);
  EXPECT_EQ(g->FindNodeId(-1), nullptr);
  EXPECT_EQ(g->FindNodeId(6), nullptr);
}

TEST(GraphMutationTest, RemoveNodeDropsItsControlEdgesToSuccessors) {
  std::unique_ptr<Graph> g = SmallGraph();
  Node* n = g->FindNode("n");
  Node* t = g->FindNode("t");
  ASSERT_THAT(DefInputs(*g, "t"), ElementsAre("^n"));
  // n is read only by a control edge, which goes with it.
  g->RemoveNode(n);
  EXPECT_TRUE(t->control_inputs().empty());
  EXPECT_TRUE(DefInputs(*g, "t").empty());
  test::ExpectGraphConsistent(*g);
}

TEST(GraphMutationTest, UpdateEdgeRewiresAndKeepsTheNodeDefInSync) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  auto b = ops::Const(root.WithOpName("b"), 2.0f);
  ops::Add(root.WithOpName("c"), a, b);
  ops::Unpack(root.WithOpName("u"), ops::Const(root.WithOpName("pair"), {3.0f, 4.0f}), 2);
  std::unique_ptr<Graph> g = Import(root);
  Node* c = g->FindNode("c");
  Node* u = g->FindNode("u");

  ASSERT_TRUE(g->UpdateEdge({u, 1}, c, 1).ok());
  EXPECT_THAT(DefInputs(*g, "c"), ElementsAre("a", "u:1"));
  EXPECT_EQ(c->input(1), (Endpoint{u, 1}));
  EXPECT_TRUE(g->FindNode("b")->out_edges().empty());
  ASSERT_EQ(u->out_edges().size(), 1u);
  EXPECT_EQ(u->out_edges()[0].dst, c);
  EXPECT_EQ(u->out_edges()[0].src_output, 1);
  EXPECT_EQ(u->out_edges()[0].dst_input, 1);
  test::ExpectGraphConsistent(*g);

  // Rewiring to the same endpoint changes nothing; to output 0, the input is the bare name.
  ASSERT_TRUE(g->UpdateEdge({u, 1}, c, 1).ok());
  EXPECT_EQ(u->out_edges().size(), 1u);
  ASSERT_TRUE(g->UpdateEdge({u, 0}, c, 0).ok());
  EXPECT_THAT(DefInputs(*g, "c"), ElementsAre("u", "u:1"));
  test::ExpectGraphConsistent(*g);

  // The rewired graph computes with its new inputs.
  GraphDef def;
  g->ToGraphDef(&def);
  auto session = Session::Create(def);
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({}, {"c"}, {}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 7.0f);
}

TEST(GraphMutationTest, UpdateEdgeRefusesAWrongDtypeNamingBothNodes) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  ops::Add(root.WithOpName("c"), a, a);
  ops::Const(root.WithOpName("i"), 1);
  std::unique_ptr<Graph> g = Import(root);
  Node* c = g->FindNode("c");
  Node* i = g->FindNode("i");
  GraphDef before;
  g->ToGraphDef(&before);

  Status s = g->UpdateEdge({i, 0}, c, 1);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "cannot make input 1 of node 'c' (op AddV2) read 'i' of node 'i' (op Const): it is int32, expected float");
  EXPECT_THAT(std::string(g->UpdateEdge({i, 1}, c, 0).message()),
              HasSubstr("read output 1 of node 'i' (op Const), which has 1 outputs"));
  EXPECT_THAT(std::string(g->UpdateEdge({g->FindNode("a"), 0}, c, 2).message()),
              HasSubstr("node 'c' (op AddV2) has no data input 2"));
  EXPECT_EQ(g->ReplaceAllUses({g->FindNode("a"), 0}, {i, 0}).code(), absl::StatusCode::kInvalidArgument);

  GraphDef after;
  g->ToGraphDef(&after);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(after, before));
  test::ExpectGraphConsistent(*g);
}

TEST(GraphMutationTest, ReplaceAllUsesMovesEveryDataUseAndNoControlEdge) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  auto b = ops::Const(root.WithOpName("b"), 2.0f);
  ops::Add(root.WithOpName("c"), a, a);
  ops::Neg(root.WithOpName("n"), a);
  ops::Neg(root.WithControlDependencies({a.op()}).WithOpName("m"), b);
  std::unique_ptr<Graph> g = Import(root);
  Node* a_node = g->FindNode("a");

  ASSERT_TRUE(g->ReplaceAllUses({a_node, 0}, {g->FindNode("b"), 0}).ok());
  EXPECT_THAT(DefInputs(*g, "c"), ElementsAre("b", "b"));
  EXPECT_THAT(DefInputs(*g, "n"), ElementsAre("b"));
  EXPECT_THAT(DefInputs(*g, "m"), ElementsAre("b", "^a"));
  ASSERT_EQ(a_node->out_edges().size(), 1u);
  EXPECT_EQ(a_node->out_edges()[0].dst_input, -1);
  test::ExpectGraphConsistent(*g);
}

TEST(GraphMutationTest, ControlEdgesAreNeverDuplicatedAndStayInTheNodeDef) {
  std::unique_ptr<Graph> g = SmallGraph();
  Node* a = g->FindNode("a");
  Node* c = g->FindNode("c");
  g->AddControlEdge(a, c);
  g->AddControlEdge(a, c);
  EXPECT_THAT(DefInputs(*g, "c"), ElementsAre("a", "b", "^a"));
  EXPECT_EQ(c->control_inputs().size(), 1u);
  EXPECT_EQ(a->out_edges().size(), 3u);  // c's data input, n's, and the control edge
  test::ExpectGraphConsistent(*g);

  g->RemoveControlEdge(a, c);
  EXPECT_THAT(DefInputs(*g, "c"), ElementsAre("a", "b"));
  EXPECT_TRUE(c->control_inputs().empty());
  EXPECT_EQ(a->out_edges().size(), 2u);
  g->RemoveControlEdge(a, c);  // none left: nothing happens
  g->RemoveControlEdge(g->FindNode("n"), g->FindNode("t"));
  EXPECT_TRUE(DefInputs(*g, "t").empty());
  test::ExpectGraphConsistent(*g);
}

TEST(GraphMutationTest, ToGraphDefIsTopologicalAfterRewiring) {
  Scope root = Scope::NewRootScope();
  auto a = ops::Const(root.WithOpName("a"), 1.0f);
  ops::Neg(root.WithOpName("c"), a);
  std::unique_ptr<Graph> g = Import(root);
  Node* c = g->FindNode("c");
  // z comes after c in id order but becomes its input.
  NodeDef z;
  z.set_name("z");
  z.set_op("Const");
  (*z.mutable_attr())["dtype"] = MakeAttr(DT_FLOAT);
  (*z.mutable_attr())["value"] = MakeAttr(Tensor::Scalar(5.0f));
  auto z_node = g->AddNode(z);
  ASSERT_TRUE(z_node.ok());
  ASSERT_TRUE(g->UpdateEdge({*z_node, 0}, c, 0).ok());

  EXPECT_THAT(IterationNames(*g), ElementsAre("a", "c", "z"));
  EXPECT_THAT(Names(g->TopologicalOrder()), ElementsAre("a", "z", "c"));
  GraphDef def;
  g->ToGraphDef(&def);
  ASSERT_EQ(def.node_size(), 3);
  EXPECT_EQ(def.node(1).name(), "z");
  EXPECT_EQ(def.node(2).name(), "c");
  test::ExpectGraphConsistent(*g);

  // A control edge orders too: a now waits for c.
  g->AddControlEdge(c, g->FindNode("a"));
  EXPECT_THAT(Names(g->TopologicalOrder()), ElementsAre("z", "c", "a"));
  test::ExpectGraphConsistent(*g);

  // The re-imported graph computes what the rewired one does.
  g->ToGraphDef(&def);
  auto session = Session::Create(def);
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({}, {"c"}, {"a"}, &out));
  EXPECT_EQ(out[0].scalar<float>(), -5.0f);
}

TEST(GraphMutationTest, AnUnchangedGraphComesOutInIdOrder) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  auto h = layers::Dense(root.NewSubScope("hidden"), x, 4, ops::Relu);
  auto loss = ops::ReduceMean(root, ops::Square(root, h), {0, 1});
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {x}, &grads));
  std::unique_ptr<Graph> g = Import(root);
  std::vector<Node*> order = g->TopologicalOrder();
  ASSERT_EQ(static_cast<int>(order.size()), g->num_nodes());
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i]->id(), static_cast<int>(i));
  GraphDef def, scope_def;
  g->ToGraphDef(&def);
  ASSERT_OK(root.ToGraphDef(&scope_def));
  ASSERT_EQ(def.node_size(), scope_def.node_size());
  for (int i = 0; i < def.node_size(); ++i) EXPECT_EQ(def.node(i).name(), scope_def.node(i).name());
}

}  // namespace
}  // namespace sluice
