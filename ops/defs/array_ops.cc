// array ops: op schemas and shape functions (the client builders and gradients are in ops/array_ops.cc).
#include <optional>
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/strided_slice.h"

namespace sluice {
namespace {

// Input i's values when it is a compile-time constant.
std::optional<std::vector<int64_t>> ConstInts(const InferenceContext* c, int i) {
  const Tensor* t = c->input_tensor(i);
  if (t == nullptr) return std::nullopt;
  return Int64Values(*t);
}

// Maps `axis` in [-rank, rank) to [0, rank).
StatusOr<int64_t> CanonicalAxis(int64_t axis, int64_t rank, absl::string_view what) {
  if (axis < -rank || axis >= rank) {
    return errors::InvalidArgument(what, " ", axis, " is out of range for rank ", rank,
                                   " (expected [", -rank, ", ", rank, "))");
  }
  return axis < 0 ? axis + rank : axis;
}

Status ScalarInput(InferenceContext* c, int i, absl::string_view what) {
  if (c->input(i).rank() > 0) {
    return errors::InvalidArgument(what, " must be a scalar, got shape ",
                                   c->input(i).DebugString());
  }
  return absl::OkStatus();
}

// ---- Placeholders, constants, identity -------------------------------------------------------

Status PlaceholderShape(InferenceContext* c) {
  TensorShape shape;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("shape", &shape));
  c->set_output(0, shape);
  return absl::OkStatus();
}

Status PlaceholderWithDefaultShape(InferenceContext* c) {
  TensorShape shape;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("shape", &shape));
  if (!c->input(0).IsCompatibleWith(shape)) {
    return errors::InvalidArgument("default value of shape ", c->input(0).DebugString(),
                                   " does not match the placeholder's shape ", shape.DebugString());
  }
  c->set_output(0, shape);
  return absl::OkStatus();
}

Status ConstShape(InferenceContext* c) {
  auto it = c->node().attr().find("value");
  if (it == c->node().attr().end()) return errors::InvalidArgument("missing attr 'value'");
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, TensorShape::FromProto(it->second.tensor().tensor_shape()));
  c->set_output(0, shape);
  return absl::OkStatus();
}

REGISTER_OP("Placeholder")
    .Output("output: dtype")
    .Attr("dtype: type")
    .Attr("shape: shape = unknown")
    .SetShapeFn(PlaceholderShape);

REGISTER_OP("PlaceholderWithDefault")
    .Input("input: dtype")
    .Output("output: dtype")
    .Attr("dtype: type")
    .Attr("shape: shape")
    .SetShapeFn(PlaceholderWithDefaultShape);

REGISTER_OP("Const")
    .Output("output: dtype")
    .Attr("value: tensor")
    .Attr("dtype: type")
    .SetShapeFn(ConstShape);

REGISTER_OP("Identity").Input("input: T").Output("output: T").Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("StopGradient").Input("input: T").Output("output: T").Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("NoOp").SetShapeFn(shape_fn::UnknownShape);
REGISTER_OP("ZerosLike").Input("x: T").Output("y: T").Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("OnesLike").Input("x: T").Output("y: T")
    .Attr("T: {bfloat16, half, float, double, int8, uint8, int16, uint16, int32, int64, bool}")
    .SetShapeFn(shape_fn::UnchangedShape);

// ---- Fill and shape queries ------------------------------------------------------------------

Status FillShape(InferenceContext* c) {
  if (c->input(0).rank() > 1) {
    return errors::InvalidArgument("dims must be a vector, got shape ", c->input(0).DebugString());
  }
  SLUICE_RETURN_IF_ERROR(ScalarInput(c, 1, "value"));
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, c->InputAsShape(0));
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape.dim(i) < -1) return errors::InvalidArgument("dims has a negative entry ", shape.dim(i));
  }
  c->set_output(0, shape);
  return absl::OkStatus();
}

Status ShapeShape(InferenceContext* c) {
  int rank = c->input(0).rank();
  c->set_output(0, TensorShape{rank});
  return absl::OkStatus();
}

