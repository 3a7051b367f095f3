// The RNN cells of ops/rnn_cell.h: TF1's variable names and shapes, forward values against the
// reference formulas of tests/util/rnn_reference.h, numeric gradients w.r.t. the input, the state
// and every variable, variable reuse, the wrappers, and errors.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/rnn_reference.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using rnn_test::FromTensor;
using rnn_test::Mat;
using rnn_test::VariableNames;
using rnn_test::VariableRead;

constexpr int64_t kBatch = 2, kDepth = 3;

// A cell called once on placeholders x [2, 3] and its state, in double: the feeds for x, the
// state and the variables (distinct deterministic values), and the results.
struct CellRun {
  Scope root = Scope::NewRootScope();
  Output x;
  std::vector<Output> state;
  rnn::CellOutput out;
  std::vector<Output> feeds_of;  // x, state..., variables... (in `variables` order)
  std::vector<Tensor> feed_values;

  CellRun(rnn::RnnCell& cell, const std::vector<std::string>& variables, double scale = 0.5) {
    x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {kBatch, kDepth});
    feeds_of.push_back(x);
    feed_values.push_back(test::Doubles({kBatch, kDepth}, 0.8, 0.1));
    int k = 0;
    for (int64_t size : cell.StateSizes()) {
      state.push_back(ops::Placeholder(root.WithOpName("state" + std::to_string(k)), DT_DOUBLE, {kBatch, size}));
      feeds_of.push_back(state.back());
      feed_values.push_back(test::Doubles({kBatch, size}, 0.6, 0.05 * ++k));
    }
    out = cell(root, x, state);
    for (const std::string& name : variables) {
      Output read = VariableRead(root, name);
      if (!read.valid()) continue;
      feeds_of.push_back(read);
      TensorShape shape = read.shape();
      // Distinct values per variable: the pattern shifted by the variable's index.
      Tensor t = test::Doubles(shape, scale, 0.03 * static_cast<double>(feeds_of.size()));
      feed_values.push_back(t);
    }
  }
  std::vector<std::pair<Output, Tensor>> Feeds() const {
    std::vector<std::pair<Output, Tensor>> f;
    for (size_t i = 0; i < feeds_of.size(); ++i) f.push_back({feeds_of[i], feed_values[i]});
    return f;
  }
  Mat Value(size_t feed) const { return FromTensor(feed_values[feed]); }
  // [output, state...] as fetched.
  std::vector<Tensor> Run() {
    std::vector<Output> fetch{out.output};
    fetch.insert(fetch.end(), out.state.begin(), out.state.end());
    auto r = test::RunGraph(root, Feeds(), fetch);
    EXPECT_OK(r.status());
    return r.ok() ? *r : std::vector<Tensor>{};
  }
  // The largest error of the Jacobian of [output, state...] w.r.t. every feed.
  double GradientError() {
    std::vector<Output> parts{out.output};
    parts.insert(parts.end(), out.state.begin(), out.state.end());
    Output y = ops::ConcatV2(root, parts, 1);
    auto err = test::ComputeGradientError(root, feeds_of, feed_values, y);
    EXPECT_OK(err.status());
    return err.ok() ? *err : 1e9;
  }
};

void ExpectNear(const Tensor& actual, const Mat& expected, double tol = 1e-12) {
  test::ExpectTensorNear(actual, rnn_test::ToTensor(expected), tol);
}

TEST(BasicRNNCellTest, NamesShapesValuesAndGradients) {
  rnn::BasicRNNCell cell(4);
  CellRun run(cell, {"basic_rnn_cell/kernel", "basic_rnn_cell/bias"});
  ASSERT_OK(run.root.status());
  EXPECT_THAT(VariableNames(run.root), ElementsAre("basic_rnn_cell/bias", "basic_rnn_cell/kernel"));
  EXPECT_EQ(VariableRead(run.root, "basic_rnn_cell/kernel").shape(), TensorShape({kDepth + 4, 4}));
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 2u);
  std::vector<Mat> state{run.Value(1)};
  Mat h = rnn_test::RnnStep(run.Value(0), state, run.Value(2), run.Value(3));
  ExpectNear(got[0], h);
  ExpectNear(got[1], state[0]);
  EXPECT_LT(run.GradientError(), 1e-7);
}

