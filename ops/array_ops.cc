// Array op schemas, shape functions, gradients and client builders.
#include "ops/array_ops.h"

#include <optional>

#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"

namespace sluice {
namespace {

// ---- Gradients -------------------------------------------------------------------------------

Status IdentityGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  dx->push_back(dy[0]);
  return absl::OkStatus();
}

// Reshape, ExpandDims and Squeeze: the gradient is dy reshaped back to the input's shape.
Status ReshapeBackGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                       std::vector<Output>* dx) {
  dx->push_back(ops::Reshape(s, dy[0], ops::Shape(s, op.input(0))));
  for (int i = 1; i < op.num_inputs(); ++i) dx->push_back(Output());
  return absl::OkStatus();
}

Status TransposeGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                     std::vector<Output>* dx) {
  Output perm = op.input(1);
  Output inverse;
  if (const Tensor* p = perm.node()->const_value()) {
    std::vector<int64_t> values = Int64Values(*p);
    std::vector<int32_t> inv(values.size());
    for (size_t i = 0; i < values.size(); ++i) inv[values[i]] = static_cast<int32_t>(i);
    inverse = ops::Const(s, Tensor::FromVector(inv));
  } else {
    inverse = ops::InvertPermutation(s, perm);
  }
  dx->push_back(ops::Transpose(s, dy[0], inverse));
  dx->push_back(Output());
  return absl::OkStatus();
}

// Sums dy over the axes along which x was broadcast, then reshapes to x's shape.
Status BroadcastToGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                       std::vector<Output>* dx) {
  const TensorShape& in = op.input(0).shape();
  const TensorShape& out = op.output(0).shape();
  Output x_shape = ops::Shape(s, op.input(0), op.input(1).dtype());
  Output axes;
  bool static_axes = !in.unknown_rank() && !out.unknown_rank();
  for (int i = 0; static_axes && i < in.rank(); ++i) static_axes = in.dim(i) >= 0;
  if (static_axes) {
    std::vector<int32_t> reduce;
    const int lead = out.rank() - in.rank();
    for (int i = 0; i < lead; ++i) reduce.push_back(i);
    for (int i = 0; i < in.rank(); ++i) {
      if (in.dim(i) == 1 && out.dim(lead + i) != 1) reduce.push_back(lead + i);
    }
    axes = ops::Const(s, Tensor::FromVector(reduce));
  } else {
    axes = ops::BroadcastGradientArgs(s, op.input(1), x_shape).r1;
  }
  dx->push_back(ops::Reshape(s, ops::Sum(s, dy[0], axes, /*keep_dims=*/true), x_shape));
  dx->push_back(Output());
  return absl::OkStatus();
}

// Tile: dy viewed as [m0, d0, m1, d1, ...] summed over the multiples' axes.
Status TileGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                std::vector<Output>* dx) {
  Output multiples = op.input(1);
  Output x_shape = ops::Shape(s, op.input(0), multiples.dtype());
  Output split = ops::Reshape(
      s, ops::Transpose(s, ops::Pack(s, {multiples, x_shape}), {1, 0}), {-1});
  Output axes;
  const int rank = op.input(0).shape().rank();
  if (rank >= 0) {
    std::vector<int32_t> even;
    for (int i = 0; i < rank; ++i) even.push_back(2 * i);
    axes = ops::Const(s, Tensor::FromVector(even));
  } else {
    axes = ops::Range(s, 0, ops::Size(s, split), 2);
  }
  dx->push_back(ops::Sum(s, ops::Reshape(s, dy[0], split), axes));
  dx->push_back(Output());
  return absl::OkStatus();
}

Status ConcatV2Grad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  const int n = op.num_inputs() - 1;
  Output axis = op.input(n);
  if (axis.dtype() != DT_INT32) {
    if (const Tensor* t = axis.node()->const_value()) {
      axis = ops::Const(s, static_cast<int32_t>(t->scalar<int64_t>()));
    } else {
      axis = ops::Cast(s, axis, DT_INT32);
    }
  }
  std::vector<Output> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(ops::Shape(s, op.input(i)));
  std::vector<Output> offsets = ops::ConcatOffset(s, axis, shapes);
  if (static_cast<int>(offsets.size()) != n) return s.status();
  for (int i = 0; i < n; ++i) dx->push_back(ops::Slice(s, dy[0], offsets[i], shapes[i]));
  dx->push_back(Output());
  return absl::OkStatus();
}

Status PackGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                std::vector<Output>* dx) {
  int64_t axis;
  SLUICE_RETURN_IF_ERROR(GetAttr(op.node()->def().attr(), "axis", &axis));
  std::vector<Output> parts = ops::Unpack(s, dy[0], op.num_inputs(), axis);
  if (static_cast<int>(parts.size()) != op.num_inputs()) return s.status();
  *dx = std::move(parts);
  return absl::OkStatus();
}

