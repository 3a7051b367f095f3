// Variable op schemas and shape functions (the client builders are in ops/state_ops.cc).
#include "core/op_registry.h"

namespace sluice {
namespace {

Status VariableShape(InferenceContext* c) {
  TensorShape shape;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("shape", &shape));
  c->set_output(0, shape);
  return absl::OkStatus();
}

// The variable and the value must agree on the shape (unless the op may reshape the variable).
Status AssignShape(InferenceContext* c) {
  bool validate_shape = true;
  if (!c->GetAttr("validate_shape", &validate_shape).ok()) validate_shape = true;
  if (!validate_shape) {
    c->set_output(0, c->input(1));
    return absl::OkStatus();
  }
  auto merged = c->input(0).Merge(c->input(1));
  if (!merged.ok()) {
    return errors::InvalidArgument("the variable's shape ", c->input(0).DebugString(),
                                   " and the value's shape ", c->input(1).DebugString(),
                                   " must match");
  }
  c->set_output(0, *merged);
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("VariableV2")
    .Output("ref: Ref(dtype)")
    .Attr("shape: shape")
    .Attr("dtype: type")
    .Attr("container: string = ''")
    .Attr("shared_name: string = ''")
    .SetIsStateful()
    .SetShapeFn(VariableShape)
    .Doc("A mutable tensor that persists across steps, in the session's ResourceMgr.");

REGISTER_OP("Assign")
    .Input("ref: Ref(T)")
    .Input("value: T")
    .Output("output_ref: Ref(T)")
    .Attr("T: type")
    .Attr("validate_shape: bool = true")
    .Attr("use_locking: bool = true")
    .SetAllowsUninitializedInput()
    .SetShapeFn(AssignShape)
    .Doc("ref = value.");

REGISTER_OP("AssignAdd")
    .Input("ref: Ref(T)")
    .Input("value: T")
    .Output("output_ref: Ref(T)")
    .Attr("T: {float, double, int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(AssignShape)
    .Doc("ref += value.");

REGISTER_OP("AssignSub")
    .Input("ref: Ref(T)")
    .Input("value: T")
    .Output("output_ref: Ref(T)")
    .Attr("T: {float, double, int32, int64}")
    .Attr("use_locking: bool = false")
    .SetShapeFn(AssignShape)
    .Doc("ref -= value.");

REGISTER_OP("IsVariableInitialized")
    .Input("ref: Ref(dtype)")
    .Output("is_initialized: bool")
    .Attr("dtype: type")
    .SetAllowsUninitializedInput()
    .SetShapeFn(shape_fn::ScalarShape)
    .Doc("Whether the variable has been assigned.");

}  // namespace sluice
