// The fused LSTM ops against a plain-loop reference LSTM written here (in double), numeric
// gradient checks through LSTMBlockCell and BlockLSTM(V2) (with seq_len_max < time), bad-input
// errors, and the LSTMBlockFusedCell layer.
#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"
#include "ops/rnn_ops.h"
#include "ops/state_ops.h"
#include "ops/variables.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

struct Sizes {
  int64_t time, batch, input, cell;
};

// The inputs of a sequence op, deterministic and distinct.
struct LstmInputs {
  Tensor x, cs0, h0, w, wci, wcf, wco, b;
};

LstmInputs MakeInputs(const Sizes& s) {
  return {test::Floats({s.time, s.batch, s.input}, 1.0, 0.1), test::Floats({s.batch, s.cell}, 0.8, -0.2),
          test::Floats({s.batch, s.cell}, 0.6, 0.1),          test::Floats({s.input + s.cell, 4 * s.cell}, 0.7, 0.05),
          test::Floats({s.cell}, 0.5, 0.1),                   test::Floats({s.cell}, 0.4, -0.1),
          test::Floats({s.cell}, 0.3, 0.2),                   test::Floats({4 * s.cell}, 0.5, 0.1)};
}

double Sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// TensorFlow's LSTM equations, step by step, in double: the seven outputs [time, batch, cell]
// (zeros at t >= steps). `ifco` selects V2's gate order.
std::vector<Tensor> ReferenceLstm(const Sizes& s, const LstmInputs& in, int64_t steps, bool ifco, double forget_bias,
                                  double cell_clip, bool peephole) {
  const int gi = 0, gc = ifco ? 2 : 1, gf = ifco ? 1 : 2, go = 3;
  const int64_t C = s.cell, I = s.input;
  std::vector<std::vector<float>> out(7, std::vector<float>(s.time * s.batch * C, 0.0f));
  std::vector<double> cs_prev(s.batch * C), h_prev(s.batch * C);
  for (int64_t e = 0; e < s.batch * C; ++e) {
    cs_prev[e] = in.cs0.data<float>()[e];
    h_prev[e] = in.h0.data<float>()[e];
  }
  const float* w = in.w.data<float>();
  const float* b = in.b.data<float>();
  for (int64_t t = 0; t < steps; ++t) {
    std::vector<double> cs_now(s.batch * C), h_now(s.batch * C);
    for (int64_t r = 0; r < s.batch; ++r) {
      for (int64_t j = 0; j < C; ++j) {
        double pre[4];
        for (int g = 0; g < 4; ++g) {
          const int64_t col = g * C + j;
          double acc = b[col];
          for (int64_t k = 0; k < I; ++k) acc += in.x.data<float>()[(t * s.batch + r) * I + k] * w[k * 4 * C + col];
          for (int64_t k = 0; k < C; ++k) acc += h_prev[r * C + k] * w[(I + k) * 4 * C + col];
          pre[g] = acc;
        }
        const double csp = cs_prev[r * C + j];
        const double i = Sigmoid(pre[gi] + (peephole ? csp * in.wci.data<float>()[j] : 0.0));
        const double f = Sigmoid(pre[gf] + forget_bias + (peephole ? csp * in.wcf.data<float>()[j] : 0.0));
        const double ci = std::tanh(pre[gc]);
        double cs = ci * i + csp * f;
        if (cell_clip > 0) cs = std::min(std::max(cs, -cell_clip), cell_clip);
        const double o = Sigmoid(pre[go] + (peephole ? cs * in.wco.data<float>()[j] : 0.0));
        const double co = std::tanh(cs);
        const int64_t e = (t * s.batch + r) * C + j;
        const double vals[7] = {i, cs, f, o, ci, co, co * o};
        for (int k = 0; k < 7; ++k) out[k][e] = static_cast<float>(vals[k]);
        cs_now[r * C + j] = cs;
        h_now[r * C + j] = co * o;
      }
    }
    cs_prev = cs_now;
    h_prev = h_now;
  }
  std::vector<Tensor> result;
  for (auto& v : out) result.push_back(Tensor::FromVector(v, TensorShape{s.time, s.batch, C}));
  return result;
}

std::vector<Output> AsList(const ops::LSTMBlockOutputs& r) { return {r.i, r.cs, r.f, r.o, r.ci, r.co, r.h}; }

