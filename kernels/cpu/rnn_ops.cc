// CPU kernels of TensorFlow's fused LSTM ops: LSTMBlockCell, LSTMBlockCellGrad, BlockLSTM,
// BlockLSTMV2, BlockLSTMGrad and BlockLSTMGradV2 (float). Per step the gate pre-activations are
// a GEMM (oneDNN's sgemm, as MatMul) and a hand-vectorized pass over the gates (VecSigmoid,
// VecTanh), rows of the batch in parallel. The sequence ops move what does not depend on the
// recurrence out of the time loop: forward, x W_x of every step is one GEMM before it, and only
// h_{t-1} W_h stays inside; backward, the gate gradients of all steps are kept, so x_grad, w_grad
// and b_grad are one GEMM (or sum) each after the loop, and only h_prev_grad = dgates W_h^T stays
// inside. TensorFlow's equations (core/kernels/rnn/lstm_ops.h), gates i, ci, f, o in V1 and
// i, f, ci, o in V2:
//   [i, ci, f, o] = [x, h_prev] w + b
//   i = sigmoid(i + cs_prev * wci)   f = sigmoid(f + forget_bias + cs_prev * wcf)   ci = tanh(ci)
//   cs = clip(ci * i + cs_prev * f, cell_clip) (when cell_clip > 0)   co = tanh(cs)
//   o = sigmoid(o + cs * wco)   h = co * o                     (peepholes only with use_peephole)
// The backward pass, as TensorFlow's, treats the clip as the identity. Steps t >= seq_len_max
// of a sequence op's outputs, and of its x_grad, are zeros.
//
// Why not oneDNN's LSTM primitive (lstm_forward / lstm_backward, tried in bench/dnnl_lstm.h,
// checked against this kernel to 1e-5 in tests/rnn_dnnl_test.cc, timed in
// bench/conv_microbench.cc; docs/BENCHMARKS.md "BlockLSTM: oneDNN LSTM primitive vs hand
// kernel"). It fits only without peepholes and cell clip (BlockLSTM's default cell_clip is 3), and
// even there it gives less than the ops' contract: its forward yields h of every step but cs only
// of the last, and none of i, f, o, ci, co, which BlockLSTM outputs and BlockLSTMGrad reads back
// (oneDNN keeps them in an opaque workspace); its backward takes the gradient of cs only at the
// last step (BlockLSTMGrad takes one per step, nonzero under LSTMBlockFusedCell's
// sequence_length) and needs the workspace of its own forward, which BlockLSTMGrad does not get.
// Measured on one thread (2026-12-02, shared VM, CPU ms, 3 interleaved runs), the bare primitive
// is no faster than this kernel's forward and 5-10% faster for forward + backward: batch 64,
// 28 steps, input 28, 128 units: forward 1.9-2.2 (oneDNN) vs 2.1-2.2 (here, one outlier 3.6),
// forward + backward 5.9-6.3 vs 6.2-6.7; 50 steps, input 256, 256 units: forward 19.1-20.2 vs
// 19.1-20.0, forward + backward 54-60 vs 61-62. Meeting the contract costs more than that margin:
// BlockLSTMGrad would rerun oneDNN's forward for its workspace (forward + backward 6.1 ms against
// this backward's 4.3 ms at the first shape), and BlockLSTM would recompute the gates for its
// i, f, o, ci, co and cs outputs (the GEMMs and gate pass of this kernel again). So this kernel
// stays, for every attr combination. Its gate loops carry `#pragma omp simd`: without it GCC
// left them scalar (it cannot prove the seven outputs overlap nothing) and the gate pass was 79%
// of the forward, 14 ms instead of 2 ms at the first shape.
#include <algorithm>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vector_math.h"
#include "oneapi/dnnl/dnnl.h"

