#include "ops/training.h"

#include "absl/strings/str_join.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/initializers.h"
#include "ops/math_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/scatter_add_ops.h"
#include "ops/segment_ops.h"
#include "ops/scope_internal.h"
#include "ops/state_ops.h"
#include "ops/training_ops.h"

namespace sluice {
namespace train {
namespace {

// A scope over the same graph with an empty name prefix, no control dependencies and the
// device of `scope`.
Scope RootScope(const Scope& scope) {
  auto data = std::make_shared<internal::ScopeData>();
  data->state = scope.data()->state;
  data->device = scope.device();
  return Scope(std::move(data));
}

// `scope` on the device `var` asked for, if any (slots and updates live with their variable).
Scope ColocatedWith(const Scope& scope, const Variable& var) {
  const std::string& device = var.ref().node()->requested_device();
  return device.empty() ? scope : scope.WithDevice(device);
}

// `scope` naming its next op `name`, made unique ("learning_rate_1").
Scope UniquelyNamed(const Scope& scope, const std::string& name) {
  return scope.WithOpName(scope.GetUniqueNameForOp(name).substr(scope.name_prefix().size()));
}

// `x` as `dtype`: the beta powers are float variables, read as the variable's dtype.
Output CastTo(const Scope& scope, const Output& x, DataType dtype) {
  return x.dtype() == dtype ? x : ops::Cast(scope, x, dtype);
}

// `h` as the initial value of a variable (Adam's beta powers): a float scalar or the tensor.
Input InitialValue(const Hyperparameter& h) {
  return h.is_tensor() ? Input(h.tensor()) : Input(static_cast<float>(h.value()));
}

// var = value, for either kind of variable.
Operation AssignTo(const Scope& scope, const Variable& var, const Output& value) {
  return var.is_resource() ? ops::AssignVariableOp(scope, var.handle(), value)
                           : ops::Assign(scope, var.ref(), value).op();
}

// var += value, for either kind of variable.
Operation AssignAddTo(const Scope& scope, const Variable& var, const Input& value) {
  return var.is_resource() ? ops::AssignAddVariableOp(scope, var.handle(), value)
                           : ops::AssignAdd(scope, var.ref(), value).op();
}

// A variable of the same kind as `like` (ref or resource), built by Variable's constructors.
template <typename... Args>
Variable VariableLike(const Variable& like, Args&&... args) {
  if (like.is_resource()) return ResourceVariable(std::forward<Args>(args)...);
  return Variable(std::forward<Args>(args)...);
}

}  // namespace

Output Optimizer::UpdateContext::Hyper(const std::string& name, const Hyperparameter& hyper, DataType dtype) {
  auto [it, inserted] = consts_.try_emplace({name, dtype});
  if (!inserted) return it->second;
  if (hyper.is_tensor()) {
    it->second = CastTo(UniquelyNamed(scope_, name), hyper.tensor(), dtype);
    return it->second;
  }
  double value = hyper.value();
  Tensor t(dtype, TensorShape{});
  bool numeric = DispatchType(dtype, [&]<typename T>() {
    if constexpr (std::is_arithmetic_v<T>) t.scalar<T>() = static_cast<T>(value);
  });
  if (!numeric || dtype == DT_STRING) {
    scope_.UpdateStatus(errors::InvalidArgument("optimizer hyperparameter '", name,
                                                "' cannot be of dtype ", DataTypeString(dtype)));
    return Output();
  }
  it->second = ops::Const(UniquelyNamed(scope_, name), t);
  return it->second;
}

Output Optimizer::UpdateContext::Derived(const std::string& name, DataType dtype,
                                        const std::function<Output()>& build) {
  auto [it, inserted] = derived_.try_emplace({name, dtype});
  if (inserted) it->second = build();
  return it->second;
}

Operation Optimizer::Minimize(const Scope& scope, const Output& loss, const std::vector<Variable>& var_list,
                              Variable* global_step) {
  std::vector<GradAndVar> grads_and_vars;
  Status s = ComputeGradients(scope, loss, var_list, &grads_and_vars);
  if (!s.ok()) {
    scope.UpdateStatus(s);
    return Operation();
  }
  return ApplyGradients(scope, grads_and_vars, global_step);
}

Status Optimizer::ComputeGradients(const Scope& scope, const Output& loss,
                                   const std::vector<Variable>& var_list,
                                   std::vector<GradAndVar>* grads_and_vars) {
  SLUICE_RETURN_IF_ERROR(scope.status());
  if (!loss.valid()) return errors::InvalidArgument(name_, ": invalid loss");
  std::vector<Variable> vars = var_list.empty() ? scope.trainable_variables() : var_list;
  if (vars.empty()) return errors::InvalidArgument(name_, ": no variables to optimize");
  std::vector<Output> xs;
  for (const Variable& v : vars) {
    if (!v.valid()) return errors::InvalidArgument(name_, ": invalid variable in var_list");
    xs.push_back(v.is_resource() ? v.handle() : v.value());
  }
  std::vector<GradientValue> grads;
  GradientOptions gating;
  gating.gate_gradients = true;  // TF1's default GATE_OP
  SLUICE_RETURN_IF_ERROR(AddSymbolicGradients(scope, {loss}, xs, {}, &grads, gating));
  grads_and_vars->clear();
  for (size_t i = 0; i < vars.size(); ++i) {
    if (grads[i].valid()) grads_and_vars->emplace_back(grads[i], vars[i]);
  }
  if (grads_and_vars->empty()) {
    std::vector<std::string> names;
    for (const Variable& v : vars) names.push_back(v.name());
    return errors::InvalidArgument("No gradients provided for any variable: ", absl::StrJoin(names, ", "),
                                   " (no gradient path from ", loss.name(), " to them)");
  }
  return absl::OkStatus();
}

Operation Optimizer::ApplyGradients(const Scope& scope, const std::vector<GradAndVar>& grads_and_vars,
                                    Variable* global_step) {
  if (!scope.ok()) return Operation();
  std::vector<GradAndVar> todo;
  std::vector<Variable> vars;
  for (const GradAndVar& gv : grads_and_vars) {
    if (!gv.second.valid()) {
      scope.UpdateStatus(errors::InvalidArgument(name_, ": invalid variable in grads_and_vars"));
      return Operation();
    }
    if (!gv.first.valid()) continue;
    todo.push_back(gv);
    vars.push_back(gv.second);
  }
  if (todo.empty()) {
    scope.UpdateStatus(errors::InvalidArgument("No gradients provided for any variable"));
    return Operation();
  }
  if (Status s = CheckHyperparameters(); !s.ok()) {
    scope.UpdateStatus(s);
    return Operation();
  }
  CreateSlots(RootScope(scope), vars);

  internal::NameScope names = internal::MakeNameScope(scope, name_);
  UpdateContext ctx(names.helpers);
  std::vector<Operation> updates;
  for (const auto& [grad, var] : todo) {
    Scope update_scope = ColocatedWith(names.helpers.NewSubScope("update_" + var.name()), var);
    Operation update = grad.is_sparse() ? ApplySparseDuplicateIndices(&ctx, update_scope, grad.sparse(), var)
                                        : ApplyDense(&ctx, update_scope, grad.dense(), var);
    if (!update.valid()) {
      scope.UpdateStatus(errors::Internal(name_, ": building the update of ", var.name(), " failed"));
      return Operation();
    }
    updates.push_back(update);
  }
  Operation train_op;
  if (global_step == nullptr) {
    train_op = Finish(&ctx, updates, names.op);
  } else {
    Operation finished = Finish(&ctx, updates, names.helpers.WithOpName("update"));
    if (!finished.valid()) return Operation();
    Scope increment = scope.WithControlDependencies({finished})
                          .WithOpName(names.name.substr(scope.name_prefix().size()));
    train_op = AssignAddTo(increment, *global_step, 1);
  }
  // TF1's apply_gradients adds its op to the TRAIN_OP collection, which a MetaGraphDef keeps.
  if (train_op.valid()) scope.AddToCollection("train_op", train_op.name());
  return train_op;
}

Operation Optimizer::ApplySparseDuplicateIndices(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                                 const Variable& var) {
  // TF's _deduplicate_indexed_slices.
  ops::UniqueOutputs unique = ops::Unique(scope, grad.indices);
  Output count = ops::Reshape(scope, ops::Slice(scope, ops::Shape(scope, unique.y), {0}, {1}),
                              ops::Const(scope, Tensor::FromVector(std::vector<int32_t>{})));
  Output summed = ops::UnsortedSegmentSum(scope, grad.values, unique.idx, count);
  return ApplySparse(ctx, scope, IndexedSlices{summed, unique.y, grad.dense_shape}, var);
}

Operation Optimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                 const Variable& var) {
  return ApplyDense(ctx, scope, ToDense(scope, grad), var);
}

Operation Optimizer::Finish(UpdateContext* ctx, const std::vector<Operation>& updates, const Scope& named) {
  return ops::Group(named, updates);
}

Variable Optimizer::GetSlot(const Variable& var, const std::string& slot) const {
  auto it = slots_.find({var.ref().node(), slot});
  return it == slots_.end() ? Variable() : it->second;
}

void Optimizer::CreateSlot(const Scope& root, const Variable& var, const std::string& slot,
                           const std::string& slot_name, const Initializer& init) {
  if (slots_.contains({var.ref().node(), slot})) return;
  Variable v = VariableLike(var, UniquelyNamed(ColocatedWith(root, var), var.name() + "/" + slot_name), var.shape(),
                            init, var.dtype(), /*trainable=*/false);
  if (v.valid()) slots_[{var.ref().node(), slot}] = v;
}

Operation GradientDescentOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                               const Variable& var) {
  Output lr = ctx->Hyper("learning_rate", learning_rate_, var.dtype());
  if (var.is_resource()) return ops::ResourceApplyGradientDescent(scope, var.handle(), lr, grad);
  return ops::ApplyGradientDescent(scope, var.ref(), lr, grad).op();
}

