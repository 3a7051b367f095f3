// tf.layers-style layers: variable names and shapes, outputs against loops written out here,
// Conv2DTranspose's runtime output shape, batch normalization (training, inference, moving
// averages, gradients), regularizers, reuse, Sequential training a small CNN, error paths.
#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> VariableNames(const Scope& root, bool trainable_only = false) {
  std::vector<std::string> names;
  for (const Variable& v : trainable_only ? root.trainable_variables() : root.global_variables()) {
    names.push_back(v.name() + v.shape().DebugString());
  }
  return names;
}

Variable FindVariable(const Scope& root, const std::string& name) {
  for (const Variable& v : root.global_variables()) {
    if (v.name() == name) return v;
  }
  ADD_FAILURE() << "no variable " << name;
  return Variable();
}

double At(const Tensor& t, int64_t i) {
  return t.dtype() == DT_DOUBLE ? t.data<double>()[i] : static_cast<double>(t.data<float>()[i]);
}

// NHWC index.
int64_t Idx(const TensorShape& s, int64_t n, int64_t y, int64_t x, int64_t c) {
  return ((n * s.dim(1) + y) * s.dim(2) + x) * s.dim(3) + c;
}

// The leading padding of a SAME convolution from `in` to `out` (TF's rule).
int64_t SamePad(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t dilation) {
  const int64_t effective = (k - 1) * dilation + 1;
  return std::max<int64_t>((out - 1) * stride + effective - in, 0) / 2;
}

// conv2d(x, k) + b by its definition, NHWC, with the output shape `os`.
std::vector<double> ConvByHand(const Tensor& x, const Tensor& k, const Tensor& b, const TensorShape& os, int stride,
                               int dilation, bool same) {
  const TensorShape& xs = x.shape();
  const int64_t kh = k.shape().dim(0), kw = k.shape().dim(1), ci = k.shape().dim(2), co = k.shape().dim(3);
  const int64_t pt = same ? SamePad(xs.dim(1), os.dim(1), kh, stride, dilation) : 0;
  const int64_t pl = same ? SamePad(xs.dim(2), os.dim(2), kw, stride, dilation) : 0;
  std::vector<double> out(os.num_elements());
  for (int64_t n = 0; n < os.dim(0); ++n)
    for (int64_t oy = 0; oy < os.dim(1); ++oy)
      for (int64_t ox = 0; ox < os.dim(2); ++ox)
        for (int64_t o = 0; o < co; ++o) {
          double acc = At(b, o);
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) {
              const int64_t y = oy * stride + i * dilation - pt, xx = ox * stride + j * dilation - pl;
              if (y < 0 || y >= xs.dim(1) || xx < 0 || xx >= xs.dim(2)) continue;
              for (int64_t c = 0; c < ci; ++c) {
                acc += At(x, Idx(xs, n, y, xx, c)) * At(k, ((i * kw + j) * ci + c) * co + o);
              }
            }
          out[Idx(os, n, oy, ox, o)] = acc;
        }
  return out;
}

void ExpectNear(const Tensor& actual, const std::vector<double>& expected, double tol) {
  ASSERT_EQ(actual.NumElements(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(At(actual, i), expected[i], tol) << "at " << i;
}

TEST(Conv2DLayerTest, NamesShapesAndValuesAgainstTheDefinition) {
  struct Case {
    int stride, dilation;
    std::string padding;
  };
  for (const Case& c : std::vector<Case>{{1, 1, "same"}, {2, 1, "same"}, {2, 1, "valid"}, {1, 2, "valid"}}) {
    SCOPED_TRACE(c.padding + " stride " + std::to_string(c.stride) + " dilation " + std::to_string(c.dilation));
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 7, 6, 3});
    layers::Conv2DOptions o;
    o.strides = {c.stride};
    o.dilation_rate = {c.dilation};
    o.padding = c.padding;
    o.bias_initializer = init::RandomNormal(0.0f, 1.0f, 3);
    o.kernel_initializer = init::HeNormal(4);
    auto y = layers::Conv2D(root.NewSubScope("conv2d"), x, 5, {3, 2}, o);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_THAT(VariableNames(root, true), ElementsAre("conv2d/kernel[3,2,3,5]", "conv2d/bias[5]"));
    EXPECT_EQ(y.node()->name(), "conv2d/BiasAdd");
    const int64_t eh = (3 - 1) * c.dilation + 1, ew = (2 - 1) * c.dilation + 1;
    const int64_t oh = c.padding == "same" ? (7 + c.stride - 1) / c.stride : (7 - eh) / c.stride + 1;
    const int64_t ow = c.padding == "same" ? (6 + c.stride - 1) / c.stride : (6 - ew) / c.stride + 1;
    EXPECT_EQ(y.shape(), (TensorShape{-1, oh, ow, 5}));
    Tensor in = test::Floats({2, 7, 6, 3});
    auto out = test::RunGraph(root, {{x, in}},
                              {y, FindVariable(root, "conv2d/kernel").value(), FindVariable(root, "conv2d/bias").value()},
                              {ops::GlobalVariablesInitializer(root)});
    ASSERT_OK(out.status());
    ExpectNear((*out)[0], ConvByHand(in, (*out)[1], (*out)[2], (*out)[0].shape(), c.stride, c.dilation, c.padding == "same"),
               1e-4);
  }
}