Status UnpackGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                  std::vector<Output>* dx) {
  int64_t axis;
  SLUICE_RETURN_IF_ERROR(GetAttr(op.node()->def().attr(), "axis", &axis));
  dx->push_back(ops::Pack(s, dy, axis));
  return absl::OkStatus();
}

// Slice: dy padded back to the input's shape with zeros.
Status SliceGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                 std::vector<Output>* dx) {
  Output begin = op.input(1);
  Output x_shape = ops::Shape(s, op.input(0), begin.dtype());
  Output y_shape = ops::Shape(s, op.output(0), begin.dtype());
  Output after = ops::Sub(s, ops::Sub(s, x_shape, y_shape), begin);
  dx->push_back(ops::Pad(s, dy[0], ops::Pack(s, {begin, after}, 1)));
  dx->push_back(Output());
  dx->push_back(Output());
  return absl::OkStatus();
}

// Pad: the slice of dy where the input sits.
Status PadGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
               std::vector<Output>* dx) {
  Output paddings = op.input(1);
  Output before = ops::Reshape(s, ops::Slice(s, paddings, {0, 0}, {-1, 1}), {-1});
  dx->push_back(ops::Slice(s, dy[0], before, ops::Shape(s, op.input(0), paddings.dtype())));
  dx->push_back(Output());
  return absl::OkStatus();
}

Output Int32Vector(const Scope& s, std::vector<int32_t> v) { return ops::Const(s, Tensor::FromVector(v)); }

// TensorFlow's gradient is IndexedSlices; sluice's is dense: dy's slices summed into the rows
// of params they came from, UnsortedSegmentSum along axis 0. For another axis, dy is viewed as
// params[:axis] + [-1] + params[axis+1:], that axis moved to the front and back again (TF's).
Status GatherGradAlong(const Scope& s, const Operation& op, const Output& dy, int64_t axis,
                       std::vector<Output>* dx) {
  Output params = op.input(0);
  Output indices = ops::Reshape(s, op.input(1), {-1});
  Output shape = ops::Shape(s, params);
  const int rank = params.shape().rank();
  if (axis < 0) {
    if (rank < 0) {
      return errors::Unimplemented("the gradient of ", op.name(), " needs params of known rank for axis ", axis);
    }
    axis += rank;
  }
  const int a = static_cast<int>(axis);
  Output n = ops::Reshape(s, ops::Slice(s, shape, {a}, {1}), Int32Vector(s, {}));
  Output inner = ops::Slice(s, shape, {a + 1}, {-1});
  if (a == 0) {
    Output values = ops::Reshape(s, dy, ops::ConcatV2(s, {Int32Vector(s, {-1}), inner}, 0));
    dx->push_back(ops::UnsortedSegmentSum(s, values, indices, n));
    return s.status();
  }
  if (rank < 0) {
    return errors::Unimplemented("the gradient of ", op.name(), " needs params of known rank for axis ", axis);
  }
  Output outer = ops::Slice(s, shape, {0}, {a});
  Output values = ops::Reshape(s, dy, ops::ConcatV2(s, {outer, Int32Vector(s, {-1}), inner}, 0));
  std::vector<int32_t> to_front{a}, back;
  for (int i = 0; i < a; ++i) to_front.push_back(i);
  for (int i = 1; i <= a; ++i) back.push_back(i);
  back.push_back(0);
  for (int i = a + 1; i < rank; ++i) {
    to_front.push_back(i);
    back.push_back(i);
  }
  Output summed =
      ops::UnsortedSegmentSum(s, ops::Transpose(s, values, Int32Vector(s, to_front)), indices, n);
  dx->push_back(ops::Transpose(s, summed, Int32Vector(s, back)));
  return s.status();
}

