// Optimizers, as TF1's tf.train: they build the gradient graph and the update ops, so that
// running the returned operation performs one training step.
//
//   auto train = train::AdamOptimizer(1e-3).Minimize(root, loss);
//   SLUICE_CHECK_OK(session.Run({{x, batch_x}}, {}, {train}));   // one step, nothing fetched
//
// The graphs match TF1's: updates are the fused Apply* ops (ops/training_ops.h) under
// "<Name>/update_<var>/", slot variables are "<var>/<Name>" ("<var>/Adam", "<var>/Adam_1"), not
// trainable but in the global variables (so GlobalVariablesInitializer covers them), and the train
// op is a NoOp named "<Name>" (with a global step: the AssignAdd that increments it, named so).
// Resource variables (ResourceVariable) are updated by the ResourceApply* ops instead, and their
// slots (and Adam's beta powers, when the first variable is one) are resource variables too, as
// TF's slot_creator makes them; the names are the same.
//
// Errors (no variables, no gradient reaching any variable, ...) are recorded on the scope and
// the returned Operation is invalid.
#ifndef SLUICE_OPS_TRAINING_H_
#define SLUICE_OPS_TRAINING_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ops/gradients.h"
#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice {
namespace train {

// An optimizer hyperparameter (learning rate, momentum, beta1, ...): a number, or a scalar
// tensor (a placeholder, a schedule's output such as ExponentialDecay's) read at every step, as
// TF1's optimizers accept either. A number becomes a Const "<Name>/<hyper>" of the variable's
// dtype; a tensor is cast to the variable's dtype where it differs.
//
//   auto lr = ops::Placeholder(root.WithOpName("lr"), DT_FLOAT, {});
//   auto train = train::GradientDescentOptimizer(lr).Minimize(root, loss);   // feed lr per step
class Hyperparameter {
 public:
  Hyperparameter(float v) : value_(v) {}          // NOLINT
  Hyperparameter(double v) : value_(v) {}         // NOLINT
  Hyperparameter(int v) : value_(v) {}            // NOLINT
  Hyperparameter(const Output& t) : tensor_(t) {} // NOLINT

  bool is_tensor() const { return tensor_.valid(); }
  double value() const { return value_; }
  const Output& tensor() const { return tensor_; }

 private:
  double value_ = 0;
  Output tensor_;
};

// A gradient (the loss's derivative with respect to the variable's value) and its variable.
// The gradient is an IndexedSlices (ops/gradients.h) for a variable used only through gathers
// (an embedding table), else dense; ApplyGradients updates the first sparsely.
using GradAndVar = std::pair<GradientValue, Variable>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // ComputeGradients then ApplyGradients. An empty `var_list` means
  // scope.trainable_variables(). Variables the loss does not depend on are left alone.
  Operation Minimize(const Scope& scope, const Output& loss, const std::vector<Variable>& var_list = {},
                     Variable* global_step = nullptr);
  // The gradients of `loss` with respect to each variable's value() (AddSymbolicGradients with
  // gate_gradients, as TF1's default GATE_OP; with respect to a resource variable's handle, so
  // that ResourceGathers count); variables without a gradient path to the loss are omitted. A
  // gradient that reaches the variable only through gathers is an IndexedSlices, as TF's. Fails when no variable gets a
  // gradient ("No gradients provided for any variable").
  Status ComputeGradients(const Scope& scope, const Output& loss, const std::vector<Variable>& var_list,
                          std::vector<GradAndVar>* grads_and_vars);
  // Builds the update of each variable by its gradient and returns the train op, which runs
  // them all (and then increments `global_step` when given), and adds it to the scope's
  // "train_op" collection, as TF1 does. Entries with an invalid gradient are skipped. A dense
  // gradient goes to ApplyDense, an IndexedSlices to ApplySparseDuplicateIndices (TF's
  // _apply_dense / _apply_sparse_duplicate_indices), so only its rows are touched.
  Operation ApplyGradients(const Scope& scope, const std::vector<GradAndVar>& grads_and_vars,
                           Variable* global_step = nullptr);

  // The optimizer's name ("Adam"): the default name of its train op and of its slots.
  const std::string& name() const { return name_; }
  // The slot `slot` ("m", "momentum", ...) of `var`, created by an earlier ApplyGradients; an
  // invalid Variable when there is none.
  Variable GetSlot(const Variable& var, const std::string& slot) const;

