// Reduction op schemas, shape functions, gradients and client builders: Sum, Mean, Max, Min,
// Prod (over a list of axes, keep_dims optional) and ArgMax, ArgMin (over one axis).
#include <optional>

#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"

namespace sluice {
namespace {

// ---- Gradients -------------------------------------------------------------------------------

using Grads = std::vector<Output>;

Output ShapeOf(const Scope& s, const Output& x) {
  const TensorShape& shape = x.shape();
  if (shape.IsFullyDefined()) {
    return ops::Const(s, std::vector<int64_t>(shape.dims().begin(), shape.dims().end()),
                      TensorShape{shape.rank()});
  }
  return ops::Shape(s, x);
}

// The shape of reduction `op`'s input with the reduced axes set to 1 (an int32 or int64 vector).
Output KeptDimsShape(const Scope& s, const Operation& op) {
  Output x = op.input(0), axes = op.input(1);
  const TensorShape& in = x.shape();
  const Tensor* axes_value = axes.node()->const_value();
  if (!in.unknown_rank() && axes_value != nullptr) {
    auto reduced = shape_fn::ReducedAxes(*axes_value, in.rank());
    if (!reduced.ok()) {
      s.UpdateStatus(reduced.status());
      return Output();
    }
    std::vector<int64_t> kept(in.dims().begin(), in.dims().end());
    bool known = true;
    for (int i = 0; i < in.rank(); ++i) {
      if ((*reduced)[i]) kept[i] = 1;
      else known &= kept[i] >= 0;
    }
    if (known) return ops::Const(s, kept, TensorShape{in.rank()});
    Tensor mask_t(DT_BOOL, TensorShape{in.rank()});
    for (int i = 0; i < in.rank(); ++i) mask_t.data<bool>()[i] = (*reduced)[i];
    return ops::SelectV2(s, mask_t, 1, ops::Shape(s, x));
  }
  // Only known at run time: mark the axes (made non-negative) in Range(rank) and set them to 1.
  Output shape = ops::Shape(s, x);
  Output rank = ops::Size(s, shape);
  Output a = ops::Reshape(s, ops::Cast(s, axes, DT_INT32), {-1});
  a = ops::Add(s, a, ops::Mul(s, ops::Cast(s, ops::Less(s, a, 0), DT_INT32), rank));
  Output hits = ops::Equal(s, ops::Reshape(s, ops::Range(s, 0, rank, 1), {-1, 1}),
                           ops::Reshape(s, a, {1, -1}));
  Output mask = ops::Greater(s, ops::Sum(s, ops::Cast(s, hits, DT_INT32), 1), 0);
  return ops::SelectV2(s, mask, 1, shape);
}

// `grad` of a reduction's output, shaped to broadcast against its input.
Output KeptDimsGrad(const Scope& s, const Operation& op, const Output& grad) {
  bool keep_dims = false;
  (void)GetAttr(op.node()->def().attr(), "keep_dims", &keep_dims);
  if (keep_dims) return grad;
  return ops::Reshape(s, grad, KeptDimsShape(s, op));
}

Status SumGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  dx->push_back(ops::BroadcastTo(s, KeptDimsGrad(s, op, dy[0]), ShapeOf(s, op.input(0))));
  dx->push_back(Output());
  return s.status();
}

// Sum's gradient divided by the number of elements averaged into each output element; the
// division happens before broadcasting, on the smaller tensor.
Status MeanGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0), y = op.output(0);
  Output kept = KeptDimsGrad(s, op, dy[0]);
  Output scaled;
  if (x.shape().IsFullyDefined() && y.shape().IsFullyDefined()) {
    int64_t n = x.shape().num_elements() / std::max<int64_t>(y.shape().num_elements(), 1);
    scaled = ops::RealDiv(s, kept, static_cast<double>(n));
  } else {
    Output n = ops::Size(s, x);
    if (!y.shape().IsFullyDefined()) {
      n = ops::Div(s, n, ops::Maximum(s, ops::Size(s, y), 1));
    } else if (y.shape().num_elements() > 1) {
      n = ops::Div(s, n, static_cast<int64_t>(y.shape().num_elements()));
    }
    scaled = ops::RealDiv(s, kept, ops::Cast(s, n, x.dtype()));
  }
  dx->push_back(ops::BroadcastTo(s, scaled, ShapeOf(s, x)));
  dx->push_back(Output());
  return s.status();
}

