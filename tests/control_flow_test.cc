// Functional control flow and TensorLists: If/StatelessIf and While/StatelessWhile (values,
// shapes, errors, GraphDef round trips), their gradients (hand-computed and numeric), the
// accumulating forward loop that replaces the original (MergeForwardLoops), a long loop in
// constant memory, and the TensorList* ops.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "runtime/graph_passes.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::vector<float> Values(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.NumElements()); }

// ---- TensorList (the value) ----

TEST(TensorListTest, CopiesAreIndependentValues) {
  TensorList a(DT_FLOAT, TensorShape({1}));
  a.push_back(Tensor::FromVector<float>({1}));
  a.push_back(Tensor::FromVector<float>({2}));
  TensorList b = a;                                // shares storage
  b.push_back(Tensor::FromVector<float>({3}));     // appended in place: a still sees 2
  a.push_back(Tensor::FromVector<float>({4}));     // a is no longer the longest: copies
  ASSERT_EQ(a.size(), 3);
  ASSERT_EQ(b.size(), 3);
  EXPECT_EQ(Values(a.get(2)), std::vector<float>{4});
  EXPECT_EQ(Values(b.get(2)), std::vector<float>{3});
  TensorList c = b;
  c.set(0, Tensor::FromVector<float>({9}));        // copy on write
  EXPECT_EQ(Values(b.get(0)), std::vector<float>{1});
  EXPECT_EQ(Values(c.get(0)), std::vector<float>{9});
  Tensor last = c.pop_back();
  EXPECT_EQ(Values(last), std::vector<float>{3});
  EXPECT_EQ(c.size(), 2);
  EXPECT_EQ(b.size(), 3);
  c.push_back(Tensor::FromVector<float>({5}));     // after a pop: b's third element stays
  EXPECT_EQ(Values(b.get(2)), std::vector<float>{3});
  EXPECT_EQ(Values(c.get(2)), std::vector<float>{5});
  c.resize(5);
  EXPECT_FALSE(c.get(4).IsInitialized());
  Variant v = c;
  EXPECT_EQ(v.TypeName(), "tensorflow::TensorList");
}

// ---- TensorList ops ----

TEST(ListOpsTest, PushPopStackAndLength) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  Output list = ops::EmptyTensorList(root, {2}, DT_FLOAT);
  list = ops::TensorListPushBack(root, list, x);
  list = ops::TensorListPushBack(root, list, ops::Mul(root, x, 2.0f));
  list = ops::TensorListPushBack(root, list, ops::Mul(root, x, 3.0f));
  Output stacked = ops::TensorListStack(root, list, DT_FLOAT);
  auto popped = ops::TensorListPopBack(root, list, DT_FLOAT);
  Output length = ops::TensorListLength(root, popped.list);
  Output second = ops::TensorListGetItem(root, popped.list, 1, DT_FLOAT);
  ASSERT_OK(root.status());
  EXPECT_EQ(stacked.shape(), TensorShape({-1, 2}));  // element shape from the list
  EXPECT_EQ(popped.tensor.shape(), TensorShape({2}));
  auto out = test::RunGraph(root, {{x, Tensor::FromVector<float>({1, 2})}}, {stacked, popped.tensor, length, second});
  ASSERT_OK(out.status());
  EXPECT_EQ((*out)[0].shape(), TensorShape({3, 2}));
  EXPECT_EQ(Values((*out)[0]), (std::vector<float>{1, 2, 2, 4, 3, 6}));
  EXPECT_EQ(Values((*out)[1]), (std::vector<float>{3, 6}));
  EXPECT_EQ((*out)[2].scalar<int32_t>(), 2);
  EXPECT_EQ(Values((*out)[3]), (std::vector<float>{2, 4}));
}