 protected:
  // What ApplyDense and Finish build with: the optimizer's name scope ("Adam/") and its
  // hyperparameters as constants there ("Adam/learning_rate"), one per dtype.
  class UpdateContext {
   public:
    explicit UpdateContext(Scope scope) : scope_(std::move(scope)) {}
    const Scope& scope() const { return scope_; }
    // Hyperparameter `name` as a scalar of `dtype`: a constant holding a number, or the
    // tensor cast to `dtype`; built on first use.
    Output Hyper(const std::string& name, const Hyperparameter& value, DataType dtype);
    // A tensor derived from the hyperparameters (Ftrl's adjusted l2, AdagradDA's global step + 1),
    // built by `build` on the first request for (`name`, `dtype`) and shared after.
    Output Derived(const std::string& name, DataType dtype, const std::function<Output()>& build);

   private:
    Scope scope_;
    std::map<std::pair<std::string, DataType>, Output> consts_;
    std::map<std::pair<std::string, DataType>, Output> derived_;
  };

  explicit Optimizer(std::string name) : name_(std::move(name)) {}

  // Checks the hyperparameters given as numbers (TF's constructors' ValueErrors), before
  // ApplyGradients builds anything; the error is recorded on the scope.
  virtual Status CheckHyperparameters() const { return absl::OkStatus(); }

  // Creates the slots of `vars` (those that have none yet); `root` has an empty name prefix
  // and no control dependencies.
  virtual void CreateSlots(const Scope& root, const std::vector<Variable>& vars) {}
  // The update of one variable (an Apply* op, or ResourceApply* for a resource variable), built
  // in `scope` ("<Name>/update_<var>/").
  virtual Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                               const Variable& var) = 0;
  // The update of one variable by a sparse gradient. By default (TF's
  // _apply_sparse_duplicate_indices) the duplicate indices are summed first (Unique +
  // UnsortedSegmentSum, TF's _deduplicate_indexed_slices) and ApplySparse gets the result.
  virtual Operation ApplySparseDuplicateIndices(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                                const Variable& var);
  // The update of one variable by a sparse gradient with unique indices: a SparseApply* op. The
  // default densifies the gradient and calls ApplyDense (TF has no default; an optimizer without
  // a sparse rule still trains, at the cost of a dense update).
  virtual Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad, const Variable& var);
  // Groups the updates into the op `named` builds (TF's _finish); subclasses may add work that
  // runs after the updates (Adam's beta powers).
  virtual Operation Finish(UpdateContext* ctx, const std::vector<Operation>& updates,
                           const Scope& named);

  // Creates slot `slot` of `var` named "<var>/<slot_name>" (made unique), of var's shape, dtype
  // and kind (ref or resource), initialized by `init`, unless it exists.
  void CreateSlot(const Scope& root, const Variable& var, const std::string& slot,
                  const std::string& slot_name, const Initializer& init);

 private:
  std::string name_;
  std::map<std::pair<const Node*, std::string>, Variable> slots_;  // (var's node, slot)
};

// var -= learning_rate * grad.
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(Hyperparameter learning_rate)
      : Optimizer("GradientDescent"), learning_rate_(learning_rate) {}

 protected:
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  // TF1's: no deduplication, ScatterSub(var, indices, values * lr) (a resource variable:
  // ResourceScatterAdd of -values * lr); duplicates accumulate in the scatter.
  Operation ApplySparseDuplicateIndices(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_;
};

// accum = momentum * accum + grad; var -= learning_rate * accum (slot "momentum",
// "<var>/Momentum"); Nesterov's variant with use_nesterov.
class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(Hyperparameter learning_rate, Hyperparameter momentum, bool use_nesterov = false)
      : Optimizer("Momentum"), learning_rate_(learning_rate), momentum_(momentum), use_nesterov_(use_nesterov) {}

 protected:
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_, momentum_;
  bool use_nesterov_;
};