const char* const kOutputNames[] = {"i", "cs", "f", "o", "ci", "co", "h"};

void ExpectMatchesReference(bool v2, const ops::LSTMBlockOptions& o, int64_t steps) {
  const Sizes s{5, 3, 4, 6};
  const LstmInputs in = MakeInputs(s);
  Scope root = Scope::NewRootScope();
  auto c = [&](const Tensor& t) { return ops::Const(root, t); };
  const int64_t seq = steps;
  ops::LSTMBlockOutputs r =
      v2 ? ops::BlockLSTMV2(root, seq, c(in.x), c(in.cs0), c(in.h0), c(in.w), c(in.wci), c(in.wcf), c(in.wco),
                            c(in.b), o)
         : ops::BlockLSTM(root, seq, c(in.x), c(in.cs0), c(in.h0), c(in.w), c(in.wci), c(in.wcf), c(in.wco),
                          c(in.b), o);
  auto got = test::RunGraph(root, {}, AsList(r));
  ASSERT_TRUE(got.ok()) << got.status();
  const std::vector<Tensor> want = ReferenceLstm(s, in, steps, v2, o.forget_bias, o.cell_clip, o.use_peephole);
  for (int k = 0; k < 7; ++k) {
    SCOPED_TRACE(kOutputNames[k]);
    test::ExpectTensorNear((*got)[k], want[k], 2e-6);
  }
}

TEST(BlockLSTMTest, MatchesTheReferenceLstm) { ExpectMatchesReference(false, {}, 5); }

TEST(BlockLSTMTest, PeepholeClipAndForgetBiasMatchTheReference) {
  // cell_clip 0.3 is below most |cs| here, so the clip is exercised.
  ExpectMatchesReference(false, {.forget_bias = 0.5f, .cell_clip = 0.3f, .use_peephole = true}, 5);
}

TEST(BlockLSTMTest, StepsFromSeqLenMaxOnAreZeros) {
  ExpectMatchesReference(false, {.forget_bias = 1.0f, .cell_clip = 0.0f, .use_peephole = true}, 3);
  ExpectMatchesReference(false, {}, 0);
}

TEST(BlockLSTMV2Test, GatesInTheOrderIFCOWithoutForgetBias) {
  ExpectMatchesReference(true, {.forget_bias = 0.0f, .cell_clip = 0.0f}, 5);
  ExpectMatchesReference(true, {.forget_bias = 0.0f, .cell_clip = 0.5f, .use_peephole = true}, 2);
}

TEST(LSTMBlockCellTest, OneStepMatchesTheReference) {
  const Sizes s{1, 3, 4, 5};
  const LstmInputs in = MakeInputs(s);
  Scope root = Scope::NewRootScope();
  auto c = [&](const Tensor& t) { return ops::Const(root, t); };
  Output x2 = ops::Reshape(root, c(in.x), {3, 4});
  const ops::LSTMBlockOptions o{.forget_bias = 0.7f, .cell_clip = 0.4f, .use_peephole = true};
  ops::LSTMBlockOutputs r =
      ops::LSTMBlockCell(root, x2, c(in.cs0), c(in.h0), c(in.w), c(in.wci), c(in.wcf), c(in.wco), c(in.b), o);
  auto got = test::RunGraph(root, {}, AsList(r));
  ASSERT_TRUE(got.ok()) << got.status();
  const std::vector<Tensor> want = ReferenceLstm(s, in, 1, false, 0.7, 0.4, true);
  for (int k = 0; k < 7; ++k) {
    SCOPED_TRACE(kOutputNames[k]);
    Tensor w;
    ASSERT_TRUE(want[k].Reshaped(TensorShape{3, 5}, &w));
    test::ExpectTensorNear((*got)[k], w, 2e-6);
  }
}

// ---- Gradients ---------------------------------------------------------------------------------

// A loss that weighs every element of cs and h differently (so no gradient cancels out).
Output WeightedLoss(const Scope& root, const Output& cs, const Output& h, const TensorShape& shape) {
  Output wc = ops::Const(root, test::Floats(shape, 1.0, 0.3));
  Output wh = ops::Const(root, test::Floats(shape, -0.9, 0.5));
  return ops::Add(root, ops::Sum(root, ops::Mul(root, cs, wc), {0, 1, 2}), ops::Sum(root, ops::Mul(root, h, wh), {0, 1, 2}));
}