REGISTER_OP("Fill")
    .Input("dims: index_type")
    .Input("value: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("index_type: {int32, int64} = DT_INT32")
    .SetShapeFn(FillShape);

REGISTER_OP("Shape").Input("input: T").Output("output: out_type").Attr("T: type")
    .Attr("out_type: {int32, int64} = DT_INT32")
    .SetShapeFn(ShapeShape);
REGISTER_OP("Size").Input("input: T").Output("output: out_type").Attr("T: type")
    .Attr("out_type: {int32, int64} = DT_INT32")
    .SetShapeFn(shape_fn::ScalarShape);
REGISTER_OP("Rank").Input("input: T").Output("output: int32").Attr("T: type")
    .SetShapeFn(shape_fn::ScalarShape);

// ---- Reshape, Transpose, ExpandDims, Squeeze -------------------------------------------------

Status ReshapeShape(InferenceContext* c) {
  if (c->input(1).rank() > 1) {
    return errors::InvalidArgument("shape must be a vector, got shape ", c->input(1).DebugString());
  }
  const bool is_const = c->input_tensor(1) != nullptr;
  SLUICE_ASSIGN_OR_RETURN(TensorShape target, c->InputAsShape(1));
  if (target.unknown_rank()) return absl::OkStatus();
  const TensorShape& in = c->input(0);
  int unknown = -1, num_unknown = 0;
  int64_t known_product = 1;
  for (int i = 0; i < target.rank(); ++i) {
    if (target.dim(i) < 0) {
      unknown = i;
      ++num_unknown;
    } else {
      known_product *= target.dim(i);
    }
  }
  if (is_const && num_unknown > 1) {
    return errors::InvalidArgument("only one dimension of the target shape ", target.DebugString(),
                                   " may be -1");
  }
  int64_t n = in.num_elements();
  if (n >= 0 && num_unknown == 0 && n != known_product) {
    return errors::InvalidArgument("Cannot reshape a tensor of shape ", in.DebugString(), " (", n,
                                   " elements) to shape ", target.DebugString(), " (",
                                   known_product, " elements)");
  }
  if (n >= 0 && num_unknown == 1) {
    if (known_product == 0 ? n != 0 : n % known_product != 0) {
      return errors::InvalidArgument("Cannot reshape a tensor of shape ", in.DebugString(), " (", n,
                                     " elements) to shape ", target.DebugString(),
                                     ": the known dimensions multiply to ", known_product,
                                     ", which does not divide ", n);
    }
    if (known_product > 0) target.set_dim(unknown, n / known_product);
  }
  c->set_output(0, target);
  return absl::OkStatus();
}

Status TransposeShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  if (c->input(1).rank() > 1) {
    return errors::InvalidArgument("perm must be a vector, got shape ", c->input(1).DebugString());
  }
  auto perm = ConstInts(c, 1);
  if (!perm) {
    int rank = in.rank();
    if (rank < 0 && c->input(1).rank() == 1) rank = static_cast<int>(c->input(1).dim(0));
    c->set_output(0, rank < 0 ? TensorShape::UnknownRank() : TensorShape::UnknownDims(rank));
    return absl::OkStatus();
  }
  const int rank = static_cast<int>(perm->size());
  if (!in.unknown_rank() && in.rank() != rank) {
    return errors::InvalidArgument("perm [", absl::StrJoin(*perm, ","), "] has ", rank,
                                   " entries but the input has shape ", in.DebugString());
  }
  std::vector<bool> seen(rank, false);
  TensorShape out = TensorShape::UnknownDims(rank);
  for (int i = 0; i < rank; ++i) {
    int64_t p = (*perm)[i];
    if (p < 0 || p >= rank || seen[p]) {
      return errors::InvalidArgument("[", absl::StrJoin(*perm, ","), "] is not a valid permutation");
    }
    seen[p] = true;
    if (!in.unknown_rank()) out.set_dim(i, in.dim(p));
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

Status InvertPermutationShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape s, c->WithRank(0, 1));
  c->set_output(0, s);
  return absl::OkStatus();
}

Status ExpandDimsShape(InferenceContext* c) {
  auto axis = ConstInts(c, 1);
  const TensorShape& in = c->input(0);
  if (axis && axis->size() != 1) {
    return errors::InvalidArgument("axis must hold one value, got ", axis->size());
  }
  if (!axis || in.unknown_rank()) return absl::OkStatus();
  SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis((*axis)[0], in.rank() + 1, "axis"));
  TensorShape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (i == a) out.AddDim(1);
    out.AddDim(in.dim(i));
  }
  if (a == in.rank()) out.AddDim(1);
  c->set_output(0, out);
  return absl::OkStatus();
}

Status SqueezeShape(InferenceContext* c) {
  std::vector<int64_t> dims;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("squeeze_dims", &dims));
  const TensorShape& in = c->input(0);
  if (in.unknown_rank()) return absl::OkStatus();
  std::vector<bool> drop(in.rank(), false);
  for (int64_t d : dims) {
    SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis(d, in.rank(), "squeeze dim"));
    if (in.dim(a) > 1 || in.dim(a) == 0) {
      return errors::InvalidArgument("cannot squeeze dim ", d, " of shape ", in.DebugString(),
                                     ": its size is not 1");
    }
    drop[a] = true;
  }
  TensorShape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (dims.empty()) {
      if (in.dim(i) < 0) return absl::OkStatus();  // whether it is squeezed is unknown
      if (in.dim(i) == 1) continue;
    } else if (drop[i]) {
      continue;
    }
    out.AddDim(in.dim(i));
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("Reshape")
    .Input("tensor: T")
    .Input("shape: Tshape")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tshape: {int32, int64} = DT_INT32")
    .SetShapeFn(ReshapeShape);

REGISTER_OP("Transpose")
    .Input("x: T")
    .Input("perm: Tperm")
    .Output("y: T")
    .Attr("T: type")
    .Attr("Tperm: {int32, int64} = DT_INT32")
    .SetShapeFn(TransposeShape);

REGISTER_OP("InvertPermutation").Input("x: T").Output("y: T")
    .Attr("T: {int32, int64} = DT_INT32")
    .SetShapeFn(InvertPermutationShape);

REGISTER_OP("ExpandDims")
    .Input("input: T")
    .Input("dim: Tdim")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tdim: {int32, int64} = DT_INT32")
    .SetShapeFn(ExpandDimsShape);