Operation GradientDescentOptimizer::ApplySparseDuplicateIndices(UpdateContext* ctx, const Scope& scope,
                                                                const IndexedSlices& grad, const Variable& var) {
  Output lr = ctx->Hyper("learning_rate", learning_rate_, var.dtype());
  if (var.is_resource()) {
    return ops::ResourceScatterAdd(scope, var.handle(), grad.indices,
                                   ops::Mul(scope, ops::Neg(scope, grad.values), lr));
  }
  return ops::ScatterSub(scope, var.ref(), grad.indices, ops::Mul(scope, grad.values, lr)).op();
}

void MomentumOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) CreateSlot(root, v, "momentum", name(), init::Zeros());
}

Operation MomentumOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                        const Variable& var) {
  Variable accum = GetSlot(var, "momentum");
  if (!accum.valid()) return Operation();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, var.dtype());
  Output momentum = ctx->Hyper("momentum", momentum_, var.dtype());
  if (var.is_resource()) {
    return ops::ResourceApplyMomentum(scope, var.handle(), accum.handle(), lr, grad, momentum, use_nesterov_);
  }
  return ops::ApplyMomentum(scope, var.ref(), accum.ref(), lr, grad, momentum, use_nesterov_).op();
}

Operation MomentumOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                         const Variable& var) {
  Variable accum = GetSlot(var, "momentum");
  if (!accum.valid()) return Operation();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, var.dtype());
  Output momentum = ctx->Hyper("momentum", momentum_, var.dtype());
  if (var.is_resource()) {
    return ops::ResourceSparseApplyMomentum(scope, var.handle(), accum.handle(), lr, grad.values, grad.indices,
                                            momentum, use_nesterov_);
  }
  return ops::SparseApplyMomentum(scope, var.ref(), accum.ref(), lr, grad.values, grad.indices, momentum, use_nesterov_)
      .op();
}

void AdamOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  // TF1 keeps one pair of beta powers per graph, created with the first slots.
  if (!beta1_power_.valid() || root.graph()->FindNode(beta1_power_.name()) != beta1_power_.ref().node()) {
    // Of the first variable's kind, as TF's _create_non_slot_variable makes them.
    Scope placed = ColocatedWith(root, vars.front());
    beta1_power_ = VariableLike(vars.front(), UniquelyNamed(placed, "beta1_power"), InitialValue(beta1_), false);
    beta2_power_ = VariableLike(vars.front(), UniquelyNamed(placed, "beta2_power"), InitialValue(beta2_), false);
  }
  for (const Variable& v : vars) {
    CreateSlot(root, v, "m", name(), init::Zeros());
    CreateSlot(root, v, "v", name(), init::Zeros());
  }
}

Operation AdamOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                    const Variable& var) {
  Variable m = GetSlot(var, "m"), v = GetSlot(var, "v");
  if (!m.valid() || !v.valid() || !beta1_power_.valid() || !beta2_power_.valid()) return Operation();
  DataType dt = var.dtype();
  Output beta1_power = CastTo(scope, beta1_power_.value(), dt), beta2_power = CastTo(scope, beta2_power_.value(), dt);
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt), beta1 = ctx->Hyper("beta1", beta1_, dt);
  Output beta2 = ctx->Hyper("beta2", beta2_, dt), epsilon = ctx->Hyper("epsilon", epsilon_, dt);
  if (var.is_resource()) {
    return ops::ResourceApplyAdam(scope, var.handle(), m.handle(), v.handle(), beta1_power, beta2_power, lr, beta1,
                                  beta2, epsilon, grad);
  }
  return ops::ApplyAdam(scope, var.ref(), m.ref(), v.ref(), beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad)
      .op();
}

