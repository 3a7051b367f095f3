// TensorList ops (TF's list_ops.cc names, inputs and attrs): a list is a scalar DT_VARIANT
// tensor holding a TensorList (core/tensor_list.h). An element_shape input is a shape tensor:
// a vector with -1 for unknown dims, or the scalar -1 for an unknown rank.
//
// What shape inference knows about a list's elements travels as the handle's shape and dtype
// (HandleShapeAndType, as for resources): the element shape a list was made with, passed on by
// every op that returns a list, and merged with the element_shape inputs of the ops that read
// an element.
#include "core/op_registry.h"

namespace sluice {
namespace {

// The element shape that an element_shape input `i` and, when known, list input `list` give.
StatusOr<TensorShape> ElementShape(InferenceContext* c, int i, int list = -1) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, c->InputAsShape(i));
  if (list >= 0) {
    if (const HandleShapeAndType* h = c->input_handle_shape_and_type(list)) {
      auto merged = shape.Merge(h->shape);
      if (!merged.ok()) {
        return errors::InvalidArgument("element_shape ", shape.DebugString(), " does not match the list's element shape ",
                                       h->shape.DebugString());
      }
      shape = *merged;
    }
  }
  return shape;
}

DataType ElementDtype(InferenceContext* c) {
  DataType dt = DT_INVALID;
  c->GetAttr("element_dtype", &dt).IgnoreError();
  return dt;
}

// A new list (output 0) of elements shaped like element_shape input `i`.
Status NewListShape(InferenceContext* c, int i) {
  c->set_output(0, TensorShape());
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, ElementShape(c, i));
  c->set_output_handle_shape_and_type(0, {ElementDtype(c), shape});
  return absl::OkStatus();
}

// Output `out` is the list input 0 returns changed; it keeps input 0's element shape, refined by
// `element` when that is an element's shape.
void PassListOn(InferenceContext* c, int out, const TensorShape* element = nullptr) {
  c->set_output(out, TensorShape());
  HandleShapeAndType h{ElementDtype(c), TensorShape::UnknownRank()};
  if (const HandleShapeAndType* in = c->input_handle_shape_and_type(0)) h.shape = in->shape;
  if (element != nullptr) {
    auto merged = h.shape.Merge(*element);
    if (merged.ok()) h.shape = *merged;
  }
  c->set_output_handle_shape_and_type(out, h);
}

REGISTER_OP("EmptyTensorList")
    .Input("element_shape: shape_type")
    .Input("max_num_elements: int32")
    .Output("handle: variant")
    .Attr("element_dtype: type")
    .Attr("shape_type: {int32, int64}")
    .SetShapeFn([](InferenceContext* c) { return NewListShape(c, 0); })
    .Doc("An empty list; max_num_elements < 0 means unbounded.");

REGISTER_OP("TensorListReserve")
    .Input("element_shape: shape_type")
    .Input("num_elements: int32")
    .Output("handle: variant")
    .Attr("element_dtype: type")
    .Attr("shape_type: {int32, int64}")
    .SetShapeFn([](InferenceContext* c) { return NewListShape(c, 0); })
    .Doc("A list of num_elements slots not yet set (read as zeros when the element shape is fully defined).");

REGISTER_OP("TensorListFromTensor")
    .Input("tensor: element_dtype")
    .Input("element_shape: shape_type")
    .Output("output_handle: variant")
    .Attr("element_dtype: type")
    .Attr("shape_type: {int32, int64}")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_ASSIGN_OR_RETURN(TensorShape t, c->WithRankAtLeast(0, 1));
      SLUICE_ASSIGN_OR_RETURN(TensorShape shape, ElementShape(c, 1));
      TensorShape slice = t.unknown_rank() ? TensorShape::UnknownRank() : TensorShape(t.dims().subspan(1));
      auto merged = shape.Merge(slice);
      if (!merged.ok()) {
        return errors::InvalidArgument("element_shape ", shape.DebugString(), " does not match the tensor's slices ",
                                       slice.DebugString());
      }
      c->set_output(0, TensorShape());
      c->set_output_handle_shape_and_type(0, {ElementDtype(c), *merged});
      return absl::OkStatus();
    })
    .Doc("The list of the tensor's slices along dimension 0.");

REGISTER_OP("TensorListPushBack")
    .Input("input_handle: variant")
    .Input("tensor: element_dtype")
    .Output("output_handle: variant")
    .Attr("element_dtype: type")
    .SetShapeFn([](InferenceContext* c) {
      PassListOn(c, 0, &c->input(1));
      return absl::OkStatus();
    })
    .Doc("The list with `tensor` appended.");

REGISTER_OP("TensorListPopBack")
    .Input("input_handle: variant")
    .Input("element_shape: int32")
    .Output("output_handle: variant")
    .Output("tensor: element_dtype")
    .Attr("element_dtype: type")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_ASSIGN_OR_RETURN(TensorShape shape, ElementShape(c, 1, 0));
      PassListOn(c, 0);
      c->set_output(1, shape);
      return absl::OkStatus();
    })
    .Doc("The list without its last element, and that element.");

REGISTER_OP("TensorListStack")
    .Input("input_handle: variant")
    .Input("element_shape: int32")
    .Output("tensor: element_dtype")
    .Attr("element_dtype: type")
    .Attr("num_elements: int = -1")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_ASSIGN_OR_RETURN(TensorShape shape, ElementShape(c, 1, 0));
      int64_t n = -1;
      SLUICE_RETURN_IF_ERROR(c->GetAttr("num_elements", &n));
      if (shape.unknown_rank()) {
        c->set_output(0, TensorShape::UnknownRank());
      } else {
        TensorShape out({n < 0 ? -1 : n});
        for (int64_t d : shape.dims()) out.AddDim(d);
        c->set_output(0, out);
      }
      return absl::OkStatus();
    })
    .Doc("The elements stacked along a new dimension 0 (all of one shape).");

REGISTER_OP("TensorListGetItem")
    .Input("input_handle: variant")
    .Input("index: int32")
    .Input("element_shape: int32")
    .Output("item: element_dtype")
    .Attr("element_dtype: type")
    .SetShapeFn([](InferenceContext* c) {
      SLUICE_ASSIGN_OR_RETURN(TensorShape shape, ElementShape(c, 2, 0));
      c->set_output(0, shape);
      return absl::OkStatus();
    })
    .Doc("Element `index` of the list.");

REGISTER_OP("TensorListSetItem")
    .Input("input_handle: variant")
    .Input("index: int32")
    .Input("item: element_dtype")
    .Output("output_handle: variant")
    .Attr("element_dtype: type")
    .Attr("resize_if_index_out_of_bounds: bool = false")
    .SetShapeFn([](InferenceContext* c) {
      PassListOn(c, 0, &c->input(2));
      return absl::OkStatus();
    })
    .Doc("The list with element `index` replaced by `item`.");

REGISTER_OP("TensorListLength")
    .Input("input_handle: variant")
    .Output("length: int32")
    .SetShapeFn([](InferenceContext* c) {
      c->set_output(0, TensorShape());
      return absl::OkStatus();
    })
    .Doc("The number of elements of the list.");

}  // namespace
}  // namespace sluice
