#include "ops/training_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"
#include "ops/resource_variable_ops.h"

namespace sluice {
namespace {

// Builds an Apply or ResourceApply op: the variables (refs or handles) first, then values
// converted to the variable's dtype (a handle's as shape inference recorded it), then
// `int64_value` (AdagradDA's global step) as an int64 when given.
Operation ApplyOp(const Scope& scope, const std::string& op, const std::vector<Output>& refs,
                  const std::vector<const Input*>& values,
                  const std::vector<std::pair<std::string, bool>>& attrs = {},
                  const Input* int64_value = nullptr) {
  if (!scope.ok()) return Operation();
  for (const Output& r : refs) {
    if (!r.valid()) return Operation();
  }
  NodeBuilder b(scope, op);
  for (const Output& r : refs) b.Input(r);
  DataType dtype = refs[0].dtype() == DT_RESOURCE ? ops::HandleDtype(refs[0]) : BaseType(refs[0].dtype());
  for (const Input* v : values) b.Input(v->ToOutput(scope, dtype));
  if (int64_value != nullptr) b.Input(int64_value->ToOutput(scope, DT_INT64));
  for (const auto& [name, value] : attrs) b.Attr(name, value);
  return b.Finalize();
}

}  // namespace

REGISTER_NO_GRADIENT("ApplyGradientDescent");
REGISTER_NO_GRADIENT("ApplyMomentum");
REGISTER_NO_GRADIENT("ApplyAdam");
REGISTER_NO_GRADIENT("ApplyAdagrad");
REGISTER_NO_GRADIENT("ApplyRMSProp");
REGISTER_NO_GRADIENT("ResourceApplyGradientDescent");
REGISTER_NO_GRADIENT("ResourceApplyMomentum");
REGISTER_NO_GRADIENT("ResourceApplyAdam");
REGISTER_NO_GRADIENT("ResourceApplyAdagrad");
REGISTER_NO_GRADIENT("ResourceApplyRMSProp");
REGISTER_NO_GRADIENT("ApplyAdadelta");
REGISTER_NO_GRADIENT("ApplyProximalGradientDescent");
REGISTER_NO_GRADIENT("ApplyProximalAdagrad");
REGISTER_NO_GRADIENT("ApplyAdagradDA");
REGISTER_NO_GRADIENT("ApplyFtrl");
REGISTER_NO_GRADIENT("ApplyFtrlV2");
REGISTER_NO_GRADIENT("ResourceApplyAdadelta");
REGISTER_NO_GRADIENT("ResourceApplyProximalGradientDescent");
REGISTER_NO_GRADIENT("ResourceApplyProximalAdagrad");
REGISTER_NO_GRADIENT("ResourceApplyAdagradDA");
REGISTER_NO_GRADIENT("ResourceApplyFtrl");
REGISTER_NO_GRADIENT("ResourceApplyFtrlV2");
REGISTER_NO_GRADIENT("SparseApplyMomentum");
REGISTER_NO_GRADIENT("ResourceSparseApplyMomentum");
REGISTER_NO_GRADIENT("SparseApplyAdagrad");
REGISTER_NO_GRADIENT("ResourceSparseApplyAdagrad");
REGISTER_NO_GRADIENT("SparseApplyRMSProp");
REGISTER_NO_GRADIENT("ResourceSparseApplyRMSProp");
REGISTER_NO_GRADIENT("SparseApplyAdadelta");
REGISTER_NO_GRADIENT("ResourceSparseApplyAdadelta");
REGISTER_NO_GRADIENT("SparseApplyProximalGradientDescent");
REGISTER_NO_GRADIENT("ResourceSparseApplyProximalGradientDescent");
REGISTER_NO_GRADIENT("SparseApplyProximalAdagrad");
REGISTER_NO_GRADIENT("ResourceSparseApplyProximalAdagrad");
REGISTER_NO_GRADIENT("SparseApplyAdagradDA");
REGISTER_NO_GRADIENT("ResourceSparseApplyAdagradDA");
REGISTER_NO_GRADIENT("SparseApplyFtrl");
REGISTER_NO_GRADIENT("ResourceSparseApplyFtrl");
REGISTER_NO_GRADIENT("SparseApplyFtrlV2");
REGISTER_NO_GRADIENT("ResourceSparseApplyFtrlV2");

namespace ops {

Output ApplyGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                            const Input& delta) {
  return ApplyOp(scope, "ApplyGradientDescent", {var}, {&alpha, &delta});
}

Output ApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                     const Input& grad, const Input& momentum, bool use_nesterov) {
  return ApplyOp(scope, "ApplyMomentum", {var, accum}, {&lr, &grad, &momentum},
                 {{"use_nesterov", use_nesterov}});
}