// TF1's AdamOptimizer._apply_sparse_duplicate_indices and _apply_sparse_shared, as the dense
// update of the summed gradient (see the class comment).
Operation AdamOptimizer::ApplySparseDuplicateIndices(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                                     const Variable& var) {
  return ApplySparse(ctx, scope, grad, var);
}

// TF's Adam._finish: after the updates, beta1_power *= beta1 and beta2_power *= beta2.
Operation AdamOptimizer::Finish(UpdateContext* ctx, const std::vector<Operation>& updates, const Scope& named) {
  Scope after = ctx->scope().WithControlDependencies(updates);
  DataType dt = beta1_power_.dtype();
  Output beta1 = ctx->Hyper("beta1", beta1_, dt), beta2 = ctx->Hyper("beta2", beta2_, dt);
  Operation update1 = AssignTo(after, beta1_power_, ops::Mul(after, beta1_power_.value(), beta1));
  Operation update2 = AssignTo(after, beta2_power_, ops::Mul(after, beta2_power_.value(), beta2));
  if (!update1.valid() || !update2.valid()) return Operation();
  std::vector<Operation> all = updates;
  all.push_back(update1);
  all.push_back(update2);
  return ops::Group(named, all);
}

void AdagradOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    CreateSlot(root, v, "accumulator", name(), init::Constant(initial_accumulator_value_));
  }
}

Operation AdagradOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                       const Variable& var) {
  Variable accum = GetSlot(var, "accumulator");
  if (!accum.valid()) return Operation();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, var.dtype());
  if (var.is_resource()) return ops::ResourceApplyAdagrad(scope, var.handle(), accum.handle(), lr, grad);
  return ops::ApplyAdagrad(scope, var.ref(), accum.ref(), lr, grad).op();
}

Operation AdagradOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                        const Variable& var) {
  Variable accum = GetSlot(var, "accumulator");
  if (!accum.valid()) return Operation();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, var.dtype());
  if (var.is_resource()) {
    return ops::ResourceSparseApplyAdagrad(scope, var.handle(), accum.handle(), lr, grad.values, grad.indices);
  }
  return ops::SparseApplyAdagrad(scope, var.ref(), accum.ref(), lr, grad.values, grad.indices).op();
}

void RMSPropOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    CreateSlot(root, v, "rms", name(), init::Ones());
    CreateSlot(root, v, "momentum", name(), init::Zeros());
  }
}

