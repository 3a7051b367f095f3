// Client builders and gradients of the fused LSTM ops (schemas in ops/defs/rnn_ops.cc), and the
// LSTMBlockFusedCell layer.
#include "ops/rnn_ops.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/scatter_ops.h"
#include "ops/variable_scope.h"
#include "ops/variables.h"

namespace sluice {
namespace {

ops::LSTMBlockOutputs ForwardOutputs(const Operation& op) {
  if (!op.valid()) return {};
  return {op.output(0), op.output(1), op.output(2), op.output(3), op.output(4), op.output(5), op.output(6)};
}

// Adds the weights (inputs w, wci, wcf, wco, b) and attrs shared by the forward ops.
Operation FinishForward(NodeBuilder& b, const Scope& scope, const std::vector<const Input*>& inputs,
                        const ops::LSTMBlockOptions& o, bool has_forget_bias) {
  for (const Input* in : inputs) b.Input(in->ToOutput(scope));
  if (has_forget_bias) b.Attr("forget_bias", o.forget_bias);
  return b.Attr("cell_clip", o.cell_clip).Attr("use_peephole", o.use_peephole).Finalize();
}

bool UsePeephole(const Operation& op) {
  bool peephole = false;
  GetAttr(op.node()->def().attr(), "use_peephole", &peephole).IgnoreError();
  return peephole;
}

// TF's _LSTMBlockCellGrad: LSTMBlockCellGrad gives dicfo, the gradient of [x, h_prev] w + b;
// the gradients of x, h_prev, w and b follow from it with a matmul each.
Status LSTMBlockCellGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                             std::vector<Output>* dx) {
  ops::LSTMBlockCellGradOutputs g = ops::LSTMBlockCellGrad(s, op, dy[1], dy[6]);
  SLUICE_RETURN_IF_ERROR(s.status());
  Output x = op.input(0), h_prev = op.input(2), w = op.input(3);
  Output input_size = ops::Gather(s, ops::Shape(s, x), 1);
  Output xh = ops::ConcatV2(s, {x, h_prev}, 1);
  Output xh_grad = ops::MatMul(s, g.dicfo, w, false, true);
  Output x_grad = ops::Slice(s, xh_grad, {0, 0}, ops::Pack(s, {ops::Const(s, -1), input_size}));
  Output h_prev_grad = ops::Slice(s, xh_grad, ops::Pack(s, {ops::Const(s, 0), input_size}), {-1, -1});
  Output w_grad = ops::MatMul(s, xh, g.dicfo, true, false);
  Output b_grad = ops::Sum(s, g.dicfo, 0);
  *dx = {x_grad, g.cs_prev_grad, h_prev_grad, w_grad, g.wci_grad, g.wcf_grad, g.wco_grad, b_grad};
  return s.status();
}

// TF's _block_lstm_grad: only cs and h carry gradients back (i, f, o, ci, co are by-products).
Status BlockLSTMGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                         std::vector<Output>* dx) {
  ops::BlockLSTMGradOutputs g = ops::BlockLSTMGrad(s, op, dy[1], dy[6]);
  *dx = {Output(), g.x_grad, g.cs_prev_grad, g.h_prev_grad, g.w_grad, g.wci_grad, g.wcf_grad, g.wco_grad, g.b_grad};
  return s.status();
}

}  // namespace

REGISTER_GRADIENT("LSTMBlockCell", LSTMBlockCellGradient);
REGISTER_GRADIENT("BlockLSTM", BlockLSTMGradient);
REGISTER_GRADIENT("BlockLSTMV2", BlockLSTMGradient);

