// TF1 (v1) control flow -- Enter, Exit, Switch, Merge, NextIteration, LoopCond, TensorArrayV3,
// stacks -- in imported GraphDefs, run by the frame-aware executor (runtime/frame_executor.cc).
//
// The fixtures (tests/data/tf/make_v1_control_flow_fixture.py, committed) are graphs TensorFlow
// wrote with control flow v2 disabled: tf.cond, nested cond, while loops (counter, sum over rows,
// nested), a loop with TensorArrays, a frozen trained dynamic_rnn LSTM with unequal sequence
// lengths, and a dynamic_rnn training graph whose gradients run through the loop (TensorArray
// gradients and stacks); each case's fed values and TensorFlow's outputs are .npy files beside
// them. The hand-built graphs below check dead-tensor propagation and the errors of malformed
// loops without TensorFlow.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/function.h"
#include "core/npy.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

const std::string kDir = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/v1_control_flow/";

std::string FileName(std::string tensor) {
  for (char& c : tensor) {
    if (c == ':') c = '@';
    if (c == '/') c = '#';
  }
  return tensor;
}

GraphDef ReadGraph(const std::string& name) {
  GraphDef graph_def;
  std::ifstream f(kDir + name + ".pb", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(graph_def.ParseFromString(bytes)) << name;
  return graph_def;
}

Tensor ReadTensor(const std::string& file) {
  auto t = ReadNpy(kDir + file);
  EXPECT_TRUE(t.ok()) << file << ": " << t.status();
  return t.ok() ? *t : Tensor();
}

// |actual - expected| <= 1e-5 * max(1, |expected|), elementwise; exact for integers and bools.
void ExpectClose(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  ASSERT_EQ(actual.shape(), expected.shape()) << what << ": " << actual.shape().DebugString() << " vs "
                                              << expected.shape().DebugString();
  for (int64_t i = 0; i < actual.NumElements(); ++i) {
    if (actual.dtype() == DT_FLOAT) {
      const float a = actual.data<float>()[i], e = expected.data<float>()[i];
      ASSERT_LE(std::abs(a - e), 1e-5 * std::max(1.0f, std::abs(e))) << what << " element " << i;
    } else if (actual.dtype() == DT_INT32) {
      ASSERT_EQ(actual.data<int32_t>()[i], expected.data<int32_t>()[i]) << what << " element " << i;
    } else if (actual.dtype() == DT_BOOL) {
      ASSERT_EQ(actual.data<bool>()[i], expected.data<bool>()[i]) << what << " element " << i;
    } else {
      FAIL() << what << ": dtype " << DataTypeString(actual.dtype());
    }
  }
}

struct Case {
  std::string graph, name;
  std::vector<std::string> feeds, fetches, targets;
};

std::vector<Case> ReadCases() {
  std::vector<Case> cases;
  std::ifstream f(kDir + "cases.txt");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    std::vector<std::string> parts = absl::StrSplit(line, ' ');
    Case c;
    c.graph = parts.at(0);
    c.name = parts.at(1);
    for (size_t i = 2; i < parts.size(); ++i) {
      std::pair<std::string, std::string> kv = absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
      std::vector<std::string> items = absl::StrSplit(kv.second, ',', absl::SkipEmpty());
      if (kv.first == "feeds") c.feeds = items;
      if (kv.first == "fetches") c.fetches = items;
      if (kv.first == "targets") c.targets = items;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(V1ControlFlowFixtures, EveryGraphTensorFlowWroteRunsLikeTensorFlow) {
  std::vector<Case> cases = ReadCases();
  ASSERT_GE(cases.size(), 24u) << "cases.txt";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.graph + " " + c.name);
    auto session = Session::Create(ReadGraph(c.graph));
    ASSERT_TRUE(session.ok()) << session.status();
    std::vector<std::pair<std::string, Tensor>> feeds;
    for (const std::string& f : c.feeds) {
      feeds.emplace_back(f, ReadTensor(absl::StrCat(c.graph, ".", c.name, ".feed_", FileName(f), ".npy")));
    }
    for (const std::string& t : c.targets) {
      Status s = (*session)->Run(feeds, {}, {t});
      ASSERT_TRUE(s.ok()) << t << ": " << s;
    }
    std::vector<Tensor> out;
    Status s = (*session)->Run(feeds, c.fetches, {}, &out);
    ASSERT_TRUE(s.ok()) << s;
    for (size_t i = 0; i < c.fetches.size(); ++i) {
      Tensor expected = ReadTensor(absl::StrCat(c.graph, ".", c.name, ".fetch_", FileName(c.fetches[i]), ".npy"));
      ExpectClose(out[i], expected, c.fetches[i]);
    }
  }
}

// The frozen dynamic_rnn again, run many times in one session: the plan is cached and every run
// starts its frames afresh.
TEST(V1ControlFlowFixtures, FrozenDynamicRnnRunsRepeatedly) {
  auto session = Session::Create(ReadGraph("dynamic_rnn_frozen"));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor x = ReadTensor("dynamic_rnn_frozen.unequal.feed_inputs@0.npy");
  Tensor lengths = ReadTensor("dynamic_rnn_frozen.unequal.feed_lengths@0.npy");
  Tensor expected = ReadTensor("dynamic_rnn_frozen.unequal.fetch_final_h@0.npy");
  for (int run = 0; run < 5; ++run) {
    std::vector<Tensor> out;
    ASSERT_TRUE((*session)->Run({{"inputs", x}, {"lengths", lengths}}, {"final_h"}, {}, &out).ok());
    ExpectClose(out[0], expected, "final_h");
  }
}

// Runs of one plan with frames from several threads at once: each run has its own frames,
// iterations and TensorArrays.
TEST(V1ControlFlowFixtures, ConcurrentRunsOfTheFrozenDynamicRnn) {
  auto session = Session::Create(ReadGraph("dynamic_rnn_frozen"));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor x = ReadTensor("dynamic_rnn_frozen.unequal.feed_inputs@0.npy");
  Tensor lengths = ReadTensor("dynamic_rnn_frozen.unequal.feed_lengths@0.npy");
  Tensor expected = ReadTensor("dynamic_rnn_frozen.unequal.fetch_outputs@0.npy");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int run = 0; run < 10; ++run) {
        std::vector<Tensor> out;
        Status s = (*session)->Run({{"inputs", x}, {"lengths", lengths}}, {"outputs"}, {}, &out);
        if (!s.ok() || out[0].shape() != expected.shape() ||
            !std::equal(expected.data<float>(), expected.data<float>() + expected.NumElements(), out[0].data<float>(),
                        [](float a, float b) { return std::abs(a - b) <= 1e-5f; })) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// ---- Hand-built graphs ----------------------------------------------------------------------

GraphDef Parse(const std::string& text) {
  GraphDef def;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &def)) << text;
  return def;
}