void ExpectSequenceGradientsOk(bool v2, bool peephole) {
  const Sizes s{4, 2, 3, 2};
  const LstmInputs in = MakeInputs(s);
  Scope root = Scope::NewRootScope();
  auto p = [&](const Tensor& t) { return ops::Placeholder(root, DT_FLOAT, t.shape()); };
  // The peepholes are placeholders (checked) only when used.
  auto q = [&](const Tensor& t) { return peephole ? p(t) : ops::Const(root, t); };
  Output x = p(in.x), cs0 = p(in.cs0), h0 = p(in.h0), w = p(in.w), wci = q(in.wci), wcf = q(in.wcf),
         wco = q(in.wco), b = p(in.b);
  // cell_clip off: the clip's derivative is not the identity TensorFlow's gradient assumes.
  ops::LSTMBlockOptions o{.forget_bias = v2 ? 0.0f : 1.0f, .cell_clip = 0.0f, .use_peephole = peephole};
  const int64_t seq_len_max = 3;  // < time
  ops::LSTMBlockOutputs r = v2 ? ops::BlockLSTMV2(root, seq_len_max, x, cs0, h0, w, wci, wcf, wco, b, o)
                               : ops::BlockLSTM(root, seq_len_max, x, cs0, h0, w, wci, wcf, wco, b, o);
  Output loss = WeightedLoss(root, r.cs, r.h, TensorShape{s.time, s.batch, s.cell});
  std::vector<Output> xs = {x, cs0, h0, w, b};
  std::vector<Tensor> values = {in.x, in.cs0, in.h0, in.w, in.b};
  if (peephole) {
    xs.insert(xs.end(), {wci, wcf, wco});
    values.insert(values.end(), {in.wci, in.wcf, in.wco});
  }
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, loss);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 4e-3);
}

TEST(BlockLSTMGradTest, NumericGradientsWithSeqLenMaxBelowTime) { ExpectSequenceGradientsOk(false, false); }
TEST(BlockLSTMGradTest, NumericGradientsWithPeepholes) { ExpectSequenceGradientsOk(false, true); }
TEST(BlockLSTMGradV2Test, NumericGradientsWithPeepholes) { ExpectSequenceGradientsOk(true, true); }

TEST(BlockLSTMGradTest, StepsFromSeqLenMaxOnGetNoGradient) {
  const Sizes s{4, 2, 3, 2};
  const LstmInputs in = MakeInputs(s);
  Scope root = Scope::NewRootScope();
  auto c = [&](const Tensor& t) { return ops::Const(root, t); };
  Output x = c(in.x);
  ops::LSTMBlockOutputs r = ops::BlockLSTM(root, int64_t{2}, x, c(in.cs0), c(in.h0), c(in.w), c(in.wci), c(in.wcf),
                                           c(in.wco), c(in.b));
  Output loss = WeightedLoss(root, r.cs, r.h, TensorShape{s.time, s.batch, s.cell});
  std::vector<Output> grads;
  ASSERT_TRUE(AddSymbolicGradients(root, {loss}, {x}, &grads).ok());
  Tensor g = test::RunOne(root, grads[0]);
  ASSERT_EQ(g.NumElements(), s.time * s.batch * s.input);
  const int64_t per_step = s.batch * s.input;
  double before = 0;
  for (int64_t e = 0; e < g.NumElements(); ++e) {
    if (e >= 2 * per_step) {
      EXPECT_EQ(g.data<float>()[e], 0.0f) << e;
    } else {
      before += std::abs(g.data<float>()[e]);
    }
  }
  EXPECT_GT(before, 0.1);
}

