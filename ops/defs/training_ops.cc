// Apply* and ResourceApply* (training) op schemas and shape functions (the client builders are in
// ops/training_ops.cc). The ResourceApply* ops take the variable and its slots as resource
// handles (a VarHandleOp's) instead of refs, in the same input order, and have no outputs.
#include "core/op_registry.h"

namespace sluice {
namespace {

// One input of an Apply op for shape checking: shaped like the variable, or a scalar.
struct ApplyArg {
  const char* name;
  bool scalar;
};

// The shape of a variable-like input: a ref's own, or what a resource handle records.
StatusOr<TensorShape> VariableLikeShape(InferenceContext* c, int i) {
  if (c->input_type(i) != DT_RESOURCE) return c->input(i);
  const HandleShapeAndType* handle = c->input_handle_shape_and_type(i);
  if (handle == nullptr) return TensorShape::UnknownRank();
  DataType dtype;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("T", &dtype));
  if (handle->dtype != dtype) {
    return errors::InvalidArgument("the variable is ", DataTypeString(handle->dtype), ", but T is ",
                                   DataTypeString(dtype));
  }
  return handle->shape;
}

// Inputs shaped like the variable must match it; hyperparameters must be scalars.
ShapeFn ApplyShape(std::vector<ApplyArg> args) {
  return [args = std::move(args)](InferenceContext* c) -> Status {
    SLUICE_ASSIGN_OR_RETURN(TensorShape var, VariableLikeShape(c, 0));
    for (int i = 1; i < static_cast<int>(args.size()); ++i) {
      SLUICE_ASSIGN_OR_RETURN(const TensorShape s,
                              args[i].scalar ? StatusOr<TensorShape>(c->input(i)) : VariableLikeShape(c, i));
      if (args[i].scalar) {
        if (s.rank() > 0) {
          return errors::InvalidArgument(args[i].name, " must be a scalar, got shape ", s.DebugString());
        }
        continue;
      }
      auto merged = var.Merge(s);
      if (!merged.ok()) {
        return errors::InvalidArgument(args[0].name, " shape ", var.DebugString(), " and ",
                                       args[i].name, " shape ", s.DebugString(), " must match");
      }
      var = *merged;
    }
    if (c->num_outputs() > 0) c->set_output(0, var);
    return absl::OkStatus();
  };
}

// SparseApply*: the variable-like inputs match the variable, grad is [n] + var.shape[1:] for the
// vector indices of length n, the others are scalars. kinds: 'v' variable-like, 's' scalar,
// 'g' grad, 'i' indices.
ShapeFn SparseApplyShape(std::string kinds) {
  return [kinds = std::move(kinds)](InferenceContext* c) -> Status {
    const OpRegistrationData* reg = OpRegistry::Global()->LookUp(c->node().op());
    auto arg = [&](int i) -> std::string {
      if (reg != nullptr && i < reg->op_def.input_arg_size()) return reg->op_def.input_arg(i).name();
      return absl::StrCat("input ", i);
    };
    SLUICE_ASSIGN_OR_RETURN(TensorShape var, VariableLikeShape(c, 0));
    int grad = -1, indices = -1;
    for (int i = 1; i < static_cast<int>(kinds.size()); ++i) {
      if (kinds[i] == 'g') grad = i;
      if (kinds[i] == 'i') indices = i;
      if (kinds[i] == 's' && c->input(i).rank() > 0) {
        return errors::InvalidArgument(arg(i), " must be a scalar, got shape ", c->input(i).DebugString());
      }
      if (kinds[i] != 'v') continue;
      SLUICE_ASSIGN_OR_RETURN(const TensorShape slot, VariableLikeShape(c, i));
      auto merged = var.Merge(slot);
      if (!merged.ok()) {
        return errors::InvalidArgument("var shape ", var.DebugString(), " and ", arg(i), " shape ",
                                       slot.DebugString(), " must match");
      }
      var = *merged;
    }
    SLUICE_ASSIGN_OR_RETURN(TensorShape idx, c->WithRank(indices, 1));
    const TensorShape& g = c->input(grad);
    if (!g.unknown_rank() && !var.unknown_rank()) {
      TensorShape expected(idx.dims());
      for (int d = 1; d < var.rank(); ++d) expected.AddDim(var.dim(d));
      if (var.rank() < 1 || !expected.IsCompatibleWith(g)) {
        return errors::InvalidArgument("grad shape ", g.DebugString(),
                                       " must be indices.shape + var.shape[1:] = ", expected.DebugString(),
                                       " (var shape ", var.DebugString(), ")");
      }
    }
    if (c->num_outputs() > 0) c->set_output(0, var);
    return absl::OkStatus();
  };
}

}  // namespace