TEST(BasicLSTMCellTest, GateOrderIJFOForgetBiasValuesAndGradients) {
  rnn::BasicLSTMCell cell(3, /*forget_bias=*/0.75f);
  CellRun run(cell, {"basic_lstm_cell/kernel", "basic_lstm_cell/bias"});
  ASSERT_OK(run.root.status());
  EXPECT_THAT(VariableNames(run.root), ElementsAre("basic_lstm_cell/bias", "basic_lstm_cell/kernel"));
  EXPECT_EQ(VariableRead(run.root, "basic_lstm_cell/kernel").shape(), TensorShape({kDepth + 3, 12}));
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 3u);
  std::vector<Mat> state{run.Value(1), run.Value(2)};
  rnn_test::LstmParams p{.kernel = run.Value(3), .bias = run.Value(4), .forget_bias = 0.75};
  Mat h = rnn_test::LstmStep(run.Value(0), state, p);
  ExpectNear(got[0], h);
  ExpectNear(got[1], state[0]);
  ExpectNear(got[2], state[1]);
  EXPECT_LT(run.GradientError(), 1e-7);
}

TEST(LSTMCellTest, PlainLSTMCellMatchesTheFormula) {
  rnn::LSTMCell cell(2);
  CellRun run(cell, {"lstm_cell/kernel", "lstm_cell/bias"});
  ASSERT_OK(run.root.status());
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 3u);
  std::vector<Mat> state{run.Value(1), run.Value(2)};
  Mat h = rnn_test::LstmStep(run.Value(0), state, {.kernel = run.Value(3), .bias = run.Value(4)});
  ExpectNear(got[0], h);
  ExpectNear(got[2], state[1]);
  EXPECT_LT(run.GradientError(), 1e-7);
}

TEST(LSTMCellTest, PeepholesCellClipProjectionAndProjClip) {
  rnn::LSTMCell cell(3, {.use_peepholes = true, .cell_clip = 0.5f, .num_proj = 2, .proj_clip = 0.125f});
  EXPECT_THAT(cell.StateSizes(), ElementsAre(3, 2));
  EXPECT_EQ(cell.OutputSize(), 2);
  CellRun run(cell, {"lstm_cell/kernel", "lstm_cell/bias", "lstm_cell/w_f_diag", "lstm_cell/w_i_diag",
                     "lstm_cell/w_o_diag", "lstm_cell/projection/kernel"},
              /*scale=*/1.5);
  ASSERT_OK(run.root.status());
  EXPECT_THAT(VariableNames(run.root),
              ElementsAre("lstm_cell/bias", "lstm_cell/kernel", "lstm_cell/projection/kernel", "lstm_cell/w_f_diag",
                          "lstm_cell/w_i_diag", "lstm_cell/w_o_diag"));
  EXPECT_EQ(VariableRead(run.root, "lstm_cell/kernel").shape(), TensorShape({kDepth + 2, 12}));
  EXPECT_EQ(VariableRead(run.root, "lstm_cell/w_f_diag").shape(), TensorShape({3}));
  EXPECT_EQ(VariableRead(run.root, "lstm_cell/projection/kernel").shape(), TensorShape({3, 2}));
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 3u);
  std::vector<Mat> state{run.Value(1), run.Value(2)};
  rnn_test::LstmParams p{.kernel = run.Value(3),
                         .bias = run.Value(4),
                         .peepholes = true,
                         .w_f = run.Value(5),
                         .w_i = run.Value(6),
                         .w_o = run.Value(7),
                         .cell_clip = 0.5,
                         .projection = run.Value(8),
                         .proj_clip = 0.125};
  Mat h = rnn_test::LstmStep(run.Value(0), state, p);
  // The clips are active: some c and h entries sit at the limits.
  int clipped_c = 0, clipped_h = 0;
  for (double v : state[0].v) clipped_c += std::abs(v) == 0.5;
  for (double v : h.v) clipped_h += std::abs(v) == 0.125;
  EXPECT_GT(clipped_c, 0);
  EXPECT_GT(clipped_h, 0);
  ExpectNear(got[0], h);
  ExpectNear(got[1], state[0]);
  ExpectNear(got[2], state[1]);
}

TEST(LSTMCellTest, GradientsWithPeepholesAndProjection) {
  // No clipping: a numeric derivative at a clip's kink is not the symbolic one.
  rnn::LSTMCell cell(3, {.use_peepholes = true, .num_proj = 2});
  CellRun run(cell, {"lstm_cell/kernel", "lstm_cell/bias", "lstm_cell/w_f_diag", "lstm_cell/w_i_diag",
                     "lstm_cell/w_o_diag", "lstm_cell/projection/kernel"});
  ASSERT_OK(run.root.status());
  EXPECT_LT(run.GradientError(), 1e-7);
}

