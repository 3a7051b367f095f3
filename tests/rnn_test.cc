// Unrolling cells over time (ops/rnn.h): DynamicRnn's values and masking past each sequence's
// end against a reference loop, its numeric gradients (batch- and time-major, unequal lengths
// including 0 and the full length), StaticRnn against DynamicRnn on the same variables,
// BidirectionalDynamicRnn, the ReverseSequence op, errors, and DropoutWrapper inside DynamicRnn
// (keep 1 is the identity, output / state / variational masks, seeded-mask numeric gradients,
// sequence lengths).
#include <algorithm>
#include <cmath>
#include <functional>
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

constexpr int64_t kBatch = 3, kTime = 4, kDepth = 2;
const std::vector<int32_t> kLengths{4, 0, 2};

using StepFn = std::function<Mat(const Mat& x, std::vector<Mat>& state)>;

// Row b of a [B, T, D] (batch-major) double tensor at time t, as a 1 x D Mat.
Mat At(const Tensor& x, int64_t b, int64_t t) {
  const int64_t time = x.dim_size(1), depth = x.dim_size(2);
  Mat m(1, depth);
  for (int64_t d = 0; d < depth; ++d) m.v[d] = x.data<double>()[(b * time + t) * depth + d];
  return m;
}

// The reference: each sequence b run alone for its length, outputs zero after it. Returns the
// outputs [B, T, units] and sets `state` (rows = batch) to the final states.
Tensor ReferenceRnn(const StepFn& step, const Tensor& x, std::vector<Mat>& state, const std::vector<int32_t>& lengths,
                    bool reverse_within_length = false) {
  const int64_t batch = x.dim_size(0), time = x.dim_size(1);
  std::vector<double> out;
  int64_t units = 0;
  std::vector<std::vector<Mat>> rows_out(batch);
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<Mat> s;
    for (const Mat& part : state) {
      Mat row(1, part.cols);
      for (int64_t j = 0; j < part.cols; ++j) row.v[j] = part.at(b, j);
      s.push_back(row);
    }
    std::vector<Mat> outs(time);
    for (int64_t t = 0; t < lengths[b]; ++t) {
      const int64_t src = reverse_within_length ? lengths[b] - 1 - t : t;
      outs[src] = step(At(x, b, src), s);
      units = outs[src].cols;
    }
    for (size_t k = 0; k < state.size(); ++k)
      for (int64_t j = 0; j < state[k].cols; ++j) state[k].at(b, j) = s[k].v[j];
    rows_out[b] = std::move(outs);
  }
  if (units == 0) return Tensor();
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < time; ++t)
      for (int64_t j = 0; j < units; ++j) out.push_back(rows_out[b][t].rows ? rows_out[b][t].v[j] : 0.0);
  return Tensor::FromVector(out, {batch, time, units});
}

// [B, T, D] to [T, B, D].
Tensor TimeMajor(const Tensor& x) {
  const int64_t b = x.dim_size(0), t = x.dim_size(1), d = x.dim_size(2);
  std::vector<double> v(x.NumElements());
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < t; ++j)
      for (int64_t k = 0; k < d; ++k) v[(j * b + i) * d + k] = x.data<double>()[(i * t + j) * d + k];
  return Tensor::FromVector(v, {t, b, d});
}

Output Flat(const Scope& s, const Output& x) { return ops::Reshape(s, x, {-1}); }

// The feeds of a model: placeholders and variable reads with deterministic values.
struct Feeds {
  std::vector<Output> of;
  std::vector<Tensor> values;
  void Add(const Output& o, const Tensor& v) {
    of.push_back(o);
    values.push_back(v);
  }
  void AddVariables(const Scope& root, const std::vector<std::string>& names) {
    for (const std::string& name : names) {
      Output read = VariableRead(root, name);
      if (!read.valid()) continue;
      const double offset = 0.05 * static_cast<double>(of.size());
      Add(read, read.dtype() == DT_FLOAT ? test::Floats(read.shape(), 0.7, offset)
                                         : test::Doubles(read.shape(), 0.7, offset));
    }
  }
  std::vector<std::pair<Output, Tensor>> Pairs() const {
    std::vector<std::pair<Output, Tensor>> p;
    for (size_t i = 0; i < of.size(); ++i) p.push_back({of[i], values[i]});
    return p;
  }
  Mat Value(size_t i) const { return FromTensor(values[i]); }
};