Operation RMSPropOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                       const Variable& var) {
  Variable ms = GetSlot(var, "rms"), mom = GetSlot(var, "momentum");
  if (!ms.valid() || !mom.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt), decay = ctx->Hyper("decay", decay_, dt);
  Output momentum = ctx->Hyper("momentum", momentum_, dt), epsilon = ctx->Hyper("epsilon", epsilon_, dt);
  if (var.is_resource()) {
    return ops::ResourceApplyRMSProp(scope, var.handle(), ms.handle(), mom.handle(), lr, decay, momentum, epsilon,
                                     grad);
  }
  return ops::ApplyRMSProp(scope, var.ref(), ms.ref(), mom.ref(), lr, decay, momentum, epsilon, grad).op();
}

Operation RMSPropOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                        const Variable& var) {
  Variable ms = GetSlot(var, "rms"), mom = GetSlot(var, "momentum");
  if (!ms.valid() || !mom.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt), decay = ctx->Hyper("decay", decay_, dt);
  Output momentum = ctx->Hyper("momentum", momentum_, dt), epsilon = ctx->Hyper("epsilon", epsilon_, dt);
  if (var.is_resource()) {
    return ops::ResourceSparseApplyRMSProp(scope, var.handle(), ms.handle(), mom.handle(), lr, decay, momentum, epsilon,
                                           grad.values, grad.indices);
  }
  return ops::SparseApplyRMSProp(scope, var.ref(), ms.ref(), mom.ref(), lr, decay, momentum, epsilon, grad.values,
                                 grad.indices)
      .op();
}

namespace {

// OK unless `h` is a number that fails `ok`; then "<optimizer>: <what>, got <value>".
template <typename Pred>
Status CheckNumber(const std::string& optimizer, const Hyperparameter& h, const char* what, Pred ok) {
  if (h.is_tensor() || ok(h.value())) return absl::OkStatus();
  return errors::InvalidArgument(optimizer, ": ", what, ", got ", h.value());
}

Status CheckNonNegative(const std::string& optimizer, const Hyperparameter& h, const char* name) {
  return CheckNumber(optimizer, h, (std::string(name) + " must be >= 0").c_str(), [](double v) { return v >= 0; });
}

}  // namespace

void AdadeltaOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    CreateSlot(root, v, "accum", name(), init::Zeros());
    CreateSlot(root, v, "accum_update", name(), init::Zeros());
  }
}

Operation AdadeltaOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                        const Variable& var) {
  Variable accum = GetSlot(var, "accum"), accum_update = GetSlot(var, "accum_update");
  if (!accum.valid() || !accum_update.valid()) return Operation();
  DataType dt = var.dtype();
  // TF's adadelta.py names its learning-rate tensor "lr".
  Output lr = ctx->Hyper("lr", learning_rate_, dt), rho = ctx->Hyper("rho", rho_, dt);
  Output epsilon = ctx->Hyper("epsilon", epsilon_, dt);
  if (var.is_resource()) {
    return ops::ResourceApplyAdadelta(scope, var.handle(), accum.handle(), accum_update.handle(), lr, rho, epsilon,
                                      grad);
  }
  return ops::ApplyAdadelta(scope, var.ref(), accum.ref(), accum_update.ref(), lr, rho, epsilon, grad).op();
}

