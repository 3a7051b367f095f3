// End-to-end tests of the sluice program (build/bin/sluice), run as a subprocess on a GraphDef
// the test builds with the client API.
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/file_io.h"
#include "core/graph_file.h"
#include "core/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/control_flow_ops.h"
#include "ops/data_ops.h"
#include "ops/layers.h"
#include "ops/math_ops.h"
#include "ops/meta_graph.h"
#include "ops/nn_ops.h"
#include "ops/saver.h"
#include "ops/training.h"
#include "ops/state_ops.h"
#include "ops/summary_ops.h"
#include "ops/variables.h"
#include "runtime/event_file_reader.h"
#include "runtime/tensor_bundle.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct CliResult {
  int code = -1;
  std::string out, err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  q += "'";
  return q;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    ASSERT_FALSE(dir_.empty());
    // y = 2x + 1, out/square = x * x, and a variable w with its initializer "init".
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
    ops::Identity(root.WithOpName("y"), x * 2.0f + 1.0f);
    ops::Identity(root.NewSubScope("out").WithOpName("square"), x * x);
    Variable w(root.WithOpName("w"), Input({1.0f, 2.0f}));
    ops::GlobalVariablesInitializer(root);
    GraphDef graph_def;
    ASSERT_TRUE(root.ToGraphDef(&graph_def).ok()) << root.status();
    model_ = dir_ + "/model.pb";
    ASSERT_TRUE(WriteGraphDef(graph_def, model_).ok());
    x_npy_ = dir_ + "/x.npy";
    ASSERT_TRUE(WriteNpy(x_npy_, Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})).ok());
  }

  CliResult Cli(const std::vector<std::string>& args) {
    std::string cmd = Quote(SLUICE_CLI_PATH);
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    absl::StrAppend(&cmd, " >", Quote(out), " 2>", Quote(err));
    int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFileToString(out).value_or("");
    r.err = ReadFileToString(err).value_or("");
    return r;
  }

  // A failed command prints exactly one line to stderr.
  void ExpectOneLineError(const CliResult& r, int code, const std::string& needle) {
    EXPECT_EQ(r.code, code) << r.err;
    EXPECT_THAT(r.err, HasSubstr(needle));
    if (code == 1) {
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
  }

  test::TempDir tmp_{"sluice_cli"};  // removed with its contents after TearDown
  std::string dir_, model_, x_npy_;
};