TEST(DynamicRnnTest, OutputsZeroPastEachEndAndTheStateIsTheLastValidOne) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {-1, -1, kDepth});
  auto len = ops::Placeholder(root.WithOpName("len"), DT_INT32, {-1});
  auto c0 = ops::Placeholder(root.WithOpName("c0"), DT_DOUBLE, {-1, 3});
  auto h0 = ops::Placeholder(root.WithOpName("h0"), DT_DOUBLE, {-1, 3});
  rnn::BasicLSTMCell cell(3);
  rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .initial_state = {c0, h0}});
  ASSERT_OK(root.status());
  EXPECT_THAT(VariableNames(root), ElementsAre("rnn/basic_lstm_cell/bias", "rnn/basic_lstm_cell/kernel"));
  Feeds f;
  f.Add(x, test::Doubles({kBatch, kTime, kDepth}, 0.9));
  f.Add(len, Tensor::FromVector(kLengths, {kBatch}));
  f.Add(c0, test::Doubles({kBatch, 3}, 0.5, 0.1));
  f.Add(h0, test::Doubles({kBatch, 3}, 0.4, -0.1));
  f.AddVariables(root, {"rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"});
  auto got = test::RunGraph(root, f.Pairs(), {r.outputs, r.state[0], r.state[1]});
  ASSERT_OK(got.status());
  std::vector<Mat> state{f.Value(2), f.Value(3)};
  rnn_test::LstmParams p{.kernel = f.Value(4), .bias = f.Value(5)};
  Tensor expected = ReferenceRnn([&](const Mat& in, std::vector<Mat>& s) { return rnn_test::LstmStep(in, s, p); },
                                 f.values[0], state, kLengths);
  test::ExpectTensorNear((*got)[0], expected, 1e-12);
  test::ExpectTensorNear((*got)[1], rnn_test::ToTensor(state[0]), 1e-12);
  test::ExpectTensorNear((*got)[2], rnn_test::ToTensor(state[1]), 1e-12);
  // Sequence 1 has length 0: zero outputs and its initial state.
  for (int64_t i = 0; i < kTime * 3; ++i) EXPECT_EQ((*got)[0].data<double>()[kTime * 3 + i], 0.0);
  EXPECT_EQ((*got)[1].data<double>()[3], f.values[2].data<double>()[3]);
}

TEST(DynamicRnnTest, WithoutLengthsEveryStepCountsAndZeroStateNeedsADtype) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {kBatch, kTime, kDepth});
  rnn::GRUCell cell(2);
  rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.dtype = DT_DOUBLE});
  ASSERT_OK(root.status());
  Feeds f;
  f.Add(x, test::Doubles({kBatch, kTime, kDepth}, 0.9));
  f.AddVariables(root, {"rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/bias", "rnn/gru_cell/candidate/kernel",
                        "rnn/gru_cell/candidate/bias"});
  auto got = test::RunGraph(root, f.Pairs(), {r.outputs, r.state[0]});
  ASSERT_OK(got.status());
  std::vector<Mat> state{Mat(kBatch, 2)};
  Tensor expected = ReferenceRnn(
      [&](const Mat& in, std::vector<Mat>& s) {
        return rnn_test::GruStep(in, s, f.Value(1), f.Value(2), f.Value(3), f.Value(4));
      },
      f.values[0], state, {kTime, kTime, kTime});
  test::ExpectTensorNear((*got)[0], expected, 1e-12);
  test::ExpectTensorNear((*got)[1], rnn_test::ToTensor(state[0]), 1e-12);

  Scope bad = Scope::NewRootScope();
  auto y = ops::Placeholder(bad, DT_FLOAT, {2, 3, 4});
  rnn::DynamicRnn(bad, cell, y);
  EXPECT_THAT(bad.status().message(), HasSubstr("if there is no initial_state, you must give a dtype"));
  Scope bad_rank = Scope::NewRootScope();
  rnn::GRUCell other(2);
  rnn::DynamicRnn(bad_rank, other, ops::Placeholder(bad_rank, DT_FLOAT, {2, 3}), {.dtype = DT_FLOAT});
  EXPECT_THAT(bad_rank.status().message(), HasSubstr("inputs must be [batch, time, depth]"));
}

// The Jacobian of (outputs, final state) w.r.t. the inputs, the initial state and the variables.
void CheckDynamicRnnGradients(rnn::RnnCell& cell, const std::vector<std::string>& variables, bool time_major) {
  Scope root = Scope::NewRootScope();
  const TensorShape in_shape = time_major ? TensorShape{kTime, kBatch, kDepth} : TensorShape{kBatch, kTime, kDepth};
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, in_shape);
  Feeds f;
  f.Add(x, test::Doubles(in_shape, 0.9));
  std::vector<Output> init;
  int k = 0;
  for (int64_t size : cell.StateSizes()) {
    init.push_back(ops::Placeholder(root.WithOpName("s" + std::to_string(k++)), DT_DOUBLE, {kBatch, size}));
    f.Add(init.back(), test::Doubles({kBatch, size}, 0.5, 0.1 * k));
  }
  auto len = ops::Const(root, kLengths, {kBatch});
  rnn::RnnResult r =
      rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .initial_state = init, .time_major = time_major});
  ASSERT_OK(root.status());
  f.AddVariables(root, variables);
  std::vector<Output> parts{Flat(root, r.outputs)};
  for (const Output& s : r.state) parts.push_back(Flat(root, s));
  Output y = ops::ConcatV2(root, parts, 0);
  auto err = test::ComputeGradientError(root, f.of, f.values, y);
  ASSERT_OK(err.status());
  EXPECT_LT(*err, 1e-7);
}

