// DepthwiseConv2dNative and its backprop ops: the forward against a direct loop written here
// (TF's padding rules spelled out again) over layouts, paddings, strides, dilations, channel
// counts and multipliers, in float (oneDNN's grouped convolution) and double (loops); the
// backprop ops as adjoints of the forward; numeric gradient checks (double); shapes; errors
// naming the node.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

struct Case {
  bool nchw = false;
  int n = 2, h = 7, w = 6, c = 3, kh = 3, kw = 2, mult = 2;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  std::string padding = "SAME";
  std::vector<int> pads = {1, 2, 0, 1};  // EXPLICIT: top, bottom, left, right

  std::string Format() const { return nchw ? "NCHW" : "NHWC"; }
  std::vector<int> Image4(int a, int b) const {
    return nchw ? std::vector<int>{1, 1, a, b} : std::vector<int>{1, a, b, 1};
  }
  TensorShape InputShape() const { return nchw ? TensorShape{n, c, h, w} : TensorShape{n, h, w, c}; }
  TensorShape FilterShape() const { return {kh, kw, c, mult}; }
  ops::Conv2DOptions Options() const {
    ops::Conv2DOptions o;
    o.data_format = Format();
    o.dilations = Image4(dh, dw);
    if (padding == "EXPLICIT") {
      o.explicit_paddings = nchw ? std::vector<int>{0, 0, 0, 0, pads[0], pads[1], pads[2], pads[3]}
                                 : std::vector<int>{0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0};
    }
    return o;
  }
  std::string DebugString() const {
    return absl::StrCat(Format(), " ", padding, " in [", n, ",", h, ",", w, ",", c, "] k [", kh, ",", kw, "] x", mult,
                        " stride ", sh, "x", sw, " dilation ", dh, "x", dw);
  }
};

// Output size and front padding of one dim by TF's rules.
void Dim(const Case& k, int in, int window, int stride, int dilation, int before, int after, int* out, int* front) {
  const int effective = (window - 1) * dilation + 1;
  if (k.padding == "SAME") {
    *out = (in + stride - 1) / stride;
    *front = std::max(0, (*out - 1) * stride + effective - in) / 2;
  } else if (k.padding == "VALID") {
    *out = (in - effective + stride) / stride;
    *front = 0;
  } else {
    *out = (in + before + after - effective) / stride + 1;
    *front = before;
  }
}

double Value(const Tensor& t, int64_t i) { return t.dtype() == DT_DOUBLE ? t.data<double>()[i] : t.data<float>()[i]; }

int64_t At(bool nchw, int b, int y, int x, int ch, int h, int w, int c) {
  return nchw ? ((int64_t{b} * c + ch) * h + y) * w + x : ((int64_t{b} * h + y) * w + x) * c + ch;
}

Tensor NaiveDepthwise(const Case& k, const Tensor& input, const Tensor& filter) {
  int oh, ow, top, left;
  Dim(k, k.h, k.kh, k.sh, k.dh, k.pads[0], k.pads[1], &oh, &top);
  Dim(k, k.w, k.kw, k.sw, k.dw, k.pads[2], k.pads[3], &ow, &left);
  const int oc = k.c * k.mult;
  Tensor out(DT_DOUBLE, k.nchw ? TensorShape{k.n, oc, oh, ow} : TensorShape{k.n, oh, ow, oc});
  for (int b = 0; b < k.n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int ch = 0; ch < k.c; ++ch)
          for (int m = 0; m < k.mult; ++m) {
            double sum = 0;
            for (int i = 0; i < k.kh; ++i)
              for (int j = 0; j < k.kw; ++j) {
                const int iy = y * k.sh + i * k.dh - top, ix = x * k.sw + j * k.dw - left;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                sum += Value(input, At(k.nchw, b, iy, ix, ch, k.h, k.w, k.c)) *
                       Value(filter, ((int64_t{i} * k.kw + j) * k.c + ch) * k.mult + m);
              }
            out.data<double>()[At(k.nchw, b, y, x, ch * k.mult + m, oh, ow, oc)] = sum;
          }
  return out;
}

