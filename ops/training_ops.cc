#include "ops/training_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"
#include "ops/resource_variable_ops.h"

namespace sluice {
namespace {

// Builds an Apply or ResourceApply op: the variables (refs or handles) first, then values
// converted to the variable's dtype (a handle's as shape inference recorded it).
Operation ApplyOp(const Scope& scope, const std::string& op, const std::vector<Output>& refs,
                  const std::vector<const Input*>& values,
                  const std::vector<std::pair<std::string, bool>>& attrs = {}) {
  if (!scope.ok()) return Operation();
  for (const Output& r : refs) {
    if (!r.valid()) return Operation();
  }
  NodeBuilder b(scope, op);
  for (const Output& r : refs) b.Input(r);
  DataType dtype = refs[0].dtype() == DT_RESOURCE ? ops::HandleDtype(refs[0]) : BaseType(refs[0].dtype());
  for (const Input* v : values) b.Input(v->ToOutput(scope, dtype));
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

}  // namespace ops
}  // namespace sluice
