// Elementwise math op schemas, shape functions, gradients and client builders: binary arithmetic
// with broadcasting, unary functions, comparisons and logic, Cast, Select, AddN and the helpers
// of gradients (BroadcastGradientArgs, Range). Reductions live in reduction_ops.cc, MatMul in
// matmul_op.cc.
#include "ops/math_ops.h"

#include <optional>

#include "core/op_registry.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"

namespace sluice {
namespace {

// ---- Gradients -------------------------------------------------------------------------------

// The axes of the broadcast shape over which the gradient of an operand of shape `target` must
// be summed, when the shapes of the operands tell them while building; nullopt when only the
// run-time shapes can. Summing over an axis of size 1 is harmless, so an operand dim of 1 is
// reduced unless every other operand's dim is known to be 1 too; an unknown operand dim is
// not reduced only when every other operand's dim is known to be 1 there.
std::optional<std::vector<int>> StaticReductionAxes(const TensorShape& target,
                                                    const std::vector<TensorShape>& others) {
  if (target.unknown_rank()) return std::nullopt;
  int rank = target.rank();
  for (const TensorShape& o : others) {
    if (o.unknown_rank()) return std::nullopt;
    rank = std::max(rank, o.rank());
  }
  auto dim_at = [rank](const TensorShape& s, int i) -> int64_t {
    int k = i - (rank - s.rank());
    return k < 0 ? 1 : s.dim(k);
  };
  std::vector<int> axes;
  for (int i = 0; i < rank; ++i) {
    bool others_one = true;
    for (const TensorShape& o : others) others_one &= dim_at(o, i) == 1;
    const bool padded = i < rank - target.rank();
    const int64_t d = dim_at(target, i);
    if (padded || (d == 1 && !others_one)) {
      axes.push_back(i);
    } else if (d == -1 && !others_one) {
      return std::nullopt;
    }
  }
  return axes;
}

// Sums `grad`, shaped like the broadcast of `target` with operands of shapes `others`, back to
// target's shape. `dynamic_axes` builds the reduction axes from run-time shapes and is called
// only when the static shapes do not tell them.
Output SumToShape(const Scope& s, const Output& grad, const Output& target,
                  const std::vector<TensorShape>& others,
                  const std::function<Output()>& dynamic_axes) {
  const TensorShape& shape = target.shape();
  std::optional<std::vector<int>> axes = StaticReductionAxes(shape, others);
  if (!axes) return ops::Reshape(s, ops::Sum(s, grad, dynamic_axes()), ops::Shape(s, target));
  if (axes->empty()) return grad;
  Tensor axes_t = Tensor::FromVector(std::vector<int32_t>(axes->begin(), axes->end()));
  int out_rank = shape.rank();
  for (const TensorShape& o : others) out_rank = std::max(out_rank, o.rank());
  if (shape.rank() == out_rank) return ops::Sum(s, grad, axes_t, /*keep_dims=*/true);
  Output summed = ops::Sum(s, grad, axes_t);
  // Dropping the reduced axes leaves target's shape unless target has reduced axes of its own.
  bool own_axis = axes->back() >= out_rank - shape.rank();
  if (!own_axis) return summed;
  if (shape.IsFullyDefined()) {
    return ops::Reshape(s, summed, Tensor::FromVector(std::vector<int64_t>(shape.dims().begin(),
                                                                           shape.dims().end())));
  }
  return ops::Reshape(s, summed, ops::Shape(s, target));
}

// Reduces the broadcast gradients gx and gy of a binary op back to the shapes of its inputs.
void ReduceBinaryGrads(const Scope& s, const Operation& op, const Output& gx, const Output& gy,
                       std::vector<Output>* dx) {
  Output x = op.input(0), y = op.input(1);
  if (x.endpoint() == y.endpoint()) {  // one tensor twice (x * x): nothing was broadcast
    dx->push_back(gx);
    dx->push_back(gy);
    return;
  }
  std::optional<ops::BroadcastGradientArgsOutput> args;
  auto dynamic = [&](int which) {
    return [&, which]() -> Output {
      if (!args) args = ops::BroadcastGradientArgs(s, ops::Shape(s, x), ops::Shape(s, y));
      return which == 0 ? args->r0 : args->r1;
    };
  };
  dx->push_back(gx.valid() ? SumToShape(s, gx, x, {y.shape()}, dynamic(0)) : Output());
  dx->push_back(gy.valid() ? SumToShape(s, gy, y, {x.shape()}, dynamic(1)) : Output());
}

using Grads = std::vector<Output>;

Status AddGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  ReduceBinaryGrads(s, op, dy[0], dy[0], dx);
  return s.status();
}

Status SubGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  ReduceBinaryGrads(s, op, dy[0], ops::Neg(s, dy[0]), dx);
  return s.status();
}