REGISTER_OP("Squeeze")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("squeeze_dims: list(int) >= 0 = []")
    .SetShapeFn(SqueezeShape);

// ---- BroadcastTo, Tile -----------------------------------------------------------------------

Status BroadcastToShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape target, c->InputAsShape(1));
  const TensorShape& in = c->input(0);
  if (!target.unknown_rank() && !in.unknown_rank()) {
    if (in.rank() > target.rank()) {
      return errors::InvalidArgument("cannot broadcast shape ", in.DebugString(), " to shape ",
                                     target.DebugString(), ": the input has higher rank");
    }
    for (int i = 0; i < in.rank(); ++i) {
      int64_t di = in.dim(i), dt = target.dim(target.rank() - in.rank() + i);
      if (di >= 0 && dt >= 0 && di != 1 && di != dt) {
        return errors::InvalidArgument("cannot broadcast shape ", in.DebugString(), " to shape ",
                                       target.DebugString());
      }
    }
  }
  c->set_output(0, target);
  return absl::OkStatus();
}

Status TileShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  if (c->input(1).rank() > 1) {
    return errors::InvalidArgument("multiples must be a vector, got shape ",
                                   c->input(1).DebugString());
  }
  auto mult = ConstInts(c, 1);
  if (!mult) {
    int rank = in.rank();
    if (rank < 0 && c->input(1).rank() == 1) rank = static_cast<int>(c->input(1).dim(0));
    c->set_output(0, rank < 0 ? TensorShape::UnknownRank() : TensorShape::UnknownDims(rank));
    return absl::OkStatus();
  }
  const int rank = static_cast<int>(mult->size());
  if (!in.unknown_rank() && in.rank() != rank) {
    return errors::InvalidArgument("multiples [", absl::StrJoin(*mult, ","), "] has ", rank,
                                   " entries but the input has shape ", in.DebugString());
  }
  TensorShape out = TensorShape::UnknownDims(rank);
  for (int i = 0; i < rank; ++i) {
    if ((*mult)[i] < 0) {
      return errors::InvalidArgument("multiples [", absl::StrJoin(*mult, ","),
                                     "] has a negative entry");
    }
    if (!in.unknown_rank() && in.dim(i) >= 0) {
      const int64_t d = MultiplyWithoutOverflow(in.dim(i), (*mult)[i]);
      if (d < 0) {
        return errors::InvalidArgument("Tile of shape ", in.DebugString(), " by multiples [",
                                       absl::StrJoin(*mult, ","), "] overflows dimension ", i);
      }
      out.set_dim(i, d);
    }
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("BroadcastTo")
    .Input("input: T")
    .Input("shape: Tidx")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tidx: {int32, int64} = DT_INT32")
    .SetShapeFn(BroadcastToShape);

REGISTER_OP("Tile")
    .Input("input: T")
    .Input("multiples: Tmultiples")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tmultiples: {int32, int64} = DT_INT32")
    .SetShapeFn(TileShape);

// ---- ConcatV2, ConcatOffset, Pack, Unpack, Slice ---------------------------------------------

// Concat (axis input 0, values after it) and ConcatV2 (values, then the axis).
Status ConcatShapeOf(InferenceContext* c, int axis_input, int first) {
  const int n = c->num_inputs() - 1;
  SLUICE_RETURN_IF_ERROR(ScalarInput(c, axis_input, "axis"));
  int rank = -1;
  for (int i = 0; i < n; ++i) {
    int r = c->input(first + i).rank();
    if (r < 0) continue;
    if (rank >= 0 && r != rank) {
      return errors::InvalidArgument("ConcatV2 inputs must have the same rank: input 0..", i,
                                     " include shapes of rank ", rank, " and ",
                                     c->input(first + i).DebugString());
    }
    rank = r;
  }
  if (rank == 0) return errors::InvalidArgument("cannot concatenate scalars; use Pack");
  auto axis = ConstInts(c, axis_input);
  if (rank < 0) return absl::OkStatus();
  if (!axis) {
    c->set_output(0, TensorShape::UnknownDims(rank));
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis((*axis)[0], rank, "concat axis"));
  TensorShape out = TensorShape::UnknownDims(rank);
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    const TensorShape& s = c->input(first + i);
    if (s.unknown_rank()) {
      total = -1;
      continue;
    }
    for (int d = 0; d < rank; ++d) {
      if (d == a) continue;
      if (out.dim(d) >= 0 && s.dim(d) >= 0 && out.dim(d) != s.dim(d)) {
        std::vector<std::string> shapes;
        for (int k = 0; k < n; ++k) shapes.push_back(c->input(first + k).DebugString());
        return errors::InvalidArgument("ConcatV2 along axis ", a,
                                       ": the other dimensions must match, got shapes ",
                                       absl::StrJoin(shapes, ", "));
      }
      if (s.dim(d) >= 0) out.set_dim(d, s.dim(d));
    }
    if (total >= 0 && s.dim(a) >= 0) {
      total = AddWithoutOverflow(total, s.dim(a));
      if (total < 0) return errors::InvalidArgument("ConcatV2 inputs overflow dimension ", a, " of the output");
    } else {
      total = -1;
    }
  }
  out.set_dim(a, total);
  c->set_output(0, out);
  return absl::OkStatus();
}

