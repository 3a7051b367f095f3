// CPU kernel of TopKV2 and TopK: per row of the last dimension, a selection of the k largest
// entries, rows in parallel: a single scan for k == 1; for k small next to the row, a heap of
// the k best seen so far (most entries cost one comparison with its worst); otherwise
// nth_element over the row's indices, then a sort of the first k. The order is by value,
// descending, ties by the lower index, NaN above every number (so the comparison is a strict
// total order and the result deterministic). Output is always sorted, which `sorted = false`
// (any order) allows.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/kernel.h"
#include "core/type_lists.h"
#include "kernels/cpu/parallel_for.h"

namespace sluice {
namespace {

// Whether entry (x, a) ranks before entry (y, b).
template <typename T>
bool Before(T x, int32_t a, T y, int32_t b) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool nx = std::isnan(x), ny = std::isnan(y);
    if (nx || ny) return nx && ny ? a < b : nx;
  }
  return x > y || (x == y && a < b);
}

// Rows whose length is at least this many times k take the heap.
constexpr int64_t kHeapRatio = 16;

template <typename T>
void TopKOfRow(const T* row, int64_t n, int64_t k, std::vector<int32_t>* order,
               std::vector<std::pair<T, int32_t>>* heap, T* values, int32_t* indices) {
  if (k == 1) {
    int32_t best = 0;
    for (int32_t j = 1; j < n; ++j) {
      if (row[j] > row[best] || (!(row[j] <= row[best]) && Before(row[j], j, row[best], best))) best = j;
    }
    indices[0] = best;
    values[0] = row[best];
    return;
  }
  if (k * kHeapRatio <= n) {
    // A heap whose top is the worst of the k kept (the "largest" under Before).
    auto before = [](const std::pair<T, int32_t>& x, const std::pair<T, int32_t>& y) {
      return Before(x.first, x.second, y.first, y.second);
    };
    heap->clear();
    for (int32_t j = 0; j < k; ++j) heap->emplace_back(row[j], j);
    std::make_heap(heap->begin(), heap->end(), before);
    T worst = heap->front().first;
    for (int32_t j = static_cast<int32_t>(k); j < n; ++j) {
      // Most entries fall below the worst kept: one comparison (false for NaN, which goes on).
      if (row[j] < worst) continue;
      if (!Before(row[j], j, heap->front().first, heap->front().second)) continue;
      std::pop_heap(heap->begin(), heap->end(), before);
      heap->back() = {row[j], j};
      std::push_heap(heap->begin(), heap->end(), before);
      worst = heap->front().first;
    }
    std::sort_heap(heap->begin(), heap->end(), before);
    for (int64_t j = 0; j < k; ++j) {
      values[j] = (*heap)[j].first;
      indices[j] = (*heap)[j].second;
    }
    return;
  }
  order->resize(n);
  std::iota(order->begin(), order->end(), 0);
  auto before = [row](int32_t a, int32_t b) { return Before(row[a], a, row[b], b); };
  if (k < n) std::nth_element(order->begin(), order->begin() + (k - 1), order->end(), before);
  std::sort(order->begin(), order->begin() + k, before);
  for (int64_t j = 0; j < k; ++j) {
    indices[j] = (*order)[j];
    values[j] = row[(*order)[j]];
  }
}

template <typename T>
class TopKOp : public OpKernel {
 public:
  explicit TopKOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    if (ctx->num_inputs() == 1) ctx->SetStatus(ctx->GetAttr("k", &k_attr_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& input = ctx->input(0);
    int64_t k = k_attr_;
    if (ctx->num_inputs() > 1) {
      const Tensor& k_t = ctx->input(1);
      OP_REQUIRES(ctx, k_t.dims() == 0,
                  errors::InvalidArgument("k must be a scalar, got shape ", k_t.shape().DebugString()));
      k = k_t.data<int32_t>()[0];
    }
    OP_REQUIRES(ctx, k >= 0, errors::InvalidArgument("k = ", k, " must be non-negative"));
    OP_REQUIRES(ctx, input.dims() >= 1, errors::InvalidArgument("input must be at least a vector, got a scalar"));
    const int64_t n = input.dim_size(input.dims() - 1);
    OP_REQUIRES(ctx, n >= k,
                errors::InvalidArgument("input ", input.shape().DebugString(), " must have last dimension >= k = ", k));
    OP_REQUIRES(ctx, n <= std::numeric_limits<int32_t>::max(),
                errors::InvalidArgument("the last dimension ", n, " does not fit the int32 indices"));
    TensorShape out_shape = input.shape();
    out_shape.set_dim(input.dims() - 1, k);
    Tensor *values = nullptr, *indices = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &values));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, out_shape, &indices));
    if (k == 0) return;
    const int64_t rows = n == 0 ? 0 : input.NumElements() / n;
    const T* in = input.data<T>();
    T* out_v = values->data<T>();
    int32_t* out_i = indices->data<int32_t>();
    const int64_t work_per_row = n + k * static_cast<int64_t>(std::log2(static_cast<double>(k) + 1));
    cpu::ParallelFor(rows, rows * work_per_row, [&](int64_t begin, int64_t end) {
      std::vector<int32_t> order;
      std::vector<std::pair<T, int32_t>> heap;
      for (int64_t r = begin; r < end; ++r) {
        TopKOfRow(in + r * n, n, k, &order, &heap, out_v + r * k, out_i + r * k);
      }
    });
  }

  bool IsExpensive() const override { return true; }

 private:
  int64_t k_attr_ = 0;
};

static internal::FamilyKernelRegistrar<RealNumberTypes, TopKOp> topk_v2_kernels [[maybe_unused]]("TopKV2", "T");
static internal::FamilyKernelRegistrar<RealNumberTypes, TopKOp> topk_kernels [[maybe_unused]]("TopK", "T");

}  // namespace
}  // namespace sluice