Output ApplyAdam(const Scope& scope, const Output& var, const Output& m, const Output& v,
                 const Input& beta1_power, const Input& beta2_power, const Input& lr,
                 const Input& beta1, const Input& beta2, const Input& epsilon, const Input& grad,
                 bool use_nesterov) {
  return ApplyOp(scope, "ApplyAdam", {var, m, v},
                 {&beta1_power, &beta2_power, &lr, &beta1, &beta2, &epsilon, &grad},
                 {{"use_nesterov", use_nesterov}});
}

Output ApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                    const Input& grad, bool update_slots) {
  return ApplyOp(scope, "ApplyAdagrad", {var, accum}, {&lr, &grad}, {{"update_slots", update_slots}});
}

Output ApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom,
                    const Input& lr, const Input& rho, const Input& momentum, const Input& epsilon,
                    const Input& grad) {
  return ApplyOp(scope, "ApplyRMSProp", {var, ms, mom}, {&lr, &rho, &momentum, &epsilon, &grad});
}

Operation ResourceApplyGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                                       const Input& delta) {
  return ApplyOp(scope, "ResourceApplyGradientDescent", {var}, {&alpha, &delta});
}

Operation ResourceApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                const Input& grad, const Input& momentum, bool use_nesterov) {
  return ApplyOp(scope, "ResourceApplyMomentum", {var, accum}, {&lr, &grad, &momentum},
                 {{"use_nesterov", use_nesterov}});
}

Operation ResourceApplyAdam(const Scope& scope, const Output& var, const Output& m, const Output& v,
                            const Input& beta1_power, const Input& beta2_power, const Input& lr, const Input& beta1,
                            const Input& beta2, const Input& epsilon, const Input& grad, bool use_nesterov) {
  return ApplyOp(scope, "ResourceApplyAdam", {var, m, v},
                 {&beta1_power, &beta2_power, &lr, &beta1, &beta2, &epsilon, &grad},
                 {{"use_nesterov", use_nesterov}});
}

Operation ResourceApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                               const Input& grad, bool update_slots) {
  return ApplyOp(scope, "ResourceApplyAdagrad", {var, accum}, {&lr, &grad}, {{"update_slots", update_slots}});
}

Operation ResourceApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom,
                               const Input& lr, const Input& rho, const Input& momentum, const Input& epsilon,
                               const Input& grad) {
  return ApplyOp(scope, "ResourceApplyRMSProp", {var, ms, mom}, {&lr, &rho, &momentum, &epsilon, &grad});
}

Output ApplyAdadelta(const Scope& scope, const Output& var, const Output& accum, const Output& accum_update,
                     const Input& lr, const Input& rho, const Input& epsilon, const Input& grad) {
  return ApplyOp(scope, "ApplyAdadelta", {var, accum, accum_update}, {&lr, &rho, &epsilon, &grad});
}

Output ApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha, const Input& l1,
                                    const Input& l2, const Input& delta) {
  return ApplyOp(scope, "ApplyProximalGradientDescent", {var}, {&alpha, &l1, &l2, &delta});
}