TEST(Conv2DLayerTest, ChannelsFirstActivationNoBiasAndRegularizer) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 3, 5, 5});  // NCHW
  layers::Conv2DOptions o;
  o.data_format = "channels_first";
  o.padding = "SAME";
  o.activation = ops::Relu;
  o.use_bias = false;
  o.kernel_initializer = init::GlorotNormal(1);
  o.kernel_regularizer = [](const Scope& s, const Output& w) { return ops::L2Loss(s, w); };
  auto y = layers::Conv2D(root.NewSubScope("c"), x, 4, {3}, o);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(y.shape(), (TensorShape{-1, 4, 5, 5}));
  EXPECT_THAT(VariableNames(root), ElementsAre("c/kernel[3,3,3,4]"));
  EXPECT_EQ(y.node()->name(), "c/Relu");
  EXPECT_THAT(root.GetCollection(kRegularizationLossesCollection), ElementsAre("c/kernel/Regularizer/L2Loss:0"));
  // Against the same convolution in NHWC, transposed.
  Tensor in = test::Floats({2, 3, 5, 5});
  auto nhwc = ops::Transpose(root, x, {0, 2, 3, 1});
  auto direct = ops::Relu(root, ops::Conv2D(root, nhwc, FindVariable(root, "c/kernel"), {1, 1, 1, 1}, "SAME"));
  auto back = ops::Transpose(root, direct, {0, 3, 1, 2});
  auto out = test::RunGraph(root, {{x, in}}, {y, back}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorNear((*out)[0], (*out)[1], 1e-5);
}

// conv2d_transpose by its definition: each input pixel scatters kernel * value into the output.
std::vector<double> TransposedConvByHand(const Tensor& x, const Tensor& k, const Tensor& b, const TensorShape& os,
                                         int stride, bool same, int dilation = 1) {
  const TensorShape& xs = x.shape();
  const int64_t kh = k.shape().dim(0), kw = k.shape().dim(1), f = k.shape().dim(2), ci = k.shape().dim(3);
  const int64_t pt = same ? SamePad(os.dim(1), xs.dim(1), kh, stride, dilation) : 0;
  const int64_t pl = same ? SamePad(os.dim(2), xs.dim(2), kw, stride, dilation) : 0;
  std::vector<double> out(os.num_elements());
  for (int64_t n = 0; n < os.dim(0); ++n)
    for (int64_t y = 0; y < os.dim(1); ++y)
      for (int64_t xx = 0; xx < os.dim(2); ++xx)
        for (int64_t o = 0; o < f; ++o) out[Idx(os, n, y, xx, o)] = At(b, o);
  for (int64_t n = 0; n < xs.dim(0); ++n)
    for (int64_t iy = 0; iy < xs.dim(1); ++iy)
      for (int64_t ix = 0; ix < xs.dim(2); ++ix)
        for (int64_t c = 0; c < ci; ++c)
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j) {
              const int64_t y = iy * stride + i * dilation - pt, xx = ix * stride + j * dilation - pl;
              if (y < 0 || y >= os.dim(1) || xx < 0 || xx >= os.dim(2)) continue;
              for (int64_t o = 0; o < f; ++o) {
                out[Idx(os, n, y, xx, o)] += At(x, Idx(xs, n, iy, ix, c)) * At(k, ((i * kw + j) * f + o) * ci + c);
              }
            }
  return out;
}

TEST(Conv2DTransposeLayerTest, OutputShapeFollowsTheBatchAtRunTime) {
  struct Case {
    std::string padding;
    int kernel, stride;
    int64_t out;  // for an input of 5
  };
  for (const Case& c : std::vector<Case>{{"same", 3, 2, 10}, {"valid", 3, 2, 11}, {"valid", 2, 2, 10},
                                          {"valid", 1, 2, 10}, {"same", 4, 1, 5}, {"valid", 4, 1, 8}}) {
    SCOPED_TRACE(c.padding + " kernel " + std::to_string(c.kernel) + " stride " + std::to_string(c.stride));
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 5, 5, 3});
    layers::Conv2DOptions o;
    o.strides = {c.stride};
    o.padding = c.padding;
    o.bias_initializer = init::Constant(0.25f);
    auto y = layers::Conv2DTranspose(root.NewSubScope("conv2d_transpose"), x, 2, {c.kernel}, o);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_THAT(VariableNames(root),
                ElementsAre("conv2d_transpose/kernel[" + std::to_string(c.kernel) + "," + std::to_string(c.kernel) +
                                ",2,3]",
                            "conv2d_transpose/bias[2]"));
    EXPECT_EQ(y.shape(), (TensorShape{-1, c.out, c.out, 2}));
    Session session(root);
    std::vector<Tensor> r;
    ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &r));
    for (int64_t batch : {1, 3}) {
      Tensor in = test::Floats({batch, 5, 5, 3});
      ASSERT_OK(session.Run({{x, in}}, {y, FindVariable(root, "conv2d_transpose/kernel").value(),
                                        FindVariable(root, "conv2d_transpose/bias").value()},
                            &r));
      EXPECT_EQ(r[0].shape(), (TensorShape{batch, c.out, c.out, 2}));
      ExpectNear(r[0], TransposedConvByHand(in, r[1], r[2], r[0].shape(), c.stride, c.padding == "same"), 1e-4);
    }
  }
}

