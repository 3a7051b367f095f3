// Numeric gradient checks: compares the Jacobian that AddSymbolicGradients builds with the
// central-difference Jacobian (y(x + d) - y(x - d)) / 2d, element by element.
#ifndef SLUICE_TESTS_UTIL_GRADIENT_CHECKER_H_
#define SLUICE_TESTS_UTIL_GRADIENT_CHECKER_H_

#include <vector>

#include "ops/scope.h"

namespace sluice::test {

// `xs` are placeholders (float or double) that `y` depends on, fed `x_values`. Returns the
// largest absolute difference between the symbolic and the numeric Jacobian entries. `delta`
// defaults to 1e-3 for float and 1e-6 for double inputs.
StatusOr<double> ComputeGradientError(const Scope& scope, const std::vector<Output>& xs,
                                      const std::vector<Tensor>& x_values, const Output& y,
                                      double delta = 0);

}  // namespace sluice::test

#endif  // SLUICE_TESTS_UTIL_GRADIENT_CHECKER_H_
