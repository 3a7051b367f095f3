// train::Saver and the checkpoint ops (SaveV2, RestoreV2, MergeV2Checkpoints).
#include "ops/saver.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/initializers.h"
#include "ops/layers.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/state_ops.h"
#include "ops/training.h"
#include "runtime/session.h"
#include "runtime/tensor_bundle.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::string Bytes(const Tensor& t) {
  if (t.dtype() == DT_STRING) {
    std::string out;
    for (int64_t i = 0; i < t.NumElements(); ++i) absl::StrAppend(&out, t.data<std::string>()[i], "|");
    return out;
  }
  return std::string(static_cast<const char*>(t.raw_data()), t.NumElements() * DataTypeSize(t.dtype()));
}

std::vector<Tensor> Fetch(Session& session, const std::vector<Variable>& vars) {
  std::vector<Output> values;
  for (const Variable& v : vars) values.push_back(v.value());
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, values, &out));
  return out;
}

void ExpectSame(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].dtype(), b[i].dtype()) << i;
    EXPECT_EQ(a[i].shape(), b[i].shape()) << i;
    EXPECT_EQ(Bytes(a[i]), Bytes(b[i])) << i;
  }
}

// A float and an int ref variable and a resource variable, and an op that changes all three.
struct SmallModel {
  Scope root = Scope::NewRootScope();
  Variable w{root.WithOpName("dense/w"), Tensor::FromVector<float>({0.5f, -1.25f, 3e-8f, 7.f, -0.f, 1e30f}, {2, 3})};
  Variable n{root.WithOpName("counts"), Tensor::FromVector<int32_t>({1, -2, 2147483647, 0})};
  ResourceVariable r{root.WithOpName("res"), Tensor::FromVector<double>({1e300, -0.125})};
  Operation init = ops::GlobalVariablesInitializer(root);
  Operation change = ops::Group(root, {ops::Assign(root, w.ref(), Tensor(DT_FLOAT, TensorShape{2, 3})).op(),
                                       ops::Assign(root, n.ref(), Tensor::FromVector<int32_t>({9, 9, 9, 9})).op(),
                                       ops::AssignVariableOp(root, r.handle(), Tensor::FromVector<double>({2, 3}))});
  std::vector<Variable> vars() const { return {w, n, r}; }
};

TEST(SaverTest, SaveRestoreIsBitIdentical) {
  test::TempDir dir;
  SmallModel m;
  train::Saver saver(m.root);
  ASSERT_OK(saver.status());
  EXPECT_EQ(saver.filename_tensor_name(), "save/Const:0");
  EXPECT_EQ(saver.save_tensor_name(), "save/control_dependency:0");
  EXPECT_EQ(saver.restore_op_name(), "save/restore_all");
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  std::vector<Tensor> before = Fetch(session, m.vars());
  std::string path;
  ASSERT_OK(saver.Save(session, dir.path() + "/model", 7, &path));
  EXPECT_EQ(path, dir.path() + "/model-7");
  ASSERT_OK(session.Run({}, {}, {m.change}));
  ASSERT_OK(saver.Restore(session, path));
  ExpectSame(Fetch(session, m.vars()), before);

  // A fresh session of the same graph: nothing initialized, everything restored.
  Session fresh(m.root);
  ASSERT_OK(saver.Restore(fresh, path));
  ExpectSame(Fetch(fresh, m.vars()), before);

  auto reader = BundleReader::Open(path);
  ASSERT_OK(reader.status());
  EXPECT_EQ((*reader)->TensorNames(), (std::vector<std::string>{"counts", "dense/w", "res"}));
}

TEST(SaverTest, SaverNodesHaveTfOneLayout) {
  SmallModel m;
  train::Saver saver(m.root);
  ASSERT_OK(saver.status());
  for (const char* name : {"save/filename", "save/Const", "save/SaveV2", "save/SaveV2/tensor_names",
                           "save/SaveV2/shape_and_slices", "save/control_dependency", "save/RestoreV2",
                           "save/Assign", "save/Assign_1", "save/AssignVariableOp", "save/restore_all"}) {
    EXPECT_NE(m.root.graph()->FindNode(name), nullptr) << name;
  }
  EXPECT_EQ(m.root.graph()->FindNode("save/Const")->type_string(), "PlaceholderWithDefault");
}