const char* kFloatT = R"pb(attr { key: "T" value { type: DT_FLOAT } })pb";

std::string Node(const std::string& name, const std::string& op, const std::vector<std::string>& inputs,
                 const std::string& attrs = kFloatT) {
  std::string s = absl::StrCat("node { name: '", name, "' op: '", op, "' ");
  for (const std::string& in : inputs) absl::StrAppend(&s, "input: '", in, "' ");
  return absl::StrCat(s, attrs, " }\n");
}

std::string Placeholder(const std::string& name, const std::string& dtype) {
  return absl::StrCat("node { name: '", name, "' op: 'Placeholder' attr { key: 'dtype' value { type: ", dtype,
                      " } } }\n");
}

std::string Enter(const std::string& name, const std::string& input, const std::string& frame, bool constant = false,
                  int parallel = 10) {
  return Node(name, "Enter", {input},
              absl::StrCat(kFloatT, " attr { key: 'frame_name' value { s: '", frame, "' } }",
                           " attr { key: 'is_constant' value { b: ", constant ? "true" : "false", " } }",
                           " attr { key: 'parallel_iterations' value { i: ", parallel, " } }"));
}

// x, p; Switch(x, p): false branch Neg, true branch Square; Merge.
std::string CondGraph() {
  return Placeholder("x", "DT_FLOAT") + Placeholder("p", "DT_BOOL") + Node("s", "Switch", {"x", "p"}) +
         Node("neg", "Neg", {"s:0"}) + Node("sq", "Square", {"s:1"}) +
         Node("m", "Merge", {"neg", "sq"}, absl::StrCat(kFloatT, " attr { key: 'N' value { i: 2 } }"));
}

