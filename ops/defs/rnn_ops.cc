// Schemas and shape functions of TensorFlow's fused LSTM ops (core/ops/rnn_ops.cc): LSTMBlockCell
// (one step), BlockLSTM and BlockLSTMV2 (a whole time-major sequence) and their Grad ops. The
// builders, the gradients and the LSTMBlockFusedCell layer are in ops/rnn_ops.cc, the kernels in
// kernels/cpu/rnn_ops.cc. V1 lays the four gates of w and b out as i, ci, f, o; V2 as i, f, ci, o
// and has no forget_bias (0). TF's T is {half, float}; sluice's kernels are float.
#include "core/op_registry.h"

namespace sluice {
namespace {

constexpr char kLstmT[] = "T: {float}";

// The [batch, cell] of a cell op from x [batch, input] and cs_prev [batch, cell].
StatusOr<TensorShape> BatchCellShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape x, c->WithRank(0, 2));
  SLUICE_ASSIGN_OR_RETURN(TensorShape cs_prev, c->WithRank(1, 2));
  return TensorShape{x.dim(0), cs_prev.dim(1)};
}

Status LSTMBlockCellShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape out, BatchCellShape(c));
  for (int i = 0; i < 7; ++i) c->set_output(i, out);
  return absl::OkStatus();
}

Status LSTMBlockCellGradShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape out, BatchCellShape(c));
  const int64_t cell = out.dim(1);
  c->set_output(0, out);
  c->set_output(1, TensorShape{out.dim(0), cell < 0 ? -1 : 4 * cell});
  for (int i = 2; i < 5; ++i) c->set_output(i, TensorShape{cell});
  return absl::OkStatus();
}

// x [time, batch, input] and b [4 * cell] -> seven [time, batch, cell].
Status BlockLSTMShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape x, c->WithRank(1, 3));
  SLUICE_ASSIGN_OR_RETURN(TensorShape b, c->WithRank(c->num_inputs() - 1, 1));
  if (b.dim(0) >= 0 && b.dim(0) % 4 != 0) {
    return errors::InvalidArgument("b must have 4 * cell_size entries, got shape ", b.DebugString());
  }
  const TensorShape out{x.dim(0), x.dim(1), b.dim(0) < 0 ? -1 : b.dim(0) / 4};
  for (int i = 0; i < 7; ++i) c->set_output(i, out);
  return absl::OkStatus();
}

