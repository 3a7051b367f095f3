// CPU kernels of the segment ops (TensorFlow's semantics): UnsortedSegment{Sum,Max,Min,Prod},
// Segment{Sum,Mean,Max,Min,Prod}, SparseSegment{Sum,Mean,SqrtN}(WithNumSegments),
// SparseSegment{Sum,Mean,SqrtN}Grad(V2), DynamicPartition, (Parallel)DynamicStitch and Unique.
// Reductions parallelize over what threads can write without sharing: the inner columns for
// scatters (unsorted ids), the segments for sorted ids.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/kernel.h"
#include "core/type_lists.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vector_math.h"

namespace sluice {
namespace {

template <typename T>
struct SumReducer {
  static T Empty() { return T(0); }
  static T Apply(T a, T b) { return cpu::WrapAdd(a, b); }
};
template <typename T>
struct ProdReducer {
  static T Empty() { return T(1); }
  static T Apply(T a, T b) { return cpu::WrapMul(a, b); }
};
template <typename T>
struct MaxReducer {
  static T Empty() { return std::numeric_limits<T>::lowest(); }
  static T Apply(T a, T b) { return b > a ? b : a; }
};
template <typename T>
struct MinReducer {
  static T Empty() { return std::numeric_limits<T>::max(); }
  static T Apply(T a, T b) { return b < a ? b : a; }
};

// The product of data's dims from `from` on, and those dims appended to `out`.
int64_t InnerSize(const TensorShape& data, int from, TensorShape* out) {
  int64_t inner = 1;
  for (int d = from; d < data.rank(); ++d) {
    out->AddDim(data.dim(d));
    inner *= data.dim(d);
  }
  return inner;
}

// ---- UnsortedSegment{Sum,Max,Min,Prod} -----------------------------------------------------------

// output[segment_ids[j], i] = R(output[...], data[j, i]) over data viewed as [num_ids, inner];
// negative ids are dropped (TensorFlow's), segments without ids keep R::Empty() (0 for Sum,
// lowest() for Max, max() for Min, 1 for Prod).
template <typename T, template <typename> class R>
class UnsortedSegmentReductionOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& data = ctx->input(0);
    const Tensor& ids = ctx->input(1);
    const Tensor& num_t = ctx->input(2);
    OP_REQUIRES(ctx, num_t.dims() == 0,
                errors::InvalidArgument("num_segments must be a scalar, got shape ", num_t.shape().DebugString()));
    const int64_t num = Int64Values(num_t)[0];
    OP_REQUIRES(ctx, num >= 0, errors::InvalidArgument("num_segments must be non-negative, got ", num));
    bool prefix = ids.dims() <= data.dims();
    for (int d = 0; prefix && d < ids.dims(); ++d) prefix = ids.dim_size(d) == data.dim_size(d);
    OP_REQUIRES(ctx, prefix,
                errors::InvalidArgument("data.shape = ", data.shape().DebugString(),
                                        " does not start with segment_ids.shape = ", ids.shape().DebugString()));
    TensorShape out_shape;
    out_shape.AddDim(num);
    const int64_t inner = InnerSize(data.shape(), ids.dims(), &out_shape);
    const std::vector<int64_t> segment = Int64Values(ids);
    for (size_t j = 0; j < segment.size(); ++j) {
      OP_REQUIRES(ctx, segment[j] < num,
                  errors::InvalidArgument("segment_ids[", j, "] = ", segment[j], " is out of range [0, ", num, ")"));
    }
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    T* od = out->data<T>();
    std::fill(od, od + out->NumElements(), R<T>::Empty());
    const T* dd = data.data<T>();
    const int64_t n = static_cast<int64_t>(segment.size());
    cpu::ParallelFor(inner, n * inner, [&](int64_t b, int64_t e) {
      for (int64_t j = 0; j < n; ++j) {
        if (segment[j] < 0) continue;
        T* row = od + segment[j] * inner;
        const T* src = dd + j * inner;
        for (int64_t i = b; i < e; ++i) row[i] = R<T>::Apply(row[i], src[i]);
      }
    });
  }
};