TEST(V1ControlFlow, SwitchMergeTakesOneBranch) {
  auto session = Session::Create(Parse(CondGraph()));
  ASSERT_TRUE(session.ok()) << session.status();
  for (bool p : {false, true}) {
    std::vector<Tensor> out;
    Status s = (*session)->Run({{"x", Tensor::Scalar(3.0f)}, {"p", Tensor::Scalar(p)}}, {"m:0", "m:1"}, {}, &out);
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(out[0].scalar<float>(), p ? 9.0f : -3.0f);
    EXPECT_EQ(out[1].scalar<int32_t>(), p ? 1 : 0);
  }
}

TEST(V1ControlFlow, FetchingADeadTensorIsAnErrorNamingTheNode) {
  auto session = Session::Create(Parse(CondGraph()));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"x", Tensor::Scalar(3.0f)}, {"p", Tensor::Scalar(true)}}, {"neg"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'neg'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("dead"), std::string::npos) << s;
}

// A dead input skips the node: the untaken branch's Reshape (to a shape that cannot hold x)
// would fail if it ran. ControlTrigger runs even when its input is dead.
TEST(V1ControlFlow, DeadInputsSkipKernelsAndControlTriggerStillRuns) {
  std::string text = Placeholder("x", "DT_FLOAT") + Placeholder("p", "DT_BOOL") + Node("s", "Switch", {"x", "p"}) +
                     "node { name: 'shape' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: "
                     "'value' value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 1 } } int_val: 7 } } } }\n" +
                     Node("bad", "Reshape", {"s:0", "shape"},
                          absl::StrCat(kFloatT, " attr { key: 'Tshape' value { type: DT_INT32 } }")) +
                     Node("good", "Identity", {"s:1"}) +
                     Node("m", "Merge", {"bad", "good"}, absl::StrCat(kFloatT, " attr { key: 'N' value { i: 2 } }")) +
                     "node { name: 'trigger' op: 'ControlTrigger' input: '^bad' }\n" +
                     "node { name: 'after' op: 'Identity' input: 'm' input: '^trigger' " + kFloatT + " }\n";
  auto session = Session::Create(Parse(text));
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> out;
  Tensor x = Tensor::FromVector<float>({1, 2, 3}, TensorShape({3}));
  Status s = (*session)->Run({{"x", x}, {"p", Tensor::Scalar(true)}}, {"after"}, {}, &out);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(out[0].data<float>()[2], 3.0f);
  // Taken, the bad branch does run, and fails naming its node.
  s = (*session)->Run({{"x", x}, {"p", Tensor::Scalar(false)}}, {"after"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'bad'"), std::string::npos) << s;
}

// i = 0; while (i < n) i += 1, by hand; parallel_iterations 1 defers every next iteration until
// the previous one is done.
std::string CounterLoop(int parallel) {
  const std::string int_t = R"pb(attr { key: "T" value { type: DT_INT32 } })pb";
  auto node = [&](const std::string& name, const std::string& op, const std::vector<std::string>& in) {
    return Node(name, op, in, int_t);
  };
  return Placeholder("n", "DT_INT32") +
         "node { name: 'zero' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: 'value' "
         "value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 0 } } } }\n"
         "node { name: 'one' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: 'value' "
         "value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 1 } } } }\n" +
         Node("enter_i", "Enter", {"zero"},
              absl::StrCat(int_t, " attr { key: 'frame_name' value { s: 'loop' } } attr { key: "
                                  "'parallel_iterations' value { i: ",
                           parallel, " } }")) +
         Node("enter_n", "Enter", {"n"},
              absl::StrCat(int_t, " attr { key: 'frame_name' value { s: 'loop' } } attr { key: 'is_constant' "
                                  "value { b: true } }")) +
         Node("enter_one", "Enter", {"one"},
              absl::StrCat(int_t, " attr { key: 'frame_name' value { s: 'loop' } } attr { key: 'is_constant' "
                                  "value { b: true } }")) +
         Node("merge", "Merge", {"enter_i", "next"}, absl::StrCat(int_t, " attr { key: 'N' value { i: 2 } }")) +
         node("less", "Less", {"merge", "enter_n"}) + "node { name: 'cond' op: 'LoopCond' input: 'less' }\n" +
         node("switch", "Switch", {"merge", "cond"}) + node("body", "Identity", {"switch:1"}) +
         node("add", "AddV2", {"body", "enter_one"}) + node("next", "NextIteration", {"add"}) +
         node("exit", "Exit", {"switch:0"});
}

TEST(V1ControlFlow, HandBuiltWhileLoopCountsWithAnyParallelIterations) {
  for (int parallel : {1, 2, 10}) {
    auto session = Session::Create(Parse(CounterLoop(parallel)));
    ASSERT_TRUE(session.ok()) << session.status();
    for (int n : {0, 1, 5, 100}) {
      std::vector<Tensor> out;
      Status s = (*session)->Run({{"n", Tensor::Scalar<int32_t>(n)}}, {"exit"}, {}, &out);
      ASSERT_TRUE(s.ok()) << s;
      EXPECT_EQ(out[0].scalar<int32_t>(), n) << "parallel_iterations " << parallel;
    }
  }
}

// A loop that may never end stops at SetMaxLoopIterations (sluice run --max-loop-iterations),
// as a functional While does.
TEST(V1ControlFlow, LoopsStopAtTheIterationBound) {
  auto session = Session::Create(Parse(CounterLoop(3)));
  ASSERT_TRUE(session.ok());
  SetMaxLoopIterations(50);
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"n", Tensor::Scalar<int32_t>(1000000)}}, {"exit"}, {}, &out);
  Status fine = (*session)->Run({{"n", Tensor::Scalar<int32_t>(40)}}, {"exit"}, {}, &out);
  SetMaxLoopIterations(0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_NE(s.message().find("frame 'loop' did not end within 50 iterations"), std::string::npos) << s;
  ASSERT_TRUE(fine.ok()) << fine;
  EXPECT_EQ(out[0].scalar<int32_t>(), 40);
}