TEST(DynamicRnnTest, NumericGradientsBatchMajorLSTM) {
  rnn::LSTMCell cell(2, {.use_peepholes = true});
  CheckDynamicRnnGradients(cell, {"rnn/lstm_cell/kernel", "rnn/lstm_cell/bias", "rnn/lstm_cell/w_f_diag",
                                  "rnn/lstm_cell/w_i_diag", "rnn/lstm_cell/w_o_diag"},
                           /*time_major=*/false);
}

TEST(DynamicRnnTest, NumericGradientsTimeMajorGRU) {
  rnn::GRUCell cell(2);
  CheckDynamicRnnGradients(cell, {"rnn/gru_cell/gates/kernel", "rnn/gru_cell/gates/bias",
                                  "rnn/gru_cell/candidate/kernel", "rnn/gru_cell/candidate/bias"},
                           /*time_major=*/true);
}

TEST(DynamicRnnTest, NumericGradientsThroughAMultiRNNCell) {
  rnn::MultiRNNCell cell({std::make_shared<rnn::BasicRNNCell>(2), std::make_shared<rnn::BasicLSTMCell>(2)});
  CheckDynamicRnnGradients(cell, {"rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel",
                                  "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias",
                                  "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel",
                                  "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias"},
                           /*time_major=*/false);
}

TEST(StaticRnnTest, MatchesDynamicRnnOnTheSameVariables) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kBatch, kTime, kDepth});
  auto len = ops::Const(root, kLengths, {kBatch});
  rnn::LSTMCell cell(3, {.num_proj = 2});
  rnn::RnnResult dynamic = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .dtype = DT_FLOAT});
  std::vector<Output> steps = ops::Unpack(root, x, kTime, 1);
  rnn::StaticRnnResult unrolled = rnn::StaticRnn(root, cell, steps, {.sequence_length = len, .dtype = DT_FLOAT});
  ASSERT_OK(root.status());
  EXPECT_EQ(VariableNames(root).size(), 3u);  // kernel, bias, projection/kernel, shared
  ASSERT_EQ(unrolled.outputs.size(), static_cast<size_t>(kTime));
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::vector<Output> fetch{dynamic.outputs, dynamic.state[0], dynamic.state[1],
                            ops::Pack(root, unrolled.outputs, 1), unrolled.state[0], unrolled.state[1]};
  std::vector<Tensor> got;
  ASSERT_OK(session.Run({{x, test::Floats({kBatch, kTime, kDepth})}}, fetch, {}, &got));
  for (int i = 0; i < 3; ++i) test::ExpectTensorNear(got[i], got[i + 3], 1e-6);
}

TEST(StaticRnnTest, NumericGradientsWithLengths) {
  Scope root = Scope::NewRootScope();
  std::vector<Output> steps;
  Feeds f;
  for (int64_t t = 0; t < kTime; ++t) {
    steps.push_back(ops::Placeholder(root.WithOpName("x" + std::to_string(t)), DT_DOUBLE, {kBatch, kDepth}));
    f.Add(steps.back(), test::Doubles({kBatch, kDepth}, 0.8, 0.1 * t));
  }
  rnn::BasicLSTMCell cell(2);
  rnn::StaticRnnResult r = rnn::StaticRnn(root, cell, steps, {.sequence_length = ops::Const(root, kLengths, {kBatch}),
                                                              .dtype = DT_DOUBLE});
  ASSERT_OK(root.status());
  f.AddVariables(root, {"rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"});
  std::vector<Output> parts = r.outputs;
  parts.insert(parts.end(), r.state.begin(), r.state.end());
  auto err = test::ComputeGradientError(root, f.of, f.values, ops::ConcatV2(root, parts, 1));
  ASSERT_OK(err.status());
  EXPECT_LT(*err, 1e-7);
}

