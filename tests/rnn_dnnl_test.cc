// oneDNN's LSTM primitive on BlockLSTM's layouts (bench/dnnl_lstm.h, the oneDNN side of the
// BlockLSTM A/B in bench/conv_microbench.cc) against sluice's hand kernel (BlockLSTM and
// BlockLSTMGrad through a Session) on the same inputs, where the primitive fits: no peepholes,
// no cell clip, the gradient of cs only at the last step. Shapes include seq_len_max < time,
// batch 1 and cell sizes that are not multiples of 8 or 16.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/dnnl_lstm.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/rnn_ops.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

struct Case {
  int64_t time, steps, batch, input, cell;
};

// |a - b| <= tolerance (1 + |b|) over the first `n` elements; `normwise`: |a - b| <= tolerance
// (1 + max |b|), for sums over every step and row (w_grad), whose float rounding is relative to
// the terms summed rather than to the (cancelling) sum.
void ExpectClose(const float* actual, const float* expected, int64_t n, double tolerance, const char* what,
                 bool normwise = false) {
  double scale = 0;
  for (int64_t e = 0; e < n; ++e) scale = std::max(scale, static_cast<double>(std::abs(expected[e])));
  int bad = 0;
  double worst = 0;
  for (int64_t e = 0; e < n; ++e) {
    const double err = std::abs(actual[e] - expected[e]) / (1.0 + (normwise ? scale : std::abs(expected[e])));
    worst = std::max(worst, err);
    if (!(err <= tolerance) && bad++ < 5) {
      ADD_FAILURE() << what << "[" << e << "]: oneDNN " << actual[e] << ", hand kernel " << expected[e];
    }
  }
  if (getenv("SLUICE_DNNL_LSTM_VERBOSE")) printf("%s: worst %.3g\n", what, worst);
}

void ExpectPathsAgree(const Case& c, float forget_bias, double w_scale = 0.3) {
  SCOPED_TRACE(testing::Message() << "time " << c.time << " steps " << c.steps << " batch " << c.batch << " input "
                                  << c.input << " cell " << c.cell);
  const int64_t T = c.time, N = c.batch, I = c.input, C = c.cell, S = c.steps;
  const Tensor x = test::Floats({T, N, I}, 1.0, 0.1), cs0 = test::Floats({N, C}, 0.8, -0.2),
               h0 = test::Floats({N, C}, 0.6, 0.1), w = test::Floats({I + C, 4 * C}, w_scale, 0.0),
               b = test::Floats({4 * C}, 0.5, 0.1), zeros_c = test::Floats({C}, 0.0, 0.0);
  // The gradient of h at every step, and of cs only at the last computed step.
  const Tensor h_grad = test::Floats({T, N, C}, 0.9, 0.05);
  Tensor cs_grad(DT_FLOAT, TensorShape{T, N, C});
  std::fill_n(cs_grad.data<float>(), cs_grad.NumElements(), 0.0f);
  const Tensor cs_grad_last = test::Floats({N, C}, 0.7, -0.1);
  std::copy_n(cs_grad_last.data<float>(), N * C, cs_grad.data<float>() + (S - 1) * N * C);

  Scope root = Scope::NewRootScope();
  auto k = [&](const Tensor& t) { return ops::Const(root, t); };
  ops::LSTMBlockOutputs fwd =
      ops::BlockLSTM(root, S, k(x), k(cs0), k(h0), k(w), k(zeros_c), k(zeros_c), k(zeros_c), k(b),
                     {.forget_bias = forget_bias, .cell_clip = -1.0f, .use_peephole = false});
  ops::BlockLSTMGradOutputs bwd = ops::BlockLSTMGrad(root, fwd.h.op(), k(cs_grad), k(h_grad));
  auto run = test::RunGraph(root, {},
                            {fwd.h, fwd.cs, bwd.x_grad, bwd.cs_prev_grad, bwd.h_prev_grad, bwd.w_grad, bwd.b_grad});
  ASSERT_TRUE(run.ok()) << run.status();
  const std::vector<Tensor>& hand = *run;

  bench::DnnlLstm lstm({S, N, I, C});
  lstm.SetWeights(w.data<float>(), b.data<float>(), forget_bias);
  std::vector<float> h(S * N * C), cs_last(N * C), x_grad(S * N * I), cs_prev_grad(N * C), h_prev_grad(N * C),
      w_grad((I + C) * 4 * C), b_grad(4 * C);
  // Twice: the second pass must not see the first's gradients (oneDNN accumulates into them).
  for (int pass = 0; pass < 2; ++pass) {
    lstm.Forward(x.data<float>(), cs0.data<float>(), h0.data<float>(), h.data(), cs_last.data());
    lstm.Backward(h_grad.data<float>(), cs_grad_last.data<float>(), x_grad.data(), cs_prev_grad.data(),
                  h_prev_grad.data(), w_grad.data(), b_grad.data());
  }
  const double kTol = 1e-5;
  ExpectClose(h.data(), hand[0].data<float>(), S * N * C, kTol, "h");
  ExpectClose(cs_last.data(), hand[1].data<float>() + (S - 1) * N * C, N * C, kTol, "cs[steps - 1]");
  ExpectClose(x_grad.data(), hand[2].data<float>(), S * N * I, kTol, "x_grad");
  ExpectClose(cs_prev_grad.data(), hand[3].data<float>(), N * C, kTol, "cs_prev_grad");
  ExpectClose(h_prev_grad.data(), hand[4].data<float>(), N * C, kTol, "h_prev_grad");
  ExpectClose(w_grad.data(), hand[5].data<float>(), (I + C) * 4 * C, kTol, "w_grad", /*normwise=*/true);
  ExpectClose(b_grad.data(), hand[6].data<float>(), 4 * C, kTol, "b_grad");
  // The hand kernel's steps from seq_len_max on are zeros; oneDNN ran only the first S.
  for (int64_t e = S * N * C; e < T * N * C; ++e) ASSERT_EQ(hand[0].data<float>()[e], 0.0f) << e;
}

// GlorotUniform's scale for [156, 512] weights (sqrt(6 / 668) = 0.095).
TEST(DnnlLstmTest, MatchesTheHandKernelAtRnnMnistShape) { ExpectPathsAgree({28, 28, 64, 28, 128}, 1.0f, 0.08); }

TEST(DnnlLstmTest, MatchesTheHandKernelWithSeqLenMaxBelowTime) { ExpectPathsAgree({7, 4, 3, 5, 6}, 1.0f); }

TEST(DnnlLstmTest, MatchesTheHandKernelWithBatchOne) { ExpectPathsAgree({5, 5, 1, 3, 4}, 1.0f); }

TEST(DnnlLstmTest, MatchesTheHandKernelWithOddCellSizes) {
  for (int64_t cell : {5, 13, 17, 33}) ExpectPathsAgree({6, 5, 4, 9, cell}, 0.5f);
}

TEST(DnnlLstmTest, MatchesTheHandKernelWithoutForgetBias) { ExpectPathsAgree({4, 4, 2, 3, 7}, 0.0f); }

}  // namespace
}  // namespace sluice