TEST(SaverTest, TwoThousandVariables) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  std::vector<Variable> vars;
  for (int i = 0; i < 2000; ++i) {
    vars.emplace_back(root.WithOpName(absl::StrCat("layer", i / 10, "/v", i)),
                      Tensor::FromVector<float>({i * 0.5f, -i * 1.0f, 1.0f / (i + 1)}));
  }
  Operation init = ops::GlobalVariablesInitializer(root);
  train::Saver saver(root);
  ASSERT_OK(saver.status());
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {init}));
  std::vector<Tensor> before = Fetch(session, vars);
  std::string path;
  ASSERT_OK(saver.Save(session, dir.path() + "/big", 1, &path));
  Session fresh(root);
  ASSERT_OK(saver.Restore(fresh, path));
  ExpectSame(Fetch(fresh, vars), before);
}

TEST(SaverTest, AdamTrainingResumesExactly) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  auto h = layers::Dense(root.NewSubScope("hidden"), x, 8, ops::Relu, init::GlorotUniform(1));
  auto logits = layers::Dense(root.NewSubScope("out"), h, 3, nullptr, init::GlorotUniform(2));
  auto loss = ops::ReduceMean(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  train::AdamOptimizer adam(0.01f);
  auto train_op = adam.Minimize(root, loss);
  auto init = ops::GlobalVariablesInitializer(root);
  train::Saver saver(root);
  ASSERT_OK(saver.status());
  std::vector<Variable> vars = root.global_variables();
  std::vector<std::string> names;
  for (const Variable& v : vars) names.push_back(v.name());
  EXPECT_THAT(names, ::testing::IsSupersetOf({"hidden/kernel", "hidden/kernel/Adam", "hidden/kernel/Adam_1",
                                              "out/bias/Adam", "out/bias/Adam_1", "beta1_power", "beta2_power"}));

  Tensor bx = Tensor::FromVector<float>({0.1f, -0.2f, 0.3f, 0.4f, 1.f, 0.5f, -0.5f, 0.f, -1.f, 2.f, 0.25f, 0.75f}, {3, 4});
  Tensor by = Tensor::FromVector<int64_t>({0, 2, 1});
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {init}));
  for (int step = 0; step < 3; ++step) ASSERT_OK(session.Run({{x, bx}, {y, by}}, {}, {train_op}));
  std::string path;
  ASSERT_OK(saver.Save(session, dir.path() + "/mlp", 3, &path));
  std::vector<Tensor> loss_a;
  ASSERT_OK(session.Run({{x, bx}, {y, by}}, {loss}, {train_op}, &loss_a));
  std::vector<Tensor> after_a = Fetch(session, vars);

  Session resumed(root);
  ASSERT_OK(saver.Restore(resumed, path));
  std::vector<Tensor> loss_b;
  ASSERT_OK(resumed.Run({{x, bx}, {y, by}}, {loss}, {train_op}, &loss_b));
  ExpectSame(loss_b, loss_a);
  ExpectSame(Fetch(resumed, vars), after_a);
}

std::string ReadState(const std::string& dir) {
  auto text = ReadFileToString(dir + "/checkpoint");
  SLUICE_CHECK_OK(text.status());
  return *text;
}

