#include "ops/rnn.h"

#include <utility>

#include "ops/array_ops.h"
#include "ops/control_flow_ops.h"
#include "ops/math_ops.h"
#include "ops/scatter_ops.h"
#include "ops/variable_scope.h"

namespace sluice::rnn {
namespace {

Output Dim(const Scope& s, const Output& shape, int i) {
  return ops::StridedSlice(s, shape, {i}, {i + 1}, {1}, {.shrink_axis_mask = 1});
}

// The initial state: the given one (checked against the cell's parts) or zeros of `dtype`.
std::vector<Output> InitialState(const Scope& s, const char* fn, const RnnCell& cell, const RnnOptions& options,
                                 const Output& batch) {
  const size_t parts = cell.StateSizes().size();
  if (!options.initial_state.empty()) {
    if (options.initial_state.size() != parts) {
      s.UpdateStatus(errors::InvalidArgument(fn, ": the cell's state has ", parts, " parts, initial_state has ",
                                             options.initial_state.size()));
      return {};
    }
    return options.initial_state;
  }
  if (options.dtype == DT_INVALID) {
    s.UpdateStatus(errors::InvalidArgument(fn, ": if there is no initial_state, you must give a dtype"));
    return {};
  }
  return cell.ZeroState(s, batch, options.dtype);
}

// TF1's _rnn_step for the steps at or past a sequence's end (`valid` [batch, 1] false there):
// a zero output and the state carried through.
void MaskStep(const Scope& s, const Output& valid, const std::vector<Output>& old_state, CellOutput* step) {
  step->output = ops::SelectV2(s, valid, step->output, ops::ZerosLike(s, step->output));
  for (size_t i = 0; i < step->state.size(); ++i) {
    step->state[i] = ops::SelectV2(s, valid, step->state[i], old_state[i]);
  }
}

Output LengthsInt32(const Scope& s, const Output& sequence_length) {
  if (!sequence_length.valid()) return Output();
  return sequence_length.dtype() == DT_INT32 ? sequence_length : ops::Cast(s, sequence_length, DT_INT32);
}

}  // namespace

RnnResult DynamicRnn(const Scope& scope, RnnCell& cell, const Output& inputs, const RnnOptions& options) {
  if (!scope.ok() || !inputs.valid()) return {};
  Scope vs = VariableScope(scope, options.scope);
  const TensorShape& in_shape = inputs.shape();
  if (in_shape.rank() != 3 || in_shape.dim(2) < 0) {
    vs.UpdateStatus(errors::InvalidArgument("DynamicRnn '", vs.name_prefix(), "': inputs must be [",
                                            options.time_major ? "time, batch" : "batch, time",
                                            ", depth] with a known depth, got ", in_shape.DebugString()));
    return {};
  }
  const int64_t depth = in_shape.dim(2);
  Output x = options.time_major ? inputs : ops::Transpose(vs, inputs, {1, 0, 2});
  Output shape = ops::Shape(vs, x);
  Output time_steps = Dim(vs, shape, 0), batch = Dim(vs, shape, 1);
  std::vector<Output> state = InitialState(vs, "DynamicRnn", cell, options, batch);
  if (!vs.ok()) return {};
  const DataType dtype = state[0].dtype();
  std::vector<Output> captures = cell.Prepare(vs, depth, dtype, batch);
  if (!vs.ok()) return {};
  const int64_t out_size = cell.OutputSize();
  Output lengths = LengthsInt32(vs, options.sequence_length);
  const bool masked = lengths.valid();

  // Loop variables: time, time_steps, outputs, inputs, [lengths], state..., captures...
  Output outputs = ops::Fill(vs, ops::Pack(vs, {time_steps, batch, ops::Const(vs, static_cast<int32_t>(out_size))}),
                             ops::Cast(vs, 0.0f, dtype));
  std::vector<Output> vars{ops::Const(vs, 0), time_steps, outputs, x};
  ops::WhileOptions wo;
  wo.parallel_iterations = options.parallel_iterations;
  wo.shape_invariants = {TensorShape(), TensorShape(), TensorShape{-1, -1, out_size}, TensorShape{-1, -1, depth}};
  if (masked) {
    vars.push_back(lengths);
    wo.shape_invariants.push_back(TensorShape{-1});
  }
  const size_t state_at = vars.size();
  const std::vector<int64_t> sizes = cell.StateSizes();
  for (size_t i = 0; i < state.size(); ++i) {
    vars.push_back(state[i]);
    wo.shape_invariants.push_back(TensorShape{-1, sizes[i]});
  }
  const size_t captures_at = vars.size();
  for (const Output& c : captures) {
    vars.push_back(c);
    wo.shape_invariants.push_back(c.shape());
  }
  const size_t num_parts = state.size();
  std::vector<Output> out = ops::While(
      vs.NewSubScope("while"), vars,
      [](const Scope& s, const std::vector<Output>& v) { return ops::Less(s, v[0], v[1]); },
      [&](const Scope& s, const std::vector<Output>& v) -> std::vector<Output> {
        const Output& t = v[0];
        std::vector<Output> old_state(v.begin() + state_at, v.begin() + state_at + num_parts);
        std::vector<Output> step_captures(v.begin() + captures_at, v.end());
        CellOutput step = cell.Step(s, ops::GatherV2(s, v[3], t, 0), old_state, step_captures);
        if (!step.output.valid()) return {};
        if (masked) MaskStep(s, ops::ExpandDims(s, ops::Less(s, t, v[4]), 1), old_state, &step);
        std::vector<Output> next = v;
        next[0] = ops::Add(s, t, 1);
        next[2] = ops::TensorScatterUpdate(s, v[2], ops::Reshape(s, t, {1, 1}), ops::ExpandDims(s, step.output, 0));
        for (size_t i = 0; i < num_parts; ++i) next[state_at + i] = step.state[i];
        return next;
      },
      wo);
  if (!vs.ok() || out.size() != vars.size()) return {};
  RnnResult result;
  result.outputs = options.time_major ? out[2] : ops::Transpose(vs, out[2], {1, 0, 2});
  result.state.assign(out.begin() + state_at, out.begin() + state_at + num_parts);
  return result;
}

StaticRnnResult StaticRnn(const Scope& scope, RnnCell& cell, const std::vector<Output>& inputs,
                          const RnnOptions& options) {
  if (!scope.ok()) return {};
  Scope vs = VariableScope(scope, options.scope);
  if (inputs.empty()) {
    vs.UpdateStatus(errors::InvalidArgument("StaticRnn: inputs must not be empty"));
    return {};
  }
  for (size_t t = 0; t < inputs.size(); ++t) {
    if (!inputs[t].valid()) return {};
    const TensorShape& shape = inputs[t].shape();
    if (shape.rank() != 2 || shape.dim(1) < 0) {
      vs.UpdateStatus(errors::InvalidArgument("StaticRnn: inputs[", t, "] must be [batch, depth] with a known depth, got ",
                                              shape.DebugString()));
      return {};
    }
  }
  const int64_t depth = inputs[0].shape().dim(1);
  Output batch = Dim(vs, ops::Shape(vs, inputs[0]), 0);
  StaticRnnResult result;
  result.state = InitialState(vs, "StaticRnn", cell, options, batch);
  if (!vs.ok()) return {};
  std::vector<Output> captures = cell.Prepare(vs, depth, result.state[0].dtype(), batch);
  if (!vs.ok()) return {};
  Output lengths = LengthsInt32(vs, options.sequence_length);
  for (size_t t = 0; t < inputs.size(); ++t) {
    Scope s = vs.NewSubScope("step");
    CellOutput step = cell.Step(s, inputs[t], result.state, captures);
    if (!step.output.valid()) return {};
    if (lengths.valid()) {
      MaskStep(s, ops::ExpandDims(s, ops::Less(s, static_cast<int>(t), lengths), 1), result.state, &step);
    }
    result.outputs.push_back(step.output);
    result.state = std::move(step.state);
  }
  if (!vs.ok()) return {};
  return result;
}

BidirectionalRnnResult BidirectionalDynamicRnn(const Scope& scope, RnnCell& cell_fw, RnnCell& cell_bw,
                                               const Output& inputs, const BidirectionalRnnOptions& options) {
  if (!scope.ok() || !inputs.valid()) return {};
  Scope vs = VariableScope(scope, options.scope);
  const int time_axis = options.time_major ? 0 : 1, batch_axis = 1 - time_axis;
  auto reverse = [&](const Scope& s, const Output& x) {
    return options.sequence_length.valid() ? ops::ReverseSequence(s, x, options.sequence_length, time_axis, batch_axis)
                                           : ops::ReverseV2(s, x, {time_axis});
  };
  RnnOptions fw{.sequence_length = options.sequence_length,
                .initial_state = options.initial_state_fw,
                .dtype = options.dtype,
                .time_major = options.time_major,
                .parallel_iterations = options.parallel_iterations,
                .scope = "fw"};
  RnnResult f = DynamicRnn(vs, cell_fw, inputs, fw);
  RnnOptions bw = fw;
  bw.initial_state = options.initial_state_bw;
  bw.scope = "bw";
  RnnResult b = DynamicRnn(vs, cell_bw, reverse(vs.NewSubScope("reverse_inputs"), inputs), bw);
  if (!vs.ok()) return {};
  return {f.outputs, reverse(vs.NewSubScope("reverse_outputs"), b.outputs), f.state, b.state};
}

}  // namespace sluice::rnn