Status MulGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  ReduceBinaryGrads(s, op, ops::Mul(s, dy[0], op.input(1)), ops::Mul(s, op.input(0), dy[0]), dx);
  return s.status();
}

Status DivGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0), y = op.input(1);
  Output gy = ops::Mul(s, dy[0], ops::RealDiv(s, ops::RealDiv(s, ops::Neg(s, x), y), y));
  ReduceBinaryGrads(s, op, ops::RealDiv(s, dy[0], y), gy, dx);
  return s.status();
}

// Maximum and Minimum send the gradient to x where x wins (ties included), else to y.
Status MaxMinGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx, bool is_max) {
  Output x = op.input(0), y = op.input(1);
  Output x_wins = is_max ? ops::GreaterEqual(s, x, y) : ops::LessEqual(s, x, y);
  Output zeros = ops::ZerosLike(s, dy[0]);
  ReduceBinaryGrads(s, op, ops::SelectV2(s, x_wins, dy[0], zeros),
                    ops::SelectV2(s, x_wins, zeros, dy[0]), dx);
  return s.status();
}

Status MaximumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  return MaxMinGrad(s, op, dy, dx, /*is_max=*/true);
}

Status MinimumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  return MaxMinGrad(s, op, dy, dx, /*is_max=*/false);
}

Status SquaredDifferenceGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output g = ops::Mul(s, ops::Mul(s, dy[0], 2.0), ops::Sub(s, op.input(0), op.input(1)));
  ReduceBinaryGrads(s, op, g, ops::Neg(s, g), dx);
  return s.status();
}

REGISTER_GRADIENT("Add", AddGrad);
REGISTER_GRADIENT("AddV2", AddGrad);
REGISTER_GRADIENT("Sub", SubGrad);
REGISTER_GRADIENT("Mul", MulGrad);
REGISTER_GRADIENT("Div", DivGrad);
REGISTER_GRADIENT("RealDiv", DivGrad);
REGISTER_GRADIENT("Maximum", MaximumGrad);
REGISTER_GRADIENT("Minimum", MinimumGrad);
REGISTER_GRADIENT("SquaredDifference", SquaredDifferenceGrad);

// Unary ops: d/dx f(x) = grad * f'(x), written with the op's input x and output y.
#define SLUICE_UNARY_GRAD(op_name, expr)                                                   \
  REGISTER_GRADIENT(op_name, [](const Scope& s, const Operation& op, const Grads& dy,     \
                                Grads* dx) {                                               \
    [[maybe_unused]] Output x = op.input(0), y = op.output(0), g = dy[0];                  \
    dx->push_back(expr);                                                                   \
    return s.status();                                                                     \
  })

SLUICE_UNARY_GRAD("Neg", ops::Neg(s, g));
SLUICE_UNARY_GRAD("Abs", ops::Mul(s, g, ops::Sign(s, x)));
SLUICE_UNARY_GRAD("Square", ops::Mul(s, g, ops::Mul(s, x, 2.0)));
SLUICE_UNARY_GRAD("Exp", ops::Mul(s, g, y));
SLUICE_UNARY_GRAD("Log", ops::Mul(s, g, ops::Reciprocal(s, x)));
SLUICE_UNARY_GRAD("Sqrt", ops::SqrtGrad(s, y, g));
SLUICE_UNARY_GRAD("Rsqrt", ops::RsqrtGrad(s, y, g));
SLUICE_UNARY_GRAD("Reciprocal", ops::ReciprocalGrad(s, y, g));
SLUICE_UNARY_GRAD("Sigmoid", ops::SigmoidGrad(s, y, g));
SLUICE_UNARY_GRAD("Tanh", ops::TanhGrad(s, y, g));
#undef SLUICE_UNARY_GRAD

