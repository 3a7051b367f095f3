// TopKV2 and TopK schemas and shape functions, as TensorFlow 1.x declares them (the builders and
// the gradient are in ops/topk_ops.cc).
#include "core/op_registry.h"
#include "core/type_lists.h"

namespace sluice {
namespace {

// input [..., n] -> values, indices [..., k]; k from input 1 (TopKV2) or the `k` attr (TopK).
Status TopKShape(InferenceContext* c) {
  const TensorShape& input = c->input(0);
  if (input.rank() == 0) return errors::InvalidArgument("input must be at least a vector, got a scalar");
  int64_t k = -1;
  if (c->num_inputs() > 1) {
    if (c->input(1).rank() > 0) {
      return errors::InvalidArgument("k must be a scalar, got shape ", c->input(1).DebugString());
    }
    if (const Tensor* t = c->input_tensor(1)) k = Int64Values(*t)[0];
  } else {
    SLUICE_RETURN_IF_ERROR(c->GetAttr("k", &k));
  }
  if (c->num_inputs() > 1 && c->input_tensor(1) != nullptr && k < 0) {
    return errors::InvalidArgument("k = ", k, " must be non-negative");
  }
  if (input.unknown_rank()) return absl::OkStatus();
  const int64_t n = input.dim(input.rank() - 1);
  if (k >= 0 && n >= 0 && k > n) {
    return errors::InvalidArgument("input ", input.DebugString(), " must have last dimension >= k = ", k);
  }
  TensorShape out = input;
  out.set_dim(input.rank() - 1, k);
  c->set_output(0, out);
  c->set_output(1, out);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("TopKV2")
    .Input("input: T")
    .Input("k: int32")
    .Output("values: T")
    .Output("indices: int32")
    .Attr("sorted: bool = true")
    .Attr(RealNumberTypes::Attr("T"))
    .SetShapeFn(TopKShape)
    .Doc("The k largest entries of each row (the last dimension) and their indices; ties go to the lower index.");

REGISTER_OP("TopK")
    .Input("input: T")
    .Output("values: T")
    .Output("indices: int32")
    .Attr("k: int >= 0")
    .Attr("sorted: bool = true")
    .Attr(RealNumberTypes::Attr("T"))
    .SetShapeFn(TopKShape)
    .Doc("TopKV2 with k as an attr (TF's older op).");

}  // namespace sluice