TEST(ListOpsTest, FromTensorReserveSetItemAndZerosForUnsetSlots) {
  Scope root = Scope::NewRootScope();
  Output t = ops::Const(root, {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}, TensorShape({3, 2}));
  Output from = ops::TensorListFromTensor(root, t, {2});
  Output item = ops::TensorListGetItem(root, from, 2, DT_FLOAT);
  Output reserved = ops::TensorListReserve(root, {2}, 3, DT_FLOAT);
  Output set = ops::TensorListSetItem(root, reserved, 1, ops::Const(root, {7.0f, 8.0f}));
  Output stacked = ops::TensorListStack(root, set, DT_FLOAT, -1, 3);
  Output unset = ops::TensorListGetItem(root, set, 0, DT_FLOAT);
  Output grown = ops::TensorListSetItem(root, set, 4, ops::Const(root, {1.0f, 1.0f}), true);
  Output grown_length = ops::TensorListLength(root, grown);
  auto out = test::RunGraph(root, {}, {item, stacked, unset, grown_length, ops::TensorListStack(root, from, DT_FLOAT)});
  ASSERT_OK(out.status());
  EXPECT_EQ(Values((*out)[0]), (std::vector<float>{5, 6}));
  EXPECT_EQ(Values((*out)[1]), (std::vector<float>{0, 0, 7, 8, 0, 0}));
  EXPECT_EQ(Values((*out)[2]), (std::vector<float>{0, 0}));
  EXPECT_EQ((*out)[3].scalar<int32_t>(), 5);
  test::ExpectTensorEqual((*out)[4], Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2}));
}

TEST(ListOpsTest, StringElements) {
  Scope root = Scope::NewRootScope();
  Output words = ops::Const(root, Tensor::FromVector<std::string>({"a", "bc", "def"}, {3}));
  Output list = ops::TensorListFromTensor(root, words, -1);
  list = ops::TensorListPushBack(root, list, ops::Const(root, Tensor::Scalar<std::string>("g")));
  Output stacked = ops::TensorListStack(root, list, DT_STRING);
  Tensor out = test::RunOne(root, stacked);
  ASSERT_EQ(out.NumElements(), 4);
  EXPECT_EQ(out.flat<std::string>()[1], "bc");
  EXPECT_EQ(out.flat<std::string>()[3], "g");
}

TEST(ListOpsTest, BadUsesAreClearErrors) {
  Scope root = Scope::NewRootScope();
  Output empty = ops::EmptyTensorList(root, -1, DT_FLOAT);
  auto expect_error = [&](const Output& fetch, const std::string& text) {
    auto out = test::RunGraph(root, {}, {fetch});
    ASSERT_FALSE(out.ok()) << text;
    EXPECT_THAT(std::string(out.status().message()), HasSubstr(text));
    EXPECT_EQ(std::string(out.status().message()).find('\n'), std::string::npos);
  };
  expect_error(ops::TensorListPopBack(root, empty, DT_FLOAT).tensor, "cannot pop from an empty list");
  expect_error(ops::TensorListGetItem(root, empty, 0, DT_FLOAT), "index 0 is out of range for a list of 0 elements");
  expect_error(ops::TensorListStack(root, empty, DT_FLOAT), "not fully defined");
  Output mixed = ops::TensorListPushBack(root, ops::TensorListPushBack(root, empty, ops::Const(root, {1.0f})),
                                         ops::Const(root, {1.0f, 2.0f}));
  expect_error(ops::TensorListStack(root, mixed, DT_FLOAT), "only elements of one shape stack");
  Output ints = ops::TensorListPushBack(root, empty, ops::Const(root, {1}));
  expect_error(ints, "holds float elements, but element_dtype is int32");
  Output full = ops::EmptyTensorList(root, -1, DT_FLOAT, 1);
  full = ops::TensorListPushBack(root, ops::TensorListPushBack(root, full, ops::Const(root, 1.0f)), ops::Const(root, 2.0f));
  expect_error(full, "full list");
  Output shaped = ops::EmptyTensorList(root, {2}, DT_FLOAT);
  expect_error(ops::TensorListPushBack(root, shaped, ops::Const(root, {1.0f, 2.0f, 3.0f})), "does not fit");
}

// ---- If ----

std::vector<Output> SquareOrNegate(const Scope& root, const Output& x) {
  return ops::If(
      root, ops::Greater(root, x, 0.0f), {x},
      [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Mul(s, in[0], in[0])}; },
      [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Neg(s, in[0])}; });
}

TEST(IfTest, RunsTheBranchThePredicateChoosesAndRoundTrips) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  std::vector<Output> y = SquareOrNegate(root, x);
  ASSERT_OK(root.status());
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].node()->type_string(), "StatelessIf");
  EXPECT_EQ(y[0].shape(), TensorShape({}));
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(3)}}, {y[0]}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 9);
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(-3)}}, {y[0]}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 3);

  GraphDef exported;
  ASSERT_OK(root.ToGraphDef(&exported));
  EXPECT_EQ(exported.library().function_size(), 2);
  auto imported = Session::Create(exported);
  ASSERT_OK(imported.status());
  GraphDef again;
  (*imported)->graph().ToGraphDef(&again);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again.library(), exported.library()));
  ASSERT_OK((*imported)->Run({{"x", Tensor::Scalar<float>(-2)}}, {y[0].name()}, {}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 2);
}