namespace ops {

LSTMBlockOutputs LSTMBlockCell(const Scope& scope, const Input& x, const Input& cs_prev, const Input& h_prev,
                               const Input& w, const Input& wci, const Input& wcf, const Input& wco, const Input& b,
                               const LSTMBlockOptions& options) {
  if (!scope.ok()) return {};
  NodeBuilder nb(scope, "LSTMBlockCell");
  return ForwardOutputs(FinishForward(nb, scope, {&x, &cs_prev, &h_prev, &w, &wci, &wcf, &wco, &b}, options, true));
}

LSTMBlockCellGradOutputs LSTMBlockCellGrad(const Scope& scope, const Operation& forward, const Input& cs_grad,
                                           const Input& h_grad) {
  if (!scope.ok()) return {};
  NodeBuilder nb(scope, "LSTMBlockCellGrad");
  for (int k = 0; k < 8; ++k) nb.Input(forward.input(k));
  for (int k = 0; k < 6; ++k) nb.Input(forward.output(k));
  Operation op = nb.Input(cs_grad.ToOutput(scope))
                     .Input(h_grad.ToOutput(scope))
                     .Attr("use_peephole", UsePeephole(forward))
                     .Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1), op.output(2), op.output(3), op.output(4)};
}

LSTMBlockOutputs BlockLSTM(const Scope& scope, const Input& seq_len_max, const Input& x, const Input& cs_prev,
                           const Input& h_prev, const Input& w, const Input& wci, const Input& wcf, const Input& wco,
                           const Input& b, const LSTMBlockOptions& options) {
  if (!scope.ok()) return {};
  NodeBuilder nb(scope, "BlockLSTM");
  nb.Input(seq_len_max.ToOutput(scope, DT_INT64));
  return ForwardOutputs(FinishForward(nb, scope, {&x, &cs_prev, &h_prev, &w, &wci, &wcf, &wco, &b}, options, true));
}

LSTMBlockOutputs BlockLSTMV2(const Scope& scope, const Input& seq_len_max, const Input& x, const Input& cs_prev,
                             const Input& h_prev, const Input& w, const Input& wci, const Input& wcf,
                             const Input& wco, const Input& b, const LSTMBlockOptions& options) {
  if (!scope.ok()) return {};
  if (options.forget_bias != 0.0f) {
    scope.UpdateStatus(errors::InvalidArgument("BlockLSTMV2 has no forget_bias (fold it into b), got forget_bias = ",
                                               options.forget_bias));
    return {};
  }
  NodeBuilder nb(scope, "BlockLSTMV2");
  nb.Input(seq_len_max.ToOutput(scope, DT_INT64));
  return ForwardOutputs(FinishForward(nb, scope, {&x, &cs_prev, &h_prev, &w, &wci, &wcf, &wco, &b}, options, false));
}

BlockLSTMGradOutputs BlockLSTMGrad(const Scope& scope, const Operation& forward, const Input& cs_grad,
                                   const Input& h_grad) {
  if (!scope.ok()) return {};
  const std::string& type = forward.node()->type_string();
  if (type != "BlockLSTM" && type != "BlockLSTMV2") {
    scope.UpdateStatus(errors::InvalidArgument("BlockLSTMGrad needs a BlockLSTM or BlockLSTMV2 node, got ", type,
                                               " node '", forward.name(), "'"));
    return {};
  }
  NodeBuilder nb(scope, type == "BlockLSTM" ? "BlockLSTMGrad" : "BlockLSTMGradV2");
  for (int k = 0; k < 9; ++k) nb.Input(forward.input(k));
  for (int k = 0; k < 7; ++k) nb.Input(forward.output(k));
  Operation op = nb.Input(cs_grad.ToOutput(scope))
                     .Input(h_grad.ToOutput(scope))
                     .Attr("use_peephole", UsePeephole(forward))
                     .Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1), op.output(2), op.output(3),
          op.output(4), op.output(5), op.output(6), op.output(7)};
}

}  // namespace ops

