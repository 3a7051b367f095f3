// TensorShape: a list of dimension sizes. A dimension may be unknown (-1) and the rank may be
// unknown: graph-building shape inference works with such partial shapes, while a Tensor's shape
// is always fully defined.
#ifndef SLUICE_CORE_TENSOR_SHAPE_H_
#define SLUICE_CORE_TENSOR_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/types/span.h"
#include "core/status.h"
#include "proto/tensor.pb.h"

namespace sluice {

// x * y for sizes (x, y >= 0), or -1 when the product does not fit in int64 (or an input is
// negative). Every element and byte count computed from outside data goes through this.
inline int64_t MultiplyWithoutOverflow(int64_t x, int64_t y) {
  if (x < 0 || y < 0) return -1;
  int64_t out;
  if (__builtin_mul_overflow(x, y, &out)) return -1;
  return out;
}
// x + y for sizes, or -1 on overflow or a negative input.
inline int64_t AddWithoutOverflow(int64_t x, int64_t y) {
  if (x < 0 || y < 0) return -1;
  int64_t out;
  if (__builtin_add_overflow(x, y, &out)) return -1;
  return out;
}

class TensorShape {
 public:
  static constexpr int64_t kUnknownDim = -1;

  // A scalar (rank 0).
  TensorShape() = default;
  TensorShape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit TensorShape(absl::Span<const int64_t> dims) : dims_(dims.begin(), dims.end()) {}

  // A shape whose rank is not known.
  static TensorShape UnknownRank();
  // A shape of `rank` unknown dimensions.
  static TensorShape UnknownDims(int rank);
  // Parses a TensorShapeProto; sizes below -1, and known sizes whose product overflows int64,
  // are an error.
  static StatusOr<TensorShape> FromProto(const TensorShapeProto& proto);
  // A shape from sizes computed from data (a shape tensor's values, a kernel's arithmetic):
  // the same checks as FromProto.
  static StatusOr<TensorShape> FromDims(absl::Span<const int64_t> dims);

  bool unknown_rank() const { return unknown_rank_; }
  // -1 when the rank is unknown.
  int rank() const { return unknown_rank_ ? -1 : static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  absl::Span<const int64_t> dims() const { return dims_; }
  bool IsFullyDefined() const;
  // The product of the dimensions; -1 unless fully defined or when it overflows int64 (shapes
  // made by FromProto, FromDims or a Tensor never overflow).
  int64_t num_elements() const;

  void AddDim(int64_t size) { dims_.push_back(size); }
  void set_dim(int i, int64_t size) { dims_[i] = size; }
  void RemoveDim(int i) { dims_.erase(dims_.begin() + i); }

  // True when some fully defined shape could match both.
  bool IsCompatibleWith(const TensorShape& other) const;
  // The most specific shape compatible with both; an error when they are incompatible.
  StatusOr<TensorShape> Merge(const TensorShape& other) const;

  void ToProto(TensorShapeProto* proto) const;
  // "[?,784]", "[]" for a scalar, "<unknown>" for unknown rank.
  std::string DebugString() const;

  bool operator==(const TensorShape& o) const {
    return unknown_rank_ == o.unknown_rank_ && dims_ == o.dims_;
  }
  bool operator!=(const TensorShape& o) const { return !(*this == o); }

 private:
  absl::InlinedVector<int64_t, 4> dims_;
  bool unknown_rank_ = false;
};

}  // namespace sluice

#endif  // SLUICE_CORE_TENSOR_SHAPE_H_