template <typename T>
using UnsortedSegmentSumOp = UnsortedSegmentReductionOp<T, SumReducer>;
template <typename T>
using UnsortedSegmentMaxOp = UnsortedSegmentReductionOp<T, MaxReducer>;
template <typename T>
using UnsortedSegmentMinOp = UnsortedSegmentReductionOp<T, MinReducer>;
template <typename T>
using UnsortedSegmentProdOp = UnsortedSegmentReductionOp<T, ProdReducer>;
REGISTER_KERNEL_FAMILY(NumberTypes, "UnsortedSegmentSum", UnsortedSegmentSumOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "UnsortedSegmentMax", UnsortedSegmentMaxOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "UnsortedSegmentMin", UnsortedSegmentMinOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "UnsortedSegmentProd", UnsortedSegmentProdOp);

// ---- Sorted segments: Segment*, SparseSegment* -----------------------------------------------

// Checks that `ids` (named `what`) are non-negative and non-decreasing; returns the number of
// segments, last id + 1 (0 for no ids).
StatusOr<int64_t> SortedSegmentCount(const std::vector<int64_t>& ids, const char* what) {
  for (size_t j = 0; j < ids.size(); ++j) {
    if (ids[j] < 0) return errors::InvalidArgument(what, "[", j, "] = ", ids[j], " is negative");
    if (j > 0 && ids[j] < ids[j - 1]) {
      return errors::InvalidArgument(what, " are not sorted: ", what, "[", j, "] = ", ids[j], " comes after ", what,
                                     "[", j - 1, "] = ", ids[j - 1]);
    }
  }
  return ids.empty() ? 0 : ids.back() + 1;
}

// begin[s]..begin[s + 1] are the positions of the (sorted) ids equal to s, for s < num.
std::vector<int64_t> SegmentStarts(const std::vector<int64_t>& ids, int64_t num) {
  std::vector<int64_t> begin(num + 1, static_cast<int64_t>(ids.size()));
  for (int64_t j = static_cast<int64_t>(ids.size()) - 1; j >= 0; --j) begin[ids[j]] = j;
  for (int64_t s = num - 1; s >= 0; --s) begin[s] = std::min(begin[s], begin[s + 1]);
  return begin;
}

// The output rows of segments [s_begin, s_end): row s reduces the rows row_of(j) of `data`
// for j in [begin[s], begin[s + 1]) with R, then (kMean) divides by their count; a segment
// without rows is `empty`.
enum class Scale { kNone, kMean, kSqrtN };
template <typename T, template <typename> class R, Scale kScale, typename RowOf>
void ReduceSortedSegments(const T* data, int64_t inner, const std::vector<int64_t>& begin, T empty,
                          const RowOf& row_of, T* out) {
  const int64_t num = static_cast<int64_t>(begin.size()) - 1;
  const int64_t rows = begin.back() - begin.front();
  cpu::ParallelFor(num, (rows + num) * inner, [&](int64_t sb, int64_t se) {
    for (int64_t s = sb; s < se; ++s) {
      T* o = out + s * inner;
      const int64_t lo = begin[s], hi = begin[s + 1];
      if (lo == hi) {
        std::fill(o, o + inner, empty);
        continue;
      }
      const T* first = data + row_of(lo) * inner;
      std::copy(first, first + inner, o);
      for (int64_t j = lo + 1; j < hi; ++j) {
        const T* src = data + row_of(j) * inner;
        for (int64_t i = 0; i < inner; ++i) o[i] = R<T>::Apply(o[i], src[i]);
      }
      if constexpr (kScale != Scale::kNone) {
        const double count = static_cast<double>(hi - lo);
        const T d = static_cast<T>(kScale == Scale::kMean ? count : std::sqrt(count));
        for (int64_t i = 0; i < inner; ++i) o[i] = o[i] / d;
      }
    }
  });
}