TEST(BidirectionalDynamicRnnTest, NamesValuesAndGradients) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {kBatch, kTime, kDepth});
  auto len = ops::Const(root, kLengths, {kBatch});
  rnn::BasicRNNCell fw_cell(2);
  rnn::GRUCell bw_cell(2);
  rnn::BidirectionalRnnResult r =
      rnn::BidirectionalDynamicRnn(root, fw_cell, bw_cell, x, {.sequence_length = len, .dtype = DT_DOUBLE});
  ASSERT_OK(root.status());
  const std::vector<std::string> variables{
      "bidirectional_rnn/fw/basic_rnn_cell/kernel",   "bidirectional_rnn/fw/basic_rnn_cell/bias",
      "bidirectional_rnn/bw/gru_cell/gates/kernel",   "bidirectional_rnn/bw/gru_cell/gates/bias",
      "bidirectional_rnn/bw/gru_cell/candidate/kernel", "bidirectional_rnn/bw/gru_cell/candidate/bias"};
  EXPECT_EQ(VariableNames(root).size(), variables.size());
  Feeds f;
  f.Add(x, test::Doubles({kBatch, kTime, kDepth}, 0.9));
  f.AddVariables(root, variables);
  auto got = test::RunGraph(root, f.Pairs(), {r.output_fw, r.output_bw, r.state_fw[0], r.state_bw[0]});
  ASSERT_OK(got.status());
  std::vector<Mat> fw_state{Mat(kBatch, 2)}, bw_state{Mat(kBatch, 2)};
  Tensor fw = ReferenceRnn([&](const Mat& in, std::vector<Mat>& s) { return rnn_test::RnnStep(in, s, f.Value(1), f.Value(2)); },
                           f.values[0], fw_state, kLengths);
  Tensor bw = ReferenceRnn(
      [&](const Mat& in, std::vector<Mat>& s) {
        return rnn_test::GruStep(in, s, f.Value(3), f.Value(4), f.Value(5), f.Value(6));
      },
      f.values[0], bw_state, kLengths, /*reverse_within_length=*/true);
  test::ExpectTensorNear((*got)[0], fw, 1e-12);
  test::ExpectTensorNear((*got)[1], bw, 1e-12);
  test::ExpectTensorNear((*got)[2], rnn_test::ToTensor(fw_state[0]), 1e-12);
  test::ExpectTensorNear((*got)[3], rnn_test::ToTensor(bw_state[0]), 1e-12);

  Output y = ops::ConcatV2(root, {Flat(root, r.output_fw), Flat(root, r.output_bw), Flat(root, r.state_bw[0])}, 0);
  auto err = test::ComputeGradientError(root, f.of, f.values, y);
  ASSERT_OK(err.status());
  EXPECT_LT(*err, 1e-7);
}

TEST(BidirectionalDynamicRnnTest, TimeMajorWithoutLengthsReversesTheWholeTimeAxis) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {kTime, kBatch, kDepth});
  rnn::BasicRNNCell fw_cell(2), bw_cell(2);
  rnn::BidirectionalRnnResult r =
      rnn::BidirectionalDynamicRnn(root, fw_cell, bw_cell, x, {.dtype = DT_DOUBLE, .time_major = true});
  ASSERT_OK(root.status());
  Tensor batch_major = test::Doubles({kBatch, kTime, kDepth}, 0.9);
  Feeds f;
  f.Add(x, TimeMajor(batch_major));
  f.AddVariables(root, {"bidirectional_rnn/bw/basic_rnn_cell/kernel", "bidirectional_rnn/bw/basic_rnn_cell/bias"});
  auto got = test::RunGraph(root, f.Pairs(), {r.output_bw}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(got.status());
  std::vector<Mat> state{Mat(kBatch, 2)};
  Tensor bw = ReferenceRnn([&](const Mat& in, std::vector<Mat>& s) { return rnn_test::RnnStep(in, s, f.Value(1), f.Value(2)); },
                           batch_major, state, {kTime, kTime, kTime}, /*reverse_within_length=*/true);
  test::ExpectTensorNear((*got)[0], TimeMajor(bw), 1e-12);
}

// An optimizer trains the cell's variables through the loop: an LSTM learns the sum of each
// sequence's valid inputs (lengths 1 to 6), and the loss falls well below its start.
TEST(DynamicRnnTest, AdamTrainsTheCellThroughTheLoop) {
  Scope root = Scope::NewRootScope();
  constexpr int64_t batch = 16, time = 6;
  std::vector<float> xs(batch * time), targets(batch);
  std::vector<int32_t> lengths(batch);
  for (int64_t b = 0; b < batch; ++b) {
    lengths[b] = static_cast<int32_t>(1 + b % time);
    for (int64_t t = 0; t < time; ++t) {
      xs[b * time + t] = static_cast<float>(std::sin(0.7 * static_cast<double>(b * time + t) + 0.3));
      if (t < lengths[b]) targets[b] += 0.5f * xs[b * time + t];
    }
  }
  auto x = ops::Const(root, xs, {batch, time, 1});
  auto len = ops::Const(root, lengths, {batch});
  rnn::LSTMCell cell(8, {.initializer = init::GlorotUniform(3)});
  rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .dtype = DT_FLOAT});
  Output pred = ops::Reshape(root, layers::Dense(root.NewSubScope("out"), r.state[1], 1, nullptr, init::GlorotUniform(4)), {-1});
  Output loss = ops::Mean(root, ops::Square(root, ops::Sub(root, pred, ops::Const(root, targets, {batch}))), {0});
  Operation step = train::AdamOptimizer(0.02f).Minimize(root, loss);
  ASSERT_OK(root.status());
  Session session(root, SessionOptions{});
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {loss}, {}, &out));
  const float first = out[0].data<float>()[0];
  for (int i = 0; i < 300; ++i) ASSERT_OK(session.Run({}, {}, {step}));
  ASSERT_OK(session.Run({}, {loss}, {}, &out));
  EXPECT_LT(out[0].data<float>()[0], first / 10) << "from " << first;
}