TEST(GRUCellTest, NamesInitialBiasesValuesAndGradients) {
  rnn::GRUCell cell(3);
  CellRun run(cell, {"gru_cell/gates/kernel", "gru_cell/gates/bias", "gru_cell/candidate/kernel",
                     "gru_cell/candidate/bias"});
  ASSERT_OK(run.root.status());
  EXPECT_THAT(VariableNames(run.root), ElementsAre("gru_cell/candidate/bias", "gru_cell/candidate/kernel",
                                                   "gru_cell/gates/bias", "gru_cell/gates/kernel"));
  EXPECT_EQ(VariableRead(run.root, "gru_cell/gates/kernel").shape(), TensorShape({kDepth + 3, 6}));
  EXPECT_EQ(VariableRead(run.root, "gru_cell/candidate/kernel").shape(), TensorShape({kDepth + 3, 3}));
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 2u);
  std::vector<Mat> state{run.Value(1)};
  Mat h = rnn_test::GruStep(run.Value(0), state, run.Value(2), run.Value(3), run.Value(4), run.Value(5));
  ExpectNear(got[0], h);
  EXPECT_LT(run.GradientError(), 1e-7);

  // TF1's initial biases: gates 1, candidate 0.
  Session session(run.root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(run.root)}));
  std::vector<Tensor> biases;
  ASSERT_OK(session.Run({}, {VariableRead(run.root, "gru_cell/gates/bias"),
                             VariableRead(run.root, "gru_cell/candidate/bias")}, {}, &biases));
  test::ExpectTensorEqual(biases[0], Tensor::FromVector<double>({1, 1, 1, 1, 1, 1}, {6}));
  test::ExpectTensorEqual(biases[1], Tensor::FromVector<double>({0, 0, 0}, {3}));
}

TEST(RnnCellTest, ASecondCallReusesTheVariablesAndAnotherCellGetsItsOwn) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
  rnn::BasicLSTMCell cell(5);
  std::vector<Output> zero = cell.ZeroState(root, ops::Const(root, 2), DT_FLOAT);
  rnn::CellOutput first = cell(root, x, zero);
  rnn::CellOutput second = cell(root, x, first.state);
  rnn::BasicLSTMCell other(5);
  other(root, x, zero);
  ASSERT_OK(root.status());
  EXPECT_THAT(VariableNames(root), ElementsAre("basic_lstm_cell/bias", "basic_lstm_cell/kernel",
                                               "basic_lstm_cell_1/bias", "basic_lstm_cell_1/kernel"));
  EXPECT_EQ(cell.variable_scope(), "basic_lstm_cell");
  EXPECT_EQ(other.variable_scope(), "basic_lstm_cell_1");
  // A call with another input depth is an error: the kernel has one shape.
  auto wide = ops::Placeholder(root.WithOpName("wide"), DT_FLOAT, {-1, 6});
  cell(root, wide, zero);
  EXPECT_THAT(root.status().message(), HasSubstr("depth 4, now called with depth 6"));
}

TEST(RnnCellTest, TheInitializerOfTheVariableScopeIsTheKernelsDefault) {
  Scope root = Scope::NewRootScope();
  Scope vs = VariableScope(root, "model", VariableScopeOptions{.initializer = init::Constant(0.25f)});
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {1, 1});
  rnn::BasicRNNCell cell(1);
  cell(vs, x, cell.ZeroState(vs, ops::Const(vs, 1), DT_FLOAT));
  ASSERT_OK(root.status());
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {VariableRead(root, "model/basic_rnn_cell/kernel")}, {}, &out));
  test::ExpectTensorEqual(out[0], Tensor::FromVector<float>({0.25f, 0.25f}, {2, 1}));
}

TEST(MultiRNNCellTest, NamesAndTheStackedComputation) {
  auto a = std::make_shared<rnn::BasicRNNCell>(2);
  auto b = std::make_shared<rnn::GRUCell>(3);
  rnn::MultiRNNCell cell({a, b});
  EXPECT_THAT(cell.StateSizes(), ElementsAre(2, 3));
  CellRun run(cell, {"multi_rnn_cell/cell_0/basic_rnn_cell/kernel", "multi_rnn_cell/cell_0/basic_rnn_cell/bias",
                     "multi_rnn_cell/cell_1/gru_cell/gates/kernel", "multi_rnn_cell/cell_1/gru_cell/gates/bias",
                     "multi_rnn_cell/cell_1/gru_cell/candidate/kernel",
                     "multi_rnn_cell/cell_1/gru_cell/candidate/bias"});
  ASSERT_OK(run.root.status());
  EXPECT_EQ(VariableNames(run.root).size(), 6u);
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 3u);
  std::vector<Mat> s0{run.Value(1)}, s1{run.Value(2)};
  Mat h0 = rnn_test::RnnStep(run.Value(0), s0, run.Value(3), run.Value(4));
  Mat h1 = rnn_test::GruStep(h0, s1, run.Value(5), run.Value(6), run.Value(7), run.Value(8));
  ExpectNear(got[0], h1);
  ExpectNear(got[1], s0[0]);
  ExpectNear(got[2], s1[0]);
  EXPECT_LT(run.GradientError(), 1e-7);
}

