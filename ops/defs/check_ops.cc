// check ops: Assert, the op under tf.Assert and the tf.debugging.assert_* family (the client
// builder is in ops/check_ops.cc).
#include "core/op_registry.h"

namespace sluice {
namespace {

Status AssertShape(InferenceContext* c) {
  if (c->input(0).rank() > 0) {
    return errors::InvalidArgument("condition must be a scalar, got shape ", c->input(0).DebugString());
  }
  return absl::OkStatus();
}

REGISTER_OP("Assert")
    .Input("condition: bool")
    .Input("data: T")
    .Attr("T: list(type)")
    .Attr("summarize: int = 3")
    .SetIsStateful()
    .Doc("Fails the step with the values of `data` (at most `summarize` entries each) when "
         "`condition` is false.")
    .SetShapeFn(AssertShape);

}  // namespace
}  // namespace sluice
