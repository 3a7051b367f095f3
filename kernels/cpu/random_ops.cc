// CPU kernels of RandomStandardNormal, TruncatedNormal and RandomUniform.
//
// Values come from Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"),
// a counter-based generator: block i of a run is Philox(key, counter = (i, attempt, run)), so
// blocks are independent and a large tensor fills in parallel with the same values whatever the
// thread count. The key comes from (seed, seed2), or from std::random_device when both are 0;
// the kernel's run counter advances atomically, so successive (and concurrent) runs draw new
// values. Values are not bit-identical to TensorFlow's. As in TensorFlow, ops given the same
// (seed, seed2) read the same blocks: TruncatedNormal keeps RandomStandardNormal's values that
// fall within two standard deviations, so such ops are correlated with one another (never with
// other seeds or other runs). tests/random_stats_test.cc checks the streams statistically.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "core/kernel.h"
#include "kernels/cpu/parallel_for.h"
#include "kernels/cpu/philox.h"

namespace sluice {
namespace {

using Block = std::array<uint32_t, 4>;

// Block `index` (attempt `attempt`) of run `run` of the stream keyed by `key`.
Block Philox(uint64_t key, uint32_t index, uint32_t attempt, uint64_t run) {
  return cpu::Philox4x32({static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)},
                         {index, attempt, static_cast<uint32_t>(run), static_cast<uint32_t>(run >> 32)});
}

// SplitMix64's finalizer: spreads (seed, seed2) over the 64-bit key.
uint64_t Mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) from the top mantissa bits.
template <typename T>
T ToUniform(uint32_t hi, uint32_t lo);
template <>
float ToUniform<float>(uint32_t hi, uint32_t) {
  return static_cast<float>(hi >> 8) * (1.0f / 16777216.0f);
}
template <>
double ToUniform<double>(uint32_t hi, uint32_t lo) {
  uint64_t bits = (static_cast<uint64_t>(hi) << 32 | lo) >> 11;
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}

// Two standard normals from one block (Box-Muller).
template <typename T>
std::array<T, 2> BoxMuller(const Block& b) {
  constexpr T kTwoPi = static_cast<T>(6.283185307179586);
  T u1 = ToUniform<T>(b[0], b[1]);
  T u2 = ToUniform<T>(b[2], b[3]);
  // u1 in (0, 1]: log(0) would give an infinity.
  T r = std::sqrt(T(-2) * std::log(T(1) - u1));
  return {r * std::sin(kTwoPi * u2), r * std::cos(kTwoPi * u2)};
}

enum class Distribution { kUniform, kNormal, kTruncatedNormal };

