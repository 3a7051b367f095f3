// TF1 (v1) control-flow ops: op schemas and shape functions, TensorFlow's names, attrs and arg
// names (control_flow_ops.cc of TensorFlow). They run in the frame-aware executor
// (runtime/frame_executor.cc), which a plan uses when it holds any of them.
#include "core/op_registry.h"

namespace sluice {
namespace {

// Switch: both outputs have the data's shape; the predicate must be a scalar.
Status SwitchShape(InferenceContext* c) {
  if (c->input(1).rank() > 0) {
    return errors::InvalidArgument("pred must be a scalar, got shape ", c->input(1).DebugString());
  }
  c->set_output(0, c->input(0));
  c->set_output(1, c->input(0));
  return absl::OkStatus();
}

// Merge: the most specific shape every input has (a loop's back edge arrives with unknown
// shape, so a loop variable whose shape changes gets the dimensions that do not); value_index
// is a scalar.
Status MergeShape(InferenceContext* c) {
  TensorShape out = c->input(0);
  for (int i = 1; i < c->num_inputs() && !out.unknown_rank(); ++i) {
    const TensorShape& in = c->input(i);
    if (in.unknown_rank() || in.rank() != out.rank()) {
      out = TensorShape::UnknownRank();
      break;
    }
    for (int d = 0; d < out.rank(); ++d) {
      if (out.dim(d) != in.dim(d)) out.set_dim(d, -1);
    }
  }
  c->set_output(0, std::move(out));
  c->set_output(1, TensorShape());
  return absl::OkStatus();
}

Status LoopCondShape(InferenceContext* c) {
  if (c->input(0).rank() > 0) {
    return errors::InvalidArgument("input must be a scalar, got shape ", c->input(0).DebugString());
  }
  c->set_output(0, TensorShape());
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("Switch")
    .Input("data: T")
    .Input("pred: bool")
    .Output("output_false: T")
    .Output("output_true: T")
    .Attr("T: type")
    .SetShapeFn(SwitchShape);
REGISTER_OP("RefSwitch")
    .Input("data: Ref(T)")
    .Input("pred: bool")
    .Output("output_false: Ref(T)")
    .Output("output_true: Ref(T)")
    .Attr("T: type")
    .SetShapeFn(SwitchShape);

REGISTER_OP("Merge")
    .Input("inputs: N * T")
    .Output("output: T")
    .Output("value_index: int32")
    .Attr("T: type")
    .Attr("N: int >= 1")
    .SetShapeFn(MergeShape);
REGISTER_OP("RefMerge")
    .Input("inputs: Ref(N * T)")
    .Output("output: Ref(T)")
    .Output("value_index: int32")
    .Attr("T: type")
    .Attr("N: int >= 1")
    .SetShapeFn(MergeShape);

REGISTER_OP("Enter")
    .Input("data: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("frame_name: string")
    .Attr("is_constant: bool = false")
    .Attr("parallel_iterations: int = 10")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("RefEnter")
    .Input("data: Ref(T)")
    .Output("output: Ref(T)")
    .Attr("T: type")
    .Attr("frame_name: string")
    .Attr("is_constant: bool = false")
    .Attr("parallel_iterations: int = 10")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("Exit").Input("data: T").Output("output: T").Attr("T: type").SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("RefExit")
    .Input("data: Ref(T)")
    .Output("output: Ref(T)")
    .Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("NextIteration")
    .Input("data: T")
    .Output("output: T")
    .Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);
REGISTER_OP("RefNextIteration")
    .Input("data: Ref(T)")
    .Output("output: Ref(T)")
    .Attr("T: type")
    .SetShapeFn(shape_fn::UnchangedShape);

REGISTER_OP("LoopCond").Input("input: bool").Output("output: bool").SetShapeFn(LoopCondShape);

REGISTER_OP("ControlTrigger").SetShapeFn(shape_fn::UnknownShape);

}  // namespace sluice
