#include "tests/util/test_util.h"

#include <stdlib.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>

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

Tensor Doubles(TensorShape shape, double scale, double offset) {
  Tensor t(DT_DOUBLE, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    t.data<double>()[i] = offset + scale * std::sin(1.3 * i + 0.4);
  }
  return t;
}

Tensor Floats(TensorShape shape, double scale, double offset) {
  Tensor d = Doubles(shape, scale, offset);
  Tensor t(DT_FLOAT, shape);
  for (int64_t i = 0; i < t.NumElements(); ++i) t.data<float>()[i] = static_cast<float>(d.data<double>()[i]);
  return t;
}

TempDir::TempDir(const std::string& prefix) {
  std::string templ = ::testing::TempDir() + prefix + "_XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << templ << ") failed";
    return;
  }
  path_ = templ;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string MakeTempDir(const std::string& prefix) {
  static auto* dirs = new std::vector<std::unique_ptr<TempDir>>;
  if (dirs->empty()) {
    std::atexit([] { dirs->clear(); });
  }
  dirs->push_back(std::make_unique<TempDir>(prefix));
  return dirs->back()->path();
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = data.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace sluice::test