// Segment*: data's rows reduced by the sorted segment_ids (a vector of data's dim 0). Empty
// segments (ids skipped) are 0 (1 for Prod), as TensorFlow's.
template <typename T, template <typename> class R, Scale kScale>
class SegmentReductionOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& data = ctx->input(0);
    const Tensor& ids_t = ctx->input(1);
    OP_REQUIRES(ctx, data.dims() >= 1, errors::InvalidArgument("data must be at least a vector, got a scalar"));
    OP_REQUIRES(ctx, ids_t.dims() == 1 && ids_t.dim_size(0) == data.dim_size(0),
                errors::InvalidArgument("segment_ids (shape ", ids_t.shape().DebugString(),
                                        ") must be a vector with as many entries as data's dim 0 (data shape ",
                                        data.shape().DebugString(), ")"));
    const std::vector<int64_t> ids = Int64Values(ids_t);
    auto num = SortedSegmentCount(ids, "segment_ids");
    OP_REQUIRES_OK(ctx, num.status());
    TensorShape out_shape;
    out_shape.AddDim(*num);
    const int64_t inner = InnerSize(data.shape(), 1, &out_shape);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const T empty = std::is_same_v<R<T>, ProdReducer<T>> ? T(1) : T(0);
    ReduceSortedSegments<T, R, kScale>(data.data<T>(), inner, SegmentStarts(ids, *num), empty,
                                       [](int64_t j) { return j; }, out->data<T>());
  }
};

template <typename T>
using SegmentSumOp = SegmentReductionOp<T, SumReducer, Scale::kNone>;
template <typename T>
using SegmentMeanOp = SegmentReductionOp<T, SumReducer, Scale::kMean>;
template <typename T>
using SegmentMaxOp = SegmentReductionOp<T, MaxReducer, Scale::kNone>;
template <typename T>
using SegmentMinOp = SegmentReductionOp<T, MinReducer, Scale::kNone>;
template <typename T>
using SegmentProdOp = SegmentReductionOp<T, ProdReducer, Scale::kNone>;
REGISTER_KERNEL_FAMILY(NumberTypes, "SegmentSum", SegmentSumOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "SegmentMean", SegmentMeanOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "SegmentMax", SegmentMaxOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "SegmentMin", SegmentMinOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "SegmentProd", SegmentProdOp);

// Checks that every entry of `v` (named `what`) is in [0, limit).
Status CheckInRange(const std::vector<int64_t>& v, int64_t limit, const char* what) {
  for (size_t j = 0; j < v.size(); ++j) {
    if (v[j] < 0 || v[j] >= limit) {
      return errors::InvalidArgument(what, "[", j, "] = ", v[j], " is out of range [0, ", limit, ")");
    }
  }
  return absl::OkStatus();
}

Status CheckSparseSegmentArgs(const Tensor& indices, const Tensor& segment_ids) {
  if (indices.dims() != 1 || segment_ids.dims() != 1 || indices.dim_size(0) != segment_ids.dim_size(0)) {
    return errors::InvalidArgument("indices (shape ", indices.shape().DebugString(), ") and segment_ids (shape ",
                                   segment_ids.shape().DebugString(), ") must be vectors of one length");
  }
  return absl::OkStatus();
}