// The gradient goes to the elements equal to the extremum, split evenly between ties.
Status MaxMinGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0);
  Output y = KeptDimsGrad(s, op, op.output(0));
  Output hits = ops::Cast(s, ops::Equal(s, y, x), x.dtype());
  Output count = ops::Sum(s, hits, op.input(1), /*keep_dims=*/true);
  dx->push_back(ops::Mul(s, ops::RealDiv(s, hits, count), KeptDimsGrad(s, op, dy[0])));
  dx->push_back(Output());
  return s.status();
}

// d prod / d x_i is the product of the other reduced elements, found without dividing by zero:
// with no zero among the reduced elements it is prod / x_i; with exactly one zero it is nonzero
// only at that zero, where it is the product of the rest; with more zeros it is zero.
Status ProdGrad(const Scope& s, const Operation& op, const Grads& dy, Grads* dx) {
  Output x = op.input(0), axes = op.input(1);
  Output is_zero = ops::Equal(s, x, 0.0);
  Output num_zeros = ops::Sum(s, ops::Cast(s, is_zero, x.dtype()), axes, /*keep_dims=*/true);
  Output nonzero = ops::SelectV2(s, is_zero, ops::OnesLike(s, x), x);
  Output rest = ops::Prod(s, nonzero, axes, /*keep_dims=*/true);
  Output at_single_zero = ops::SelectV2(s, ops::LogicalAnd(s, is_zero, ops::Equal(s, num_zeros, 1.0)),
                                        rest, ops::ZerosLike(s, x));
  Output partial = ops::SelectV2(s, ops::Equal(s, num_zeros, 0.0), ops::RealDiv(s, rest, nonzero),
                                 at_single_zero);
  dx->push_back(ops::Mul(s, partial, KeptDimsGrad(s, op, dy[0])));
  dx->push_back(Output());
  return s.status();
}

REGISTER_GRADIENT("Sum", SumGrad);
REGISTER_GRADIENT("Mean", MeanGrad);
REGISTER_GRADIENT("Max", MaxMinGrad);
REGISTER_GRADIENT("Min", MaxMinGrad);
REGISTER_GRADIENT("Prod", ProdGrad);
REGISTER_NO_GRADIENT("ArgMax");
REGISTER_NO_GRADIENT("ArgMin");

// ---- Builders --------------------------------------------------------------------------------

Output Reduction(const Scope& s, const char* op, const Input& input, const Input& axes,
                 bool keep_dims) {
  return NodeBuilder(s, op)
      .Input(input.ToOutput(s))
      .Input(axes.ToOutput(s))
      .Attr("keep_dims", keep_dims)
      .Finalize();
}

Output ArgReduction(const Scope& s, const char* op, const Input& input, const Input& axis,
                    DataType output_type) {
  return NodeBuilder(s, op)
      .Input(input.ToOutput(s))
      .Input(axis.ToOutput(s))
      .Attr("output_type", output_type)
      .Finalize();
}

}  // namespace

namespace ops {

Output Sum(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "Sum", x, axes, keep_dims);
}
Output Mean(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "Mean", x, axes, keep_dims);
}
Output Max(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "Max", x, axes, keep_dims);
}
Output Min(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "Min", x, axes, keep_dims);
}
Output Prod(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "Prod", x, axes, keep_dims);
}
Output ArgMax(const Scope& s, const Input& x, const Input& axis, DataType output_type) {
  return ArgReduction(s, "ArgMax", x, axis, output_type);
}
Output ArgMin(const Scope& s, const Input& x, const Input& axis, DataType output_type) {
  return ArgReduction(s, "ArgMin", x, axis, output_type);
}

Output All(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "All", x, axes, keep_dims);
}
Output Any(const Scope& s, const Input& x, const Input& axes, bool keep_dims) {
  return Reduction(s, "Any", x, axes, keep_dims);
}
REGISTER_NO_GRADIENT("All");
REGISTER_NO_GRADIENT("Any");

}  // namespace ops
}  // namespace sluice