Operation AdadeltaOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                         const Variable& var) {
  Variable accum = GetSlot(var, "accum"), accum_update = GetSlot(var, "accum_update");
  if (!accum.valid() || !accum_update.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("lr", learning_rate_, dt), rho = ctx->Hyper("rho", rho_, dt);
  Output epsilon = ctx->Hyper("epsilon", epsilon_, dt);
  if (var.is_resource()) {
    return ops::ResourceSparseApplyAdadelta(scope, var.handle(), accum.handle(), accum_update.handle(), lr, rho,
                                            epsilon, grad.values, grad.indices);
  }
  return ops::SparseApplyAdadelta(scope, var.ref(), accum.ref(), accum_update.ref(), lr, rho, epsilon, grad.values,
                                  grad.indices)
      .op();
}

Status FtrlOptimizer::CheckHyperparameters() const {
  if (initial_accumulator_value_ < 0) {
    return errors::InvalidArgument(name(), ": initial_accumulator_value must be >= 0, got ",
                                   initial_accumulator_value_);
  }
  SLUICE_RETURN_IF_ERROR(CheckNumber(name(), learning_rate_power_, "learning_rate_power must be <= 0",
                                     [](double v) { return v <= 0; }));
  SLUICE_RETURN_IF_ERROR(CheckNonNegative(name(), l1_, "l1_regularization_strength"));
  SLUICE_RETURN_IF_ERROR(CheckNonNegative(name(), l2_, "l2_regularization_strength"));
  return CheckNonNegative(name(), l2_shrinkage_, "l2_shrinkage_regularization_strength");
}

void FtrlOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    CreateSlot(root, v, "accum", name(), init::Constant(initial_accumulator_value_));
    CreateSlot(root, v, "linear", name(), init::Zeros());
  }
}

Operation FtrlOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                    const Variable& var) {
  return BuildUpdate(ctx, scope, grad, Output(), var);
}

Operation FtrlOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                     const Variable& var) {
  return BuildUpdate(ctx, scope, grad.values, grad.indices, var);
}

// ApplyFtrl(V2) or, with `indices`, SparseApplyFtrl(V2), of either kind of variable.
Operation FtrlOptimizer::BuildUpdate(UpdateContext* ctx, const Scope& scope, const Output& grad, const Output& indices,
                                     const Variable& var) {
  const bool sparse = indices.valid();
  Variable accum = GetSlot(var, "accum"), linear = GetSlot(var, "linear");
  if (!accum.valid() || !linear.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt);
  Output l1 = ctx->Hyper("l1_regularization_strength", l1_, dt);
  Output lr_power = ctx->Hyper("learning_rate_power", learning_rate_power_, dt);
  // TF folds beta into l2: l2 + beta / (2 * max(learning_rate, 1e-36)).
  const char* kAdjusted = "adjusted_l2_regularization_strength";
  Output l2;
  if (!beta_.is_tensor() && beta_.value() == 0) {
    l2 = ctx->Hyper(kAdjusted, l2_, dt);
  } else if (!beta_.is_tensor() && !l2_.is_tensor() && !learning_rate_.is_tensor()) {
    l2 = ctx->Hyper(kAdjusted, l2_.value() + beta_.value() / (2.0 * std::max(learning_rate_.value(), 1e-36)), dt);
  } else {
    l2 = ctx->Derived(kAdjusted, dt, [&]() {
      const Scope& s = ctx->scope();
      Output beta = ctx->Hyper("beta", beta_, dt), l2_raw = ctx->Hyper("l2_regularization_strength", l2_, dt);
      Output denom = ops::Mul(s, ops::Maximum(s, lr, 1e-36), 2.0f);
      return ops::Add(s.WithOpName(kAdjusted), l2_raw, ops::RealDiv(s, beta, denom));
    });
  }
  // TF's _apply_dense uses ApplyFtrlV2 unless the shrinkage strength is a number <= 0.
  const bool shrinkage = l2_shrinkage_.is_tensor() || l2_shrinkage_.value() > 0;
  if (shrinkage) {
    Output l2_shrinkage = ctx->Hyper("l2_shrinkage_regularization_strength", l2_shrinkage_, dt);
    if (sparse && var.is_resource()) {
      return ops::ResourceSparseApplyFtrlV2(scope, var.handle(), accum.handle(), linear.handle(), grad, indices, lr, l1,
                                            l2, l2_shrinkage, lr_power);
    }
    if (sparse) {
      return ops::SparseApplyFtrlV2(scope, var.ref(), accum.ref(), linear.ref(), grad, indices, lr, l1, l2,
                                    l2_shrinkage, lr_power)
          .op();
    }
    if (var.is_resource()) {
      return ops::ResourceApplyFtrlV2(scope, var.handle(), accum.handle(), linear.handle(), grad, lr, l1, l2,
                                      l2_shrinkage, lr_power);
    }
    return ops::ApplyFtrlV2(scope, var.ref(), accum.ref(), linear.ref(), grad, lr, l1, l2, l2_shrinkage, lr_power)
        .op();
  }
  if (sparse && var.is_resource()) {
    return ops::ResourceSparseApplyFtrl(scope, var.handle(), accum.handle(), linear.handle(), grad, indices, lr, l1, l2,
                                        lr_power);
  }
  if (sparse) {
    return ops::SparseApplyFtrl(scope, var.ref(), accum.ref(), linear.ref(), grad, indices, lr, l1, l2, lr_power).op();
  }
  if (var.is_resource()) {
    return ops::ResourceApplyFtrl(scope, var.handle(), accum.handle(), linear.handle(), grad, lr, l1, l2, lr_power);
  }
  return ops::ApplyFtrl(scope, var.ref(), accum.ref(), linear.ref(), grad, lr, l1, l2, lr_power).op();
}

