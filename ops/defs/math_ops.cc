// math ops: op schemas and shape functions (the client builders and gradients are in ops/math_ops.cc).
#include <optional>
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

// ---- Shape functions -------------------------------------------------------------------------

// Inputs 0 and 1 have one shape (the unary *Grad ops take y and dy).
Status MergedPairShape(InferenceContext* c) {
  auto merged = c->input(0).Merge(c->input(1));
  if (!merged.ok()) {
    return errors::InvalidArgument("shapes must be equal, got ", c->input(0).DebugString(),
                                   " and ", c->input(1).DebugString());
  }
  c->set_output(0, *merged);
  return absl::OkStatus();
}

// TF1 Select: t and e have one shape; condition has it too, or is a scalar, or is a vector
// over dim 0.
Status SelectShape(InferenceContext* c) {
  const TensorShape& cond = c->input(0);
  auto te = c->input(1).Merge(c->input(2));
  if (!te.ok()) {
    return errors::InvalidArgument("t and e must have the same shape, got ",
                                   c->input(1).DebugString(), " and ", c->input(2).DebugString());
  }
  if (!cond.unknown_rank() && !te->unknown_rank() && cond.rank() != 0) {
    bool ok;
    if (cond.rank() == 1 && te->rank() > 1) {
      ok = cond.dim(0) < 0 || te->dim(0) < 0 || cond.dim(0) == te->dim(0);
    } else {
      ok = cond.IsCompatibleWith(*te);
    }
    if (!ok) {
      return errors::InvalidArgument("condition of shape ", cond.DebugString(),
                                     " must be a scalar, a vector over dim 0, or have the shape ",
                                     te->DebugString(), " of t and e");
    }
  }
  c->set_output(0, *te);
  return absl::OkStatus();
}

Status SelectV2Shape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape te, shape_fn::BroadcastShapes(c->input(1), c->input(2)));
  SLUICE_ASSIGN_OR_RETURN(TensorShape out, shape_fn::BroadcastShapes(c->input(0), te));
  c->set_output(0, out);
  return absl::OkStatus();
}

Status AddNShape(InferenceContext* c) {
  TensorShape merged = c->input(0);
  for (int i = 1; i < c->num_inputs(); ++i) {
    auto m = merged.Merge(c->input(i));
    if (!m.ok()) {
      return errors::InvalidArgument("inputs must have the same shape, but input 0 is ",
                                     c->input(0).DebugString(), " and input ", i, " is ",
                                     c->input(i).DebugString());
    }
    merged = *m;
  }
  c->set_output(0, merged);
  return absl::OkStatus();
}

Status BroadcastGradientArgsShape(InferenceContext* c) {
  for (int i = 0; i < 2; ++i) {
    if (c->input(i).rank() > 1) {
      return errors::InvalidArgument("s", i, " must be a vector, got shape ",
                                     c->input(i).DebugString());
    }
  }
  c->set_output(0, TensorShape{-1});
  c->set_output(1, TensorShape{-1});
  return absl::OkStatus();
}

Status RangeShape(InferenceContext* c) {
  const char* names[] = {"start", "limit", "delta"};
  double v[3];
  bool known = true;
  for (int i = 0; i < 3; ++i) {
    if (c->input(i).rank() > 0) {
      return errors::InvalidArgument(names[i], " must be a scalar, got shape ",
                                     c->input(i).DebugString());
    }
    const Tensor* t = c->input_tensor(i);
    if (t == nullptr) {
      known = false;
      continue;
    }
    DispatchType(t->dtype(), [&]<typename T>() {
      if constexpr (std::is_arithmetic_v<T>) v[i] = static_cast<double>(t->scalar<T>());
    });
  }
  if (!known) {
    c->set_output(0, TensorShape{-1});
    return absl::OkStatus();
  }
  if (v[2] == 0) return errors::InvalidArgument("Range requires delta != 0");
  if ((v[2] > 0 && v[0] > v[1]) || (v[2] < 0 && v[0] < v[1])) {
    return errors::InvalidArgument("Range requires start <= limit when delta > 0 and start >= "
                                   "limit when delta < 0, got start ", v[0], ", limit ", v[1],
                                   ", delta ", v[2]);
  }
  bool integral = c->input_type(0) == DT_INT32 || c->input_type(0) == DT_INT64;
  double n = integral ? std::ceil(std::abs(v[1] - v[0]) / std::abs(v[2]))
                      : std::ceil(std::abs((v[1] - v[0]) / v[2]));
  c->set_output(0, TensorShape{static_cast<int64_t>(n)});
  return absl::OkStatus();
}