TEST(SaverTest, MaxToKeepRotatesAndStateFileListsKept) {
  test::TempDir dir;
  SmallModel m;
  train::Saver saver(m.root, train::SaverOptions{.max_to_keep = 2});
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  for (int step = 1; step <= 4; ++step) ASSERT_OK(saver.Save(session, dir.path() + "/model", step));
  for (int step : {1, 2}) {
    EXPECT_FALSE(FileExists(absl::StrCat(dir.path(), "/model-", step, ".index"))) << step;
    EXPECT_FALSE(FileExists(absl::StrCat(dir.path(), "/model-", step, ".data-00000-of-00001"))) << step;
  }
  for (int step : {3, 4}) EXPECT_TRUE(FileExists(absl::StrCat(dir.path(), "/model-", step, ".index"))) << step;
  // TF's CheckpointState text: the paths, then the times they were written, then the time before
  // which rotated-out checkpoints were kept for good (here: when the saver was made).
  std::vector<std::string> lines = absl::StrSplit(ReadState(dir.path()), '\n');
  ASSERT_EQ(lines.size(), 7u) << ReadState(dir.path());
  EXPECT_EQ(lines[0], "model_checkpoint_path: \"model-4\"");
  EXPECT_EQ(lines[1], "all_model_checkpoint_paths: \"model-3\"");
  EXPECT_EQ(lines[2], "all_model_checkpoint_paths: \"model-4\"");
  EXPECT_THAT(lines[3], ::testing::StartsWith("all_model_checkpoint_timestamps: "));
  EXPECT_THAT(lines[4], ::testing::StartsWith("all_model_checkpoint_timestamps: "));
  EXPECT_THAT(lines[5], ::testing::StartsWith("last_preserved_timestamp: "));
  EXPECT_EQ(lines[6], "");
  EXPECT_EQ(saver.last_checkpoints(), (std::vector<std::string>{dir.path() + "/model-3", dir.path() + "/model-4"}));
  auto latest = train::LatestCheckpoint(dir.path());
  ASSERT_OK(latest.status());
  EXPECT_EQ(*latest, dir.path() + "/model-4");
  auto state = train::ReadCheckpointState(dir.path());
  ASSERT_OK(state.status());
  EXPECT_EQ(state->all_model_checkpoint_paths,
            (std::vector<std::string>{dir.path() + "/model-3", dir.path() + "/model-4"}));
  // The times: in the order written, after the saver was made, and no later than now.
  ASSERT_EQ(state->all_model_checkpoint_timestamps.size(), 2u);
  const double now = static_cast<double>(std::time(nullptr)) + 1;
  EXPECT_GT(state->last_preserved_timestamp, now - 600);
  EXPECT_LE(state->last_preserved_timestamp, state->all_model_checkpoint_timestamps[0]);
  EXPECT_LT(state->all_model_checkpoint_timestamps[0], state->all_model_checkpoint_timestamps[1]);
  EXPECT_LE(state->all_model_checkpoint_timestamps[1], now);
  // No directory (no rename temporaries) is left behind.
  auto children = GetChildren(dir.path());
  ASSERT_OK(children.status());
  EXPECT_EQ(*children, (std::vector<std::string>{"checkpoint", "model-3.data-00000-of-00001", "model-3.index",
                                                  "model-4.data-00000-of-00001", "model-4.index"}));
}

// A new Saver (a restarted program) takes over the checkpoints of the state file and rotates
// them out; without RecoverLastCheckpoints it would leave them on disk for good.
TEST(SaverTest, RecoverLastCheckpointsAfterARestart) {
  test::TempDir dir;
  SmallModel m;
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  {
    train::Saver first(m.root, train::SaverOptions{.max_to_keep = 2});
    for (int step = 1; step <= 3; ++step) ASSERT_OK(first.Save(session, dir.path() + "/model", step));
  }
  train::Saver second(m.root, train::SaverOptions{.max_to_keep = 2});
  auto state = train::ReadCheckpointState(dir.path());
  ASSERT_OK(state.status());
  // A path whose files are gone is skipped.
  std::vector<std::string> paths = state->all_model_checkpoint_paths;
  paths.insert(paths.begin(), dir.path() + "/model-1");
  second.RecoverLastCheckpoints(paths);
  EXPECT_EQ(second.last_checkpoints(), (std::vector<std::string>{dir.path() + "/model-2", dir.path() + "/model-3"}));
  ASSERT_OK(second.Save(session, dir.path() + "/model", 4));
  EXPECT_FALSE(FileExists(dir.path() + "/model-2.index"));
  EXPECT_TRUE(FileExists(dir.path() + "/model-3.index"));
  auto after = train::ReadCheckpointState(dir.path());
  ASSERT_OK(after.status());
  EXPECT_EQ(after->all_model_checkpoint_paths,
            (std::vector<std::string>{dir.path() + "/model-3", dir.path() + "/model-4"}));
  // model-3's time is its index file's modification time, no later than model-4's.
  ASSERT_EQ(after->all_model_checkpoint_timestamps.size(), 2u);
  EXPECT_EQ(after->all_model_checkpoint_timestamps[0], *GetFileModificationTime(dir.path() + "/model-3.index"));
  EXPECT_LE(after->all_model_checkpoint_timestamps[0], after->all_model_checkpoint_timestamps[1]);
}

