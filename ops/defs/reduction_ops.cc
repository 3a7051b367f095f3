// reduction ops: op schemas and shape functions (the client builders and gradients are in ops/reduction_ops.cc).
#include <optional>
#include "absl/strings/str_join.h"
#include "core/op_registry.h"

namespace sluice {
namespace {

Status ReductionShape(InferenceContext* c) {
  bool keep_dims;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("keep_dims", &keep_dims));
  if (c->input(1).rank() > 1) {
    return errors::InvalidArgument("reduction_indices must be a scalar or vector, got shape ",
                                   c->input(1).DebugString());
  }
  const TensorShape& in = c->input(0);
  const Tensor* axes = c->input_tensor(1);
  if (in.unknown_rank()) {
    c->set_output(0, TensorShape::UnknownRank());
    return absl::OkStatus();
  }
  if (axes == nullptr) {
    c->set_output(0, keep_dims ? TensorShape::UnknownDims(in.rank()) : TensorShape::UnknownRank());
    return absl::OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<bool> reduced, shape_fn::ReducedAxes(*axes, in.rank()));
  TensorShape out;
  for (int i = 0; i < in.rank(); ++i) {
    if (!reduced[i]) out.AddDim(in.dim(i));
    else if (keep_dims) out.AddDim(1);
  }
  c->set_output(0, out);
  return absl::OkStatus();
}

Status ArgReductionShape(InferenceContext* c) {
  if (c->input(1).rank() > 0) {
    return errors::InvalidArgument("dimension must be a scalar, got shape ",
                                   c->input(1).DebugString());
  }
  const TensorShape& in = c->input(0);
  if (in.unknown_rank()) {
    c->set_output(0, TensorShape::UnknownRank());
    return absl::OkStatus();
  }
  if (in.rank() == 0) return errors::InvalidArgument("input must have rank >= 1, got a scalar");
  const Tensor* axis = c->input_tensor(1);
  if (axis == nullptr) {
    c->set_output(0, TensorShape::UnknownDims(in.rank() - 1));
    return absl::OkStatus();
  }
  int64_t a = Int64Values(*axis)[0];
  if (a < -in.rank() || a >= in.rank()) {
    return errors::InvalidArgument("dimension ", a, " is out of range for input of shape ",
                                   in.DebugString());
  }
  TensorShape out = in;
  out.RemoveDim(static_cast<int>(a < 0 ? a + in.rank() : a));
  c->set_output(0, out);
  return absl::OkStatus();
}

#define SLUICE_REDUCTION_OP(name)                      \
  REGISTER_OP(name)                                    \
      .Input("input: T")                               \
      .Input("reduction_indices: Tidx")                \
      .Output("output: T")                             \
      .Attr("keep_dims: bool = false")                 \
      .Attr("T: {float, double, int32, int64}")        \
      .Attr("Tidx: {int32, int64} = DT_INT32")         \
      .SetShapeFn(ReductionShape)

SLUICE_REDUCTION_OP("Sum");
SLUICE_REDUCTION_OP("Mean");
SLUICE_REDUCTION_OP("Max");
SLUICE_REDUCTION_OP("Min");
SLUICE_REDUCTION_OP("Prod");
#undef SLUICE_REDUCTION_OP

#define SLUICE_ARG_REDUCTION_OP(name)                    \
  REGISTER_OP(name)                                      \
      .Input("input: T")                                 \
      .Input("dimension: Tidx")                          \
      .Output("output: output_type")                     \
      .Attr("T: {float, double, int32, int64, uint8}")   \
      .Attr("Tidx: {int32, int64} = DT_INT32")           \
      .Attr("output_type: {int32, int64} = DT_INT64")    \
      .SetShapeFn(ArgReductionShape)

SLUICE_ARG_REDUCTION_OP("ArgMax");
SLUICE_ARG_REDUCTION_OP("ArgMin");
#undef SLUICE_ARG_REDUCTION_OP

// ---- All, Any --------------------------------------------------------------------------------

#define SLUICE_LOGICAL_REDUCTION_OP(name)              \
  REGISTER_OP(name)                                    \
      .Input("input: bool")                            \
      .Input("reduction_indices: Tidx")                \
      .Output("output: bool")                          \
      .Attr("keep_dims: bool = false")                 \
      .Attr("Tidx: {int32, int64} = DT_INT32")         \
      .SetShapeFn(ReductionShape)
SLUICE_LOGICAL_REDUCTION_OP("All");
SLUICE_LOGICAL_REDUCTION_OP("Any");
#undef SLUICE_LOGICAL_REDUCTION_OP

}  // namespace
}  // namespace sluice
