#include "ops/initializers.h"

#include <cmath>

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

Initializer GlorotUniform(int64_t seed) {
  return [seed](const Scope& scope, const TensorShape& shape, DataType dtype) -> Output {
    if (!shape.IsFullyDefined()) {
      scope.UpdateStatus(errors::InvalidArgument("initializer 'GlorotUniform': shape ",
                                                 shape.DebugString(), " is not fully defined"));
      return Output();
    }
    // Fans as TF's _compute_fans: a vector has fan_in = fan_out = its length; a conv kernel
    // [..., in, out] multiplies both by its receptive field (the product of the leading dims).
    double fan_in = 1, fan_out = 1;
    int rank = shape.rank();
    if (rank == 1) {
      fan_in = fan_out = static_cast<double>(shape.dim(0));
    } else if (rank >= 2) {
      double receptive = 1;
      for (int i = 0; i < rank - 2; ++i) receptive *= static_cast<double>(shape.dim(i));
      fan_in = static_cast<double>(shape.dim(rank - 2)) * receptive;
      fan_out = static_cast<double>(shape.dim(rank - 1)) * receptive;
    }
    float limit = static_cast<float>(std::sqrt(3.0 / std::max(1.0, (fan_in + fan_out) / 2)));
    return RandomUniform(-limit, limit, seed)(scope, shape, dtype);
  };
}

}  // namespace init
}  // namespace sluice
