// TensorList builders (ops/defs/list_ops.cc has the ops): a list is a scalar DT_VARIANT tensor.
//
//   auto list = ops::EmptyTensorList(root, {-1}, DT_FLOAT);          // elements: float vectors
//   list = ops::TensorListPushBack(root, list, x);
//   auto popped = ops::TensorListPopBack(root, list, DT_FLOAT);     // .list, .tensor (== x)
//   auto all = ops::TensorListStack(root, list, DT_FLOAT);          // [n, ...] of the elements
//
// An element_shape is a shape tensor: a vector with -1 for unknown dims ({-1, 3}), or the scalar
// -1 for an unknown rank (the default). Lists are values: pushing onto a list returns a new one
// and leaves the old one as it was (in O(1); see core/tensor_list.h).
#ifndef SLUICE_OPS_LIST_OPS_H_
#define SLUICE_OPS_LIST_OPS_H_

#include "ops/scope.h"

namespace sluice::ops {

// An empty list of `element_dtype` elements; max_num_elements < 0: unbounded.
Output EmptyTensorList(const Scope& scope, const Input& element_shape, DataType element_dtype,
                       const Input& max_num_elements = -1);
// A list of `num_elements` slots not yet set (read as zeros when the element shape is known).
Output TensorListReserve(const Scope& scope, const Input& element_shape, const Input& num_elements,
                         DataType element_dtype);
// The slices of `tensor` along dimension 0.
Output TensorListFromTensor(const Scope& scope, const Output& tensor, const Input& element_shape = -1);
Output TensorListPushBack(const Scope& scope, const Output& list, const Output& tensor);
struct TensorListPopBackResult {
  Output list, tensor;
};
TensorListPopBackResult TensorListPopBack(const Scope& scope, const Output& list, DataType element_dtype,
                                          const Input& element_shape = -1);
// The elements stacked along a new dimension 0; num_elements >= 0 checks the list's length.
Output TensorListStack(const Scope& scope, const Output& list, DataType element_dtype,
                       const Input& element_shape = -1, int64_t num_elements = -1);
Output TensorListGetItem(const Scope& scope, const Output& list, const Input& index, DataType element_dtype,
                         const Input& element_shape = -1);
Output TensorListSetItem(const Scope& scope, const Output& list, const Input& index, const Output& item,
                         bool resize_if_index_out_of_bounds = false);
Output TensorListLength(const Scope& scope, const Output& list);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_LIST_OPS_H_