Tensor ToDouble(const Tensor& t) {
  Tensor d(DT_DOUBLE, t.shape());
  for (int64_t i = 0; i < t.NumElements(); ++i) d.data<double>()[i] = Value(t, i);
  return d;
}

Tensor Sizes(const TensorShape& s) {
  return Tensor::FromVector(std::vector<int32_t>(s.dims().begin(), s.dims().end()));
}

std::vector<Case> Sweep() {
  std::vector<Case> cases;
  for (bool nchw : {false, true})
    for (const char* padding : {"SAME", "VALID", "EXPLICIT"})
      for (int stride : {1, 2})
        for (int dilation : {1, 2})
          for (int c : {1, 3})
            for (int mult : {1, 2}) {
              Case k;
              k.nchw = nchw, k.padding = padding, k.c = c, k.mult = mult;
              k.sh = stride, k.sw = stride == 2 ? 1 : 2;
              k.dh = dilation, k.dw = dilation == 2 ? 1 : 2;
              cases.push_back(k);
            }
  // Big enough for oneDNN's depthwise kernels: 16 and 32 channels.
  for (bool nchw : {false, true}) {
    Case big;
    big.nchw = nchw, big.n = 2, big.h = 13, big.w = 11, big.c = 16, big.kh = big.kw = 3, big.mult = 1;
    big.sh = big.sw = 2;
    cases.push_back(big);
    big.c = 32, big.mult = 2, big.sh = big.sw = 1, big.padding = "VALID";
    cases.push_back(big);
  }
  return cases;
}

TEST(DepthwiseConvTest, HandComputed) {
  // Two channels of a 2x2 image, a 2x2 filter per channel (multiplier 1), VALID:
  //   channel 0: [1 2; 3 4] . [1 0; 0 1] = 5, channel 1: [10 20; 30 40] . [0 1; 1 0] = 50.
  Scope root = Scope::NewRootScope();
  auto x = ops::Const(root, {1.f, 10.f, 2.f, 20.f, 3.f, 30.f, 4.f, 40.f}, {1, 2, 2, 2});
  auto f = ops::Const(root, {1.f, 0.f, 0.f, 1.f, 0.f, 1.f, 1.f, 0.f}, {2, 2, 2, 1});
  auto y = ops::DepthwiseConv2dNative(root, x, f, {1, 1, 1, 1}, "VALID");
  test::ExpectTensorEqual(test::RunOne(root, y), Tensor::FromVector<float>({5.f, 50.f}, {1, 1, 1, 2}));
}

TEST(DepthwiseConvTest, SweepMatchesTheDirectLoop) {
  for (const Case& k : Sweep()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      SCOPED_TRACE(k.DebugString() + (dt == DT_FLOAT ? " float" : " double"));
      Scope root = Scope::NewRootScope();
      Tensor in = dt == DT_FLOAT ? test::Floats(k.InputShape()) : test::Doubles(k.InputShape());
      Tensor f = dt == DT_FLOAT ? test::Floats(k.FilterShape(), 0.5, 0.1) : test::Doubles(k.FilterShape(), 0.5, 0.1);
      auto y = ops::DepthwiseConv2dNative(root, in, f, k.Image4(k.sh, k.sw), k.padding, k.Options());
      ASSERT_TRUE(root.ok()) << root.status();
      Tensor want = NaiveDepthwise(k, in, f);
      EXPECT_EQ(y.shape(), want.shape());
      test::ExpectTensorNear(ToDouble(test::RunOne(root, y)), want, dt == DT_FLOAT ? 1e-5 : 1e-12);
    }
  }
}