Status ConcatV2Shape(InferenceContext* c) { return ConcatShapeOf(c, c->num_inputs() - 1, 0); }
Status ConcatShape(InferenceContext* c) { return ConcatShapeOf(c, 0, 1); }

Status ConcatOffsetShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(ScalarInput(c, 0, "concat_dim"));
  for (int i = 1; i < c->num_inputs(); ++i) c->set_output(i - 1, c->input(i));
  return absl::OkStatus();
}

Status PackShape(InferenceContext* c) {
  TensorShape merged = TensorShape::UnknownRank();
  for (int i = 0; i < c->num_inputs(); ++i) {
    auto m = merged.Merge(c->input(i));
    if (!m.ok()) {
      std::vector<std::string> shapes;
      for (int k = 0; k < c->num_inputs(); ++k) shapes.push_back(c->input(k).DebugString());
      return errors::InvalidArgument("Pack inputs must have the same shape, got ",
                                     absl::StrJoin(shapes, ", "));
    }
    merged = *m;
  }
  if (merged.unknown_rank()) return absl::OkStatus();
  int64_t axis;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("axis", &axis));
  SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis(axis, merged.rank() + 1, "Pack axis"));
  TensorShape out;
  for (int i = 0; i <= merged.rank(); ++i) {
    if (i == a) out.AddDim(c->num_inputs());
    if (i < merged.rank()) out.AddDim(merged.dim(i));
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

Status UnpackShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  if (in.unknown_rank()) return absl::OkStatus();
  int64_t axis, num;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("axis", &axis));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("num", &num));
  SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis(axis, in.rank(), "Unpack axis"));
  if (in.dim(a) >= 0 && in.dim(a) != num) {
    return errors::InvalidArgument("cannot unpack ", num, " tensors along axis ", axis,
                                   " of shape ", in.DebugString());
  }
  TensorShape out = in;
  out.RemoveDim(static_cast<int>(a));
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, out);
  return absl::OkStatus();
}