TEST(ReverseSequenceTest, ReversesEachPrefixAlongAnyDims) {
  Scope root = Scope::NewRootScope();
  // [batch 2, time 4]: int32 values.
  auto a = ops::Const(root, std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  auto ra = ops::ReverseSequence(root, a, ops::Const(root, std::vector<int64_t>{3, 0}, {2}), 1, 0);
  // [time 3, x 1, batch 2], batch_dim 2.
  auto b = ops::Const(root, std::vector<float>{1, 10, 2, 20, 3, 30}, {3, 1, 2});
  auto rb = ops::ReverseSequence(root, b, ops::Const(root, std::vector<int32_t>{2, 3}, {2}), 0, 2);
  auto got = test::RunGraph(root, {}, {ra, rb});
  ASSERT_OK(got.status());
  test::ExpectTensorEqual((*got)[0], Tensor::FromVector<int32_t>({3, 2, 1, 4, 5, 6, 7, 8}, {2, 4}));
  test::ExpectTensorEqual((*got)[1], Tensor::FromVector<float>({2, 30, 1, 20, 3, 10}, {3, 1, 2}));
}

TEST(ReverseSequenceTest, GradientAndErrors) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {3, 4, 2});
  auto r = ops::ReverseSequence(root, ops::Square(root, x), ops::Const(root, kLengths, {3}), 1, 0);
  auto err = test::ComputeGradientError(root, {x}, {test::Doubles({3, 4, 2})}, r);
  ASSERT_OK(err.status());
  EXPECT_LT(*err, 1e-8);

  auto lengths = ops::Placeholder(root.WithOpName("lengths"), DT_INT32, {-1});
  auto bad = ops::ReverseSequence(root, x, lengths, 1, 0);
  auto too_long = test::RunGraph(root, {{x, test::Doubles({3, 4, 2})}, {lengths, Tensor::FromVector<int32_t>({1, 5, 2}, {3})}}, {bad});
  EXPECT_THAT(too_long.status().message(), HasSubstr("seq_lengths[1] = 5 is not in [0, 4]"));
  auto wrong_count = test::RunGraph(root, {{x, test::Doubles({3, 4, 2})}, {lengths, Tensor::FromVector<int32_t>({1, 2}, {2})}}, {bad});
  EXPECT_THAT(wrong_count.status().message(), HasSubstr("seq_lengths must be a vector of 3 entries"));

  Scope same = Scope::NewRootScope();
  ops::ReverseSequence(same, ops::Placeholder(same, DT_FLOAT, {2, 3}), ops::Const(same, kLengths, {3}), 1, 1);
  EXPECT_THAT(same.status().message(), HasSubstr("seq_dim and batch_dim must differ"));
  Scope count = Scope::NewRootScope();
  ops::ReverseSequence(count, ops::Placeholder(count, DT_FLOAT, {2, 3}), ops::Const(count, kLengths, {3}), 1, 0);
  EXPECT_THAT(count.status().message(), HasSubstr("seq_lengths has 3 entries"));
}


// ---- DropoutWrapper inside DynamicRnn ----------------------------------------------------------

// Runs `fetches` with the feeds of `f` (variables fed through their reads).
std::vector<Tensor> RunFeeds(const Scope& root, const Feeds& f, const std::vector<Output>& fetches) {
  auto got = test::RunGraph(root, f.Pairs(), fetches);
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *got : std::vector<Tensor>();
}

// Each element of `dropped` is 0 or exactly `scale` times the same element of `kept`; returns
// the fraction that is 0 where `kept` is not.
double ExpectZeroOrScaled(const Tensor& dropped, const Tensor& kept, float scale) {
  EXPECT_EQ(dropped.shape(), kept.shape());
  int64_t zeros = 0, nonzero = 0;
  for (int64_t e = 0; e < kept.NumElements(); ++e) {
    const float d = dropped.data<float>()[e], k = kept.data<float>()[e];
    if (k == 0.0f) continue;
    ++nonzero;
    if (d == 0.0f) {
      ++zeros;
    } else {
      EXPECT_EQ(d, scale * k) << "element " << e;
    }
  }
  return nonzero == 0 ? 0.0 : static_cast<double>(zeros) / nonzero;
}

// Whether output unit j of batch row b is zero at step t, in a [batch, time, units] tensor.
bool ZeroAt(const Tensor& y, int64_t b, int64_t t, int64_t j) {
  return y.data<float>()[(b * y.dim_size(1) + t) * y.dim_size(2) + j] == 0.0f;
}

