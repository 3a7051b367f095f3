// Apply* (training) op schemas and shape functions (the client builders are in ops/training_ops.cc).
#include "core/op_registry.h"

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

}  // namespace sluice