Status SliceShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  for (int i = 1; i <= 2; ++i) {
    if (c->input(i).rank() > 1) {
      return errors::InvalidArgument(i == 1 ? "begin" : "size", " must be a vector, got shape ",
                                     c->input(i).DebugString());
    }
  }
  auto begin = ConstInts(c, 1);
  // A constant size may hold -1 ("to the end"); a size read from a Shape op holds -1 for unknown.
  auto size_const = ConstInts(c, 2);
  SLUICE_ASSIGN_OR_RETURN(TensorShape size, c->InputAsShape(2));
  int rank = in.rank();
  if (rank < 0) rank = size.rank();
  if (rank < 0 && begin) rank = static_cast<int>(begin->size());
  if (rank < 0) return absl::OkStatus();
  if ((begin && static_cast<int>(begin->size()) != rank) ||
      (!size.unknown_rank() && size.rank() != rank)) {
    return errors::InvalidArgument("Slice of shape ", in.DebugString(), ": begin and size must have ",
                                   rank, " entries, got ", begin ? begin->size() : -1, " and ",
                                   size.rank());
  }
  TensorShape out = TensorShape::UnknownDims(rank);
  for (int i = 0; i < rank; ++i) {
    int64_t b = begin ? (*begin)[i] : -1;
    int64_t dim = in.unknown_rank() ? -1 : in.dim(i);
    int64_t s = size.unknown_rank() ? -1 : size.dim(i);
    if (size_const && s == -1) s = (b >= 0 && dim >= 0) ? dim - b : -1;
    if (begin && b < 0) {
      return errors::InvalidArgument("Slice begin [", absl::StrJoin(*begin, ","),
                                     "] has a negative entry");
    }
    if (s < -1 || (b >= 0 && s >= 0 && dim >= 0 && (b > dim || s > dim - b))) {
      return errors::InvalidArgument("Slice of shape ", in.DebugString(), " at dim ", i,
                                     ": begin ", b, " + size ", s, " exceeds ", dim);
    }
    out.set_dim(i, s);
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("ConcatV2")
    .Input("values: N * T")
    .Input("axis: Tidx")
    .Output("output: T")
    .Attr("N: int >= 2")
    .Attr("T: type")
    .Attr("Tidx: {int32, int64} = DT_INT32")
    .SetShapeFn(ConcatV2Shape);

REGISTER_OP("Concat")
    .Input("concat_dim: int32")
    .Input("values: N * T")
    .Output("output: T")
    .Attr("N: int >= 2")
    .Attr("T: type")
    .SetShapeFn(ConcatShape);

REGISTER_OP("ConcatOffset")
    .Input("concat_dim: int32")
    .Input("shape: N * int32")
    .Output("offset: N * int32")
    .Attr("N: int >= 2")
    .SetShapeFn(ConcatOffsetShape);

REGISTER_OP("Pack")
    .Input("values: N * T")
    .Output("output: T")
    .Attr("N: int >= 1")
    .Attr("T: type")
    .Attr("axis: int = 0")
    .SetShapeFn(PackShape);

REGISTER_OP("Unpack")
    .Input("value: T")
    .Output("output: num * T")
    .Attr("num: int >= 0")
    .Attr("T: type")
    .Attr("axis: int = 0")
    .SetShapeFn(UnpackShape);

REGISTER_OP("Slice")
    .Input("input: T")
    .Input("begin: Index")
    .Input("size: Index")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Index: {int32, int64}")
    .SetShapeFn(SliceShape);

Status PadShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  const TensorShape& pads = c->input(1);
  int rank = in.rank();
  if (rank < 0 && pads.rank() >= 1) rank = static_cast<int>(pads.dim(0));
  if (pads.rank() >= 0 && (pads.rank() != 2 || (pads.dim(1) >= 0 && pads.dim(1) != 2) ||
                           (rank >= 0 && pads.dim(0) >= 0 && pads.dim(0) != rank))) {
    return errors::InvalidArgument("paddings must have shape [", rank < 0 ? "?" : absl::StrCat(rank),
                                   ",2] for input of shape ", in.DebugString(), ", got ",
                                   pads.DebugString());
  }
  if (rank < 0) return absl::OkStatus();
  auto values = ConstInts(c, 1);
  TensorShape out = TensorShape::UnknownDims(rank);
  for (int i = 0; i < rank; ++i) {
    if (!values) break;
    int64_t before = (*values)[2 * i], after = (*values)[2 * i + 1];
    if (before < 0 || after < 0) {
      return errors::InvalidArgument("paddings [", absl::StrJoin(*values, ","),
                                     "] has a negative entry");
    }
    if (!in.unknown_rank() && in.dim(i) >= 0) {
      const int64_t d = AddWithoutOverflow(AddWithoutOverflow(in.dim(i), before), after);
      if (d < 0) {
        return errors::InvalidArgument("paddings [", absl::StrJoin(*values, ","), "] overflow dimension ", i,
                                       " of shape ", in.DebugString());
      }
      out.set_dim(i, d);
    }
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("Pad")
    .Input("input: T")
    .Input("paddings: Tpaddings")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tpaddings: {int32, int64} = DT_INT32")
    .SetShapeFn(PadShape);

REGISTER_OP("PadV2")
    .Input("input: T")
    .Input("paddings: Tpaddings")
    .Input("constant_values: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tpaddings: {int32, int64} = DT_INT32")
    .SetShapeFn(PadShape);

// ---- OneHot ----------------------------------------------------------------------------------

Status OneHotShape(InferenceContext* c) {
  int64_t axis;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("axis", &axis));
  if (axis < -1) return errors::InvalidArgument("OneHot axis must be >= -1, got ", axis);
  for (int i = 1; i <= 3; ++i) {
    SLUICE_RETURN_IF_ERROR(ScalarInput(c, i, i == 1 ? "depth" : i == 2 ? "on_value" : "off_value"));
  }
  int64_t depth = -1;
  if (const Tensor* t = c->input_tensor(1)) {
    depth = t->scalar<int32_t>();
    if (depth < 0) return errors::InvalidArgument("OneHot depth must be non-negative, got ", depth);
  }
  const TensorShape& in = c->input(0);
  if (in.unknown_rank()) return absl::OkStatus();
  const int64_t a = axis == -1 ? in.rank() : axis;
  if (a > in.rank()) {
    return errors::InvalidArgument("OneHot axis ", axis, " is out of range for indices of shape ",
                                   in.DebugString());
  }
  TensorShape out;
  for (int i = 0; i <= in.rank(); ++i) {
    if (i == a) out.AddDim(depth);
    if (i < in.rank()) out.AddDim(in.dim(i));
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("OneHot")
    .Input("indices: TI")
    .Input("depth: int32")
    .Input("on_value: T")
    .Input("off_value: T")
    .Output("output: T")
    .Attr("axis: int = -1")
    .Attr("T: type")
    .Attr("TI: {uint8, int32, int64} = DT_INT64")
    .SetShapeFn(OneHotShape);

// ---- GatherV2, Gather ------------------------------------------------------------------------

// params[:axis] + indices[batch_dims:] + params[axis+1:]; `axis_input` < 0: axis 0 (Gather).
Status GatherShapeOf(InferenceContext* c, int axis_input) {
  int64_t batch_dims = 0;
  if (axis_input >= 0) {
    SLUICE_RETURN_IF_ERROR(c->GetAttr("batch_dims", &batch_dims));
    SLUICE_RETURN_IF_ERROR(ScalarInput(c, axis_input, "axis"));
  }
  const TensorShape& params = c->input(0);
  const TensorShape& indices = c->input(1);
  if (params.rank() == 0) return errors::InvalidArgument("params must be at least a vector, got a scalar");
  if (params.unknown_rank() || indices.unknown_rank()) return absl::OkStatus();
  if (batch_dims < -indices.rank() || batch_dims > indices.rank()) {
    return errors::InvalidArgument("batch_dims = ", batch_dims, " is not in [", -indices.rank(), ", ",
                                   indices.rank(), "] for indices ", indices.DebugString());
  }
  if (batch_dims < 0) batch_dims += indices.rank();
  if (batch_dims >= params.rank()) {
    return errors::InvalidArgument("batch_dims = ", batch_dims, " must be less than the rank of params ",
                                   params.DebugString());
  }
  for (int i = 0; i < batch_dims; ++i) {
    if (!TensorShape{params.dim(i)}.IsCompatibleWith(TensorShape{indices.dim(i)})) {
      return errors::InvalidArgument("params.shape[", i, "] = ", params.dim(i), " must equal indices.shape[", i,
                                     "] = ", indices.dim(i), " (batch_dims = ", batch_dims, ")");
    }
  }
  int64_t axis = 0;
  if (axis_input >= 0) {
    auto a = ConstInts(c, axis_input);
    if (!a) {
      c->set_output(0, TensorShape::UnknownDims(params.rank() - 1 + indices.rank() - static_cast<int>(batch_dims)));
      return absl::OkStatus();
    }
    SLUICE_ASSIGN_OR_RETURN(axis, CanonicalAxis((*a)[0], params.rank(), "axis"));
    if (axis < batch_dims) {
      return errors::InvalidArgument("axis = ", axis, " must be >= batch_dims = ", batch_dims);
    }
  }
  TensorShape out;
  for (int64_t i = 0; i < axis; ++i) out.AddDim(params.dim(i));
  for (int i = static_cast<int>(batch_dims); i < indices.rank(); ++i) out.AddDim(indices.dim(i));
  for (int64_t i = axis + 1; i < params.rank(); ++i) out.AddDim(params.dim(i));
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("GatherV2")
    .Input("params: Tparams")
    .Input("indices: Tindices")
    .Input("axis: Taxis")
    .Output("output: Tparams")
    .Attr("batch_dims: int = 0")
    .Attr("Tparams: type")
    .Attr("Tindices: {int32, int64}")
    .Attr("Taxis: {int32, int64}")
    .SetShapeFn([](InferenceContext* c) { return GatherShapeOf(c, 2); });

REGISTER_OP("Gather")
    .Input("params: Tparams")
    .Input("indices: Tindices")
    .Output("output: Tparams")
    .Attr("validate_indices: bool = true")
    .Attr("Tparams: type")
    .Attr("Tindices: {int32, int64}")
    .SetShapeFn([](InferenceContext* c) { return GatherShapeOf(c, -1); });

// ---- StridedSlice, StridedSliceGrad, PreventGradient -------------------------------------------

Status GetStridedSliceMasks(const InferenceContext* c, StridedSliceMasks* m) {
  SLUICE_RETURN_IF_ERROR(c->GetAttr("begin_mask", &m->begin_mask));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("end_mask", &m->end_mask));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("ellipsis_mask", &m->ellipsis_mask));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("new_axis_mask", &m->new_axis_mask));
  return c->GetAttr("shrink_axis_mask", &m->shrink_axis_mask);
}

// begin, end and strides are inputs `first`..`first + 2`; the sliced shape is `in`.
Status StridedSliceOutputShape(InferenceContext* c, const TensorShape& in, int first) {
  for (int i = first; i < first + 3; ++i) {
    const TensorShape& s = c->input(i);
    if (s.rank() > 1) {
      return errors::InvalidArgument("begin, end and strides must be vectors, got shape ", s.DebugString());
    }
    if (i > first && s.rank() == 1 && c->input(first).rank() == 1 && s.dim(0) >= 0 &&
        c->input(first).dim(0) >= 0 && s.dim(0) != c->input(first).dim(0)) {
      return errors::InvalidArgument("begin, end and strides must have the same length, got shapes ",
                                     c->input(first).DebugString(), " and ", s.DebugString());
    }
  }
  auto begin = ConstInts(c, first), end = ConstInts(c, first + 1), strides = ConstInts(c, first + 2);
  if (in.unknown_rank() || !begin || !end || !strides) return absl::OkStatus();
  StridedSliceMasks masks;
  SLUICE_RETURN_IF_ERROR(GetStridedSliceMasks(c, &masks));
  SLUICE_ASSIGN_OR_RETURN(StridedSliceSpec spec, ComputeStridedSlice(in, *begin, *end, *strides, masks));
  c->set_output(0, spec.final_shape);
  return absl::OkStatus();
}

Status StridedSliceShape(InferenceContext* c) { return StridedSliceOutputShape(c, c->input(0), 1); }

// The output has the shape `shape` holds.
Status StridedSliceGradShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, c->InputAsShape(0));
  c->set_output(0, shape);
  return absl::OkStatus();
}