TEST(ResidualWrapperTest, AddsTheInputToTheOutput) {
  auto inner = std::make_shared<rnn::BasicRNNCell>(kDepth);
  rnn::ResidualWrapper cell(inner);
  CellRun run(cell, {"basic_rnn_cell/kernel", "basic_rnn_cell/bias"});
  ASSERT_OK(run.root.status());
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 2u);
  std::vector<Mat> state{run.Value(1)};
  Mat h = rnn_test::RnnStep(run.Value(0), state, run.Value(2), run.Value(3));
  ExpectNear(got[0], h + run.Value(0));
  ExpectNear(got[1], state[0]);
  EXPECT_LT(run.GradientError(), 1e-7);

  Scope root = Scope::NewRootScope();
  rnn::ResidualWrapper narrow(std::make_shared<rnn::BasicRNNCell>(2));
  auto x = ops::Placeholder(root, DT_FLOAT, {1, 3});
  narrow(root, x, narrow.ZeroState(root, ops::Const(root, 1), DT_FLOAT));
  EXPECT_THAT(root.status().message(), HasSubstr("input depth 3 differs from the cell's output size 2"));
}

TEST(DropoutWrapperTest, KeepProbabilityOneChangesNothingAndNoVariablesAreAdded) {
  auto inner = std::make_shared<rnn::BasicLSTMCell>(3);
  rnn::DropoutWrapper cell(inner, {});
  CellRun run(cell, {"basic_lstm_cell/kernel", "basic_lstm_cell/bias"});
  ASSERT_OK(run.root.status());
  EXPECT_EQ(VariableNames(run.root).size(), 2u);
  std::vector<Tensor> got = run.Run();
  ASSERT_EQ(got.size(), 3u);
  std::vector<Mat> state{run.Value(1), run.Value(2)};
  Mat h = rnn_test::LstmStep(run.Value(0), state, {.kernel = run.Value(3), .bias = run.Value(4)});
  ExpectNear(got[0], h);
}

TEST(DropoutWrapperTest, OutputDropoutZeroesOrScalesAndLeavesTheStateAlone) {
  auto inner = std::make_shared<rnn::BasicRNNCell>(200);
  rnn::DropoutWrapper cell(inner, {.output_keep_prob = 0.5f, .seed = 7});
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4, 3});
  rnn::CellOutput out = cell(root, x, cell.ZeroState(root, ops::Const(root, 4), DT_FLOAT));
  ASSERT_OK(root.status());
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::vector<Tensor> got;
  ASSERT_OK(session.Run({{x, test::Floats({4, 3})}}, {out.output, out.state[0]}, {}, &got));
  int dropped = 0;
  for (int64_t i = 0; i < got[0].NumElements(); ++i) {
    const float o = got[0].data<float>()[i], h = got[1].data<float>()[i];
    if (o == 0.0f && h != 0.0f) {
      ++dropped;
    } else {
      EXPECT_FLOAT_EQ(o, 2 * h);
    }
  }
  EXPECT_GT(dropped, 300);
  EXPECT_LT(dropped, 500);
}

TEST(DropoutWrapperTest, BadKeepProbabilitiesAreErrors) {
  Scope root = Scope::NewRootScope();
  rnn::DropoutWrapper cell(std::make_shared<rnn::BasicRNNCell>(2), {.state_keep_prob = 0.0f});
  auto x = ops::Placeholder(root, DT_FLOAT, {1, 3});
  cell(root, x, cell.ZeroState(root, ops::Const(root, 1), DT_FLOAT));
  EXPECT_THAT(root.status().message(), HasSubstr("state_keep_prob must be in (0, 1], got 0"));
}

TEST(RnnCellTest, AStateOfTheWrongNumberOfPartsIsAnError) {
  Scope root = Scope::NewRootScope();
  rnn::BasicLSTMCell cell(2);
  auto x = ops::Placeholder(root, DT_FLOAT, {1, 3});
  auto h = ops::Placeholder(root, DT_FLOAT, {1, 2});
  cell(root, x, {h});
  EXPECT_THAT(root.status().message(), HasSubstr("expected a state of 2 parts"));
  Scope r2 = Scope::NewRootScope();
  auto unknown = ops::Placeholder(r2, DT_FLOAT, {1, -1});
  cell(r2, unknown, {h, h});
  EXPECT_THAT(r2.status().message(), HasSubstr("known depth"));
}

}  // namespace
}  // namespace sluice