// <dw(x, f), g> = <x, backprop_input(f, g)> = <f, backprop_filter(x, g)>.
TEST(DepthwiseConvTest, BackpropOpsAreAdjointsOfTheForward) {
  for (const Case& k : Sweep()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      SCOPED_TRACE(k.DebugString() + (dt == DT_FLOAT ? " float" : " double"));
      Scope root = Scope::NewRootScope();
      Tensor x = dt == DT_FLOAT ? test::Floats(k.InputShape()) : test::Doubles(k.InputShape());
      Tensor f = dt == DT_FLOAT ? test::Floats(k.FilterShape(), 0.5, 0.1) : test::Doubles(k.FilterShape(), 0.5, 0.1);
      Tensor y = NaiveDepthwise(k, x, f);
      Tensor g = dt == DT_FLOAT ? test::Floats(y.shape(), 1.0, 0.3) : test::Doubles(y.shape(), 1.0, 0.3);
      auto strides = k.Image4(k.sh, k.sw);
      auto dx =
          ops::DepthwiseConv2dNativeBackpropInput(root, Sizes(k.InputShape()), f, g, strides, k.padding, k.Options());
      auto df =
          ops::DepthwiseConv2dNativeBackpropFilter(root, x, Sizes(k.FilterShape()), g, strides, k.padding, k.Options());
      ASSERT_TRUE(root.ok()) << root.status();
      auto out = test::RunGraph(root, {}, {dx, df});
      ASSERT_TRUE(out.ok()) << out.status();
      double yg = 0, xdx = 0, fdf = 0;
      for (int64_t i = 0; i < y.NumElements(); ++i) yg += Value(y, i) * Value(g, i);
      for (int64_t i = 0; i < x.NumElements(); ++i) xdx += Value(x, i) * Value((*out)[0], i);
      for (int64_t i = 0; i < f.NumElements(); ++i) fdf += Value(f, i) * Value((*out)[1], i);
      const double tol = (dt == DT_FLOAT ? 1e-4 : 1e-10) * (1 + std::fabs(yg));
      EXPECT_NEAR(xdx, yg, tol);
      EXPECT_NEAR(fdf, yg, tol);
    }
  }
}

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, 1e-8);
}

std::vector<Case> GradientCases() {
  Case a;
  a.n = 1, a.h = 5, a.w = 4, a.c = 2, a.mult = 2, a.sh = 2;
  Case b = a;
  b.nchw = true, b.padding = "VALID", b.dh = 2, b.sh = 1, b.h = 6;
  Case c = a;
  c.padding = "EXPLICIT", c.mult = 1, c.sh = 1, c.sw = 2;
  return {a, b, c};
}

TEST(DepthwiseConvGradientTest, ForwardAndBackpropOps) {
  for (const Case& k : GradientCases()) {
    SCOPED_TRACE(k.DebugString());
    const auto strides = k.Image4(k.sh, k.sw);
    {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, k.InputShape());
      auto f = ops::Placeholder(root, DT_DOUBLE, k.FilterShape());
      auto y = ops::DepthwiseConv2dNative(root, x, f, strides, k.padding, k.Options());
      ExpectGradientOk(root, {x, f}, {test::Doubles(k.InputShape()), test::Doubles(k.FilterShape(), 0.5)}, y);
    }
    Tensor probe = NaiveDepthwise(k, test::Doubles(k.InputShape()), test::Doubles(k.FilterShape()));
    {
      Scope root = Scope::NewRootScope();
      auto f = ops::Placeholder(root, DT_DOUBLE, k.FilterShape());
      auto g = ops::Placeholder(root, DT_DOUBLE, probe.shape());
      auto dx =
          ops::DepthwiseConv2dNativeBackpropInput(root, Sizes(k.InputShape()), f, g, strides, k.padding, k.Options());
      ExpectGradientOk(root, {f, g}, {test::Doubles(k.FilterShape(), 0.5), test::Doubles(probe.shape())}, dx);
    }
    {
      Scope root = Scope::NewRootScope();
      auto x = ops::Placeholder(root, DT_DOUBLE, k.InputShape());
      auto g = ops::Placeholder(root, DT_DOUBLE, probe.shape());
      auto df =
          ops::DepthwiseConv2dNativeBackpropFilter(root, x, Sizes(k.FilterShape()), g, strides, k.padding, k.Options());
      ExpectGradientOk(root, {x, g}, {test::Doubles(k.InputShape()), test::Doubles(probe.shape())}, df);
    }
  }
}