TEST(SaverTest, KeepCheckpointEveryNHoursKeepsOldOnes) {
  test::TempDir dir;
  SmallModel m;
  // A period of zero hours: every checkpoint that rotates out is kept for good.
  train::Saver saver(m.root, train::SaverOptions{.max_to_keep = 1, .keep_checkpoint_every_n_hours = 0});
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  for (int step = 1; step <= 3; ++step) ASSERT_OK(saver.Save(session, dir.path() + "/model", step));
  for (int step = 1; step <= 3; ++step) EXPECT_TRUE(FileExists(absl::StrCat(dir.path(), "/model-", step, ".index")));
  EXPECT_EQ(saver.last_checkpoints(), std::vector<std::string>{dir.path() + "/model-3"});
}

TEST(SaverTest, LatestCheckpointErrors) {
  test::TempDir dir;
  auto none = train::LatestCheckpoint(dir.path());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/checkpoint", "model_checkpoint_path: \"gone-1\"\n"));
  auto gone = train::LatestCheckpoint(dir.path());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(gone.status().message(), HasSubstr("gone-1"));
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/checkpoint", "garbage\n"));
  EXPECT_EQ(train::LatestCheckpoint(dir.path()).status().code(), absl::StatusCode::kDataLoss);
}

// Every failure leaves the variables as they were and names the file and the variable.
class SaverErrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLUICE_CHECK_OK(session_.Run({}, {}, {m_.init}));
    SLUICE_CHECK_OK(saver_.Save(session_, dir_.path() + "/model", 1, &path_));
    SLUICE_CHECK_OK(session_.Run({}, {}, {m_.change}));
    before_ = Fetch(session_, m_.vars());
  }
  void ExpectUnchanged() { ExpectSame(Fetch(session_, m_.vars()), before_); }
  // Replaces the file's bytes in place (no rename or fsync: many times per test).
  static void Overwrite(const std::string& file, const std::string& bytes) {
    FILE* f = std::fopen(file.c_str(), "wb");
    ASSERT_NE(f, nullptr) << file;
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    ASSERT_EQ(std::fclose(f), 0);
  }
  void Corrupt(const std::string& file, int64_t offset) {
    auto bytes = ReadFileToString(file);
    SLUICE_CHECK_OK(bytes.status());
    std::string b = *bytes;
    b[offset < 0 ? b.size() + offset : offset] ^= 0x40;
    SLUICE_CHECK_OK(WriteStringToFileAtomic(file, b));
  }

  test::TempDir dir_;
  SmallModel m_;
  train::Saver saver_{m_.root};
  Session session_{m_.root};
  std::string path_;
  std::vector<Tensor> before_;
};

TEST_F(SaverErrorTest, CorruptDataByte) {
  const std::string data = path_ + ".data-00000-of-00001";
  Corrupt(data, -1);  // the last tensor's bytes ("res", sorted last)
  Status s = saver_.Restore(session_, path_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr(data));
  EXPECT_THAT(s.message(), HasSubstr("'res'"));
  EXPECT_EQ(std::string(s.message()).find('\n'), std::string::npos);
  ExpectUnchanged();
}

TEST_F(SaverErrorTest, TruncatedIndex) {
  const std::string index = path_ + ".index";
  auto bytes = ReadFileToString(index);
  ASSERT_OK(bytes.status());
  ASSERT_OK(WriteStringToFileAtomic(index, bytes->substr(0, bytes->size() / 2)));
  Status s = saver_.Restore(session_, path_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr(index));
  ExpectUnchanged();
}

TEST_F(SaverErrorTest, MissingFiles) {
  ASSERT_OK(DeleteFile(path_ + ".data-00000-of-00001"));
  Status s = saver_.Restore(session_, path_);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(path_ + ".data-00000-of-00001"));
  EXPECT_THAT(s.message(), HasSubstr("variable '"));
  ExpectUnchanged();
  Status none = saver_.Restore(session_, dir_.path() + "/nothing-3");
  EXPECT_EQ(none.code(), absl::StatusCode::kNotFound) << none;
  EXPECT_THAT(none.message(), HasSubstr("nothing-3.index"));
  ExpectUnchanged();
}