REGISTER_OP("ApplyGradientDescent")
    .Input("var: Ref(T)")
    .Input("alpha: T")
    .Input("delta: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"alpha", true}, {"delta", false}}))
    .Doc("var -= alpha * delta.");

REGISTER_OP("ApplyMomentum")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("lr: T")
    .Input("grad: T")
    .Input("momentum: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"lr", true}, {"grad", false},
                            {"momentum", true}}))
    .Doc("Momentum update (optionally Nesterov).");

REGISTER_OP("ApplyAdam")
    .Input("var: Ref(T)")
    .Input("m: Ref(T)")
    .Input("v: Ref(T)")
    .Input("beta1_power: T")
    .Input("beta2_power: T")
    .Input("lr: T")
    .Input("beta1: T")
    .Input("beta2: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"m", false}, {"v", false}, {"beta1_power", true},
                            {"beta2_power", true}, {"lr", true}, {"beta1", true}, {"beta2", true},
                            {"epsilon", true}, {"grad", false}}))
    .Doc("Adam update.");

REGISTER_OP("ApplyAdagrad")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("lr: T")
    .Input("grad: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("update_slots: bool = true")
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"lr", true}, {"grad", false}}))
    .Doc("Adagrad update.");

REGISTER_OP("ApplyRMSProp")
    .Input("var: Ref(T)")
    .Input("ms: Ref(T)")
    .Input("mom: Ref(T)")
    .Input("lr: T")
    .Input("rho: T")
    .Input("momentum: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"ms", false}, {"mom", false}, {"lr", true},
                            {"rho", true}, {"momentum", true}, {"epsilon", true}, {"grad", false}}))
    .Doc("RMSProp update.");

REGISTER_OP("ResourceApplyGradientDescent")
    .Input("var: resource")
    .Input("alpha: T")
    .Input("delta: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"alpha", true}, {"delta", false}}))
    .Doc("var -= alpha * delta, var a resource variable.");

REGISTER_OP("ResourceApplyMomentum")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("grad: T")
    .Input("momentum: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"lr", true}, {"grad", false},
                            {"momentum", true}}))
    .Doc("Momentum update (optionally Nesterov) of resource variables.");

REGISTER_OP("ResourceApplyAdam")
    .Input("var: resource")
    .Input("m: resource")
    .Input("v: resource")
    .Input("beta1_power: T")
    .Input("beta2_power: T")
    .Input("lr: T")
    .Input("beta1: T")
    .Input("beta2: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"m", false}, {"v", false}, {"beta1_power", true},
                            {"beta2_power", true}, {"lr", true}, {"beta1", true}, {"beta2", true},
                            {"epsilon", true}, {"grad", false}}))
    .Doc("Adam update of resource variables.");

REGISTER_OP("ResourceApplyAdagrad")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("update_slots: bool = true")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"lr", true}, {"grad", false}}))
    .Doc("Adagrad update of resource variables.");

REGISTER_OP("ResourceApplyRMSProp")
    .Input("var: resource")
    .Input("ms: resource")
    .Input("mom: resource")
    .Input("lr: T")
    .Input("rho: T")
    .Input("momentum: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"ms", false}, {"mom", false}, {"lr", true},
                            {"rho", true}, {"momentum", true}, {"epsilon", true}, {"grad", false}}))
    .Doc("RMSProp update of resource variables.");

REGISTER_OP("ApplyAdadelta")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("accum_update: Ref(T)")
    .Input("lr: T")
    .Input("rho: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"accum_update", false}, {"lr", true},
                            {"rho", true}, {"epsilon", true}, {"grad", false}}))
    .Doc("accum = rho * accum + (1 - rho) * grad^2; update = sqrt(accum_update + epsilon) / sqrt(accum + "
         "epsilon) * grad; var -= lr * update; accum_update = rho * accum_update + (1 - rho) * update^2.");

