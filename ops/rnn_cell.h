// Recurrent cells, as TF1's tf.nn.rnn_cell: the same math, variable names and layouts, so TF1
// checkpoints of these models restore.
//
//   rnn::BasicLSTMCell cell(64);
//   rnn::RnnResult r = rnn::DynamicRnn(root, cell, x, {.dtype = DT_FLOAT});   // x: [batch, time, depth]
//   // variables "rnn/basic_lstm_cell/kernel" [depth + 64, 256] and "rnn/basic_lstm_cell/bias" [256]
//
// A cell's state is a flat list of [batch, size] tensors: one for BasicRNNCell and GRUCell, (c, h)
// for the LSTM cells (TF's LSTMStateTuple), and the cells' states one after another for
// MultiRNNCell. A step is split in two so it can run inside a functional While, whose body sees
// only its arguments: Prepare creates or finds the cell's variables (and draws the fixed masks of
// a variational DropoutWrapper) outside the loop and returns them as the step's "captures"; Step
// computes one time step from an input, a state and those captures, creating no variables.
//
// Variables are GetVariable's (ops/variable_scope.h). The first Prepare opens the cell's variable
// scope as TF1's cell does on its first call (tf.variable_scope(None, default_name=<cell name>)
// under the scope it is given, e.g. "rnn/basic_lstm_cell"); later calls re-enter that scope with
// reuse, so a cell used twice shares its variables. Unset kernel initializers take the variable
// scope's default (GlorotUniform unless the scope sets one), as in TF1; biases start at zero
// (GRUCell's gates bias at 1).
#ifndef SLUICE_OPS_RNN_CELL_H_
#define SLUICE_OPS_RNN_CELL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ops/layers.h"
#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice::rnn {

using layers::Activation;

// One step's results: the output [batch, OutputSize()] and the new state.
struct CellOutput {
  Output output;
  std::vector<Output> state;
};

class RnnCell {
 public:
  explicit RnnCell(std::string name) : name_(std::move(name)) {}
  virtual ~RnnCell() = default;
  RnnCell(const RnnCell&) = delete;
  RnnCell& operator=(const RnnCell&) = delete;

  // The sizes of the state's parts, in order.
  virtual std::vector<int64_t> StateSizes() const = 0;
  virtual int64_t OutputSize() const = 0;
  // Per state part, whether a DropoutWrapper's state dropout applies to it (TF's default state
  // filter: all but an LSTM's c).
  virtual std::vector<bool> StateDropoutFilter() const;

  // Creates (first call) or finds (later ones) the cell's variables for inputs of `input_depth`
  // features and `dtype`, under `scope`'s variable scope; `batch_size` is a scalar int32 tensor
  // (used by variational dropout). Returns the captures Step takes. Errors are recorded on `scope`.
  virtual std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                                      const Output& batch_size) = 0;
  // One step for `input` [batch, input_depth] and `state` (StateSizes() parts) with the captures
  // Prepare returned, built in `scope` (which may be a loop body's).
  virtual CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                          const std::vector<Output>& captures) const = 0;

  // TF's cell(inputs, state): Prepare (with the input's depth, which must be known) and Step.
  CellOutput operator()(const Scope& scope, const Output& input, const std::vector<Output>& state);
  // TF's cell.zero_state(batch_size, dtype): zeros of [batch_size, size] per state part.
  std::vector<Output> ZeroState(const Scope& scope, const Output& batch_size, DataType dtype) const;

  // The variable scope the cell's variables live in ("" before the first Prepare).
  const std::string& variable_scope() const { return variable_scope_; }

 protected:
  // The cell's variable scope under `scope`: a fresh one named after the cell the first time,
  // the same one re-entered with reuse after that.
  Scope EnterVariableScope(const Scope& scope);
  // Sets the depth Prepare was called with, or records an error on `scope` when a later call's
  // differs (a cell's variables have one shape).
  bool CheckInputDepth(const Scope& scope, int64_t input_depth);

 private:
  std::string name_;
  std::string variable_scope_;
  int64_t input_depth_ = -1;
};

// tf.nn.rnn_cell.BasicRNNCell: h' = activation([x, h] · kernel + bias); the output is h'.
// Variables: "kernel" [depth + units, units], "bias" [units].
class BasicRNNCell : public RnnCell {
 public:
  explicit BasicRNNCell(int64_t num_units, Activation activation = nullptr, std::string name = "basic_rnn_cell");
  std::vector<int64_t> StateSizes() const override { return {num_units_}; }
  int64_t OutputSize() const override { return num_units_; }
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  int64_t num_units_;
  Activation activation_;
};

// tf.nn.rnn_cell.BasicLSTMCell (state_is_tuple): i, j, f, o = split([x, h] · kernel + bias, 4);
// c' = c·σ(f + forget_bias) + σ(i)·act(j); h' = act(c')·σ(o). State (c, h), output h'.
// Variables: "kernel" [depth + units, 4·units], "bias" [4·units].
class BasicLSTMCell : public RnnCell {
 public:
  explicit BasicLSTMCell(int64_t num_units, float forget_bias = 1.0f, Activation activation = nullptr,
                         std::string name = "basic_lstm_cell");
  std::vector<int64_t> StateSizes() const override { return {num_units_, num_units_}; }
  int64_t OutputSize() const override { return num_units_; }
  std::vector<bool> StateDropoutFilter() const override { return {false, true}; }
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  int64_t num_units_;
  float forget_bias_;
  Activation activation_;
};