Output ApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                            const Input& l1, const Input& l2, const Input& grad) {
  return ApplyOp(scope, "ApplyProximalAdagrad", {var, accum}, {&lr, &l1, &l2, &grad});
}

Output ApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                      const Output& gradient_squared_accumulator, const Input& grad, const Input& lr,
                      const Input& l1, const Input& l2, const Input& global_step) {
  return ApplyOp(scope, "ApplyAdagradDA", {var, gradient_accumulator, gradient_squared_accumulator},
                 {&grad, &lr, &l1, &l2}, {}, &global_step);
}

Output ApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                 const Input& grad, const Input& lr, const Input& l1, const Input& l2, const Input& lr_power,
                 bool multiply_linear_by_lr) {
  return ApplyOp(scope, "ApplyFtrl", {var, accum, linear}, {&grad, &lr, &l1, &l2, &lr_power},
                 {{"multiply_linear_by_lr", multiply_linear_by_lr}});
}

Output ApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                   const Input& grad, const Input& lr, const Input& l1, const Input& l2, const Input& l2_shrinkage,
                   const Input& lr_power, bool multiply_linear_by_lr) {
  return ApplyOp(scope, "ApplyFtrlV2", {var, accum, linear}, {&grad, &lr, &l1, &l2, &l2_shrinkage, &lr_power},
                 {{"multiply_linear_by_lr", multiply_linear_by_lr}});
}

Operation ResourceApplyAdadelta(const Scope& scope, const Output& var, const Output& accum,
                                const Output& accum_update, const Input& lr, const Input& rho,
                                const Input& epsilon, const Input& grad) {
  return ApplyOp(scope, "ResourceApplyAdadelta", {var, accum, accum_update}, {&lr, &rho, &epsilon, &grad});
}

Operation ResourceApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                                               const Input& l1, const Input& l2, const Input& delta) {
  return ApplyOp(scope, "ResourceApplyProximalGradientDescent", {var}, {&alpha, &l1, &l2, &delta});
}

Operation ResourceApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                       const Input& l1, const Input& l2, const Input& grad) {
  return ApplyOp(scope, "ResourceApplyProximalAdagrad", {var, accum}, {&lr, &l1, &l2, &grad});
}

Operation ResourceApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                                 const Output& gradient_squared_accumulator, const Input& grad, const Input& lr,
                                 const Input& l1, const Input& l2, const Input& global_step) {
  return ApplyOp(scope, "ResourceApplyAdagradDA", {var, gradient_accumulator, gradient_squared_accumulator},
                 {&grad, &lr, &l1, &l2}, {}, &global_step);
}

Operation ResourceApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                            const Input& grad, const Input& lr, const Input& l1, const Input& l2,
                            const Input& lr_power, bool multiply_linear_by_lr) {
  return ApplyOp(scope, "ResourceApplyFtrl", {var, accum, linear}, {&grad, &lr, &l1, &l2, &lr_power},
                 {{"multiply_linear_by_lr", multiply_linear_by_lr}});
}

Operation ResourceApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                              const Input& grad, const Input& lr, const Input& l1, const Input& l2,
                              const Input& l2_shrinkage, const Input& lr_power, bool multiply_linear_by_lr) {
  return ApplyOp(scope, "ResourceApplyFtrlV2", {var, accum, linear},
                 {&grad, &lr, &l1, &l2, &l2_shrinkage, &lr_power}, {{"multiply_linear_by_lr", multiply_linear_by_lr}});
}