// SparseSegment{Sum,Mean,SqrtN}: output[s] = reduce of data[indices[j]] over the j with
// segment_ids[j] == s (sorted ids), divided by the count (Mean) or its square root (SqrtN).
// kWithNumSegments: input 3 is num_segments, the output's dim 0 (ids must be below it).
template <typename T, Scale kScale, bool kWithNumSegments>
class SparseSegmentReductionOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& data = ctx->input(0);
    OP_REQUIRES(ctx, data.dims() >= 1, errors::InvalidArgument("data must be at least a vector, got a scalar"));
    OP_REQUIRES_OK(ctx, CheckSparseSegmentArgs(ctx->input(1), ctx->input(2)));
    const std::vector<int64_t> indices = Int64Values(ctx->input(1));
    const std::vector<int64_t> ids = Int64Values(ctx->input(2));
    OP_REQUIRES_OK(ctx, CheckInRange(indices, data.dim_size(0), "indices"));
    auto used = SortedSegmentCount(ids, "segment_ids");
    OP_REQUIRES_OK(ctx, used.status());
    int64_t num = *used;
    if (kWithNumSegments) {
      const Tensor& num_t = ctx->input(3);
      OP_REQUIRES(ctx, num_t.dims() == 0,
                  errors::InvalidArgument("num_segments must be a scalar, got shape ", num_t.shape().DebugString()));
      num = Int64Values(num_t)[0];
      OP_REQUIRES(ctx, num >= 0, errors::InvalidArgument("num_segments must be non-negative, got ", num));
      OP_REQUIRES(ctx, *used <= num,
                  errors::InvalidArgument("segment_ids[", ids.size() - 1, "] = ", ids.back(), " is out of range [0, ",
                                          num, ")"));
    }
    TensorShape out_shape;
    out_shape.AddDim(num);
    const int64_t inner = InnerSize(data.shape(), 1, &out_shape);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    ReduceSortedSegments<T, SumReducer, kScale>(data.data<T>(), inner, SegmentStarts(ids, num), T(0),
                                                [&](int64_t j) { return indices[j]; }, out->data<T>());
  }
};

template <typename T>
using SparseSegmentSumOp = SparseSegmentReductionOp<T, Scale::kNone, false>;
template <typename T>
using SparseSegmentMeanOp = SparseSegmentReductionOp<T, Scale::kMean, false>;
template <typename T>
using SparseSegmentSqrtNOp = SparseSegmentReductionOp<T, Scale::kSqrtN, false>;
template <typename T>
using SparseSegmentSumWithNumSegmentsOp = SparseSegmentReductionOp<T, Scale::kNone, true>;
template <typename T>
using SparseSegmentMeanWithNumSegmentsOp = SparseSegmentReductionOp<T, Scale::kMean, true>;
template <typename T>
using SparseSegmentSqrtNWithNumSegmentsOp = SparseSegmentReductionOp<T, Scale::kSqrtN, true>;
REGISTER_KERNEL_FAMILY(NumberTypes, "SparseSegmentSum", SparseSegmentSumOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentMean", SparseSegmentMeanOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentSqrtN", SparseSegmentSqrtNOp);
REGISTER_KERNEL_FAMILY(NumberTypes, "SparseSegmentSumWithNumSegments", SparseSegmentSumWithNumSegmentsOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentMeanWithNumSegments", SparseSegmentMeanWithNumSegmentsOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentSqrtNWithNumSegments", SparseSegmentSqrtNWithNumSegmentsOp);

