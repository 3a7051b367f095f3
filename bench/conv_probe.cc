// The arithmetic floor of the lenet workload (sluice_bench lenet, the anchors' lenet_steps):
// one training step's convolutions and matrix products timed directly with oneDNN primitives
// and dnnl_sgemm, times its 100 steps. Prints `name value unit` lines:
//   lenet_100_steps_floor_s       convolutions in oneDNN's preferred (blocked) layouts, the data
//                                 already in them: the floor
//   lenet_100_steps_floor_nhwc_s  the same in the layouts sluice's kernels use (NHWC images,
//                                 HWIO filters): what sluice's primitives alone cost
// and the per-pass times in milliseconds (lenet_<pass>_ms, preferred layouts). Pooling, ReLU,
// bias, softmax and the optimizer are left out (their cost is memory traffic, not arithmetic).
//
// One step at batch 64: conv1 (28x28x1 -> 32, 5x5, SAME) forward and filter gradient (the
// images get no gradient); conv2 (14x14x32 -> 64, 5x5, SAME) forward, input gradient and
// filter gradient; dense1 (3136 -> 1024) and dense2 (1024 -> 10) forward, their weight
// gradients and their input gradients.
//
//   conv_probe [--quick]      (--quick: a few calls per figure, to check that it runs)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "bench/dnnl_conv.h"
#include "oneapi/dnnl/dnnl.h"

namespace {

using sluice::bench::ConvShape;
using sluice::bench::DnnlConv;

bool quick = false;

// Seconds per call of `call`: warm-up, then the best of 3 batches of about 0.1 s each.
double Time(const std::function<void()>& call) {
  using Clock = std::chrono::steady_clock;
  for (int i = 0; i < (quick ? 1 : 5); ++i) call();
  auto t = Clock::now();
  call();
  const double once = std::max(1e-7, std::chrono::duration<double>(Clock::now() - t).count());
  const int calls = quick ? 1 : std::max(3, static_cast<int>(0.1 / once));
  double best = 1e30;
  for (int rep = 0; rep < (quick ? 1 : 3); ++rep) {
    t = Clock::now();
    for (int i = 0; i < calls; ++i) call();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count() / calls);
  }
  return best;
}

// Seconds per call of C[m,n] = op(A) op(B), row-major, as sluice's MatMul calls dnnl_sgemm.
double TimeGemm(char ta, char tb, int m, int n, int k) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(k) * n, 0.25f),
      c(static_cast<size_t>(m) * n);
  const int lda = ta == 'N' ? k : m, ldb = tb == 'N' ? n : k;
  return Time([&] {
    if (dnnl_sgemm(ta, tb, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n) != dnnl_success) {
      std::fprintf(stderr, "conv_probe: dnnl_sgemm failed\n");
      std::exit(1);
    }
  });
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: conv_probe [--quick]\n");
      return 2;
    }
  }
  constexpr int kBatch = 64, kSteps = 100;
  const ConvShape conv1{kBatch, 28, 28, 1, 32, 5, 5, 1, 2}, conv2{kBatch, 14, 14, 32, 64, 5, 5, 1, 2};
  double gemm = 0;
  // dense1: [64,3136].[3136,1024]; its weight gradient flat^T.d1 and input gradient d1.W1^T.
  gemm += TimeGemm('N', 'N', kBatch, 1024, 3136) + TimeGemm('T', 'N', 3136, 1024, kBatch) +
          TimeGemm('N', 'T', kBatch, 3136, 1024);
  // dense2: [64,1024].[1024,10]; h^T.dlogits and dlogits.W2^T.
  gemm += TimeGemm('N', 'N', kBatch, 10, 1024) + TimeGemm('T', 'N', 1024, 10, kBatch) +
          TimeGemm('N', 'T', kBatch, 1024, 10);
  std::printf("lenet_gemm_ms %.3f ms\n", gemm * 1e3);
  double step[2] = {gemm, gemm};
  for (int layout = 0; layout < 2; ++layout) {
    const DnnlConv::Layout l = layout == 0 ? DnnlConv::Layout::kAny : DnnlConv::Layout::kNhwc;
    const char* suffix = layout == 0 ? "" : "_nhwc";
    DnnlConv c1(conv1, l), c2(conv2, l);
    const double c1_fwd = Time([&] { c1.Forward(); }), c1_bwd_w = Time([&] { c1.BackwardWeights(); });
    const double c2_fwd = Time([&] { c2.Forward(); }), c2_bwd_d = Time([&] { c2.BackwardData(); }),
                 c2_bwd_w = Time([&] { c2.BackwardWeights(); });
    std::printf("lenet_conv1_forward%s_ms %.3f ms\n", suffix, c1_fwd * 1e3);
    std::printf("lenet_conv1_backward_weights%s_ms %.3f ms\n", suffix, c1_bwd_w * 1e3);
    std::printf("lenet_conv2_forward%s_ms %.3f ms\n", suffix, c2_fwd * 1e3);
    std::printf("lenet_conv2_backward_data%s_ms %.3f ms\n", suffix, c2_bwd_d * 1e3);
    std::printf("lenet_conv2_backward_weights%s_ms %.3f ms\n", suffix, c2_bwd_w * 1e3);
    step[layout] += c1_fwd + c1_bwd_w + c2_fwd + c2_bwd_d + c2_bwd_w;
  }
  std::printf("lenet_100_steps_floor_s %.3f s\n", step[0] * kSteps);
  std::printf("lenet_100_steps_floor_nhwc_s %.3f s\n", step[1] * kSteps);
  return 0;
}
