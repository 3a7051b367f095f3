// End-to-end tests of the sluice program (build/bin/sluice), run as a subprocess on a GraphDef
// the test builds with the client API.
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/control_flow_ops.h"
#include "ops/math_ops.h"
#include "ops/state_ops.h"
#include "ops/saver.h"
#include "ops/variables.h"
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
  ExpectOneLineError(Cli({"run"}), 2, "missing MODEL.pb");
  ExpectOneLineError(Cli({"run", model_}), 2, "nothing to run");
  ExpectOneLineError(Cli({"run", model_, "--feed", "x", "--fetch", "y"}), 2, "--feed wants NAME=FILE.npy");
  ExpectOneLineError(Cli({"run", model_, "--fetch"}), 2, "--fetch needs a value");
  ExpectOneLineError(Cli({"run", model_, "--bogus", "1"}), 2, "unknown flag --bogus");
  ExpectOneLineError(Cli({"run", model_, "--fetch", "y", "--summarize", "x"}), 2, "--summarize");
  ExpectOneLineError(Cli({"inspect"}), 2, "usage: sluice inspect");
  ExpectOneLineError(Cli({"ops", "extra"}), 2, "unexpected argument 'extra'");
}

TEST_F(CliTest, HelpExitsWithZero) {
  CliResult r = Cli({"help"});
  EXPECT_EQ(r.code, 0);
  for (const char* c : {"run", "inspect", "ops"}) EXPECT_THAT(r.out, HasSubstr(c));
  r = Cli({"run", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_THAT(r.out, StartsWith("usage: sluice run MODEL.pb"));
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