// The *Grad ops z = f(a, b) with a = y of the forward op and b = its incoming gradient.
#define SLUICE_UNARY_GRAD_GRAD(op_name, grad_a, grad_b)                                    \
  REGISTER_GRADIENT(op_name, [](const Scope& s, const Operation& op, const Grads& dy,     \
                                Grads* dx) {                                               \
    [[maybe_unused]] Output a = op.input(0), b = op.input(1), z = op.output(0), g = dy[0]; \
    dx->push_back(grad_a);                                                                 \
    dx->push_back(grad_b);                                                                 \
    return s.status();                                                                     \
  })

// z = b a (1 - a): dz/da = b (1 - 2a).
SLUICE_UNARY_GRAD_GRAD("SigmoidGrad",
                       ops::Mul(s, ops::Mul(s, g, b), ops::Sub(s, 1.0, ops::Mul(s, a, 2.0))),
                       ops::SigmoidGrad(s, a, g));
// z = b (1 - a^2): dz/da = -2 a b.
SLUICE_UNARY_GRAD_GRAD("TanhGrad", ops::Mul(s, ops::Mul(s, g, b), ops::Mul(s, a, -2.0)),
                       ops::TanhGrad(s, a, g));
// z = 0.5 b / a: dz/da = -z / a.
SLUICE_UNARY_GRAD_GRAD("SqrtGrad", ops::Neg(s, ops::Mul(s, g, ops::RealDiv(s, z, a))),
                       ops::SqrtGrad(s, a, g));
// z = -0.5 b a^3: dz/da = -1.5 b a^2.
SLUICE_UNARY_GRAD_GRAD("RsqrtGrad",
                       ops::Mul(s, ops::Mul(s, g, b), ops::Mul(s, ops::Square(s, a), -1.5)),
                       ops::RsqrtGrad(s, a, g));
// z = -b a^2: dz/da = -2 a b.
SLUICE_UNARY_GRAD_GRAD("ReciprocalGrad", ops::Mul(s, ops::Mul(s, g, b), ops::Mul(s, a, -2.0)),
                       ops::ReciprocalGrad(s, a, g));
#undef SLUICE_UNARY_GRAD_GRAD

// Casting between floating types passes the gradient back cast to the source type; any other
// cast stops it.
Status CastGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  DataType src = op.node()->input_type(0), dst = op.node()->output_type(0);
  bool floating = IsFloatingType(src) && IsFloatingType(dst);
  dx->push_back(floating ? ops::Cast(s, dy[0], src) : Output());
  return s.status();
}
REGISTER_GRADIENT("Cast", CastGrad);

Status SelectGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output c = op.input(0), zeros = ops::ZerosLike(s, op.input(1));
  dx->push_back(Output());
  dx->push_back(ops::Select(s, c, dy[0], zeros));
  dx->push_back(ops::Select(s, c, zeros, dy[0]));
  return s.status();
}
REGISTER_GRADIENT("Select", SelectGrad);

Status SelectV2Grad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output c = op.input(0), t = op.input(1), e = op.input(2), zeros = ops::ZerosLike(s, dy[0]);
  std::optional<Output> grad_shape;
  auto dynamic = [&](const Output& target) {
    return [&, target]() -> Output {
      if (!grad_shape) grad_shape = ops::Shape(s, dy[0]);
      return ops::BroadcastGradientArgs(s, ops::Shape(s, target), *grad_shape).r0;
    };
  };
  dx->push_back(Output());
  dx->push_back(SumToShape(s, ops::SelectV2(s, c, dy[0], zeros), t, {c.shape(), e.shape()},
                           dynamic(t)));
  dx->push_back(SumToShape(s, ops::SelectV2(s, c, zeros, dy[0]), e, {c.shape(), t.shape()},
                           dynamic(e)));
  return s.status();
}
REGISTER_GRADIENT("SelectV2", SelectV2Grad);

Status AddNGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->assign(op.num_inputs(), dy[0]);
  return s.status();
}
REGISTER_GRADIENT("AddN", AddNGrad);