TEST(Conv2DTransposeLayerTest, DilatedKernel) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 5, 5, 3});
  layers::Conv2DOptions o;
  o.dilation_rate = {2};
  o.bias_initializer = init::Constant(-0.5f);
  auto y = layers::Conv2DTranspose(root.NewSubScope("up"), x, 2, {3}, o);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(y.shape(), (TensorShape{-1, 9, 9, 2}));  // 5 + (dilated kernel 5) - 1
  Tensor in = test::Floats({2, 5, 5, 3});
  auto out = test::RunGraph(root, {{x, in}}, {y, FindVariable(root, "up/kernel").value(), FindVariable(root, "up/bias").value()},
                            {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  ExpectNear((*out)[0], TransposedConvByHand(in, (*out)[1], (*out)[2], (*out)[0].shape(), 1, false, 2), 1e-4);
}

TEST(ConvLayersTest, GradientsMatchNumericOnes) {
  for (bool transpose : {false, true}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, TensorShape{2, 4, 4, 2});
    layers::Conv2DOptions o;
    o.strides = {2};
    o.padding = "same";
    o.activation = ops::Tanh;
    Output y = transpose ? layers::Conv2DTranspose(root.NewSubScope("c"), x, 3, {3}, o)
                         : layers::Conv2D(root.NewSubScope("c"), x, 3, {3}, o);
    auto loss = ops::Sum(root, ops::Mul(root, y, test::Doubles(y.shape(), 1.0, 0.5)), {0, 1, 2, 3});
    ASSERT_TRUE(root.ok()) << root.status();
    const TensorShape kernel_shape = FindVariable(root, "c/kernel").shape();
    auto err = test::ComputeGradientError(
        root, {x, FindVariable(root, "c/kernel").value(), FindVariable(root, "c/bias").value()},
        {test::Doubles({2, 4, 4, 2}), test::Doubles(kernel_shape, 0.3), test::Doubles({3}, 0.1)}, loss);
    ASSERT_OK(err.status());
    EXPECT_LT(*err, 1e-6) << "transpose " << transpose;
  }
}