TEST(LSTMBlockCellGradTest, NumericGradients) {
  for (bool peephole : {false, true}) {
    SCOPED_TRACE(peephole);
    const Sizes s{1, 3, 2, 3};
    const LstmInputs in = MakeInputs(s);
    Scope root = Scope::NewRootScope();
    auto p = [&](const TensorShape& shape) { return ops::Placeholder(root, DT_FLOAT, shape); };
    Tensor x2;
    ASSERT_TRUE(in.x.Reshaped(TensorShape{3, 2}, &x2));
    auto q = [&](const Tensor& t) { return peephole ? p(t.shape()) : ops::Const(root, t); };
    Output x = p(x2.shape()), cs0 = p(in.cs0.shape()), h0 = p(in.h0.shape()), w = p(in.w.shape()),
           wci = q(in.wci), wcf = q(in.wcf), wco = q(in.wco), b = p(in.b.shape());
    ops::LSTMBlockOutputs r = ops::LSTMBlockCell(root, x, cs0, h0, w, wci, wcf, wco, b,
                                                 {.forget_bias = 1.0f, .cell_clip = -1.0f, .use_peephole = peephole});
    Output loss = WeightedLoss(root, ops::ExpandDims(root, r.cs, 0), ops::ExpandDims(root, r.h, 0),
                               TensorShape{1, s.batch, s.cell});
    std::vector<Output> xs = {x, cs0, h0, w, b};
    std::vector<Tensor> values = {x2, in.cs0, in.h0, in.w, in.b};
    if (peephole) {
      xs.insert(xs.end(), {wci, wcf, wco});
      values.insert(values.end(), {in.wci, in.wcf, in.wco});
    }
    ASSERT_TRUE(root.ok()) << root.status();
    auto err = test::ComputeGradientError(root, xs, values, loss);
    ASSERT_TRUE(err.ok()) << err.status();
    EXPECT_LT(*err, 4e-3);
  }
}

// ---- Bad input ---------------------------------------------------------------------------------

Status RunBlockLSTM(const Tensor& seq_len_max, const LstmInputs& in) {
  Scope root = Scope::NewRootScope();
  auto p = [&](const Tensor& t) { return ops::Placeholder(root, t.dtype()); };
  Output seq = p(seq_len_max), x = p(in.x), cs0 = p(in.cs0), h0 = p(in.h0), w = p(in.w), wci = p(in.wci),
         wcf = p(in.wcf), wco = p(in.wco), b = p(in.b);
  ops::LSTMBlockOutputs r = ops::BlockLSTM(root, seq, x, cs0, h0, w, wci, wcf, wco, b);
  SLUICE_RETURN_IF_ERROR(root.status());
  return test::RunGraph(root,
                        {{seq, seq_len_max}, {x, in.x}, {cs0, in.cs0}, {h0, in.h0}, {w, in.w}, {wci, in.wci},
                         {wcf, in.wcf}, {wco, in.wco}, {b, in.b}},
                        {r.h})
      .status();
}

TEST(BlockLSTMTest, BadInputsAreErrorsNamingThem) {
  const Sizes s{3, 2, 3, 4};
  LstmInputs in = MakeInputs(s);
  EXPECT_TRUE(RunBlockLSTM(Tensor::Scalar<int64_t>(3), in).ok());
  Status st = RunBlockLSTM(Tensor::Scalar<int64_t>(4), in);
  EXPECT_NE(st.message().find("seq_len_max must be in [0, 3]"), std::string::npos) << st;
  st = RunBlockLSTM(Tensor::Scalar<int64_t>(-1), in);
  EXPECT_NE(st.message().find("seq_len_max"), std::string::npos) << st;
  LstmInputs bad_w = in;
  bad_w.w = test::Floats({s.input + s.cell, 4 * s.cell + 1});
  st = RunBlockLSTM(Tensor::Scalar<int64_t>(3), bad_w);
  EXPECT_NE(st.message().find("w (input_size + cell_size, 4 * cell_size) must have shape [7,16]"), std::string::npos)
      << st;
  LstmInputs bad_h = in;
  bad_h.h0 = test::Floats({s.batch + 1, s.cell});
  st = RunBlockLSTM(Tensor::Scalar<int64_t>(3), bad_h);
  EXPECT_NE(st.message().find("h_prev must have shape"), std::string::npos) << st;
  LstmInputs bad_x = in;
  bad_x.x = test::Floats({s.batch, s.input});
  st = RunBlockLSTM(Tensor::Scalar<int64_t>(3), bad_x);
  EXPECT_NE(st.message().find("x must have rank 3"), std::string::npos) << st;
}