struct LSTMCellOptions {
  bool use_peepholes = false;  // "w_f_diag", "w_i_diag", "w_o_diag" [units]
  float cell_clip = 0;         // > 0: c clipped to [-cell_clip, cell_clip]
  Initializer initializer;     // kernels and peepholes; unset: the variable scope's default
  int64_t num_proj = 0;        // > 0: h = m · "projection/kernel" [units, num_proj]
  float proj_clip = 0;         // > 0 (with num_proj): h clipped to [-proj_clip, proj_clip]
  float forget_bias = 1.0f;
  Activation activation;       // unset: tanh
  std::string name = "lstm_cell";
};

// tf.nn.rnn_cell.LSTMCell (state_is_tuple, no shards): as BasicLSTMCell, with the peepholes
// f += w_f_diag·c, i += w_i_diag·c, o += w_o_diag·c', cell clipping and a projection of the
// output. State (c [units], h [num_proj or units]). Variables: "kernel" [depth + h size,
// 4·units], "bias" [4·units], and the optional ones above.
class LSTMCell : public RnnCell {
 public:
  explicit LSTMCell(int64_t num_units, LSTMCellOptions options = {});
  std::vector<int64_t> StateSizes() const override { return {num_units_, OutputSize()}; }
  int64_t OutputSize() const override { return options_.num_proj > 0 ? options_.num_proj : num_units_; }
  std::vector<bool> StateDropoutFilter() const override { return {false, true}; }
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  int64_t num_units_;
  LSTMCellOptions options_;
};

// tf.nn.rnn_cell.GRUCell: r, u = split(σ([x, h] · gates/kernel + gates/bias), 2);
// c = act([x, r·h] · candidate/kernel + candidate/bias); h' = u·h + (1 - u)·c.
// Variables: "gates/kernel" [depth + units, 2·units], "gates/bias" (init 1, unless
// bias_initializer), "candidate/kernel" [depth + units, units], "candidate/bias" (init 0, unless
// bias_initializer).
class GRUCell : public RnnCell {
 public:
  explicit GRUCell(int64_t num_units, Activation activation = nullptr, Initializer kernel_initializer = nullptr,
                   Initializer bias_initializer = nullptr, std::string name = "gru_cell");
  std::vector<int64_t> StateSizes() const override { return {num_units_}; }
  int64_t OutputSize() const override { return num_units_; }
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  int64_t num_units_;
  Activation activation_;
  Initializer kernel_initializer_, bias_initializer_;
};

// tf.nn.rnn_cell.MultiRNNCell (state_is_tuple): the cells stacked, each one's output the next
// one's input; cell i's variables under "multi_rnn_cell/cell_i/". The state is the cells' states
// one after another; the output is the last cell's.
class MultiRNNCell : public RnnCell {
 public:
  explicit MultiRNNCell(std::vector<std::shared_ptr<RnnCell>> cells, std::string name = "multi_rnn_cell");
  std::vector<int64_t> StateSizes() const override;
  int64_t OutputSize() const override { return cells_.empty() ? 0 : cells_.back()->OutputSize(); }
  std::vector<bool> StateDropoutFilter() const override;
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  std::vector<std::shared_ptr<RnnCell>> cells_;
  std::vector<size_t> num_captures_;  // per cell, set by Prepare
};

struct DropoutOptions {
  float input_keep_prob = 1.0f;
  float output_keep_prob = 1.0f;
  float state_keep_prob = 1.0f;  // applies to the parts the cell's StateDropoutFilter allows
  // One mask per sequence, the same at every step (Gal & Ghahramani), drawn in Prepare.
  bool variational_recurrent = false;
  int64_t seed = 0;
};

// tf.nn.rnn_cell.DropoutWrapper: inverted dropout (kept values scaled by 1 / keep_prob) of the
// cell's input, output and new state. Keep probabilities must be in (0, 1]; 1 drops nothing.
// It adds no variables and no variable scope.
class DropoutWrapper : public RnnCell {
 public:
  DropoutWrapper(std::shared_ptr<RnnCell> cell, DropoutOptions options);
  std::vector<int64_t> StateSizes() const override { return cell_->StateSizes(); }
  int64_t OutputSize() const override { return cell_->OutputSize(); }
  std::vector<bool> StateDropoutFilter() const override { return cell_->StateDropoutFilter(); }
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  std::shared_ptr<RnnCell> cell_;
  DropoutOptions options_;
  size_t num_cell_captures_ = 0;
};

// tf.nn.rnn_cell.ResidualWrapper: the cell's output plus its input (which must have the output's
// size); the state is the cell's. It adds no variables and no variable scope.
class ResidualWrapper : public RnnCell {
 public:
  explicit ResidualWrapper(std::shared_ptr<RnnCell> cell);
  std::vector<int64_t> StateSizes() const override { return cell_->StateSizes(); }
  int64_t OutputSize() const override { return cell_->OutputSize(); }
  std::vector<bool> StateDropoutFilter() const override { return cell_->StateDropoutFilter(); }
  std::vector<Output> Prepare(const Scope& scope, int64_t input_depth, DataType dtype,
                              const Output& batch_size) override;
  CellOutput Step(const Scope& scope, const Output& input, const std::vector<Output>& state,
                  const std::vector<Output>& captures) const override;

 private:
  std::shared_ptr<RnnCell> cell_;
};

}  // namespace sluice::rnn

#endif  // SLUICE_OPS_RNN_CELL_H_