Status ProximalGradientDescentOptimizer::CheckHyperparameters() const {
  SLUICE_RETURN_IF_ERROR(CheckNonNegative(name(), l1_, "l1_regularization_strength"));
  return CheckNonNegative(name(), l2_, "l2_regularization_strength");
}

Operation ProximalGradientDescentOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                                       const Variable& var) {
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt);
  Output l1 = ctx->Hyper("l1_regularization_strength", l1_, dt);
  Output l2 = ctx->Hyper("l2_regularization_strength", l2_, dt);
  if (var.is_resource()) return ops::ResourceApplyProximalGradientDescent(scope, var.handle(), lr, l1, l2, grad);
  return ops::ApplyProximalGradientDescent(scope, var.ref(), lr, l1, l2, grad).op();
}

Operation ProximalGradientDescentOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope,
                                                        const IndexedSlices& grad, const Variable& var) {
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt);
  Output l1 = ctx->Hyper("l1_regularization_strength", l1_, dt);
  Output l2 = ctx->Hyper("l2_regularization_strength", l2_, dt);
  if (var.is_resource()) {
    return ops::ResourceSparseApplyProximalGradientDescent(scope, var.handle(), lr, l1, l2, grad.values, grad.indices);
  }
  return ops::SparseApplyProximalGradientDescent(scope, var.ref(), lr, l1, l2, grad.values, grad.indices).op();
}

Status ProximalAdagradOptimizer::CheckHyperparameters() const {
  if (!(initial_accumulator_value_ > 0)) {
    return errors::InvalidArgument(name(), ": initial_accumulator_value must be positive, got ",
                                   initial_accumulator_value_);
  }
  SLUICE_RETURN_IF_ERROR(CheckNonNegative(name(), l1_, "l1_regularization_strength"));
  return CheckNonNegative(name(), l2_, "l2_regularization_strength");
}

void ProximalAdagradOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    CreateSlot(root, v, "accumulator", name(), init::Constant(initial_accumulator_value_));
  }
}

Operation ProximalAdagradOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                               const Variable& var) {
  Variable accum = GetSlot(var, "accumulator");
  if (!accum.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt);
  Output l1 = ctx->Hyper("l1_regularization_strength", l1_, dt);
  Output l2 = ctx->Hyper("l2_regularization_strength", l2_, dt);
  if (var.is_resource()) {
    return ops::ResourceApplyProximalAdagrad(scope, var.handle(), accum.handle(), lr, l1, l2, grad);
  }
  return ops::ApplyProximalAdagrad(scope, var.ref(), accum.ref(), lr, l1, l2, grad).op();
}

Operation ProximalAdagradOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                                const Variable& var) {
  Variable accum = GetSlot(var, "accumulator");
  if (!accum.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt);
  Output l1 = ctx->Hyper("l1_regularization_strength", l1_, dt);
  Output l2 = ctx->Hyper("l2_regularization_strength", l2_, dt);
  if (var.is_resource()) {
    return ops::ResourceSparseApplyProximalAdagrad(scope, var.handle(), accum.handle(), lr, l1, l2, grad.values,
                                                   grad.indices);
  }
  return ops::SparseApplyProximalAdagrad(scope, var.ref(), accum.ref(), lr, l1, l2, grad.values, grad.indices).op();
}

