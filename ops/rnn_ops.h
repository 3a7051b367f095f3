// TensorFlow's fused LSTM ops (tf.raw_ops.LSTMBlockCell, BlockLSTM, BlockLSTMV2 and their Grad
// ops) and the layer over them, TF1's tf.contrib.rnn.LSTMBlockFusedCell:
//
//   Scope cell = root.NewSubScope("lstm_fused_cell");    // variables lstm_fused_cell/kernel, /bias
//   auto rows = ops::Placeholder(root, DT_FLOAT, {28, -1, 28});   // time-major [time, batch, depth]
//   layers::LSTMBlockFusedCellOutput r = layers::LSTMBlockFusedCell(cell, rows, 128);
//   auto logits = layers::Dense(root.NewSubScope("out"), r.h, 10);   // from the final h
//
// Weights are one matrix w [input + cell, 4 * cell] applied to [x, h_prev] and a bias b
// [4 * cell]; V1 orders the gate blocks i, ci, f, o, V2 i, f, ci, o. The outputs are the gates
// after their activations (i, f, o sigmoid, ci tanh), the cell state cs, co = tanh(cs) and
// h = co * o; the sequence ops stack them over time and give zeros at steps >= seq_len_max.
// LSTMBlockCell and BlockLSTM(V2) are differentiable (through the gradients of cs and h, as
// TensorFlow); bad shapes are errors naming the input. float only.
#ifndef SLUICE_OPS_RNN_OPS_H_
#define SLUICE_OPS_RNN_OPS_H_

#include <cstdint>
#include <optional>

#include "ops/initializers.h"
#include "ops/scope.h"

namespace sluice {
namespace ops {

// The seven outputs of LSTMBlockCell and BlockLSTM(V2).
struct LSTMBlockOutputs {
  Output i, cs, f, o, ci, co, h;
};

// TF's attrs: forget_bias is added to the forget gate's pre-activation; cs is clipped to
// [-cell_clip, cell_clip] when cell_clip > 0; use_peephole adds cs_prev * wci, cs_prev * wcf and
// cs * wco to the i, f and o pre-activations (the w* are ignored otherwise, but must be [cell]).
struct LSTMBlockOptions {
  float forget_bias = 1.0f;
  float cell_clip = 3.0f;
  bool use_peephole = false;
};

// One step: x [batch, input], cs_prev and h_prev [batch, cell].
LSTMBlockOutputs LSTMBlockCell(const Scope& scope, const Input& x, const Input& cs_prev, const Input& h_prev,
                               const Input& w, const Input& wci, const Input& wcf, const Input& wco, const Input& b,
                               const LSTMBlockOptions& options = {});

struct LSTMBlockCellGradOutputs {
  Output cs_prev_grad, dicfo, wci_grad, wcf_grad, wco_grad;
};
// The backward step of the LSTMBlockCell node `forward` from the gradients of its cs and h
// outputs: dicfo [batch, 4 * cell] is the gradient of the gate pre-activations, from which x,
// h_prev, w and b get theirs.
LSTMBlockCellGradOutputs LSTMBlockCellGrad(const Scope& scope, const Operation& forward, const Input& cs_grad,
                                           const Input& h_grad);

// All steps t < seq_len_max (an int64 scalar in [0, time]) of x [time, batch, input].
LSTMBlockOutputs BlockLSTM(const Scope& scope, const Input& seq_len_max, const Input& x, const Input& cs_prev,
                           const Input& h_prev, const Input& w, const Input& wci, const Input& wcf, const Input& wco,
                           const Input& b, const LSTMBlockOptions& options = {});
// BlockLSTMV2: gates i, f, ci, o, no forget_bias (options.forget_bias must be 0), TF's default
// cell_clip 0 (none).
LSTMBlockOutputs BlockLSTMV2(const Scope& scope, const Input& seq_len_max, const Input& x, const Input& cs_prev,
                             const Input& h_prev, const Input& w, const Input& wci, const Input& wcf,
                             const Input& wco, const Input& b,
                             const LSTMBlockOptions& options = {.forget_bias = 0.0f, .cell_clip = 0.0f});

struct BlockLSTMGradOutputs {
  Output x_grad, cs_prev_grad, h_prev_grad, w_grad, wci_grad, wcf_grad, wco_grad, b_grad;
};
// The backward pass (BlockLSTMGrad or BlockLSTMGradV2) of the BlockLSTM or BlockLSTMV2 node `forward`, from the
// gradients of its cs and h outputs ([time, batch, cell] each).
BlockLSTMGradOutputs BlockLSTMGrad(const Scope& scope, const Operation& forward, const Input& cs_grad,
                                   const Input& h_grad);

}  // namespace ops

namespace layers {

struct LSTMBlockFusedCellOptions {
  float forget_bias = 1.0f;
  // None in TF (no clipping): a value <= 0.
  float cell_clip = -1.0f;
  bool use_peephole = false;
  Initializer kernel_init = init::GlorotUniform();
  // [batch] int32 or int64 lengths: outputs at t >= length are zeros and the final state is
  // the one at t = length - 1 (the initial state for length 0). Unset: every step counts.
  std::optional<Output> sequence_length;
  // The initial (c, h), [batch, units] each; unset: zeros.
  std::optional<Output> initial_c, initial_h;
};

struct LSTMBlockFusedCellOutput {
  Output outputs;  // h of every step, [time, batch, units]
  Output c, h;     // the final state, [batch, units] each
};

// TF1's LSTMBlockFusedCell(units)(x): one BlockLSTM over the time-major x [time, batch, depth]
// (depth known when building), with the variables "kernel" [depth + units, 4 * units] and
// "bias" [4 * units] (zeros) of the scope, and with use_peephole "w_i_diag", "w_f_diag",
// "w_o_diag" [units].
LSTMBlockFusedCellOutput LSTMBlockFusedCell(const Scope& scope, const Input& x, int64_t units,
                                            const LSTMBlockFusedCellOptions& options = {});

}  // namespace layers
}  // namespace sluice

#endif  // SLUICE_OPS_RNN_OPS_H_