// The gradients have the shapes of x, cs_prev, h_prev, w, wci, wcf, wco and b.
Status BlockLSTMGradShape(InferenceContext* c) {
  constexpr int kRanks[] = {3, 2, 2, 2, 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) {
    SLUICE_ASSIGN_OR_RETURN(TensorShape s, c->WithRank(i + 1, kRanks[i]));
    c->set_output(i, s);
  }
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("LSTMBlockCell")
    .Input("x: T")
    .Input("cs_prev: T")
    .Input("h_prev: T")
    .Input("w: T")
    .Input("wci: T")
    .Input("wcf: T")
    .Input("wco: T")
    .Input("b: T")
    .Output("i: T")
    .Output("cs: T")
    .Output("f: T")
    .Output("o: T")
    .Output("ci: T")
    .Output("co: T")
    .Output("h: T")
    .Attr("forget_bias: float = 1.0")
    .Attr("cell_clip: float = 3.0")
    .Attr("use_peephole: bool = false")
    .Attr(kLstmT)
    .SetShapeFn(LSTMBlockCellShape)
    .Doc("One LSTM step: gates [x, h_prev] w + b in the order i, ci, f, o; cs clipped to +-cell_clip when cell_clip > 0.");

REGISTER_OP("LSTMBlockCellGrad")
    .Input("x: T")
    .Input("cs_prev: T")
    .Input("h_prev: T")
    .Input("w: T")
    .Input("wci: T")
    .Input("wcf: T")
    .Input("wco: T")
    .Input("b: T")
    .Input("i: T")
    .Input("cs: T")
    .Input("f: T")
    .Input("o: T")
    .Input("ci: T")
    .Input("co: T")
    .Input("cs_grad: T")
    .Input("h_grad: T")
    .Output("cs_prev_grad: T")
    .Output("dicfo: T")
    .Output("wci_grad: T")
    .Output("wcf_grad: T")
    .Output("wco_grad: T")
    .Attr("use_peephole: bool")
    .Attr(kLstmT)
    .SetShapeFn(LSTMBlockCellGradShape)
    .Doc("LSTMBlockCell's backward step: the gradient of cs_prev, of the gate pre-activations (dicfo) and of the peepholes.");

REGISTER_OP("BlockLSTM")
    .Input("seq_len_max: int64")
    .Input("x: T")
    .Input("cs_prev: T")
    .Input("h_prev: T")
    .Input("w: T")
    .Input("wci: T")
    .Input("wcf: T")
    .Input("wco: T")
    .Input("b: T")
    .Output("i: T")
    .Output("cs: T")
    .Output("f: T")
    .Output("o: T")
    .Output("ci: T")
    .Output("co: T")
    .Output("h: T")
    .Attr("forget_bias: float = 1.0")
    .Attr("cell_clip: float = 3.0")
    .Attr("use_peephole: bool = false")
    .Attr(kLstmT)
    .SetShapeFn(BlockLSTMShape)
    .Doc("LSTMBlockCell over the steps t < seq_len_max of a time-major x [time, batch, input]; later steps are zeros.");

REGISTER_OP("BlockLSTMV2")
    .Input("seq_len_max: int64")
    .Input("x: T")
    .Input("cs_prev: T")
    .Input("h_prev: T")
    .Input("w: T")
    .Input("wci: T")
    .Input("wcf: T")
    .Input("wco: T")
    .Input("b: T")
    .Output("i: T")
    .Output("cs: T")
    .Output("f: T")
    .Output("o: T")
    .Output("ci: T")
    .Output("co: T")
    .Output("h: T")
    .Attr("cell_clip: float = 0.0")
    .Attr("use_peephole: bool = false")
    .Attr(kLstmT)
    .SetShapeFn(BlockLSTMShape)
    .Doc("BlockLSTM with the gates in the order i, f, ci, o and no forget_bias.");

REGISTER_OP("BlockLSTMGrad")
    .Input("seq_len_max: int64")
    .Input("x: T")
    .Input("cs_prev: T")
    .Input("h_prev: T")
    .Input("w: T")
    .Input("wci: T")
    .Input("wcf: T")
    .Input("wco: T")
    .Input("b: T")
    .Input("i: T")
    .Input("cs: T")
    .Input("f: T")
    .Input("o: T")
    .Input("ci: T")
    .Input("co: T")
    .Input("h: T")
    .Input("cs_grad: T")
    .Input("h_grad: T")
    .Output("x_grad: T")
    .Output("cs_prev_grad: T")
    .Output("h_prev_grad: T")
    .Output("w_grad: T")
    .Output("wci_grad: T")
    .Output("wcf_grad: T")
    .Output("wco_grad: T")
    .Output("b_grad: T")
    .Attr("use_peephole: bool")
    .Attr(kLstmT)
    .SetShapeFn(BlockLSTMGradShape)
    .Doc("BlockLSTM's backward pass through time, from the gradients of its cs and h outputs.");

REGISTER_OP("BlockLSTMGradV2")
    .Input("seq_len_max: int64")
    .Input("x: T")
    .Input("cs_prev: T")
    .Input("h_prev: T")
    .Input("w: T")
    .Input("wci: T")
    .Input("wcf: T")
    .Input("wco: T")
    .Input("b: T")
    .Input("i: T")
    .Input("cs: T")
    .Input("f: T")
    .Input("o: T")
    .Input("ci: T")
    .Input("co: T")
    .Input("h: T")
    .Input("cs_grad: T")
    .Input("h_grad: T")
    .Output("x_grad: T")
    .Output("cs_prev_grad: T")
    .Output("h_prev_grad: T")
    .Output("w_grad: T")
    .Output("wci_grad: T")
    .Output("wcf_grad: T")
    .Output("wco_grad: T")
    .Output("b_grad: T")
    .Attr("use_peephole: bool")
    .Attr(kLstmT)
    .SetShapeFn(BlockLSTMGradShape)
    .Doc("BlockLSTMV2's backward pass (gates i, f, ci, o).");

}  // namespace sluice
