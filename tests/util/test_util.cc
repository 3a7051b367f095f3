#include "tests/util/test_util.h"

#include <cmath>

namespace sluice::test {

StatusOr<std::vector<Tensor>> RunGraph(const Scope& scope,
                                       const std::vector<std::pair<Output, Tensor>>& feeds,
                                       const std::vector<Output>& fetches,
                                       const std::vector<Operation>& targets) {
  Session session(scope);
  SLUICE_RETURN_IF_ERROR(session.status());
  std::vector<Tensor> out;
  if (!targets.empty()) SLUICE_RETURN_IF_ERROR(session.Run(feeds, {}, targets, &out));
  SLUICE_RETURN_IF_ERROR(session.Run(feeds, fetches, {}, &out));
  return out;
}

Tensor RunOne(const Scope& scope, const Output& fetch,
              const std::vector<std::pair<Output, Tensor>>& feeds) {
  auto out = RunGraph(scope, feeds, {fetch});
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return Tensor();
  return (*out)[0];
}

namespace {

template <typename T>
double AsDouble(const Tensor& t, int64_t i) {
  return static_cast<double>(t.data<T>()[i]);
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  double v = 0;
  DispatchType(t.dtype(), [&]<typename T>() {
    if constexpr (!std::is_same_v<T, std::string>) v = static_cast<double>(t.data<T>()[i]);
  });
  return v;
}

}  // namespace

void ExpectTensorNear(const Tensor& actual, const Tensor& expected, double tolerance) {
  ASSERT_EQ(DataTypeString(actual.dtype()), DataTypeString(expected.dtype()));
  ASSERT_EQ(actual.shape().DebugString(), expected.shape().DebugString());
  for (int64_t i = 0; i < actual.NumElements(); ++i) {
    double a = ElementAsDouble(actual, i), e = ElementAsDouble(expected, i);
    double tol = tolerance * std::max(1.0, std::fabs(e));
    if (std::isnan(e)) {
      EXPECT_TRUE(std::isnan(a)) << "element " << i;
    } else {
      EXPECT_NEAR(a, e, tol) << "element " << i << " of " << actual.DebugString(20) << " vs "
                             << expected.DebugString(20);
    }
  }
}

void ExpectTensorEqual(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(DataTypeString(actual.dtype()), DataTypeString(expected.dtype()));
  ASSERT_EQ(actual.shape().DebugString(), expected.shape().DebugString());
  if (actual.dtype() == DT_STRING) {
    for (int64_t i = 0; i < actual.NumElements(); ++i) {
      EXPECT_EQ(actual.data<std::string>()[i], expected.data<std::string>()[i]) << "element " << i;
    }
    return;
  }
  for (int64_t i = 0; i < actual.NumElements(); ++i) {
    EXPECT_EQ(ElementAsDouble(actual, i), ElementAsDouble(expected, i))
        << "element " << i << " of " << actual.DebugString(20) << " vs " << expected.DebugString(20);
  }
}

}  // namespace sluice::test