// ---- Schemas ---------------------------------------------------------------------------------

const std::string kNumeric = NumberTypes::Attr("T");
const std::string kFloating = FloatTypes::Attr("T");

#define SLUICE_BINARY_OP(name, types)                                          \
  REGISTER_OP(name).Input("x: T").Input("y: T").Output("z: T").Attr(types) \
      .SetShapeFn(shape_fn::BroadcastBinaryOpShape)

SLUICE_BINARY_OP("Add", kNumeric);
SLUICE_BINARY_OP("AddV2", kNumeric).SetIsCommutative().SetIsAggregate();
SLUICE_BINARY_OP("Sub", kNumeric);
SLUICE_BINARY_OP("Mul", kNumeric).SetIsCommutative();
SLUICE_BINARY_OP("Div", kNumeric);
SLUICE_BINARY_OP("RealDiv", kNumeric);
SLUICE_BINARY_OP("Maximum", kNumeric).SetIsCommutative();
SLUICE_BINARY_OP("Minimum", kNumeric).SetIsCommutative();
SLUICE_BINARY_OP("SquaredDifference", kNumeric).SetIsCommutative();
#undef SLUICE_BINARY_OP

#define SLUICE_UNARY_OP(name, types) \
  REGISTER_OP(name).Input("x: T").Output("y: T").Attr(types).SetShapeFn(shape_fn::UnchangedShape)

SLUICE_UNARY_OP("Neg", kNumeric);
SLUICE_UNARY_OP("Abs", kNumeric);
SLUICE_UNARY_OP("Sign", kNumeric);
SLUICE_UNARY_OP("Square", kNumeric);
SLUICE_UNARY_OP("Exp", kFloating);
SLUICE_UNARY_OP("Log", kFloating);
SLUICE_UNARY_OP("Sqrt", kFloating);
SLUICE_UNARY_OP("Rsqrt", kFloating);
SLUICE_UNARY_OP("Reciprocal", kFloating);
SLUICE_UNARY_OP("Sigmoid", kFloating);
SLUICE_UNARY_OP("Tanh", kFloating);
#undef SLUICE_UNARY_OP

#define SLUICE_UNARY_GRAD_OP(name)                                                         \
  REGISTER_OP(name).Input("y: T").Input("dy: T").Output("z: T").Attr(kFloating) \
      .SetShapeFn(MergedPairShape)

SLUICE_UNARY_GRAD_OP("SigmoidGrad");
SLUICE_UNARY_GRAD_OP("TanhGrad");
SLUICE_UNARY_GRAD_OP("SqrtGrad");
SLUICE_UNARY_GRAD_OP("RsqrtGrad");
SLUICE_UNARY_GRAD_OP("ReciprocalGrad");
#undef SLUICE_UNARY_GRAD_OP

#define SLUICE_COMPARISON_OP(name, types)                                           \
  REGISTER_OP(name).Input("x: T").Input("y: T").Output("z: bool").Attr(types) \
      .SetShapeFn(shape_fn::BroadcastBinaryOpShape)

SLUICE_COMPARISON_OP("Equal", "T: {float, double, int32, int64, uint8, bool}").SetIsCommutative();
SLUICE_COMPARISON_OP("NotEqual", "T: {float, double, int32, int64, uint8, bool}").SetIsCommutative();
SLUICE_COMPARISON_OP("Less", "T: {float, double, int32, int64, uint8}");
SLUICE_COMPARISON_OP("LessEqual", "T: {float, double, int32, int64, uint8}");
SLUICE_COMPARISON_OP("Greater", "T: {float, double, int32, int64, uint8}");
SLUICE_COMPARISON_OP("GreaterEqual", "T: {float, double, int32, int64, uint8}");
#undef SLUICE_COMPARISON_OP

