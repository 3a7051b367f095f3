// Variable initializers, as in tf.initializers. Random ones are seedable: a nonzero `seed`
// makes the values repeatable (the op's seed attrs are set as TF1 sets them); seed 0 draws a
// fresh seed each time the session is created.
#ifndef SLUICE_OPS_INITIALIZERS_H_
#define SLUICE_OPS_INITIALIZERS_H_

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
// Uniform in [-l, l] with l = sqrt(6 / (fan_in + fan_out)) (Xavier/Glorot).
Initializer GlorotUniform(int64_t seed = 0);

}  // namespace init
}  // namespace sluice

#endif  // SLUICE_OPS_INITIALIZERS_H_
