// Helpers for tests: run a scope's graph, build tensors, compare tensors.
#ifndef SLUICE_TESTS_UTIL_TEST_UTIL_H_
#define SLUICE_TESTS_UTIL_TEST_UTIL_H_

#include <vector>

#include "gtest/gtest.h"
#include "ops/scope.h"
#include "runtime/session.h"

namespace sluice::test {

// Runs the graph of `scope` in a new session: runs `targets` first if given, then fetches.
StatusOr<std::vector<Tensor>> RunGraph(const Scope& scope,
                                       const std::vector<std::pair<Output, Tensor>>& feeds,
                                       const std::vector<Output>& fetches,
                                       const std::vector<Operation>& targets = {});
// Runs and fetches a single output; fails the test (returning an empty Tensor) on error.
Tensor RunOne(const Scope& scope, const Output& fetch,
              const std::vector<std::pair<Output, Tensor>>& feeds = {});

template <typename T>
Tensor AsTensor(const std::vector<T>& values, const TensorShape& shape) {
  return Tensor::FromVector(values, shape);
}

// Expects same dtype, shape and values within `tolerance` (absolute, plus relative for large).
void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double tolerance);
// Expects same dtype, shape and exactly equal values.
void ExpectTensorEqual(const Tensor& actual, const Tensor& expected);

}  // namespace sluice::test

#endif  // SLUICE_TESTS_UTIL_TEST_UTIL_H_