TEST_F(SaverErrorTest, ShapeMismatchAndMissingVariable) {
  // Another graph whose "counts" has another shape and which has a variable the checkpoint lacks.
  Scope other = Scope::NewRootScope();
  Variable w(other.WithOpName("dense/w"), Tensor(DT_FLOAT, TensorShape{2, 3}));
  Variable n(other.WithOpName("counts"), Tensor::FromVector<int32_t>({5, 5}));
  train::Saver shape_saver(other);
  Session s2(other);
  ASSERT_OK(s2.Run({}, {}, {ops::GlobalVariablesInitializer(other)}));
  std::vector<Tensor> other_before = Fetch(s2, {w, n});
  Status s = shape_saver.Restore(s2, path_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr("'counts'"));
  EXPECT_THAT(s.message(), HasSubstr(path_ + ".index"));
  EXPECT_THAT(s.message(), HasSubstr("[2]"));
  ExpectSame(Fetch(s2, {w, n}), other_before);

  Scope third = Scope::NewRootScope();
  Variable w3(third.WithOpName("dense/w"), Tensor(DT_FLOAT, TensorShape{2, 3}));
  Variable extra(third.WithOpName("extra"), Tensor::FromVector<float>({1.f}));
  train::Saver missing_saver(third);
  Session s3(third);
  ASSERT_OK(s3.Run({}, {}, {ops::GlobalVariablesInitializer(third)}));
  std::vector<Tensor> third_before = Fetch(s3, {w3, extra});
  Status missing = missing_saver.Restore(s3, path_);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_THAT(missing.message(), HasSubstr("'extra'"));
  EXPECT_THAT(missing.message(), HasSubstr(path_ + ".index"));
  ExpectSame(Fetch(s3, {w3, extra}), third_before);

  // allow_missing: "extra" keeps its value, "dense/w" is restored (and "counts", "res" of the
  // checkpoint, absent from this graph, are ignored).
  ASSERT_OK(missing_saver.Restore(s3, path_, train::RestoreOptions{.allow_missing = true}));
  std::vector<Tensor> now = Fetch(s3, {w3, extra});
  EXPECT_EQ(Bytes(now[1]), Bytes(third_before[1]));
  Session original(m_.root);
  ASSERT_OK(saver_.Restore(original, path_));
  EXPECT_EQ(Bytes(now[0]), Bytes(Fetch(original, {m_.w})[0]));
}

// Flips each byte of the index and of the data file in turn, and truncates each to every
// shorter length: every Restore either fails with one line naming the file (and, for the data
// file, the variable) and leaves the variables as they were, or (a byte no reader needs, such
// as the table footer's padding) succeeds with the saved values.
TEST_F(SaverErrorTest, EveryFlippedByteAndEveryTruncation) {
  Session good(m_.root);
  ASSERT_OK(saver_.Restore(good, path_));
  const std::vector<Tensor> saved = Fetch(good, m_.vars());
  for (const std::string& file : {path_ + ".index", path_ + ".data-00000-of-00001"}) {
    const bool is_data = file.ends_with("00001");
    const std::string original = *ReadFileToString(file);
    auto attempt = [&](const std::string& bytes, const std::string& what, bool may_succeed) {
      Overwrite(file, bytes);
      Status s = saver_.Restore(session_, path_);
      if (s.ok()) {
        EXPECT_TRUE(may_succeed) << what;
        ExpectSame(Fetch(session_, m_.vars()), saved);
        SLUICE_CHECK_OK(session_.Run({}, {}, {m_.change}));
        return;
      }
      EXPECT_THAT(s.message(), HasSubstr(file)) << what;
      if (is_data) EXPECT_THAT(s.message(), HasSubstr("variable '")) << what;
      EXPECT_EQ(std::string(s.message()).find('\n'), std::string::npos) << what;
      ExpectUnchanged();
    };
    // Every byte is covered by a CRC or checked, but for the padding of the index's 48-byte
    // table footer (after its two block handles, before its 8-byte magic number), which no
    // reader reads (TensorFlow's neither).
    auto in_footer_padding = [&](size_t i) { return !is_data && i + 48 >= original.size() && i + 8 < original.size(); };
    for (size_t i = 0; i < original.size(); ++i) {
      std::string bytes = original;
      bytes[i] ^= 0x01;
      attempt(bytes, absl::StrCat(file, " with byte ", i, " flipped"), in_footer_padding(i));
    }
    for (size_t n = 0; n < original.size(); ++n) {
      attempt(original.substr(0, n), absl::StrCat(file, " truncated to ", n, " bytes"), false);
    }
    Overwrite(file, original);
  }
}