#define SLUICE_STRIDED_SLICE_MASK_ATTRS                                                      \
  Attr("begin_mask: int = 0").Attr("end_mask: int = 0").Attr("ellipsis_mask: int = 0")      \
      .Attr("new_axis_mask: int = 0").Attr("shrink_axis_mask: int = 0")

REGISTER_OP("StridedSlice")
    .Input("input: T")
    .Input("begin: Index")
    .Input("end: Index")
    .Input("strides: Index")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Index: {int32, int64}")
    .SLUICE_STRIDED_SLICE_MASK_ATTRS
    .SetShapeFn(StridedSliceShape);

REGISTER_OP("StridedSliceGrad")
    .Input("shape: Index")
    .Input("begin: Index")
    .Input("end: Index")
    .Input("strides: Index")
    .Input("dy: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Index: {int32, int64}")
    .SLUICE_STRIDED_SLICE_MASK_ATTRS
    .SetShapeFn(StridedSliceGradShape);
#undef SLUICE_STRIDED_SLICE_MASK_ATTRS

REGISTER_OP("PreventGradient")
    .Input("input: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("message: string = ''")
    .Doc("Identity whose gradient is an error carrying `message`.")
    .SetShapeFn(shape_fn::UnchangedShape);

// ---- Split, SplitV, Reverse, ReverseV2 -------------------------------------------------------

// Split: num_split equal parts of `value` along split_dim (input 0).
Status SplitShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(ScalarInput(c, 0, "split_dim"));
  int64_t num;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("num_split", &num));
  const TensorShape& in = c->input(1);
  auto dim = ConstInts(c, 0);
  if (in.unknown_rank()) return absl::OkStatus();
  TensorShape out = TensorShape::UnknownDims(in.rank());
  if (dim) {
    SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis((*dim)[0], in.rank(), "split_dim"));
    out = in;
    if (in.dim(a) >= 0) {
      if (in.dim(a) % num != 0) {
        return errors::InvalidArgument("Number of ways to split should evenly divide the split dimension, but got "
                                       "split_dim ", a, " (size = ", in.dim(a), ") and num_split ", num,
                                       " (shape ", in.DebugString(), ")");
      }
      out.set_dim(static_cast<int>(a), in.dim(a) / num);
    }
  }
  for (int i = 0; i < c->num_outputs(); ++i) c->set_output(i, out);
  return absl::OkStatus();
}