TEST(Conv2DTransposeLayerTest, UnknownSpatialDimsAndChannelsFirst) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, -1, -1, 4});
  layers::Conv2DOptions o;
  o.strides = {2};
  o.padding = "valid";
  auto y = layers::Conv2DTranspose(root.NewSubScope("up"), x, 3, {3}, o);
  auto xc = ops::Placeholder(root.WithOpName("xc"), DT_FLOAT, TensorShape{-1, 4, 3, 3});
  o.data_format = "channels_first";
  o.padding = "same";
  auto yc = layers::Conv2DTranspose(root.NewSubScope("up_nchw"), xc, 2, {3}, o);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(y.shape(), (TensorShape{-1, -1, -1, 3}));
  EXPECT_EQ(yc.shape(), (TensorShape{-1, 2, 6, 6}));
  auto out = test::RunGraph(root, {{x, test::Floats({2, 4, 3, 4})}, {xc, test::Floats({1, 4, 3, 3})}}, {y, yc},
                            {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  EXPECT_EQ((*out)[0].shape(), (TensorShape{2, 9, 7, 3}));
  EXPECT_EQ((*out)[1].shape(), (TensorShape{1, 2, 6, 6}));
}

TEST(PoolingAndFlattenTest, ShapesAndValues) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 4, 4, 2});
  auto mp = layers::MaxPooling2D(root.NewSubScope("max_pooling2d"), x, {2});
  auto ap = layers::AveragePooling2D(root.NewSubScope("average_pooling2d"), x, {3, 3}, {1, 1}, "same");
  auto flat = layers::Flatten(root.NewSubScope("flatten"), mp);
  auto xu = ops::Placeholder(root.WithOpName("xu"), DT_FLOAT, TensorShape{-1, -1, 3});
  auto flat_unknown = layers::Flatten(root.NewSubScope("flatten_1"), xu);
  auto xb = ops::Placeholder(root.WithOpName("xb"), DT_FLOAT, TensorShape{2, -1, 3});
  auto flat_batch = layers::Flatten(root, xb);
  auto xn = ops::Placeholder(root.WithOpName("xn"), DT_FLOAT, TensorShape{-1, 2, 1, 3});  // NCHW
  auto flat_nchw = layers::Flatten(root, xn, "channels_first");
  auto v = ops::Placeholder(root.WithOpName("v"), DT_FLOAT, TensorShape{-1});
  auto flat_vector = layers::Flatten(root, v);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(mp.shape(), (TensorShape{-1, 2, 2, 2}));
  EXPECT_EQ(ap.shape(), (TensorShape{-1, 4, 4, 2}));
  EXPECT_EQ(flat.shape(), (TensorShape{-1, 8}));
  EXPECT_EQ(flat_unknown.shape().rank(), 2);
  EXPECT_EQ(flat_batch.shape().dim(0), 2);
  EXPECT_EQ(flat_nchw.shape(), (TensorShape{-1, 6}));
  EXPECT_EQ(flat_vector.shape(), (TensorShape{-1, 1}));
  EXPECT_EQ(mp.node()->name(), "max_pooling2d/MaxPool");
  EXPECT_EQ(flat.node()->name(), "flatten/Reshape");
  Tensor in = test::Floats({3, 4, 4, 2});
  Tensor nchw = test::Floats({2, 2, 1, 3});
  auto out = test::RunGraph(root,
                            {{x, in}, {xu, test::Floats({5, 7, 3})}, {xb, test::Floats({2, 4, 3})}, {xn, nchw},
                             {v, test::Floats({4})}},
                            {mp, ap, flat, flat_unknown, flat_batch, flat_nchw, flat_vector});
  ASSERT_OK(out.status());
  const TensorShape s = in.shape();
  // max of each 2x2 window; the SAME 3x3 average over the window's pixels inside the image.
  for (int64_t n = 0; n < 3; ++n)
    for (int64_t y = 0; y < 4; ++y)
      for (int64_t xx = 0; xx < 4; ++xx)
        for (int64_t c = 0; c < 2; ++c) {
          double sum = 0;
          int count = 0;
          for (int64_t i = y - 1; i <= y + 1; ++i)
            for (int64_t j = xx - 1; j <= xx + 1; ++j) {
              if (i < 0 || i >= 4 || j < 0 || j >= 4) continue;
              sum += At(in, Idx(s, n, i, j, c));
              ++count;
            }
          ASSERT_NEAR(At((*out)[1], Idx(s, n, y, xx, c)), sum / count, 1e-5);
          if (y % 2 || xx % 2) continue;
          double m = -1e30;
          for (int64_t i = y; i < y + 2; ++i)
            for (int64_t j = xx; j < xx + 2; ++j) m = std::max(m, At(in, Idx(s, n, i, j, c)));
          const TensorShape ps{3, 2, 2, 2};
          ASSERT_EQ(At((*out)[0], Idx(ps, n, y / 2, xx / 2, c)), m);
          ASSERT_EQ(At((*out)[2], (n * 2 + y / 2) * 4 + (xx / 2) * 2 + c), m);  // row-major flatten
        }
  EXPECT_EQ((*out)[3].shape(), (TensorShape{5, 21}));
  EXPECT_EQ((*out)[4].shape(), (TensorShape{2, 12}));
  EXPECT_EQ((*out)[6].shape(), (TensorShape{4, 1}));
  // channels_first flattens in channels_last order: element (n, h, w, c) of the NHWC view.
  ASSERT_EQ((*out)[5].shape(), (TensorShape{2, 6}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t w = 0; w < 3; ++w) {
        EXPECT_EQ(At((*out)[5], n * 6 + w * 2 + c), At(nchw, (n * 2 + c) * 3 + w));
      }
}

TEST(LayerErrorsTest, BadArgumentsNameTheLayer) {
  struct Case {
    std::function<void(const Scope&, const Output&)> build;
    const char* message;
  };
  std::vector<Case> cases = {
      {[](const Scope& s, const Output& x) { layers::Conv2D(s, x, 4, {3}, {.padding = "full"}); },
       "padding must be \"valid\" or \"same\""},
      {[](const Scope& s, const Output& x) { layers::Conv2D(s, x, 4, {3, 3, 3}); }, "kernel_size must be 1 or 2"},
      {[](const Scope& s, const Output& x) { layers::Conv2D(s, x, 0, {3}); }, "filters must be positive"},
      {[](const Scope& s, const Output& x) {
         layers::Conv2D(s, x, 4, {3}, {.strides = {2}, .dilation_rate = {2}});
       },
       "strides > 1 not supported in conjunction with dilation_rate > 1"},
      {[](const Scope& s, const Output& x) { layers::Conv2D(s, x, 4, {3}, {.data_format = "NHWC"}); },
       "data_format must be"},
      {[](const Scope& s, const Output& x) { layers::Conv2DTranspose(s, ops::Reshape(s, x, {-1, 8}), 4, {3}); },
       "must be a 4-D image batch"},
      {[](const Scope& s, const Output& x) { layers::MaxPooling2D(s, x, {0}); }, "pool_size must be 1 or 2 positive"},
      {[](const Scope& s, const Output& x) { layers::BatchNormalization(s, x, true, {.axis = 4}); },
       "axis 4 is out of range"},
      {[](const Scope& s, const Output& x) { layers::BatchNormalization(s, x, ops::Const(s, 1.0f)); },
       "training must be a bool scalar"},
  };
  for (const Case& c : cases) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 4, 4, 2});
    c.build(root.NewSubScope("layer"), x);
    EXPECT_FALSE(root.ok());
    EXPECT_THAT(root.status().message(), HasSubstr(c.message));
    EXPECT_THAT(root.status().message(), HasSubstr("layer/"));
  }
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 4, 4, -1});
  layers::Conv2D(root.NewSubScope("conv"), x, 2, {3});
  EXPECT_THAT(root.status().message(), HasSubstr("channels known when building, got [?,4,4,?]"));
}