namespace sluice {
namespace {

// The column block (in units of cell_size) of each gate in w, b and dicfo.
struct GateLayout {
  int i, c, f, o;
};
constexpr GateLayout kICFO{0, 1, 2, 3};
constexpr GateLayout kIFCO{0, 2, 1, 3};

GateLayout LayoutOf(const NodeDef& def) {
  return absl::EndsWith(def.op(), "V2") ? kIFCO : kICFO;
}

struct LstmSizes {
  int64_t time = 1, batch = 0, input = 0, cell = 0;
  int64_t step() const { return batch * cell; }  // elements of one step of an output
};

Status CheckShape(const Tensor& t, const char* name, const TensorShape& want) {
  if (t.shape() == want) return absl::OkStatus();
  return errors::InvalidArgument(name, " must have shape ", want.DebugString(), ", got ",
                                 t.shape().DebugString());
}

// Reads the sizes from x (rank 2 for the cell ops, 3 for the sequence ops, at input `first`) and
// cs_prev, and checks cs_prev, h_prev, w, wci, wcf, wco and b (the inputs after x) against them.
Status CheckLstmInputs(const OpKernelContext* ctx, int first, int x_rank, LstmSizes* sz) {
  const Tensor& x = ctx->input(first);
  if (x.dims() != x_rank) {
    return errors::InvalidArgument("x must have rank ", x_rank, x_rank == 3 ? " [time, batch, input]" : " [batch, input]",
                                   ", got shape ", x.shape().DebugString());
  }
  if (x_rank == 3) sz->time = x.dim_size(0);
  sz->batch = x.dim_size(x_rank - 2);
  sz->input = x.dim_size(x_rank - 1);
  const Tensor& cs_prev = ctx->input(first + 1);
  if (cs_prev.dims() != 2 || cs_prev.dim_size(0) != sz->batch) {
    return errors::InvalidArgument("cs_prev must have shape [batch, cell_size] with batch = ", sz->batch, ", got ",
                                   cs_prev.shape().DebugString());
  }
  sz->cell = cs_prev.dim_size(1);
  const int64_t c = sz->cell;
  SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + 2), "h_prev", TensorShape{sz->batch, c}));
  SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + 3), "w (input_size + cell_size, 4 * cell_size)",
                                    TensorShape{sz->input + c, 4 * c}));
  SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + 4), "wci", TensorShape{c}));
  SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + 5), "wcf", TensorShape{c}));
  SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + 6), "wco", TensorShape{c}));
  return CheckShape(ctx->input(first + 7), "b", TensorShape{4 * c});
}

// The forward outputs a Grad op gets back (i, cs, f, o, ci, co [, h]) and the gradients of cs and
// h, starting at input `first`, all of shape `each`.
Status CheckGradInputs(const OpKernelContext* ctx, int first, bool with_h, const TensorShape& each) {
  static constexpr const char* kNames[] = {"i", "cs", "f", "o", "ci", "co", "h"};
  const int n = with_h ? 7 : 6;
  for (int k = 0; k < n; ++k) SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + k), kNames[k], each));
  SLUICE_RETURN_IF_ERROR(CheckShape(ctx->input(first + n), "cs_grad", each));
  return CheckShape(ctx->input(first + n + 1), "h_grad", each);
}

// Row-major c = alpha op(a) op(b) + beta c, c [m, n]; an empty inner dimension leaves beta c.
Status Sgemm(char ta, char tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
             int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return absl::OkStatus();
  if (k == 0) {
    if (beta == 0.0f) {
      for (int64_t r = 0; r < m; ++r) std::fill(c + r * ldc, c + r * ldc + n, 0.0f);
    }
    return absl::OkStatus();
  }
  const dnnl_status_t s = dnnl_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  if (s != dnnl_success) {
    return errors::Internal("oneDNN sgemm failed with status ", static_cast<int>(s), " for [", m, ", ", k,
                            "] x [", k, ", ", n, "]");
  }
  return absl::OkStatus();
}

struct LstmAttrs {
  GateLayout layout = kICFO;
  float forget_bias = 0.0f;
  float cell_clip = 0.0f;
  bool use_peephole = false;
};