// SplitV: parts of the sizes size_splits (one may be -1: the rest) along split_dim (input 2).
Status SplitVShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(ScalarInput(c, 2, "split_dim"));
  const TensorShape& in = c->input(0);
  auto dim = ConstInts(c, 2);
  auto sizes = ConstInts(c, 1);
  const int n = c->num_outputs();
  if (sizes && static_cast<int>(sizes->size()) != n) {
    return errors::InvalidArgument("size_splits has ", sizes->size(), " entries, num_split is ", n);
  }
  if (in.unknown_rank()) return absl::OkStatus();
  if (!dim) {
    for (int i = 0; i < n; ++i) c->set_output(i, TensorShape::UnknownDims(in.rank()));
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t a, CanonicalAxis((*dim)[0], in.rank(), "split_dim"));
  std::vector<int64_t> s(n, -1);
  if (sizes) {
    s = *sizes;
    int unknown = -1;
    int64_t known = 0;
    for (int i = 0; i < n; ++i) {
      if (s[i] == -1) {
        if (unknown >= 0) return errors::InvalidArgument("size_splits may hold at most one -1");
        unknown = i;
      } else if (s[i] < 0) {
        return errors::InvalidArgument("size_splits entries must be >= 0 or -1, got ", s[i]);
      } else {
        known += s[i];
      }
    }
    if (in.dim(a) >= 0) {
      if ((unknown < 0 && known != in.dim(a)) || (unknown >= 0 && known > in.dim(a))) {
        return errors::InvalidArgument("Determined shape must either match input shape along split_dim exactly "
                                       "if fully specified, or be less than the size of the input along "
                                       "split_dim if not fully specified; got size_splits [",
                                       absl::StrJoin(*sizes, ","), "] for shape ", in.DebugString(),
                                       " and split_dim ", a);
      }
      if (unknown >= 0) s[unknown] = in.dim(a) - known;
    }
  }
  for (int i = 0; i < n; ++i) {
    TensorShape out = in;
    out.set_dim(static_cast<int>(a), s[i]);
    c->set_output(i, out);
  }
  return absl::OkStatus();
}

REGISTER_OP("Split")
    .Input("split_dim: int32")
    .Input("value: T")
    .Output("output: num_split * T")
    .Attr("num_split: int >= 1")
    .Attr("T: type")
    .SetShapeFn(SplitShape);

REGISTER_OP("SplitV")
    .Input("value: T")
    .Input("size_splits: Tlen")
    .Input("split_dim: int32")
    .Output("output: num_split * T")
    .Attr("num_split: int >= 1")
    .Attr("T: type")
    .Attr("Tlen: {int32, int64} = DT_INT64")
    .SetShapeFn(SplitVShape);

REGISTER_OP("Reverse")
    .Input("tensor: T")
    .Input("dims: bool")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("ReverseV2")
    .Input("tensor: T")
    .Input("axis: Tidx")
    .Output("output: T")
    .Attr("Tidx: {int32, int64} = DT_INT32")
    .Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);

// The input's shape; seq_dim and batch_dim distinct dims of it, seq_lengths a vector of
// input.shape[batch_dim] entries (where the shapes are known).
Status ReverseSequenceShape(InferenceContext* c) {
  int64_t seq_dim = 0, batch_dim = 0;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("seq_dim", &seq_dim));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("batch_dim", &batch_dim));
  const TensorShape& in = c->input(0);
  const TensorShape& lengths = c->input(1);
  if (seq_dim == batch_dim) {
    return errors::InvalidArgument("seq_dim and batch_dim must differ, both are ", seq_dim);
  }
  if (!lengths.unknown_rank() && lengths.rank() != 1) {
    return errors::InvalidArgument("seq_lengths must be a vector, got shape ", lengths.DebugString());
  }
  if (!in.unknown_rank()) {
    const int64_t rank = in.rank();
    if (seq_dim < 0 || seq_dim >= rank || batch_dim < 0 || batch_dim >= rank) {
      return errors::InvalidArgument("seq_dim ", seq_dim, " and batch_dim ", batch_dim,
                                     " must be dims of the input, of shape ", in.DebugString());
    }
    const int64_t batch = in.dim(static_cast<int>(batch_dim));
    if (!lengths.unknown_rank() && batch >= 0 && lengths.dim(0) >= 0 && lengths.dim(0) != batch) {
      return errors::InvalidArgument("seq_lengths has ", lengths.dim(0), " entries, the input's batch dim ",
                                     batch_dim, " is ", batch, " (input shape ", in.DebugString(), ")");
    }
  }
  c->set_output(0, in);
  return absl::OkStatus();
}