REGISTER_OP("LogicalNot").Input("x: bool").Output("y: bool").SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("LogicalAnd").Input("x: bool").Input("y: bool").Output("z: bool")
    .SetIsCommutative().SetShapeFn(shape_fn::BroadcastBinaryOpShape);
REGISTER_OP("LogicalOr").Input("x: bool").Input("y: bool").Output("z: bool")
    .SetIsCommutative().SetShapeFn(shape_fn::BroadcastBinaryOpShape);

REGISTER_OP("Cast")
    .Input("x: SrcT")
    .Output("y: DstT")
    .Attr("SrcT: type")
    .Attr("DstT: type")
    .Attr("Truncate: bool = false")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("Select")
    .Input("condition: bool")
    .Input("t: T")
    .Input("e: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(SelectShape);

REGISTER_OP("SelectV2")
    .Input("condition: bool")
    .Input("t: T")
    .Input("e: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(SelectV2Shape);

REGISTER_OP("AddN")
    .Input("inputs: N * T")
    .Output("sum: T")
    .Attr("N: int >= 1")
    .Attr(kNumeric)
    .SetIsCommutative()
    .SetIsAggregate()
    .SetShapeFn(AddNShape);

REGISTER_OP("BroadcastGradientArgs")
    .Input("s0: T")
    .Input("s1: T")
    .Output("r0: T")
    .Output("r1: T")
    .Attr("T: {int32, int64} = DT_INT32")
    .SetShapeFn(BroadcastGradientArgsShape);

REGISTER_OP("Range")
    .Input("start: Tidx")
    .Input("limit: Tidx")
    .Input("delta: Tidx")
    .Output("output: Tidx")
    .Attr("Tidx: {float, double, int32, int64} = DT_INT32")
    .SetShapeFn(RangeShape);

// ---- Log1p, IsNan, IsInf, IsFinite, DivNoNan -------------------------------------------------

REGISTER_OP("Log1p").Input("x: T").Output("y: T").Attr(kFloating).SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("Cos").Input("x: T").Output("y: T").Attr(kFloating).SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("Sin").Input("x: T").Output("y: T").Attr(kFloating).SetShapeFn(shape_fn::UnchangedShape);

#define SLUICE_FLOAT_CLASS_OP(name) \
  REGISTER_OP(name).Input("x: T").Output("y: bool").Attr(kFloating).SetShapeFn(shape_fn::UnchangedShape)
SLUICE_FLOAT_CLASS_OP("IsNan");
SLUICE_FLOAT_CLASS_OP("IsInf");
SLUICE_FLOAT_CLASS_OP("IsFinite");
#undef SLUICE_FLOAT_CLASS_OP

REGISTER_OP("DivNoNan")
    .Input("x: T")
    .Input("y: T")
    .Output("z: T")
    .Attr(kFloating)
    .Doc("x / y, and 0 where y is 0 (whatever x is).")
    .SetShapeFn(shape_fn::BroadcastBinaryOpShape);

// ---- Floor, Ceil, Round, FloorDiv, FloorMod, Mod, Pow, ClipByValue ---------------------------

REGISTER_OP("Floor").Input("x: T").Output("y: T").Attr(kFloating).SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("Ceil").Input("x: T").Output("y: T").Attr(kFloating).SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("Round")
    .Input("x: T")
    .Output("y: T")
    .Attr(kNumeric)
    .Doc("Rounds half to even (banker's rounding); integers unchanged.")
    .SetShapeFn(shape_fn::UnchangedShape);

#define SLUICE_BINARY_OP(name, types)                                          \
  REGISTER_OP(name).Input("x: T").Input("y: T").Output("z: T").Attr(types) \
      .SetShapeFn(shape_fn::BroadcastBinaryOpShape)
SLUICE_BINARY_OP("FloorDiv", kNumeric).Doc("floor(x / y); integer division by zero is an error.");
SLUICE_BINARY_OP("FloorMod", kNumeric).Doc("x - floor(x / y) * y: the remainder has the sign of y.");
SLUICE_BINARY_OP("Mod", kNumeric).Doc("The remainder of truncating division (C's % and fmod): the sign of x.");
SLUICE_BINARY_OP("Pow", kNumeric).Doc("x^y; integers to negative powers are an error.");
#undef SLUICE_BINARY_OP

Status ClipByValueShape(InferenceContext* c) {
  for (int i = 1; i <= 2; ++i) {
    const TensorShape& b = c->input(i);
    if (b.rank() > 0 && !b.IsCompatibleWith(c->input(0))) {
      return errors::InvalidArgument(
          "clip_value_min and clip_value_max must be either scalars or have the same shape as "
          "the input; input has shape ",
          c->input(0).DebugString(), ", clip_value_", i == 1 ? "min" : "max", " ", b.DebugString());
    }
  }
  return shape_fn::UnchangedShape(c);
}

REGISTER_OP("ClipByValue")
    .Input("t: T")
    .Input("clip_value_min: T")
    .Input("clip_value_max: T")
    .Output("output: T")
    .Attr(kNumeric)
    .Doc("max(min(t, clip_value_max), clip_value_min); the bounds are scalars or of t's shape.")
    .SetShapeFn(ClipByValueShape);

// ---- Cumsum, Cumprod -------------------------------------------------------------------------

Status CumulativeShape(InferenceContext* c) {
  if (c->input(1).rank() > 0) {
    return errors::InvalidArgument("axis must be a scalar, got shape ", c->input(1).DebugString());
  }
  const TensorShape& x = c->input(0);
  if (const Tensor* axis = c->input_tensor(1); axis != nullptr && !x.unknown_rank()) {
    const int64_t a = Int64Values(*axis)[0];
    if (x.rank() == 0 || a < -x.rank() || a >= x.rank()) {
      return errors::InvalidArgument("axis ", a, " is out of range for x of shape ", x.DebugString());
    }
  }
  return shape_fn::UnchangedShape(c);
}

#define SLUICE_CUMULATIVE_OP(name)                 \
  REGISTER_OP(name)                                \
      .Input("x: T")                               \
      .Input("axis: Tidx")                         \
      .Attr("exclusive: bool = false")             \
      .Attr("reverse: bool = false")               \
      .Output("out: T")                            \
      .Attr(kNumeric)                              \
      .Attr("Tidx: {int32, int64} = DT_INT32")     \
      .SetShapeFn(CumulativeShape)
SLUICE_CUMULATIVE_OP("Cumsum");
SLUICE_CUMULATIVE_OP("Cumprod");
#undef SLUICE_CUMULATIVE_OP


// data.shape = segment_ids.shape + rest; the output is [num_segments] + rest.
Status UnsortedSegmentSumShape(InferenceContext* c) {
  const TensorShape& data = c->input(0);
  const TensorShape& ids = c->input(1);
  if (c->input(2).rank() > 0) {
    return errors::InvalidArgument("num_segments must be a scalar, got shape ", c->input(2).DebugString());
  }
  int64_t n = -1;
  if (const Tensor* t = c->input_tensor(2)) {
    n = Int64Values(*t)[0];
    if (n < 0) return errors::InvalidArgument("num_segments must be non-negative, got ", n);
  }
  if (data.unknown_rank() || ids.unknown_rank()) return absl::OkStatus();
  bool prefix = ids.rank() <= data.rank();
  for (int i = 0; prefix && i < ids.rank(); ++i) {
    prefix = data.dim(i) < 0 || ids.dim(i) < 0 || data.dim(i) == ids.dim(i);
  }
  if (!prefix) {
    return errors::InvalidArgument("data.shape = ", data.DebugString(),
                                   " does not start with segment_ids.shape = ", ids.DebugString());
  }
  TensorShape out;
  out.AddDim(n);
  for (int i = ids.rank(); i < data.rank(); ++i) out.AddDim(data.dim(i));
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("UnsortedSegmentSum")
    .Input("data: T")
    .Input("segment_ids: Tindices")
    .Input("num_segments: Tnumsegments")
    .Output("output: T")
    .Attr(kNumeric)
    .Attr("Tindices: {int32, int64}")
    .Attr("Tnumsegments: {int32, int64} = DT_INT32")
    .SetShapeFn(UnsortedSegmentSumShape);

}  // namespace
}  // namespace sluice
