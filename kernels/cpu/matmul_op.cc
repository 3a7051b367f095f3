// CPU kernel of MatMul. float goes to oneDNN's sgemm, which measured as fast as a cached
// dnnl::matmul primitive on the MNIST shapes ([128,784]x[784,256], [128,256]x[256,10] and the
// transposed products of their gradients: 220-440 GFLOP/s on 1-2 AVX-512 cores) and faster for
// a single row, with no primitive cache to keep; transposes are its 'T' flags. double and the
// integer types use a plain cache-friendly loop.
#include <cstring>
#include <vector>

#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/vector_math.h"
#include "oneapi/dnnl/dnnl.h"

namespace sluice {
namespace {

template <typename T>
class MatMulOp : public OpKernel {
 public:
  explicit MatMulOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("transpose_a", &transpose_a_));
    c->SetStatus(c->GetAttr("transpose_b", &transpose_b_));
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& a = ctx->input(0);
    const Tensor& b = ctx->input(1);
    OP_REQUIRES(ctx, a.dims() == 2 && b.dims() == 2,
                errors::InvalidArgument("MatMul requires rank-2 inputs, got shapes ",
                                        a.shape().DebugString(), " and ", b.shape().DebugString()));
    const int64_t m = a.dim_size(transpose_a_ ? 1 : 0), k = a.dim_size(transpose_a_ ? 0 : 1);
    const int64_t kb = b.dim_size(transpose_b_ ? 1 : 0), n = b.dim_size(transpose_b_ ? 0 : 1);
    OP_REQUIRES(ctx, k == kb,
                errors::InvalidArgument("Matrix size-incompatible: In[0]: ", a.shape().DebugString(),
                                        ", In[1]: ", b.shape().DebugString(), " (transpose_a=",
                                        transpose_a_, ", transpose_b=", transpose_b_, ")"));
    Tensor* c;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{m, n}, &c));
    if (m == 0 || n == 0) return;
    T* cd = c->data<T>();
    if (k == 0) {
      std::fill(cd, cd + m * n, T(0));
      return;
    }
    const T* ad = a.data<T>();
    const T* bd = b.data<T>();
    if constexpr (std::is_same_v<T, float>) {
      dnnl_status_t s = dnnl_sgemm(transpose_a_ ? 'T' : 'N', transpose_b_ ? 'T' : 'N', m, n, k,
                                   1.0f, ad, a.dim_size(1), bd, b.dim_size(1), 0.0f, cd, n);
      OP_REQUIRES(ctx, s == dnnl_success,
                  errors::Internal("oneDNN sgemm failed with status ", static_cast<int>(s),
                                   " for shapes ", a.shape().DebugString(), " and ",
                                   b.shape().DebugString()));
    } else {
      PlainMatMul(ad, bd, m, k, n, cd);
    }
  }

 private:
  // c = op(a) op(b) with row-major [m, k] and [k, n] views: transposed operands are first
  // copied untransposed, then c's rows accumulate rows of b (contiguous, vectorizable).
  void PlainMatMul(const T* a, const T* b, int64_t m, int64_t k, int64_t n, T* c) const {
    std::vector<T> a_copy, b_copy;
    if (transpose_a_) {
      a_copy = Transposed(a, k, m);
      a = a_copy.data();
    }
    if (transpose_b_) {
      b_copy = Transposed(b, n, k);
      b = b_copy.data();
    }
    cpu::ParallelFor(m, m * k * n, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T* ci = c + i * n;
        std::fill(ci, ci + n, T(0));
        for (int64_t p = 0; p < k; ++p) {
          const T aip = a[i * k + p];
          const T* bp = b + p * n;
          for (int64_t j = 0; j < n; ++j) ci[j] = cpu::WrapAdd(ci[j], cpu::WrapMul(aip, bp[j]));
        }
      }
    });
  }

  // The [cols, rows] transpose of a row-major [rows, cols] matrix.
  static std::vector<T> Transposed(const T* x, int64_t rows, int64_t cols) {
    std::vector<T> t(rows * cols);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t q = 0; q < cols; ++q) t[q * rows + r] = x[r * cols + q];
    }
    return t;
  }

  bool transpose_a_ = false;
  bool transpose_b_ = false;
};

#define SLUICE_MATMUL(T)                                                                  \
  REGISTER_KERNEL(KernelDefBuilder("MatMul").Device(kDeviceCpu).TypeConstraint<T>("T"), \
                  MatMulOp<T>)
SLUICE_MATMUL(float);
SLUICE_MATMUL(double);
SLUICE_MATMUL(int32_t);
SLUICE_MATMUL(int64_t);

}  // namespace
}  // namespace sluice