template <typename T, Distribution kDist>
class RandomOp : public OpKernel {
 public:
  explicit RandomOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    int64_t seed = 0, seed2 = 0;
    ctx->SetStatus(ctx->GetAttr("seed", &seed));
    ctx->SetStatus(ctx->GetAttr("seed2", &seed2));
    if (seed == 0 && seed2 == 0) {
      std::random_device rd;
      seed = static_cast<int64_t>(static_cast<uint64_t>(rd()) << 32 | rd());
      seed2 = static_cast<int64_t>(static_cast<uint64_t>(rd()) << 32 | rd());
    }
    key_ = Mix(static_cast<uint64_t>(seed) ^ Mix(static_cast<uint64_t>(seed2) + 0x9E3779B97F4A7C15ULL));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& shape_t = ctx->input(0);
    OP_REQUIRES(ctx, shape_t.dims() == 1,
                errors::InvalidArgument("shape must be a vector, got a tensor of shape ",
                                        shape_t.shape().DebugString()));
    TensorShape shape;
    for (int64_t i = 0; i < shape_t.NumElements(); ++i) {
      int64_t d = shape_t.dtype() == DT_INT32 ? shape_t.data<int32_t>()[i] : shape_t.data<int64_t>()[i];
      OP_REQUIRES(ctx, d >= 0, errors::InvalidArgument("shape has a negative dimension ", d));
      shape.AddDim(d);
    }
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, shape, &out));
    const int64_t n = out->NumElements();
    constexpr int64_t kPerBlock = kDist == Distribution::kUniform ? (sizeof(T) == 4 ? 4 : 2) : 2;
    const int64_t blocks = (n + kPerBlock - 1) / kPerBlock;
    OP_REQUIRES(ctx, blocks <= int64_t{0xFFFFFFFF},
                errors::InvalidArgument("too many random values requested: ", n));
    const uint64_t run = run_.fetch_add(1, std::memory_order_relaxed);
    T* data = out->data<T>();
    // Normal draws cost a log, a sqrt and a sin/cos pair per pair of values.
    constexpr int64_t kCost = kDist == Distribution::kUniform ? 4 : 32;
    cpu::ParallelFor(blocks, n * kCost, [&](int64_t block_begin, int64_t block_end) {
      for (int64_t b = block_begin; b < block_end; ++b) {
        T values[kPerBlock];
        FillBlock(static_cast<uint32_t>(b), run, values);
        const int64_t begin = b * kPerBlock;
        const int64_t count = std::min<int64_t>(kPerBlock, n - begin);
        for (int64_t k = 0; k < count; ++k) data[begin + k] = values[k];
      }
    });
  }

 private:
  template <int64_t kPerBlock>
  void FillBlock(uint32_t index, uint64_t run, T (&values)[kPerBlock]) const {
    if constexpr (kDist == Distribution::kUniform) {
      Block r = Philox(key_, index, 0, run);
      if constexpr (kPerBlock == 4) {
        for (int k = 0; k < 4; ++k) values[k] = ToUniform<T>(r[k], 0);
      } else {
        values[0] = ToUniform<T>(r[0], r[1]);
        values[1] = ToUniform<T>(r[2], r[3]);
      }
    } else if constexpr (kDist == Distribution::kNormal) {
      auto z = BoxMuller<T>(Philox(key_, index, 0, run));
      values[0] = z[0];
      values[1] = z[1];
    } else {
      // Redraw each value until it falls within two standard deviations; attempt k of block
      // `index` uses its own counter, so the result does not depend on scheduling.
      bool done[2] = {false, false};
      for (uint32_t attempt = 0; !(done[0] && done[1]); ++attempt) {
        auto z = BoxMuller<T>(Philox(key_, index, attempt, run));
        for (int k = 0; k < 2; ++k) {
          if (!done[k] && std::abs(z[k]) <= T(2)) {
            values[k] = z[k];
            done[k] = true;
          }
        }
      }
    }
  }

  uint64_t key_ = 0;
  std::atomic<uint64_t> run_{0};
};

#define SLUICE_REGISTER_RANDOM(op, dist, T)                                                   \
  REGISTER_KERNEL(KernelDefBuilder(op).Device(kDeviceCpu).TypeConstraint<T>("dtype"),        \
                  RandomOp<T, Distribution::dist>)
SLUICE_REGISTER_RANDOM("RandomUniform", kUniform, float);
SLUICE_REGISTER_RANDOM("RandomUniform", kUniform, double);
SLUICE_REGISTER_RANDOM("RandomStandardNormal", kNormal, float);
SLUICE_REGISTER_RANDOM("RandomStandardNormal", kNormal, double);
SLUICE_REGISTER_RANDOM("TruncatedNormal", kTruncatedNormal, float);
SLUICE_REGISTER_RANDOM("TruncatedNormal", kTruncatedNormal, double);
#undef SLUICE_REGISTER_RANDOM

// ---- RandomUniformInt, RandomShuffle, Multinomial ---------------------------------------------