TEST(DepthwiseConvShapeTest, OutputShapes) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 28, 28, 8});
  auto f = ops::Placeholder(root, DT_FLOAT, {3, 3, 8, 3});
  EXPECT_EQ(ops::DepthwiseConv2dNative(root, x, f, {1, 2, 2, 1}, "SAME").shape().DebugString(), "[?,14,14,24]");
  EXPECT_EQ(ops::DepthwiseConv2dNative(root, x, f, {1, 1, 1, 1}, "VALID").shape().DebugString(), "[?,26,26,24]");
  auto nchw = ops::Placeholder(root, DT_FLOAT, {4, 8, 10, -1});
  ops::Conv2DOptions o;
  o.data_format = "NCHW";
  EXPECT_EQ(ops::DepthwiseConv2dNative(root, nchw, f, {1, 1, 1, 1}, "VALID", o).shape().DebugString(), "[4,24,8,?]");
  EXPECT_EQ(ops::DepthwiseConv2dNativeBackpropInput(root, ops::Shape(root, x), f, ops::Placeholder(root, DT_FLOAT),
                                                    {1, 1, 1, 1}, "SAME")
                .shape()
                .DebugString(),
            "[?,28,28,8]");
  EXPECT_TRUE(root.ok()) << root.status();
}

TEST(DepthwiseConvErrorTest, BadInputsNameTheNode) {
  {
    Scope root = Scope::NewRootScope();
    ops::DepthwiseConv2dNative(root.WithOpName("dw"), ops::Placeholder(root, DT_FLOAT, {1, 5, 5, 3}),
                               ops::Placeholder(root, DT_FLOAT, {3, 3, 2, 1}), {1, 1, 1, 1}, "SAME");
    EXPECT_THAT(root.status().message(), HasSubstr("'dw'"));
    EXPECT_THAT(root.status().message(), HasSubstr("has 3 channels but filter of shape [3,3,2,1] expects 2"));
  }
  {
    Scope root = Scope::NewRootScope();
    ops::DepthwiseConv2dNative(root.WithOpName("dw"), ops::Placeholder(root, DT_FLOAT, {1, 5, 5, 3}),
                               ops::Placeholder(root, DT_FLOAT, {3, 3, 3, 1}), {1, 1, 1, 2}, "SAME");
    EXPECT_THAT(root.status().message(), HasSubstr("strides must be 1 on the batch and channel dims"));
  }
  {
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_FLOAT);
    auto f = ops::Placeholder(root, DT_FLOAT);
    auto y = ops::DepthwiseConv2dNative(root.WithOpName("dw"), x, f, {1, 1, 1, 1}, "SAME");
    auto out = test::RunGraph(root, {{x, test::Floats({1, 4, 4, 3})}, {f, test::Floats({2, 2, 2, 1})}}, {y});
    ASSERT_FALSE(out.ok());
    EXPECT_THAT(out.status().message(), HasSubstr("dw"));
    EXPECT_THAT(out.status().message(), HasSubstr("has 3 channels but filter of shape [2,2,2,1] expects 2"));
    auto dx =
        ops::DepthwiseConv2dNativeBackpropInput(root.WithOpName("back"), {1, 4, 4, 2}, f, x, {1, 1, 1, 1}, "SAME");
    auto out2 = test::RunGraph(root, {{x, test::Floats({1, 4, 4, 3})}, {f, test::Floats({2, 2, 2, 1})}}, {dx});
    ASSERT_FALSE(out2.ok());
    EXPECT_THAT(out2.status().message(), HasSubstr("back"));
    EXPECT_THAT(out2.status().message(),
                HasSubstr("out_backprop has shape [1,4,4,3] but the geometry needs [1,4,4,2]"));
  }
}

}  // namespace
}  // namespace sluice