// Adam (Kingma & Ba) with TF1's update: slots "m" and "v" ("<var>/Adam", "<var>/Adam_1") and the
// non-trainable scalars "beta1_power", "beta2_power", multiplied by beta1, beta2 after each step.
// A sparse gradient gets TF1's AdamOptimizer._apply_sparse_shared update: m = m * beta1 and
// v = v * beta2 over the WHOLE slots, plus (1 - beta1) * g and (1 - beta2) * g^2 in the
// gradient's rows (duplicate indices summed first), then var -= lr_t * m / (sqrt(v) + epsilon)
// over the whole variable: every row of var, m and v changes, and the step costs time
// proportional to the table (TF's behaviour; LazyAdam, which updates only the rows, is not TF1's
// AdamOptimizer). Since that is the dense update of the gradient summed into a zero table, it is
// computed so: UnsortedSegmentSum (which also sums the duplicates: no Unique) and the fused
// ApplyAdam, one pass over the table where TF1's graph makes eight.
class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(Hyperparameter learning_rate = 0.001f, Hyperparameter beta1 = 0.9f,
                         Hyperparameter beta2 = 0.999f, Hyperparameter epsilon = 1e-8f)
      : Optimizer("Adam"), learning_rate_(learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}

  // The beta power variables (invalid before the first ApplyGradients).
  const Variable& beta1_power() const { return beta1_power_; }
  const Variable& beta2_power() const { return beta2_power_; }

 protected:
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  // The default ApplySparse (ToDense, then ApplyDense), without deduplicating first.
  Operation ApplySparseDuplicateIndices(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                        const Variable& var) override;
  Operation Finish(UpdateContext* ctx, const std::vector<Operation>& updates, const Scope& named) override;

 private:
  Hyperparameter learning_rate_, beta1_, beta2_, epsilon_;
  Variable beta1_power_, beta2_power_;
};

// accum += grad^2; var -= learning_rate * grad / sqrt(accum) (slot "accumulator",
// "<var>/Adagrad", starting at initial_accumulator_value).
class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(Hyperparameter learning_rate, float initial_accumulator_value = 0.1f)
      : Optimizer("Adagrad"), learning_rate_(learning_rate), initial_accumulator_value_(initial_accumulator_value) {}

 protected:
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_;
  float initial_accumulator_value_;
};

// ms = decay * ms + (1 - decay) * grad^2; mom = momentum * mom + lr * grad / sqrt(ms + epsilon);
// var -= mom. Slots "rms" ("<var>/RMSProp", starting at 1 as in TF1) and "momentum"
// ("<var>/RMSProp_1", starting at 0).
class RMSPropOptimizer : public Optimizer {
 public:
  explicit RMSPropOptimizer(Hyperparameter learning_rate, Hyperparameter decay = 0.9f,
                            Hyperparameter momentum = 0.0f, Hyperparameter epsilon = 1e-10f)
      : Optimizer("RMSProp"), learning_rate_(learning_rate), decay_(decay), momentum_(momentum), epsilon_(epsilon) {}

 protected:
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_, decay_, momentum_, epsilon_;
};

// Adadelta (Zeiler): accum = rho * accum + (1 - rho) * grad^2;
// update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad; var -= lr * update;
// accum_update = rho * accum_update + (1 - rho) * update^2. Slots "accum" ("<var>/Adadelta") and
// "accum_update" ("<var>/Adadelta_1"), starting at 0.
class AdadeltaOptimizer : public Optimizer {
 public:
  explicit AdadeltaOptimizer(Hyperparameter learning_rate = 0.001f, Hyperparameter rho = 0.95f,
                             Hyperparameter epsilon = 1e-8f)
      : Optimizer("Adadelta"), learning_rate_(learning_rate), rho_(rho), epsilon_(epsilon) {}

 protected:
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_, rho_, epsilon_;
};

// FTRL-proximal (McMahan et al.) as TF1's tf.train.FtrlOptimizer: slots "accum" ("<var>/Ftrl",
// starting at initial_accumulator_value) and "linear" ("<var>/Ftrl_1", starting at 0), updated by
// ApplyFtrl, or by ApplyFtrlV2 when l2_shrinkage_regularization_strength is a tensor or a number
// > 0. `beta` is folded into the l2 strength as TF does: l2 + beta / (2 * max(learning_rate, 1e-36)).
// Numbers must satisfy TF's checks: learning_rate_power <= 0, initial_accumulator_value,
// l1, l2 and l2_shrinkage >= 0.
//
//   train::FtrlOptimizer ftrl(0.1f, /*learning_rate_power=*/-0.5f, /*initial_accumulator_value=*/0.1f,
//                             /*l1_regularization_strength=*/0.01f);
class FtrlOptimizer : public Optimizer {
 public:
  explicit FtrlOptimizer(Hyperparameter learning_rate, Hyperparameter learning_rate_power = -0.5f,
                         float initial_accumulator_value = 0.1f, Hyperparameter l1_regularization_strength = 0.0f,
                         Hyperparameter l2_regularization_strength = 0.0f,
                         Hyperparameter l2_shrinkage_regularization_strength = 0.0f, Hyperparameter beta = 0.0f)
      : Optimizer("Ftrl"),
        learning_rate_(learning_rate),
        learning_rate_power_(learning_rate_power),
        initial_accumulator_value_(initial_accumulator_value),
        l1_(l1_regularization_strength),
        l2_(l2_regularization_strength),
        l2_shrinkage_(l2_shrinkage_regularization_strength),
        beta_(beta) {}