// The seeding of RandomOp for kernels that draw their own way: a key from (seed, seed2), fresh
// entropy when both are 0, and a run counter so that each run draws new values.
class SeededKernel : public OpKernel {
 public:
  explicit SeededKernel(OpKernelConstruction* ctx) : OpKernel(ctx) {
    int64_t seed = 0, seed2 = 0;
    ctx->SetStatus(ctx->GetAttr("seed", &seed));
    ctx->SetStatus(ctx->GetAttr("seed2", &seed2));
    if (seed == 0 && seed2 == 0) {
      std::random_device rd;
      seed = static_cast<int64_t>(static_cast<uint64_t>(rd()) << 32 | rd());
      seed2 = static_cast<int64_t>(static_cast<uint64_t>(rd()) << 32 | rd());
    }
    key_ = Mix(static_cast<uint64_t>(seed) ^ Mix(static_cast<uint64_t>(seed2) + 0x9E3779B97F4A7C15ULL));
  }

 protected:
  uint64_t NextRun() { return run_.fetch_add(1, std::memory_order_relaxed); }
  // 64 random bits for draw `index` of a run.
  uint64_t Bits(uint64_t index, uint64_t run) const {
    Block b = Philox(key_, static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), run);
    return static_cast<uint64_t>(b[0]) << 32 | b[1];
  }

 private:
  uint64_t key_ = 0;
  std::atomic<uint64_t> run_{0};
};

StatusOr<TensorShape> ShapeFromVector(const Tensor& t) {
  if (t.dims() != 1) {
    return errors::InvalidArgument("shape must be a vector, got a tensor of shape ", t.shape().DebugString());
  }
  return TensorShape::FromDims(Int64Values(t));
}

template <typename T>
class RandomUniformIntOp : public SeededKernel {
 public:
  using SeededKernel::SeededKernel;
  void Compute(OpKernelContext* ctx) override {
    auto shape = ShapeFromVector(ctx->input(0));
    OP_REQUIRES_OK(ctx, shape.status());
    const Tensor& lo_t = ctx->input(1);
    const Tensor& hi_t = ctx->input(2);
    OP_REQUIRES(ctx, lo_t.dims() == 0 && hi_t.dims() == 0,
                errors::InvalidArgument("minval and maxval must be scalars, got shapes ", lo_t.shape().DebugString(),
                                        " and ", hi_t.shape().DebugString()));
    const T lo = lo_t.scalar<T>(), hi = hi_t.scalar<T>();
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, *shape, &out));
    const int64_t n = out->NumElements();
    OP_REQUIRES(ctx, n == 0 || lo < hi, errors::InvalidArgument("Need minval < maxval: ", lo, " >= ", hi));
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    const uint64_t run = NextRun();
    T* o = out->data<T>();
    cpu::ParallelFor(n, n * 4, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(static_cast<uint64_t>(lo) + Bits(i, run) % range);
    });
  }
};

class RandomShuffleOp : public SeededKernel {
 public:
  using SeededKernel::SeededKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& in = ctx->input(0);
    const int64_t n = in.dims() == 0 ? 1 : in.dim_size(0);
    if (n <= 1) {
      ctx->set_output(0, in);
      return;
    }
    // Fisher-Yates, draw i choosing among the first i + 1 slices.
    const uint64_t run = NextRun();
    std::vector<int64_t> order(n);
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[Bits(i, run) % static_cast<uint64_t>(i + 1)]);
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, in.shape(), &out));
    const int64_t row = in.NumElements() / n;
    const size_t bytes = DataTypeSize(in.dtype());
    if (BaseType(in.dtype()) == DT_STRING) {
      const std::string* src = in.data<std::string>();
      std::string* dst = out->data<std::string>();
      for (int64_t i = 0; i < n; ++i) std::copy(src + order[i] * row, src + (order[i] + 1) * row, dst + i * row);
      return;
    }
    OP_REQUIRES(ctx, bytes > 0, errors::Unimplemented("RandomShuffle of ", DataTypeString(in.dtype())));
    const char* src = static_cast<const char*>(in.raw_data());
    char* dst = static_cast<char*>(out->raw_data());
    for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * row * bytes, src + order[i] * row * bytes, row * bytes);
  }
};