TEST(DynamicRnnDropoutTest, KeepProbabilityOneEqualsNoWrapperExactly) {
  for (bool variational : {false, true}) {
    SCOPED_TRACE(variational ? "variational" : "per step");
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kBatch, kTime, kDepth});
    auto len = ops::Const(root, kLengths, {kBatch});
    auto inner = std::make_shared<rnn::BasicLSTMCell>(3);
    rnn::DropoutWrapper cell(inner, {.variational_recurrent = variational, .seed = 5});
    rnn::RnnResult wrapped = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .dtype = DT_FLOAT});
    rnn::RnnResult plain = rnn::DynamicRnn(root, *inner, x, {.sequence_length = len, .dtype = DT_FLOAT});
    ASSERT_OK(root.status());
    EXPECT_THAT(VariableNames(root), ElementsAre("rnn/basic_lstm_cell/bias", "rnn/basic_lstm_cell/kernel"));
    Feeds f;
    f.Add(x, test::Floats({kBatch, kTime, kDepth}, 0.9));
    f.AddVariables(root, {"rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"});
    std::vector<Tensor> got = RunFeeds(root, f, {wrapped.outputs, wrapped.state[0], wrapped.state[1], plain.outputs,
                                                 plain.state[0], plain.state[1]});
    ASSERT_EQ(got.size(), 6u);
    for (int i = 0; i < 3; ++i) test::ExpectTensorEqual(got[i], got[i + 3]);
  }
}

TEST(DynamicRnnDropoutTest, OutputDropoutZeroesHalfAndDoublesTheRestWithANewMaskEachStep) {
  constexpr int64_t kUnits = 64, kSteps = 5, kRows = 4;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kRows, kSteps, kDepth});
  auto inner = std::make_shared<rnn::BasicRNNCell>(kUnits);
  rnn::DropoutWrapper cell(inner, {.output_keep_prob = 0.5f, .seed = 7});
  rnn::RnnResult wrapped = rnn::DynamicRnn(root, cell, x, {.dtype = DT_FLOAT});
  rnn::RnnResult plain = rnn::DynamicRnn(root, *inner, x, {.dtype = DT_FLOAT});
  ASSERT_OK(root.status());
  Feeds f;
  f.Add(x, test::Floats({kRows, kSteps, kDepth}, 0.9, 0.1));
  f.AddVariables(root, {"rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"});
  std::vector<Tensor> got = RunFeeds(root, f, {wrapped.outputs, wrapped.state[0], plain.outputs, plain.state[0]});
  ASSERT_EQ(got.size(), 4u);
  // Output dropout leaves the recurrence alone: the unwrapped outputs are the kept values.
  const double dropped = ExpectZeroOrScaled(got[0], got[2], 2.0f);
  EXPECT_GT(dropped, 0.4);
  EXPECT_LT(dropped, 0.6);
  test::ExpectTensorEqual(got[1], got[3]);
  // Not variational: each step draws its own mask (TF's dropout op runs once per iteration).
  for (int64_t b = 0; b < kRows; ++b) {
    int64_t differ = 0;
    for (int64_t j = 0; j < kUnits; ++j) differ += ZeroAt(got[0], b, 0, j) != ZeroAt(got[0], b, 1, j);
    EXPECT_GT(differ, 0) << "row " << b << ": steps 0 and 1 have the same mask";
  }
}

TEST(DynamicRnnDropoutTest, StateDropoutAppliesOnlyToThePartsTheFilterAllows) {
  // One step, so the dropped h does not feed a later one: BasicLSTMCell's filter drops h, not c.
  constexpr int64_t kUnits = 64, kRows = 4;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kRows, 1, kDepth});
  auto c0 = ops::Placeholder(root.WithOpName("c0"), DT_FLOAT, {kRows, kUnits});
  auto h0 = ops::Placeholder(root.WithOpName("h0"), DT_FLOAT, {kRows, kUnits});
  auto inner = std::make_shared<rnn::BasicLSTMCell>(kUnits);
  rnn::DropoutWrapper cell(inner, {.state_keep_prob = 0.5f, .seed = 3});
  ASSERT_THAT(cell.StateDropoutFilter(), ElementsAre(false, true));
  rnn::RnnResult wrapped = rnn::DynamicRnn(root, cell, x, {.initial_state = {c0, h0}});
  rnn::RnnResult plain = rnn::DynamicRnn(root, *inner, x, {.initial_state = {c0, h0}});
  ASSERT_OK(root.status());
  Feeds f;
  f.Add(x, test::Floats({kRows, 1, kDepth}, 0.9, 0.1));
  f.Add(c0, test::Floats({kRows, kUnits}, 0.5, 0.1));
  f.Add(h0, test::Floats({kRows, kUnits}, 0.4, -0.1));
  f.AddVariables(root, {"rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"});
  std::vector<Tensor> got = RunFeeds(root, f, {wrapped.outputs, wrapped.state[0], wrapped.state[1], plain.outputs,
                                               plain.state[0], plain.state[1]});
  ASSERT_EQ(got.size(), 6u);
  test::ExpectTensorEqual(got[0], got[3]);  // the output is the cell's, before state dropout
  test::ExpectTensorEqual(got[1], got[4]);  // c is not dropped
  const double dropped = ExpectZeroOrScaled(got[2], got[5], 2.0f);
  EXPECT_GT(dropped, 0.3);
  EXPECT_LT(dropped, 0.7);
}