TEST(IfTest, BranchesWithDifferentDtypesAreAnError) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  ops::If(
      root, ops::Greater(root, x, 0.0f), {x},
      [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{in[0]}; },
      [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Const(s, 1)}; });
  EXPECT_THAT(std::string(root.status().message()), HasSubstr("the branches return different dtypes: [float] and [int32]"));
}

TEST(IfTest, GradientMatchesHandValuesAndNumericGradients) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  std::vector<Output> y = SquareOrNegate(root, x);
  std::vector<Output> dx;
  ASSERT_OK(AddSymbolicGradients(root, {y[0]}, {x}, &dx));
  ASSERT_TRUE(dx[0].valid());
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(1.5f)}}, {dx[0]}, &out));
  EXPECT_FLOAT_EQ(out[0].scalar<float>(), 3.0f);  // d(x^2) = 2x
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(-1.5f)}}, {dx[0]}, &out));
  EXPECT_FLOAT_EQ(out[0].scalar<float>(), -1.0f);  // d(-x) = -1

  for (float at : {0.7f, -0.7f}) {
    Scope s = Scope::NewRootScope();
    auto xd = ops::Placeholder(s.WithOpName("x"), DT_DOUBLE, {3});
    auto w = ops::Placeholder(s.WithOpName("w"), DT_DOUBLE, {3});
    std::vector<Output> r = ops::If(
        s, ops::Greater(s, ops::Sum(s, xd, {0}), 0.0), {xd, w},
        [](const Scope& b, const std::vector<Output>& in) {
          return std::vector<Output>{ops::Mul(b, ops::Tanh(b, in[0]), in[1])};
        },
        [](const Scope& b, const std::vector<Output>& in) {
          return std::vector<Output>{ops::Exp(b, ops::Mul(b, in[0], in[1]))};
        });
    ASSERT_OK(s.status());
    auto err = test::ComputeGradientError(
        s, {xd, w}, {Tensor::FromVector<double>({at, 0.2, -0.1}, {3}), Tensor::FromVector<double>({0.5, -1.0, 2.0}, {3})},
        r[0]);
    ASSERT_OK(err.status());
    EXPECT_LT(*err, 1e-6) << "at " << at;
  }
}

// ---- While ----

// (i, p, x) -> x^n: p *= x, n times.
std::vector<Output> Power(const Scope& root, const Output& x, int n) {
  return ops::While(
      root, {ops::Const(root, 0), ops::OnesLike(root, x), x},
      [n](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], n); },
      [](const Scope& s, const std::vector<Output>& v) {
        return std::vector<Output>{ops::Add(s, v[0], 1), ops::Mul(s, v[1], v[2]), v[2]};
      });
}

TEST(WhileTest, ComputesPowersAndInfersLoopInvariantShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  std::vector<Output> out = Power(root, x, 5);
  ASSERT_OK(root.status());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].node()->type_string(), "StatelessWhile");
  EXPECT_EQ(out[1].shape(), TensorShape({3}));
  EXPECT_EQ(out[0].shape(), TensorShape({}));
  auto values = test::RunGraph(root, {{x, Tensor::FromVector<float>({2, -1, 0.5f}, {3})}}, {out[0], out[1]});
  ASSERT_OK(values.status());
  EXPECT_EQ((*values)[0].scalar<int32_t>(), 5);
  EXPECT_EQ(Values((*values)[1]), (std::vector<float>{32, -1, 0.03125f}));
}

TEST(WhileTest, ALoopThatDoesNotRunReturnsItsInputs) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  std::vector<Output> out = Power(root, x, 0);
  std::vector<Output> dx;
  ASSERT_OK(AddSymbolicGradients(root, {out[1]}, {x}, &dx));
  auto values = test::RunGraph(root, {{x, Tensor::Scalar<float>(3)}}, {out[1], dx[0]});
  ASSERT_OK(values.status());
  EXPECT_EQ((*values)[0].scalar<float>(), 1);
  EXPECT_EQ((*values)[1].scalar<float>(), 0);
}

