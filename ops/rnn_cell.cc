#include "ops/rnn_cell.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/initializers.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/variable_scope.h"

namespace sluice::rnn {
namespace {

Output Activate(const Activation& activation, const Scope& s, const Output& x) {
  return activation ? activation(s, x) : ops::Tanh(s, x);
}

// [x, h] · kernel + bias.
Output Linear(const Scope& s, const Output& x, const Output& h, const Output& kernel, const Output& bias) {
  return ops::BiasAdd(s, ops::MatMul(s, ops::ConcatV2(s, {x, h}, 1), kernel), bias);
}

Output Clip(const Scope& s, const Output& x, float limit) {
  return ops::ClipByValue(s, x, ops::Cast(s, -limit, x.dtype()), ops::Cast(s, limit, x.dtype()));
}

bool CheckParts(const Scope& scope, const char* cell, const std::vector<Output>& state, size_t state_parts,
                const std::vector<Output>& captures, size_t num_captures) {
  if (state.size() == state_parts && captures.size() == num_captures) return true;
  scope.UpdateStatus(errors::InvalidArgument(cell, " '", scope.name_prefix(), "': expected a state of ", state_parts,
                                             " parts and ", num_captures, " captures, got ", state.size(), " and ",
                                             captures.size()));
  return false;
}

// keep_prob as a dropout rate, or an error recorded on `scope`.
bool ValidKeepProb(const Scope& scope, const char* which, float keep_prob) {
  if (keep_prob > 0.0f && keep_prob <= 1.0f) return true;
  scope.UpdateStatus(errors::InvalidArgument("DropoutWrapper: ", which, " must be in (0, 1], got ", keep_prob));
  return false;
}

}  // namespace

// ---- RnnCell ---------------------------------------------------------------------------------

std::vector<bool> RnnCell::StateDropoutFilter() const { return std::vector<bool>(StateSizes().size(), true); }

CellOutput RnnCell::operator()(const Scope& scope, const Output& input, const std::vector<Output>& state) {
  if (!scope.ok() || !input.valid()) return {};
  const TensorShape& shape = input.shape();
  if (shape.rank() != 2 || shape.dim(1) < 0) {
    scope.UpdateStatus(errors::InvalidArgument("RNN cell '", scope.name_prefix(), "': the input must be [batch, depth]",
                                               " with a known depth, got ", shape.DebugString()));
    return {};
  }
  Output batch = ops::StridedSlice(scope, ops::Shape(scope, input), {0}, {1}, {1}, {.shrink_axis_mask = 1});
  std::vector<Output> captures = Prepare(scope, shape.dim(1), input.dtype(), batch);
  if (!scope.ok()) return {};
  return Step(scope, input, state, captures);
}

std::vector<Output> RnnCell::ZeroState(const Scope& scope, const Output& batch_size, DataType dtype) const {
  std::vector<Output> zeros;
  Scope s = scope.NewSubScope("zero_state");
  for (int64_t size : StateSizes()) {
    zeros.push_back(ops::Fill(s, ops::Pack(s, {batch_size, ops::Const(s, static_cast<int32_t>(size))}),
                              ops::Cast(s, 0.0f, dtype)));
  }
  return zeros;
}

Scope RnnCell::EnterVariableScope(const Scope& scope) {
  if (!variable_scope_.empty()) return ReenterVariableScope(scope, variable_scope_, VariableReuse::kReuse);
  Scope vs = UniqueVariableScope(scope, name_);
  variable_scope_ = VariableScopeName(vs);
  return vs;
}

bool RnnCell::CheckInputDepth(const Scope& scope, int64_t input_depth) {
  if (input_depth < 0) {
    scope.UpdateStatus(
        errors::InvalidArgument("RNN cell '", name_, "': the input depth must be known, got ", input_depth));
    return false;
  }
  if (input_depth_ >= 0 && input_depth_ != input_depth) {
    scope.UpdateStatus(errors::InvalidArgument("RNN cell '", variable_scope_, "' was built for inputs of depth ",
                                               input_depth_, ", now called with depth ", input_depth));
    return false;
  }
  input_depth_ = input_depth;
  return true;
}

// ---- BasicRNNCell ----------------------------------------------------------------------------

BasicRNNCell::BasicRNNCell(int64_t num_units, Activation activation, std::string name)
    : RnnCell(std::move(name)), num_units_(num_units), activation_(std::move(activation)) {}

std::vector<Output> BasicRNNCell::Prepare(const Scope& scope, int64_t input_depth, DataType dtype, const Output&) {
  if (!CheckInputDepth(scope, input_depth)) return {};
  Scope vs = EnterVariableScope(scope);
  Variable kernel = GetVariable(vs, "kernel", {input_depth + num_units_, num_units_}, dtype);
  Variable bias = GetVariable(vs, "bias", {num_units_}, dtype, init::Zeros());
  if (!vs.ok()) return {};
  return {kernel.value(), bias.value()};
}

CellOutput BasicRNNCell::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                              const std::vector<Output>& captures) const {
  if (!CheckParts(scope, "BasicRNNCell", state, 1, captures, 2)) return {};
  Output h = Activate(activation_, scope, Linear(scope, input, state[0], captures[0], captures[1]));
  return {h, {h}};
}

