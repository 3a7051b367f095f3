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

// ---- BatchMatMul, BatchMatMulV2 --------------------------------------------------------------

// Matrices in the last two dims; the batch dims must be equal (V1) or broadcast (V2).
Status BatchMatMulShape(InferenceContext* c) {
  bool adj_x, adj_y;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("adj_x", &adj_x));
  SLUICE_RETURN_IF_ERROR(c->GetAttr("adj_y", &adj_y));
  const bool broadcast = c->node().op() == "BatchMatMulV2";
  const TensorShape& x = c->input(0);
  const TensorShape& y = c->input(1);
  for (const TensorShape* s : {&x, &y}) {
    if (!s->unknown_rank() && s->rank() < 2) {
      return errors::InvalidArgument("BatchMatMul inputs must have rank >= 2, got shapes ", x.DebugString(),
                                     " and ", y.DebugString());
    }
  }
  if (x.unknown_rank() || y.unknown_rank()) return absl::OkStatus();
  const int64_t k_x = x.dim(x.rank() - (adj_x ? 2 : 1)), k_y = y.dim(y.rank() - (adj_y ? 1 : 2));
  if (k_x >= 0 && k_y >= 0 && k_x != k_y) {
    return errors::InvalidArgument("Matrix size-incompatible: In[0]: ", x.DebugString(), ", In[1]: ",
                                   y.DebugString(), " (adj_x=", adj_x, ", adj_y=", adj_y, ")");
  }
  TensorShape bx(x.dims().subspan(0, x.rank() - 2)), by(y.dims().subspan(0, y.rank() - 2));
  TensorShape batch;
  if (broadcast) {
    SLUICE_ASSIGN_OR_RETURN(batch, shape_fn::BroadcastShapes(bx, by));
  } else {
    auto merged = bx.rank() == by.rank() ? bx.Merge(by) : StatusOr<TensorShape>(errors::InvalidArgument(""));
    if (!merged.ok()) {
      return errors::InvalidArgument("BatchMatMul needs equal batch dimensions, got shapes ", x.DebugString(),
                                     " and ", y.DebugString());
    }
    batch = *merged;
  }
  batch.AddDim(x.dim(x.rank() - (adj_x ? 1 : 2)));
  batch.AddDim(y.dim(y.rank() - (adj_y ? 2 : 1)));
  c->set_output(0, batch);
  return absl::OkStatus();
}

REGISTER_OP("BatchMatMul")
    .Input("x: T")
    .Input("y: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, int64}")
    .Attr("adj_x: bool = false")
    .Attr("adj_y: bool = false")
    .SetShapeFn(BatchMatMulShape);

REGISTER_OP("BatchMatMulV2")
    .Input("x: T")
    .Input("y: T")
    .Output("output: T")
    .Attr("T: {float, double, int32, int64}")
    .Attr("adj_x: bool = false")
    .Attr("adj_y: bool = false")
    .SetShapeFn(BatchMatMulShape);

}  // namespace
}  // namespace sluice