// Per row: the softmax of the logits as a cumulative distribution (in double), searched with one
// uniform draw per sample. Classes with logit -inf are never drawn.
template <typename T, typename Out>
class MultinomialOp : public SeededKernel {
 public:
  using SeededKernel::SeededKernel;
  void Compute(OpKernelContext* ctx) override {
    const Tensor& logits = ctx->input(0);
    const Tensor& num_t = ctx->input(1);
    OP_REQUIRES(ctx, logits.dims() == 2,
                errors::InvalidArgument("logits must be 2-dimensional, got shape ", logits.shape().DebugString()));
    OP_REQUIRES(ctx, num_t.dims() == 0,
                errors::InvalidArgument("num_samples must be a scalar, got shape ", num_t.shape().DebugString()));
    const int64_t samples = num_t.scalar<int32_t>();
    OP_REQUIRES(ctx, samples >= 0, errors::InvalidArgument("num_samples should be nonnegative, got ", samples));
    const int64_t batch = logits.dim_size(0), classes = logits.dim_size(1);
    OP_REQUIRES(ctx, classes > 0 || batch == 0 || samples == 0,
                errors::InvalidArgument("logits of shape ", logits.shape().DebugString(), " have no classes to draw"));
    Tensor* out;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape{batch, samples}, &out));
    const uint64_t run = NextRun();
    const T* l = logits.data<T>();
    Out* o = out->data<Out>();
    cpu::ParallelFor(batch, batch * (classes + samples) * 8, [&](int64_t b0, int64_t b1) {
      std::vector<double> cdf(classes);
      for (int64_t b = b0; b < b1; ++b) {
        const T* row = l + b * classes;
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t c = 0; c < classes; ++c) max = std::max(max, static_cast<double>(row[c]));
        double total = 0;
        for (int64_t c = 0; c < classes; ++c) {
          const double v = static_cast<double>(row[c]);
          total += v == -std::numeric_limits<double>::infinity() ? 0.0 : std::exp(v - max);
          cdf[c] = total;
        }
        for (int64_t s = 0; s < samples; ++s) {
          const double u = static_cast<double>(Bits(b * samples + s, run) >> 11) * (1.0 / 9007199254740992.0) * total;
          const int64_t c = std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin();
          o[b * samples + s] = static_cast<Out>(std::min(c, classes - 1));
        }
      }
    });
  }
};

#define SLUICE_UNIFORM_INT(T) \
  REGISTER_KERNEL(KernelDefBuilder("RandomUniformInt").Device(kDeviceCpu).TypeConstraint<T>("Tout"), RandomUniformIntOp<T>)
SLUICE_UNIFORM_INT(int32_t);
SLUICE_UNIFORM_INT(int64_t);
#undef SLUICE_UNIFORM_INT
REGISTER_KERNEL(KernelDefBuilder("RandomShuffle").Device(kDeviceCpu), RandomShuffleOp);
#define SLUICE_MULTINOMIAL(T, Out)                                                                         \
  REGISTER_KERNEL(                                                                                         \
      KernelDefBuilder("Multinomial").Device(kDeviceCpu).TypeConstraint<T>("T").TypeConstraint<Out>("output_dtype"), \
      MultinomialOp<T, Out>)
SLUICE_MULTINOMIAL(float, int32_t);
SLUICE_MULTINOMIAL(float, int64_t);
SLUICE_MULTINOMIAL(double, int32_t);
SLUICE_MULTINOMIAL(double, int64_t);
SLUICE_MULTINOMIAL(int32_t, int32_t);
SLUICE_MULTINOMIAL(int32_t, int64_t);
SLUICE_MULTINOMIAL(int64_t, int32_t);
SLUICE_MULTINOMIAL(int64_t, int64_t);
#undef SLUICE_MULTINOMIAL

}  // namespace
}  // namespace sluice