// ---- BasicLSTMCell ---------------------------------------------------------------------------

BasicLSTMCell::BasicLSTMCell(int64_t num_units, float forget_bias, Activation activation, std::string name)
    : RnnCell(std::move(name)), num_units_(num_units), forget_bias_(forget_bias), activation_(std::move(activation)) {}

std::vector<Output> BasicLSTMCell::Prepare(const Scope& scope, int64_t input_depth, DataType dtype, const Output&) {
  if (!CheckInputDepth(scope, input_depth)) return {};
  Scope vs = EnterVariableScope(scope);
  Variable kernel = GetVariable(vs, "kernel", {input_depth + num_units_, 4 * num_units_}, dtype);
  Variable bias = GetVariable(vs, "bias", {4 * num_units_}, dtype, init::Zeros());
  if (!vs.ok()) return {};
  return {kernel.value(), bias.value()};
}

CellOutput BasicLSTMCell::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                               const std::vector<Output>& captures) const {
  if (!CheckParts(scope, "BasicLSTMCell", state, 2, captures, 2)) return {};
  const Output& c = state[0];
  std::vector<Output> gates = ops::Split(scope, 1, Linear(scope, input, state[1], captures[0], captures[1]), 4);
  if (gates.size() != 4) return {};
  Output forget = ops::Sigmoid(scope, ops::Add(scope, gates[2], ops::Cast(scope, forget_bias_, c.dtype())));
  Output new_c = ops::Add(scope, ops::Mul(scope, c, forget),
                          ops::Mul(scope, ops::Sigmoid(scope, gates[0]), Activate(activation_, scope, gates[1])));
  Output new_h = ops::Mul(scope, Activate(activation_, scope, new_c), ops::Sigmoid(scope, gates[3]));
  return {new_h, {new_c, new_h}};
}

// ---- LSTMCell --------------------------------------------------------------------------------

LSTMCell::LSTMCell(int64_t num_units, LSTMCellOptions options)
    : RnnCell(options.name), num_units_(num_units), options_(std::move(options)) {}

std::vector<Output> LSTMCell::Prepare(const Scope& scope, int64_t input_depth, DataType dtype, const Output&) {
  if (!CheckInputDepth(scope, input_depth)) return {};
  Scope vs = EnterVariableScope(scope);
  const Initializer& init = options_.initializer;
  std::vector<Output> captures;
  captures.push_back(GetVariable(vs, "kernel", {input_depth + OutputSize(), 4 * num_units_}, dtype, init).value());
  captures.push_back(GetVariable(vs, "bias", {4 * num_units_}, dtype, init::Zeros()).value());
  if (options_.use_peepholes) {
    for (const char* name : {"w_f_diag", "w_i_diag", "w_o_diag"}) {
      captures.push_back(GetVariable(vs, name, {num_units_}, dtype, init).value());
    }
  }
  if (options_.num_proj > 0) {
    Scope ps = VariableScope(vs, "projection");
    captures.push_back(GetVariable(ps, "kernel", {num_units_, options_.num_proj}, dtype, init).value());
  }
  if (!vs.ok()) return {};
  return captures;
}

