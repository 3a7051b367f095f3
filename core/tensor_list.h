// TensorList: TensorFlow's list of tensors, the value of the DT_VARIANT tensors that the
// TensorList* ops pass around (ops/defs/list_ops.cc). While gradients accumulate the values
// of each iteration in them; RNNs read their inputs and write their outputs through them.
//
//   TensorList list(DT_FLOAT, TensorShape({2}));
//   list.push_back(Tensor::FromVector<float>({1, 2}));
//   Tensor last = list.pop_back();          // [1, 2]; list.size() is 0 again
//
// A list is a value (copying one gives an independent list) whose elements live in storage that
// copies share: a copy is O(1), and push_back on the longest list sharing a storage appends in
// place, so a loop that pushes one element per iteration is O(1) per push, however its lists
// are copied between iterations. Writing an element (set, or push_back on a shorter list) copies
// the element handles first unless this list is the storage's only owner. Elements are Tensors,
// which share their buffers; a slot that was reserved and never set holds an uninitialized Tensor.
// Lists are safe to read and copy from several threads.
#ifndef SLUICE_CORE_TENSOR_LIST_H_
#define SLUICE_CORE_TENSOR_LIST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/tensor.h"
#include "core/tensor_shape.h"

namespace sluice {

class TensorList {
 public:
  TensorList() = default;
  // An empty list of `element_dtype` elements compatible with `element_shape` (which may be
  // partial or of unknown rank); max_num_elements < 0: unbounded.
  TensorList(DataType element_dtype, TensorShape element_shape, int64_t max_num_elements = -1)
      : element_dtype_(element_dtype), element_shape_(std::move(element_shape)), max_num_elements_(max_num_elements) {}

  static std::string TypeName() { return "tensorflow::TensorList"; }  // TF's type name
  std::string DebugString() const;

  DataType element_dtype() const { return element_dtype_; }
  const TensorShape& element_shape() const { return element_shape_; }
  int64_t max_num_elements() const { return max_num_elements_; }
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Element i (0 <= i < size()); an uninitialized Tensor for a slot never set.
  Tensor get(int64_t i) const;
  // All elements, in order.
  std::vector<Tensor> elements() const;
  void push_back(Tensor t);
  // Removes and returns the last element (requires !empty()).
  Tensor pop_back();
  void set(int64_t i, Tensor t);
  // Grows with uninitialized slots or shrinks to n elements.
  void resize(int64_t n);

  // How many element handles lists have copied to stop sharing storage, process-wide (tests
  // check that loops update their lists in place).
  static int64_t copied_elements();

 private:
  struct Storage {
    mutable absl::Mutex mu;
    std::vector<Tensor> elems ABSL_GUARDED_BY(mu);  // [0, size_) belongs to this list
  };
  // Makes storage_ hold exactly this list's elements and be unshared (copying when needed).
  void MakeUnique();

  DataType element_dtype_ = DT_INVALID;
  TensorShape element_shape_ = TensorShape::UnknownRank();
  int64_t max_num_elements_ = -1;
  std::shared_ptr<Storage> storage_;
  int64_t size_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_CORE_TENSOR_LIST_H_