TEST(V1ControlFlow, FetchInsideALoopIsAnError) {
  auto session = Session::Create(Parse(CounterLoop(10)));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"n", Tensor::Scalar<int32_t>(3)}}, {"add"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'add'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("frame 'loop'"), std::string::npos) << s;
}

TEST(V1ControlFlow, ExitWithoutAFrameIsAnErrorNamingTheNode) {
  auto session = Session::Create(Parse(Placeholder("x", "DT_FLOAT") + Node("exit", "Exit", {"x"})));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"x", Tensor::Scalar(1.0f)}}, {"exit"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'exit' (op Exit) is not inside a while loop"), std::string::npos) << s;
}

TEST(V1ControlFlow, NextIterationOutsideAFrameIsAnErrorNamingTheNode) {
  auto session = Session::Create(Parse(Placeholder("x", "DT_FLOAT") + Node("next", "NextIteration", {"x"}) +
                                       Node("y", "Identity", {"next"})));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"x", Tensor::Scalar(1.0f)}}, {"y"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'next' (op NextIteration) is not inside a while loop"), std::string::npos) << s;
}

TEST(V1ControlFlow, MergeOfOnlyNextIterationsIsAnImportError) {
  std::string text = Placeholder("x", "DT_FLOAT") + Enter("enter", "x", "f") + Node("next", "NextIteration", {"m"}) +
                     Node("m", "Merge", {"next"}, absl::StrCat(kFloatT, " attr { key: 'N' value { i: 1 } }"));
  auto session = Session::Create(Parse(text));
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("'m'"), std::string::npos) << session.status();
}

TEST(V1ControlFlow, AnotherCycleIsStillAnImportError) {
  std::string text = Node("a", "Identity", {"b"}) + Node("b", "Identity", {"a"});
  auto session = Session::Create(Parse(text));
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.status().message().find("cycle"), std::string::npos) << session.status();
}

// A node of a loop that waits for a value of the next iteration and one that Enter delivered to
// iteration 0 only: neither iteration can finish. The run ends with an error naming the node
// instead of hanging.
TEST(V1ControlFlow, ALoopThatCannotFinishIsAnErrorNotAHang) {
  std::string text = Placeholder("x", "DT_FLOAT") + Enter("a", "x", "f") + Enter("b", "x", "f") +
                     Node("next", "NextIteration", {"a"}) + Node("add", "AddV2", {"next", "b"}) +
                     Node("exit", "Exit", {"add"});
  auto session = Session::Create(Parse(text));
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"x", Tensor::Scalar(1.0f)}}, {"exit"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("malformed control flow: node 'add' (op AddV2) in frame 'f' (iteration 0) waits for 1 "
                             "more input(s) that never arrive(s)"),
            std::string::npos)
      << s;
}

