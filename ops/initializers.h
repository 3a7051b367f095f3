// Variable initializers, as in tf.initializers. Random ones are seedable: a nonzero `seed`
// makes the values repeatable (the op's seed attrs are set as TF1 sets them); seed 0 draws a
// fresh seed each time the session is created.
#ifndef SLUICE_OPS_INITIALIZERS_H_
#define SLUICE_OPS_INITIALIZERS_H_

#include <string>

#include "ops/variables.h"

namespace sluice {
namespace init {

Initializer Zeros();
Initializer Ones();
Initializer Constant(float value);
Initializer RandomNormal(float mean = 0.0f, float stddev = 1.0f, int64_t seed = 0);
// Normal, with values beyond two standard deviations redrawn.
Initializer TruncatedNormal(float mean = 0.0f, float stddev = 1.0f, int64_t seed = 0);
Initializer RandomUniform(float minval = 0.0f, float maxval = 1.0f, int64_t seed = 0);

// tf.initializers.variance_scaling: samples of variance scale / n, where n is, by `mode`,
// "fan_in", "fan_out" or "fan_avg" ((fan_in + fan_out) / 2), at least 1. The fans are TF's: a
// vector's length for both; for a matrix [in, out] in and out; for a conv kernel
// [..., in_channels, out_channels] those channels times the receptive field (the product of the
// leading dims). `distribution`: "truncated_normal" (also "normal": a normal of stddev
// sqrt(scale / n) / 0.87962566103423978, the stddev of a unit normal truncated at two stddevs,
// redrawn beyond two stddevs), "untruncated_normal" (stddev sqrt(scale / n)) or "uniform" (in
// [-l, l], l = sqrt(3 * scale / n)). A bad mode or distribution, or scale <= 0, is an error
// recorded on the scope.
Initializer VarianceScaling(float scale = 1.0f, const std::string& mode = "fan_in",
                            const std::string& distribution = "truncated_normal", int64_t seed = 0);
// VarianceScaling(1, "fan_avg", "uniform"): uniform in [-l, l], l = sqrt(6 / (fan_in + fan_out))
// (Xavier/Glorot).
Initializer GlorotUniform(int64_t seed = 0);
// VarianceScaling(1, "fan_avg", "truncated_normal").
Initializer GlorotNormal(int64_t seed = 0);
// VarianceScaling(2, "fan_in", "truncated_normal") and (2, "fan_in", "uniform").
Initializer HeNormal(int64_t seed = 0);
Initializer HeUniform(int64_t seed = 0);
// VarianceScaling(1, "fan_in", "truncated_normal") and (1, "fan_in", "uniform").
Initializer LecunNormal(int64_t seed = 0);
Initializer LecunUniform(int64_t seed = 0);

// tf.initializers.orthogonal: `gain` times an orthogonal matrix, for shapes of rank >= 2 seen
// as [rows = product of all but the last dim, cols = the last dim]: the Q of the QR
// decomposition of a standard-normal matrix (of the transposed shape when rows < cols, then
// transposed back), each column multiplied by the sign of R's diagonal entry as TensorFlow does,
// so the rows (rows < cols) or the columns are orthonormal. The matrix is computed in double
// when the graph is built (Householder QR; it runs once) and held by a Const "orthogonal": a
// nonzero `seed` makes it repeatable, seed 0 draws a fresh one per graph. float and double.
Initializer Orthogonal(float gain = 1.0f, int64_t seed = 0);

}  // namespace init
}  // namespace sluice

#endif  // SLUICE_OPS_INITIALIZERS_H_
