// TensorFlow's BlockLSTM (gates i, ci, f, o; forget_bias; no peepholes, no cell clip) and its
// gradient run as oneDNN's LSTM primitive (lstm_forward / lstm_backward), for the A/B against
// sluice's hand kernel (kernels/cpu/rnn_ops.cc) in bench/conv_microbench.cc and its check in
// tests/rnn_dnnl_test.cc: what oneDNN's LSTM costs on BlockLSTM's layouts.
//
//   bench::LstmShape s{28, 64, 28, 128};  // time, batch, input, cell
//   bench::DnnlLstm lstm(s);
//   lstm.SetWeights(w, b, forget_bias);               // TF's w [input + cell, 4 * cell], b [4 * cell]
//   lstm.Forward(x, cs_prev, h_prev, h, cs_last);     // h of every step, cs of the last
//   lstm.Backward(h_grad, cs_grad_last, x_grad, cs_prev_grad, h_prev_grad, w_grad, b_grad);
//
// What it gives is less than BlockLSTM's contract, which is why sluice's kernel does not use it
// (rnn_ops.cc's leading comment has the measurement): the forward gives h of every step but cs
// only of the last step, and none of i, f, o, ci, co (BlockLSTM's outputs, which BlockLSTMGrad
// reads back: oneDNN keeps them in its opaque workspace); the backward takes the gradient of cs
// only at the last step (BlockLSTMGrad takes one per step) and needs the workspace of a forward
// run by the same primitive. The weights are reordered from TF's layout into oneDNN's ldigo
// (gates i, f, c~, o; forget_bias folded into the f bias) by SetWeights and, for the gradient,
// back by Backward, both timed as part of the pass they belong to.
#ifndef SLUICE_BENCH_DNNL_LSTM_H_
#define SLUICE_BENCH_DNNL_LSTM_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "oneapi/dnnl/dnnl.hpp"

namespace sluice {
namespace bench {

struct LstmShape {
  int64_t time, batch, input, cell;
};

class DnnlLstm {
 public:
  explicit DnnlLstm(const LstmShape& s) : s_(s), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    using memory = dnnl::memory;
    using Tag = memory::format_tag;
    const auto f32 = memory::data_type::f32;
    const int64_t T = s.time, N = s.batch, I = s.input, C = s.cell;
    const memory::desc layer_src({T, N, I}, f32, Tag::tnc), layer_dst({T, N, C}, f32, Tag::tnc);
    const memory::desc state({1, 1, N, C}, f32, Tag::ldnc);
    const memory::desc wl_any({1, 1, I, 4, C}, f32, Tag::any), wi_any({1, 1, C, 4, C}, f32, Tag::any);
    const memory::desc bias({1, 1, 4, C}, f32, Tag::ldgo);
    wl_user_ = memory::desc({1, 1, I, 4, C}, f32, Tag::ldigo);
    wi_user_ = memory::desc({1, 1, C, 4, C}, f32, Tag::ldigo);
    const auto dir = dnnl::rnn_direction::unidirectional_left2right;
    fwd_pd_ = dnnl::lstm_forward::primitive_desc(
        dnnl::lstm_forward::desc(dnnl::prop_kind::forward_training, dir, layer_src, state, state, wl_any, wi_any, bias,
                                 layer_dst, state, state),
        engine_);
    bwd_pd_ = dnnl::lstm_backward::primitive_desc(
        dnnl::lstm_backward::desc(dnnl::prop_kind::backward, dir, layer_src, state, state, wl_any, wi_any, bias,
                                  layer_dst, state, state, layer_src, state, state, wl_any, wi_any, bias, layer_dst,
                                  state, state),
        engine_, fwd_pd_);
    fwd_ = dnnl::lstm_forward(fwd_pd_);
    bwd_ = dnnl::lstm_backward(bwd_pd_);
    // Host buffers in oneDNN's user layouts, and the primitive's own where they differ.
    wl_ldigo_ = memory(wl_user_, engine_);
    wi_ldigo_ = memory(wi_user_, engine_);
    bias_ = memory(bias, engine_);
    wl_fwd_ = Own(fwd_pd_.weights_layer_desc(), wl_ldigo_);
    wi_fwd_ = Own(fwd_pd_.weights_iter_desc(), wi_ldigo_);
    wl_bwd_ = Own(bwd_pd_.weights_layer_desc(), wl_ldigo_);
    wi_bwd_ = Own(bwd_pd_.weights_iter_desc(), wi_ldigo_);
    dwl_ldigo_ = memory(wl_user_, engine_);
    dwi_ldigo_ = memory(wi_user_, engine_);
    dwl_ = Own(bwd_pd_.diff_weights_layer_desc(), dwl_ldigo_);
    dwi_ = Own(bwd_pd_.diff_weights_iter_desc(), dwi_ldigo_);
    dbias_ = memory(bias, engine_);
    workspace_ = memory(fwd_pd_.workspace_desc(), engine_);
    layer_src_ = memory(layer_src, engine_, nullptr);
    layer_dst_ = memory(layer_dst, engine_, nullptr);
    h0_ = memory(state, engine_, nullptr);
    c0_ = memory(state, engine_, nullptr);
    h_last_ = memory(state, engine_);
    c_last_ = memory(state, engine_, nullptr);
    d_layer_src_ = memory(layer_src, engine_, nullptr);
    d_layer_dst_ = memory(layer_dst, engine_, nullptr);
    d_h0_ = memory(state, engine_, nullptr);
    d_c0_ = memory(state, engine_, nullptr);
    d_h_last_ = memory(state, engine_);
    d_c_last_ = memory(state, engine_, nullptr);
    std::memset(d_h_last_.get_data_handle(), 0, N * C * sizeof(float));
  }