REGISTER_OP("ReverseSequence")
    .Input("input: T")
    .Input("seq_lengths: Tlen")
    .Output("output: T")
    .Attr("seq_dim: int")
    .Attr("batch_dim: int = 0")
    .Attr("T: type")
    .Attr("Tlen: {int32, int64} = DT_INT64")
    .Doc("Reverses the first seq_lengths[b] slices along seq_dim of each batch entry b (along batch_dim).")
    .SetShapeFn(ReverseSequenceShape);

// ---- Where -----------------------------------------------------------------------------------

Status WhereShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  c->set_output(0, TensorShape{-1, in.unknown_rank() ? -1 : static_cast<int64_t>(in.rank())});
  return absl::OkStatus();
}

REGISTER_OP("Where")
    .Input("input: T")
    .Output("index: int64")
    .Attr("T: {float, double, int32, int64, uint8, bool} = DT_BOOL")
    .Doc("The coordinates of the true (nonzero) elements, in row-major order: [num_true, rank].")
    .SetShapeFn(WhereShape);

// ---- MirrorPad, MirrorPadGrad ----------------------------------------------------------------

// Pad's shape, with each padding at most the dim (SYMMETRIC) or the dim - 1 (REFLECT).
Status MirrorPadShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(PadShape(c));
  std::string mode;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("mode", &mode));
  auto pads = ConstInts(c, 1);
  const TensorShape& in = c->input(0);
  if (!pads || in.unknown_rank() || static_cast<int>(pads->size()) != 2 * in.rank()) return absl::OkStatus();
  const int64_t slack = mode == "REFLECT" ? 1 : 0;
  for (int i = 0; i < in.rank(); ++i) {
    if (in.dim(i) < 0) continue;
    if ((*pads)[2 * i] > in.dim(i) - slack || (*pads)[2 * i + 1] > in.dim(i) - slack) {
      return errors::InvalidArgument("paddings must be no greater than the dimension size", slack ? " - 1" : "",
                                     " in ", mode, " mode: ", (*pads)[2 * i], ", ", (*pads)[2 * i + 1],
                                     " greater than ", in.dim(i) - slack, " at dim ", i, " of shape ", in.DebugString());
    }
  }
  return absl::OkStatus();
}

// The input of MirrorPad's shape: each dim of the padded gradient less its paddings.
Status MirrorPadGradShape(InferenceContext* c) {
  const TensorShape& in = c->input(0);
  auto pads = ConstInts(c, 1);
  if (in.unknown_rank()) return absl::OkStatus();
  TensorShape out = TensorShape::UnknownDims(in.rank());
  for (int i = 0; pads && static_cast<int>(pads->size()) == 2 * in.rank() && i < in.rank(); ++i) {
    if (in.dim(i) >= 0) out.set_dim(i, in.dim(i) - (*pads)[2 * i] - (*pads)[2 * i + 1]);
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

REGISTER_OP("MirrorPad")
    .Input("input: T")
    .Input("paddings: Tpaddings")
    .Output("output: T")
    .Attr("T: type")
    .Attr("Tpaddings: {int32, int64} = DT_INT32")
    .Attr("mode: {'REFLECT', 'SYMMETRIC'}")
    .SetShapeFn(MirrorPadShape);

REGISTER_OP("MirrorPadGrad")
    .Input("input: T")
    .Input("paddings: Tpaddings")
    .Output("output: T")
    .Attr("T: {float, double, int32, int64}")
    .Attr("Tpaddings: {int32, int64} = DT_INT32")
    .Attr("mode: {'REFLECT', 'SYMMETRIC'}")
    .Doc("MirrorPad's gradient: each padded element's gradient added to the element it mirrors.")
    .SetShapeFn(MirrorPadGradShape);

// ---- ShapeN ----------------------------------------------------------------------------------

Status ShapeNShape(InferenceContext* c) {
  for (int i = 0; i < c->num_inputs(); ++i) {
    const TensorShape& s = c->input(i);
    c->set_output(i, TensorShape{s.unknown_rank() ? -1 : static_cast<int64_t>(s.rank())});
  }
  return absl::OkStatus();
}

REGISTER_OP("ShapeN")
    .Input("input: N * T")
    .Output("output: N * out_type")
    .Attr("N: int")
    .Attr("T: type")
    .Attr("out_type: {int32, int64} = DT_INT32")
    .Doc("The shapes of the N inputs (Shape of each).")
    .SetShapeFn(ShapeNShape);

}  // namespace
}  // namespace sluice