REGISTER_NO_GRADIENT("Sign");
REGISTER_NO_GRADIENT("Equal");
REGISTER_NO_GRADIENT("NotEqual");
REGISTER_NO_GRADIENT("Less");
REGISTER_NO_GRADIENT("LessEqual");
REGISTER_NO_GRADIENT("Greater");
REGISTER_NO_GRADIENT("GreaterEqual");
REGISTER_NO_GRADIENT("LogicalNot");
REGISTER_NO_GRADIENT("LogicalAnd");
REGISTER_NO_GRADIENT("LogicalOr");
REGISTER_NO_GRADIENT("BroadcastGradientArgs");
REGISTER_NO_GRADIENT("Range");

// ---- Builders --------------------------------------------------------------------------------

Output Unary(const Scope& scope, const char* op, const Input& x) {
  return NodeBuilder(scope, op).Input(x.ToOutput(scope)).Finalize();
}

Output Binary(const Scope& scope, const char* op, const Input& x, const Input& y) {
  Output a, b;
  ResolveBinaryInputs(scope, x, y, &a, &b);
  return NodeBuilder(scope, op).Input(a).Input(b).Finalize();
}

}  // namespace

namespace ops {

Output Add(const Scope& s, const Input& x, const Input& y) { return Binary(s, "AddV2", x, y); }
Output Sub(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Sub", x, y); }
Output Mul(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Mul", x, y); }
Output RealDiv(const Scope& s, const Input& x, const Input& y) { return Binary(s, "RealDiv", x, y); }
Output Maximum(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Maximum", x, y); }
Output Minimum(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Minimum", x, y); }
Output SquaredDifference(const Scope& s, const Input& x, const Input& y) {
  return Binary(s, "SquaredDifference", x, y);
}

Output Div(const Scope& s, const Input& x, const Input& y) {
  Output a, b;
  ResolveBinaryInputs(s, x, y, &a, &b);
  if (!a.valid()) return Output();
  return NodeBuilder(s, IsFloatingType(a.dtype()) ? "RealDiv" : "Div").Input(a).Input(b).Finalize();
}

Output Neg(const Scope& s, const Input& x) { return Unary(s, "Neg", x); }
Output Abs(const Scope& s, const Input& x) { return Unary(s, "Abs", x); }
Output Sign(const Scope& s, const Input& x) { return Unary(s, "Sign", x); }
Output Exp(const Scope& s, const Input& x) { return Unary(s, "Exp", x); }
Output Log(const Scope& s, const Input& x) { return Unary(s, "Log", x); }
Output Sqrt(const Scope& s, const Input& x) { return Unary(s, "Sqrt", x); }
Output Rsqrt(const Scope& s, const Input& x) { return Unary(s, "Rsqrt", x); }
Output Square(const Scope& s, const Input& x) { return Unary(s, "Square", x); }
Output Reciprocal(const Scope& s, const Input& x) { return Unary(s, "Reciprocal", x); }
Output Sigmoid(const Scope& s, const Input& x) { return Unary(s, "Sigmoid", x); }
Output Tanh(const Scope& s, const Input& x) { return Unary(s, "Tanh", x); }

Output SigmoidGrad(const Scope& s, const Input& y, const Input& dy) {
  return Binary(s, "SigmoidGrad", y, dy);
}
Output TanhGrad(const Scope& s, const Input& y, const Input& dy) { return Binary(s, "TanhGrad", y, dy); }
Output SqrtGrad(const Scope& s, const Input& y, const Input& dy) { return Binary(s, "SqrtGrad", y, dy); }
Output RsqrtGrad(const Scope& s, const Input& y, const Input& dy) {
  return Binary(s, "RsqrtGrad", y, dy);
}
Output ReciprocalGrad(const Scope& s, const Input& y, const Input& dy) {
  return Binary(s, "ReciprocalGrad", y, dy);
}

Output Equal(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Equal", x, y); }
Output NotEqual(const Scope& s, const Input& x, const Input& y) { return Binary(s, "NotEqual", x, y); }
Output Less(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Less", x, y); }
Output LessEqual(const Scope& s, const Input& x, const Input& y) { return Binary(s, "LessEqual", x, y); }
Output Greater(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Greater", x, y); }
Output GreaterEqual(const Scope& s, const Input& x, const Input& y) {
  return Binary(s, "GreaterEqual", x, y);
}
Output LogicalNot(const Scope& s, const Input& x) { return Unary(s, "LogicalNot", x); }
Output LogicalAnd(const Scope& s, const Input& x, const Input& y) { return Binary(s, "LogicalAnd", x, y); }
Output LogicalOr(const Scope& s, const Input& x, const Input& y) { return Binary(s, "LogicalOr", x, y); }

Output Cast(const Scope& s, const Input& x, DataType dtype, bool truncate) {
  return NodeBuilder(s, "Cast")
      .Input(x.ToOutput(s))
      .Attr("DstT", dtype)
      .Attr("Truncate", truncate)
      .Finalize();
}

namespace {
Output Ternary(const Scope& s, const char* op, const Input& c, const Input& t, const Input& e) {
  Output tt, ee;
  ResolveBinaryInputs(s, t, e, &tt, &ee);
  return NodeBuilder(s, op).Input(c.ToOutput(s)).Input(tt).Input(ee).Finalize();
}
}  // namespace

Output Select(const Scope& s, const Input& c, const Input& t, const Input& e) {
  return Ternary(s, "Select", c, t, e);
}
Output SelectV2(const Scope& s, const Input& c, const Input& t, const Input& e) {
  return Ternary(s, "SelectV2", c, t, e);
}

Output AddN(const Scope& s, const std::vector<Output>& inputs) {
  if (inputs.empty()) {
    s.UpdateStatus(errors::InvalidArgument("AddN requires at least one input"));
    return Output();
  }
  return NodeBuilder(s, "AddN").InputList(inputs).Finalize();
}

BroadcastGradientArgsOutput BroadcastGradientArgs(const Scope& s, const Input& s0, const Input& s1) {
  Output a, b;
  ResolveBinaryInputs(s, s0, s1, &a, &b);
  Operation op = NodeBuilder(s, "BroadcastGradientArgs").Input(a).Input(b).Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1)};
}

Output Range(const Scope& s, const Input& start, const Input& limit, const Input& delta) {
  // Literals take the dtype of the first operand that is not one.
  DataType dtype = DT_INVALID;
  for (const Input* in : {&start, &limit, &delta}) {
    if (!in->is_literal()) {
      Output o = in->ToOutput(s);
      if (!o.valid()) return Output();
      dtype = o.dtype();
      break;
    }
  }
  Output a = start.ToOutput(s, dtype);
  if (!a.valid()) return Output();
  return NodeBuilder(s, "Range")
      .Input(a)
      .Input(limit.ToOutput(s, a.dtype()))
      .Input(delta.ToOutput(s, a.dtype()))
      .Finalize();
}

}  // namespace ops
// ---- Log1p, IsNan, IsInf, IsFinite, DivNoNan -------------------------------------------------

namespace {

Status Log1pGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->push_back(ops::Mul(s, dy[0], ops::Reciprocal(s, ops::Add(s, 1.0, op.input(0)))));
  return s.status();
}

// As TensorFlow's: dx = div_no_nan(g, y), dy = g * div_no_nan(div_no_nan(-x, y), y).
Status DivNoNanGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0), y = op.input(1);
  Output gy = ops::Mul(s, dy[0], ops::DivNoNan(s, ops::DivNoNan(s, ops::Neg(s, x), y), y));
  ReduceBinaryGrads(s, op, ops::DivNoNan(s, dy[0], y), gy, dx);
  return s.status();
}

REGISTER_GRADIENT("Log1p", Log1pGrad);
REGISTER_GRADIENT("Cos", [](const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->push_back(ops::Mul(s, dy[0], ops::Neg(s, ops::Sin(s, op.input(0)))));
  return s.status();
});
REGISTER_GRADIENT("Sin", [](const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->push_back(ops::Mul(s, dy[0], ops::Cos(s, op.input(0))));
  return s.status();
});
REGISTER_GRADIENT("DivNoNan", DivNoNanGrad);
REGISTER_NO_GRADIENT("IsNan");
REGISTER_NO_GRADIENT("IsInf");
REGISTER_NO_GRADIENT("IsFinite");

}  // namespace

namespace ops {

Output Log1p(const Scope& s, const Input& x) { return Unary(s, "Log1p", x); }
Output Cos(const Scope& s, const Input& x) { return Unary(s, "Cos", x); }
Output Sin(const Scope& s, const Input& x) { return Unary(s, "Sin", x); }
Output IsNan(const Scope& s, const Input& x) { return Unary(s, "IsNan", x); }
Output IsInf(const Scope& s, const Input& x) { return Unary(s, "IsInf", x); }
Output IsFinite(const Scope& s, const Input& x) { return Unary(s, "IsFinite", x); }
Output DivNoNan(const Scope& s, const Input& x, const Input& y) { return Binary(s, "DivNoNan", x, y); }

}  // namespace ops
// ---- Floor, Ceil, Round, FloorDiv, FloorMod, Mod, Pow, ClipByValue ---------------------------

namespace {

// TensorFlow's: gx = g, gy = -g * floor_div(x, y).
Status FloorModGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0), y = op.input(1);
  ReduceBinaryGrads(s, op, dy[0], ops::Mul(s, dy[0], ops::Neg(s, ops::FloorDiv(s, x, y))), dx);
  return s.status();
}

// TensorFlow's: gx = g y x^(y-1); gy = g z log(x) where x > 0, else 0 (no false singularity).
Status PowGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0), y = op.input(1), z = op.output(0);
  Output gx = ops::Mul(s, ops::Mul(s, dy[0], y), ops::Pow(s, x, ops::Sub(s, y, 1.0)));
  Output positive = ops::Greater(s, x, 0.0);
  Output safe_x = ops::SelectV2(s, positive, x, ops::OnesLike(s, x));
  Output log_x = ops::SelectV2(s, positive, ops::Log(s, safe_x), ops::ZerosLike(s, x));
  ReduceBinaryGrads(s, op, gx, ops::Mul(s, ops::Mul(s, dy[0], z), log_x), dx);
  return s.status();
}