// ---- Batch normalization ---------------------------------------------------------------------

struct BnExpected {
  std::vector<double> mean, variance, y;
};

// Batch norm of x [n, c] (c the last dim; x viewed as rows of c) with the batch statistics
// (training) or the given ones, in double.
BnExpected BatchNormByHand(const Tensor& x, int64_t c, const std::vector<double>& gamma,
                           const std::vector<double>& beta, double eps, const std::vector<double>* mean,
                           const std::vector<double>* variance) {
  const int64_t rows = x.NumElements() / c;
  BnExpected e;
  e.mean.assign(c, 0.0);
  e.variance.assign(c, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < c; ++j) e.mean[j] += At(x, r * c + j) / rows;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < c; ++j) e.variance[j] += std::pow(At(x, r * c + j) - e.mean[j], 2) / rows;
  const std::vector<double>& m = mean ? *mean : e.mean;
  const std::vector<double>& v = variance ? *variance : e.variance;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < c; ++j) {
      e.y.push_back((At(x, r * c + j) - m[j]) / std::sqrt(v[j] + eps) * gamma[j] + beta[j]);
    }
  return e;
}

layers::BatchNormalizationOptions BnOptions() {
  layers::BatchNormalizationOptions o;
  o.momentum = 0.9;
  o.epsilon = 0.01;
  o.gamma_initializer = init::Constant(1.5f);
  o.beta_initializer = init::Constant(-0.5f);
  o.moving_mean_initializer = init::Constant(0.2f);
  o.moving_variance_initializer = init::Constant(2.0f);
  return o;
}

TEST(BatchNormalizationTest, VariablesTrainingAndInferenceAgainstTheFormula) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, TensorShape{-1, 2, 2, 3});
  auto train_y = layers::BatchNormalization(root.NewSubScope("batch_normalization"), x, true, BnOptions());
  auto infer_y = layers::BatchNormalization(VariableScope(root, "batch_normalization", VariableReuse::kReuse), x,
                                            false, BnOptions());
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(VariableNames(root), ElementsAre("batch_normalization/gamma[3]", "batch_normalization/beta[3]",
                                               "batch_normalization/moving_mean[3]",
                                               "batch_normalization/moving_variance[3]"));
  EXPECT_THAT(VariableNames(root, true), ElementsAre("batch_normalization/gamma[3]", "batch_normalization/beta[3]"));
  // Only the training build made updates.
  EXPECT_THAT(root.GetCollection(layers::kUpdateOpsCollection),
              ElementsAre("batch_normalization/AssignMovingAvg:0", "batch_normalization/AssignMovingAvg_1:0"));
  EXPECT_EQ(train_y.shape(), (TensorShape{-1, 2, 2, 3}));
  EXPECT_NE(root.graph()->FindNode("batch_normalization/moments/mean"), nullptr);
  EXPECT_NE(root.graph()->FindNode("batch_normalization/batchnorm/Rsqrt"), nullptr);
  Tensor in = test::Doubles({2, 2, 2, 3}, 2.0, 0.5);
  auto out = test::RunGraph(root, {{x, in}}, {train_y, infer_y}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  // init::Constant holds a float: the moving mean starts at 0.2f.
  const std::vector<double> gamma(3, 1.5), beta(3, -0.5), mm(3, static_cast<double>(0.2f)), mv(3, 2.0);
  ExpectNear((*out)[0], BatchNormByHand(in, 3, gamma, beta, 0.01, nullptr, nullptr).y, 1e-12);
  ExpectNear((*out)[1], BatchNormByHand(in, 3, gamma, beta, 0.01, &mm, &mv).y, 1e-12);
}