// batch_dims b > 0 (TF's _GatherV2Grad and _BatchGatherGrad): dy viewed as params[:axis] + [-1]
// + params[axis+1:], the gathered dim moved next to the batch dims, the batch dims flattened
// into the segment ids (index + flat batch position * n), summed, and moved back.
Status BatchGatherGrad(const Scope& s, const Operation& op, const Output& dy, int64_t axis, int64_t b,
                       std::vector<Output>* dx) {
  Output params = op.input(0);
  Output indices = op.input(1);
  const int rank = params.shape().rank(), indices_rank = indices.shape().rank();
  if (rank < 0 || indices_rank < 0) {
    return errors::Unimplemented("the gradient of ", op.name(),
                                 " with batch_dims needs params and indices of known rank");
  }
  if (b < 0) b += indices_rank;
  if (axis < 0) axis += rank;
  const int a = static_cast<int>(axis), bd = static_cast<int>(b);
  const DataType it = indices.dtype();
  Output shape = ops::Shape(s, params);
  Output n = ops::Reshape(s, ops::Slice(s, shape, {a}, {1}), Int32Vector(s, {}));
  Output inner = ops::Slice(s, shape, {a + 1}, {-1});
  Output values =
      ops::Reshape(s, dy, ops::ConcatV2(s, {ops::Slice(s, shape, {0}, {a}), Int32Vector(s, {-1}), inner}, 0));
  std::vector<int32_t> perm;
  for (int i = 0; i < bd; ++i) perm.push_back(i);
  perm.push_back(a);
  for (int i = bd; i < a; ++i) perm.push_back(i);
  for (int i = a + 1; i < rank; ++i) perm.push_back(i);
  std::vector<int32_t> back(perm.size());  // the inverse permutation
  for (size_t i = 0; i < perm.size(); ++i) back[perm[i]] = static_cast<int32_t>(i);
  Output moved = ops::Transpose(s, values, Int32Vector(s, perm));  // [batch..., m, params[b:axis], inner...]
  Output moved_shape = ops::Shape(s, moved);
  Output rest = ops::Slice(s, moved_shape, {bd + 1}, {-1});
  Output flat_values = ops::Reshape(s, moved, ops::ConcatV2(s, {Int32Vector(s, {-1}), rest}, 0));
  // Segment ids: indices + (flat batch position) * n, the positions shaped batch + [1, ...].
  Output batch_shape = ops::Slice(s, ops::Shape(s, indices), {0}, {bd});
  Output batch = ops::Prod(s, batch_shape, 0);
  Output n_it = ops::Cast(s, n, it);
  Output starts = ops::Mul(s, ops::Range(s, ops::Cast(s, 0, it), ops::Cast(s, batch, it), ops::Cast(s, 1, it)), n_it);
  std::vector<int32_t> ones(indices_rank - bd, 1);
  Output starts_shape = ops::ConcatV2(s, {batch_shape, Int32Vector(s, ones)}, 0);
  Output ids = ops::Reshape(s, ops::Add(s, indices, ops::Reshape(s, starts, starts_shape)), Int32Vector(s, {-1}));
  Output summed = ops::UnsortedSegmentSum(s, flat_values, ids, ops::Mul(s, batch, n));
  Output unflat = ops::Reshape(
      s, summed, ops::ConcatV2(s, {ops::Slice(s, moved_shape, {0}, {bd}), ops::Reshape(s, n, {1}), rest}, 0));
  dx->push_back(ops::Transpose(s, unflat, Int32Vector(s, back)));
  return s.status();
}

Status GatherV2Grad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  int64_t batch_dims = 0;
  SLUICE_RETURN_IF_ERROR(GetAttr(op.node()->def().attr(), "batch_dims", &batch_dims));
  const Tensor* axis = op.input(2).node()->const_value();
  if (axis == nullptr) {
    return errors::Unimplemented("the gradient of ", op.name(), " needs a constant axis");
  }
  if (batch_dims != 0) {
    SLUICE_RETURN_IF_ERROR(BatchGatherGrad(s, op, dy[0], Int64Values(*axis)[0], batch_dims, dx));
  } else {
    SLUICE_RETURN_IF_ERROR(GatherGradAlong(s, op, dy[0], Int64Values(*axis)[0], dx));
  }
  dx->push_back(Output());
  dx->push_back(Output());
  return absl::OkStatus();
}

Status GatherGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                  std::vector<Output>* dx) {
  SLUICE_RETURN_IF_ERROR(GatherGradAlong(s, op, dy[0], 0, dx));
  dx->push_back(Output());
  return absl::OkStatus();
}

// The sparse gradients of the gathers along axis 0 (TF's _GatherGrad, _GatherV2Grad): an
// IndexedSlices of dy's slices at the gathered rows, of params' shape. A sparse dy (a gather of
// a gather) is densified first, as TF's reshape of it does.
IndexedSlices GatherSlices(const Scope& s, const Output& params_shape, const Output& indices, const GradientValue& dy) {
  Output inner = ops::Slice(s, params_shape, {1}, {-1});
  Output values = ops::Reshape(s, ToDense(s, dy), ops::ConcatV2(s, {Int32Vector(s, {-1}), inner}, 0));
  return IndexedSlices{values, ops::Reshape(s, indices, {-1}), params_shape};
}

Status GatherSparseGrad(const Scope& s, const Operation& op, const std::vector<GradientValue>& dy,
                        std::vector<GradientValue>* dx) {
  *dx = {GatherSlices(s, ops::Shape(s, op.input(0)), op.input(1), dy[0]), Output()};
  return s.status();
}