// The gradient goes to t where it was not clipped, else to the bound that clipped it
// (summed to the bound's shape: a scalar bound gets the sum).
Status ClipByValueGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output t = op.input(0), lo = op.input(1), hi = op.input(2), g = dy[0];
  Output zeros = ops::ZerosLike(s, g);
  Output below = ops::Less(s, t, lo), above = ops::Greater(s, t, hi);
  dx->push_back(ops::SelectV2(s, ops::LogicalOr(s, below, above), zeros, g));
  for (auto [bound, mask] : {std::pair{lo, below}, std::pair{hi, above}}) {
    Output part = ops::SelectV2(s, mask, g, zeros);
    if (bound.shape().rank() == 0) {
      dx->push_back(ops::Sum(s, part, ops::Range(s, 0, ops::Rank(s, part), 1)));
    } else if (bound.shape().rank() > 0) {
      dx->push_back(part);
    } else {
      dx->push_back(ops::Reshape(s, ops::Sum(s, part,
                                             ops::BroadcastGradientArgs(s, ops::Shape(s, bound), ops::Shape(s, g)).r0),
                                 ops::Shape(s, bound)));
    }
  }
  return s.status();
}

REGISTER_NO_GRADIENT("Floor");
REGISTER_NO_GRADIENT("Ceil");
REGISTER_NO_GRADIENT("Round");
REGISTER_NO_GRADIENT("FloorDiv");
REGISTER_GRADIENT("FloorMod", FloorModGrad);
REGISTER_GRADIENT("Pow", PowGrad);
REGISTER_GRADIENT("ClipByValue", ClipByValueGrad);

}  // namespace