CellOutput LSTMCell::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                          const std::vector<Output>& captures) const {
  const size_t num_captures = 2 + (options_.use_peepholes ? 3 : 0) + (options_.num_proj > 0 ? 1 : 0);
  if (!CheckParts(scope, "LSTMCell", state, 2, captures, num_captures)) return {};
  const Output& c_prev = state[0];
  const DataType dt = c_prev.dtype();
  std::vector<Output> gates = ops::Split(scope, 1, Linear(scope, input, state[1], captures[0], captures[1]), 4);
  if (gates.size() != 4) return {};
  Output i = gates[0], f = ops::Add(scope, gates[2], ops::Cast(scope, options_.forget_bias, dt)), o = gates[3];
  if (options_.use_peepholes) {
    f = ops::Add(scope, f, ops::Mul(scope, captures[2], c_prev));
    i = ops::Add(scope, i, ops::Mul(scope, captures[3], c_prev));
  }
  Output c = ops::Add(scope, ops::Mul(scope, ops::Sigmoid(scope, f), c_prev),
                      ops::Mul(scope, ops::Sigmoid(scope, i), Activate(options_.activation, scope, gates[1])));
  if (options_.cell_clip > 0) c = Clip(scope, c, options_.cell_clip);
  if (options_.use_peepholes) o = ops::Add(scope, o, ops::Mul(scope, captures[4], c));
  Output m = ops::Mul(scope, ops::Sigmoid(scope, o), Activate(options_.activation, scope, c));
  if (options_.num_proj > 0) {
    m = ops::MatMul(scope, m, captures.back());
    if (options_.proj_clip > 0) m = Clip(scope, m, options_.proj_clip);
  }
  return {m, {c, m}};
}

// ---- GRUCell ---------------------------------------------------------------------------------

GRUCell::GRUCell(int64_t num_units, Activation activation, Initializer kernel_initializer,
                 Initializer bias_initializer, std::string name)
    : RnnCell(std::move(name)),
      num_units_(num_units),
      activation_(std::move(activation)),
      kernel_initializer_(std::move(kernel_initializer)),
      bias_initializer_(std::move(bias_initializer)) {}

std::vector<Output> GRUCell::Prepare(const Scope& scope, int64_t input_depth, DataType dtype, const Output&) {
  if (!CheckInputDepth(scope, input_depth)) return {};
  Scope vs = EnterVariableScope(scope);
  const int64_t rows = input_depth + num_units_;
  Scope gates = VariableScope(vs, "gates");
  Variable gate_kernel = GetVariable(gates, "kernel", {rows, 2 * num_units_}, dtype, kernel_initializer_);
  Variable gate_bias =
      GetVariable(gates, "bias", {2 * num_units_}, dtype, bias_initializer_ ? bias_initializer_ : init::Constant(1.0f));
  Scope candidate = VariableScope(vs, "candidate");
  Variable cand_kernel = GetVariable(candidate, "kernel", {rows, num_units_}, dtype, kernel_initializer_);
  Variable cand_bias =
      GetVariable(candidate, "bias", {num_units_}, dtype, bias_initializer_ ? bias_initializer_ : init::Zeros());
  if (!vs.ok()) return {};
  return {gate_kernel.value(), gate_bias.value(), cand_kernel.value(), cand_bias.value()};
}