namespace {

// Builds a SparseApply or ResourceSparseApply op: ApplyOp's inputs with `indices` right after
// values[grad_pos].
Operation SparseApplyOp(const Scope& scope, const std::string& op, const std::vector<Output>& refs,
                        const std::vector<const Input*>& values, size_t grad_pos, const Input& indices,
                        const std::vector<std::pair<std::string, bool>>& attrs = {},
                        const Input* int64_value = nullptr) {
  if (!scope.ok()) return Operation();
  for (const Output& r : refs) {
    if (!r.valid()) return Operation();
  }
  NodeBuilder b(scope, op);
  for (const Output& r : refs) b.Input(r);
  DataType dtype = refs[0].dtype() == DT_RESOURCE ? HandleDtype(refs[0]) : BaseType(refs[0].dtype());
  for (size_t i = 0; i < values.size(); ++i) {
    b.Input(values[i]->ToOutput(scope, dtype));
    if (i == grad_pos) b.Input(indices.ToOutput(scope));
  }
  if (int64_value != nullptr) b.Input(int64_value->ToOutput(scope, DT_INT64));
  for (const auto& [name, value] : attrs) b.Attr(name, value);
  return b.Finalize();
}

}  // namespace

Output SparseApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                           const Input& grad, const Input& indices, const Input& momentum, bool use_nesterov) {
  Operation op = SparseApplyOp(scope, "SparseApplyMomentum", {var, accum}, {&lr, &grad, &momentum}, 1, indices,
                               {{"use_nesterov", use_nesterov}});
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyMomentum(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                      const Input& grad, const Input& indices, const Input& momentum,
                                      bool use_nesterov) {
  return SparseApplyOp(scope, "ResourceSparseApplyMomentum", {var, accum}, {&lr, &grad, &momentum}, 1, indices,
                       {{"use_nesterov", use_nesterov}});
}

Output SparseApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                          const Input& grad, const Input& indices, bool update_slots) {
  Operation op = SparseApplyOp(scope, "SparseApplyAdagrad", {var, accum}, {&lr, &grad}, 1, indices,
                               {{"update_slots", update_slots}});
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                     const Input& grad, const Input& indices, bool update_slots) {
  return SparseApplyOp(scope, "ResourceSparseApplyAdagrad", {var, accum}, {&lr, &grad}, 1, indices,
                       {{"update_slots", update_slots}});
}