TEST(DynamicRnnDropoutTest, VariationalDropoutHasOneMaskPerRowForEveryStep) {
  constexpr int64_t kUnits = 64, kSteps = 6, kRows = 4;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kRows, kSteps, kDepth});
  auto inner = std::make_shared<rnn::BasicRNNCell>(kUnits);
  rnn::DropoutWrapper cell(inner, {.output_keep_prob = 0.5f, .variational_recurrent = true, .seed = 11});
  rnn::RnnResult wrapped = rnn::DynamicRnn(root, cell, x, {.dtype = DT_FLOAT});
  rnn::RnnResult plain = rnn::DynamicRnn(root, *inner, x, {.dtype = DT_FLOAT});
  ASSERT_OK(root.status());
  Feeds f;
  f.Add(x, test::Floats({kRows, kSteps, kDepth}, 0.9, 0.1));
  f.AddVariables(root, {"rnn/basic_rnn_cell/kernel", "rnn/basic_rnn_cell/bias"});
  std::vector<Tensor> got = RunFeeds(root, f, {wrapped.outputs, plain.outputs});
  ASSERT_EQ(got.size(), 2u);
  const double dropped = ExpectZeroOrScaled(got[0], got[1], 2.0f);
  EXPECT_GT(dropped, 0.35);
  EXPECT_LT(dropped, 0.65);
  for (int64_t b = 0; b < kRows; ++b) {
    for (int64_t t = 1; t < kSteps; ++t) {
      for (int64_t j = 0; j < kUnits; ++j) {
        EXPECT_EQ(ZeroAt(got[0], b, t, j), ZeroAt(got[0], b, 0, j)) << "row " << b << " step " << t << " unit " << j;
      }
    }
  }
  for (int64_t b = 1; b < kRows; ++b) {
    int64_t differ = 0;
    for (int64_t j = 0; j < kUnits; ++j) differ += ZeroAt(got[0], b, 0, j) != ZeroAt(got[0], 0, 0, j);
    EXPECT_GT(differ, 0) << "rows 0 and " << b << " have the same mask";
  }
}

// The largest |symbolic - numeric| derivative of the scalar `y` w.r.t. the float feeds of `f`
// (central differences, step `delta`), each evaluation in a new Session: a seeded RandomUniform's
// stream restarts with its kernel, so every evaluation sees the same dropout masks (one Session
// draws new ones each Run, which is what ComputeGradientError would see).
StatusOr<double> GradientErrorWithFixedMasks(const Scope& root, const Feeds& f, const Output& y, double delta) {
  std::vector<Output> grads;
  SLUICE_RETURN_IF_ERROR(AddSymbolicGradients(root, {y}, f.of, &grads));
  auto run = [&](const std::vector<Tensor>& values, const std::vector<Output>& fetches) -> StatusOr<std::vector<Tensor>> {
    Session session(root, SessionOptions{});
    std::vector<std::pair<Output, Tensor>> feeds;
    for (size_t i = 0; i < f.of.size(); ++i) feeds.push_back({f.of[i], values[i]});
    std::vector<Tensor> out;
    SLUICE_RETURN_IF_ERROR(session.Run(feeds, fetches, {}, &out));
    return out;
  };
  SLUICE_ASSIGN_OR_RETURN(std::vector<Tensor> symbolic, run(f.values, grads));
  double worst = 0;
  for (size_t i = 0; i < f.of.size(); ++i) {
    for (int64_t e = 0; e < f.values[i].NumElements(); ++e) {
      std::vector<Tensor> plus = f.values, minus = f.values;
      plus[i] = test::Doubles(f.values[i].shape());
      minus[i] = test::Doubles(f.values[i].shape());
      std::copy_n(f.values[i].data<double>(), f.values[i].NumElements(), plus[i].data<double>());
      std::copy_n(f.values[i].data<double>(), f.values[i].NumElements(), minus[i].data<double>());
      plus[i].data<double>()[e] += delta;
      minus[i].data<double>()[e] -= delta;
      SLUICE_ASSIGN_OR_RETURN(std::vector<Tensor> yp, run(plus, {y}));
      SLUICE_ASSIGN_OR_RETURN(std::vector<Tensor> ym, run(minus, {y}));
      const double numeric = (yp[0].data<double>()[0] - ym[0].data<double>()[0]) / (2 * delta);
      const double sym = grads[i].valid() ? symbolic[i].data<double>()[e] : 0.0;
      worst = std::max(worst, std::abs(numeric - sym));
    }
  }
  return worst;
}