TEST(V1ControlFlow, NodeFedFromTwoFramesIsAnError) {
  // "add" reads "a" (in frame f) and "y" (in the root frame).
  std::string text = Placeholder("x", "DT_FLOAT") + Node("y", "Identity", {"x"}) + Enter("a", "y", "f") +
         Node("add", "AddV2", {"a", "y"}) + Node("exit", "Exit", {"add"});
  auto session = Session::Create(Parse(text));
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"x", Tensor::Scalar(1.0f)}}, {"exit"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'add' (op AddV2) has inputs from two frames"), std::string::npos) << s;
}

// The Ref forms pass the variable itself: RefSwitch's taken output and RefEnter/RefExit around a
// frame read what the variable holds when the reader runs.
TEST(V1ControlFlow, RefSwitchAndRefEnterPassTheVariable) {
  std::string text =
      "node { name: 'v' op: 'VariableV2' attr { key: 'dtype' value { type: DT_FLOAT } } attr { key: 'shape' value { "
      "shape {} } } }\n"
      "node { name: 'two' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } } attr { key: 'value' value { "
      "tensor { dtype: DT_FLOAT tensor_shape {} float_val: 2 } } } }\n" +
      Node("init", "Assign", {"v", "two"}) + Placeholder("p", "DT_BOOL") + Node("rs", "RefSwitch", {"v", "p"}) +
      Node("taken", "Identity", {"rs:1"}) +
      Node("enter", "RefEnter", {"v"}, absl::StrCat(kFloatT, " attr { key: 'frame_name' value { s: 'f' } }")) +
      Node("exit", "RefExit", {"enter"}) + Node("read", "Identity", {"exit"});
  auto session = Session::Create(Parse(text));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Run({}, {}, {"init"}).ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"p", Tensor::Scalar(true)}}, {"taken", "read"}, {}, &out);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(out[0].scalar<float>(), 2.0f);
  EXPECT_EQ(out[1].scalar<float>(), 2.0f);
  s = (*session)->Run({{"p", Tensor::Scalar(false)}}, {"taken"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'taken'"), std::string::npos) << s;
}

// ---- TensorArray errors ---------------------------------------------------------------------

std::string TensorArrayGraph(const std::string& element_shape) {
  return "node { name: 'size' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: 'value' "
         "value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 3 } } } }\n"
         "node { name: 'ta' op: 'TensorArrayV3' input: 'size' attr { key: 'dtype' value { type: DT_FLOAT } } "
         "attr { key: 'element_shape' value { shape { " +
         element_shape +
         " } } } }\n"
         "node { name: 'i' op: 'Placeholder' attr { key: 'dtype' value { type: DT_INT32 } } }\n"
         "node { name: 'idx' op: 'Placeholder' attr { key: 'dtype' value { type: DT_INT32 } } }\n"
         "node { name: 'v' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
         "node { name: 'scatter' op: 'TensorArrayScatterV3' input: 'ta' input: 'idx' input: 'v' input: 'ta:1' " +
         std::string(kFloatT) +
         " }\n"
         "node { name: 'read' op: 'TensorArrayReadV3' input: 'ta' input: 'i' input: 'scatter' attr { key: 'dtype' "
         "value { type: DT_FLOAT } } }\n"
         "node { name: 'gather' op: 'TensorArrayGatherV3' input: 'ta' input: 'idx' input: 'scatter' attr { key: "
         "'dtype' value { type: DT_FLOAT } } }\n";
}

TEST(V1ControlFlowTensorArray, ScatterReadGather) {
  auto session = Session::Create(Parse(TensorArrayGraph("dim { size: 2 }")));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor v = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, TensorShape({3, 2}));
  Tensor idx = Tensor::FromVector<int32_t>({2, 0, 1}, TensorShape({3}));
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"v", v}, {"idx", idx}, {"i", Tensor::Scalar<int32_t>(0)}}, {"read"}, {}, &out);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(out[0].data<float>()[0], 3.0f);
  EXPECT_EQ(out[0].data<float>()[1], 4.0f);
  s = (*session)->Run({{"v", v}, {"idx", idx}}, {"gather"}, {}, &out);
  ASSERT_TRUE(s.ok()) << s;
  ExpectClose(out[0], v, "gather of the scattered rows");
}