TEST(BatchNormalizationTest, MovingAveragesAfterNUpdatesFollowTheFormula) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, TensorShape{-1, 3, 2});  // channels: axis 1
  auto training = ops::PlaceholderWithDefault(root.WithOpName("training"), false, TensorShape{});
  layers::BatchNormalizationOptions o = BnOptions();
  o.axis = 1;
  auto y = layers::BatchNormalization(root.NewSubScope("bn"), x, training, o);
  ASSERT_TRUE(root.ok()) << root.status();
  std::vector<Operation> updates = layers::UpdateOps(root);
  ASSERT_EQ(updates.size(), 2u);
  Variable mean = FindVariable(root, "bn/moving_mean"), variance = FindVariable(root, "bn/moving_variance");
  Session session(root);
  std::vector<Tensor> r;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &r));
  Tensor in = test::Doubles({4, 3, 2}, 1.5, 0.3);
  // Batch moments over axes 0 and 2, by hand: the channel j of element (n, j, k).
  std::vector<double> mu(3, 0.0), var(3, 0.0);
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) mu[j] += At(in, (n * 3 + j) * 2 + k) / 8;
  for (int n = 0; n < 4; ++n)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) var[j] += std::pow(At(in, (n * 3 + j) * 2 + k) - mu[j], 2) / 8;
  // Not training: the updates leave the averages as they are, and y uses them.
  ASSERT_OK(session.Run({{x, in}}, {y}, {updates[0], updates[1]}, &r));
  for (int64_t i = 0; i < r[0].NumElements(); ++i) {
    ASSERT_NEAR(At(r[0], i), (At(in, i) - static_cast<double>(0.2f)) / std::sqrt(2.0 + 0.01) * 1.5 - 0.5, 1e-12);
  }
  ASSERT_OK(session.Run({}, {mean.value(), variance.value()}, &r));
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(At(r[0], j), static_cast<double>(0.2f));
    EXPECT_EQ(At(r[1], j), 2.0);
  }
  // Training, N = 5 steps on the same batch: moving = value + (initial - value) * (1 - decay)^N,
  // decay = 1 - momentum as a float32 constant (as TF makes it).
  const int steps = 5;
  const double keep = 1.0 - static_cast<double>(static_cast<float>(1.0 - 0.9));
  for (int s = 0; s < steps; ++s) {
    ASSERT_OK(session.Run({{x, in}, {training, Tensor::Scalar(true)}}, {y}, {updates[0], updates[1]}, &r));
    for (int64_t i = 0; i < r[0].NumElements(); ++i) {
      const int j = (i / 2) % 3;
      ASSERT_NEAR(At(r[0], i), (At(in, i) - mu[j]) / std::sqrt(var[j] + 0.01) * 1.5 - 0.5, 1e-12);
    }
  }
  ASSERT_OK(session.Run({}, {mean.value(), variance.value()}, &r));
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(At(r[0], j), mu[j] + (static_cast<double>(0.2f) - mu[j]) * std::pow(keep, steps), 1e-12);
    EXPECT_NEAR(At(r[1], j), var[j] + (2.0 - var[j]) * std::pow(keep, steps), 1e-12);
  }
}

TEST(BatchNormalizationTest, GradientsInTrainingModeMatchNumericOnes) {
  for (bool tensor_flag : {false, true}) {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root.WithOpName("x"), DT_DOUBLE, TensorShape{4, 3});
    Output y = tensor_flag ? layers::BatchNormalization(root.NewSubScope("bn"), x, ops::Const(root, true), BnOptions())
                           : layers::BatchNormalization(root.NewSubScope("bn"), x, true, BnOptions());
    // A non-symmetric function of y, so that every path counts.
    auto loss = ops::Sum(root, ops::Mul(root, ops::Square(root, y), test::Doubles({4, 3}, 1.0, 2.0)), {0, 1});
    ASSERT_TRUE(root.ok()) << root.status();
    std::vector<Output> xs = {x, FindVariable(root, "bn/gamma").value(), FindVariable(root, "bn/beta").value()};
    std::vector<Tensor> values = {test::Doubles({4, 3}, 1.3, 0.2), test::Doubles({3}, 0.5, 1.0),
                                  test::Doubles({3}, 0.3)};
    if (tensor_flag) {
      // The SelectV2 ops read the moving averages too (their gradient is 0): fed, not initialized.
      xs.push_back(FindVariable(root, "bn/moving_mean").value());
      xs.push_back(FindVariable(root, "bn/moving_variance").value());
      values.push_back(test::Doubles({3}, 0.1));
      values.push_back(test::Doubles({3}, 0.1, 1.0));
    }
    auto err = test::ComputeGradientError(root, xs, values, loss);
    ASSERT_OK(err.status());
    EXPECT_LT(*err, 1e-6) << "tensor flag " << tensor_flag;
  }
}