REGISTER_OP("ApplyProximalGradientDescent")
    .Input("var: Ref(T)")
    .Input("alpha: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("delta: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"alpha", true}, {"l1", true}, {"l2", true}, {"delta", false}}))
    .Doc("prox_v = var - alpha * delta; var = sign(prox_v) * max(|prox_v| - alpha * l1, 0) / (1 + alpha * "
         "l2).");

REGISTER_OP("ApplyProximalAdagrad")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("grad: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"lr", true}, {"l1", true}, {"l2", true},
                            {"grad", false}}))
    .Doc("accum += grad^2; lr_t = lr / sqrt(accum); prox_v = var - lr_t * grad; var = sign(prox_v) * "
         "max(|prox_v| - lr_t * l1, 0) / (1 + lr_t * l2).");

REGISTER_OP("ApplyAdagradDA")
    .Input("var: Ref(T)")
    .Input("gradient_accumulator: Ref(T)")
    .Input("gradient_squared_accumulator: Ref(T)")
    .Input("grad: T")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("global_step: int64")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"gradient_accumulator", false},
                            {"gradient_squared_accumulator", false}, {"grad", false}, {"lr", true},
                            {"l1", true}, {"l2", true}, {"global_step", true}}))
    .Doc("g += grad; gg += grad^2; var = -sign(g) * lr * max(|g| - l1 * global_step, 0) / (l2 * global_step "
         "* lr + sqrt(gg)).");

REGISTER_OP("ApplyFtrl")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("linear: Ref(T)")
    .Input("grad: T")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("lr_power: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"linear", false}, {"grad", false},
                            {"lr", true}, {"l1", true}, {"l2", true}, {"lr_power", true}}))
    .Doc("accum_new = accum + grad^2; linear += grad - (accum_new^(-lr_power) - accum^(-lr_power)) / lr * "
         "var; quadratic = accum_new^(-lr_power) / lr + 2 * l2; var = (sign(linear) * l1 - linear) / "
         "quadratic if |linear| > l1 else 0; accum = accum_new.");

REGISTER_OP("ApplyFtrlV2")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("linear: Ref(T)")
    .Input("grad: T")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("l2_shrinkage: T")
    .Input("lr_power: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"linear", false}, {"grad", false},
                            {"lr", true}, {"l1", true}, {"l2", true}, {"l2_shrinkage", true},
                            {"lr_power", true}}))
    .Doc("As ApplyFtrl, with linear += grad_with_shrinkage - ..., where grad_with_shrinkage = grad + 2 * "
         "l2_shrinkage * var (accum still adds grad^2).");

REGISTER_OP("ResourceApplyAdadelta")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("accum_update: resource")
    .Input("lr: T")
    .Input("rho: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"accum_update", false}, {"lr", true},
                            {"rho", true}, {"epsilon", true}, {"grad", false}}))
    .Doc("accum = rho * accum + (1 - rho) * grad^2; update = sqrt(accum_update + epsilon) / sqrt(accum + "
         "epsilon) * grad; var -= lr * update; accum_update = rho * accum_update + (1 - rho) * update^2. Of "
         "resource variables.");

REGISTER_OP("ResourceApplyProximalGradientDescent")
    .Input("var: resource")
    .Input("alpha: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("delta: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"alpha", true}, {"l1", true}, {"l2", true}, {"delta", false}}))
    .Doc("prox_v = var - alpha * delta; var = sign(prox_v) * max(|prox_v| - alpha * l1, 0) / (1 + alpha * "
         "l2). Of resource variables.");

REGISTER_OP("ResourceApplyProximalAdagrad")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("grad: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"lr", true}, {"l1", true}, {"l2", true},
                            {"grad", false}}))
    .Doc("accum += grad^2; lr_t = lr / sqrt(accum); prox_v = var - lr_t * grad; var = sign(prox_v) * "
         "max(|prox_v| - lr_t * l1, 0) / (1 + lr_t * l2). Of resource variables.");

