// CPU kernel of MatMul. float goes to oneDNN's sgemm, which measured as fast as a cached
// dnnl::matmul primitive on the MNIST shapes ([128,784]x[784,256], [128,256]x[256,10] and the
// transposed products of their gradients: 220-440 GFLOP/s on 1-2 AVX-512 cores) and faster for
// a single row, with no primitive cache to keep; transposes are its 'T' flags. double and the
// integer types use a plain cache-friendly loop.
#include <algorithm>
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

// ---- BatchMatMul, BatchMatMulV2 --------------------------------------------------------------

// One matrix product per batch index; V2 broadcasts the batch dims (NumPy's rules). Real types
// only, so adjoint is transpose.
template <typename T>
class BatchMatMulOp : public OpKernel {
 public:
  explicit BatchMatMulOp(OpKernelConstruction* c) : OpKernel(c) {
    c->SetStatus(c->GetAttr("adj_x", &adj_x_));
    c->SetStatus(c->GetAttr("adj_y", &adj_y_));
    broadcast_ = c->def().op() == "BatchMatMulV2";
  }
  bool IsExpensive() const override { return true; }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& y = ctx->input(1);
    auto shapes = [&] {
      return absl::StrCat(x.shape().DebugString(), " and ", y.shape().DebugString(), " (adj_x=", adj_x_,
                          ", adj_y=", adj_y_, ")");
    };
    OP_REQUIRES(ctx, x.dims() >= 2 && y.dims() >= 2,
                errors::InvalidArgument("BatchMatMul inputs must have rank >= 2, got shapes ", shapes()));
    const int rx = x.dims(), ry = y.dims();
    const int64_t m = x.dim_size(rx - (adj_x_ ? 1 : 2)), k = x.dim_size(rx - (adj_x_ ? 2 : 1));
    const int64_t ky = y.dim_size(ry - (adj_y_ ? 1 : 2)), n = y.dim_size(ry - (adj_y_ ? 2 : 1));
    OP_REQUIRES(ctx, k == ky, errors::InvalidArgument("Matrix size-incompatible: ", shapes()));
    // The batch shape, and per batch index the matrix index into x and into y.
    const int rank = std::max(rx, ry) - 2;
    OP_REQUIRES(ctx, broadcast_ || rx == ry,
                errors::InvalidArgument("BatchMatMul needs equal batch dimensions, got ", shapes()));
    TensorShape out_shape;
    std::vector<int64_t> dims(rank), sx(rank, 0), sy(rank, 0);
    int64_t stride_x = 1, stride_y = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const int ix = d - (rank - (rx - 2)), iy = d - (rank - (ry - 2));
      const int64_t dx = ix < 0 ? 1 : x.dim_size(ix), dy = iy < 0 ? 1 : y.dim_size(iy);
      OP_REQUIRES(ctx, dx == dy || (broadcast_ && (dx == 1 || dy == 1)),
                  errors::InvalidArgument("BatchMatMul batch dimensions do not ", broadcast_ ? "broadcast" : "match",
                                          ": ", shapes()));
      dims[d] = std::max(dx, dy);
      if (dx == 0 || dy == 0) dims[d] = 0;
      sx[d] = dx == 1 ? 0 : stride_x;
      sy[d] = dy == 1 ? 0 : stride_y;
      stride_x *= dx;
      stride_y *= dy;
    }
    for (int d = 0; d < rank; ++d) out_shape.AddDim(dims[d]);
    out_shape.AddDim(m);
    out_shape.AddDim(n);
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, out_shape, &out));
    const int64_t batches = out_shape.num_elements() / std::max<int64_t>(1, m * n);
    if (out->NumElements() == 0) return;
    const T* xd = x.data<T>();
    const T* yd = y.data<T>();
    T* od = out->data<T>();
    const int64_t x_cols = x.dim_size(rx - 1), y_cols = y.dim_size(ry - 1);
    std::vector<int64_t> bx(batches), by(batches);
    for (int64_t b = 0; b < batches; ++b) {
      int64_t rest = b, ox = 0, oy = 0;
      for (int d = rank - 1; d >= 0; --d) {
        const int64_t i = rest % dims[d];
        rest /= dims[d];
        ox += i * sx[d];
        oy += i * sy[d];
      }
      bx[b] = ox * m * k;
      by[b] = oy * k * n;
    }
    cpu::ParallelFor(batches, batches * m * n * std::max<int64_t>(k, 1), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const T* a = xd + bx[b];
        const T* c = yd + by[b];
        T* o = od + b * m * n;
        if constexpr (std::is_same_v<T, float>) {
          if (k > 0) {
            dnnl_sgemm(adj_x_ ? 'T' : 'N', adj_y_ ? 'T' : 'N', m, n, k, 1.0f, a, x_cols, c, y_cols, 0.0f, o, n);
            continue;
          }
        }
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            T acc = T(0);
            for (int64_t p = 0; p < k; ++p) {
              const T av = adj_x_ ? a[p * x_cols + i] : a[i * x_cols + p];
              const T cv = adj_y_ ? c[j * y_cols + p] : c[p * y_cols + j];
              acc = cpu::WrapAdd(acc, cpu::WrapMul(av, cv));
            }
            o[i * n + j] = acc;
          }
        }
      }
    });
  }

 private:
  bool adj_x_ = false;
  bool adj_y_ = false;
  bool broadcast_ = false;
};

#define SLUICE_BATCH_MATMUL(T)                                                                      \
  REGISTER_KERNEL(KernelDefBuilder("BatchMatMul").Device(kDeviceCpu).TypeConstraint<T>("T"),   \
                  BatchMatMulOp<T>);                                                              \
  REGISTER_KERNEL(KernelDefBuilder("BatchMatMulV2").Device(kDeviceCpu).TypeConstraint<T>("T"), \
                  BatchMatMulOp<T>)
SLUICE_BATCH_MATMUL(float);
SLUICE_BATCH_MATMUL(double);
SLUICE_BATCH_MATMUL(int32_t);
SLUICE_BATCH_MATMUL(int64_t);
#undef SLUICE_BATCH_MATMUL

}  // namespace
}  // namespace sluice