TEST(WhileTest, ShapeChangesNeedInvariantsAndAreCheckedAtRunTime) {
  {
    Scope root = Scope::NewRootScope();
    auto v = ops::Placeholder(root.WithOpName("v"), DT_FLOAT, {1});
    ops::While(
        root, {v}, [](const Scope& s, const std::vector<Output>& a) { return ops::Less(s, ops::Size(s, a[0]), 4); },
        [](const Scope& s, const std::vector<Output>& a) {
          return std::vector<Output>{ops::ConcatV2(s, {a[0], a[0]}, 0)};
        });
    EXPECT_THAT(std::string(root.status().message()),
                HasSubstr("loop variable 0 enters the loop with shape [1] but has shape [2] after an iteration"));
  }
  Scope root = Scope::NewRootScope();
  auto v = ops::Placeholder(root.WithOpName("v"), DT_FLOAT, {1});
  ops::WhileOptions options;
  options.shape_invariants = {TensorShape({-1})};
  std::vector<Output> out = ops::While(
      root, {v}, [](const Scope& s, const std::vector<Output>& a) { return ops::Less(s, ops::Size(s, a[0]), 4); },
      [](const Scope& s, const std::vector<Output>& a) { return std::vector<Output>{ops::ConcatV2(s, {a[0], a[0]}, 0)}; },
      options);
  ASSERT_OK(root.status());
  EXPECT_EQ(out[0].shape(), TensorShape({-1}));
  auto values = test::RunGraph(root, {{v, Tensor::FromVector<float>({7}, {1})}}, {out[0]});
  ASSERT_OK(values.status());
  EXPECT_EQ(Values((*values)[0]), (std::vector<float>(4, 7)));

  // A body that breaks its declared shape: the kernel names the variable and the iteration.
  GraphDef def;
  ASSERT_OK(root.ToGraphDef(&def));
  for (NodeDef& n : *def.mutable_node()) {
    if (n.op() == "StatelessWhile") TensorShape({1}).ToProto((*n.mutable_attr())["output_shapes"].mutable_list()->mutable_shape(0));
  }
  auto session = Session::Create(def);
  ASSERT_OK(session.status());
  std::vector<Tensor> fetched;
  Status s = (*session)->Run({{"v", Tensor::FromVector<float>({7}, {1})}}, {out[0].name()}, {}, &fetched);
  EXPECT_THAT(std::string(s.message()), HasSubstr("iteration 0: loop variable 0 has shape [2] after an iteration, outside its declared shape [1]"));
}

TEST(WhileTest, GradientOfPowerIsNTimesXToTheNMinusOne) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  std::vector<Output> out = Power(root, x, 5);
  std::vector<Output> dx;
  ASSERT_OK(AddSymbolicGradients(root, {out[1]}, {x}, &dx));
  ASSERT_TRUE(dx[0].valid());
  auto values = test::RunGraph(root, {{x, Tensor::FromVector<float>({2, -1, 0.5f}, {3})}}, {dx[0], out[1]});
  ASSERT_OK(values.status());
  EXPECT_EQ(Values((*values)[0]), (std::vector<float>{80, 5, 0.3125f}));  // 5 x^4
  EXPECT_EQ(Values((*values)[1]), (std::vector<float>{32, -1, 0.03125f}));

  // Numeric check, in double, for several n (0 and 1 included).
  for (int n : {0, 1, 3, 7}) {
    Scope s = Scope::NewRootScope();
    auto xd = ops::Placeholder(s.WithOpName("x"), DT_DOUBLE, {2});
    std::vector<Output> p = Power(s, xd, n);
    ASSERT_OK(s.status());
    auto err = test::ComputeGradientError(s, {xd}, {Tensor::FromVector<double>({1.3, -0.8}, {2})}, p[1]);
    ASSERT_OK(err.status());
    EXPECT_LT(*err, 1e-6) << "n = " << n;
  }
}

