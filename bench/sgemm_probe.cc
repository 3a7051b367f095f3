// The arithmetic floor of the side-by-side workloads: the time their matrix products alone take
// with oneDNN's dnnl_sgemm (the GEMM sluice's MatMul runs) on this machine, measured in the same
// run as the frameworks. Prints `name value unit` lines:
//   sgemm_gflops      dnnl_sgemm rate on a 1024^3 product
//   floor_mlp_epoch_s the MLP epoch's GEMMs (forward, weight gradients, the hidden layer's input
//                     gradient) at their own shapes, times the epoch's 60000/128 steps
//   floor_tiny_run_us 0: y = a*b + c has no GEMM (its floor is the per-Run overhead itself)
#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "oneapi/dnnl/dnnl.h"

namespace {

// Seconds per call of C[m,n] = op(A) op(B) (row-major, as sluice's MatMul calls it).
double TimeGemm(char ta, char tb, int m, int n, int k) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(k) * n, 0.25f),
      c(static_cast<size_t>(m) * n);
  const int lda = ta == 'N' ? k : m, ldb = tb == 'N' ? n : k;
  auto call = [&] {
    if (dnnl_sgemm(ta, tb, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n) != dnnl_success) {
      std::fprintf(stderr, "sgemm_probe: dnnl_sgemm failed\n");
      std::exit(1);
    }
  };
  for (int i = 0; i < 20; ++i) call();
  // Enough calls for ~0.2 s, best of 3 batches (the floor is the fastest the machine does).
  using Clock = std::chrono::steady_clock;
  const double flops = 2.0 * m * n * k;
  const int calls = static_cast<int>(std::max(10.0, 0.07 * 300e9 / flops));
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    auto t = Clock::now();
    for (int i = 0; i < calls; ++i) call();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count() / calls);
  }
  return best;
}

}  // namespace

int main() {
  const double big = TimeGemm('N', 'N', 1024, 1024, 1024);
  std::printf("sgemm_gflops %.1f GFLOP/s\n", 2.0 * 1024 * 1024 * 1024 / big / 1e9);
  // One MLP step (batch 128, 784-256-10): x.W1, h.W2, dlogits.W2^T (gradient of h), x^T.dH and
  // h^T.dlogits (weight gradients); no gradient of the input is built.
  const double step = TimeGemm('N', 'N', 128, 256, 784) + TimeGemm('N', 'N', 128, 10, 256) +
                      TimeGemm('N', 'T', 128, 256, 10) + TimeGemm('T', 'N', 784, 256, 128) +
                      TimeGemm('T', 'N', 256, 10, 128);
  std::printf("floor_mlp_epoch_s %.3f s\n", step * 60000.0 / 128.0);
  std::printf("floor_tiny_run_us 0 us\n");
  return 0;
}