TEST(BlockLSTMTest, ShapesAreInferredFromXAndB) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root, DT_FLOAT, {7, -1, 3});
  Output st = ops::Placeholder(root, DT_FLOAT, {-1, 5});
  Output w = ops::Placeholder(root, DT_FLOAT, {8, 20});
  Output v = ops::Placeholder(root, DT_FLOAT, {5});
  Output b = ops::Placeholder(root, DT_FLOAT, {20});
  ops::LSTMBlockOutputs r = ops::BlockLSTM(root, int64_t{7}, x, st, st, w, v, v, v, b);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(r.h.shape().DebugString(), TensorShape({7, -1, 5}).DebugString());
  Scope bad = Scope::NewRootScope();
  ops::BlockLSTM(bad, int64_t{7}, ops::Placeholder(bad, DT_FLOAT, {7, 2, 3}), st, st, w, v, v, v,
                 ops::Placeholder(bad, DT_FLOAT, {18}));
  EXPECT_FALSE(bad.ok());
}

// ---- LSTMBlockFusedCell ------------------------------------------------------------------------

TEST(LSTMBlockFusedCellTest, VariablesAndFinalStateFollowSequenceLength) {
  Scope root = Scope::NewRootScope();
  const Sizes s{4, 3, 2, 5};
  Output x = ops::Const(root, test::Floats({s.time, s.batch, s.input}));
  layers::LSTMBlockFusedCellOptions o;
  o.sequence_length = ops::Const(root, {4, 0, 2});
  layers::LSTMBlockFusedCellOutput full = layers::LSTMBlockFusedCell(root.NewSubScope("lstm_fused_cell"), x, s.cell);
  layers::LSTMBlockFusedCellOutput part =
      layers::LSTMBlockFusedCell(root.NewSubScope("lstm_fused_cell_1"), x, s.cell, o);
  ASSERT_TRUE(root.ok()) << root.status();
  std::vector<std::string> names;
  for (const Variable& v : root.global_variables()) names.push_back(v.ref().op().name());
  EXPECT_EQ(names, (std::vector<std::string>{"lstm_fused_cell/kernel", "lstm_fused_cell/bias",
                                             "lstm_fused_cell_1/kernel", "lstm_fused_cell_1/bias"}));
  auto init = ops::GlobalVariablesInitializer(root);
  auto got = test::RunGraph(root, {}, {full.outputs, full.h, full.c, part.outputs, part.h}, {init});
  ASSERT_TRUE(got.ok()) << got.status();
  const Tensor &outputs = (*got)[0], &h = (*got)[1], &c = (*got)[2], &masked = (*got)[3], &part_h = (*got)[4];
  EXPECT_EQ(outputs.shape().DebugString(), TensorShape({4, 3, 5}).DebugString());
  EXPECT_EQ(h.shape().DebugString(), TensorShape({3, 5}).DebugString());
  const int64_t step = s.batch * s.cell;
  for (int64_t e = 0; e < step; ++e) EXPECT_EQ(h.data<float>()[e], outputs.data<float>()[3 * step + e]);
  EXPECT_NE(c.data<float>()[0], 0.0f);
  // Row 0 (length 4): the last step's h; row 1 (length 0): the initial zeros; row 2 (length 2):
  // step 1's h, and masked outputs from step 2 on.
  for (int64_t j = 0; j < s.cell; ++j) {
    EXPECT_EQ(part_h.data<float>()[j], masked.data<float>()[3 * step + j]);
    EXPECT_EQ(part_h.data<float>()[s.cell + j], 0.0f);
    EXPECT_EQ(part_h.data<float>()[2 * s.cell + j], masked.data<float>()[1 * step + 2 * s.cell + j]);
    EXPECT_NE(part_h.data<float>()[2 * s.cell + j], 0.0f);
    EXPECT_EQ(masked.data<float>()[2 * step + 2 * s.cell + j], 0.0f);
    EXPECT_EQ(masked.data<float>()[0 * step + s.cell + j], 0.0f);
  }
}

TEST(LSTMBlockFusedCellTest, BadInputIsAnErrorNamingTheLayer) {
  Scope root = Scope::NewRootScope();
  layers::LSTMBlockFusedCell(root.NewSubScope("rnn"), ops::Placeholder(root, DT_FLOAT, {4, 3}), 8);
  EXPECT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("LSTMBlockFusedCell layer 'rnn"), std::string::npos) << root.status();
}

}  // namespace
}  // namespace sluice
