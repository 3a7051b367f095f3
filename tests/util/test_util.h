// Helpers for tests: run a scope's graph, build tensors, compare tensors.
#ifndef SLUICE_TESTS_UTIL_TEST_UTIL_H_
#define SLUICE_TESTS_UTIL_TEST_UTIL_H_

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/scope.h"
#include "runtime/session.h"

// Fails the current test (returning from it) unless `expr`, an absl::Status, is OK.
#ifndef ASSERT_OK
#define ASSERT_OK(expr)                 \
  do {                                  \
    ::absl::Status _s = (expr);         \
    ASSERT_TRUE(_s.ok()) << _s;         \
  } while (0)
#endif
// The same, failing the test without returning from it.
#ifndef EXPECT_OK
#define EXPECT_OK(expr)                 \
  do {                                  \
    ::absl::Status _s = (expr);         \
    EXPECT_TRUE(_s.ok()) << _s;         \
  } while (0)
#endif

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

// Deterministic, distinct values: offset + scale * sin(1.3 i + 0.4), as DT_DOUBLE.
Tensor Doubles(TensorShape shape, double scale = 1.0, double offset = 0.0);
// The same values as Doubles, rounded to DT_FLOAT.
Tensor Floats(TensorShape shape, double scale = 1.0, double offset = 0.0);

// A Graph of its own imported from the scope's GraphDef (passes rewrite it; the scope's stays);
// failures are recorded on the test and give an empty graph.
std::unique_ptr<Graph> ImportScopeGraph(const Scope& root);

// Expects `graph`'s bookkeeping to agree with itself: every data and control input of a live
// node is a live node, has the matching out edge and is listed in the NodeDef (data inputs in
// order, then "^name" for each control input), every out edge is such an input, and the
// GraphDef lists each node after its inputs and imports again into the same NodeDefs.
void ExpectGraphConsistent(const Graph& graph);

// A fresh directory under ::testing::TempDir() named `prefix`_XXXXXX, removed with its contents
// when the TempDir is destroyed. path() is empty (and the test has failed) if it can't be made.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "sluice");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A fresh TempDir that lives until the test program exits (then removed with its contents).
std::string MakeTempDir(const std::string& prefix = "sluice");

// Compresses with zlib's gzip wrapper (the reference implementation, not our code).
std::string Gzip(const std::string& data);

}  // namespace sluice::test

#endif  // SLUICE_TESTS_UTIL_TEST_UTIL_H_