// SparseSegment{Sum,Mean,SqrtN}Grad: output[indices[j]] += grad[segment_ids[j]] (Sum), divided
// by the size of segment_ids[j]'s segment (Mean) or its square root (SqrtN), over
// [output_dim0] + grad[1:].
// kV2 (TensorFlow 2's sparse gradient): only the rows at the distinct indices, in increasing
// order, and those indices as output 1.
template <typename T, Scale kScale, bool kV2 = false>
class SparseSegmentGradOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& grad = ctx->input(0);
    OP_REQUIRES(ctx, grad.dims() >= 1, errors::InvalidArgument("grad must be at least a vector, got a scalar"));
    OP_REQUIRES_OK(ctx, CheckSparseSegmentArgs(ctx->input(1), ctx->input(2)));
    const Tensor& dim0_t = ctx->input(3);
    OP_REQUIRES(ctx, dim0_t.dims() == 0,
                errors::InvalidArgument("output_dim0 must be a scalar, got shape ", dim0_t.shape().DebugString()));
    const int64_t dim0 = Int64Values(dim0_t)[0];
    OP_REQUIRES(ctx, dim0 >= 0, errors::InvalidArgument("output_dim0 must be non-negative, got ", dim0));
    const std::vector<int64_t> indices = Int64Values(ctx->input(1));
    const std::vector<int64_t> ids = Int64Values(ctx->input(2));
    OP_REQUIRES_OK(ctx, CheckInRange(indices, dim0, "indices"));
    OP_REQUIRES_OK(ctx, CheckInRange(ids, grad.dim_size(0), "segment_ids"));
    std::vector<int64_t> count(grad.dim_size(0), 0);
    for (int64_t s : ids) ++count[s];
    std::vector<T> scale(count.size());
    for (size_t s = 0; s < count.size(); ++s) {
      const double c = static_cast<double>(std::max<int64_t>(count[s], 1));
      scale[s] = kScale == Scale::kNone ? T(1) : static_cast<T>(1.0 / (kScale == Scale::kMean ? c : std::sqrt(c)));
    }
    // The output row of each index: itself, or (kV2) its position among the distinct indices.
    std::vector<int64_t> row = indices, unique;
    if (kV2) {
      unique = indices;
      std::sort(unique.begin(), unique.end());
      unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
      for (int64_t& r : row) r = std::lower_bound(unique.begin(), unique.end(), r) - unique.begin();
    }
    TensorShape out_shape;
    out_shape.AddDim(kV2 ? static_cast<int64_t>(unique.size()) : dim0);
    const int64_t inner = InnerSize(grad.shape(), 1, &out_shape);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    if (kV2) {
      Tensor* u = nullptr;
      OP_REQUIRES_OK(ctx, ctx->allocate_output(1, TensorShape({static_cast<int64_t>(unique.size())}), &u));
      if (u->dtype() == DT_INT32) {
        std::copy(unique.begin(), unique.end(), u->data<int32_t>());
      } else {
        std::copy(unique.begin(), unique.end(), u->data<int64_t>());
      }
    }
    T* od = out->data<T>();
    std::fill(od, od + out->NumElements(), T(0));
    const T* gd = grad.data<T>();
    const int64_t n = static_cast<int64_t>(ids.size());
    cpu::ParallelFor(inner, n * inner, [&](int64_t b, int64_t e) {
      for (int64_t j = 0; j < n; ++j) {
        T* o = od + row[j] * inner;
        const T* g = gd + ids[j] * inner;
        const T k = scale[ids[j]];
        for (int64_t i = b; i < e; ++i) o[i] += g[i] * k;
      }
    });
  }
};

template <typename T>
using SparseSegmentSumGradOp = SparseSegmentGradOp<T, Scale::kNone>;
template <typename T>
using SparseSegmentMeanGradOp = SparseSegmentGradOp<T, Scale::kMean>;
template <typename T>
using SparseSegmentSqrtNGradOp = SparseSegmentGradOp<T, Scale::kSqrtN>;
template <typename T>
using SparseSegmentSumGradV2Op = SparseSegmentGradOp<T, Scale::kNone, true>;
template <typename T>
using SparseSegmentMeanGradV2Op = SparseSegmentGradOp<T, Scale::kMean, true>;
template <typename T>
using SparseSegmentSqrtNGradV2Op = SparseSegmentGradOp<T, Scale::kSqrtN, true>;
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentSumGradV2", SparseSegmentSumGradV2Op);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentMeanGradV2", SparseSegmentMeanGradV2Op);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentSqrtNGradV2", SparseSegmentSqrtNGradV2Op);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentSumGrad", SparseSegmentSumGradOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentMeanGrad", SparseSegmentMeanGradOp);
REGISTER_KERNEL_FAMILY(FloatTypes, "SparseSegmentSqrtNGrad", SparseSegmentSqrtNGradOp);

// ---- DynamicPartition, DynamicStitch (any dtype) ---------------------------------------------