CellOutput GRUCell::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                         const std::vector<Output>& captures) const {
  if (!CheckParts(scope, "GRUCell", state, 1, captures, 4)) return {};
  const Output& h = state[0];
  Output value = ops::Sigmoid(scope, Linear(scope, input, h, captures[0], captures[1]));
  std::vector<Output> ru = ops::Split(scope, 1, value, 2);
  if (ru.size() != 2) return {};
  Output c = Activate(activation_, scope, Linear(scope, input, ops::Mul(scope, ru[0], h), captures[2], captures[3]));
  const Output& u = ru[1];
  Output new_h = ops::Add(scope, ops::Mul(scope, u, h), ops::Mul(scope, ops::Sub(scope, ops::OnesLike(scope, u), u), c));
  return {new_h, {new_h}};
}

// ---- MultiRNNCell ----------------------------------------------------------------------------

MultiRNNCell::MultiRNNCell(std::vector<std::shared_ptr<RnnCell>> cells, std::string name)
    : RnnCell(std::move(name)), cells_(std::move(cells)) {}

std::vector<int64_t> MultiRNNCell::StateSizes() const {
  std::vector<int64_t> sizes;
  for (const auto& cell : cells_) {
    for (int64_t size : cell->StateSizes()) sizes.push_back(size);
  }
  return sizes;
}

std::vector<bool> MultiRNNCell::StateDropoutFilter() const {
  std::vector<bool> filter;
  for (const auto& cell : cells_) {
    for (bool f : cell->StateDropoutFilter()) filter.push_back(f);
  }
  return filter;
}

std::vector<Output> MultiRNNCell::Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                                          const Output& batch_size) {
  if (cells_.empty()) {
    scope.UpdateStatus(errors::InvalidArgument("MultiRNNCell needs at least one cell"));
    return {};
  }
  if (!CheckInputDepth(scope, input_depth)) return {};
  Scope vs = EnterVariableScope(scope);
  std::vector<Output> captures;
  num_captures_.clear();
  int64_t depth = input_depth;
  for (size_t i = 0; i < cells_.size(); ++i) {
    std::vector<Output> c = cells_[i]->Prepare(VariableScope(vs, absl::StrCat("cell_", i)), depth, dtype, batch_size);
    num_captures_.push_back(c.size());
    captures.insert(captures.end(), c.begin(), c.end());
    depth = cells_[i]->OutputSize();
  }
  if (!vs.ok()) return {};
  return captures;
}

CellOutput MultiRNNCell::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                              const std::vector<Output>& captures) const {
  size_t total_captures = 0;
  for (size_t n : num_captures_) total_captures += n;
  if (num_captures_.size() != cells_.size()) {
    scope.UpdateStatus(errors::FailedPrecondition("MultiRNNCell: Step before Prepare"));
    return {};
  }
  if (!CheckParts(scope, "MultiRNNCell", state, StateSizes().size(), captures, total_captures)) return {};
  CellOutput out{input, {}};
  size_t state_at = 0, capture_at = 0;
  for (size_t i = 0; i < cells_.size(); ++i) {
    const size_t parts = cells_[i]->StateSizes().size();
    std::vector<Output> cell_state(state.begin() + state_at, state.begin() + state_at + parts);
    std::vector<Output> cell_captures(captures.begin() + capture_at, captures.begin() + capture_at + num_captures_[i]);
    CellOutput r = cells_[i]->Step(scope.NewSubScope(absl::StrCat("cell_", i)), out.output, cell_state, cell_captures);
    if (!r.output.valid()) return {};
    out.output = r.output;
    out.state.insert(out.state.end(), r.state.begin(), r.state.end());
    state_at += parts;
    capture_at += num_captures_[i];
  }
  return out;
}

// ---- DropoutWrapper --------------------------------------------------------------------------

DropoutWrapper::DropoutWrapper(std::shared_ptr<RnnCell> cell, DropoutOptions options)
    : RnnCell(""), cell_(std::move(cell)), options_(options) {}