TEST_F(CliTest, RunPrintsFetchedTensors) {
  CliResult r = Cli({"run", model_, "--feed", "x=" + x_npy_, "--fetch", "y", "--fetch=out/square"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "y = float [2,3] [[3 5 7] [9 11 13]]\n"
            "out/square = float [2,3] [[1 4 9] [16 25 36]]\n");
}

TEST_F(CliTest, RunSummarizeLimitsPrintedValues) {
  CliResult r = Cli({"run", model_, "--feed", "x=" + x_npy_, "--fetch", "y", "--summarize", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("y = float [2,3] [[3 5"));
  EXPECT_THAT(r.out, Not(HasSubstr("13")));
}

TEST_F(CliTest, RunWritesNpyFiles) {
  std::string out = dir_ + "/results";
  CliResult r = Cli({"run", model_, "--feed", "x:0=" + x_npy_, "--fetch", "y:0", "--fetch", "out/square",
                     "--out", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("y:0 -> " + out + "/y.npy (float [2,3])"));
  auto y = ReadNpy(out + "/y.npy");
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->shape(), TensorShape({2, 3}));
  EXPECT_EQ(std::vector<float>(y->data<float>(), y->data<float>() + 6), (std::vector<float>{3, 5, 7, 9, 11, 13}));
  auto sq = ReadNpy(out + "/out/square.npy");
  ASSERT_TRUE(sq.ok()) << sq.status();
  EXPECT_EQ(sq->data<float>()[5], 36.0f);
}

// A frozen dynamic_rnn LSTM that TF1 wrote (v1 control flow: a while loop with TensorArrays;
// tests/data/tf/make_v1_control_flow_fixture.py): `sluice run` gives TensorFlow's final state.
TEST_F(CliTest, RunsAFrozenTf1DynamicRnn) {
  const std::string dir = SLUICE_SOURCE_DIR "/tests/data/tf/v1_control_flow/";
  std::string out = dir_ + "/rnn";
  CliResult r = Cli({"run", dir + "dynamic_rnn_frozen.pb", "--feed",
                     "inputs=" + dir + "dynamic_rnn_frozen.unequal.feed_inputs@0.npy", "--feed",
                     "lengths=" + dir + "dynamic_rnn_frozen.unequal.feed_lengths@0.npy", "--fetch", "final_h", "--out",
                     out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("final_h -> " + out + "/final_h.npy (float [3,6])"));
  auto h = ReadNpy(out + "/final_h.npy");
  ASSERT_TRUE(h.ok()) << h.status();
  auto expected = ReadNpy(dir + "dynamic_rnn_frozen.unequal.fetch_final_h@0.npy");
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(h->shape(), expected->shape());
  for (int64_t i = 0; i < h->NumElements(); ++i) {
    EXPECT_NEAR(h->data<float>()[i], expected->data<float>()[i], 1e-5) << i;
  }
  // Its loop runs 5 iterations: a bound of 2 stops it.
  ExpectOneLineError(Cli({"run", dir + "dynamic_rnn_frozen.pb", "--feed",
                          "inputs=" + dir + "dynamic_rnn_frozen.unequal.feed_inputs@0.npy", "--feed",
                          "lengths=" + dir + "dynamic_rnn_frozen.unequal.feed_lengths@0.npy", "--fetch", "final_h",
                          "--max-loop-iterations", "2"}),
                     1, "did not end within 2 iterations");
}

TEST_F(CliTest, RunTargetOnly) {
  CliResult r = Cli({"run", model_, "--target", "init"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(CliTest, RunInitRunsFirst) {
  CliResult r = Cli({"run", model_, "--init", "init", "--fetch", "w"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "w = float [2] [1 2]\n");
  ExpectOneLineError(Cli({"run", model_, "--fetch", "w"}), 1, "uninitialized value w");
  ExpectOneLineError(Cli({"run", model_, "--init", "nope", "--fetch", "w"}), 1, "running --init");
}

TEST_F(CliTest, RunErrorsNameWhatIsWrong) {
  ExpectOneLineError(Cli({"run", dir_ + "/missing.pb", "--fetch", "y"}), 1, dir_ + "/missing.pb");
  ExpectOneLineError(Cli({"run", x_npy_, "--fetch", "y"}), 1, "is not a valid sluice.GraphDef");
  ExpectOneLineError(Cli({"run", model_, "--feed", "x=" + dir_ + "/nope.npy", "--fetch", "y"}), 1,
                     dir_ + "/nope.npy");
  ExpectOneLineError(Cli({"run", model_, "--feed", "x=" + model_, "--fetch", "y"}), 1, "is not a .npy file");
  ExpectOneLineError(Cli({"run", model_, "--feed", "x=" + x_npy_, "--fetch", "nope"}), 1, "nope");
  ExpectOneLineError(Cli({"run", model_, "--fetch", "y"}), 1, "'x'");  // unfed placeholder
  std::string ints = dir_ + "/ints.npy";
  ASSERT_TRUE(WriteNpy(ints, Tensor::FromVector<int32_t>({1, 2, 3}, {1, 3})).ok());
  ExpectOneLineError(Cli({"run", model_, "--feed", "x=" + ints, "--fetch", "y"}), 1, "x");
}

// The commands of ../shared/repro/graphdef/README.md, and `sluice inspect` of every file there:
// each ends in a result (exit 0) or in exactly one line on stderr (exit 1), never a crash, and
// protobuf never adds a line of its own. (tools/sanitize.sh address runs this under ASan+UBSan.)
TEST_F(CliTest, HostileGraphsEndInAResultOrOneLine) {
  const std::string repro = SLUICE_SOURCE_DIR "/../shared/repro/graphdef";
  if (!std::filesystem::is_directory(repro)) GTEST_SKIP() << repro << " not found";
  auto expect_clean = [](const CliResult& r, const std::string& what) {
    EXPECT_TRUE(r.code == 0 || r.code == 1) << what << ": exit " << r.code << "\n" << r.err;
    if (r.code == 1) {
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ":\n" << r.err;
    }
    EXPECT_THAT(r.err, Not(HasSubstr("libprotobuf"))) << what;
  };
  const std::string cap = "--max-tensor-bytes=1073741824";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(repro)) {
    if (entry.path().extension() != ".pb") continue;
    ++files;
    // 1 GiB per tensor: const_string_huge_count.pb would take 14 GB under the default bound
    // (the machine's memory), which is allowed, but not in a test.
    expect_clean(Cli({"inspect", entry.path().string(), cap}), "inspect " + entry.path().filename().string());
  }
  EXPECT_GE(files, 30);
  const std::vector<std::vector<std::string>> runs = {
      {"fill_2p62.pb", "--fetch", "f"},
      {"matmul_wrapped_const_shape.pb", "--feed", "x=" + repro + "/x_1x4.npy", "--fetch", "m"},
      {"reshape_ovf.pb", "--fetch", "r"},
      {"reshape_overflow_slice_oob_64.pb", "--fetch", "sl"},
      {"slice_begin_size_overflow.pb", "--fetch", "s"},
      {"tile_ovf.pb", "--fetch", "t"},
      {"addn_N_1e12.pb", "--fetch", "s"},
      {"const_string_huge_count.pb", "--fetch", "c", "--summarize", "2"},
      {"neg_intmin.pb", "--fetch", "d", "--fetch", "e", "--fetch", "f"},
      {"var_shared_name_shape_clash.pb", "--init", "a", "--fetch", "r"},
      {"assign_ref_value_fetch.pb", "--init", "a", "--fetch", "r"},
      {"feed_any.pb", "--feed", "x=/dev/zero", "--fetch", "y"},
  };
  for (const auto& run : runs) {
    std::vector<std::string> args = {"run", repro + "/" + run[0], cap};
    args.insert(args.end(), run.begin() + 1, run.end());
    expect_clean(Cli(args), absl::StrJoin(run, " "));
  }
  // neg_intmin wraps as TF does: -INT32_MIN and |INT32_MIN| are INT32_MIN.
  CliResult neg = Cli({"run", repro + "/neg_intmin.pb", "--fetch", "d", "--fetch", "e"});
  ASSERT_EQ(neg.code, 0) << neg.err;
  EXPECT_EQ(neg.out, "d = int32 [] -2147483648\ne = int32 [] -2147483648\n");
}

TEST_F(CliTest, DeviceRequestsThatCannotBeMetNeedSoftPlacement) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  ops::Neg(root.WithDevice("/device:GPU:0").WithOpName("neg"), x);
  GraphDef graph_def;
  ASSERT_TRUE(root.ToGraphDef(&graph_def).ok());
  const std::string gpu_model = dir_ + "/gpu.pb";
  ASSERT_TRUE(WriteGraphDef(graph_def, gpu_model).ok());
  ExpectOneLineError(Cli({"run", gpu_model, "--feed", "x=" + x_npy_, "--fetch", "neg"}), 1,
                     "requests device '/device:GPU:0', which is not present");
  CliResult r = Cli({"run", gpu_model, "--feed", "x=" + x_npy_, "--fetch", "neg", "--soft-placement",
                     "--log-device-placement"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "neg = float [2,3] [[-1 -2 -3] [-4 -5 -6]]\n");
  EXPECT_THAT(r.err, HasSubstr("neg: (Neg): /job:localhost/replica:0/task:0/device:CPU:0"));
}

TEST_F(CliTest, MaxLoopIterationsEndsALoopThatWouldNot) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  std::vector<Output> out = ops::While(
      root, {x}, [](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, ops::Sum(s, v[0], {0, 1}), 1e9f); },
      [](const Scope& s, const std::vector<Output>& v) { return std::vector<Output>{ops::Mul(s, v[0], 1.0f)}; });
  ops::Identity(root.WithOpName("looped"), out[0]);
  GraphDef graph_def;
  ASSERT_TRUE(root.ToGraphDef(&graph_def).ok()) << root.status();
  const std::string loop_model = dir_ + "/loop.pb";
  ASSERT_TRUE(WriteGraphDef(graph_def, loop_model).ok());
  ExpectOneLineError(Cli({"run", loop_model, "--feed", "x=" + x_npy_, "--fetch", "looped", "--max-loop-iterations", "200"}),
                     1, "the loop did not end within 200 iterations");
  ExpectOneLineError(Cli({"run", loop_model, "--feed", "x=" + x_npy_, "--fetch", "looped", "--max-loop-iterations", "0"}),
                     2, "--max-loop-iterations wants a positive count");
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  ExpectOneLineError(Cli({}), 2, "usage: sluice <command>");
  ExpectOneLineError(Cli({"bogus"}), 2, "unknown command 'bogus'");
  ExpectOneLineError(Cli({"run"}), 2, "missing MODEL");
  ExpectOneLineError(Cli({"run", model_}), 2, "nothing to run");
  ExpectOneLineError(Cli({"run", model_, "--feed", "x", "--fetch", "y"}), 2, "--feed wants NAME=FILE.npy or NAME=@idx:FILE");
  ExpectOneLineError(Cli({"run", model_, "--fetch"}), 2, "--fetch needs a value");
  ExpectOneLineError(Cli({"run", model_, "--bogus", "1"}), 2, "unknown flag --bogus");
  ExpectOneLineError(Cli({"run", model_, "--fetch", "y", "--summarize", "x"}), 2, "--summarize");
  ExpectOneLineError(Cli({"inspect"}), 2, "usage: sluice inspect");
  ExpectOneLineError(Cli({"ops", "extra"}), 2, "unexpected argument 'extra'");
}

TEST_F(CliTest, HelpExitsWithZero) {
  CliResult r = Cli({"help"});
  EXPECT_EQ(r.code, 0);
  for (const char* c : {"run", "inspect", "ops", "convert", "freeze", "train"}) EXPECT_THAT(r.out, HasSubstr(c));
  r = Cli({"run", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("usage: sluice run MODEL"));
  for (const char* c : {"convert", "freeze", "train"}) {
    r = Cli({c, "--help"});
    EXPECT_EQ(r.code, 0) << c;
    EXPECT_THAT(r.out, StartsWith(absl::StrCat("usage: sluice ", c, " MODEL")));
  }
}

TEST_F(CliTest, InspectListsPlaceholdersVariablesAndNodes) {
  CliResult r = Cli({"inspect", model_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("placeholders (1):\n  x: float [?,3]\n"));
  EXPECT_THAT(r.out, HasSubstr("variables (1):\n  w: float [2]\n"));
  EXPECT_THAT(r.out, HasSubstr("  x = Placeholder() -> float [?,3]\n"));
  EXPECT_THAT(r.out, HasSubstr("  y = Identity("));
  EXPECT_THAT(r.out, HasSubstr("  out/square = Identity("));
  EXPECT_THAT(r.out, HasSubstr("  w = VariableV2() -> float_ref [2]\n"));
  ExpectOneLineError(Cli({"inspect", dir_ + "/missing.pb"}), 1, dir_ + "/missing.pb");
}

// The op histogram (most used first) and the outputs: nodes nothing reads.
TEST_F(CliTest, InspectCountsOpsAndListsOutputs) {
  CliResult r = Cli({"inspect", model_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nops (8 kinds):\n       3 Const\n       3 Identity\n       2 Mul\n"));
  EXPECT_THAT(r.out, HasSubstr("       1 VariableV2\n"));
  EXPECT_THAT(r.out, HasSubstr("\noutputs (4):\n  y = Identity -> float [?,3]\n  out/square = Identity -> float [?,3]\n"));
  EXPECT_THAT(r.out, HasSubstr("  w/read = Identity -> float [2]\n  init = NoOp\n"));
}

// --verbose, on any command: the status code of an error, then the exit status and time.
TEST_F(CliTest, VerboseAddsTheStatusCodeAndExitStatus) {
  CliResult r = Cli({"run", dir_ + "/missing.pb", "--verbose", "--fetch", "y"});
  EXPECT_EQ(r.code, 1);
  std::vector<std::string> lines = absl::StrSplit(absl::StripSuffix(r.err, "\n"), '\n');
  ASSERT_EQ(lines.size(), 3u) << r.err;
  EXPECT_THAT(lines[0], HasSubstr(dir_ + "/missing.pb"));
  EXPECT_EQ(lines[1], "sluice run: status code NOT_FOUND");
  EXPECT_THAT(lines[2], StartsWith("sluice run: exit status 1 after "));
  CliResult ok = Cli({"--verbose", "run"});
  EXPECT_EQ(ok.code, 2) << "--verbose comes after the command";
  CliResult inspect = Cli({"inspect", "--verbose", model_});
  EXPECT_EQ(inspect.code, 0) << inspect.err;
  EXPECT_THAT(inspect.err, StartsWith("sluice inspect: exit status 0 after "));
}

TEST_F(CliTest, InspectReportsTheBadNode) {
  GraphDef g;
  NodeDef* n = g.add_node();
  n->set_name("mystery");
  n->set_op("NoSuchOp");
  std::string path = dir_ + "/bad.pb";
  ASSERT_TRUE(WriteGraphDef(g, path).ok());
  CliResult r = Cli({"inspect", path});
  ExpectOneLineError(r, 1, "mystery");
  EXPECT_THAT(r.err, HasSubstr("NoSuchOp"));
  EXPECT_THAT(r.err, HasSubstr(path));
}

TEST_F(CliTest, OpsListsRegisteredOps) {
  CliResult r = Cli({"ops"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nPlaceholder() -> (output: dtype)\n    attrs: dtype: type, shape: shape"));
  EXPECT_THAT(r.out, HasSubstr("\nVariableV2() -> (ref: Ref(dtype))\n"));
  CliResult md = Cli({"ops", "--markdown"});
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_THAT(md.out, StartsWith("# Ops\n"));
  EXPECT_THAT(md.out, HasSubstr("| `Placeholder` |  | `output: dtype` | `dtype: type`<br>`shape: shape"));
}

TEST_F(CliTest, OpsDocIsUpToDate) {
  CliResult r = Cli({"ops", "--markdown"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto doc = ReadFileToString(SLUICE_SOURCE_DIR "/docs/OPS.md");
  ASSERT_TRUE(doc.ok()) << doc.status();
  if (*doc == r.out) return;
  std::vector<std::string> want = absl::StrSplit(r.out, '\n'), have = absl::StrSplit(*doc, '\n');
  size_t line = 0;
  while (line < want.size() && line < have.size() && want[line] == have[line]) ++line;
  ADD_FAILURE() << "docs/OPS.md is out of date with the op registry; regenerate it with\n"
                << "  build/bin/sluice ops --markdown > docs/OPS.md\n"
                << "first difference at line " << line + 1 << ":\n  docs/OPS.md: "
                << (line < have.size() ? have[line] : "<end of file>") << "\n  sluice ops:  "
                << (line < want.size() ? want[line] : "<end of output>");
}

// A trained MLP with its checkpoint directory, meta graph, GraphDef and a batch; `logits` is
// what the training program itself computes on the batch after its training step.
class CliModelTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
    auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
    auto h = layers::Dense(root.NewSubScope("hidden"), x, 5, ops::Relu, init::GlorotUniform(5));
    auto logits = ops::Identity(root.WithOpName("logits"), layers::Dense(root.NewSubScope("out"), h, 2));
    auto loss = ops::ReduceMean(root.WithOpName("loss"), ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
    auto train = train::AdamOptimizer(0.1f).Minimize(root.WithOpName("train"), loss);
    auto init = ops::GlobalVariablesInitializer(root);
    train::Saver saver(root);
    Session session(root);
    ASSERT_OK(session.Run({}, {}, {init}));
    Tensor batch_x = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
    ASSERT_OK(session.Run({{x, batch_x}, {y, Tensor::FromVector<int64_t>({1, 0})}}, {}, {train}));
    ckpt_dir_ = dir_ + "/ckpt";
    ASSERT_OK(saver.Save(session, ckpt_dir_ + "/model", 1));
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({{x, batch_x}}, {logits}, &out));
    logits_ = out[0];
    meta_ = dir_ + "/mlp.meta";
    ASSERT_OK(ExportMetaGraph(root, &saver, meta_));
    GraphDef graph;
    ASSERT_OK(root.ToGraphDef(&graph));
    pb_ = dir_ + "/mlp.pb";
    ASSERT_OK(WriteGraphDef(graph, pb_));
  }

  std::string WriteY2() {
    std::string path = dir_ + "/y2.npy";
    EXPECT_TRUE(WriteNpy(path, Tensor::FromVector<int64_t>({1, 0})).ok());
    return path;
  }

  std::string ckpt_dir_, meta_, pb_;
  Tensor logits_;
};

TEST_F(CliModelTest, RunRestoresACheckpointForEachGraphFormat) {
  const std::string pbtxt = dir_ + "/mlp.pbtxt", meta_text = dir_ + "/mlp.meta.pbtxt";
  ASSERT_EQ(Cli({"convert", pb_, "-o", pbtxt}).code, 0);
  ASSERT_EQ(Cli({"convert", meta_, "--output", meta_text}).code, 0);
  int n = 0;
  for (const std::string& model : {meta_, meta_text, pb_, pbtxt}) {
    // A directory (its latest checkpoint) and a prefix.
    for (const std::string& ckpt : {ckpt_dir_, ckpt_dir_ + "/model-1"}) {
      const std::string out = absl::StrCat(dir_, "/out", n++);
      CliResult r = Cli({"run", model, "--checkpoint", ckpt, "--feed", "x=" + x_npy_, "--fetch", "logits:0", "--out", out});
      ASSERT_EQ(r.code, 0) << model << " " << ckpt << ": " << r.err;
      auto got = ReadNpy(out + "/logits.npy");
      ASSERT_OK(got.status());
      test::ExpectTensorEqual(*got, logits_);
    }
  }
}

TEST_F(CliModelTest, RunCheckpointErrors) {
  ExpectOneLineError(Cli({"run", meta_, "--checkpoint", dir_ + "/nope", "--feed", "x=" + x_npy_, "--fetch", "logits"}), 1,
                     "no checkpoint '" + dir_ + "/nope'");
  ExpectOneLineError(Cli({"run", meta_, "--checkpoint", dir_, "--feed", "x=" + x_npy_, "--fetch", "logits"}), 1,
                     "has no 'checkpoint' state file");
  ExpectOneLineError(Cli({"run", model_, "--checkpoint", ckpt_dir_, "--fetch", "y"}), 1,
                     "has no SaverDef and no saver nodes");
  ExpectOneLineError(Cli({"run", meta_, "--feed", "x=" + x_npy_, "--fetch", "logits"}), 1, "hidden/");
}

TEST_F(CliModelTest, InspectMetaGraphShowsSaverCollectionsAndParameters) {
  CliResult r = Cli({"inspect", meta_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("binary MetaGraphDef"));
  // 3*5 + 5 + 5*2 + 2 = 32 trainable parameters; Adam's two slots of each and its two beta
  // powers are variables too.
  EXPECT_THAT(r.out, HasSubstr("  total: " + std::to_string(3 * 32 + 2) + " parameters (32 trainable)\n"));
  EXPECT_THAT(r.out, HasSubstr("  restore_op_name: save/restore_all\n"));
  EXPECT_THAT(r.out, HasSubstr("  train_op (node_list, 1): train\n"));
  EXPECT_THAT(r.out, HasSubstr("  trainable_variables (bytes_list, 4): hidden/kernel:0, hidden/bias:0, out/kernel:0, out/bias:0\n"));
  // A graph with a function library: TF's while_v2 and cond_v2 functions, with their signatures.
  CliResult functions = Cli({"inspect", SLUICE_SOURCE_DIR "/tests/data/tf/while_cond_grad.pb"});
  ASSERT_EQ(functions.code, 0) << functions.err;
  EXPECT_THAT(functions.out, HasSubstr("\nfunctions (10):\n"));
  EXPECT_THAT(functions.out, HasSubstr("  cond_true_43(cond_mul_while: float) -> (cond_identity: float), 3 nodes\n"));
  CliResult pb = Cli({"inspect", pb_});
  ASSERT_EQ(pb.code, 0) << pb.err;
  EXPECT_THAT(pb.out, HasSubstr("binary GraphDef"));
  EXPECT_THAT(pb.out, HasSubstr("saver: TF's default saver nodes"));
}

TEST_F(CliModelTest, FreezeMakesAGraphThatRunsAlone) {
  const std::string frozen = dir_ + "/frozen.pb";
  CliResult r = Cli({"freeze", meta_, "--checkpoint", ckpt_dir_, "--outputs", "logits", "-o", frozen});
  ASSERT_EQ(r.code, 0) << r.err;
  auto graph = ReadGraphDef(frozen);
  ASSERT_OK(graph.status());
  for (const NodeDef& node : graph->node()) EXPECT_NE(node.op(), "VariableV2") << node.name();
  r = Cli({"run", frozen, "--feed", "x=" + x_npy_, "--fetch", "logits", "--out", dir_ + "/frozen_out"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto got = ReadNpy(dir_ + "/frozen_out/logits.npy");
  ASSERT_OK(got.status());
  test::ExpectTensorEqual(*got, logits_);

  ExpectOneLineError(Cli({"freeze", meta_, "--outputs", "logits", "-o", frozen}), 2, "missing --checkpoint");
  ExpectOneLineError(Cli({"freeze", meta_, "--checkpoint", ckpt_dir_, "-o", frozen}), 2, "missing --outputs");
  ExpectOneLineError(Cli({"freeze", meta_, "--checkpoint", ckpt_dir_, "--outputs", "logits"}), 2, "missing -o");
  ExpectOneLineError(Cli({"freeze", meta_, "--checkpoint", ckpt_dir_, "--outputs", "nope", "-o", frozen}), 1, "nope");
}

TEST_F(CliModelTest, ConvertRoundTripsAndReportsTextErrors) {
  const std::string text = dir_ + "/g.pbtxt", back = dir_ + "/g.pb";
  ASSERT_EQ(Cli({"convert", pb_, "-o", text}).code, 0);
  CliResult r = Cli({"convert", text, "-o", back});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("(text GraphDef) -> " + back + " (binary GraphDef)"));
  auto a = ReadGraphDef(pb_);
  auto b = ReadGraphDef(back);
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  EXPECT_EQ(a->node_size(), b->node_size());

  ASSERT_OK(WriteStringToFileAtomic(dir_ + "/bad.pbtxt", "node {\n  name: \"a\"\n  op: Const\"\n}\n"));
  ExpectOneLineError(Cli({"convert", dir_ + "/bad.pbtxt", "-o", back}), 1, dir_ + "/bad.pbtxt':3:");
  ExpectOneLineError(Cli({"inspect", dir_ + "/bad.pbtxt"}), 1, dir_ + "/bad.pbtxt':3:");
  ExpectOneLineError(Cli({"convert", pb_}), 2, "missing -o");
  ExpectOneLineError(Cli({"convert", "-o", back}), 2, "missing MODEL");
  ExpectOneLineError(Cli({"convert", dir_ + "/missing.pb", "-o", back}), 1, dir_ + "/missing.pb");
}

std::string BigEndianIdx(unsigned char type, const std::vector<uint32_t>& dims, const std::string& payload) {
  std::string out = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((d >> shift) & 0xff));
  }
  return out + payload;
}

TEST_F(CliTest, RunFeedsIdxFiles) {
  Scope root = Scope::NewRootScope();
  auto images = ops::Placeholder(root.WithOpName("images"), DT_UINT8, {-1, 2, 2});
  ops::Identity(root.WithOpName("scaled"), ops::Cast(root, images, DT_FLOAT) * 0.5f);
  GraphDef graph;
  ASSERT_OK(root.ToGraphDef(&graph));
  const std::string model = dir_ + "/idx.pb";
  ASSERT_OK(WriteGraphDef(graph, model));
  const std::string idx = BigEndianIdx(0x08, {1, 2, 2}, std::string("\x02\x04\x06\xff", 4));
  ASSERT_OK(WriteStringToFileAtomic(dir_ + "/images.idx", idx));
  ASSERT_OK(WriteStringToFileAtomic(dir_ + "/images.idx.gz", test::Gzip(idx)));
  for (const char* file : {"/images.idx", "/images.idx.gz"}) {
    CliResult r = Cli({"run", model, "--feed", "images=@idx:" + dir_ + file, "--fetch", "scaled"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "scaled = float [1,2,2] [[[1 2] [3 127.5]]]\n");
  }
  // The wrong dtype or shape for the placeholder, a missing file, a bad '@' kind.
  ASSERT_OK(WriteStringToFileAtomic(dir_ + "/floats.idx", BigEndianIdx(0x0D, {1, 4}, std::string(16, '\0'))));
  ExpectOneLineError(Cli({"run", model, "--feed", "images=@idx:" + dir_ + "/floats.idx", "--fetch", "scaled"}), 1,
                     "feed 'images': '" + dir_ + "/floats.idx' holds float [1,4], but placeholder 'images' takes uint8 [?,2,2]");
  ExpectOneLineError(Cli({"run", model, "--feed", "images=@idx:" + dir_ + "/none.idx", "--fetch", "scaled"}), 1,
                     dir_ + "/none.idx");
  ExpectOneLineError(Cli({"run", model, "--feed", "images=@csv:x", "--fetch", "scaled"}), 2, "the only file kind after '@' is idx");
}

// `sluice train` takes the steps the C++ program would take and saves where it says; a second
// run resumes from the latest checkpoint.
TEST_F(CliModelTest, TrainSavesAndResumes) {
  // The in-process truth: 3 more Adam steps from the checkpoint, then the logits.
  auto meta = ImportMetaGraph(meta_);
  ASSERT_OK(meta.status());
  auto session = meta->CreateSession();
  ASSERT_OK(session.status());
  ASSERT_OK(meta->Restore(**session, ckpt_dir_));
  const std::string y_npy = dir_ + "/y.npy";
  ASSERT_OK(WriteNpy(y_npy, Tensor::FromVector<int64_t>({1, 0})));
  Tensor bx = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK((*session)->Run({{"x:0", bx}, {"y:0", Tensor::FromVector<int64_t>({1, 0})}}, {}, {"train"}, &out));
  }
  ASSERT_OK((*session)->Run({{"x:0", bx}}, {"logits:0"}, {}, &out));

  // 2 steps from the checkpoint of step 1, saving every step, then 1 more resumed from --save.
  const std::string save = dir_ + "/trained";
  CliResult r = Cli({"train", meta_, "--restore", ckpt_dir_, "--feed", "x=" + x_npy_, "--feed", "y=" + y_npy,
                     "--steps", "2", "--report", "loss", "--save", save, "--every", "1", "--log-every", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("restored " + ckpt_dir_ + "/model-1 (step 1)\n"));
  EXPECT_THAT(r.out, HasSubstr("step 2 (1/2) loss="));
  EXPECT_THAT(r.out, HasSubstr("saved " + save + "/model-2\n"));
  EXPECT_THAT(r.out, HasSubstr("saved " + save + "/model-3\n"));
  r = Cli({"train", meta_, "--feed", "x=" + x_npy_, "--feed", "y=" + y_npy, "--steps", "1", "--save", save});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("restored " + save + "/model-3 (step 3)\n"));
  EXPECT_THAT(r.out, HasSubstr("saved " + save + "/model-4\n"));

  r = Cli({"run", meta_, "--checkpoint", save, "--feed", "x=" + x_npy_, "--fetch", "logits", "--out", dir_ + "/trained_out"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto got = ReadNpy(dir_ + "/trained_out/logits.npy");
  ASSERT_OK(got.status());
  test::ExpectTensorEqual(*got, out[0]);
}

// The "batch=..." reports of `sluice train` output, by global step.
std::map<int64_t, std::string> ReportedBatches(const std::string& out) {
  std::map<int64_t, std::string> by_step;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    int64_t step = 0;
    size_t at = line.find(" batch=");
    if (!absl::ConsumePrefix(&line, "step ") || at == absl::string_view::npos) continue;
    if (!absl::SimpleAtoi(line.substr(0, line.find(' ')), &step)) continue;
    absl::string_view rest = line.substr(line.find(" batch=") + 7);
    by_step[step] = std::string(rest.substr(0, rest.find(']') + 1));
  }
  return by_step;
}

TEST_F(CliTest, TrainResumesTheInputPipelineWhereTheSavedRunStopped) {
  // A pipeline (slices shuffled, repeated, batched) whose iterator the saver saves, and a train
  // op that adds each batch's sum to a variable.
  Scope root = Scope::NewRootScope();
  std::vector<int64_t> values(30);
  for (int i = 0; i < 30; ++i) values[i] = i * 7 % 30;
  data::Iterator it = data::TensorSliceDataset(root, {ops::Const(root, Tensor::FromVector<int64_t>(values))})
                          .Shuffle(10, /*seed=*/5)
                          .Repeat(2)
                          .Batch(4)
                          .Prefetch(1)
                          .MakeInitializableIterator();
  Output batch = ops::Identity(root.WithOpName("batch"), it.GetNext()[0]);
  Variable total(root.WithOpName("total"), Tensor::Scalar<int64_t>(0), /*trainable=*/false);
  Output train = ops::AssignAdd(root.WithOpName("train"), total.ref(), ops::Sum(root, batch, {0}));
  root.AddToCollection("train_op", train.node()->name());
  root.AddToCollection("iterator_initializers", it.initializer.node()->name());
  ops::GlobalVariablesInitializer(root);
  train::Saver saver(root, {.iterators = {it}});
  ASSERT_OK(saver.status());
  const std::string meta = dir_ + "/pipeline.meta";
  ASSERT_OK(ExportMetaGraph(root, &saver, meta));

  CliResult whole = Cli({"train", meta, "--steps", "12", "--report", "batch", "--log-every", "1"});
  ASSERT_EQ(whole.code, 0) << whole.err;
  const std::map<int64_t, std::string> want = ReportedBatches(whole.out);
  ASSERT_EQ(want.size(), 12u) << whole.out;
  // 5 steps, saved; then 7 more from the checkpoint: the same batches, the 6th on (mid-epoch,
  // mid-shuffle: an epoch is 8 batches).
  const std::string save = dir_ + "/pipeline_ckpt";
  CliResult first = Cli({"train", meta, "--steps", "5", "--report", "batch", "--log-every", "1", "--save", save});
  ASSERT_EQ(first.code, 0) << first.err;
  CliResult second = Cli({"train", meta, "--steps", "7", "--report", "batch", "--log-every", "1", "--save", save});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_THAT(second.out, HasSubstr("restored " + save + "/model-5 (step 5)"));
  std::map<int64_t, std::string> got = ReportedBatches(first.out);
  for (const auto& [step, value] : ReportedBatches(second.out)) got[step] = value;
  EXPECT_EQ(got, want) << first.out << second.out;
  // The sum of all 12 batches is in the variable of the last checkpoint either way.
  auto reader = BundleReader::Open(save + "/model-12");
  ASSERT_OK(reader.status());
  EXPECT_THAT((*reader)->TensorNames(), ::testing::Contains(absl::StrCat(it.handle.node()->name(), ":0_STATE")));
}

TEST_F(CliModelTest, TrainBatchesEpochsAndErrors) {
  // 4 rows in batches of 2: 2 steps an epoch.
  const std::string x4 = dir_ + "/x4.npy", y4 = dir_ + "/y4.npy";
  ASSERT_OK(WriteNpy(x4, Tensor::FromVector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {4, 3})));
  ASSERT_OK(WriteNpy(y4, Tensor::FromVector<int64_t>({1, 0, 0, 1})));
  CliResult r = Cli({"train", meta_, "--restore", ckpt_dir_, "--feed", "x=" + x4, "--feed", "y=" + y4, "--batch", "2",
                     "--epochs", "2", "--report", "loss", "--log-every", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("step 3 (2/4, epoch 1) loss="));
  EXPECT_THAT(r.out, HasSubstr("step 5 (4/4, epoch 2) loss="));

  ExpectOneLineError(Cli({"train", meta_, "--feed", "x=" + x4}), 2, "give one of --steps N and --epochs N");
  ExpectOneLineError(Cli({"train", meta_, "--epochs", "1"}), 2, "--epochs needs --batch N");
  ExpectOneLineError(Cli({"train", meta_, "--steps", "1", "--every", "2"}), 2, "--every needs --save DIR");
  ExpectOneLineError(Cli({"train", meta_, "--steps", "0"}), 2, "--steps wants a positive count");
  ExpectOneLineError(Cli({"train", model_, "--steps", "1"}), 1, "has no train_op collection: give --target OP");
  ExpectOneLineError(Cli({"train", meta_, "--feed", "x=" + x4, "--feed", "y=" + WriteY2(), "--batch", "2", "--steps", "1"}),
                     1, "feed 'y' has 2 rows, the feeds before it 4");
  ExpectOneLineError(Cli({"train", meta_, "--feed", "x=" + x4, "--steps", "1"}), 1, "y");
}

// Ctrl-C stops training after the current step, saves a checkpoint and exits 0.
TEST_F(CliModelTest, TrainSavesOnInterrupt) {
  const std::string save = dir_ + "/interrupted";
  std::string cmd = absl::StrCat("timeout --preserve-status -s INT 5 ", Quote(SLUICE_CLI_PATH), " train ", Quote(meta_),
                                 " --restore ", Quote(ckpt_dir_), " --feed ", Quote("x=" + x_npy_), " --feed ",
                                 Quote("y=" + WriteY2()), " --steps 1000000000 --log-every 1000000 --save ",
                                 Quote(save), " >", Quote(dir_ + "/int_out"), " 2>", Quote(dir_ + "/int_err"));
  int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  std::string out = ReadFileToString(dir_ + "/int_out").value_or("");
  EXPECT_EQ(WEXITSTATUS(status), 0) << out << ReadFileToString(dir_ + "/int_err").value_or("");
  EXPECT_THAT(out, HasSubstr("interrupted after step "));
  EXPECT_THAT(out, HasSubstr("saved " + save + "/model-"));
  auto latest = train::LatestCheckpoint(save);
  ASSERT_OK(latest.status());
}

// `sluice train` on a meta graph TensorFlow wrote (tests/data/tf/meta): TensorFlow's losses.
TEST_F(CliTest, TrainReachesTensorFlowsLosses) {
  const std::string data = SLUICE_SOURCE_DIR "/tests/data/tf/meta";
  CliResult r = Cli({"train", data + "/mlp_adam.meta", "--restore", data + "/mlp_adam", "--feed", "x=" + data + "/x.npy",
                     "--feed", "y=" + data + "/y.npy", "--steps", "5", "--report", "loss:0", "--log-every", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto want = ReadNpy(data + "/mlp_adam/losses.npy");
  ASSERT_OK(want.status());
  std::vector<double> got;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    size_t at = line.find("loss:0=");
    if (at == absl::string_view::npos) continue;
    double value = 0;
    absl::string_view number = line.substr(at + 7);
    ASSERT_TRUE(absl::SimpleAtod(number.substr(0, number.find(' ')), &value)) << line;
    got.push_back(value);
  }
  ASSERT_EQ(got.size(), 5u) << r.out;
  // The progress line prints 6 significant digits.
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(got[i], want->data<float>()[i], 1e-5) << "step " << i;
}

// The values after "<tensor>=" on each progress line of `out`.
std::vector<double> ReportedValues(const std::string& out, const std::string& tensor) {
  std::vector<double> got;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    size_t at = line.find(tensor + "=");
    if (at == absl::string_view::npos) continue;
    double value = 0;
    absl::string_view number = line.substr(at + tensor.size() + 1);
    EXPECT_TRUE(absl::SimpleAtod(number.substr(0, number.find(' ')), &value)) << line;
    got.push_back(value);
  }
  return got;
}

TEST_F(CliTest, TrainWritesTheGraphAndSummariesToLogdir) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 3});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  auto logits = layers::Dense(root.NewSubScope("out"), x, 2);
  auto loss = ops::ReduceMean(root.WithOpName("loss"), ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  Variable global_step = train::CreateGlobalStep(root);
  train::AdamOptimizer(0.05f).Minimize(root.WithOpName("train"), loss, {}, &global_step);
  ops::ScalarSummary(root, "loss", loss);
  ops::ScalarSummary(root.WithOpName("loss_squared"), "loss_squared", ops::Mul(root, loss, loss));
  train::Saver saver(root);
  const std::string meta = dir_ + "/summaries.meta", y_npy = dir_ + "/y.npy";
  ASSERT_OK(ExportMetaGraph(root, &saver, meta));
  ASSERT_OK(WriteNpy(y_npy, Tensor::FromVector<int64_t>({1, 0})));

  const std::string logdir = dir_ + "/logs";
  CliResult r = Cli({"train", meta, "--feed", "x=" + x_npy_, "--feed", "y=" + y_npy, "--steps", "6", "--report",
                     "loss:0", "--log-every", "1", "--summary-every", "2", "--logdir", logdir});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<double> losses = ReportedValues(r.out, "loss:0");
  ASSERT_EQ(losses.size(), 6u) << r.out;
  auto files = summary::EventFilesInDirectory(logdir);
  ASSERT_OK(files.status());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_THAT(r.out, HasSubstr("wrote " + (*files)[0]));
  auto events = summary::ReadEventFile((*files)[0]);
  ASSERT_OK(events.status());
  ASSERT_EQ(events->size(), 5u);  // file_version, the graph, steps 2, 4 and 6
  EXPECT_EQ((*events)[0].file_version(), "brain.Event:2");
  GraphDef graph;
  ASSERT_TRUE(graph.ParseFromString((*events)[1].graph_def()));
  EXPECT_GT(graph.node_size(), 10);
  for (int i = 0; i < 3; ++i) {
    const Event& e = (*events)[2 + i];
    EXPECT_EQ(e.step(), 2 * (i + 1));  // the global_step variable's value after the step
    ASSERT_EQ(e.summary().value_size(), 2);
    EXPECT_EQ(e.summary().value(0).tag(), "loss");
    EXPECT_EQ(e.summary().value(1).tag(), "loss_squared");
    const double want = losses[2 * i + 1];  // printed with 6 significant digits
    EXPECT_NEAR(e.summary().value(0).simple_value(), want, 1e-5 * want);
    EXPECT_NEAR(e.summary().value(1).simple_value(), want * want, 3e-5 * want * want);
  }

  // One --summary tensor, at every --log-every interval.
  const std::string logdir2 = dir_ + "/logs2";
  r = Cli({"train", meta, "--feed", "x=" + x_npy_, "--feed", "y=" + y_npy, "--steps", "4", "--log-every", "2",
           "--logdir", logdir2, "--summary", "loss_squared:0"});
  ASSERT_EQ(r.code, 0) << r.err;
  files = summary::EventFilesInDirectory(logdir2);
  ASSERT_OK(files.status());
  ASSERT_EQ(files->size(), 1u);
  events = summary::ReadEventFile((*files)[0]);
  ASSERT_OK(events.status());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[3].step(), 4);
  ASSERT_EQ((*events)[3].summary().value_size(), 1);
  EXPECT_EQ((*events)[3].summary().value(0).tag(), "loss_squared");

  r = Cli({"train", meta, "--feed", "x=" + x_npy_, "--steps", "1", "--summary", "loss:0"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--logdir"));
  r = Cli({"train", meta, "--feed", "x=" + x_npy_, "--feed", "y=" + y_npy, "--steps", "1", "--logdir", logdir2,
           "--summary", "loss:0"});
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("not a serialized Summary"));
}

// The summaries of the events of the one event file in `logdir`, by step.
std::vector<Event> SummaryEvents(const std::string& logdir) {
  std::vector<Event> out;
  auto files = summary::EventFilesInDirectory(logdir);
  EXPECT_TRUE(files.ok() && files->size() == 1u) << logdir;
  if (!files.ok() || files->size() != 1u) return out;
  auto events = summary::ReadEventFile((*files)[0]);
  EXPECT_TRUE(events.ok()) << events.status();
  if (!events.ok()) return out;
  for (const Event& e : *events) {
    if (e.has_summary()) out.push_back(e);
  }
  return out;
}

// A TF1 training graph as tf.compat.v1 builds it (tests/data/tf/make_tf1_train_fixture.py: a
// None batch, tf.compat.v1.losses + L2, in_top_k accuracy, scalar summaries, merge_all, global
// step, Adam, Saver): sluice trains it from TF's checkpoint step for step like TensorFlow, logs
// the summaries, and a second run resumes from the checkpoint the first saved.
TEST_F(CliTest, TrainsTheTf1TrainingGraphLikeTensorFlow) {
  const std::string data = SLUICE_SOURCE_DIR "/tests/data/tf/tf1_train";
  auto want_loss = ReadNpy(data + "/losses.npy");
  auto want_accuracy = ReadNpy(data + "/accuracy.npy");
  ASSERT_OK(want_loss.status());
  ASSERT_OK(want_accuracy.status());
  ASSERT_EQ(want_loss->NumElements(), 10);
  const std::string save = dir_ + "/save";
  for (int run = 0; run < 2; ++run) {
    const std::string logdir = absl::StrCat(dir_, "/logs", run);
    std::vector<std::string> args = {"train", data + "/model.meta", "--feed", "x=" + data + "/x.npy", "--feed",
                                     "y=" + data + "/y.npy", "--steps", "5", "--report", "total_loss:0", "--log-every",
                                     "1", "--logdir", logdir, "--save", save};
    if (run == 0) {
      args.push_back("--restore");
      args.push_back(data + "/ckpt");
    }
    CliResult r = Cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
    if (run == 1) {
      EXPECT_THAT(r.out, HasSubstr("restored " + save + "/model-5 (step 5)"));
    }
    EXPECT_THAT(r.out, HasSubstr(absl::StrCat("saved ", save, "/model-", 5 * (run + 1))));
    const std::vector<double> got = ReportedValues(r.out, "total_loss:0");
    ASSERT_EQ(got.size(), 5u) << r.out;
    const std::vector<Event> events = SummaryEvents(logdir);
    ASSERT_EQ(events.size(), 5u);
    for (int i = 0; i < 5; ++i) {
      const int step = 5 * run + i;
      EXPECT_NEAR(got[i], want_loss->data<float>()[step], 1e-5) << "step " << step;
      const Event& e = events[i];
      EXPECT_EQ(e.step(), step + 1);
      ASSERT_EQ(e.summary().value_size(), 2);
      EXPECT_EQ(e.summary().value(0).tag(), "loss");
      EXPECT_EQ(e.summary().value(1).tag(), "accuracy");
      EXPECT_NEAR(e.summary().value(0).simple_value(), want_loss->data<float>()[step], 1e-5) << "step " << step;
      EXPECT_FLOAT_EQ(e.summary().value(1).simple_value(), want_accuracy->data<float>()[step]) << "step " << step;
    }
  }
}

// sluice ckpt over the bundle TensorFlow wrote (tests/data/tf/make_fixtures.py says what it holds).
const std::string& TfBundle() {
  static const std::string prefix = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/bundle/model.ckpt";
  return prefix;
}

TEST_F(CliTest, CkptListsTheTensorsTensorFlowSaved) {
  CliResult r = Cli({"ckpt", "list", TfBundle()});
  ASSERT_EQ(r.code, 0) << r.err;
  // Bytes as stored: elements x width; the strings "the", "", "café", 200 x "x": their varint
  // lengths (1+1+1+2), a 4-byte checksum, then 3+0+5+200 bytes.
  EXPECT_EQ(r.out,
            "counts int32 [4] 16 bytes\n"
            "dense/bias double [2] 16 bytes\n"
            "dense/kernel float [2,3] 24 bytes\n"
            "empty float [0,4] 0 bytes\n"
            "global_step int64 [] 8 bytes\n"
            "mask bool [3] 3 bytes\n"
            "small uint8 [1,2] 2 bytes\n"
            "vocab string [4] 217 bytes\n" +
                TfBundle() + ": 8 tensors, 286 bytes\n");
  CliResult one = Cli({"ckpt", "list", TfBundle() + ".index", "--tensor", "global_step"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out, "global_step int64 [] 8 bytes\n" + TfBundle() + ": 1 tensors, 8 bytes\n");
}

TEST_F(CliTest, CkptDumpsValues) {
  CliResult r = Cli({"ckpt", "dump", TfBundle(), "--tensor", "dense/kernel"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "dense/kernel = float [2,3] [[-0.5 -0.25 0] [0.25 0.5 0.75]]\n");
  CliResult all = Cli({"ckpt", "dump", TfBundle(), "--summarize", "-1"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_THAT(all.out, HasSubstr("counts = int32 [4] [1 -2 3 2147483647]\n"));
  EXPECT_THAT(all.out, HasSubstr("global_step = int64 [] 1999\n"));
  EXPECT_THAT(all.out, HasSubstr("mask = bool [3] [true false true]\n"));
  EXPECT_THAT(all.out, HasSubstr("\"" + std::string(200, 'x') + "\"]\n"));
  CliResult few = Cli({"ckpt", "dump", TfBundle(), "--tensor", "counts", "--summarize", "2"});
  ASSERT_EQ(few.code, 0) << few.err;
  EXPECT_THAT(few.out, StartsWith("counts = int32 [4] [1 -2"));
  EXPECT_THAT(few.out, Not(HasSubstr("2147483647")));
}

TEST_F(CliTest, CkptDiffsTwoCheckpointsAndReadsADirectory) {
  // TF's bundle with one kernel element moved by 0.5 and a count by 7, "mask" left out, "extra" added.
  const std::string dir = dir_ + "/ckpts";
  const std::string other = dir + "/model-5";
  {
    auto reader = BundleReader::Open(TfBundle());
    ASSERT_TRUE(reader.ok()) << reader.status();
    auto writer = BundleWriter::Create(other);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const std::string& name : (*reader)->TensorNames()) {
      if (name == "mask") continue;
      Tensor t = *(*reader)->Lookup(name);
      if (name == "dense/kernel") t.data<float>()[4] += 0.5f;
      if (name == "counts") t.data<int32_t>()[1] -= 7;
      ASSERT_TRUE((*writer)->Add(name, t).ok());
    }
    ASSERT_TRUE((*writer)->Add("extra", Tensor::FromVector<float>({1.f})).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
    train::CheckpointState state;
    state.model_checkpoint_path = other;
    state.all_model_checkpoint_paths = {other};
    ASSERT_TRUE(train::WriteCheckpointState(dir, state).ok());
  }
  CliResult r = Cli({"ckpt", "diff", TfBundle(), dir});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "counts: 1 of 4 elements differ, max abs difference 7\n"
            "dense/bias: equal\n"
            "dense/kernel: 1 of 6 elements differ, max abs difference 0.5\n"
            "empty: equal\n"
            "extra: only in " + other + "\n"
            "global_step: equal\n"
            "mask: only in " + TfBundle() + "\n"
            "small: equal\n"
            "vocab: equal\n"
            "4 of 9 tensors differ\n");
  CliResult one = Cli({"ckpt", "diff", dir, TfBundle(), "--tensor", "dense/kernel"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out, "dense/kernel: 1 of 6 elements differ, max abs difference 0.5\n1 of 1 tensors differ\n");
  CliResult listed = Cli({"ckpt", "list", dir});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("extra float [1] 4 bytes\n"));
  EXPECT_THAT(listed.out, HasSubstr(other + ": 8 tensors"));
}

TEST_F(CliTest, CkptErrorsAreOneLine) {
  ExpectOneLineError(Cli({"ckpt", "list", dir_ + "/none-1"}), 1, dir_ + "/none-1.index");
  ExpectOneLineError(Cli({"ckpt", "list", dir_}), 1, "no checkpoint state file '" + dir_ + "/checkpoint'");
  ExpectOneLineError(Cli({"ckpt", "dump", TfBundle(), "--tensor", "nope"}), 1, "no tensor 'nope'");
  ExpectOneLineError(Cli({"ckpt", "diff", TfBundle(), TfBundle(), "--tensor", "nope"}), 1, "'nope'");
  // A flipped byte in the data: the file and the tensor.
  const std::string copy = dir_ + "/copy";
  ASSERT_TRUE(WriteStringToFileAtomic(copy + ".index", *ReadFileToString(TfBundle() + ".index")).ok());
  std::string data = *ReadFileToString(TfBundle() + ".data-00000-of-00001");
  data[0] ^= 1;  // the first tensor stored: "counts"
  ASSERT_TRUE(WriteStringToFileAtomic(copy + ".data-00000-of-00001", data).ok());
  CliResult r = Cli({"ckpt", "dump", copy});
  ExpectOneLineError(r, 1, copy + ".data-00000-of-00001");
  EXPECT_THAT(r.err, HasSubstr("'counts'"));
  EXPECT_EQ(r.out, "");
  ExpectOneLineError(Cli({"ckpt", "diff", TfBundle(), copy}), 1, "'counts'");
  // Truncated index.
  ASSERT_TRUE(WriteStringToFileAtomic(copy + ".index", ReadFileToString(TfBundle() + ".index")->substr(0, 30)).ok());
  ExpectOneLineError(Cli({"ckpt", "list", copy}), 1, copy + ".index");
  // The command line.
  ExpectOneLineError(Cli({"ckpt"}), 2, "missing the action");
  ExpectOneLineError(Cli({"ckpt", "show", TfBundle()}), 2, "unknown action 'show'");
  ExpectOneLineError(Cli({"ckpt", "list"}), 2, "list takes 1 checkpoint");
  ExpectOneLineError(Cli({"ckpt", "diff", TfBundle()}), 2, "diff takes 2 checkpoints");
  ExpectOneLineError(Cli({"ckpt", "dump", TfBundle(), "--summarize", "x"}), 2, "--summarize");
  ExpectOneLineError(Cli({"ckpt", "list", TfBundle(), "--frob"}), 2, "unknown flag --frob");
}

TEST_F(CliTest, GraphWritesGraphvizDot) {
  CliResult r = Cli({"graph", model_, "--dot"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("digraph \"" + model_ + "\" {\n"));
  EXPECT_THAT(r.out, HasSubstr("  \"x\" [label=\"x\\nPlaceholder\", shape=ellipse];\n"));
  EXPECT_THAT(r.out, HasSubstr("  \"w\" [label=\"w\\nVariableV2\", shape=cylinder];\n"));
  EXPECT_THAT(r.out, HasSubstr("  \"y\" [label=\"y\\nIdentity\", shape=box];\n"));
  // One edge per input of the GraphDef (read here with the library, not by the command).
  auto graph_def = ReadGraphDef(model_);
  ASSERT_TRUE(graph_def.ok());
  int data_edges = 0, control_edges = 0;
  for (const NodeDef& node : graph_def->node()) {
    for (const std::string& input : node.input()) {
      if (input[0] == '^') {
        ++control_edges;
        EXPECT_THAT(r.out, HasSubstr("  \"" + input.substr(1) + "\" -> \"" + node.name() + "\" [style=dashed];\n"));
      } else {
        ++data_edges;
        EXPECT_THAT(r.out, HasSubstr("  \"" + input.substr(0, input.find(':')) + "\" -> \"" + node.name() + "\""));
      }
    }
  }
  EXPECT_GT(control_edges, 0);  // the initializer's
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '>'), data_edges + control_edges);
  EXPECT_THAT(r.out, ::testing::EndsWith("}\n"));
  ExpectOneLineError(Cli({"graph", dir_ + "/none.pb"}), 1, dir_ + "/none.pb");
  ExpectOneLineError(Cli({"graph"}), 2, "missing MODEL.pb");
}

TEST_F(CliTest, VersionIsTheProjectVersion) {
  // project(sluice VERSION x.y.z ...) in the top CMakeLists.txt.
  std::string cmake = *ReadFileToString(std::string(SLUICE_SOURCE_DIR) + "/CMakeLists.txt");
  size_t at = cmake.find("project(sluice VERSION ");
  ASSERT_NE(at, std::string::npos);
  at += std::strlen("project(sluice VERSION ");
  const std::string version = cmake.substr(at, cmake.find(' ', at) - at);
  CliResult r = Cli({"--version"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "sluice " + version + "\n");
  CliResult help = Cli({"help", "help"});
  ASSERT_EQ(help.code, 0) << help.err;
  EXPECT_THAT(help.out, StartsWith("usage: sluice help [COMMAND]"));
  for (const char* command : {"ckpt", "graph"}) {
    CliResult h = Cli({"help", command});
    EXPECT_EQ(h.code, 0) << command;
    EXPECT_THAT(h.out, StartsWith(absl::StrCat("usage: sluice ", command))) << command;
    EXPECT_THAT(Cli({}).err, HasSubstr(absl::StrCat("  ", command, " ")));
  }
}

}  // namespace
}  // namespace sluice