// A flipped or missing byte of the state file: LatestCheckpoint fails naming the state file (or
// the checkpoint it now names, which does not exist), or still finds the checkpoint.
TEST_F(SaverErrorTest, CorruptStateFile) {
  const std::string state_file = dir_.path() + "/checkpoint";
  const std::string original = *ReadFileToString(state_file);
  auto check = [&](const std::string& bytes, const std::string& what) {
    Overwrite(state_file, bytes);
    auto latest = train::LatestCheckpoint(dir_.path());
    if (latest.ok()) {
      EXPECT_EQ(*latest, path_) << what;
      return;
    }
    EXPECT_THAT(latest.status().code(), ::testing::AnyOf(absl::StatusCode::kDataLoss, absl::StatusCode::kNotFound))
        << what << ": " << latest.status();
    EXPECT_THAT(latest.status().message(), HasSubstr(state_file)) << what;
    EXPECT_EQ(std::string(latest.status().message()).find('\n'), std::string::npos) << what;
  };
  for (size_t i = 0; i < original.size(); ++i) {
    for (char mask : {'\x01', '\x80'}) {
      std::string bytes = original;
      bytes[i] ^= mask;
      check(bytes, absl::StrCat("byte ", i, " ^ ", static_cast<int>(static_cast<unsigned char>(mask))));
    }
  }
  for (size_t n = 0; n < original.size(); ++n) check(original.substr(0, n), absl::StrCat("truncated to ", n));
  Overwrite(state_file, "");
  EXPECT_EQ(train::LatestCheckpoint(dir_.path()).status().code(), absl::StatusCode::kDataLoss);
}

// 400 MB in five variables of three dtypes: Save, then Restore in a fresh session, bit for bit.
TEST(SaverTest, FourHundredMegabytesRoundTrip) {
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  std::vector<Variable> vars = {
      Variable(root.WithOpName("a"), TensorShape({8192, 4096}), init::RandomUniform(-1, 1, 1)),          // 128 MB
      Variable(root.WithOpName("b"), TensorShape({4096, 4096}), init::RandomNormal(0, 1, 2)),            // 64 MB
      ResourceVariable(root.WithOpName("c"), TensorShape({16 << 20}), init::RandomUniform(0, 1, 3)),     // 64 MB
      Variable(root.WithOpName("d"), TensorShape({16 << 20}), init::RandomNormal(0, 2, 4), DT_DOUBLE),  // 128 MB
      Variable(root.WithOpName("e"), TensorShape({4 << 20}), init::Ones())};                           // 16 MB
  Operation init = ops::GlobalVariablesInitializer(root);
  // Doubles every variable but "e" (whose ones stay the same, so that one tensor is unchanged).
  Operation scramble = ops::Group(
      root, {ops::Assign(root, vars[0].ref(), vars[0].value() * 2.0f).op(),
             ops::Assign(root, vars[1].ref(), vars[1].value() * 2.0f).op(),
             ops::AssignVariableOp(root, vars[2].handle(), vars[2].value() * 2.0f),
             ops::Assign(root, vars[3].ref(), vars[3].value() * 2.0).op()});
  train::Saver saver(root);
  ASSERT_OK(saver.status());
  std::string path;
  std::vector<Tensor> before;
  {
    // Over initialized variables (a training process going back), in several batches.
    Session session(root);
    ASSERT_OK(session.Run({}, {}, {init}));
    before = Fetch(session, vars);
    ASSERT_OK(saver.Save(session, dir.path() + "/big", 1, &path));
    ASSERT_OK(session.Run({}, {}, {scramble}));
    EXPECT_NE(std::memcmp(Fetch(session, {vars[3]})[0].raw_data(), before[3].raw_data(), before[3].TotalBytes()), 0);
    ASSERT_OK(saver.Restore(session, path));
    std::vector<Tensor> restored = Fetch(session, vars);
    for (size_t i = 0; i < vars.size(); ++i) {
      EXPECT_EQ(std::memcmp(restored[i].raw_data(), before[i].raw_data(), before[i].TotalBytes()), 0) << i;
    }
  }
  EXPECT_EQ(GetFileSize(path + ".data-00000-of-00001").value_or(0), uint64_t{400} << 20);
  Session fresh(root);
  ASSERT_OK(saver.Restore(fresh, path));
  std::vector<Tensor> after = Fetch(fresh, vars);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    ASSERT_EQ(after[i].TotalBytes(), before[i].TotalBytes()) << i;
    EXPECT_EQ(std::memcmp(after[i].raw_data(), before[i].raw_data(), before[i].TotalBytes()), 0) << i;
    EXPECT_NE(after[i].raw_data(), before[i].raw_data());
  }
}