// One step's outputs i, cs, f, o, ci, co, h ([batch, cell] each) from the pre-activations
// `gates` ([batch, 4 * cell], without b).
struct StepOutputs {
  float *i, *cs, *f, *o, *ci, *co, *h;
};

template <bool kPeephole>
void GateForwardRows(const LstmAttrs& a, int64_t cell, int64_t r0, int64_t r1, const float* gates,
                     const float* cs_prev, const float* b, const float* wci, const float* wcf, const float* wco,
                     const StepOutputs& out) {
  const GateLayout& L = a.layout;
  const float* bi = b + L.i * cell;
  const float* bc = b + L.c * cell;
  const float* bf = b + L.f * cell;
  const float* bo = b + L.o * cell;
  const float clip = a.cell_clip, forget_bias = a.forget_bias;
  const bool clipped = clip > 0.0f;
  for (int64_t r = r0; r < r1; ++r) {
    const float* g = gates + r * 4 * cell;
    const float* gi = g + L.i * cell;
    const float* gc = g + L.c * cell;
    const float* gf = g + L.f * cell;
    const float* go = g + L.o * cell;
    const int64_t off = r * cell;
    const float* csp = cs_prev + off;
    float *i = out.i + off, *cs = out.cs + off, *f = out.f + off, *o = out.o + off;
    float *ci = out.ci + off, *co = out.co + off, *h = out.h + off;
    // The seven outputs do not overlap the inputs nor each other: without the pragma GCC keeps
    // this loop scalar (it cannot prove that), 10 ns per element with the five VecExp.
#pragma omp simd
    for (int64_t j = 0; j < cell; ++j) {
      float pi = gi[j] + bi[j], pf = gf[j] + bf[j] + forget_bias;
      if constexpr (kPeephole) {
        pi += csp[j] * wci[j];
        pf += csp[j] * wcf[j];
      }
      const float iv = cpu::VecSigmoid(pi), fv = cpu::VecSigmoid(pf), civ = cpu::VecTanh(gc[j] + bc[j]);
      float csv = civ * iv + csp[j] * fv;
      if (clipped) csv = std::min(std::max(csv, -clip), clip);
      float po = go[j] + bo[j];
      if constexpr (kPeephole) po += csv * wco[j];
      const float ov = cpu::VecSigmoid(po), cov = cpu::VecTanh(csv);
      i[j] = iv;
      f[j] = fv;
      ci[j] = civ;
      cs[j] = csv;
      o[j] = ov;
      co[j] = cov;
      h[j] = cov * ov;
    }
  }
}

// Work of one gate element, for ParallelFor (five transcendental functions).
constexpr int64_t kGateCost = 64;

void GateForward(const LstmAttrs& a, const LstmSizes& sz, const float* gates, const float* cs_prev, const float* b,
                 const float* wci, const float* wcf, const float* wco, const StepOutputs& out) {
  cpu::ParallelFor(sz.batch, sz.step() * kGateCost, [&](int64_t r0, int64_t r1) {
    if (a.use_peephole) {
      GateForwardRows<true>(a, sz.cell, r0, r1, gates, cs_prev, b, wci, wcf, wco, out);
    } else {
      GateForwardRows<false>(a, sz.cell, r0, r1, gates, cs_prev, b, wci, wcf, wco, out);
    }
  });
}

// The forward inputs of a step, and the gradients arriving at its cs and h.
struct StepGradInputs {
  const float *cs_prev, *i, *cs, *f, *o, *ci, *co, *cs_grad, *h_grad;
};