// h <- tanh(W h + b), 4 times: an RNN's recurrence, with the weights as loop variables that
// the body returns unchanged; the gradient reaches W, b and h0 through every iteration.
TEST(WhileTest, NumericGradientsOfARecurrenceWithMatricesAndLoopInvariantWeights) {
  Scope s = Scope::NewRootScope();
  auto w = ops::Placeholder(s.WithOpName("w"), DT_DOUBLE, {3, 3});
  auto b = ops::Placeholder(s.WithOpName("b"), DT_DOUBLE, {1, 3});
  auto h0 = ops::Placeholder(s.WithOpName("h0"), DT_DOUBLE, {2, 3});
  std::vector<Output> out = ops::While(
      s, {ops::Const(s, 0), h0, w, b},
      [](const Scope& c, const std::vector<Output>& v) { return ops::Less(c, v[0], 4); },
      [](const Scope& c, const std::vector<Output>& v) {
        Output h = ops::Tanh(c, ops::Add(c, ops::MatMul(c, v[1], v[2]), v[3]));
        return std::vector<Output>{ops::Add(c, v[0], 1), h, v[2], v[3]};
      });
  Output loss = ops::Sum(s, ops::Mul(s, out[1], out[1]), {0, 1});
  ASSERT_OK(s.status());
  auto err = test::ComputeGradientError(
      s, {w, b, h0},
      {Tensor::FromVector<double>({0.5, -0.3, 0.2, 0.1, 0.4, -0.6, -0.2, 0.3, 0.1}, {3, 3}),
       Tensor::FromVector<double>({0.1, -0.1, 0.05}, {1, 3}),
       Tensor::FromVector<double>({0.3, -0.5, 0.8, -0.1, 0.2, 0.4}, {2, 3})},
      loss);
  ASSERT_OK(err.status());
  EXPECT_LT(*err, 1e-6);
}

TEST(WhileTest, NestedLoopsAndTheirGradient) {
  // Outer loop 3 times: y = inner(y), inner: y <- y * x twice. So y = x^6 * y0.
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {});
  std::vector<Output> out = ops::While(
      root, {ops::Const(root, 0), ops::OnesLike(root, x), x},
      [](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], 3); },
      [](const Scope& s, const std::vector<Output>& v) {
        std::vector<Output> inner = Power(s, v[2], 2);
        return std::vector<Output>{ops::Add(s, v[0], 1), ops::Mul(s, v[1], inner[1]), v[2]};
      });
  std::vector<Output> dx;
  ASSERT_OK(AddSymbolicGradients(root, {out[1]}, {x}, &dx));
  auto values = test::RunGraph(root, {{x, Tensor::Scalar<double>(1.5)}}, {out[1], dx[0]});
  ASSERT_OK(values.status());
  EXPECT_NEAR((*values)[0].scalar<double>(), std::pow(1.5, 6), 1e-9);
  EXPECT_NEAR((*values)[1].scalar<double>(), 6 * std::pow(1.5, 5), 1e-9);
  auto err = test::ComputeGradientError(root, {x}, {Tensor::Scalar<double>(0.9)}, out[1]);
  ASSERT_OK(err.status());
  EXPECT_LT(*err, 1e-6);
}

// With the gradient built, the graph has two forward loops: the original (what `y` is) and the
// accumulating one. MergeForwardLoops leaves one, and the values stay the same.
TEST(WhileTest, TheAccumulatingForwardLoopReplacesTheOriginal) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  std::vector<Output> out = Power(root, x, 4);
  std::vector<Output> dx;
  ASSERT_OK(AddSymbolicGradients(root, {out[1]}, {x}, &dx));
  std::unique_ptr<Graph> graph = test::ImportScopeGraph(root);
  auto loops = [&] {
    int count = 0;
    for (const Node* n : graph->nodes()) count += n->type_string() == "StatelessWhile";
    return count;
  };
  EXPECT_EQ(loops(), 3);  // original, accumulating, backward
  PassContext ctx;
  ctx.protected_nodes = {"x"};
  bool changed = false;
  ASSERT_OK(MergeForwardLoops(graph.get(), ctx, &changed));
  EXPECT_TRUE(changed);
  EXPECT_EQ(loops(), 2);
  EXPECT_EQ(graph->FindNode(out[1].node()->name()), nullptr);
  test::ExpectGraphConsistent(*graph);
  // A protected original (say, fetched by name as a target) is left alone.
  std::unique_ptr<Graph> kept = test::ImportScopeGraph(root);
  ctx.protected_nodes.insert(out[1].node()->name());
  ASSERT_OK(MergeForwardLoops(kept.get(), ctx, &changed));
  EXPECT_FALSE(changed);

  // The same values with the pass on and off.
  for (bool merge : {true, false}) {
    SessionOptions options;
    options.optimizer_options.merge_forward_loops = merge;
    Session session(root, options);
    std::vector<Tensor> values;
    ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(2)}}, {out[1], dx[0]}, &values));
    EXPECT_EQ(values[0].scalar<float>(), 16);
    EXPECT_EQ(values[1].scalar<float>(), 32);
  }
}

