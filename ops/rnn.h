// Unrolling recurrent cells (ops/rnn_cell.h) over time, as TF1's tf.nn.static_rnn,
// tf.nn.dynamic_rnn and tf.nn.bidirectional_dynamic_rnn:
//
//   auto seqs = ops::Placeholder(root.WithOpName("seqs"), DT_FLOAT, {-1, -1, 8});  // [batch, time, 8]
//   auto len = ops::Placeholder(root.WithOpName("len"), DT_INT32, {-1});
//   rnn::LSTMCell cell(16);
//   rnn::RnnResult r = rnn::DynamicRnn(root, cell, seqs, {.sequence_length = len, .dtype = DT_FLOAT});
//   // r.outputs [batch, time, 16]; r.state = {c, h}; variables "rnn/lstm_cell/kernel", "rnn/lstm_cell/bias"
//
// With a sequence_length, steps at or past a sequence's length output zeros and carry its state
// through unchanged (TF1's _rnn_step), so the final state is each sequence's state after its last
// valid step (the initial state for a length of 0). Lengths must lie in [0, time].
//
// DynamicRnn is one functional While (ops/control_flow_ops.h) over the time steps; the cell's
// variables (its Prepare captures) enter the loop as loop-invariant loop variables, the inputs
// as one [time, batch, depth] loop variable read a step at a time, and the outputs fill a
// [time, batch, units] loop variable a step at a time, so AddSymbolicGradients differentiates
// through it (w.r.t. the inputs, the initial state and every variable).
#ifndef SLUICE_OPS_RNN_H_
#define SLUICE_OPS_RNN_H_

#include <string>
#include <vector>

#include "ops/rnn_cell.h"
#include "ops/scope.h"

namespace sluice::rnn {

struct RnnOptions {
  // [batch] int32 or int64; unset: every sequence is as long as the inputs.
  Output sequence_length;
  // One [batch, size] tensor per part of the cell's state; unset: zeros of `dtype`.
  std::vector<Output> initial_state;
  // The state's dtype when initial_state is unset (TF requires it then, and so does this).
  DataType dtype = DT_INVALID;
  // DynamicRnn only: inputs and outputs are [time, batch, ...] rather than [batch, time, ...].
  bool time_major = false;
  int parallel_iterations = 32;
  // The variable scope the cell is built in (the cell's own scope goes below it).
  std::string scope = "rnn";
};

struct RnnResult {
  Output outputs;              // [batch, time, output size], or [time, batch, ...] if time_major
  std::vector<Output> state;   // the final state, one tensor per part
};

// tf.nn.dynamic_rnn(cell, inputs, ...): `inputs` of rank 3 with a known depth. Errors (bad ranks,
// a state of the wrong number of parts, no dtype) are recorded on `scope`; the result is then
// invalid.
RnnResult DynamicRnn(const Scope& scope, RnnCell& cell, const Output& inputs, const RnnOptions& options = {});

struct StaticRnnResult {
  std::vector<Output> outputs;  // one [batch, output size] per input
  std::vector<Output> state;
};

// tf.nn.static_rnn(cell, inputs, ...): `inputs` a non-empty list of [batch, depth] tensors (depth
// known), unrolled in the graph; options.time_major and parallel_iterations do not apply.
StaticRnnResult StaticRnn(const Scope& scope, RnnCell& cell, const std::vector<Output>& inputs,
                          const RnnOptions& options = {});

struct BidirectionalRnnOptions {
  Output sequence_length;
  std::vector<Output> initial_state_fw, initial_state_bw;
  DataType dtype = DT_INVALID;
  bool time_major = false;
  int parallel_iterations = 32;
  std::string scope = "bidirectional_rnn";
};

struct BidirectionalRnnResult {
  Output output_fw, output_bw;  // output_bw is in the inputs' time order
  std::vector<Output> state_fw, state_bw;
};

// tf.nn.bidirectional_dynamic_rnn: cell_fw over the inputs under "<scope>/fw", cell_bw under
// "<scope>/bw" over each sequence reversed within its length (ReverseSequence; the whole time
// axis without a sequence_length), its outputs reversed back the same way.
BidirectionalRnnResult BidirectionalDynamicRnn(const Scope& scope, RnnCell& cell_fw, RnnCell& cell_bw,
                                               const Output& inputs, const BidirectionalRnnOptions& options = {});

}  // namespace sluice::rnn

#endif  // SLUICE_OPS_RNN_H_
