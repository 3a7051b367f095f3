// InferenceContext: what an op's shape function sees (input shapes and dtypes, attrs, the values
// of constant inputs) and where it writes the output shapes. Shape functions run while a graph
// is built or imported; their errors name the node and the shapes involved.
#ifndef SLUICE_CORE_SHAPE_INFERENCE_H_
#define SLUICE_CORE_SHAPE_INFERENCE_H_

#include <functional>
#include <optional>
#include <vector>

#include "core/attr_value.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_shape.h"

namespace sluice {

// What a DT_RESOURCE tensor refers to, as far as the graph knows: the dtype and shape of the
// value behind the handle (TF's handle shapes and types). A VarHandleOp sets it from its attrs;
// ops that read or update the variable take the value's shape from it; Identity passes it on.
struct HandleShapeAndType {
  DataType dtype = DT_INVALID;
  TensorShape shape = TensorShape::UnknownRank();
};

class InferenceContext {
 public:
  // What is known about one input of the node.
  struct InputInfo {
    DataType dtype = DT_INVALID;
    TensorShape shape = TensorShape::UnknownRank();
    const Tensor* value = nullptr;          // the input's value when it is a constant
    std::optional<TensorShape> as_shape;    // the input's value as a shape, when known partially
    std::optional<HandleShapeAndType> handle;  // a resource input's, when its producer set it
  };

  InferenceContext(const NodeDef* node, std::vector<InputInfo> inputs, int num_outputs);

  const NodeDef& node() const { return *node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  const TensorShape& input(int i) const { return inputs_[i].shape; }
  DataType input_type(int i) const { return inputs_[i].dtype; }
  // The value of input i when it is a compile-time constant, else nullptr.
  const Tensor* input_tensor(int i) const { return inputs_[i].value; }
  // Input i (an int32/int64 vector) read as a shape, with -1 for unknown entries: from a
  // constant, from a Shape op, or, failing those, a shape of unknown rank (or unknown dims
  // when the vector's length is known).
  StatusOr<TensorShape> InputAsShape(int i) const;

  void set_output(int i, TensorShape shape) { outputs_[i] = std::move(shape); }
  const TensorShape& output(int i) const { return outputs_[i]; }
  std::vector<TensorShape>& outputs() { return outputs_; }

  // What resource input i refers to; null when unknown (or not a resource).
  const HandleShapeAndType* input_handle_shape_and_type(int i) const {
    return inputs_[i].handle.has_value() ? &*inputs_[i].handle : nullptr;
  }
  // Records what resource output i refers to, for the ops that consume it.
  void set_output_handle_shape_and_type(int i, HandleShapeAndType handle);
  // Per output, what set_output_handle_shape_and_type recorded; empty when nothing was.
  std::vector<std::optional<HandleShapeAndType>>& output_handle_shapes_and_types() { return output_handles_; }

  template <typename T>
  Status GetAttr(absl::string_view name, T* value) const {
    return ::sluice::GetAttr(node_->attr(), name, value);
  }

  // Checks that input i has rank `rank` (an unknown rank becomes `rank` unknown dims).
  StatusOr<TensorShape> WithRank(int i, int rank) const;
  StatusOr<TensorShape> WithRankAtLeast(int i, int rank) const;

 private:
  const NodeDef* node_;
  std::vector<InputInfo> inputs_;
  std::vector<TensorShape> outputs_;
  std::vector<std::optional<HandleShapeAndType>> output_handles_;  // sized on first use
};

using ShapeFn = std::function<Status(InferenceContext*)>;

// Shape functions shared by many ops.
namespace shape_fn {
// Every output has input 0's shape (and, for a resource, what it refers to).
Status UnchangedShape(InferenceContext* c);
// Every output is a scalar.
Status ScalarShape(InferenceContext* c);
// Every output has unknown shape.
Status UnknownShape(InferenceContext* c);
// Output 0 is the NumPy broadcast of inputs 0 and 1.
Status BroadcastBinaryOpShape(InferenceContext* c);
// The NumPy broadcast of two partial shapes; an error names both shapes.
StatusOr<TensorShape> BroadcastShapes(const TensorShape& a, const TensorShape& b);
// Which axes of a rank-`rank` tensor the values of `axes` (a reduction's axis argument) name;
// an error for one out of range.
StatusOr<std::vector<bool>> ReducedAxes(const Tensor& axes, int rank);
}  // namespace shape_fn

}  // namespace sluice

#endif  // SLUICE_CORE_SHAPE_INFERENCE_H_
