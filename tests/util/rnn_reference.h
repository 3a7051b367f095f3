// Reference math for the RNN tests, written independently of ops/rnn_cell.cc: dense row-major
// matrices of doubles and TF1's cell formulas on them.
#ifndef SLUICE_TESTS_UTIL_RNN_REFERENCE_H_
#define SLUICE_TESTS_UTIL_RNN_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "sluice.h"

namespace sluice::rnn_test {

struct Mat {
  int64_t rows = 0, cols = 0;
  std::vector<double> v;
  Mat() = default;
  Mat(int64_t r, int64_t c, double fill = 0) : rows(r), cols(c), v(r * c, fill) {}
  double& at(int64_t i, int64_t j) { return v[i * cols + j]; }
  double at(int64_t i, int64_t j) const { return v[i * cols + j]; }
};

// A 2-D tensor as a Mat; a 1-D one as a single row.
inline Mat FromTensor(const Tensor& t) {
  Mat m(t.dims() == 1 ? 1 : t.dim_size(0), t.dim_size(t.dims() - 1));
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    m.v[i] = t.dtype() == DT_DOUBLE ? t.data<double>()[i] : t.data<float>()[i];
  }
  return m;
}

inline Tensor ToTensor(const Mat& m) { return Tensor::FromVector(m.v, {m.rows, m.cols}); }

inline Mat MatMul(const Mat& a, const Mat& b) {
  Mat out(a.rows, b.cols);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = 0; k < a.cols; ++k)
      for (int64_t j = 0; j < b.cols; ++j) out.at(i, j) += a.at(i, k) * b.at(k, j);
  return out;
}

inline Mat ConcatCols(const Mat& a, const Mat& b) {
  Mat out(a.rows, a.cols + b.cols);
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t j = 0; j < a.cols; ++j) out.at(i, j) = a.at(i, j);
    for (int64_t j = 0; j < b.cols; ++j) out.at(i, a.cols + j) = b.at(i, j);
  }
  return out;
}

inline Mat Cols(const Mat& a, int64_t from, int64_t n) {
  Mat out(a.rows, n);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < n; ++j) out.at(i, j) = a.at(i, from + j);
  return out;
}

// Elementwise f(a, b); b may be a single row, broadcast over a's rows.
inline Mat Zip(const Mat& a, const Mat& b, const std::function<double(double, double)>& f) {
  Mat out(a.rows, a.cols);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < a.cols; ++j) out.at(i, j) = f(a.at(i, j), b.at(b.rows == 1 ? 0 : i, j));
  return out;
}
inline Mat Map(const Mat& a, const std::function<double(double)>& f) {
  Mat out = a;
  for (double& x : out.v) x = f(x);
  return out;
}
inline Mat operator+(const Mat& a, const Mat& b) { return Zip(a, b, [](double x, double y) { return x + y; }); }
inline Mat operator*(const Mat& a, const Mat& b) { return Zip(a, b, [](double x, double y) { return x * y; }); }
inline double Sig(double x) { return 1 / (1 + std::exp(-x)); }
inline Mat Sigmoid(const Mat& a) { return Map(a, Sig); }
inline Mat Tanh(const Mat& a) { return Map(a, [](double x) { return std::tanh(x); }); }
inline Mat Clip(const Mat& a, double c) { return Map(a, [c](double x) { return std::clamp(x, -c, c); }); }

// One step of each cell: returns the output and sets the state.
inline Mat RnnStep(const Mat& x, std::vector<Mat>& state, const Mat& kernel, const Mat& bias) {
  state[0] = Tanh(MatMul(ConcatCols(x, state[0]), kernel) + bias);
  return state[0];
}

struct LstmParams {
  Mat kernel, bias;
  double forget_bias = 1.0;
  bool peepholes = false;
  Mat w_f, w_i, w_o;
  double cell_clip = 0;
  Mat projection;  // rows == 0: none
  double proj_clip = 0;
};

inline Mat LstmStep(const Mat& x, std::vector<Mat>& state, const LstmParams& p) {
  const Mat& c_prev = state[0];
  const int64_t n = c_prev.cols;
  Mat z = MatMul(ConcatCols(x, state[1]), p.kernel) + p.bias;
  Mat i = Cols(z, 0, n), j = Cols(z, n, n), f = Cols(z, 2 * n, n), o = Cols(z, 3 * n, n);
  f = Map(f, [&](double v) { return v + p.forget_bias; });
  if (p.peepholes) {
    f = f + p.w_f * c_prev;
    i = i + p.w_i * c_prev;
  }
  Mat c = Sigmoid(f) * c_prev + Sigmoid(i) * Tanh(j);
  if (p.cell_clip > 0) c = Clip(c, p.cell_clip);
  if (p.peepholes) o = o + p.w_o * c;
  Mat m = Sigmoid(o) * Tanh(c);
  if (p.projection.rows > 0) {
    m = MatMul(m, p.projection);
    if (p.proj_clip > 0) m = Clip(m, p.proj_clip);
  }
  state = {c, m};
  return m;
}

inline Mat GruStep(const Mat& x, std::vector<Mat>& state, const Mat& gk, const Mat& gb, const Mat& ck, const Mat& cb) {
  const Mat& h = state[0];
  const int64_t n = h.cols;
  Mat value = Sigmoid(MatMul(ConcatCols(x, h), gk) + gb);
  Mat r = Cols(value, 0, n), u = Cols(value, n, n);
  Mat c = Tanh(MatMul(ConcatCols(x, r * h), ck) + cb);
  Mat one_minus_u = Map(u, [](double v) { return 1 - v; });
  state[0] = u * h + one_minus_u * c;
  return state[0];
}

// The value (its "<name>/read") of the variable `name` of `root`'s graph; fails the test when
// there is none.
inline Output VariableRead(const Scope& root, const std::string& name) {
  for (const Variable& v : root.global_variables()) {
    if (v.name() == name) return v.value();
  }
  ADD_FAILURE() << "no variable " << name;
  return Output();
}

inline std::vector<std::string> VariableNames(const Scope& root) {
  std::vector<std::string> names;
  for (const Variable& v : root.global_variables()) names.push_back(v.name());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sluice::rnn_test

#endif  // SLUICE_TESTS_UTIL_RNN_REFERENCE_H_
