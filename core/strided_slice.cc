#include "core/strided_slice.h"

#include "absl/strings/str_join.h"

namespace sluice {
namespace {

constexpr int kNewAxis = -1;
constexpr int kShrinkAxis = -2;

bool Bit(int64_t mask, int i) { return i < 63 && ((mask >> i) & 1); }

}  // namespace

StatusOr<StridedSliceSpec> ComputeStridedSlice(const TensorShape& input,
                                               const std::vector<int64_t>& begin,
                                               const std::vector<int64_t>& end,
                                               const std::vector<int64_t>& strides,
                                               const StridedSliceMasks& masks) {
  const int sparse_dims = static_cast<int>(begin.size());
  if (static_cast<int>(end.size()) != sparse_dims || static_cast<int>(strides.size()) != sparse_dims) {
    return errors::InvalidArgument("begin, end and strides must have the same length, got ",
                                   begin.size(), ", ", end.size(), " and ", strides.size());
  }
  if (sparse_dims > 62) return errors::InvalidArgument("StridedSlice spec of ", sparse_dims, " entries is too long");
  int ellipses = 0;
  for (int i = 0; i < sparse_dims; ++i) ellipses += Bit(masks.ellipsis_mask, i);
  if (ellipses > 1) return errors::InvalidArgument("Multiple ellipses in slice spec not allowed");
  // Without an ellipsis the spec ends with an implicit one.
  int64_t ellipsis_mask = masks.ellipsis_mask & ((int64_t{1} << sparse_dims) - 1);
  int spec_dims = sparse_dims;
  if (ellipses == 0) ellipsis_mask |= int64_t{1} << spec_dims++;
  int new_axes_after_ellipsis = 0;
  bool after_ellipsis = false;
  for (int i = 0; i < sparse_dims; ++i) {
    if (after_ellipsis && Bit(masks.new_axis_mask, i)) ++new_axes_after_ellipsis;
    if (Bit(ellipsis_mask, i)) after_ellipsis = true;
  }

  // The sparse spec expanded to one entry per input dim (the dense spec).
  const int rank = input.rank();
  StridedSliceSpec spec;
  spec.begin.assign(rank, 0);
  spec.end.assign(rank, 0);
  spec.strides.assign(rank, 1);
  std::vector<bool> begin_masked(rank, false), end_masked(rank, false), shrunk(rank, false);
  std::vector<int> gather;  // per output dim: a dense dim, kNewAxis or kShrinkAxis
  int full = 0;
  for (int i = 0; i < spec_dims; ++i) {
    if (Bit(ellipsis_mask, i)) {
      const int next = std::min(rank - (spec_dims - i) + 1 + new_axes_after_ellipsis, rank);
      for (; full < next; ++full) {
        begin_masked[full] = end_masked[full] = true;
        gather.push_back(full);
      }
    } else if (Bit(masks.new_axis_mask, i)) {
      gather.push_back(kNewAxis);
    } else {
      if (full == rank) {
        return errors::InvalidArgument("Index out of range using input dim ", full,
                                       "; input has only ", rank, " dims (shape ",
                                       input.DebugString(), ")");
      }
      spec.begin[full] = begin[i];
      spec.end[full] = end[i];
      spec.strides[full] = strides[i];
      begin_masked[full] = Bit(masks.begin_mask, i);
      end_masked[full] = Bit(masks.end_mask, i);
      shrunk[full] = Bit(masks.shrink_axis_mask, i);
      gather.push_back(shrunk[full] ? kShrinkAxis : full);
      ++full;
    }
  }

  spec.is_identity = true;
  for (int d = 0; d < rank; ++d) {
    const int64_t stride = spec.strides[d];
    if (stride == 0) return errors::InvalidArgument("strides[", d, "] must be non-zero");
    const int64_t dim = input.dim(d);
    if (shrunk[d] && stride <= 0) {
      return errors::InvalidArgument("only stride 1 allowed on non-range indexing, got stride ",
                                     stride, " at dim ", d);
    }
    if (dim < 0) {
      spec.processing_shape.AddDim(shrunk[d] ? 1 : -1);
      spec.is_identity = false;
      continue;
    }
    int64_t b, e, size;
    if (shrunk[d]) {
      b = spec.begin[d] < 0 ? dim + spec.begin[d] : spec.begin[d];
      if (b < 0 || b >= dim) {
        return errors::InvalidArgument("slice index ", spec.begin[d], " of dimension ", d,
                                       " out of bounds (shape ", input.DebugString(), ")");
      }
      e = b + 1;
      size = 1;
    } else {
      // Python's clamping: [0, dim] going forward, [-1, dim - 1] going backward.
      const int64_t lo = stride > 0 ? 0 : -1, hi = stride > 0 ? dim : dim - 1;
      auto canonical = [&](int64_t x, bool masked, bool is_end) {
        if (masked) return (stride > 0) == is_end ? hi : lo;
        int64_t fwd = x < 0 ? dim + x : x;
        return fwd < lo ? lo : (fwd > hi ? hi : fwd);
      };
      b = canonical(spec.begin[d], begin_masked[d], false);
      e = canonical(spec.end[d], end_masked[d], true);
      const int64_t length = e - b;
      if (length == 0 || ((length < 0) != (stride < 0))) {
        size = 0;
      } else {
        size = length / stride + (length % stride != 0);
      }
    }
    spec.begin[d] = b;
    spec.end[d] = e;
    spec.is_identity &= !shrunk[d] && stride == 1 && b == 0 && size == dim;
    spec.processing_shape.AddDim(size);
  }
  for (int g : gather) {
    if (g == kNewAxis) {
      spec.final_shape.AddDim(1);
      spec.is_identity = false;
    } else if (g >= 0) {
      spec.final_shape.AddDim(spec.processing_shape.dim(g));
    }
  }
  return spec;
}

}  // namespace sluice