TEST(DynamicRnnDropoutTest, NumericGradientsWithSeededMasks) {
  for (bool variational : {false, true}) {
    SCOPED_TRACE(variational ? "variational" : "per step");
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, {kBatch, kTime, kDepth});
    auto c0 = ops::Placeholder(root.WithOpName("c0"), DT_DOUBLE, {kBatch, 2});
    auto h0 = ops::Placeholder(root.WithOpName("h0"), DT_DOUBLE, {kBatch, 2});
    auto inner = std::make_shared<rnn::BasicLSTMCell>(2);
    rnn::DropoutWrapper cell(inner, {.input_keep_prob = 0.7f,
                                     .output_keep_prob = 0.6f,
                                     .state_keep_prob = 0.8f,
                                     .variational_recurrent = variational,
                                     .seed = 9});
    auto len = ops::Const(root, kLengths, {kBatch});
    rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .initial_state = {c0, h0}});
    ASSERT_OK(root.status());
    Feeds f;
    f.Add(x, test::Doubles({kBatch, kTime, kDepth}, 0.9));
    f.Add(c0, test::Doubles({kBatch, 2}, 0.5, 0.1));
    f.Add(h0, test::Doubles({kBatch, 2}, 0.4, -0.1));
    f.AddVariables(root, {"rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"});
    // A weighted sum of the outputs and the final state, so every element counts differently.
    Output all = ops::ConcatV2(root, {Flat(root, r.outputs), Flat(root, r.state[0]), Flat(root, r.state[1])}, 0);
    const int64_t n = kBatch * kTime * 2 + 2 * kBatch * 2;
    Output y = ops::Sum(root, ops::Mul(root, all, ops::Const(root, test::Doubles({n}, 1.0, 0.3))), 0);
    rnn::RnnResult p = rnn::DynamicRnn(root, *inner, x, {.sequence_length = len, .initial_state = {c0, h0}});
    Output p_all = ops::ConcatV2(root, {Flat(root, p.outputs), Flat(root, p.state[0]), Flat(root, p.state[1])}, 0);
    Output y_plain = ops::Sum(root, ops::Mul(root, p_all, ops::Const(root, test::Doubles({n}, 1.0, 0.3))), 0);
    ASSERT_OK(root.status());
    auto err = GradientErrorWithFixedMasks(root, f, y, 1e-6);
    ASSERT_OK(err.status());
    EXPECT_LT(*err, 1e-7);
    // The masks matter: y differs from the same model's without dropout.
    std::vector<Tensor> ys = RunFeeds(root, f, {y, y_plain});
    ASSERT_EQ(ys.size(), 2u);
    EXPECT_GT(std::abs(ys[0].data<double>()[0] - ys[1].data<double>()[0]), 1e-3);
  }
}

TEST(DynamicRnnDropoutTest, OutputsPastEachSequencesEndAreZeroAndLengthZeroKeepsTheInitialState) {
  constexpr int64_t kUnits = 32;
  for (bool variational : {false, true}) {
    SCOPED_TRACE(variational ? "variational" : "per step");
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {kBatch, kTime, kDepth});
    auto c0 = ops::Placeholder(root.WithOpName("c0"), DT_FLOAT, {kBatch, kUnits});
    auto h0 = ops::Placeholder(root.WithOpName("h0"), DT_FLOAT, {kBatch, kUnits});
    auto len = ops::Const(root, kLengths, {kBatch});
    rnn::DropoutWrapper cell(std::make_shared<rnn::BasicLSTMCell>(kUnits),
                             {.input_keep_prob = 0.5f,
                              .output_keep_prob = 0.5f,
                              .state_keep_prob = 0.5f,
                              .variational_recurrent = variational,
                              .seed = 13});
    rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.sequence_length = len, .initial_state = {c0, h0}});
    ASSERT_OK(root.status());
    Feeds f;
    f.Add(x, test::Floats({kBatch, kTime, kDepth}, 0.9, 0.1));
    f.Add(c0, test::Floats({kBatch, kUnits}, 0.5, 0.1));
    f.Add(h0, test::Floats({kBatch, kUnits}, 0.4, -0.1));
    f.AddVariables(root, {"rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"});
    std::vector<Tensor> got = RunFeeds(root, f, {r.outputs, r.state[0], r.state[1]});
    ASSERT_EQ(got.size(), 3u);
    for (int64_t b = 0; b < kBatch; ++b) {
      int64_t nonzero = 0;
      for (int64_t t = 0; t < kTime; ++t) {
        for (int64_t j = 0; j < kUnits; ++j) {
          if (t >= kLengths[b]) {
            EXPECT_TRUE(ZeroAt(got[0], b, t, j)) << "row " << b << " step " << t << " unit " << j;
          } else {
            nonzero += !ZeroAt(got[0], b, t, j);
          }
        }
      }
      if (kLengths[b] > 0) EXPECT_GT(nonzero, kLengths[b] * kUnits / 4) << "row " << b;
    }
    // Row 1 has length 0: its final state is its initial state, undropped.
    for (int64_t j = 0; j < kUnits; ++j) {
      EXPECT_EQ(got[1].data<float>()[kUnits + j], f.values[1].data<float>()[kUnits + j]);
      EXPECT_EQ(got[2].data<float>()[kUnits + j], f.values[2].data<float>()[kUnits + j]);
    }
  }
}

}  // namespace
}  // namespace sluice
