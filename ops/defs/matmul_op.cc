// matmul op: op schemas and shape functions (the client builders and gradients are in ops/matmul_op.cc).
#include "core/op_registry.h"

namespace sluice {
namespace {

Status MatMulShape(InferenceContext* c) {
  bool transpose_a, transpose_b;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("transpose_a", &transpose_a));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("transpose_b", &transpose_b));
  auto shapes = [c] {
    return absl::StrCat(" with input shapes: ", c->input(0).DebugString(), ", ",
                        c->input(1).DebugString());
  };
  for (int i = 0; i < 2; ++i) {
    if (!c->input(i).unknown_rank() && c->input(i).rank() != 2) {
      return errors::InvalidArgument("Shape must be rank 2 but is rank ", c->input(i).rank(),
                                     " for '", c->node().name(), "'", shapes());
    }
  }
  TensorShape a = c->input(0).unknown_rank() ? TensorShape::UnknownDims(2) : c->input(0);
  TensorShape b = c->input(1).unknown_rank() ? TensorShape::UnknownDims(2) : c->input(1);
  int64_t inner_a = a.dim(transpose_a ? 0 : 1), inner_b = b.dim(transpose_b ? 1 : 0);
  if (inner_a >= 0 && inner_b >= 0 && inner_a != inner_b) {
    return errors::InvalidArgument("Dimensions must be equal, but are ", inner_a, " and ", inner_b,
                                   " for '", c->node().name(), "'", shapes());
  }
  c->set_output(0, TensorShape{a.dim(transpose_a ? 1 : 0), b.dim(transpose_b ? 0 : 1)});
  return absl::OkStatus();
}

REGISTER_OP("MatMul")
    .Input("a: T")
    .Input("b: T")
    .Output("product: T")
    .Attr("transpose_a: bool = false")
    .Attr("transpose_b: bool = false")
    .Attr("T: {float, double, int32, int64}")
    .SetShapeFn(MatMulShape);

}  // namespace
}  // namespace sluice