// Sparse on a constant axis 0 (TF tests `axis == 0` on the constant the same way),
// else the dense gradient.
Status GatherV2SparseGrad(const Scope& s, const Operation& op, const std::vector<GradientValue>& dy,
                          std::vector<GradientValue>* dx) {
  int64_t batch_dims = 0;
  SLUICE_RETURN_IF_ERROR(GetAttr(op.node()->def().attr(), "batch_dims", &batch_dims));
  const Tensor* axis = op.input(2).node()->const_value();
  if (batch_dims == 0 && axis != nullptr && Int64Values(*axis)[0] == 0) {
    *dx = {GatherSlices(s, ops::Shape(s, op.input(0)), op.input(1), dy[0]), Output(), Output()};
    return s.status();
  }
  std::vector<Output> dense;
  SLUICE_RETURN_IF_ERROR(GatherV2Grad(s, op, {ToDense(s, dy[0])}, &dense));
  dx->assign(dense.begin(), dense.end());
  return absl::OkStatus();
}

// Identity passes a sparse gradient on unchanged (TF's _IdGrad).
Status IdentitySparseGrad(const Scope& s, const Operation& op, const std::vector<GradientValue>& dy,
                          std::vector<GradientValue>* dx) {
  *dx = {dy[0]};
  return absl::OkStatus();
}

REGISTER_GRADIENT("Identity", IdentityGrad);
REGISTER_SPARSE_GRADIENT("Identity", IdentitySparseGrad);
REGISTER_GRADIENT("GatherV2", GatherV2Grad);
REGISTER_GRADIENT("Gather", GatherGrad);
REGISTER_SPARSE_GRADIENT("GatherV2", GatherV2SparseGrad);
REGISTER_SPARSE_GRADIENT("Gather", GatherSparseGrad);
REGISTER_GRADIENT("PlaceholderWithDefault", IdentityGrad);
REGISTER_GRADIENT("Reshape", ReshapeBackGrad);
REGISTER_GRADIENT("ExpandDims", ReshapeBackGrad);
REGISTER_GRADIENT("Squeeze", ReshapeBackGrad);
REGISTER_GRADIENT("Transpose", TransposeGrad);
REGISTER_GRADIENT("BroadcastTo", BroadcastToGrad);
REGISTER_GRADIENT("Tile", TileGrad);
REGISTER_GRADIENT("ConcatV2", ConcatV2Grad);
REGISTER_GRADIENT("Pack", PackGrad);
REGISTER_GRADIENT("Unpack", UnpackGrad);
REGISTER_GRADIENT("Slice", SliceGrad);
REGISTER_GRADIENT("Pad", PadGrad);
REGISTER_NO_GRADIENT("StopGradient");
REGISTER_NO_GRADIENT("ZerosLike");
REGISTER_NO_GRADIENT("OnesLike");
REGISTER_NO_GRADIENT("Fill");
REGISTER_NO_GRADIENT("Shape");
REGISTER_NO_GRADIENT("Size");
REGISTER_NO_GRADIENT("Rank");
REGISTER_NO_GRADIENT("OneHot");
REGISTER_NO_GRADIENT("InvertPermutation");
REGISTER_NO_GRADIENT("ConcatOffset");

}  // namespace

// ---- Client builders -------------------------------------------------------------------------