TEST(WhileTest, TrainsAVariableThroughALoop) {
  // Minimize (w^3 - 8)^2 with w^3 computed by a loop: w -> 2.
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("w"), ops::Const(root, 1.5f));
  std::vector<Output> cube = Power(root, w.value(), 3);
  Output diff = ops::Sub(root, cube[1], 8.0f);
  Output loss = ops::Mul(root, diff, diff);
  Operation train = train::GradientDescentOptimizer(0.005f).Minimize(root, loss);
  ASSERT_OK(root.status());
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::vector<Tensor> values;
  for (int step = 0; step < 300; ++step) ASSERT_OK(session.Run({}, {}, {train}));
  ASSERT_OK(session.Run({}, {w.value(), loss}, &values));
  EXPECT_NEAR(values[0].scalar<float>(), 2.0f, 1e-3);
  EXPECT_LT(values[1].scalar<float>(), 1e-4);
}

int64_t PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// 10 000 iterations over a 256 KiB loop variable: were the iterations' values kept, the peak
// would grow by 2.5 GB; it stays within a few MB (AddressSanitizer's quarantine holds freed
// memory for a while, so its bound is looser).
TEST(WhileTest, TenThousandIterationsRunInConstantMemory) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {65536});
  std::vector<Output> out = ops::While(
      root, {ops::Const(root, 0), x},
      [](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], 10000); },
      [](const Scope& s, const std::vector<Output>& v) {
        return std::vector<Output>{ops::Add(s, v[0], 1), ops::Add(s, ops::Mul(s, v[1], 0.5f), 1.0f)};
      });
  ASSERT_OK(root.status());
  SessionOptions options;
  options.intra_op_threads = 1;  // about memory, not speed: no OpenMP team to wait for on a busy machine
  Session session(root, options);
  Tensor input(DT_FLOAT, TensorShape({65536}));
  for (float& v : input.flat<float>()) v = 10;
  std::vector<Tensor> values;
  ASSERT_OK(session.Run({{x, input}}, {out[0], out[1]}, &values));  // warm: compile, allocate once
  const int64_t before = PeakRssKiB();
  ASSERT_OK(session.Run({{x, input}}, {out[0], out[1]}, &values));
  const int64_t grown_kib = PeakRssKiB() - before;
  EXPECT_EQ(values[0].scalar<int32_t>(), 10000);
  EXPECT_FLOAT_EQ(values[1].flat<float>()[0], 2.0f);  // x -> x/2 + 1 converges to 2
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_LT(grown_kib, 512 * 1024);
#else
  EXPECT_LT(grown_kib, 16 * 1024);
#endif
}

TEST(WhileTest, ErrorsInsideTheBodyNameTheIteration) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1});
  // Iteration 2 reads element 5 of a 3-element list.
  std::vector<Output> out = ops::While(
      root, {ops::Const(root, 0), x},
      [](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], 5); },
      [](const Scope& s, const std::vector<Output>& v) {
        Output list = ops::TensorListFromTensor(s, ops::Reshape(s, v[1], {-1, 1}), {1});
        Output item = ops::TensorListGetItem(s, list, ops::Mul(s, v[0], 3), DT_FLOAT);
        return std::vector<Output>{ops::Add(s, v[0], 1), ops::Add(s, v[1], ops::Reshape(s, item, {1}))};
      });
  ASSERT_OK(root.status());
  auto values = test::RunGraph(root, {{x, Tensor::FromVector<float>({1, 2, 3}, {3})}}, {out[1]});
  ASSERT_FALSE(values.ok());
  const std::string message(values.status().message());
  EXPECT_THAT(message, HasSubstr("iteration 1"));
  EXPECT_THAT(message, HasSubstr("index 3 is out of range for a list of 3 elements"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(WhileTest, AnEndlessLoopStopsAtTheIterationBound) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  std::vector<Output> out = ops::While(
      root, {x}, [](const Scope& s, const std::vector<Output>& v) { return ops::Greater(s, v[0], -1.0f); },
      [](const Scope& s, const std::vector<Output>& v) { return std::vector<Output>{ops::Add(s, v[0], 1.0f)}; });
  ASSERT_OK(root.status());
  SetMaxLoopIterations(500);
  auto values = test::RunGraph(root, {{x, Tensor::Scalar<float>(0)}}, {out[0]});
  SetMaxLoopIterations(0);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(values.status().message()), HasSubstr("the loop did not end within 500 iterations"));
  EXPECT_THAT(std::string(values.status().message()), HasSubstr(out[0].node()->name()));
}