TEST(SaverTest, NameMapRestoresUnderOtherNames) {
  test::TempDir dir;
  SmallModel m;
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  train::Saver saver(m.root, {{"renamed/weights", m.w}, {"step_counts", m.n}});
  std::string path;
  ASSERT_OK(saver.Save(session, dir.path() + "/mapped", -1, &path));
  EXPECT_EQ(path, dir.path() + "/mapped");
  auto reader = BundleReader::Open(path);
  ASSERT_OK(reader.status());
  EXPECT_EQ((*reader)->TensorNames(), (std::vector<std::string>{"renamed/weights", "step_counts"}));

  Scope other = Scope::NewRootScope();
  Variable a(other.WithOpName("a"), Tensor(DT_FLOAT, TensorShape{2, 3}));
  train::Saver other_saver(other, {{"renamed/weights", a}});
  Session s2(other);
  ASSERT_OK(other_saver.Restore(s2, path));
  EXPECT_EQ(Bytes(Fetch(s2, {a})[0]), Bytes(Fetch(session, {m.w})[0]));
}

TEST(SaverTest, RestoreV2ReadsTensorFlowBundle) {
  const std::string prefix = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/bundle/model.ckpt";
  Scope root = Scope::NewRootScope();
  auto restore = NodeBuilder(root.WithOpName("restore"), "RestoreV2")
                     .Input(ops::Const(root, Tensor::Scalar<std::string>(prefix)))
                     .Input(ops::Const(root, Tensor::FromVector<std::string>({"dense/kernel", "counts", "vocab"})))
                     .Input(ops::Const(root, Tensor::FromVector<std::string>({"", "", ""})))
                     .Attr("dtypes", std::vector<DataType>{DT_FLOAT, DT_INT32, DT_STRING})
                     .Finalize();
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {Output(restore, 0), Output(restore, 1), Output(restore, 2)}, &out));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].shape(), (TensorShape{2, 3}));
  std::vector<float> kernel(out[0].data<float>(), out[0].data<float>() + 6);
  EXPECT_EQ(kernel, (std::vector<float>{-0.5f, -0.25f, 0.f, 0.25f, 0.5f, 0.75f}));
  std::vector<int32_t> counts(out[1].data<int32_t>(), out[1].data<int32_t>() + 4);
  EXPECT_EQ(counts, (std::vector<int32_t>{1, -2, 3, 2147483647}));
  EXPECT_EQ(Bytes(out[2]), absl::StrCat("the||caf\xc3\xa9|", std::string(200, 'x'), "|"));

  // A dtype other than the checkpoint's, and a missing tensor: errors naming file and tensor.
  Scope bad = Scope::NewRootScope();
  auto wrong = NodeBuilder(bad.WithOpName("wrong"), "RestoreV2")
                   .Input(ops::Const(bad, Tensor::Scalar<std::string>(prefix)))
                   .Input(ops::Const(bad, Tensor::FromVector<std::string>({"counts"})))
                   .Input(ops::Const(bad, Tensor::FromVector<std::string>({""})))
                   .Attr("dtypes", std::vector<DataType>{DT_FLOAT})
                   .Finalize();
  auto sliced = NodeBuilder(bad.WithOpName("sliced"), "RestoreV2")
                    .Input(ops::Const(bad, Tensor::Scalar<std::string>(prefix)))
                    .Input(ops::Const(bad, Tensor::FromVector<std::string>({"counts"})))
                    .Input(ops::Const(bad, Tensor::FromVector<std::string>({"4 0,2"})))
                    .Attr("dtypes", std::vector<DataType>{DT_INT32})
                    .Finalize();
  Session bad_session(bad);
  Status s = bad_session.Run({}, {Output(wrong, 0)}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(s.message(), HasSubstr("'counts'"));
  EXPECT_THAT(s.message(), HasSubstr("model.ckpt.index"));
  s = bad_session.Run({}, {Output(sliced, 0)}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
  EXPECT_THAT(s.message(), HasSubstr("'counts'"));
}

Operation SaveOp(const Scope& root, const std::string& prefix, const std::vector<std::string>& names,
                 const std::vector<Tensor>& values) {
  std::vector<Output> tensors;
  for (const Tensor& t : values) tensors.push_back(ops::Const(root, t));
  return NodeBuilder(root, "SaveV2")
      .Input(ops::Const(root, Tensor::Scalar<std::string>(prefix)))
      .Input(ops::Const(root, Tensor::FromVector<std::string>(names)))
      .Input(ops::Const(root, Tensor::FromVector<std::string>(std::vector<std::string>(names.size()))))
      .InputList(tensors)
      .Finalize();
}

TEST(SaverTest, MergeV2Checkpoints) {
  test::TempDir dir;
  const std::string a = dir.path() + "/tmp_a/part-00000", b = dir.path() + "/tmp_b/part-00001";
  const std::string merged = dir.path() + "/merged", moved = dir.path() + "/moved";
  Scope root = Scope::NewRootScope();
  Operation save_a = SaveOp(root, a, {"x", "z"}, {Tensor::FromVector<float>({1.f, 2.f}), Tensor::Scalar<int64_t>(5)});
  Operation save_b = SaveOp(root, b, {"y"}, {Tensor::FromVector<std::string>({"s", ""})});
  auto merge = NodeBuilder(root, "MergeV2Checkpoints")
                   .Input(ops::Const(root, Tensor::FromVector<std::string>({a, b})))
                   .Input(ops::Const(root, Tensor::Scalar<std::string>(merged)))
                   .Finalize();
  Operation save_c = SaveOp(root, a, {"w"}, {Tensor::FromVector<int32_t>({3})});
  auto move = NodeBuilder(root, "MergeV2Checkpoints")
                  .Input(ops::Const(root, Tensor::FromVector<std::string>({a})))
                  .Input(ops::Const(root, Tensor::Scalar<std::string>(moved)))
                  .Finalize();
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {save_a, save_b}));
  ASSERT_OK(session.Run({}, {}, {merge}));
  auto reader = BundleReader::Open(merged);
  ASSERT_OK(reader.status());
  EXPECT_EQ((*reader)->TensorNames(), (std::vector<std::string>{"x", "y", "z"}));
  auto y = (*reader)->Lookup("y");
  ASSERT_OK(y.status());
  EXPECT_EQ(Bytes(*y), "s||");
  EXPECT_FALSE(FileExists(a + ".index"));
  EXPECT_FALSE(FileExists(dir.path() + "/tmp_b"));  // delete_old_dirs removed the emptied directory

  ASSERT_OK(session.Run({}, {}, {save_c}));
  ASSERT_OK(session.Run({}, {}, {move}));
  auto moved_reader = BundleReader::Open(moved);
  ASSERT_OK(moved_reader.status());
  EXPECT_EQ((*moved_reader)->TensorNames(), std::vector<std::string>{"w"});
  EXPECT_FALSE(FileExists(a + ".index"));
}