namespace ops {

Output Placeholder(const Scope& scope, DataType dtype, const TensorShape& shape) {
  return NodeBuilder(scope, "Placeholder").Attr("dtype", dtype).Attr("shape", shape).Finalize();
}

Output PlaceholderWithDefault(const Scope& scope, const Input& input, const TensorShape& shape) {
  Output x = input.ToOutput(scope);
  if (!x.valid()) return Output();
  return NodeBuilder(scope, "PlaceholderWithDefault")
      .Input(x)
      .Attr("dtype", BaseType(x.dtype()))
      .Attr("shape", shape)
      .Finalize();
}

Output Const(const Scope& scope, const Tensor& value) {
  return NodeBuilder(scope, "Const").Attr("value", value).Attr("dtype", value.dtype()).Finalize();
}

Output Const(const Scope& scope, const Input& value) {
  if (!value.is_literal()) {
    scope.UpdateStatus(errors::InvalidArgument("Const needs a literal value, not an op's output"));
    return Output();
  }
  // Materialize the literal in a scratch graph to read its tensor, then build the Const here
  // under the scope's name.
  Scope scratch = Scope::NewRootScope();
  Output literal = value.ToOutput(scratch);
  if (!literal.valid()) {
    scope.UpdateStatus(scratch.status());
    return Output();
  }
  return Const(scope, *literal.node()->const_value());
}

Output Identity(const Scope& scope, const Input& input) {
  return NodeBuilder(scope, "Identity").Input(input.ToOutput(scope)).Finalize();
}

Output StopGradient(const Scope& scope, const Input& input) {
  return NodeBuilder(scope, "StopGradient").Input(input.ToOutput(scope)).Finalize();
}

Operation NoOp(const Scope& scope) { return NodeBuilder(scope, "NoOp").Finalize(); }

Operation Group(const Scope& scope, const std::vector<Operation>& deps) {
  NodeBuilder b(scope, "NoOp");
  for (const Operation& d : deps) b.ControlInput(d);
  return b.Finalize();
}

Output ZerosLike(const Scope& scope, const Input& x) {
  return NodeBuilder(scope, "ZerosLike").Input(x.ToOutput(scope)).Finalize();
}

Output OnesLike(const Scope& scope, const Input& x) {
  return NodeBuilder(scope, "OnesLike").Input(x.ToOutput(scope)).Finalize();
}

Output Fill(const Scope& scope, const Input& dims, const Input& value) {
  return NodeBuilder(scope, "Fill").Input(dims.ToOutput(scope)).Input(value.ToOutput(scope)).Finalize();
}

Output Shape(const Scope& scope, const Input& input, DataType out_type) {
  return NodeBuilder(scope, "Shape").Input(input.ToOutput(scope)).Attr("out_type", out_type).Finalize();
}

Output Size(const Scope& scope, const Input& input, DataType out_type) {
  return NodeBuilder(scope, "Size").Input(input.ToOutput(scope)).Attr("out_type", out_type).Finalize();
}

Output Rank(const Scope& scope, const Input& input) {
  return NodeBuilder(scope, "Rank").Input(input.ToOutput(scope)).Finalize();
}

Output Reshape(const Scope& scope, const Input& tensor, const Input& shape) {
  return NodeBuilder(scope, "Reshape").Input(tensor.ToOutput(scope)).Input(shape.ToOutput(scope)).Finalize();
}

Output Transpose(const Scope& scope, const Input& x, const Input& perm) {
  return NodeBuilder(scope, "Transpose").Input(x.ToOutput(scope)).Input(perm.ToOutput(scope)).Finalize();
}

Output InvertPermutation(const Scope& scope, const Input& x) {
  return NodeBuilder(scope, "InvertPermutation").Input(x.ToOutput(scope)).Finalize();
}

Output ExpandDims(const Scope& scope, const Input& input, const Input& axis) {
  return NodeBuilder(scope, "ExpandDims").Input(input.ToOutput(scope)).Input(axis.ToOutput(scope)).Finalize();
}

Output Squeeze(const Scope& scope, const Input& input, const std::vector<int64_t>& axis) {
  return NodeBuilder(scope, "Squeeze")
      .Input(input.ToOutput(scope))
      .Attr("squeeze_dims", absl::Span<const int64_t>(axis))
      .Finalize();
}

Output BroadcastTo(const Scope& scope, const Input& input, const Input& shape) {
  return NodeBuilder(scope, "BroadcastTo").Input(input.ToOutput(scope)).Input(shape.ToOutput(scope)).Finalize();
}

Output Tile(const Scope& scope, const Input& input, const Input& multiples) {
  return NodeBuilder(scope, "Tile").Input(input.ToOutput(scope)).Input(multiples.ToOutput(scope)).Finalize();
}

Output ConcatV2(const Scope& scope, const std::vector<Output>& values, const Input& axis) {
  return NodeBuilder(scope, "ConcatV2").InputList(values).Input(axis.ToOutput(scope)).Finalize();
}

Output Pack(const Scope& scope, const std::vector<Output>& values, int64_t axis) {
  return NodeBuilder(scope, "Pack").InputList(values).Attr("axis", axis).Finalize();
}

std::vector<Output> Unpack(const Scope& scope, const Input& value, int64_t num, int64_t axis) {
  Operation op = NodeBuilder(scope, "Unpack")
                     .Input(value.ToOutput(scope))
                     .Attr("num", num)
                     .Attr("axis", axis)
                     .Finalize();
  std::vector<Output> outs;
  if (!op.valid()) return outs;
  for (int i = 0; i < op.num_outputs(); ++i) outs.push_back(op.output(i));
  return outs;
}

Output Slice(const Scope& scope, const Input& input, const Input& begin, const Input& size) {
  Output b, sz;
  ResolveBinaryInputs(scope, begin, size, &b, &sz);
  return NodeBuilder(scope, "Slice").Input(input.ToOutput(scope)).Input(b).Input(sz).Finalize();
}

Output Pad(const Scope& scope, const Input& input, const Input& paddings) {
  return NodeBuilder(scope, "Pad").Input(input.ToOutput(scope)).Input(paddings.ToOutput(scope)).Finalize();
}

std::vector<Output> ConcatOffset(const Scope& scope, const Input& concat_dim,
                                 const std::vector<Output>& shapes) {
  Operation op = NodeBuilder(scope, "ConcatOffset")
                     .Input(concat_dim.ToOutput(scope))
                     .InputList(shapes)
                     .Finalize();
  std::vector<Output> outs;
  if (!op.valid()) return outs;
  for (int i = 0; i < op.num_outputs(); ++i) outs.push_back(op.output(i));
  return outs;
}

Output GatherV2(const Scope& scope, const Input& params, const Input& indices, const Input& axis,
                int64_t batch_dims) {
  return NodeBuilder(scope, "GatherV2")
      .Input(params.ToOutput(scope))
      .Input(indices.ToOutput(scope))
      .Input(axis.ToOutput(scope))
      .Attr("batch_dims", batch_dims)
      .Finalize();
}

Output Gather(const Scope& scope, const Input& params, const Input& indices) {
  return NodeBuilder(scope, "Gather").Input(params.ToOutput(scope)).Input(indices.ToOutput(scope)).Finalize();
}

Output OneHot(const Scope& scope, const Input& indices, const Input& depth, const Input& on_value,
              const Input& off_value, int64_t axis) {
  Output on, off;
  ResolveBinaryInputs(scope, on_value, off_value, &on, &off);
  return NodeBuilder(scope, "OneHot")
      .Input(indices.ToOutput(scope))
      .Input(depth.ToOutput(scope, DT_INT32))
      .Input(on)
      .Input(off)
      .Attr("axis", axis)
      .Finalize();
}

}  // namespace ops