// A loop as TensorFlow 2 writes it (tf.while_loop inside a tf.function, exported with
// as_graph_def): StatelessWhile with TF's attrs, functions with "node:out_arg:i" inputs.
TEST(WhileTest, ATensorFlowWrittenLoopImportsAndRuns) {
  const char* text = R"pb(
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape {} } } }
    node { name: "while/loop_counter" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
           attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }
    node { name: "ones" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
           attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape {} float_val: 1 } } } }
    node {
      name: "while" op: "StatelessWhile" input: "while/loop_counter" input: "ones" input: "x"
      attr { key: "T" value { list { type: DT_INT32 type: DT_FLOAT type: DT_FLOAT } } }
      attr { key: "_lower_using_switch_merge" value { b: true } }
      attr { key: "_num_original_outputs" value { i: 3 } }
      attr { key: "_read_only_resource_inputs" value { list {} } }
      attr { key: "body" value { func { name: "while_body_7" } } }
      attr { key: "cond" value { func { name: "while_cond_6" } } }
      attr { key: "output_shapes" value { list { shape {} shape {} shape {} } } }
      attr { key: "parallel_iterations" value { i: 10 } }
    }
    node { name: "y" op: "Identity" input: "while:1" attr { key: "T" value { type: DT_FLOAT } } }
    library {
      function {
        signature {
          name: "while_cond_6"
          input_arg { name: "while_loop_counter" type: DT_INT32 }
          input_arg { name: "placeholder" type: DT_FLOAT }
          input_arg { name: "placeholder_1" type: DT_FLOAT }
          output_arg { name: "identity" type: DT_BOOL }
        }
        node_def { name: "Less/y" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
                   attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 3 } } } }
        node_def { name: "Less" op: "Less" input: "while_loop_counter" input: "Less/y:output:0"
                   attr { key: "T" value { type: DT_INT32 } } }
        node_def { name: "Identity" op: "Identity" input: "Less:z:0" attr { key: "T" value { type: DT_BOOL } } }
        ret { key: "identity" value: "Identity:output:0" }
      }
      function {
        signature {
          name: "while_body_7"
          input_arg { name: "while_loop_counter" type: DT_INT32 }
          input_arg { name: "mul_placeholder" type: DT_FLOAT }
          input_arg { name: "mul_x" type: DT_FLOAT }
          output_arg { name: "identity" type: DT_INT32 }
          output_arg { name: "identity_1" type: DT_FLOAT }
          output_arg { name: "identity_2" type: DT_FLOAT }
        }
        node_def { name: "add/y" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
                   attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 1 } } } }
        node_def { name: "add" op: "AddV2" input: "while_loop_counter" input: "add/y:output:0"
                   attr { key: "T" value { type: DT_INT32 } } }
        node_def { name: "mul" op: "Mul" input: "mul_placeholder" input: "mul_x" attr { key: "T" value { type: DT_FLOAT } } }
        node_def { name: "Identity" op: "Identity" input: "add:z:0" attr { key: "T" value { type: DT_INT32 } } }
        node_def { name: "Identity_1" op: "Identity" input: "mul:z:0" attr { key: "T" value { type: DT_FLOAT } } }
        node_def { name: "Identity_2" op: "Identity" input: "mul_x" attr { key: "T" value { type: DT_FLOAT } } }
        ret { key: "identity" value: "Identity:output:0" }
        ret { key: "identity_1" value: "Identity_1:output:0" }
        ret { key: "identity_2" value: "Identity_2:output:0" }
      }
    }
  )pb";
  GraphDef def;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &def));
  auto session = Session::Create(def);
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({{"x", Tensor::Scalar<float>(3)}}, {"y", "while:0"}, {}, &out));
  EXPECT_EQ(out[0].scalar<float>(), 27);
  EXPECT_EQ(out[1].scalar<int32_t>(), 3);
}

