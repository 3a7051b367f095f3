// ParallelFor: intra-op parallelism for CPU kernels on OpenMP's threads (the pool oneDNN uses
// too, so the two never oversubscribe the cores).
#ifndef SLUICE_KERNELS_CPU_PARALLEL_FOR_H_
#define SLUICE_KERNELS_CPU_PARALLEL_FOR_H_

#include <omp.h>

#include <cstdint>

namespace sluice::cpu {

// Work (elements times per-element cost) below which a kernel runs on the calling thread:
// an OpenMP region costs a few microseconds, small tensors must not pay it.
inline constexpr int64_t kMinParallelWork = int64_t{1} << 16;

// Calls fn(begin, end) on disjoint ranges covering [0, n): once, inline, when `work` is below
// kMinParallelWork, else one contiguous range per OpenMP thread.
template <typename Fn>
void ParallelFor(int64_t n, int64_t work, const Fn& fn) {
  if (n <= 0) return;
  if (work < kMinParallelWork || n == 1 || omp_get_max_threads() == 1) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = n * t / nt, end = n * (t + 1) / nt;
    if (begin < end) fn(begin, end);
  }
}

}  // namespace sluice::cpu

#endif  // SLUICE_KERNELS_CPU_PARALLEL_FOR_H_