// ---- StridedSlice, StridedSliceGrad, PreventGradient -------------------------------------------

namespace {

ops::StridedSliceAttrs StridedSliceAttrsOf(const Operation& op) {
  ops::StridedSliceAttrs a;
  const auto& attrs = op.node()->def().attr();
  (void)GetAttr(attrs, "begin_mask", &a.begin_mask);
  (void)GetAttr(attrs, "end_mask", &a.end_mask);
  (void)GetAttr(attrs, "ellipsis_mask", &a.ellipsis_mask);
  (void)GetAttr(attrs, "new_axis_mask", &a.new_axis_mask);
  (void)GetAttr(attrs, "shrink_axis_mask", &a.shrink_axis_mask);
  return a;
}

// StridedSlice: dy scattered back into zeros of the input's shape (a constant shape when known).
Status StridedSliceGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                        std::vector<Output>* dx) {
  Output begin = op.input(1);
  const TensorShape& in = op.input(0).shape();
  Output shape;
  if (in.IsFullyDefined()) {
    std::vector<int64_t> dims(in.dims().begin(), in.dims().end());
    if (begin.dtype() == DT_INT64) {
      shape = ops::Const(s, Tensor::FromVector(dims));
    } else {
      shape = ops::Const(s, Tensor::FromVector(std::vector<int32_t>(dims.begin(), dims.end())));
    }
  } else {
    shape = ops::Shape(s, op.input(0), begin.dtype());
  }
  dx->push_back(ops::StridedSliceGrad(s, shape, begin, op.input(2), op.input(3), dy[0],
                                      StridedSliceAttrsOf(op)));
  dx->resize(4);
  return s.status();
}

// StridedSliceGrad is linear in dy: its gradient slices the incoming gradient the same way.
Status StridedSliceGradGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                            std::vector<Output>* dx) {
  dx->resize(4);
  dx->push_back(ops::StridedSlice(s, dy[0], op.input(1), op.input(2), op.input(3),
                                  StridedSliceAttrsOf(op)));
  return s.status();
}

Status PreventGradientGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                           std::vector<Output>* dx) {
  std::string message;
  (void)GetAttr(op.node()->def().attr(), "message", &message);
  return errors::InvalidArgument("Gradient explicitly disabled for ", op.node()->name(),
                                 ". Reason: ", message);
}

REGISTER_GRADIENT("StridedSlice", StridedSliceGrad);
REGISTER_GRADIENT("StridedSliceGrad", StridedSliceGradGrad);
REGISTER_GRADIENT("PreventGradient", PreventGradientGrad);

NodeBuilder& WithStridedSliceAttrs(NodeBuilder& b, const ops::StridedSliceAttrs& a) {
  return b.Attr("begin_mask", a.begin_mask)
      .Attr("end_mask", a.end_mask)
      .Attr("ellipsis_mask", a.ellipsis_mask)
      .Attr("new_axis_mask", a.new_axis_mask)
      .Attr("shrink_axis_mask", a.shrink_axis_mask);
}

// begin, end and strides in one index dtype: that of the first that is not a literal.
bool ResolveSliceSpec(const Scope& scope, const Input& begin, const Input& end, const Input& strides,
                      Output* b, Output* e, Output* st) {
  DataType dtype = DT_INT32;
  for (const Input* in : {&begin, &end, &strides}) {
    if (!in->is_literal()) {
      Output o = in->ToOutput(scope);
      if (!o.valid()) return false;
      dtype = o.dtype();
      break;
    }
  }
  *b = begin.ToOutput(scope, dtype);
  *e = end.ToOutput(scope, dtype);
  *st = strides.ToOutput(scope, dtype);
  return b->valid() && e->valid() && st->valid();
}

}  // namespace