template <bool kPeephole>
void GateBackwardRows(const GateLayout& L, int64_t cell, int64_t r0, int64_t r1, const StepGradInputs& in,
                      const float* wci, const float* wcf, const float* wco, float* dgates, float* cs_prev_grad) {
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t off = r * cell;
    const float *csp = in.cs_prev + off, *i = in.i + off, *f = in.f + off, *o = in.o + off;
    const float *ci = in.ci + off, *co = in.co + off, *csg = in.cs_grad + off, *hg = in.h_grad + off;
    float* dg = dgates + r * 4 * cell;
    float *di = dg + L.i * cell, *dc = dg + L.c * cell, *df = dg + L.f * cell, *dout = dg + L.o * cell;
    float* cpg = cs_prev_grad + off;
#pragma omp simd  // as in GateForwardRows: the outputs overlap nothing
    for (int64_t j = 0; j < cell; ++j) {
      const float do_ = o[j] * (1.0f - o[j]) * hg[j] * co[j];
      float dcs = (1.0f - co[j] * co[j]) * hg[j] * o[j] + csg[j];
      if constexpr (kPeephole) dcs += do_ * wco[j];
      const float dci = (1.0f - ci[j] * ci[j]) * dcs * i[j];
      const float dfv = f[j] * (1.0f - f[j]) * dcs * csp[j];
      const float div = i[j] * (1.0f - i[j]) * dcs * ci[j];
      float prev = dcs * f[j];
      if constexpr (kPeephole) prev += div * wci[j] + dfv * wcf[j];
      di[j] = div;
      dc[j] = dci;
      df[j] = dfv;
      dout[j] = do_;
      cpg[j] = prev;
    }
  }
}

void GateBackward(const LstmAttrs& a, const LstmSizes& sz, const StepGradInputs& in, const float* wci,
                  const float* wcf, const float* wco, float* dgates, float* cs_prev_grad) {
  cpu::ParallelFor(sz.batch, sz.step() * kGateCost / 4, [&](int64_t r0, int64_t r1) {
    if (a.use_peephole) {
      GateBackwardRows<true>(a.layout, sz.cell, r0, r1, in, wci, wcf, wco, dgates, cs_prev_grad);
    } else {
      GateBackwardRows<false>(a.layout, sz.cell, r0, r1, in, wci, wcf, wco, dgates, cs_prev_grad);
    }
  });
}

// Adds one step's peephole gradients: sums over the batch of di cs_prev, df cs_prev, do cs.
void AccumulatePeepholeGrads(const GateLayout& L, const LstmSizes& sz, const float* dgates, const float* cs_prev,
                             const float* cs, float* wci_grad, float* wcf_grad, float* wco_grad) {
  const int64_t cell = sz.cell;
  for (int64_t r = 0; r < sz.batch; ++r) {
    const float* dg = dgates + r * 4 * cell;
    const float *di = dg + L.i * cell, *df = dg + L.f * cell, *dout = dg + L.o * cell;
    const float *csp = cs_prev + r * cell, *csr = cs + r * cell;
    for (int64_t j = 0; j < cell; ++j) {
      wci_grad[j] += di[j] * csp[j];
      wcf_grad[j] += df[j] * csp[j];
      wco_grad[j] += dout[j] * csr[j];
    }
  }
}

LstmAttrs ReadAttrs(OpKernelConstruction* c, bool forward) {
  LstmAttrs a;
  a.layout = LayoutOf(c->def());
  c->SetStatus(c->GetAttr("use_peephole", &a.use_peephole));
  if (!forward) return a;
  c->SetStatus(c->GetAttr("cell_clip", &a.cell_clip));
  // BlockLSTMV2 has no forget_bias: TensorFlow's kernel uses 0.
  if (c->def().op() != "BlockLSTMV2") c->SetStatus(c->GetAttr("forget_bias", &a.forget_bias));
  return a;
}

// The seven outputs of a forward op, each `shape`.
Status AllocateForwardOutputs(OpKernelContext* ctx, const TensorShape& shape, Tensor* out[7]) {
  for (int k = 0; k < 7; ++k) SLUICE_RETURN_IF_ERROR(ctx->allocate_output(k, shape, &out[k]));
  return absl::OkStatus();
}

StepOutputs OutputsAtStep(Tensor* const out[7], int64_t offset) {
  return {out[0]->data<float>() + offset, out[1]->data<float>() + offset, out[2]->data<float>() + offset,
          out[3]->data<float>() + offset, out[4]->data<float>() + offset, out[5]->data<float>() + offset,
          out[6]->data<float>() + offset};
}

