// Client builders of the check ops: Assert, as TensorFlow's tf.Assert.
#ifndef SLUICE_OPS_CHECK_OPS_H_
#define SLUICE_OPS_CHECK_OPS_H_

#include <vector>

#include "ops/scope.h"

namespace sluice::ops {

// An op that fails the step (InvalidArgument "assertion failed: [d0] [d1] ...", each data
// tensor shown with at most `summarize` entries) when the bool scalar `condition` is false,
// and does nothing otherwise. Make what must not run past a failed check depend on it.
Operation Assert(const Scope& scope, const Input& condition, const std::vector<Output>& data,
                 int64_t summarize = 3);

}  // namespace sluice::ops

#endif  // SLUICE_OPS_CHECK_OPS_H_
