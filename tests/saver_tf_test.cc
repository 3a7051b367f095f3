// The checkpoint state file against TensorFlow (label "tf": skipped where TensorFlow is not
// importable): TF's tf.train.get_checkpoint_state reads the one train::Saver writes, with its
// timestamps, and sluice reads the one TF's update_checkpoint_state writes.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "gtest/gtest.h"
#include "ops/saver.h"
#include "ops/state_ops.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

// Runs `script` with `args`; its stdout, or fails the test.
std::string RunPython(const std::string& dir, const std::string& script, const std::string& args) {
  auto out = test::RunPythonCode(dir, script, args);
  EXPECT_OK(out.status());
  return out.ok() ? *out : "";
}

double Number(absl::string_view text) {
  double x = 0;
  EXPECT_TRUE(absl::SimpleAtod(text, &x)) << text;
  return x;
}

TEST(SaverTfTest, TensorFlowAndSluiceReadEachOthersStateFiles) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  const std::string ours = tmp.path() + "/sluice", theirs = tmp.path() + "/tf";
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1.f, 2.f}));
  train::Saver saver(root, train::SaverOptions{.max_to_keep = 2});
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  for (int step = 1; step <= 3; ++step) ASSERT_OK(saver.Save(session, ours + "/model.ckpt", step));
  auto state = train::ReadCheckpointState(ours);
  ASSERT_OK(state.status());

  // TF prints the state of ours (every field, numbers as repr) and writes a state file of its own.
  const std::string out = RunPython(tmp.path(),
                                    "import os, sys\n"
                                    "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                                    "import tensorflow as tf\n"
                                    "s = tf.train.get_checkpoint_state(sys.argv[1])\n"
                                    "print(s.model_checkpoint_path)\n"
                                    "print(' '.join(s.all_model_checkpoint_paths))\n"
                                    "print(' '.join(repr(t) for t in s.all_model_checkpoint_timestamps))\n"
                                    "print(repr(s.last_preserved_timestamp))\n"
                                    "os.makedirs(sys.argv[2])\n"
                                    "tf.compat.v1.train.update_checkpoint_state(sys.argv[2], 'm-20', ['m-10', 'm-20'],\n"
                                    "    all_model_checkpoint_timestamps=[1700000000.25, 1700000123.0625],\n"
                                    "    last_preserved_timestamp=1699999999.5)\n",
                                    ours + " " + theirs);
  std::vector<std::string> lines = absl::StrSplit(out, '\n');
  ASSERT_GE(lines.size(), 4u) << out;
  EXPECT_EQ(lines[0], ours + "/model.ckpt-3");
  EXPECT_EQ(lines[1], absl::StrCat(ours, "/model.ckpt-2 ", ours, "/model.ckpt-3"));
  std::vector<std::string> times = absl::StrSplit(lines[2], ' ');
  ASSERT_EQ(times.size(), 2u) << out;
  ASSERT_EQ(state->all_model_checkpoint_timestamps.size(), 2u);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Number(times[i]), state->all_model_checkpoint_timestamps[i]) << out;
  EXPECT_EQ(Number(lines[3]), state->last_preserved_timestamp) << out;
  EXPECT_GT(state->last_preserved_timestamp, 1.7e9);

  auto tf_state = train::ReadCheckpointState(theirs);
  ASSERT_OK(tf_state.status());
  EXPECT_EQ(tf_state->model_checkpoint_path, theirs + "/m-20");
  EXPECT_EQ(tf_state->all_model_checkpoint_paths, (std::vector<std::string>{theirs + "/m-10", theirs + "/m-20"}));
  EXPECT_EQ(tf_state->all_model_checkpoint_timestamps, (std::vector<double>{1700000000.25, 1700000123.0625}));
  EXPECT_EQ(tf_state->last_preserved_timestamp, 1699999999.5);
  // And sluice writes it back as TF wrote it.
  const std::string tf_text = *ReadFileToString(theirs + "/checkpoint");
  ASSERT_OK(train::WriteCheckpointState(theirs, *tf_state));
  EXPECT_EQ(*ReadFileToString(theirs + "/checkpoint"), tf_text);
}

}  // namespace
}  // namespace sluice
