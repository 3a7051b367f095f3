#include "ops/training_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"

namespace sluice {
namespace {

// One input of an Apply op for shape checking: shaped like the variable, or a scalar.
struct ApplyArg {
  const char* name;
  bool scalar;
};

// Inputs shaped like the variable must match it; hyperparameters must be scalars.
ShapeFn ApplyShape(std::vector<ApplyArg> args) {
  return [args = std::move(args)](InferenceContext* c) -> Status {
    TensorShape var = c->input(0);
    for (int i = 1; i < static_cast<int>(args.size()); ++i) {
      const TensorShape& s = c->input(i);
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
    c->set_output(0, var);
    return absl::OkStatus();
  };
}

// Builds an Apply op: ref inputs first, then values converted to the variable's dtype.
Output ApplyOp(const Scope& scope, const std::string& op, const std::vector<Output>& refs,
               const std::vector<const Input*>& values,
               const std::vector<std::pair<std::string, bool>>& attrs = {}) {
  if (!scope.ok()) return Output();
  for (const Output& r : refs) {
    if (!r.valid()) return Output();
  }
  NodeBuilder b(scope, op);
  for (const Output& r : refs) b.Input(r);
  DataType dtype = BaseType(refs[0].dtype());
  for (const Input* v : values) b.Input(v->ToOutput(scope, dtype));
  for (const auto& [name, value] : attrs) b.Attr(name, value);
  return b.Finalize();
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

REGISTER_NO_GRADIENT("ApplyGradientDescent");
REGISTER_NO_GRADIENT("ApplyMomentum");
REGISTER_NO_GRADIENT("ApplyAdam");
REGISTER_NO_GRADIENT("ApplyAdagrad");
REGISTER_NO_GRADIENT("ApplyRMSProp");

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

}  // namespace ops
}  // namespace sluice