namespace ops {

Output Floor(const Scope& s, const Input& x) { return Unary(s, "Floor", x); }
Output Ceil(const Scope& s, const Input& x) { return Unary(s, "Ceil", x); }
Output Round(const Scope& s, const Input& x) { return Unary(s, "Round", x); }
Output FloorDiv(const Scope& s, const Input& x, const Input& y) { return Binary(s, "FloorDiv", x, y); }
Output FloorMod(const Scope& s, const Input& x, const Input& y) { return Binary(s, "FloorMod", x, y); }
Output Mod(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Mod", x, y); }
Output Pow(const Scope& s, const Input& x, const Input& y) { return Binary(s, "Pow", x, y); }
Output ClipByValue(const Scope& s, const Input& t, const Input& clip_value_min,
                   const Input& clip_value_max) {
  Output x = t.ToOutput(s);
  if (!x.valid()) return Output();
  return NodeBuilder(s, "ClipByValue")
      .Input(x)
      .Input(clip_value_min.ToOutput(s, x.dtype()))
      .Input(clip_value_max.ToOutput(s, x.dtype()))
      .Finalize();
}

}  // namespace ops
// ---- Cumsum, Cumprod -------------------------------------------------------------------------

namespace {

bool BoolAttr(const Operation& op, const char* name) {
  bool v = false;
  (void)GetAttr(op.node()->def().attr(), name, &v);
  return v;
}

// TensorFlow's: the cumulative sum of the gradient run the other way.
Status CumsumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->push_back(ops::Cumsum(s, dy[0], op.input(1), BoolAttr(op, "exclusive"), !BoolAttr(op, "reverse")));
  dx->push_back(Output());
  return s.status();
}

// TensorFlow's: cumsum(cumprod(x) * g) run the other way, divided by x (so not for x with zeros).
Status CumprodGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  const bool exclusive = BoolAttr(op, "exclusive"), reverse = BoolAttr(op, "reverse");
  Output x = op.input(0), axis = op.input(1);
  Output prod = ops::Cumprod(s, x, axis, exclusive, reverse);
  Output out = ops::Cumsum(s, ops::Mul(s, prod, dy[0]), axis, exclusive, !reverse);
  dx->push_back(ops::Div(s, out, x));
  dx->push_back(Output());
  return s.status();
}