// Steps [0, steps) of the forward pass over x ([steps * batch, input] rows), writing step t of
// each output at offset t * batch * cell. `gates` is scratch of [steps * batch, 4 * cell].
Status LstmForward(const LstmAttrs& a, const LstmSizes& sz, int64_t steps, const float* x, const float* cs_prev,
                   const float* h_prev, const float* w, const float* wci, const float* wcf, const float* wco,
                   const float* b, float* gates, Tensor* const out[7]) {
  const int64_t c4 = 4 * sz.cell;
  SLUICE_RETURN_IF_ERROR(Sgemm('N', 'N', steps * sz.batch, c4, sz.input, x, sz.input, w, c4, 0.0f, gates, c4));
  const float* w_h = w + sz.input * c4;
  for (int64_t t = 0; t < steps; ++t) {
    const int64_t off = t * sz.step();
    const float* hp = t == 0 ? h_prev : out[6]->data<float>() + off - sz.step();
    const float* cp = t == 0 ? cs_prev : out[1]->data<float>() + off - sz.step();
    float* g = gates + t * sz.batch * c4;
    SLUICE_RETURN_IF_ERROR(Sgemm('N', 'N', sz.batch, c4, sz.cell, hp, sz.cell, w_h, c4, 1.0f, g, c4));
    GateForward(a, sz, g, cp, b, wci, wcf, wco, OutputsAtStep(out, off));
  }
  return absl::OkStatus();
}

// ---- LSTMBlockCell -----------------------------------------------------------------------------

class LSTMBlockCellOp : public OpKernel {
 public:
  explicit LSTMBlockCellOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c, true)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    LstmSizes sz;
    OP_REQUIRES_OK(ctx, CheckLstmInputs(ctx, 0, 2, &sz));
    Tensor* out[7];
    OP_REQUIRES_OK(ctx, AllocateForwardOutputs(ctx, TensorShape{sz.batch, sz.cell}, out));
    if (sz.step() == 0) return;
    Tensor gates;
    OP_REQUIRES_OK(ctx, ctx->allocate_temp(DT_FLOAT, TensorShape{sz.batch, 4 * sz.cell}, &gates));
    auto in = [&](int k) { return ctx->input(k).data<float>(); };
    OP_REQUIRES_OK(ctx, LstmForward(attrs_, sz, 1, in(0), in(1), in(2), in(3), in(4), in(5), in(6), in(7),
                                    gates.data<float>(), out));
  }

 private:
  LstmAttrs attrs_;
};

// ---- LSTMBlockCellGrad -------------------------------------------------------------------------

class LSTMBlockCellGradOp : public OpKernel {
 public:
  explicit LSTMBlockCellGradOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c, false)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    LstmSizes sz;
    OP_REQUIRES_OK(ctx, CheckLstmInputs(ctx, 0, 2, &sz));
    const TensorShape bc{sz.batch, sz.cell};
    OP_REQUIRES_OK(ctx, CheckGradInputs(ctx, 8, false, bc));
    Tensor *cs_prev_grad, *dicfo, *peep[3];
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, bc, &cs_prev_grad));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, TensorShape{sz.batch, 4 * sz.cell}, &dicfo));
    for (int k = 0; k < 3; ++k) {
      OP_REQUIRES_OK(ctx, ctx->allocate_output(2 + k, TensorShape{sz.cell}, &peep[k]));
      std::fill_n(peep[k]->data<float>(), sz.cell, 0.0f);
    }
    if (sz.step() == 0) return;
    auto in = [&](int k) { return ctx->input(k).data<float>(); };
    const StepGradInputs step{in(1), in(8), in(9), in(10), in(11), in(12), in(13), in(14), in(15)};
    GateBackward(attrs_, sz, step, in(4), in(5), in(6), dicfo->data<float>(), cs_prev_grad->data<float>());
    if (attrs_.use_peephole) {
      AccumulatePeepholeGrads(attrs_.layout, sz, dicfo->data<float>(), in(1), in(9), peep[0]->data<float>(),
                              peep[1]->data<float>(), peep[2]->data<float>());
    }
  }

 private:
  LstmAttrs attrs_;
};

