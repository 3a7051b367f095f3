// Random tensors: RandomStandardNormal, TruncatedNormal, RandomUniform (TF names and attrs).
//
// Seeding follows TensorFlow: with seed == seed2 == 0 each kernel draws a fresh seed from the
// system's entropy source when the session creates it; otherwise the values are a deterministic
// function of (seed, seed2). A kernel keeps its stream across runs, so each run draws new values.
// The generator is Philox4x32-10 (counter based); values are not bit-identical to TensorFlow's.
#ifndef SLUICE_OPS_RANDOM_OPS_H_
#define SLUICE_OPS_RANDOM_OPS_H_

#include "ops/scope.h"

namespace sluice {
namespace ops {

// Standard normal values of `dtype` (float or double) in a tensor of `shape` (an int32/int64
// vector, e.g. {2, 3}).
Output RandomStandardNormal(const Scope& scope, const Input& shape, DataType dtype,
                            int64_t seed = 0, int64_t seed2 = 0);
// Standard normal values, those beyond two standard deviations redrawn.
Output TruncatedNormal(const Scope& scope, const Input& shape, DataType dtype, int64_t seed = 0,
                       int64_t seed2 = 0);
// Uniform values in [0, 1).
Output RandomUniform(const Scope& scope, const Input& shape, DataType dtype, int64_t seed = 0,
                     int64_t seed2 = 0);

// Integers of minval's dtype (int32 or int64) uniform in [minval, maxval), scalars with
// minval < maxval.
Output RandomUniformInt(const Scope& scope, const Input& shape, const Input& minval, const Input& maxval,
                        int64_t seed = 0, int64_t seed2 = 0);
// `value` with its slices along dimension 0 in a random order.
Output RandomShuffle(const Scope& scope, const Input& value, int64_t seed = 0, int64_t seed2 = 0);
// num_samples class indices per row of `logits` [batch, classes], drawn from softmax(logits).
Output Multinomial(const Scope& scope, const Input& logits, const Input& num_samples, int64_t seed = 0,
                   int64_t seed2 = 0, DataType output_dtype = DT_INT64);

}  // namespace ops
}  // namespace sluice

#endif  // SLUICE_OPS_RANDOM_OPS_H_
