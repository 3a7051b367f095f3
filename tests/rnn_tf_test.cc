// TensorFlow as the oracle of the RNN library: tests/data/tf/make_rnn_fixture.py built TF1 models
// (tf.compat.v1.nn.rnn_cell cells under dynamic_rnn / bidirectional_dynamic_rnn with a
// sequence_length), saved V2 checkpoints and TensorFlow's outputs on a fixed input. Here sluice
// builds the same models, restores those checkpoints with train::Saver (so every variable name
// and shape must be TF's) and must give the same outputs and final states.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

const std::string kDir = SLUICE_SOURCE_DIR "/tests/data/tf/rnn/";

Tensor Npy(const std::string& model, const std::string& name) {
  auto t = ReadNpy(kDir + model + "/" + name + ".npy");
  EXPECT_OK(t.status());
  return t.ok() ? *t : Tensor();
}

// Builds the model on placeholders x [batch, time, 4] and len [batch]; returns what to compare
// with the want_<key>.npy files.
using Build = std::function<std::vector<std::pair<std::string, Output>>(const Scope&, const Output& x,
                                                                        const Output& len)>;

void ExpectTensorFlowsValues(const std::string& model, const Build& build) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, -1, 4});
  auto len = ops::Placeholder(root.WithOpName("len"), DT_INT32, {-1});
  std::vector<std::pair<std::string, Output>> fetches = build(root, x, len);
  ASSERT_OK(root.status());
  train::Saver saver(root);
  ASSERT_OK(saver.status());
  Session session(root, SessionOptions{});
  ASSERT_OK(saver.Restore(session, kDir + model + "/model"));
  std::vector<Output> outs;
  for (const auto& f : fetches) outs.push_back(f.second);
  std::vector<Tensor> got;
  ASSERT_OK(session.Run({{x, Npy(model, "x")}, {len, Npy(model, "len")}}, outs, {}, &got));
  for (size_t i = 0; i < fetches.size(); ++i) {
    SCOPED_TRACE(model + " " + fetches[i].first);
    test::ExpectTensorNear(got[i], Npy(model, "want_" + fetches[i].first), 1e-5);
  }
}

std::vector<std::pair<std::string, Output>> Named(const Output& outputs, const std::vector<Output>& state,
                                                  const std::string& suffix = "") {
  std::vector<std::pair<std::string, Output>> named{{"outputs" + suffix, outputs}};
  for (size_t i = 0; i < state.size(); ++i) {
    named.push_back({"state" + suffix + "_" + std::to_string(i), state[i]});
  }
  return named;
}

TEST(RnnTensorFlowTest, LSTMCellWithPeepholesClippingAndProjection) {
  ExpectTensorFlowsValues("lstm", [](const Scope& root, const Output& x, const Output& len) {
    rnn::LSTMCell cell(6, {.use_peepholes = true, .cell_clip = 1.5f, .num_proj = 3, .proj_clip = 0.8f});
    rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .dtype = DT_FLOAT});
    return Named(r.outputs, r.state);
  });
}

TEST(RnnTensorFlowTest, GRUCellTimeMajor) {
  ExpectTensorFlowsValues("gru", [](const Scope& root, const Output& x, const Output& len) {
    rnn::GRUCell cell(5);
    rnn::RnnResult r = rnn::DynamicRnn(root, cell, ops::Transpose(root, x, {1, 0, 2}),
                                       {.sequence_length = len, .dtype = DT_FLOAT, .time_major = true});
    return Named(ops::Transpose(root, r.outputs, {1, 0, 2}), r.state);
  });
}

TEST(RnnTensorFlowTest, MultiRNNCellOfBasicLSTMAndGRU) {
  ExpectTensorFlowsValues("multi", [](const Scope& root, const Output& x, const Output& len) {
    rnn::MultiRNNCell cell({std::make_shared<rnn::BasicLSTMCell>(4), std::make_shared<rnn::GRUCell>(3)});
    rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .dtype = DT_FLOAT});
    return Named(r.outputs, r.state);
  });
}

TEST(RnnTensorFlowTest, BidirectionalDynamicRnn) {
  ExpectTensorFlowsValues("bidi", [](const Scope& root, const Output& x, const Output& len) {
    rnn::LSTMCell fw(3);
    rnn::BasicRNNCell bw(2);
    rnn::BidirectionalRnnResult r =
        rnn::BidirectionalDynamicRnn(root, fw, bw, x, {.sequence_length = len, .dtype = DT_FLOAT});
    std::vector<std::pair<std::string, Output>> named = Named(r.output_fw, r.state_fw, "_fw");
    for (auto& n : Named(r.output_bw, r.state_bw, "_bw")) named.push_back(n);
    return named;
  });
}

}  // namespace
}  // namespace sluice