Status AdagradDAOptimizer::CheckHyperparameters() const {
  if (!global_step_.valid()) return errors::InvalidArgument(name(), ": global_step is required");
  if (!IsIntegerType(global_step_.dtype())) {
    return errors::InvalidArgument(name(), ": global_step ", global_step_.name(), " must be an integer variable, not ",
                                   DataTypeString(global_step_.dtype()));
  }
  if (!(initial_gradient_squared_accumulator_value_ > 0)) {
    return errors::InvalidArgument(name(), ": initial_gradient_squared_accumulator_value must be positive, got ",
                                   initial_gradient_squared_accumulator_value_);
  }
  SLUICE_RETURN_IF_ERROR(CheckNonNegative(name(), l1_, "l1_regularization_strength"));
  return CheckNonNegative(name(), l2_, "l2_regularization_strength");
}

void AdagradDAOptimizer::CreateSlots(const Scope& root, const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    CreateSlot(root, v, "gradient_accumulator", name(), init::Zeros());
    CreateSlot(root, v, "gradient_squared_accumulator", name(),
               init::Constant(initial_gradient_squared_accumulator_value_));
  }
}

Operation AdagradDAOptimizer::ApplyDense(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                         const Variable& var) {
  return BuildUpdate(ctx, scope, grad, Output(), var);
}

Operation AdagradDAOptimizer::ApplySparse(UpdateContext* ctx, const Scope& scope, const IndexedSlices& grad,
                                          const Variable& var) {
  return BuildUpdate(ctx, scope, grad.values, grad.indices, var);
}

// ApplyAdagradDA or, with `indices`, SparseApplyAdagradDA, of either kind of variable.
Operation AdagradDAOptimizer::BuildUpdate(UpdateContext* ctx, const Scope& scope, const Output& grad,
                                          const Output& indices, const Variable& var) {
  Variable g_acc = GetSlot(var, "gradient_accumulator"), gg_acc = GetSlot(var, "gradient_squared_accumulator");
  if (!g_acc.valid() || !gg_acc.valid()) return Operation();
  DataType dt = var.dtype();
  Output lr = ctx->Hyper("learning_rate", learning_rate_, dt);
  Output l1 = ctx->Hyper("l1_regularization_strength", l1_, dt);
  Output l2 = ctx->Hyper("l2_regularization_strength", l2_, dt);
  // TF's _prepare: the global step read once, plus one, as the step the update is for.
  Output step = ctx->Derived("global_step", DT_INT64, [&]() {
    const Scope& s = ctx->scope();
    Output read = CastTo(s, ops::Identity(s, global_step_.value()), DT_INT64);
    return ops::Add(s, read, int64_t{1});
  });
  Output local_step = ops::Identity(scope, step);
  if (indices.valid() && var.is_resource()) {
    return ops::ResourceSparseApplyAdagradDA(scope, var.handle(), g_acc.handle(), gg_acc.handle(), grad, indices, lr,
                                             l1, l2, local_step);
  }
  if (indices.valid()) {
    return ops::SparseApplyAdagradDA(scope, var.ref(), g_acc.ref(), gg_acc.ref(), grad, indices, lr, l1, l2, local_step)
        .op();
  }
  if (var.is_resource()) {
    return ops::ResourceApplyAdagradDA(scope, var.handle(), g_acc.handle(), gg_acc.handle(), grad, lr, l1, l2,
                                       local_step);
  }
  return ops::ApplyAdagradDA(scope, var.ref(), g_acc.ref(), gg_acc.ref(), grad, lr, l1, l2, local_step).op();
}

Variable CreateGlobalStep(const Scope& scope) {
  return Variable(RootScope(scope).WithOpName("global_step"), TensorShape{}, init::Zeros(),
                  DT_INT64, /*trainable=*/false);
}

}  // namespace train
}  // namespace sluice
