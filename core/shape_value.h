// What graph construction knows of the values of a small int32/int64 tensor that computes a
// shape, TensorFlow's partial evaluation of shape tensors: through Shape, ShapeN, StridedSlice, Pack,
// ConcatV2 (axis 0), Prod and Sum (of a vector), Cast and Identity, down to constants and the
// static shapes of tensors. This is how Reshape(x, Pack(Shape(x)[0], Prod(Shape(x)[1:])))
// (Keras's Flatten) gets the static shape [?, 12] for an x of shape [?, 3, 4].
#ifndef SLUICE_CORE_SHAPE_VALUE_H_
#define SLUICE_CORE_SHAPE_VALUE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "core/graph.h"

namespace sluice {

// The values of a scalar or vector, -1 for each entry not known while building.
struct PartialIntValue {
  std::vector<int64_t> values;
  bool scalar = false;
};

// What is known of `e`'s value; nullopt when not even its length is known (or it is not an
// int32/int64 scalar or vector).
std::optional<PartialIntValue> PartialIntValueOf(const Endpoint& e);

}  // namespace sluice

#endif  // SLUICE_CORE_SHAPE_VALUE_H_