REGISTER_OP("ResourceApplyAdagradDA")
    .Input("var: resource")
    .Input("gradient_accumulator: resource")
    .Input("gradient_squared_accumulator: resource")
    .Input("grad: T")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("global_step: int64")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"gradient_accumulator", false},
                            {"gradient_squared_accumulator", false}, {"grad", false}, {"lr", true},
                            {"l1", true}, {"l2", true}, {"global_step", true}}))
    .Doc("g += grad; gg += grad^2; var = -sign(g) * lr * max(|g| - l1 * global_step, 0) / (l2 * global_step "
         "* lr + sqrt(gg)). Of resource variables.");

REGISTER_OP("ResourceApplyFtrl")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("linear: resource")
    .Input("grad: T")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("lr_power: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"linear", false}, {"grad", false},
                            {"lr", true}, {"l1", true}, {"l2", true}, {"lr_power", true}}))
    .Doc("accum_new = accum + grad^2; linear += grad - (accum_new^(-lr_power) - accum^(-lr_power)) / lr * "
         "var; quadratic = accum_new^(-lr_power) / lr + 2 * l2; var = (sign(linear) * l1 - linear) / "
         "quadratic if |linear| > l1 else 0; accum = accum_new. Of resource variables.");

REGISTER_OP("ResourceApplyFtrlV2")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("linear: resource")
    .Input("grad: T")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("l2_shrinkage: T")
    .Input("lr_power: T")
    .Attr("T: {float, double}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetIsStateful()
    .SetShapeFn(ApplyShape({{"var", false}, {"accum", false}, {"linear", false}, {"grad", false},
                            {"lr", true}, {"l1", true}, {"l2", true}, {"l2_shrinkage", true},
                            {"lr_power", true}}))
    .Doc("As ApplyFtrl, with linear += grad_with_shrinkage - ..., where grad_with_shrinkage = grad + 2 * "
         "l2_shrinkage * var (accum still adds grad^2). Of resource variables.");

// ---- SparseApply*, ResourceSparseApply* ----------------------------------------------------------
// TF's sparse updates: the dense rule applied to the rows indices[k] of the variable and its
// slots with the gradient row grad[k], one index after another (a duplicate index is updated
// twice; the optimizers sum duplicates first where TF does). Untouched rows stay as they are.

REGISTER_OP("SparseApplyMomentum")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("lr: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("momentum: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetShapeFn(SparseApplyShape("vvsgis"))
    .Doc(
        "accum[i] = momentum * accum[i] + grad; var[i] -= lr * accum[i] (Nesterov: var[i] -= lr * grad + lr * momentum "
        "* accum[i]) for each row i = indices[k].");

REGISTER_OP("ResourceSparseApplyMomentum")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("momentum: T")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("use_nesterov: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvsgis"))
    .Doc(
        "accum[i] = momentum * accum[i] + grad; var[i] -= lr * accum[i] (Nesterov: var[i] -= lr * grad + lr * momentum "
        "* accum[i]) for each row i = indices[k]. Resource variables.");

REGISTER_OP("SparseApplyAdagrad")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("lr: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("update_slots: bool = true")
    .SetShapeFn(SparseApplyShape("vvsgi"))
    .Doc("accum[i] += grad^2; var[i] -= lr * grad / sqrt(accum[i]) for each row i = indices[k].");

REGISTER_OP("ResourceSparseApplyAdagrad")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("update_slots: bool = true")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvsgi"))
    .Doc("accum[i] += grad^2; var[i] -= lr * grad / sqrt(accum[i]) for each row i = indices[k]. Resource variables.");

REGISTER_OP("SparseApplyRMSProp")
    .Input("var: Ref(T)")
    .Input("ms: Ref(T)")
    .Input("mom: Ref(T)")
    .Input("lr: T")
    .Input("rho: T")
    .Input("momentum: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(SparseApplyShape("vvvssssgi"))
    .Doc(
        "ms[i] = rho * ms[i] + (1 - rho) * grad^2; mom[i] = momentum * mom[i] + lr * grad / sqrt(ms[i] + epsilon); "
        "var[i] -= mom[i] for each row i = indices[k].");

REGISTER_OP("ResourceSparseApplyRMSProp")
    .Input("var: resource")
    .Input("ms: resource")
    .Input("mom: resource")
    .Input("lr: T")
    .Input("rho: T")
    .Input("momentum: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvvssssgi"))
    .Doc(
        "ms[i] = rho * ms[i] + (1 - rho) * grad^2; mom[i] = momentum * mom[i] + lr * grad / sqrt(ms[i] + epsilon); "
        "var[i] -= mom[i] for each row i = indices[k]. Resource variables.");

REGISTER_OP("SparseApplyAdadelta")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("accum_update: Ref(T)")
    .Input("lr: T")
    .Input("rho: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(SparseApplyShape("vvvsssgi"))
    .Doc("ApplyAdadelta's update of the rows indices[k] by grad[k].");

REGISTER_OP("ResourceSparseApplyAdadelta")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("accum_update: resource")
    .Input("lr: T")
    .Input("rho: T")
    .Input("epsilon: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvvsssgi"))
    .Doc("ApplyAdadelta's update of the rows indices[k] by grad[k]. Resource variables.");

REGISTER_OP("SparseApplyProximalGradientDescent")
    .Input("var: Ref(T)")
    .Input("alpha: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(SparseApplyShape("vsssgi"))
    .Doc("ApplyProximalGradientDescent's update of the rows indices[k] by grad[k].");

REGISTER_OP("ResourceSparseApplyProximalGradientDescent")
    .Input("var: resource")
    .Input("alpha: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vsssgi"))
    .Doc("ApplyProximalGradientDescent's update of the rows indices[k] by grad[k]. Resource variables.");

REGISTER_OP("SparseApplyProximalAdagrad")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(SparseApplyShape("vvsssgi"))
    .Doc("ApplyProximalAdagrad's update of the rows indices[k] by grad[k].");

REGISTER_OP("ResourceSparseApplyProximalAdagrad")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvsssgi"))
    .Doc("ApplyProximalAdagrad's update of the rows indices[k] by grad[k]. Resource variables.");

REGISTER_OP("SparseApplyAdagradDA")
    .Input("var: Ref(T)")
    .Input("gradient_accumulator: Ref(T)")
    .Input("gradient_squared_accumulator: Ref(T)")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("global_step: int64")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(SparseApplyShape("vvvgissss"))
    .Doc("ApplyAdagradDA's update of the rows indices[k] by grad[k].");

REGISTER_OP("ResourceSparseApplyAdagradDA")
    .Input("var: resource")
    .Input("gradient_accumulator: resource")
    .Input("gradient_squared_accumulator: resource")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("global_step: int64")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvvgissss"))
    .Doc("ApplyAdagradDA's update of the rows indices[k] by grad[k]. Resource variables.");

REGISTER_OP("SparseApplyFtrl")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("linear: Ref(T)")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("lr_power: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetShapeFn(SparseApplyShape("vvvgissss"))
    .Doc("ApplyFtrl's update of the rows indices[k] by grad[k].");

REGISTER_OP("ResourceSparseApplyFtrl")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("linear: resource")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("lr_power: T")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvvgissss"))
    .Doc("ApplyFtrl's update of the rows indices[k] by grad[k]. Resource variables.");

REGISTER_OP("SparseApplyFtrlV2")
    .Input("var: Ref(T)")
    .Input("accum: Ref(T)")
    .Input("linear: Ref(T)")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("l2_shrinkage: T")
    .Input("lr_power: T")
    .Output("out: Ref(T)")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetShapeFn(SparseApplyShape("vvvgisssss"))
    .Doc("ApplyFtrlV2's update of the rows indices[k] by grad[k].");

REGISTER_OP("ResourceSparseApplyFtrlV2")
    .Input("var: resource")
    .Input("accum: resource")
    .Input("linear: resource")
    .Input("grad: T")
    .Input("indices: Tindices")
    .Input("lr: T")
    .Input("l1: T")
    .Input("l2: T")
    .Input("l2_shrinkage: T")
    .Input("lr_power: T")
    .Attr("T: {float, double}")
    .Attr("Tindices: {int32, int64}")
    .Attr("use_locking: bool = false")
    .Attr("multiply_linear_by_lr: bool = false")
    .SetIsStateful()
    .SetShapeFn(SparseApplyShape("vvvgisssss"))
    .Doc("ApplyFtrlV2's update of the rows indices[k] by grad[k]. Resource variables.");

}  // namespace sluice