 protected:
  Status CheckHyperparameters() const override;
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Operation BuildUpdate(UpdateContext* ctx, const Scope& scope, const Output& grad, const Output& indices,
                        const Variable& var);
  Hyperparameter learning_rate_, learning_rate_power_;
  float initial_accumulator_value_;
  Hyperparameter l1_, l2_, l2_shrinkage_, beta_;
};

// Gradient descent with a proximal (FOBOS) step: prox = var - lr * grad;
// var = sign(prox) * max(|prox| - lr * l1, 0) / (1 + lr * l2). No slots. l1 and l2 given as
// numbers must be >= 0.
class ProximalGradientDescentOptimizer : public Optimizer {
 public:
  explicit ProximalGradientDescentOptimizer(Hyperparameter learning_rate,
                                            Hyperparameter l1_regularization_strength = 0.0f,
                                            Hyperparameter l2_regularization_strength = 0.0f)
      : Optimizer("ProximalGradientDescent"),
        learning_rate_(learning_rate),
        l1_(l1_regularization_strength),
        l2_(l2_regularization_strength) {}

 protected:
  Status CheckHyperparameters() const override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_, l1_, l2_;
};

// Adagrad with a proximal step: accum += grad^2, then the ProximalGradientDescent step with rate
// lr / sqrt(accum). Slot "accumulator" ("<var>/ProximalAdagrad", starting at
// initial_accumulator_value, which must be > 0). l1 and l2 must be >= 0 (numbers when the graph
// is built, tensors when the update runs), and lr > 0 when it runs.
class ProximalAdagradOptimizer : public Optimizer {
 public:
  explicit ProximalAdagradOptimizer(Hyperparameter learning_rate, float initial_accumulator_value = 0.1f,
                                    Hyperparameter l1_regularization_strength = 0.0f,
                                    Hyperparameter l2_regularization_strength = 0.0f)
      : Optimizer("ProximalAdagrad"),
        learning_rate_(learning_rate),
        initial_accumulator_value_(initial_accumulator_value),
        l1_(l1_regularization_strength),
        l2_(l2_regularization_strength) {}

 protected:
  Status CheckHyperparameters() const override;
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Hyperparameter learning_rate_;
  float initial_accumulator_value_;
  Hyperparameter l1_, l2_;
};

// Adagrad dual averaging (Duchi et al.), as TF1's AdagradDAOptimizer: slots
// "gradient_accumulator" ("<var>/AdagradDA", starting at 0) and "gradient_squared_accumulator"
// ("<var>/AdagradDA_1", starting at initial_gradient_squared_accumulator_value, > 0). The update
// reads `global_step` (an integer variable, e.g. CreateGlobalStep's) plus one, as an int64; pass
// the same variable to Minimize so that each step increments it. l1 and l2 given as numbers must
// be >= 0.
//
//   Variable step = train::CreateGlobalStep(root);
//   train::AdagradDAOptimizer opt(0.1f, step);
//   Operation train = opt.Minimize(root, loss, {}, &step);
class AdagradDAOptimizer : public Optimizer {
 public:
  AdagradDAOptimizer(Hyperparameter learning_rate, Variable global_step,
                     float initial_gradient_squared_accumulator_value = 0.1f,
                     Hyperparameter l1_regularization_strength = 0.0f,
                     Hyperparameter l2_regularization_strength = 0.0f)
      : Optimizer("AdagradDA"),
        learning_rate_(learning_rate),
        global_step_(std::move(global_step)),
        initial_gradient_squared_accumulator_value_(initial_gradient_squared_accumulator_value),
        l1_(l1_regularization_strength),
        l2_(l2_regularization_strength) {}

 protected:
  Status CheckHyperparameters() const override;
  void CreateSlots(const Scope& root, const std::vector<Variable>& vars) override;
  Operation ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad, const Variable& var) override;
  Operation ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                        const Variable& var) override;

 private:
  Operation BuildUpdate(UpdateContext* ctx, const Scope& scope, const Output& grad, const Output& indices,
                        const Variable& var);
  Hyperparameter learning_rate_;
  Variable global_step_;
  float initial_gradient_squared_accumulator_value_;
  Hyperparameter l1_, l2_;
};

// The int64 scalar variable "global_step", starting at 0, not trainable (tf.train.create_global_step).
Variable CreateGlobalStep(const Scope& scope);

}  // namespace train
}  // namespace sluice

#endif  // SLUICE_OPS_TRAINING_H_
