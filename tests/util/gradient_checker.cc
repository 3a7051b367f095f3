#include "tests/util/gradient_checker.h"

#include <cmath>

#include "ops/gradients.h"
#include "runtime/session.h"

namespace sluice::test {

namespace {

double Get(const Tensor& t, int64_t i) {
  return t.dtype() == DT_DOUBLE ? t.data<double>()[i] : static_cast<double>(t.data<float>()[i]);
}
void Set(Tensor* t, int64_t i, double v) {
  if (t->dtype() == DT_DOUBLE) t->data<double>()[i] = v;
  else t->data<float>()[i] = static_cast<float>(v);
}
bool IsFloat(DataType dt) { return dt == DT_FLOAT || dt == DT_DOUBLE; }

}  // namespace

StatusOr<double> ComputeGradientError(const Scope& scope, const std::vector<Output>& xs,
                                      const std::vector<Tensor>& x_values, const Output& y,
                                      double delta) {
  SLUICE_RETURN_IF_ERROR(scope.status());
  if (xs.size() != x_values.size()) return errors::InvalidArgument("xs and x_values differ in length");
  if (!IsFloat(y.dtype())) return errors::InvalidArgument("y must be float or double");
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!IsFloat(xs[i].dtype()) || x_values[i].dtype() != BaseType(xs[i].dtype())) {
      return errors::InvalidArgument("x ", i, " must be a float or double placeholder fed a value of its dtype");
    }
  }
  Output dy = NodeBuilder(scope.NewSubScope("gradient_checker"), "Placeholder")
                  .Attr("dtype", y.dtype())
                  .Attr("shape", TensorShape::UnknownRank())
                  .Finalize();
  std::vector<Output> grads;
  SLUICE_RETURN_IF_ERROR(AddSymbolicGradients(scope, {y}, xs, {dy}, &grads));
  Session session(scope);
  SLUICE_RETURN_IF_ERROR(session.status());

  std::vector<std::pair<Output, Tensor>> feeds;
  for (size_t i = 0; i < xs.size(); ++i) feeds.push_back({xs[i], x_values[i].DeepCopy()});
  std::vector<Tensor> out;
  SLUICE_RETURN_IF_ERROR(session.Run(feeds, {y}, {}, &out));
  const Tensor y_value = out[0];
  const int64_t ny = y_value.NumElements();

  // Symbolic Jacobian, one row per y element: feed a one-hot dy.
  std::vector<Output> valid_grads;
  for (const Output& g : grads) {
    if (g.valid()) valid_grads.push_back(g);
  }
  std::vector<std::vector<std::vector<double>>> sym(xs.size());  // [x][x elem][y elem]
  for (size_t i = 0; i < xs.size(); ++i) {
    sym[i].assign(x_values[i].NumElements(), std::vector<double>(ny, 0.0));
  }
  for (int64_t j = 0; j < ny; ++j) {
    Tensor onehot(y.dtype(), y_value.shape());
    for (int64_t k = 0; k < ny; ++k) Set(&onehot, k, k == j ? 1.0 : 0.0);
    auto f = feeds;
    f.push_back({dy, onehot});
    if (valid_grads.empty()) break;
    SLUICE_RETURN_IF_ERROR(session.Run(f, valid_grads, {}, &out));
    size_t v = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      if (!grads[i].valid()) continue;
      const Tensor& g = out[v++];
      if (g.NumElements() != x_values[i].NumElements()) {
        return errors::Internal("gradient for x ", i, " has shape ", g.shape().DebugString(),
                                ", x has shape ", x_values[i].shape().DebugString());
      }
      for (int64_t e = 0; e < g.NumElements(); ++e) sym[i][e][j] = Get(g, e);
    }
  }

  // Numeric Jacobian by central differences, compared as we go.
  double max_error = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double d = delta > 0 ? delta : (x_values[i].dtype() == DT_DOUBLE ? 1e-6 : 1e-3);
    for (int64_t e = 0; e < x_values[i].NumElements(); ++e) {
      double y_plus[2];
      std::vector<Tensor> ys(2);
      for (int side = 0; side < 2; ++side) {
        auto f = feeds;
        Tensor x = x_values[i].DeepCopy();
        Set(&x, e, Get(x, e) + (side == 0 ? d : -d));
        f[i].second = x;
        SLUICE_RETURN_IF_ERROR(session.Run(f, {y}, {}, &out));
        ys[side] = out[0];
      }
      for (int64_t j = 0; j < ny; ++j) {
        y_plus[0] = Get(ys[0], j);
        y_plus[1] = Get(ys[1], j);
        double numeric = (y_plus[0] - y_plus[1]) / (2 * d);
        max_error = std::max(max_error, std::fabs(numeric - sym[i][e][j]));
      }
    }
  }
  return max_error;
}

}  // namespace sluice::test
