// Meta graphs sluice writes, imported by TensorFlow (tests/data/tf/import_meta_with_tf.py):
// tf.compat.v1.train.import_meta_graph recreates the variables, restores sluice's checkpoint
// through the imported saver, computes sluice's logits and trains on to sluice's losses.
// TensorFlow is an oracle, never a dependency: every test skips, saying so, where
// `import tensorflow` fails. (The other direction, meta graphs TensorFlow wrote trained by
// sluice, runs everywhere from tests/data/tf/meta: tests/meta_graph_test.cc.)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/npy.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/layers.h"
#include "ops/math_ops.h"
#include "ops/meta_graph.h"
#include "ops/nn_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/state_ops.h"
#include "ops/saver.h"
#include "ops/training.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

#define SKIP_WITHOUT_TENSORFLOW() SLUICE_SKIP_WITHOUT_PYTHON_MODULES("tensorflow")

// The stdout lines of import_meta_with_tf.py; fails the test when it does not exit 0.
std::vector<std::string> ImportWithTensorFlow(const std::string& args, const std::string& dir) {
  auto out = test::RunPython(std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/import_meta_with_tf.py", args);
  EXPECT_OK(out.status());
  return out.ok() ? test::Lines(*out) : std::vector<std::string>{};
}

// An MLP trained with `optimizer` for a step, saved, exported to `meta_name`; TF imports it,
// restores the checkpoint and trains kSteps more, as sluice does from the same checkpoint.
void TensorFlowTrainsSluiceMetaGraph(train::Optimizer&& optimizer, bool resource, const std::string& meta_name) {
  constexpr int kSteps = 4;
  test::TempDir dir;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  Output h;
  if (resource) {
    Scope hidden = root.NewSubScope("hidden");
    ResourceVariable w(hidden.WithOpName("kernel"), {4, 6}, init::GlorotUniform(11));
    ResourceVariable b(hidden.WithOpName("bias"), {6}, init::Zeros());
    h = ops::Relu(root, ops::MatMul(root, x, w.value()) + b.value());
  } else {
    h = layers::Dense(root.NewSubScope("hidden"), x, 6, ops::Relu, init::GlorotUniform(11));
  }
  auto logits = ops::Identity(root.WithOpName("logits"), layers::Dense(root.NewSubScope("out"), h, 3));
  auto loss =
      ops::ReduceMean(root.WithOpName("loss"), ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  auto train = optimizer.Minimize(root.WithOpName("train"), loss);
  auto init = ops::GlobalVariablesInitializer(root);
  train::Saver saver(root);
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {init}));
  Tensor bx = Tensor::FromVector<float>({0.5f, -1, 2, 0.25f, -0.5f, 1, -2, 0.75f, 1.5f, 0.1f, 0.2f, -0.3f}, {3, 4});
  Tensor by = Tensor::FromVector<int64_t>({2, 0, 1});
  ASSERT_OK(session.Run({{x, bx}, {y, by}}, {}, {train}));
  std::string prefix;
  ASSERT_OK(saver.Save(session, dir.path() + "/model", 1, &prefix));
  const std::string meta = dir.path() + "/" + meta_name;
  ASSERT_OK(ExportMetaGraph(root, &saver, meta));
  ASSERT_OK(WriteNpy(dir.path() + "/x.npy", bx));
  ASSERT_OK(WriteNpy(dir.path() + "/y.npy", by));

  std::vector<Tensor> want_logits;
  ASSERT_OK(session.Run({{x, bx}}, {logits}, &want_logits));
  std::vector<float> want_losses;
  for (int i = 0; i < kSteps; ++i) {
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({{x, bx}, {y, by}}, {loss}, {train}, &out));
    want_losses.push_back(out[0].scalar<float>());
  }

  std::vector<std::string> lines =
      ImportWithTensorFlow(absl::StrCat(meta, " ", prefix, " ", dir.path(), "/x.npy ", dir.path(), "/y.npy ",
                                        dir.path(), " ", kSteps),
                           dir.path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("hidden/kernel:0"), std::string::npos) << lines[0];
  if (optimizer.name() == "Adam") {
    EXPECT_NE(lines[0].find("beta1_power:0"), std::string::npos) << lines[0];
  }
  EXPECT_EQ(lines[1], "hidden/kernel:0 hidden/bias:0 out/kernel:0 out/bias:0");
  auto tf_logits = ReadNpy(dir.path() + "/logits.npy");
  auto tf_losses = ReadNpy(dir.path() + "/losses.npy");
  ASSERT_OK(tf_logits.status());
  ASSERT_OK(tf_losses.status());
  test::ExpectTensorNear(*tf_logits, want_logits[0], 1e-6);
  ASSERT_EQ(tf_losses->NumElements(), kSteps);
  for (int i = 0; i < kSteps; ++i) EXPECT_NEAR(tf_losses->data<float>()[i], want_losses[i], 1e-5) << "step " << i;
}

TEST(MetaGraphTfTest, TensorFlowTrainsSluiceAdamMlp) {
  SKIP_WITHOUT_TENSORFLOW();
  TensorFlowTrainsSluiceMetaGraph(train::AdamOptimizer(0.05f), /*resource=*/false, "model.meta");
}

TEST(MetaGraphTfTest, TensorFlowTrainsSluiceGradientDescentMlpFromText) {
  SKIP_WITHOUT_TENSORFLOW();
  TensorFlowTrainsSluiceMetaGraph(train::GradientDescentOptimizer(0.5f), /*resource=*/false, "model.meta.pbtxt");
}

TEST(MetaGraphTfTest, TensorFlowTrainsSluiceResourceVariables) {
  SKIP_WITHOUT_TENSORFLOW();
  TensorFlowTrainsSluiceMetaGraph(train::AdamOptimizer(0.05f), /*resource=*/true, "model.meta");
}

}  // namespace
}  // namespace sluice