// ---- BlockLSTM, BlockLSTMV2 --------------------------------------------------------------------

// seq_len_max (input 0) as a step count in [0, time].
Status SeqLenMax(const OpKernelContext* ctx, int64_t time, int64_t* steps) {
  const Tensor& t = ctx->input(0);
  if (t.dims() != 0) {
    return errors::InvalidArgument("seq_len_max must be a scalar, got shape ", t.shape().DebugString());
  }
  *steps = t.data<int64_t>()[0];
  if (*steps < 0 || *steps > time) {
    return errors::InvalidArgument("seq_len_max must be in [0, ", time, "] (the time steps of x), got ", *steps);
  }
  return absl::OkStatus();
}

class BlockLSTMOp : public OpKernel {
 public:
  explicit BlockLSTMOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c, true)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    LstmSizes sz;
    OP_REQUIRES_OK(ctx, CheckLstmInputs(ctx, 1, 3, &sz));
    int64_t steps = 0;
    OP_REQUIRES_OK(ctx, SeqLenMax(ctx, sz.time, &steps));
    Tensor* out[7];
    OP_REQUIRES_OK(ctx, AllocateForwardOutputs(ctx, TensorShape{sz.time, sz.batch, sz.cell}, out));
    for (Tensor* t : out) std::fill(t->data<float>() + steps * sz.step(), t->data<float>() + t->NumElements(), 0.0f);
    if (steps == 0 || sz.step() == 0) return;
    Tensor gates;
    OP_REQUIRES_OK(ctx, ctx->allocate_temp(DT_FLOAT, TensorShape{steps * sz.batch, 4 * sz.cell}, &gates));
    auto in = [&](int k) { return ctx->input(k).data<float>(); };
    OP_REQUIRES_OK(ctx, LstmForward(attrs_, sz, steps, in(1), in(2), in(3), in(4), in(5), in(6), in(7), in(8),
                                    gates.data<float>(), out));
  }

 private:
  LstmAttrs attrs_;
};

// ---- BlockLSTMGrad, BlockLSTMGradV2 ------------------------------------------------------------

class BlockLSTMGradOp : public OpKernel {
 public:
  explicit BlockLSTMGradOp(OpKernelConstruction* c) : OpKernel(c), attrs_(ReadAttrs(c, false)) {}
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    LstmSizes sz;
    OP_REQUIRES_OK(ctx, CheckLstmInputs(ctx, 1, 3, &sz));
    OP_REQUIRES_OK(ctx, CheckGradInputs(ctx, 9, true, TensorShape{sz.time, sz.batch, sz.cell}));
    int64_t steps = 0;
    OP_REQUIRES_OK(ctx, SeqLenMax(ctx, sz.time, &steps));
    // Outputs have the shapes of inputs 1..8 (x, cs_prev, h_prev, w, wci, wcf, wco, b), zeros
    // until computed.
    Tensor* out[8];
    for (int k = 0; k < 8; ++k) {
      OP_REQUIRES_OK(ctx, ctx->allocate_output(k, ctx->input(k + 1).shape(), &out[k]));
      std::fill_n(out[k]->data<float>(), out[k]->NumElements(), 0.0f);
    }
    if (steps == 0 || sz.step() == 0) return;
    auto in = [&](int k) { return ctx->input(k).data<float>(); };
    const float *x = in(1), *cs_prev = in(2), *h_prev = in(3), *w = in(4), *wci = in(5), *wcf = in(6), *wco = in(7);
    const float *i = in(9), *cs = in(10), *f = in(11), *o = in(12), *ci = in(13), *co = in(14), *h = in(15);
    const float *cs_grad = in(16), *h_grad = in(17);
    float *x_grad = out[0]->data<float>(), *cs_prev_grad = out[1]->data<float>(), *h_prev_grad = out[2]->data<float>();
    float* w_grad = out[3]->data<float>();
    const int64_t c4 = 4 * sz.cell, n = sz.step();