namespace ops {

Output StridedSlice(const Scope& scope, const Input& input, const Input& begin, const Input& end,
                    const Input& strides, const StridedSliceAttrs& attrs) {
  Output b, e, st;
  Output x = input.ToOutput(scope);
  if (!x.valid() || !ResolveSliceSpec(scope, begin, end, strides, &b, &e, &st)) return Output();
  NodeBuilder builder(scope, "StridedSlice");
  builder.Input(x).Input(b).Input(e).Input(st);
  return WithStridedSliceAttrs(builder, attrs).Finalize();
}

Output StridedSliceGrad(const Scope& scope, const Input& shape, const Input& begin,
                        const Input& end, const Input& strides, const Input& dy,
                        const StridedSliceAttrs& attrs) {
  Output b, e, st;
  if (!ResolveSliceSpec(scope, begin, end, strides, &b, &e, &st)) return Output();
  Output sh = shape.ToOutput(scope, b.dtype());
  Output g = dy.ToOutput(scope);
  if (!sh.valid() || !g.valid()) return Output();
  NodeBuilder builder(scope, "StridedSliceGrad");
  builder.Input(sh).Input(b).Input(e).Input(st).Input(g);
  return WithStridedSliceAttrs(builder, attrs).Finalize();
}

Output PreventGradient(const Scope& scope, const Input& input, const std::string& message) {
  return NodeBuilder(scope, "PreventGradient").Input(input.ToOutput(scope)).Attr("message", message).Finalize();
}

}  // namespace ops
// ---- Concat, Split, SplitV, Reverse, ReverseV2 -----------------------------------------------

namespace {

// Concat (v1): as ConcatV2's, with the axis first.
Status ConcatGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                  std::vector<Output>* dx) {
  const int n = op.num_inputs() - 1;
  std::vector<Output> shapes;
  for (int i = 1; i <= n; ++i) shapes.push_back(ops::Shape(s, op.input(i)));
  std::vector<Output> offsets = ops::ConcatOffset(s, op.input(0), shapes);
  if (static_cast<int>(offsets.size()) != n) return s.status();
  dx->push_back(Output());
  for (int i = 0; i < n; ++i) dx->push_back(ops::Slice(s, dy[0], offsets[i], shapes[i]));
  return s.status();
}

// The output gradients, missing ones as zeros, concatenated back along `axis`.
Output ConcatOutputGrads(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                         const Output& axis) {
  std::vector<Output> parts;
  for (int i = 0; i < op.num_outputs(); ++i) {
    parts.push_back(dy[i].valid() ? dy[i] : ops::ZerosLike(s, op.output(i)));
  }
  if (parts.size() == 1) return parts[0];
  return ops::ConcatV2(s, parts, axis);
}

Status SplitGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                 std::vector<Output>* dx) {
  dx->push_back(Output());
  dx->push_back(ConcatOutputGrads(s, op, dy, op.input(0)));
  return s.status();
}

Status SplitVGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                  std::vector<Output>* dx) {
  dx->push_back(ConcatOutputGrads(s, op, dy, op.input(2)));
  dx->push_back(Output());
  dx->push_back(Output());
  return s.status();
}

Status ReverseGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                   std::vector<Output>* dx) {
  dx->push_back(NodeBuilder(s, op.node()->type_string()).Input(dy[0]).Input(op.input(1)).Finalize());
  dx->push_back(Output());
  return s.status();
}

REGISTER_GRADIENT("Concat", ConcatGrad);
REGISTER_GRADIENT("Split", SplitGrad);
REGISTER_GRADIENT("SplitV", SplitVGrad);
REGISTER_GRADIENT("Reverse", ReverseGrad);
REGISTER_GRADIENT("ReverseV2", ReverseGrad);

// Reversing the same prefixes again puts each gradient back where its value came from.
Status ReverseSequenceGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                           std::vector<Output>* dx) {
  const auto& attrs = op.node()->def().attr();
  int64_t seq_dim = 0, batch_dim = 0;
  SLUICE_RETURN_IF_ERROR(GetAttr(attrs, "seq_dim", &seq_dim));
  SLUICE_RETURN_IF_ERROR(GetAttr(attrs, "batch_dim", &batch_dim));
  dx->push_back(ops::ReverseSequence(s, dy[0], op.input(1), seq_dim, batch_dim));
  dx->push_back(Output());
  return s.status();
}
REGISTER_GRADIENT("ReverseSequence", ReverseSequenceGrad);

std::vector<Output> OutputsOf(const Operation& op) {
  std::vector<Output> outs;
  if (!op.valid()) return outs;
  for (int i = 0; i < op.num_outputs(); ++i) outs.push_back(op.output(i));
  return outs;
}

}  // namespace