// Captures: the cell's, then with variational_recurrent the masks (values 0 or 1 / keep_prob)
// of the input, the output and each filtered state part whose keep probability is below 1.
std::vector<Output> DropoutWrapper::Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                                            const Output& batch_size) {
  if (!ValidKeepProb(scope, "input_keep_prob", options_.input_keep_prob) ||
      !ValidKeepProb(scope, "output_keep_prob", options_.output_keep_prob) ||
      !ValidKeepProb(scope, "state_keep_prob", options_.state_keep_prob)) {
    return {};
  }
  std::vector<Output> captures = cell_->Prepare(scope, input_depth, dtype, batch_size);
  num_cell_captures_ = captures.size();
  if (!options_.variational_recurrent || !scope.ok()) return captures;
  Scope s = scope.NewSubScope("dropout_masks");
  int64_t seed = options_.seed;
  auto mask = [&](int64_t size, float keep) {
    Output ones = ops::Fill(s, ops::Pack(s, {batch_size, ops::Const(s, static_cast<int32_t>(size))}),
                            ops::Cast(s, 1.0f, dtype));
    captures.push_back(layers::Dropout(s, ones, 1.0f - keep, true, seed == 0 ? 0 : seed++));
  };
  if (options_.input_keep_prob < 1.0f) mask(input_depth, options_.input_keep_prob);
  if (options_.output_keep_prob < 1.0f) mask(cell_->OutputSize(), options_.output_keep_prob);
  if (options_.state_keep_prob < 1.0f) {
    const std::vector<int64_t> sizes = cell_->StateSizes();
    const std::vector<bool> filter = cell_->StateDropoutFilter();
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (filter[i]) mask(sizes[i], options_.state_keep_prob);
    }
  }
  return captures;
}

CellOutput DropoutWrapper::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                                const std::vector<Output>& captures) const {
  if (captures.size() < num_cell_captures_) {
    scope.UpdateStatus(errors::InvalidArgument("DropoutWrapper: ", captures.size(), " captures, the cell alone takes ",
                                               num_cell_captures_));
    return {};
  }
  std::vector<Output> cell_captures(captures.begin(), captures.begin() + num_cell_captures_);
  size_t mask_at = num_cell_captures_;
  int64_t seed = options_.seed;
  auto drop = [&](const Output& x, float keep) -> Output {
    if (keep >= 1.0f) return x;
    if (options_.variational_recurrent) return ops::Mul(scope, x, captures.at(mask_at++));
    return layers::Dropout(scope, x, 1.0f - keep, true, seed == 0 ? 0 : seed++);
  };
  Output in = drop(input, options_.input_keep_prob);
  CellOutput r = cell_->Step(scope, in, state, cell_captures);
  if (!r.output.valid()) return {};
  r.output = drop(r.output, options_.output_keep_prob);
  const std::vector<bool> filter = cell_->StateDropoutFilter();
  for (size_t i = 0; i < r.state.size(); ++i) {
    if (filter[i]) r.state[i] = drop(r.state[i], options_.state_keep_prob);
  }
  return r;
}

// ---- ResidualWrapper -------------------------------------------------------------------------

ResidualWrapper::ResidualWrapper(std::shared_ptr<RnnCell> cell) : RnnCell(""), cell_(std::move(cell)) {}

std::vector<Output> ResidualWrapper::Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                                             const Output& batch_size) {
  if (input_depth != cell_->OutputSize()) {
    scope.UpdateStatus(errors::InvalidArgument("ResidualWrapper: the input depth ", input_depth,
                                               " differs from the cell's output size ", cell_->OutputSize()));
    return {};
  }
  return cell_->Prepare(scope, input_depth, dtype, batch_size);
}

CellOutput ResidualWrapper::Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                                 const std::vector<Output>& captures) const {
  CellOutput r = cell_->Step(scope, input, state, captures);
  if (!r.output.valid()) return {};
  r.output = ops::Add(scope, r.output, input);
  return r;
}

}  // namespace sluice::rnn