// The TensorArray pattern (a reserved list, one SetItem per iteration): the body takes the loop
// variables over, so each SetItem updates the list in place. Were the list copied per iteration,
// 20 000 iterations would copy 2e8 element handles (and take seconds).
TEST(WhileTest, ALoopSetsTheItemsOfItsListInPlace) {
  Scope root = Scope::NewRootScope();
  const int n = 20000;
  Output list = ops::TensorListReserve(root, -1, n, DT_FLOAT);
  std::vector<Output> out = ops::While(
      root, {ops::Const(root, 0), list},
      [n](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], n); },
      [](const Scope& s, const std::vector<Output>& v) {
        return std::vector<Output>{ops::Add(s, v[0], 1),
                                   ops::TensorListSetItem(s, v[1], v[0], ops::Cast(s, v[0], DT_FLOAT))};
      });
  Output stacked = ops::TensorListStack(root, out[1], DT_FLOAT, -1);
  const int64_t copied_before = TensorList::copied_elements();
  Tensor r = test::RunOne(root, stacked);
  const int64_t copied = TensorList::copied_elements() - copied_before;
  ASSERT_EQ(r.NumElements(), n);
  EXPECT_EQ(r.flat<float>()[12345], 12345);
  EXPECT_LE(copied, 2 * n);
}

// TensorFlow's own gradient of a while_loop and a cond (tests/data/tf/make_control_flow_fixture.py
// wrote it): while_v2's rewritten forward loop with EmptyTensorList accumulators, its backward
// loop, and the cond gradient's StatelessIf, all run by sluice.
TEST(WhileTest, RunsTensorFlowsOwnWhileAndCondGradients) {
  auto def = ReadGraphDef(std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/while_cond_grad.pb");
  ASSERT_OK(def.status());
  auto session = Session::Create(*def);
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  ASSERT_OK((*session)->Run({{"x", Tensor::FromVector<float>({2, -1, 0.5f}, {3})}}, {"y", "g"}, {}, &out));
  EXPECT_EQ(Values(out[0]), (std::vector<float>{64, -2, 0.0625f}));  // 2 x^5
  EXPECT_EQ(Values(out[1]), (std::vector<float>{160, 10, 0.625f}));  // 10 x^4
  ASSERT_OK((*session)->Run({{"x", Tensor::FromVector<float>({-2, 1, 0.5f}, {3})}}, {"y", "g"}, {}, &out));
  EXPECT_EQ(Values(out[0]), (std::vector<float>{32, -1, -0.03125f}));  // -x^5
  EXPECT_EQ(Values(out[1]), (std::vector<float>{-80, -5, -0.3125f}));  // -5 x^4
}

// The reverse: TensorFlow imports a sluice graph with a loop, an If and their gradients (sluice's
// accumulating loop and backward loop included) and computes the same values.
TEST(WhileTest, TensorFlowRunsASluiceLoopAndItsGradient) {
  SLUICE_SKIP_WITHOUT_TF();
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {3});
  std::vector<Output> p = Power(root, x, 5);
  std::vector<Output> y = ops::If(
      root, ops::Greater(root, ops::Sum(root, x, {0}), 0.0f), {p[1]},
      [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Mul(s, in[0], 2.0f)}; },
      [](const Scope& s, const std::vector<Output>& in) { return std::vector<Output>{ops::Neg(s, in[0])}; });
  std::vector<Output> dx;
  ASSERT_OK(AddSymbolicGradients(root, {y[0]}, {x}, &dx));
  ops::Identity(root.WithOpName("y"), y[0]);
  ops::Identity(root.WithOpName("dx"), dx[0]);
  test::TempDir dir("tf_control_flow");
  GraphDef def;
  ASSERT_OK(root.ToGraphDef(&def));
  ASSERT_OK(WriteGraphDef(def, dir.path() + "/graph.pb"));
  const std::string script = dir.path() + "/check.py";
  std::ofstream(script) << R"py(
import sys
import numpy as np
import tensorflow as tf
gd = tf.compat.v1.GraphDef()
gd.ParseFromString(open(sys.argv[1], "rb").read())
g = tf.Graph()
with g.as_default():
    tf.import_graph_def(gd, name="")
with tf.compat.v1.Session(graph=g) as s:
    for x, want_y, want_dx in [([2, -1, 0.5], [64, -2, 0.0625], [160, 10, 0.625]),
                               ([-2, 1, 0.5], [32, -1, -0.03125], [-80, -5, -0.3125])]:
        y, dx = s.run(["y:0", "dx:0"], {"x:0": np.array(x, np.float32)})
        if not (np.allclose(y, want_y) and np.allclose(dx, want_dx)):
            sys.exit("x=%s: y=%s dx=%s" % (x, y, dx))
print("tensorflow agrees")
)py";
  auto run = test::RunPython(script, dir.path() + "/graph.pb");
  ASSERT_OK(run.status());
  const std::string& text = *run;
  EXPECT_THAT(text, HasSubstr("tensorflow agrees"));
}

}  // namespace
}  // namespace sluice