// TensorFlow's: dy gathered at each segment id, zero where the id was negative (dropped).
Status UnsortedSegmentSumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output ids = op.input(1);
  Output gathered = ops::GatherV2(s, dy[0], ops::Maximum(s, ids, ops::ZerosLike(s, ids)), 0);
  Output rest = ops::Slice(s, ops::Shape(s, gathered), ops::ExpandDims(s, ops::Rank(s, ids), 0), {-1});
  Output mask_shape = ops::ConcatV2(s, {ops::Shape(s, ids), ops::OnesLike(s, rest)}, 0);
  Output kept = ops::Reshape(s, ops::GreaterEqual(s, ids, ops::ZerosLike(s, ids)), mask_shape);
  dx->push_back(ops::SelectV2(s, kept, gathered, ops::ZerosLike(s, gathered)));
  dx->push_back(Output());
  dx->push_back(Output());
  return s.status();
}

REGISTER_GRADIENT("UnsortedSegmentSum", UnsortedSegmentSumGrad);
REGISTER_GRADIENT("Cumsum", CumsumGrad);
REGISTER_GRADIENT("Cumprod", CumprodGrad);

Output Cumulative(const Scope& s, const char* op, const Input& x, const Input& axis, bool exclusive,
                  bool reverse) {
  return NodeBuilder(s, op)
      .Input(x.ToOutput(s))
      .Input(axis.ToOutput(s))
      .Attr("exclusive", exclusive)
      .Attr("reverse", reverse)
      .Finalize();
}

}  // namespace

namespace ops {

Output Cumsum(const Scope& s, const Input& x, const Input& axis, bool exclusive, bool reverse) {
  return Cumulative(s, "Cumsum", x, axis, exclusive, reverse);
}
Output UnsortedSegmentSum(const Scope& s, const Input& data, const Input& segment_ids, const Input& num_segments) {
  return NodeBuilder(s, "UnsortedSegmentSum")
      .Input(data.ToOutput(s))
      .Input(segment_ids.ToOutput(s))
      .Input(num_segments.ToOutput(s))
      .Finalize();
}
Output Cumprod(const Scope& s, const Input& x, const Input& axis, bool exclusive, bool reverse) {
  return Cumulative(s, "Cumprod", x, axis, exclusive, reverse);
}

}  // namespace ops
}  // namespace sluice