// Copies `n` elements from src (from element `from`) to dst (at element `to`); strings by value.
void CopyElements(const Tensor& src, int64_t from, Tensor* dst, int64_t to, int64_t n) {
  if (n == 0) return;
  if (BaseType(src.dtype()) == DT_STRING) {
    const std::string* s = src.data<std::string>() + from;
    std::copy(s, s + n, dst->data<std::string>() + to);
    return;
  }
  const size_t size = DataTypeSize(src.dtype());
  std::memcpy(static_cast<char*>(dst->raw_data()) + to * size,
              static_cast<const char*>(src.raw_data()) + from * size, n * size);
}

// Whether CopyElements can move elements of dt (a fixed size or strings).
Status CheckCopyable(DataType dt) {
  if (BaseType(dt) == DT_STRING || DataTypeSize(dt) > 0) return absl::OkStatus();
  return errors::Unimplemented("dtype ", DataTypeString(dt), " is not supported");
}

void ZeroElements(Tensor* t) {
  if (BaseType(t->dtype()) == DT_STRING || t->NumElements() == 0) return;
  std::memset(t->raw_data(), 0, t->NumElements() * DataTypeSize(t->dtype()));
}

// outputs[p] = the slices data[j...] with partitions[j...] == p, in order; partitions' shape is
// a prefix of data's.
class DynamicPartitionOp : public OpKernel {
 public:
  explicit DynamicPartitionOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("num_partitions", &num_partitions_));
  }
  void Compute(OpKernelContext* ctx) override {
    const Tensor& data = ctx->input(0);
    const Tensor& partitions = ctx->input(1);
    OP_REQUIRES_OK(ctx, CheckCopyable(data.dtype()));
    bool prefix = partitions.dims() <= data.dims();
    for (int d = 0; prefix && d < partitions.dims(); ++d) prefix = partitions.dim_size(d) == data.dim_size(d);
    OP_REQUIRES(ctx, prefix,
                errors::InvalidArgument("data.shape = ", data.shape().DebugString(),
                                        " does not start with partitions.shape = ",
                                        partitions.shape().DebugString()));
    TensorShape rest;
    const int64_t inner = InnerSize(data.shape(), partitions.dims(), &rest);
    const int32_t* p = partitions.data<int32_t>();
    const int64_t n = partitions.NumElements();
    std::vector<int64_t> count(num_partitions_, 0);
    for (int64_t j = 0; j < n; ++j) {
      OP_REQUIRES(ctx, p[j] >= 0 && p[j] < num_partitions_,
                  errors::InvalidArgument("partitions[", j, "] = ", p[j], " is not in [0, ", num_partitions_, ")"));
      ++count[p[j]];
    }
    std::vector<Tensor*> outs(num_partitions_);
    for (int64_t k = 0; k < num_partitions_; ++k) {
      TensorShape shape;
      shape.AddDim(count[k]);
      for (int d = 0; d < rest.rank(); ++d) shape.AddDim(rest.dim(d));
      OP_REQUIRES_OK(ctx, ctx->allocate_output(static_cast<int>(k), shape, &outs[k]));
    }
    std::vector<int64_t> next(num_partitions_, 0);
    for (int64_t j = 0; j < n; ++j) {
      CopyElements(data, j * inner, outs[p[j]], next[p[j]]++ * inner, inner);
    }
  }

 private:
  int64_t num_partitions_ = 1;
};