  // TF's w [input + cell, 4 * cell] and b [4 * cell] in gate order i, ci, f, o, reordered into
  // ldigo with gates i, f, c~, o (forget_bias added to f's bias), then into the primitives'
  // layouts.
  void SetWeights(const float* w, const float* b, float forget_bias) {
    const int64_t I = s_.input, C = s_.cell;
    auto* wl = static_cast<float*>(wl_ldigo_.get_data_handle());
    auto* wi = static_cast<float*>(wi_ldigo_.get_data_handle());
    for (int64_t r = 0; r < I + C; ++r) {
      float* to = r < I ? wl + r * 4 * C : wi + (r - I) * 4 * C;
      for (int g = 0; g < 4; ++g) std::memcpy(to + g * C, w + r * 4 * C + kTfBlock[g] * C, C * sizeof(float));
    }
    auto* bias = static_cast<float*>(bias_.get_data_handle());
    for (int g = 0; g < 4; ++g) {
      for (int64_t j = 0; j < C; ++j) bias[g * C + j] = b[kTfBlock[g] * C + j] + (g == 1 ? forget_bias : 0.0f);
    }
    Reorder(wl_ldigo_, wl_fwd_);
    Reorder(wi_ldigo_, wi_fwd_);
    Reorder(wl_ldigo_, wl_bwd_);
    Reorder(wi_ldigo_, wi_bwd_);
  }

  // x [time, batch, input], cs_prev and h_prev [batch, cell] -> h [time, batch, cell] and the
  // last step's cs [batch, cell]; keeps the workspace for Backward.
  void Forward(const float* x, const float* cs_prev, const float* h_prev, float* h, float* cs_last) {
    x_ = x;
    cs_prev_ = cs_prev;
    h_prev_ = h_prev;
    h_ = h;
    cs_last_ = cs_last;
    Bind();
    fwd_.execute(stream_, {{DNNL_ARG_SRC_LAYER, layer_src_},
                           {DNNL_ARG_SRC_ITER, h0_},
                           {DNNL_ARG_SRC_ITER_C, c0_},
                           {DNNL_ARG_WEIGHTS_LAYER, wl_fwd_},
                           {DNNL_ARG_WEIGHTS_ITER, wi_fwd_},
                           {DNNL_ARG_BIAS, bias_},
                           {DNNL_ARG_DST_LAYER, layer_dst_},
                           {DNNL_ARG_DST_ITER, h_last_},
                           {DNNL_ARG_DST_ITER_C, c_last_},
                           {DNNL_ARG_WORKSPACE, workspace_}});
    stream_.wait();
  }