TEST(V1ControlFlowTensorArray, ReadOfAnUnwrittenIndexNamesTheArrayAndIndex) {
  auto session = Session::Create(Parse(TensorArrayGraph("unknown_rank: true")));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor v = Tensor::FromVector<float>({1, 2}, TensorShape({1, 2}));
  Tensor idx = Tensor::FromVector<int32_t>({0}, TensorShape({1}));
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"v", v}, {"idx", idx}, {"i", Tensor::Scalar<int32_t>(2)}}, {"read"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("node 'read'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("TensorArray 'ta': cannot read index 2: it has not been written to"), std::string::npos)
      << s;
  // Out of range.
  s = (*session)->Run({{"v", v}, {"idx", idx}, {"i", Tensor::Scalar<int32_t>(3)}}, {"read"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot read index 3: its size is 3"), std::string::npos) << s;
}

TEST(V1ControlFlowTensorArray, ScatterSizeMismatchIsAnError) {
  auto session = Session::Create(Parse(TensorArrayGraph("dim { size: 2 }")));
  ASSERT_TRUE(session.ok());
  Tensor v = Tensor::FromVector<float>({1, 2, 3, 4}, TensorShape({2, 2}));
  Tensor idx = Tensor::FromVector<int32_t>({0, 1, 2}, TensorShape({3}));
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"v", v}, {"idx", idx}}, {"gather"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("node 'scatter'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("dimension 0 must be the number of indices"), std::string::npos) << s;
  // Writing one index twice.
  idx = Tensor::FromVector<int32_t>({1, 1}, TensorShape({2}));
  s = (*session)->Run({{"v", v}, {"idx", idx}}, {"gather"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("has been written to already"), std::string::npos) << s;
}

TEST(V1ControlFlowTensorArray, GrowingPastTheSizeLimitIsAnErrorNotAnAllocation) {
  std::string graph = TensorArrayGraph("dim { size: 2 }");
  const std::string ta = "op: 'TensorArrayV3' input: 'size' ";
  graph.insert(graph.find(ta) + ta.size(), "attr { key: 'dynamic_size' value { b: true } } ");
  auto session = Session::Create(Parse(graph));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor v = Tensor::FromVector<float>({1, 2}, TensorShape({1, 2}));
  std::vector<Tensor> out;
  // Within the limit a dynamic array grows: index 5 of a size-3 array.
  Status s = (*session)->Run({{"v", v}, {"idx", Tensor::FromVector<int32_t>({5}, TensorShape({1}))}}, {"gather"}, {},
                             &out);
  ASSERT_TRUE(s.ok()) << s;
  s = (*session)->Run({{"v", v}, {"idx", Tensor::FromVector<int32_t>({2000000000}, TensorShape({1}))}}, {"gather"}, {},
                      &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("node 'scatter'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("cannot write to index 2000000000: an array holds at most 16777216 elements"),
            std::string::npos)
      << s;
}

TEST(V1ControlFlowTensorArray, SplitLengthsThatOverflowTheirSumAreAnError) {
  const std::string graph =
      "node { name: 'size' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: 'value' "
      "value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 3 } } } }\n"
      "node { name: 'ta' op: 'TensorArrayV3' input: 'size' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
      "node { name: 'v' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
      "node { name: 'lengths' op: 'Placeholder' attr { key: 'dtype' value { type: DT_INT64 } } }\n"
      "node { name: 'split' op: 'TensorArraySplitV3' input: 'ta' input: 'v' input: 'lengths' input: 'ta:1' " +
      std::string(kFloatT) + " }\n";
  auto session = Session::Create(Parse(graph));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor v = Tensor::FromVector<float>({1, 2, 3}, TensorShape({3, 1}));
  std::vector<Tensor> out;
  Status s = (*session)->Run({{"v", v}, {"lengths", Tensor::FromVector<int64_t>({1, 0, 2}, TensorShape({3}))}},
                             {"split"}, {}, &out);
  ASSERT_TRUE(s.ok()) << s;
  // INT64_MAX + INT64_MAX + 5 wraps to 3: must not pass as the value's 3 rows.
  const int64_t big = std::numeric_limits<int64_t>::max();
  s = (*session)->Run({{"v", v}, {"lengths", Tensor::FromVector<int64_t>({big, big, 5}, TensorShape({3}))}},
                      {"split"}, {}, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("node 'split'"), std::string::npos) << s;
  EXPECT_NE(s.message().find("sum past the value's dimension 0, 3"), std::string::npos) << s;
}

}  // namespace
}  // namespace sluice