// merged[indices[m][i...], ...] = data[m][i..., ...]; later (m, i) win for repeated indices,
// rows no index names are zero.
class DynamicStitchOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const int n = ctx->num_inputs() / 2;
    OP_REQUIRES_OK(ctx, CheckCopyable(ctx->input(n).dtype()));
    int64_t max_index = -1;
    TensorShape rest;
    for (int m = 0; m < n; ++m) {
      const Tensor& indices = ctx->input(m);
      const Tensor& data = ctx->input(n + m);
      bool prefix = indices.dims() <= data.dims();
      for (int d = 0; prefix && d < indices.dims(); ++d) prefix = indices.dim_size(d) == data.dim_size(d);
      OP_REQUIRES(ctx, prefix,
                  errors::InvalidArgument("data[", m, "].shape = ", data.shape().DebugString(),
                                          " does not start with indices[", m,
                                          "].shape = ", indices.shape().DebugString()));
      TensorShape r;
      InnerSize(data.shape(), indices.dims(), &r);
      if (m == 0) rest = r;
      OP_REQUIRES(ctx, r == rest,
                  errors::InvalidArgument("data[", m, "] has element shape ", r.DebugString(), ", data[0] ",
                                          rest.DebugString()));
      const int32_t* idx = indices.data<int32_t>();
      for (int64_t j = 0; j < indices.NumElements(); ++j) {
        OP_REQUIRES(ctx, idx[j] >= 0,
                    errors::InvalidArgument("indices[", m, "][", j, "] = ", idx[j], " is negative"));
        max_index = std::max<int64_t>(max_index, idx[j]);
      }
    }
    TensorShape out_shape;
    out_shape.AddDim(max_index + 1);
    const int64_t inner = InnerSize(rest, 0, &out_shape);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    ZeroElements(out);
    for (int m = 0; m < n; ++m) {
      const Tensor& indices = ctx->input(m);
      const int32_t* idx = indices.data<int32_t>();
      for (int64_t j = 0; j < indices.NumElements(); ++j) {
        CopyElements(ctx->input(n + m), j * inner, out, idx[j] * inner, inner);
      }
    }
  }
};

REGISTER_KERNEL(KernelDefBuilder("DynamicPartition").Device(kDeviceCpu), DynamicPartitionOp);
REGISTER_KERNEL(KernelDefBuilder("DynamicStitch").Device(kDeviceCpu), DynamicStitchOp);
REGISTER_KERNEL(KernelDefBuilder("ParallelDynamicStitch").Device(kDeviceCpu), DynamicStitchOp);

// ---- Unique ----------------------------------------------------------------------------------

// y: the distinct values of the vector x in order of first occurrence; idx[j]: x[j]'s position in y.
template <typename T>
class UniqueOp : public OpKernel {
 public:
  using OpKernel::OpKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    OP_REQUIRES(ctx, x.dims() == 1, errors::InvalidArgument("x must be a vector, got shape ", x.shape().DebugString()));
    const T* xd = x.data<T>();
    const int64_t n = x.NumElements();
    Tensor* idx_t = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, x.shape(), &idx_t));
    if (ctx->expected_output_dtype(1) == DT_INT32) {
      OP_REQUIRES(ctx, n <= std::numeric_limits<int32_t>::max(),
                  errors::InvalidArgument("x has ", n, " elements, too many for int32 idx"));
      ComputeInto(ctx, xd, n, idx_t->data<int32_t>());
    } else {
      ComputeInto(ctx, xd, n, idx_t->data<int64_t>());
    }
  }

 private:
  // One pass over x with an open-addressing map sized for it (the ids of an embedding batch:
  // node-based maps spent most of the time allocating).
  template <typename Index>
  static void ComputeInto(OpKernelContext* ctx, const T* xd, int64_t n, Index* idx) {
    absl::flat_hash_map<T, Index> position;
    position.reserve(n);
    std::vector<T> y;
    for (int64_t j = 0; j < n; ++j) {
      auto [it, inserted] = position.try_emplace(xd[j], static_cast<Index>(y.size()));
      if (inserted) y.push_back(xd[j]);
      idx[j] = it->second;
    }
    Tensor* y_t = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({static_cast<int64_t>(y.size())}), &y_t));
    std::copy(y.begin(), y.end(), y_t->data<T>());
  }
};
using UniqueTypes = TypeFamily<float, double, int32_t, int64_t, uint8_t, bool>;
REGISTER_KERNEL_FAMILY(UniqueTypes, "Unique", UniqueOp);

}  // namespace
}  // namespace sluice
