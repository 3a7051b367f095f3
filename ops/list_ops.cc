#include "ops/list_ops.h"

namespace sluice::ops {

namespace {
Output Int32(const Scope& scope, const Input& v) { return v.ToOutput(scope, DT_INT32); }
}  // namespace

Output EmptyTensorList(const Scope& scope, const Input& element_shape, DataType element_dtype,
                       const Input& max_num_elements) {
  if (!scope.ok()) return Output();
  return NodeBuilder(scope, "EmptyTensorList")
      .Input(Int32(scope, element_shape))
      .Input(Int32(scope, max_num_elements))
      .Attr("element_dtype", element_dtype)
      .Finalize();
}

Output TensorListReserve(const Scope& scope, const Input& element_shape, const Input& num_elements,
                         DataType element_dtype) {
  if (!scope.ok()) return Output();
  return NodeBuilder(scope, "TensorListReserve")
      .Input(Int32(scope, element_shape))
      .Input(Int32(scope, num_elements))
      .Attr("element_dtype", element_dtype)
      .Finalize();
}

Output TensorListFromTensor(const Scope& scope, const Output& tensor, const Input& element_shape) {
  if (!scope.ok() || !tensor.valid()) return Output();
  return NodeBuilder(scope, "TensorListFromTensor").Input(tensor).Input(Int32(scope, element_shape)).Finalize();
}

Output TensorListPushBack(const Scope& scope, const Output& list, const Output& tensor) {
  if (!scope.ok() || !list.valid() || !tensor.valid()) return Output();
  return NodeBuilder(scope, "TensorListPushBack").Input(list).Input(tensor).Finalize();
}

TensorListPopBackResult TensorListPopBack(const Scope& scope, const Output& list, DataType element_dtype,
                                          const Input& element_shape) {
  if (!scope.ok() || !list.valid()) return {};
  Operation op = NodeBuilder(scope, "TensorListPopBack")
                     .Input(list)
                     .Input(Int32(scope, element_shape))
                     .Attr("element_dtype", element_dtype)
                     .Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1)};
}

Output TensorListStack(const Scope& scope, const Output& list, DataType element_dtype, const Input& element_shape,
                       int64_t num_elements) {
  if (!scope.ok() || !list.valid()) return Output();
  return NodeBuilder(scope, "TensorListStack")
      .Input(list)
      .Input(Int32(scope, element_shape))
      .Attr("element_dtype", element_dtype)
      .Attr("num_elements", num_elements)
      .Finalize();
}

Output TensorListGetItem(const Scope& scope, const Output& list, const Input& index, DataType element_dtype,
                         const Input& element_shape) {
  if (!scope.ok() || !list.valid()) return Output();
  return NodeBuilder(scope, "TensorListGetItem")
      .Input(list)
      .Input(Int32(scope, index))
      .Input(Int32(scope, element_shape))
      .Attr("element_dtype", element_dtype)
      .Finalize();
}

Output TensorListSetItem(const Scope& scope, const Output& list, const Input& index, const Output& item,
                         bool resize_if_index_out_of_bounds) {
  if (!scope.ok() || !list.valid() || !item.valid()) return Output();
  return NodeBuilder(scope, "TensorListSetItem")
      .Input(list)
      .Input(Int32(scope, index))
      .Input(item)
      .Attr("resize_if_index_out_of_bounds", resize_if_index_out_of_bounds)
      .Finalize();
}

Output TensorListLength(const Scope& scope, const Output& list) {
  if (!scope.ok() || !list.valid()) return Output();
  return NodeBuilder(scope, "TensorListLength").Input(list).Finalize();
}

}  // namespace sluice::ops
