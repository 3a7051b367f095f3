// Scope: the With* methods compose in any order (the op name, device and control dependencies
// each survive the others), sub-scopes and operators do not take a WithOpName name, and a
// reused exact name is an error naming the node.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

std::vector<std::string> ControlInputNames(const Operation& op) {
  std::vector<std::string> names;
  for (const Node* n : op.node()->control_inputs()) names.push_back(n->name());
  return names;
}

struct Built {
  std::string name, device;
  std::vector<std::string> controls;
};

Built Describe(const Operation& op) { return {op.name(), op.node()->requested_device(), ControlInputNames(op)}; }

// Every order of WithOpName, WithDevice and WithControlDependencies builds the same node.
TEST(ScopeTest, WithMethodsComposeInAnyOrder) {
  Scope root = Scope::NewRootScope();
  auto dep1 = ops::NoOp(root.WithOpName("dep1"));
  auto dep2 = ops::NoOp(root.WithOpName("dep2"));
  const std::string device = "/job:localhost/replica:0/task:0/device:CPU:0";
  using Step = Scope (*)(const Scope&, const std::string&, const Operation&, const Operation&);
  std::vector<Step> steps = {
      [](const Scope& s, const std::string& name, const Operation&, const Operation&) { return s.WithOpName(name); },
      [](const Scope& s, const std::string&, const Operation&, const Operation&) {
        return s.WithDevice("/job:localhost/replica:0/task:0/device:CPU:0");
      },
      [](const Scope& s, const std::string&, const Operation& d1, const Operation& d2) {
        return s.WithControlDependencies({d1, d2});
      },
  };
  std::vector<int> order = {0, 1, 2};
  int permutation = 0;
  do {
    const std::string name = "a" + std::to_string(permutation++);
    Scope s = root;
    for (int i : order) s = steps[i](s, name, dep1, dep2);
    auto x = ops::Const(s, 1.0f);
    ASSERT_TRUE(root.ok()) << root.status();
    Built b = Describe(x.op());
    EXPECT_EQ(b.name, name) << "order " << order[0] << order[1] << order[2];
    EXPECT_EQ(b.device, device) << "order " << order[0] << order[1] << order[2];
    EXPECT_THAT(b.controls, UnorderedElementsAreArray({"dep1", "dep2"}))
        << "order " << order[0] << order[1] << order[2];
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(ScopeTest, OpNameSurvivesControlDependenciesAndTheirRemoval) {
  Scope root = Scope::NewRootScope();
  auto dep = ops::NoOp(root.WithOpName("dep"));
  // The reported case: WithOpName first.
  auto a = ops::Identity(root.WithOpName("a").WithControlDependencies({dep}), ops::Const(root, 1.0f));
  auto b = ops::Identity(root.WithControlDependencies({dep}).WithOpName("b"), ops::Const(root, 1.0f));
  auto c = ops::Identity(root.WithControlDependencies({dep}).WithOpName("c").WithNoControlDependencies(),
                         ops::Const(root, 1.0f));
  auto d = ops::Identity(root.WithOpName("d").WithDevice("/device:CPU:0").WithDevice(""), ops::Const(root, 1.0f));
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(a.op().name(), "a");
  EXPECT_EQ(ControlInputNames(a.op()), std::vector<std::string>{"dep"});
  EXPECT_EQ(b.op().name(), "b");
  EXPECT_EQ(ControlInputNames(b.op()), std::vector<std::string>{"dep"});
  EXPECT_EQ(c.op().name(), "c");
  EXPECT_TRUE(ControlInputNames(c.op()).empty());
  EXPECT_EQ(d.op().name(), "d");
  EXPECT_EQ(d.node()->requested_device(), "");
  // The graph runs: the named node is fetchable by its name.
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run(std::vector<std::pair<std::string, Tensor>>{}, {"a:0"}, {}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 1.0f);
}

TEST(ScopeTest, NamedScopeUnderASubScope) {
  Scope root = Scope::NewRootScope();
  Scope layer = root.NewSubScope("layer");
  auto dep = ops::NoOp(layer);
  auto x = ops::Const(layer.WithOpName("x").WithControlDependencies({dep}).WithDevice("/device:CPU:0"), 2.0f);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(x.op().name(), "layer/x");
  EXPECT_EQ(ControlInputNames(x.op()), std::vector<std::string>{"layer/NoOp"});
}

// Literals an op takes, operators on its output and sub-scopes of its scope name their own ops.
TEST(ScopeTest, OnlyTheOpBuiltTakesTheName) {
  Scope root = Scope::NewRootScope();
  auto dep = ops::NoOp(root.WithOpName("dep"));
  Scope named = root.WithOpName("y").WithControlDependencies({dep});
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{});
  auto y = ops::Mul(named, x, 3.0f);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(y.op().name(), "y");
  // The literal 3 became a Const with a name of its own.
  EXPECT_EQ(y.op().input(1).node()->type_string(), "Const");
  EXPECT_NE(y.op().input(1).node()->name(), "y");
  // Operators build in y's scope without its name (and without its control dependencies).
  auto z = y + 1.0f;
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_NE(z.op().name(), "y");
  EXPECT_TRUE(ControlInputNames(z.op()).empty());
  // A sub-scope keeps the device and control dependencies, not the op name.
  Scope sub = root.WithDevice("/device:CPU:0").WithControlDependencies({dep}).NewSubScope("inner");
  EXPECT_EQ(sub.name_prefix(), "inner/");
  auto w = ops::Const(sub, 1.0f);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(w.op().name(), "inner/Const");
  EXPECT_EQ(w.node()->requested_device(), "/device:CPU:0");
  EXPECT_EQ(ControlInputNames(w.op()), std::vector<std::string>{"dep"});

  // On a named scope, whatever the With* order, the sub-scope takes the op name exactly (the
  // name scope of the op a builder was asked to name) and does not keep it.
  const std::vector<std::pair<std::string, Scope>> named_scopes = {
      {"outer1", root.WithOpName("outer1").WithDevice("/device:CPU:0").WithControlDependencies({dep})},
      {"outer2", root.WithControlDependencies({dep}).WithDevice("/device:CPU:0").WithOpName("outer2")}};
  for (const auto& [name, s] : named_scopes) {
    Scope outer = s.NewSubScope("child");
    EXPECT_EQ(outer.name_prefix(), name + "/");
    EXPECT_EQ(outer.device(), "/device:CPU:0");
    EXPECT_EQ(outer.control_deps().size(), 1u);
    EXPECT_EQ(outer.GetUniqueNameForOp("Const"), name + "/Const");
  }

  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(2.0f)}}, {z}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 7.0f);
}

TEST(ScopeTest, AReusedExactNameIsAnErrorNamingTheNode) {
  Scope root = Scope::NewRootScope();
  auto dep = ops::NoOp(root.WithOpName("dep"));
  Scope named = root.WithOpName("twice");
  ops::Const(named, 1.0f);
  ASSERT_TRUE(root.ok()) << root.status();
  ops::Const(named.WithControlDependencies({dep}), 2.0f);
  EXPECT_FALSE(root.ok());
  EXPECT_THAT(root.status().ToString(), HasSubstr("twice"));
}

}  // namespace
}  // namespace sluice