namespace layers {

LSTMBlockFusedCellOutput LSTMBlockFusedCell(const Scope& scope, const Input& x, int64_t units,
                                            const LSTMBlockFusedCellOptions& options) {
  if (!scope.ok()) return {};
  Output in = x.ToOutput(scope);
  if (!in.valid()) return {};
  auto fail = [&](const std::string& why) {
    scope.UpdateStatus(errors::InvalidArgument("LSTMBlockFusedCell layer '", scope.name_prefix(), "': ", why));
    return LSTMBlockFusedCellOutput{};
  };
  const TensorShape& shape = in.shape();
  if (shape.rank() != 3 || shape.dim(2) < 0) {
    return fail(absl::StrCat("the input must be time-major [time, batch, depth] with depth known when building, got ",
                             shape.DebugString()));
  }
  if (units <= 0) return fail(absl::StrCat("units must be positive, got ", units));
  const DataType dtype = in.dtype();
  Variable kernel = GetVariable(scope, "kernel", TensorShape{shape.dim(2) + units, 4 * units}, dtype,
                                options.kernel_init);
  Variable bias = GetVariable(scope, "bias", TensorShape{4 * units}, dtype, init::Zeros());
  if (!kernel.valid() || !bias.valid()) return {};
  Output wci, wcf, wco;
  if (options.use_peephole) {
    Variable vi = GetVariable(scope, "w_i_diag", TensorShape{units}, dtype);
    Variable vf = GetVariable(scope, "w_f_diag", TensorShape{units}, dtype);
    Variable vo = GetVariable(scope, "w_o_diag", TensorShape{units}, dtype);
    if (!vi.valid() || !vf.valid() || !vo.valid()) return {};
    wci = vi.value();
    wcf = vf.value();
    wco = vo.value();
  } else {
    wci = wcf = wco = ops::Fill(scope, ops::Const(scope, std::vector<int>{static_cast<int>(units)}, TensorShape{1}),
                               ops::Const(scope, 0.0f));
  }
  Output batch = ops::Gather(scope, ops::Shape(scope, in), 1);
  Output zeros = ops::Fill(scope, ops::Pack(scope, {batch, ops::Const(scope, static_cast<int>(units))}),
                           ops::Const(scope, 0.0f));
  Output c0 = options.initial_c.value_or(zeros), h0 = options.initial_h.value_or(zeros);
  Output seq_len_max;
  if (options.sequence_length) {
    seq_len_max = ops::Cast(scope, ops::Max(scope, *options.sequence_length, 0), DT_INT64);
  } else {
    seq_len_max = ops::Cast(scope, ops::Gather(scope, ops::Shape(scope, in), 0), DT_INT64);
  }
  ops::LSTMBlockOptions o{options.forget_bias, options.cell_clip, options.use_peephole};
  ops::LSTMBlockOutputs r = ops::BlockLSTM(scope, seq_len_max, in, c0, h0, kernel.value(), wci, wcf, wco,
                                           bias.value(), o);
  if (!scope.ok()) return {};
  if (!options.sequence_length) {
    Output last = ops::Sub(scope, ops::Gather(scope, ops::Shape(scope, in), 0), 1);
    return {r.h, ops::Gather(scope, r.cs, last), ops::Gather(scope, r.h, last)};
  }
  // As TF: h masked beyond each length; the final state gathered at step length - 1 of the
  // states with the initial one prepended.
  Output len = ops::Cast(scope, *options.sequence_length, DT_INT32);
  Output time = ops::Range(scope, 0, ops::Gather(scope, ops::Shape(scope, in), 0), 1);
  Output mask = ops::Cast(scope, ops::Less(scope, ops::ExpandDims(scope, time, 1), ops::ExpandDims(scope, len, 0)),
                          dtype);
  Output outputs = ops::Mul(scope, r.h, ops::ExpandDims(scope, mask, 2));
  Output at = ops::Pack(scope, {len, ops::Range(scope, 0, batch, 1)}, 1);
  auto final_state = [&](const Output& initial, const Output& states) {
    return ops::GatherNd(scope, ops::ConcatV2(scope, {ops::ExpandDims(scope, initial, 0), states}, 0), at);
  };
  return {outputs, final_state(c0, r.cs), final_state(h0, outputs)};
}

}  // namespace layers
}  // namespace sluice
