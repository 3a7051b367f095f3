// TensorArray (V3) and stack (V2) ops: op schemas and shape functions, TensorFlow's names, attrs
// and arg names (data_flow_ops.cc of TensorFlow). TF1 while loops (tf.TensorArray,
// tf.compat.v1.nn.dynamic_rnn) and the gradients TF1 builds for them use these; the kernels are
// in kernels/cpu/tensor_array_ops.cc.
#include "core/op_registry.h"

namespace sluice {
namespace {

Status ScalarOutputs(InferenceContext* c, std::initializer_list<int> outputs) {
  for (int i : outputs) c->set_output(i, TensorShape());
  return absl::OkStatus();
}

// The element shape attr `attr` (unknown rank when absent).
TensorShape ElementShape(InferenceContext* c, absl::string_view attr) {
  TensorShape shape = TensorShape::UnknownRank();
  if (!c->GetAttr(attr, &shape).ok()) return TensorShape::UnknownRank();
  return shape;
}

// [unknown] + element shape: what Gather and Concat return.
TensorShape WithLeadingUnknown(const TensorShape& element) {
  if (element.unknown_rank()) return TensorShape::UnknownRank();
  TensorShape out({-1});
  for (int64_t d : element.dims()) out.AddDim(d);
  return out;
}

}  // namespace

REGISTER_OP("TensorArrayV3")
    .Input("size: int32")
    .Output("handle: resource")
    .Output("flow: float")
    .Attr("dtype: type")
    .Attr("element_shape: shape = unknown")
    .Attr("dynamic_size: bool = false")
    .Attr("clear_after_read: bool = true")
    .Attr("identical_element_shapes: bool = false")
    .Attr("tensor_array_name: string = ''")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      if (c->input(0).rank() > 0) return errors::InvalidArgument("size must be a scalar, got shape ", c->input(0).DebugString());
      return ScalarOutputs(c, {0, 1});
    });

REGISTER_OP("TensorArrayGradV3")
    .Input("handle: resource")
    .Input("flow_in: float")
    .Output("grad_handle: resource")
    .Output("flow_out: float")
    .Attr("source: string")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) { return ScalarOutputs(c, {0, 1}); });

REGISTER_OP("TensorArrayWriteV3")
    .Input("handle: resource")
    .Input("index: int32")
    .Input("value: T")
    .Input("flow_in: float")
    .Output("flow_out: float")
    .Attr("T: type")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) { return ScalarOutputs(c, {0}); });

REGISTER_OP("TensorArrayReadV3")
    .Input("handle: resource")
    .Input("index: int32")
    .Input("flow_in: float")
    .Output("value: dtype")
    .Attr("dtype: type")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape);

REGISTER_OP("TensorArrayGatherV3")
    .Input("handle: resource")
    .Input("indices: int32")
    .Input("flow_in: float")
    .Output("value: dtype")
    .Attr("dtype: type")
    .Attr("element_shape: shape = unknown")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      TensorShape out = WithLeadingUnknown(ElementShape(c, "element_shape"));
      if (!out.unknown_rank() && c->input(1).rank() == 1) out.set_dim(0, c->input(1).dim(0));
      c->set_output(0, std::move(out));
      return absl::OkStatus();
    });

REGISTER_OP("TensorArrayScatterV3")
    .Input("handle: resource")
    .Input("indices: int32")
    .Input("value: T")
    .Input("flow_in: float")
    .Output("flow_out: float")
    .Attr("T: type")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) { return ScalarOutputs(c, {0}); });

REGISTER_OP("TensorArrayConcatV3")
    .Input("handle: resource")
    .Input("flow_in: float")
    .Output("value: dtype")
    .Output("lengths: int64")
    .Attr("dtype: type")
    .Attr("element_shape_except0: shape = unknown")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, WithLeadingUnknown(ElementShape(c, "element_shape_except0")));
      c->set_output(1, TensorShape({-1}));
      return absl::OkStatus();
    });

REGISTER_OP("TensorArraySplitV3")
    .Input("handle: resource")
    .Input("value: T")
    .Input("lengths: int64")
    .Input("flow_in: float")
    .Output("flow_out: float")
    .Attr("T: type")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) { return ScalarOutputs(c, {0}); });

REGISTER_OP("TensorArraySizeV3")
    .Input("handle: resource")
    .Input("flow_in: float")
    .Output("size: int32")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) { return ScalarOutputs(c, {0}); });

REGISTER_OP("TensorArrayCloseV3").Input("handle: resource").SetIsStateful().SetShapeFn(shape_fn::UnknownShape);

REGISTER_OP("StackV2")
    .Input("max_size: int32")
    .Output("handle: resource")
    .Attr("elem_type: type")
    .Attr("stack_name: string = ''")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) { return ScalarOutputs(c, {0}); });

REGISTER_OP("StackPushV2")
    .Input("handle: resource")
    .Input("elem: T")
    .Output("output: T")
    .Attr("T: type")
    .Attr("swap_memory: bool = false")
    .SetIsStateful()
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, c->input(1));
      return absl::OkStatus();
    });

REGISTER_OP("StackPopV2")
    .Input("handle: resource")
    .Output("elem: elem_type")
    .Attr("elem_type: type")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnknownShape);

REGISTER_OP("StackCloseV2").Input("handle: resource").SetIsStateful().SetShapeFn(shape_fn::UnknownShape);

}  // namespace sluice