TEST(BatchNormalizationTest, WithoutCenterAndScaleAndResourceVariables) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 2});
  VariableScopeOptions res;
  res.use_resource = true;
  layers::BatchNormalizationOptions o;
  o.center = false;
  o.scale = false;
  o.momentum = 0.5;
  auto y = layers::BatchNormalization(VariableScope(root, "bn", res), x, true, o);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(VariableNames(root), ElementsAre("bn/moving_mean[2]", "bn/moving_variance[2]"));
  Session session(root);
  std::vector<Tensor> r;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &r));
  Tensor in = Tensor::FromVector<float>({1, 10, 3, 20}, TensorShape{2, 2});
  ASSERT_OK(session.Run({{x, in}}, {y}, layers::UpdateOps(root), &r));
  // mean (2, 15), variance (1, 25): y = (x - mean) / sqrt(variance + 0.001).
  EXPECT_NEAR(r[0].data<float>()[0], -1 / std::sqrt(1.001), 1e-5);
  EXPECT_NEAR(r[0].data<float>()[3], 5 / std::sqrt(25.001), 1e-5);
  ASSERT_OK(session.Run({}, {FindVariable(root, "bn/moving_mean").value(), FindVariable(root, "bn/moving_variance").value()},
                        &r));
  EXPECT_NEAR(r[0].data<float>()[1], 7.5, 1e-5);   // 0 - (0 - 15) * 0.5
  EXPECT_NEAR(r[1].data<float>()[0], 1.0, 1e-5);   // 1 - (1 - 1) * 0.5
  EXPECT_NEAR(r[1].data<float>()[1], 13.0, 1e-5);  // 1 - (1 - 25) * 0.5
}

// ---- Reuse, regularizers and Sequential --------------------------------------------------------

TEST(LayersReuseTest, ConvAndBatchNormBuiltTwiceUnderAReusedScopeShare) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 6, 6, 1});
  auto block = [&](const Scope& s, bool training) {
    auto c = layers::Conv2D(s.NewSubScope("conv2d"), x, 2, {3}, {.padding = "same"});
    return layers::BatchNormalization(s.NewSubScope("batch_normalization"), c, training);
  };
  auto a = block(VariableScope(root, "block"), true);
  auto b = block(VariableScope(root, "block", VariableReuse::kReuse), false);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root.global_variables().size(), 6u);
  EXPECT_EQ(b.node()->name(), "block_1/batch_normalization/batchnorm/add_1");
  auto out = test::RunGraph(root, {{x, test::Floats({2, 6, 6, 1})}}, {a, b}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
}

TEST(LayersRegularizerTest, KernelRegularizersAreCollectedAndAddToTheLoss) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 3});
  layers::Regularizer l2 = [](const Scope& s, const Output& w) { return ops::Mul(s, ops::L2Loss(s, w), 0.1f); };
  layers::Dense(root.NewSubScope("dense"), x, 2, nullptr, init::Constant(1.0f), init::Zeros(), l2);
  layers::Dense(root.NewSubScope("dense_1"), x, 4, nullptr, init::Constant(2.0f), init::Zeros(), l2);
  ASSERT_TRUE(root.ok()) << root.status();
  std::vector<std::string> names = root.GetCollection(kRegularizationLossesCollection);
  EXPECT_THAT(names, ElementsAre("dense/kernel/Regularizer/Mul:0", "dense_1/kernel/Regularizer/Mul:0"));
  std::vector<Output> losses;
  for (const std::string& n : names) {
    losses.emplace_back(Operation(root.graph()->FindNode(n.substr(0, n.size() - 2)), root.data()), 0);
  }
  auto total = ops::AddN(root, losses);
  auto out = test::RunGraph(root, {}, {total}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  EXPECT_NEAR((*out)[0].scalar<float>(), 0.1 * (6 * 1.0 / 2 + 12 * 4.0 / 2), 1e-5);
}

// Two classes of 8x8 images: bright top half or bright bottom half, with noise.
void MakeImages(int n, Tensor* images, Tensor* labels) {
  *images = Tensor(DT_FLOAT, TensorShape{n, 8, 8, 1});
  *labels = Tensor(DT_INT64, TensorShape{n});
  Tensor noise = test::Floats({n, 8, 8, 1}, 0.3);
  for (int i = 0; i < n; ++i) {
    const int label = i % 2;
    labels->data<int64_t>()[i] = label;
    for (int p = 0; p < 64; ++p) {
      const bool top = p < 32;
      images->data<float>()[i * 64 + p] = ((top == (label == 0)) ? 1.0f : 0.0f) + noise.data<float>()[i * 64 + p];
    }
  }
}