    Tensor dgates_t, csg_t, hg_t;
    OP_REQUIRES_OK(ctx, ctx->allocate_temp(DT_FLOAT, TensorShape{steps * sz.batch, c4}, &dgates_t));
    OP_REQUIRES_OK(ctx, ctx->allocate_temp(DT_FLOAT, TensorShape{sz.batch, sz.cell}, &csg_t));
    OP_REQUIRES_OK(ctx, ctx->allocate_temp(DT_FLOAT, TensorShape{sz.batch, sz.cell}, &hg_t));
    float *dgates = dgates_t.data<float>(), *csg = csg_t.data<float>(), *hg = hg_t.data<float>();
    const float* w_h = w + sz.input * c4;
    // cs_prev_grad and h_prev_grad carry the gradient of step t's cs and h from step t + 1.
    for (int64_t t = steps - 1; t >= 0; --t) {
      const int64_t off = t * n;
      for (int64_t e = 0; e < n; ++e) {
        csg[e] = cs_grad[off + e] + cs_prev_grad[e];
        hg[e] = h_grad[off + e] + h_prev_grad[e];
      }
      const float* csp = t == 0 ? cs_prev : cs + off - n;
      float* dg = dgates + t * sz.batch * c4;
      const StepGradInputs step{csp, i + off, cs + off, f + off, o + off, ci + off, co + off, csg, hg};
      GateBackward(attrs_, sz, step, wci, wcf, wco, dg, cs_prev_grad);
      if (attrs_.use_peephole) {
        AccumulatePeepholeGrads(attrs_.layout, sz, dg, csp, cs + off, out[4]->data<float>(), out[5]->data<float>(),
                                out[6]->data<float>());
      }
      OP_REQUIRES_OK(ctx, Sgemm('N', 'T', sz.batch, sz.cell, c4, dg, c4, w_h, c4, 0.0f, h_prev_grad, sz.cell));
    }
    const int64_t rows = steps * sz.batch;
    // x_grad = dgates W_x^T; w_grad = [x; h_prev] ^T dgates, h_prev of step t being h[t - 1].
    OP_REQUIRES_OK(ctx, Sgemm('N', 'T', rows, sz.input, c4, dgates, c4, w, c4, 0.0f, x_grad, sz.input));
    OP_REQUIRES_OK(ctx, Sgemm('T', 'N', sz.input, c4, rows, x, sz.input, dgates, c4, 0.0f, w_grad, c4));
    float* w_grad_h = w_grad + sz.input * c4;
    OP_REQUIRES_OK(ctx, Sgemm('T', 'N', sz.cell, c4, sz.batch, h_prev, sz.cell, dgates, c4, 0.0f, w_grad_h, c4));
    OP_REQUIRES_OK(ctx, Sgemm('T', 'N', sz.cell, c4, rows - sz.batch, h, sz.cell, dgates + sz.batch * c4, c4, 1.0f,
                              w_grad_h, c4));
    float* b_grad = out[7]->data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      const float* dg = dgates + r * c4;
      for (int64_t j = 0; j < c4; ++j) b_grad[j] += dg[j];
    }
  }

 private:
  LstmAttrs attrs_;
};

#define SLUICE_LSTM_KERNEL(op, cls) \
  REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu).TypeConstraint<float>("T"), cls)
SLUICE_LSTM_KERNEL("LSTMBlockCell", LSTMBlockCellOp);
SLUICE_LSTM_KERNEL("LSTMBlockCellGrad", LSTMBlockCellGradOp);
SLUICE_LSTM_KERNEL("BlockLSTM", BlockLSTMOp);
SLUICE_LSTM_KERNEL("BlockLSTMV2", BlockLSTMOp);
SLUICE_LSTM_KERNEL("BlockLSTMGrad", BlockLSTMGradOp);
SLUICE_LSTM_KERNEL("BlockLSTMGradV2", BlockLSTMGradOp);
#undef SLUICE_LSTM_KERNEL

}  // namespace
}  // namespace sluice