// TensorFlow (when importable) reads a checkpoint the Saver wrote.
TEST(SaverTest, TensorFlowLoadsSaverCheckpoint) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir dir;
  SmallModel m;
  train::Saver saver(m.root);
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  ASSERT_OK(saver.Save(session, dir.path() + "/model", 42));
  const std::string script = dir.path() + "/read.py";
  ASSERT_OK(WriteStringToFileAtomic(script,
                                    "import os, sys\n"
                                    "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                                    "import tensorflow as tf\n"
                                    "path = tf.train.latest_checkpoint(sys.argv[1])\n"
                                    "r = tf.train.load_checkpoint(path)\n"
                                    "print(os.path.basename(path))\n"
                                    "for n in sorted(r.get_variable_to_shape_map()):\n"
                                    "    print(n, r.get_tensor(n).dtype, r.get_tensor(n).reshape(-1).tolist())\n"));
  auto run = test::RunPython(script, dir.path());
  ASSERT_OK(run.status());
  const std::string& out = *run;
  EXPECT_EQ(out,
            "model-42\n"
            "counts int32 [1, -2, 2147483647, 0]\n"
            "dense/w float32 [0.5, -1.25, 2.999999892949745e-08, 7.0, -0.0, 1.0000000150474662e+30]\n"
            "res float64 [1e+300, -0.125]\n");
}

}  // namespace
}  // namespace sluice