TEST(SequentialTest, ASmallCnnTrainsAndNamesLayersLikeKeras) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 8, 8, 1});
  auto labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, TensorShape{-1});
  auto training = ops::PlaceholderWithDefault(root.WithOpName("training"), false, TensorShape{});
  layers::Sequential model;
  model
      .Add("conv2d",
           [](const Scope& s, const Output& in) {
             return layers::Conv2D(s, in, 4, {3},
                                   {.padding = "same", .activation = ops::Relu, .kernel_initializer = init::HeNormal(1)});
           })
      .Add("batch_normalization",
           [&](const Scope& s, const Output& in) { return layers::BatchNormalization(s, in, training); })
      .Add("max_pooling2d", [](const Scope& s, const Output& in) { return layers::MaxPooling2D(s, in, {2}); })
      .Add("flatten", [](const Scope& s, const Output& in) { return layers::Flatten(s, in); })
      .Add("dense", [](const Scope& s, const Output& in) { return layers::Dense(s, in, 8, ops::Relu); })
      .Add("dense", [](const Scope& s, const Output& in) { return layers::Dense(s, in, 2); });
  Output logits = model.Apply(root, x);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(model.layer_scopes(),
              ElementsAre("conv2d", "batch_normalization", "max_pooling2d", "flatten", "dense", "dense_1"));
  EXPECT_THAT(VariableNames(root, true),
              ElementsAre("conv2d/kernel[3,3,1,4]", "conv2d/bias[4]", "batch_normalization/gamma[4]",
                          "batch_normalization/beta[4]", "dense/kernel[64,8]", "dense/bias[8]", "dense_1/kernel[8,2]",
                          "dense_1/bias[2]"));
  EXPECT_EQ(logits.shape(), (TensorShape{-1, 2}));
  auto loss = ops::Mean(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, labels).loss, {0});
  auto train = train::GradientDescentOptimizer(0.2f).Minimize(root.WithControlDependencies(layers::UpdateOps(root)),
                                                              loss);
  // Applied again (an evaluation tower), the model shares its weights.
  Output eval_logits = model.Apply(root.NewSubScope("eval"), x);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(root.global_variables().size(), 10u);

  Tensor images, y;
  MakeImages(32, &images, &y);
  Session session(root);
  std::vector<Tensor> r;
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &r));
  ASSERT_OK(session.Run({{x, images}, {labels, y}}, {loss}, &r));
  const float initial = r[0].scalar<float>();
  for (int step = 0; step < 40; ++step) {
    ASSERT_OK(session.Run({{x, images}, {labels, y}, {training, Tensor::Scalar(true)}}, {loss}, {train}, &r));
  }
  ASSERT_OK(session.Run({{x, images}, {labels, y}, {training, Tensor::Scalar(true)}}, {loss}, &r));
  const float trained = r[0].scalar<float>();
  EXPECT_LT(trained, 0.5f * initial) << "initial " << initial;
  // The moving averages moved with the training steps.
  ASSERT_OK(session.Run({}, {FindVariable(root, "batch_normalization/moving_mean").value()}, &r));
  EXPECT_NE(r[0].data<float>()[0], 0.0f);
  // Both applications compute the same logits.
  ASSERT_OK(session.Run({{x, images}}, {logits, eval_logits}, &r));
  test::ExpectTensorEqual(r[1], r[0]);
}

TEST(ActivationLayerTest, AppliesTheFunctionInTheScope) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {-1.0f, 2.0f});
  auto y = layers::ActivationLayer(root.NewSubScope("activation"), x, ops::Relu);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_EQ(y.node()->name(), "activation/Relu");
  test::ExpectTensorEqual(test::RunOne(root, y), Tensor::FromVector<float>({0.0f, 2.0f}));
  layers::ActivationLayer(root.NewSubScope("bad"), x, nullptr);
  EXPECT_THAT(root.status().message(), HasSubstr("the activation function is null"));
}

TEST(SequentialTest, TwoModelsGetDistinctNamesAndAReusedScopeShares) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, TensorShape{-1, 3});
  auto dense = [](const Scope& s, const Output& in) { return layers::Dense(s, in, 2); };
  layers::Sequential a, b;
  a.Add("dense", dense);
  b.Add("dense", dense).Add("dense", dense);
  a.Apply(root, x);
  b.Apply(root, x);
  EXPECT_THAT(a.layer_scopes(), ElementsAre("dense"));
  EXPECT_THAT(b.layer_scopes(), ElementsAre("dense_1", "dense_2"));
  // A fresh model built under a variable scope entered again with reuse finds the first one's.
  layers::Sequential first, second;
  first.Add("dense", dense);
  second.Add("dense", dense);
  Output y1 = first.Apply(VariableScope(root, "m"), x);
  Output y2 = second.Apply(VariableScope(root, "m", VariableReuse::kReuse), x);
  ASSERT_TRUE(root.ok()) << root.status();
  EXPECT_THAT(second.layer_scopes(), ElementsAre("m/dense"));
  EXPECT_EQ(root.global_variables().size(), 8u);
  auto out = test::RunGraph(root, {{x, test::Floats({2, 3})}}, {y1, y2}, {ops::GlobalVariablesInitializer(root)});
  ASSERT_OK(out.status());
  test::ExpectTensorEqual((*out)[1], (*out)[0]);
}

TEST(SequentialTest, NullLayerIsAnError) {
  Scope root = Scope::NewRootScope();
  layers::Sequential model;
  model.Add("dense", nullptr);
  EXPECT_FALSE(model.Apply(root, ops::Const(root, 1.0f, TensorShape{1, 2})).valid());
  EXPECT_THAT(root.status().message(), HasSubstr("layer 0 ('dense') is null"));
}

}  // namespace
}  // namespace sluice