Output SparseApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom, const Input& lr,
                          const Input& rho, const Input& momentum, const Input& epsilon, const Input& grad,
                          const Input& indices) {
  Operation op =
      SparseApplyOp(scope, "SparseApplyRMSProp", {var, ms, mom}, {&lr, &rho, &momentum, &epsilon, &grad}, 4, indices);
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyRMSProp(const Scope& scope, const Output& var, const Output& ms, const Output& mom,
                                     const Input& lr, const Input& rho, const Input& momentum, const Input& epsilon,
                                     const Input& grad, const Input& indices) {
  return SparseApplyOp(scope, "ResourceSparseApplyRMSProp", {var, ms, mom}, {&lr, &rho, &momentum, &epsilon, &grad}, 4,
                       indices);
}

Output SparseApplyAdadelta(const Scope& scope, const Output& var, const Output& accum, const Output& accum_update,
                           const Input& lr, const Input& rho, const Input& epsilon, const Input& grad,
                           const Input& indices) {
  Operation op =
      SparseApplyOp(scope, "SparseApplyAdadelta", {var, accum, accum_update}, {&lr, &rho, &epsilon, &grad}, 3, indices);
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyAdadelta(const Scope& scope, const Output& var, const Output& accum,
                                      const Output& accum_update, const Input& lr, const Input& rho,
                                      const Input& epsilon, const Input& grad, const Input& indices) {
  return SparseApplyOp(scope, "ResourceSparseApplyAdadelta", {var, accum, accum_update}, {&lr, &rho, &epsilon, &grad},
                       3, indices);
}

Output SparseApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha, const Input& l1,
                                          const Input& l2, const Input& grad, const Input& indices) {
  Operation op =
      SparseApplyOp(scope, "SparseApplyProximalGradientDescent", {var}, {&alpha, &l1, &l2, &grad}, 3, indices);
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyProximalGradientDescent(const Scope& scope, const Output& var, const Input& alpha,
                                                     const Input& l1, const Input& l2, const Input& grad,
                                                     const Input& indices) {
  return SparseApplyOp(scope, "ResourceSparseApplyProximalGradientDescent", {var}, {&alpha, &l1, &l2, &grad}, 3,
                       indices);
}

Output SparseApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum, const Input& lr,
                                  const Input& l1, const Input& l2, const Input& grad, const Input& indices) {
  Operation op = SparseApplyOp(scope, "SparseApplyProximalAdagrad", {var, accum}, {&lr, &l1, &l2, &grad}, 3, indices);
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyProximalAdagrad(const Scope& scope, const Output& var, const Output& accum,
                                             const Input& lr, const Input& l1, const Input& l2, const Input& grad,
                                             const Input& indices) {
  return SparseApplyOp(scope, "ResourceSparseApplyProximalAdagrad", {var, accum}, {&lr, &l1, &l2, &grad}, 3, indices);
}

Output SparseApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                            const Output& gradient_squared_accumulator, const Input& grad, const Input& indices,
                            const Input& lr, const Input& l1, const Input& l2, const Input& global_step) {
  Operation op = SparseApplyOp(scope, "SparseApplyAdagradDA", {var, gradient_accumulator, gradient_squared_accumulator},
                               {&grad, &lr, &l1, &l2}, 0, indices, {}, &global_step);
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyAdagradDA(const Scope& scope, const Output& var, const Output& gradient_accumulator,
                                       const Output& gradient_squared_accumulator, const Input& grad,
                                       const Input& indices, const Input& lr, const Input& l1, const Input& l2,
                                       const Input& global_step) {
  return SparseApplyOp(scope, "ResourceSparseApplyAdagradDA", {var, gradient_accumulator, gradient_squared_accumulator},
                       {&grad, &lr, &l1, &l2}, 0, indices, {}, &global_step);
}

Output SparseApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                       const Input& grad, const Input& indices, const Input& lr, const Input& l1, const Input& l2,
                       const Input& lr_power, bool multiply_linear_by_lr) {
  Operation op = SparseApplyOp(scope, "SparseApplyFtrl", {var, accum, linear}, {&grad, &lr, &l1, &l2, &lr_power}, 0,
                               indices, {{"multiply_linear_by_lr", multiply_linear_by_lr}});
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyFtrl(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                                  const Input& grad, const Input& indices, const Input& lr, const Input& l1,
                                  const Input& l2, const Input& lr_power, bool multiply_linear_by_lr) {
  return SparseApplyOp(scope, "ResourceSparseApplyFtrl", {var, accum, linear}, {&grad, &lr, &l1, &l2, &lr_power}, 0,
                       indices, {{"multiply_linear_by_lr", multiply_linear_by_lr}});
}

Output SparseApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                         const Input& grad, const Input& indices, const Input& lr, const Input& l1, const Input& l2,
                         const Input& l2_shrinkage, const Input& lr_power, bool multiply_linear_by_lr) {
  Operation op =
      SparseApplyOp(scope, "SparseApplyFtrlV2", {var, accum, linear}, {&grad, &lr, &l1, &l2, &l2_shrinkage, &lr_power},
                    0, indices, {{"multiply_linear_by_lr", multiply_linear_by_lr}});
  return op.valid() ? op.output(0) : Output();
}

Operation ResourceSparseApplyFtrlV2(const Scope& scope, const Output& var, const Output& accum, const Output& linear,
                                    const Input& grad, const Input& indices, const Input& lr, const Input& l1,
                                    const Input& l2, const Input& l2_shrinkage, const Input& lr_power,
                                    bool multiply_linear_by_lr) {
  return SparseApplyOp(scope, "ResourceSparseApplyFtrlV2", {var, accum, linear},
                       {&grad, &lr, &l1, &l2, &l2_shrinkage, &lr_power}, 0, indices,
                       {{"multiply_linear_by_lr", multiply_linear_by_lr}});
}

}  // namespace ops
}  // namespace sluice