  // After Forward: the gradients of h (every step) and of the last step's cs give x_grad [time,
  // batch, input], cs_prev_grad and h_prev_grad [batch, cell], w_grad [input + cell, 4 * cell] and
  // b_grad [4 * cell] in TF's layouts.
  void Backward(const float* h_grad, const float* cs_grad_last, float* x_grad, float* cs_prev_grad,
                float* h_prev_grad, float* w_grad, float* b_grad) {
    const int64_t I = s_.input, C = s_.cell;
    Bind();
    d_layer_dst_.set_data_handle(const_cast<float*>(h_grad));
    d_c_last_.set_data_handle(const_cast<float*>(cs_grad_last));
    d_layer_src_.set_data_handle(x_grad);
    d_h0_.set_data_handle(h_prev_grad);
    d_c0_.set_data_handle(cs_prev_grad);
    // oneDNN adds the weight and bias gradients to what these hold.
    Zero(dwl_);
    Zero(dwi_);
    Zero(dbias_);
    bwd_.execute(stream_, {{DNNL_ARG_SRC_LAYER, layer_src_},
                           {DNNL_ARG_SRC_ITER, h0_},
                           {DNNL_ARG_SRC_ITER_C, c0_},
                           {DNNL_ARG_WEIGHTS_LAYER, wl_bwd_},
                           {DNNL_ARG_WEIGHTS_ITER, wi_bwd_},
                           {DNNL_ARG_BIAS, bias_},
                           {DNNL_ARG_DST_LAYER, layer_dst_},
                           {DNNL_ARG_DST_ITER, h_last_},
                           {DNNL_ARG_DST_ITER_C, c_last_},
                           {DNNL_ARG_WORKSPACE, workspace_},
                           {DNNL_ARG_DIFF_SRC_LAYER, d_layer_src_},
                           {DNNL_ARG_DIFF_SRC_ITER, d_h0_},
                           {DNNL_ARG_DIFF_SRC_ITER_C, d_c0_},
                           {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl_},
                           {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi_},
                           {DNNL_ARG_DIFF_BIAS, dbias_},
                           {DNNL_ARG_DIFF_DST_LAYER, d_layer_dst_},
                           {DNNL_ARG_DIFF_DST_ITER, d_h_last_},
                           {DNNL_ARG_DIFF_DST_ITER_C, d_c_last_}});
    Reorder(dwl_, dwl_ldigo_);
    Reorder(dwi_, dwi_ldigo_);
    stream_.wait();
    const auto* dwl = static_cast<const float*>(dwl_ldigo_.get_data_handle());
    const auto* dwi = static_cast<const float*>(dwi_ldigo_.get_data_handle());
    for (int64_t r = 0; r < I + C; ++r) {
      const float* from = r < I ? dwl + r * 4 * C : dwi + (r - I) * 4 * C;
      for (int g = 0; g < 4; ++g) std::memcpy(w_grad + r * 4 * C + kTfBlock[g] * C, from + g * C, C * sizeof(float));
    }
    const auto* db = static_cast<const float*>(dbias_.get_data_handle());
    for (int g = 0; g < 4; ++g) std::memcpy(b_grad + kTfBlock[g] * C, db + g * C, C * sizeof(float));
  }

 private:
  // TF's gate block (i, ci, f, o) of oneDNN's gate g (i, f, c~, o).
  static constexpr int kTfBlock[4] = {0, 2, 1, 3};

  // `user` itself where the primitive takes its layout, else a buffer in the primitive's.
  dnnl::memory Own(const dnnl::memory::desc& want, const dnnl::memory& user) {
    return want == user.get_desc() ? user : dnnl::memory(want, engine_);
  }
  void Reorder(const dnnl::memory& from, const dnnl::memory& to) {
    if (from.get_data_handle() == to.get_data_handle()) return;
    dnnl::reorder(from, to).execute(stream_, const_cast<dnnl::memory&>(from), const_cast<dnnl::memory&>(to));
  }
  static void Zero(const dnnl::memory& m) {
    std::memset(m.get_data_handle(), 0, m.get_desc().get_size());
  }
  void Bind() {
    layer_src_.set_data_handle(const_cast<float*>(x_));
    h0_.set_data_handle(const_cast<float*>(h_prev_));
    c0_.set_data_handle(const_cast<float*>(cs_prev_));
    layer_dst_.set_data_handle(h_);
    c_last_.set_data_handle(cs_last_);
  }

  LstmShape s_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::memory::desc wl_user_, wi_user_;
  dnnl::lstm_forward::primitive_desc fwd_pd_;
  dnnl::lstm_backward::primitive_desc bwd_pd_;
  dnnl::lstm_forward fwd_;
  dnnl::lstm_backward bwd_;
  dnnl::memory wl_ldigo_, wi_ldigo_, bias_, wl_fwd_, wi_fwd_, wl_bwd_, wi_bwd_;
  dnnl::memory dwl_ldigo_, dwi_ldigo_, dwl_, dwi_, dbias_, workspace_;
  dnnl::memory layer_src_, layer_dst_, h0_, c0_, h_last_, c_last_;
  dnnl::memory d_layer_src_, d_layer_dst_, d_h0_, d_c0_, d_h_last_, d_c_last_;
  const float *x_ = nullptr, *cs_prev_ = nullptr, *h_prev_ = nullptr;
  float *h_ = nullptr, *cs_last_ = nullptr;
};

}  // namespace bench
}  // namespace sluice

#endif  // SLUICE_BENCH_DNNL_LSTM_H_