namespace ops {

Output Concat(const Scope& scope, const Input& concat_dim, const std::vector<Output>& values) {
  return NodeBuilder(scope, "Concat").Input(concat_dim.ToOutput(scope, DT_INT32)).InputList(values).Finalize();
}

std::vector<Output> Split(const Scope& scope, const Input& split_dim, const Input& value, int64_t num_split) {
  return OutputsOf(NodeBuilder(scope, "Split")
                       .Input(split_dim.ToOutput(scope, DT_INT32))
                       .Input(value.ToOutput(scope))
                       .Attr("num_split", num_split)
                       .Finalize());
}

std::vector<Output> SplitV(const Scope& scope, const Input& value, const Input& size_splits,
                           const Input& split_dim) {
  Output sizes = size_splits.ToOutput(scope, size_splits.is_literal() ? DT_INT64 : DT_INVALID);
  if (!sizes.valid()) return {};
  int64_t n = sizes.shape().rank() == 1 ? sizes.shape().dim(0) : -1;
  if (n < 0) {
    scope.UpdateStatus(errors::InvalidArgument("SplitV needs size_splits of a known length, got shape ",
                                               sizes.shape().DebugString()));
    return {};
  }
  return OutputsOf(NodeBuilder(scope, "SplitV")
                       .Input(value.ToOutput(scope))
                       .Input(sizes)
                       .Input(split_dim.ToOutput(scope, DT_INT32))
                       .Attr("num_split", n)
                       .Finalize());
}

Output ReverseV2(const Scope& scope, const Input& tensor, const Input& axis) {
  return NodeBuilder(scope, "ReverseV2").Input(tensor.ToOutput(scope)).Input(axis.ToOutput(scope)).Finalize();
}

Output Reverse(const Scope& scope, const Input& tensor, const Input& dims) {
  return NodeBuilder(scope, "Reverse").Input(tensor.ToOutput(scope)).Input(dims.ToOutput(scope, DT_BOOL)).Finalize();
}

Output ReverseSequence(const Scope& scope, const Input& input, const Input& seq_lengths, int64_t seq_dim,
                       int64_t batch_dim) {
  return NodeBuilder(scope, "ReverseSequence")
      .Input(input.ToOutput(scope))
      .Input(seq_lengths.ToOutput(scope))
      .Attr("seq_dim", seq_dim)
      .Attr("batch_dim", batch_dim)
      .Finalize();
}

}  // namespace ops
// ---- PadV2, Where ----------------------------------------------------------------------------

namespace {

Status PadV2Grad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                 std::vector<Output>* dx) {
  SLUICE_RETURN_IF_ERROR(PadGrad(s, op, dy, dx));
  dx->push_back(Output());
  return s.status();
}

REGISTER_GRADIENT("PadV2", PadV2Grad);
REGISTER_NO_GRADIENT("Where");

}  // namespace

namespace ops {

Output PadV2(const Scope& scope, const Input& input, const Input& paddings, const Input& constant_values) {
  Output x = input.ToOutput(scope);
  if (!x.valid()) return Output();
  return NodeBuilder(scope, "PadV2")
      .Input(x)
      .Input(paddings.ToOutput(scope))
      .Input(constant_values.ToOutput(scope, x.dtype()))
      .Finalize();
}

Output Where(const Scope& scope, const Input& condition) {
  return NodeBuilder(scope, "Where").Input(condition.ToOutput(scope)).Finalize();
}

}  // namespace ops
// ---- MirrorPad, MirrorPadGrad ----------------------------------------------------------------

namespace {

std::string ModeOf(const Operation& op) {
  std::string mode;
  (void)GetAttr(op.node()->def().attr(), "mode", &mode);
  return mode;
}

Status MirrorPadGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                         std::vector<Output>* dx) {
  dx->push_back(ops::MirrorPadGrad(s, dy[0], op.input(1), ModeOf(op)));
  dx->push_back(Output());
  return s.status();
}

Status MirrorPadGradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                             std::vector<Output>* dx) {
  dx->push_back(ops::MirrorPad(s, dy[0], op.input(1), ModeOf(op)));
  dx->push_back(Output());
  return s.status();
}

REGISTER_GRADIENT("MirrorPad", MirrorPadGradient);
REGISTER_GRADIENT("MirrorPadGrad", MirrorPadGradGradient);

}  // namespace

namespace ops {

Output MirrorPad(const Scope& scope, const Input& input, const Input& paddings, const std::string& mode) {
  return NodeBuilder(scope, "MirrorPad")
      .Input(input.ToOutput(scope))
      .Input(paddings.ToOutput(scope))
      .Attr("mode", mode)
      .Finalize();
}

Output MirrorPadGrad(const Scope& scope, const Input& grad, const Input& paddings, const std::string& mode) {
  return NodeBuilder(scope, "MirrorPadGrad")
      .Input(grad.ToOutput(scope))
      .Input(paddings.ToOutput(scope))
      .Attr("mode", mode)
      .Finalize();
}

}  // namespace ops
REGISTER_NO_GRADIENT("ShapeN");

namespace ops {

std::vector<Output> ShapeN(const Scope& scope, const std::vector<Output>& inputs, DataType out_type) {
  return OutputsOf(NodeBuilder(scope, "ShapeN").InputList(inputs).Attr("out_type", out_type).Finalize());
}

}  // namespace ops
}  // namespace sluice
