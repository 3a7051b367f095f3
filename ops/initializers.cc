#include "ops/initializers.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/random_ops.h"
#include "ops/state_ops.h"

namespace sluice {
namespace init {
namespace {

// TF1's random_seed.get_seed without a graph-level seed: an op seed makes the pair
// (DEFAULT_GRAPH_SEED, seed); no seed leaves both 0 (a fresh seed per kernel).
constexpr int64_t kDefaultGraphSeed = 87654321;

Output ShapeTensor(const Scope& scope, const TensorShape& shape) {
  std::vector<int32_t> dims(shape.dims().begin(), shape.dims().end());
  return ops::Const(scope.WithOpName("shape"), Tensor::FromVector(dims));
}

// A tensor of `shape` filled with `value`, as the op "<default_name>" (Fill).
Output Filled(const Scope& scope, const std::string& default_name, float value,
              const TensorShape& shape, DataType dtype) {
  if (!shape.IsFullyDefined()) {
    scope.UpdateStatus(errors::InvalidArgument("initializer '", default_name, "': shape ",
                                               shape.DebugString(), " is not fully defined"));
    return Output();
  }
  internal::NameScope names = internal::MakeNameScope(scope, default_name);
  return ops::Fill(names.op, ShapeTensor(names.helpers, shape),
                   Input(value).ToOutput(names.helpers, dtype));
}

// `sample * scale + shift`, as TF builds random_normal/random_uniform: "<name>/<Op>",
// "<name>/mul" and the Add named "<name>".
Initializer ScaledRandom(const std::string& default_name, const std::string& op, float scale,
                         float shift, int64_t seed) {
  return [=](const Scope& scope, const TensorShape& shape, DataType dtype) -> Output {
    if (!shape.IsFullyDefined()) {
      scope.UpdateStatus(errors::InvalidArgument("initializer '", default_name, "': shape ",
                                                 shape.DebugString(), " is not fully defined"));
      return Output();
    }
    internal::NameScope names = internal::MakeNameScope(scope, default_name);
    const Scope& s = names.helpers;
    NodeBuilder sample(s, op);
    Output rnd = sample.Input(ShapeTensor(s, shape))
                     .Attr("seed", seed == 0 ? int64_t{0} : kDefaultGraphSeed)
                     .Attr("seed2", seed)
                     .Attr("dtype", dtype)
                     .Finalize();
    Output mul = ops::Mul(s.WithOpName("mul"), rnd, Input(scale).ToOutput(s, dtype));
    return ops::Add(names.op, mul, Input(shift).ToOutput(s, dtype));
  };
}

}  // namespace

Initializer Zeros() {
  return [](const Scope& scope, const TensorShape& shape, DataType dtype) {
    return Filled(scope, "zeros", 0.0f, shape, dtype);
  };
}

Initializer Ones() {
  return [](const Scope& scope, const TensorShape& shape, DataType dtype) {
    return Filled(scope, "ones", 1.0f, shape, dtype);
  };
}

Initializer Constant(float value) {
  return [value](const Scope& scope, const TensorShape& shape, DataType dtype) {
    return Filled(scope, "Const", value, shape, dtype);
  };
}

Initializer RandomNormal(float mean, float stddev, int64_t seed) {
  return ScaledRandom("random_normal", "RandomStandardNormal", stddev, mean, seed);
}

Initializer TruncatedNormal(float mean, float stddev, int64_t seed) {
  return ScaledRandom("truncated_normal", "TruncatedNormal", stddev, mean, seed);
}

Initializer RandomUniform(float minval, float maxval, int64_t seed) {
  return ScaledRandom("random_uniform", "RandomUniform", maxval - minval, minval, seed);
}

namespace {

// TF's _compute_fans: a scalar has fans 1; a vector its length for both; a conv kernel
// [..., in, out] multiplies in and out by its receptive field (the product of the leading dims).
void ComputeFans(const TensorShape& shape, double* fan_in, double* fan_out) {
  *fan_in = *fan_out = 1;
  const int rank = shape.rank();
  if (rank == 1) {
    *fan_in = *fan_out = static_cast<double>(shape.dim(0));
  } else if (rank >= 2) {
    double receptive = 1;
    for (int i = 0; i < rank - 2; ++i) receptive *= static_cast<double>(shape.dim(i));
    *fan_in = static_cast<double>(shape.dim(rank - 2)) * receptive;
    *fan_out = static_cast<double>(shape.dim(rank - 1)) * receptive;
  }
}

// The stddev of a unit normal truncated to [-2, 2].
constexpr double kTruncatedNormalStddev = 0.87962566103423978;

}  // namespace

Initializer VarianceScaling(float scale, const std::string& mode, const std::string& distribution,
                            int64_t seed) {
  return [=](const Scope& scope, const TensorShape& shape, DataType dtype) -> Output {
    auto fail = [&](const std::string& why) {
      scope.UpdateStatus(errors::InvalidArgument("initializer 'VarianceScaling' (", scope.name_prefix(), "): ", why));
      return Output();
    };
    if (!(scale > 0.0f)) return fail(absl::StrCat("scale must be positive, got ", scale));
    if (mode != "fan_in" && mode != "fan_out" && mode != "fan_avg") {
      return fail("mode must be fan_in, fan_out or fan_avg, got '" + mode + "'");
    }
    if (distribution != "truncated_normal" && distribution != "normal" && distribution != "untruncated_normal" &&
        distribution != "uniform") {
      return fail("distribution must be truncated_normal, untruncated_normal or uniform, got '" + distribution + "'");
    }
    if (!shape.IsFullyDefined()) return fail("shape " + shape.DebugString() + " is not fully defined");
    double fan_in, fan_out;
    ComputeFans(shape, &fan_in, &fan_out);
    const double n = mode == "fan_in" ? fan_in : mode == "fan_out" ? fan_out : (fan_in + fan_out) / 2;
    const double variance = scale / std::max(1.0, n);
    if (distribution == "uniform") {
      const float limit = static_cast<float>(std::sqrt(3.0 * variance));
      return RandomUniform(-limit, limit, seed)(scope, shape, dtype);
    }
    if (distribution == "untruncated_normal") {
      return RandomNormal(0.0f, static_cast<float>(std::sqrt(variance)), seed)(scope, shape, dtype);
    }
    return TruncatedNormal(0.0f, static_cast<float>(std::sqrt(variance) / kTruncatedNormalStddev), seed)(scope, shape,
                                                                                                       dtype);
  };
}

Initializer GlorotUniform(int64_t seed) { return VarianceScaling(1.0f, "fan_avg", "uniform", seed); }
Initializer GlorotNormal(int64_t seed) { return VarianceScaling(1.0f, "fan_avg", "truncated_normal", seed); }
Initializer HeNormal(int64_t seed) { return VarianceScaling(2.0f, "fan_in", "truncated_normal", seed); }
Initializer HeUniform(int64_t seed) { return VarianceScaling(2.0f, "fan_in", "uniform", seed); }
Initializer LecunNormal(int64_t seed) { return VarianceScaling(1.0f, "fan_in", "truncated_normal", seed); }
Initializer LecunUniform(int64_t seed) { return VarianceScaling(1.0f, "fan_in", "uniform", seed); }

namespace {

// The thin Q (m x n, row-major, m >= n) of a = QR, with R's diagonal made positive (TF's sign
// correction), by Householder reflections in double.
std::vector<double> OrthonormalColumns(std::vector<double> a, int64_t m, int64_t n) {
  std::vector<std::vector<double>> reflectors;
  std::vector<double> diag(n);
  for (int64_t k = 0; k < n; ++k) {
    std::vector<double> v(m - k);
    double norm = 0;
    for (int64_t i = k; i < m; ++i) {
      v[i - k] = a[i * n + k];
      norm += v[i - k] * v[i - k];
    }
    norm = std::sqrt(norm);
    const double alpha = v[0] > 0 ? -norm : norm;
    v[0] -= alpha;
    double vnorm = 0;
    for (double x : v) vnorm += x * x;
    vnorm = std::sqrt(vnorm);
    if (vnorm > 0) {
      for (double& x : v) x /= vnorm;
      for (int64_t j = k; j < n; ++j) {
        double dot = 0;
        for (int64_t i = k; i < m; ++i) dot += v[i - k] * a[i * n + j];
        for (int64_t i = k; i < m; ++i) a[i * n + j] -= 2 * v[i - k] * dot;
      }
    }
    diag[k] = a[k * n + k];
    reflectors.push_back(std::move(v));
  }
  std::vector<double> q(m * n, 0.0);
  for (int64_t j = 0; j < n; ++j) q[j * n + j] = 1;
  for (int64_t k = n - 1; k >= 0; --k) {
    const std::vector<double>& v = reflectors[k];
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[i - k] * q[i * n + j];
      for (int64_t i = k; i < m; ++i) q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  for (int64_t j = 0; j < n; ++j) {
    if (diag[j] < 0) {
      for (int64_t i = 0; i < m; ++i) q[i * n + j] = -q[i * n + j];
    }
  }
  return q;
}

}  // namespace

Initializer Orthogonal(float gain, int64_t seed) {
  return [=](const Scope& scope, const TensorShape& shape, DataType dtype) -> Output {
    auto fail = [&](const std::string& why) {
      scope.UpdateStatus(errors::InvalidArgument("initializer 'Orthogonal' (", scope.name_prefix(), "): ", why));
      return Output();
    };
    if (!shape.IsFullyDefined() || shape.rank() < 2) {
      return fail("the shape must be fully defined and at least two-dimensional, got " + shape.DebugString());
    }
    if (dtype != DT_FLOAT && dtype != DT_DOUBLE) return fail("dtype must be float or double, got " + DataTypeString(dtype));
    int64_t rows = 1;
    for (int i = 0; i + 1 < shape.rank(); ++i) rows *= shape.dim(i);
    const int64_t cols = shape.dim(shape.rank() - 1);
    const bool transposed = rows < cols;
    const int64_t m = transposed ? cols : rows, n = transposed ? rows : cols;
    std::mt19937_64 rng(seed != 0 ? static_cast<uint64_t>(seed) : std::random_device{}());
    std::normal_distribution<double> normal;
    std::vector<double> a(m * n);
    for (double& x : a) x = normal(rng);
    const std::vector<double> q = OrthonormalColumns(std::move(a), m, n);
    Tensor value(dtype, shape);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const double x = gain * (transposed ? q[c * n + r] : q[r * n + c]);
        if (dtype == DT_FLOAT) {
          value.data<float>()[r * cols + c] = static_cast<float>(x);
        } else {
          value.data<double>()[r * cols + c] = x;
        }
      }
    }
    return ops::Const(scope.WithOpName("orthogonal"), value);
  };
}

}  // namespace init
}  // namespace sluice
