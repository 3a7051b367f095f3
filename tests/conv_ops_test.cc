// Convolution and pooling ops: forward results against naive loops written here (over output
// positions, in double, with TensorFlow's padding rules spelled out again) for a sweep of
// layouts, paddings, strides, dilations, odd sizes and channel counts, in float (oneDNN) and
// double; hand-computed cases; numeric gradient checks (double) of every differentiable op;
// MaxPoolGrad's first-max rule on ties; shape inference; one-line errors naming the node.
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/gradient_checker.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// ---- Naive references ------------------------------------------------------------------------

struct Case {
  int n = 1, h = 5, w = 5, c = 1;  // input
  int kh = 3, kw = 3, oc = 1;       // window (and output channels of a convolution)
  int sh = 1, sw = 1, dh = 1, dw = 1;
  std::string padding = "VALID";
  bool nchw = false;
  std::vector<int> pads = {0, 0, 0, 0};  // EXPLICIT: top, bottom, left, right

  std::string format() const { return nchw ? "NCHW" : "NHWC"; }
  std::vector<int> Image4(int a, int b) const { return nchw ? std::vector<int>{1, 1, a, b} : std::vector<int>{1, a, b, 1}; }
  TensorShape InputShape() const {
    return nchw ? TensorShape{n, c, h, w} : TensorShape{n, h, w, c};
  }
  std::vector<int> ExplicitPaddings() const {
    if (padding != "EXPLICIT") return {};
    if (nchw) return {0, 0, 0, 0, pads[0], pads[1], pads[2], pads[3]};
    return {0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0};
  }
  ops::Conv2DOptions Options() const {
    ops::Conv2DOptions o;
    o.data_format = format();
    o.dilations = Image4(dh, dw);
    o.explicit_paddings = ExplicitPaddings();
    return o;
  }
  std::string DebugString() const {
    return absl::StrCat(format(), " ", padding, " in [", n, ",", h, ",", w, ",", c, "] k [", kh, ",", kw,
                        "] oc ", oc, " stride ", sh, "x", sw, " dilation ", dh, "x", dw);
  }
};

// Output size and padding in front along one dim, by TF's rules (written out independently of
// core/window_geometry).
void Dim(const Case& k, int in, int window, int stride, int dilation, int pad_before, int pad_after, int* out,
         int* front) {
  const int effective = (window - 1) * dilation + 1;
  if (k.padding == "SAME") {
    *out = (in + stride - 1) / stride;
    const int total = std::max(0, (*out - 1) * stride + effective - in);
    *front = total / 2;
  } else if (k.padding == "VALID") {
    *out = (in - effective + stride) / stride;
    *front = 0;
  } else {
    *out = (in + pad_before + pad_after - effective) / stride + 1;
    *front = pad_before;
  }
}

struct Layout {
  bool nchw;
  int h, w, c;
  int64_t At(int b, int y, int x, int ch) const {
    return nchw ? ((int64_t{b} * c + ch) * h + y) * w + x : ((int64_t{b} * h + y) * w + x) * c + ch;
  }
};

double Value(const Tensor& t, int64_t i) {
  return t.dtype() == DT_DOUBLE ? t.data<double>()[i] : t.data<float>()[i];
}

// Direct convolution: every output element sums its window's taps.
Tensor NaiveConv(const Case& k, const Tensor& input, const Tensor& filter) {
  int oh, ow, top, left;
  Dim(k, k.h, k.kh, k.sh, k.dh, k.pads[0], k.pads[1], &oh, &top);
  Dim(k, k.w, k.kw, k.sw, k.dw, k.pads[2], k.pads[3], &ow, &left);
  Layout in{k.nchw, k.h, k.w, k.c}, out{k.nchw, oh, ow, k.oc};
  Tensor result(DT_DOUBLE, k.nchw ? TensorShape{k.n, k.oc, oh, ow} : TensorShape{k.n, oh, ow, k.oc});
  for (int b = 0; b < k.n; ++b) {
    for (int y = 0; y < oh; ++y) {
      for (int x = 0; x < ow; ++x) {
        for (int o = 0; o < k.oc; ++o) {
          double sum = 0;
          for (int i = 0; i < k.kh; ++i) {
            for (int j = 0; j < k.kw; ++j) {
              const int iy = y * k.sh + i * k.dh - top, ix = x * k.sw + j * k.dw - left;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              for (int ch = 0; ch < k.c; ++ch) {
                sum += Value(input, in.At(b, iy, ix, ch)) *
                       Value(filter, ((int64_t{i} * k.kw + j) * k.c + ch) * k.oc + o);
              }
            }
          }
          result.data<double>()[out.At(b, y, x, o)] = sum;
        }
      }
    }
  }
  return result;
}

// Direct pooling: the max, or the mean over the window's elements inside the image.
Tensor NaivePool(const Case& k, const Tensor& input, bool max) {
  int oh, ow, top, left;
  Dim(k, k.h, k.kh, k.sh, 1, 0, 0, &oh, &top);
  Dim(k, k.w, k.kw, k.sw, 1, 0, 0, &ow, &left);
  Layout in{k.nchw, k.h, k.w, k.c}, out{k.nchw, oh, ow, k.c};
  Tensor result(DT_DOUBLE, k.nchw ? TensorShape{k.n, k.c, oh, ow} : TensorShape{k.n, oh, ow, k.c});
  for (int b = 0; b < k.n; ++b) {
    for (int y = 0; y < oh; ++y) {
      for (int x = 0; x < ow; ++x) {
        for (int ch = 0; ch < k.c; ++ch) {
          double acc = max ? -INFINITY : 0;
          int count = 0;
          for (int i = 0; i < k.kh; ++i) {
            for (int j = 0; j < k.kw; ++j) {
              const int iy = y * k.sh + i - top, ix = x * k.sw + j - left;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              const double v = Value(input, in.At(b, iy, ix, ch));
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          }
          result.data<double>()[out.At(b, y, x, ch)] = max ? acc : acc / count;
        }
      }
    }
  }
  return result;
}

Tensor ToDouble(const Tensor& t) {
  Tensor d(DT_DOUBLE, t.shape());
  for (int64_t i = 0; i < t.NumElements(); ++i) d.data<double>()[i] = Value(t, i);
  return d;
}

Tensor F(std::vector<float> v, TensorShape shape) { return Tensor::FromVector(v, shape); }

// A shape as the int32 vector a size input (input_sizes, filter_sizes) takes.
Tensor Sizes(const TensorShape& shape) {
  return Tensor::FromVector(std::vector<int32_t>(shape.dims().begin(), shape.dims().end()));
}

// The cases of the forward sweep: both layouts, the three paddings, strides 1 and 2 (one of
// each per dim too), dilation 2, odd sizes, batch 2, 1 and 3 input channels.
std::vector<Case> ConvSweep() {
  std::vector<Case> cases;
  for (bool nchw : {false, true}) {
    for (const char* padding : {"SAME", "VALID", "EXPLICIT"}) {
      for (int stride : {1, 2}) {
        for (int dilation : {1, 2}) {
          for (int channels : {1, 3}) {
            Case k;
            k.nchw = nchw;
            k.padding = padding;
            k.n = 2;
            k.h = 9;
            k.w = 7;
            k.c = channels;
            k.kh = 3;
            k.kw = 2;
            k.oc = channels == 1 ? 1 : 4;
            k.sh = stride;
            k.sw = stride == 2 ? 1 : 2;
            k.dh = dilation;
            k.dw = dilation == 2 ? 1 : 2;
            k.pads = {1, 2, 0, 1};
            cases.push_back(k);
          }
        }
      }
    }
    // Explicit padding wider than the window, and a 1x1 window.
    Case wide;
    wide.nchw = nchw;
    wide.padding = "EXPLICIT";
    wide.n = 1, wide.h = 4, wide.w = 5, wide.c = 3, wide.kh = 2, wide.kw = 2, wide.oc = 2;
    wide.pads = {4, 3, 5, 2};
    cases.push_back(wide);
    Case pointwise = wide;
    pointwise.padding = "VALID", pointwise.kh = pointwise.kw = 1, pointwise.sh = 2;
    cases.push_back(pointwise);
  }
  return cases;
}

// ---- Conv2D forward --------------------------------------------------------------------------

TEST(Conv2DTest, HandComputedValid) {
  // input 3x3 = [1 2 3; 4 5 6; 7 8 9], filter 2x2 = [1 2; 3 4], VALID, stride 1:
  //   out(0,0) = 1*1 + 2*2 + 4*3 + 5*4 = 37    out(0,1) = 2*1 + 3*2 + 5*3 + 6*4 = 47
  //   out(1,0) = 4*1 + 5*2 + 7*3 + 8*4 = 67    out(1,1) = 5*1 + 6*2 + 8*3 + 9*4 = 77
  Scope root = Scope::NewRootScope();
  auto in = ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f}, {1, 3, 3, 1});
  auto f = ops::Const(root, {1.f, 2.f, 3.f, 4.f}, {2, 2, 1, 1});
  auto y = ops::Conv2D(root, in, f, {1, 1, 1, 1}, "VALID");
  test::ExpectTensorEqual(test::RunOne(root, y), F({37, 47, 67, 77}, {1, 2, 2, 1}));
  // SAME pads one row below and one column right (the extra padding goes behind):
  //   out(2,2) = 9*1 = 9, out(0,2) = 3*1 + 6*3 = 21.
  auto same = test::RunOne(root, ops::Conv2D(root, in, f, {1, 1, 1, 1}, "SAME"));
  test::ExpectTensorEqual(same, F({37, 47, 21, 67, 77, 33, 23, 26, 9}, {1, 3, 3, 1}));
}

TEST(Conv2DTest, SweepMatchesNaiveLoops) {
  for (const Case& k : ConvSweep()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      SCOPED_TRACE(k.DebugString() + (dt == DT_FLOAT ? " float" : " double"));
      Scope root = Scope::NewRootScope();
      Tensor in = dt == DT_FLOAT ? test::Floats(k.InputShape()) : test::Doubles(k.InputShape());
      TensorShape fs{k.kh, k.kw, k.c, k.oc};
      Tensor filter = dt == DT_FLOAT ? test::Floats(fs, 0.5, 0.1) : test::Doubles(fs, 0.5, 0.1);
      auto y = ops::Conv2D(root, in, filter, k.Image4(k.sh, k.sw), k.padding, k.Options());
      ASSERT_TRUE(root.ok()) << root.status();
      Tensor want = NaiveConv(k, in, filter);
      EXPECT_EQ(y.shape(), want.shape());
      Tensor got = test::RunOne(root, y);
      test::ExpectTensorNear(ToDouble(got), want, dt == DT_FLOAT ? 1e-5 : 1e-12);
    }
  }
}

TEST(Conv2DTest, LargerImagesMatchNaiveLoops) {
  // Big enough for oneDNN's optimized paths and the double loop's threads.
  for (bool nchw : {false, true}) {
    Case k;
    k.nchw = nchw;
    k.padding = "SAME";
    k.n = 3;
    k.h = 17;
    k.w = 19;
    k.c = 16;
    k.kh = k.kw = 3;
    k.oc = 32;
    k.sh = k.sw = 2;
    SCOPED_TRACE(k.DebugString());
    Scope root = Scope::NewRootScope();
    Tensor in = test::Floats(k.InputShape());
    Tensor filter = test::Floats({3, 3, 16, 32}, 0.2);
    auto y = ops::Conv2D(root, in, filter, k.Image4(2, 2), "SAME", k.Options());
    test::ExpectTensorNear(ToDouble(test::RunOne(root, y)), NaiveConv(k, in, filter), 1e-4);
  }
}

// ---- Conv2DBackpropInput / Filter against the adjoint identity --------------------------------

// <conv(x, f), g> = <x, conv_backprop_input(f, g)> = <f, conv_backprop_filter(x, g)>.
TEST(Conv2DTest, BackpropOpsAreAdjointsOfTheForward) {
  for (const Case& k : ConvSweep()) {
    for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
      SCOPED_TRACE(k.DebugString() + (dt == DT_FLOAT ? " float" : " double"));
      Scope root = Scope::NewRootScope();
      TensorShape fs{k.kh, k.kw, k.c, k.oc};
      Tensor x = dt == DT_FLOAT ? test::Floats(k.InputShape()) : test::Doubles(k.InputShape());
      Tensor f = dt == DT_FLOAT ? test::Floats(fs, 0.5, 0.1) : test::Doubles(fs, 0.5, 0.1);
      Tensor y = NaiveConv(k, x, f);
      Tensor g = dt == DT_FLOAT ? test::Floats(y.shape(), 1.0, 0.3) : test::Doubles(y.shape(), 1.0, 0.3);
      auto strides = k.Image4(k.sh, k.sw);
      auto dx = ops::Conv2DBackpropInput(root, Sizes(k.InputShape()), f, g, strides, k.padding, k.Options());
      auto df = ops::Conv2DBackpropFilter(root, x, Tensor::FromVector(std::vector<int>{k.kh, k.kw, k.c, k.oc}), g,
                                          strides, k.padding, k.Options());
      ASSERT_TRUE(root.ok()) << root.status();
      EXPECT_EQ(dx.shape(), x.shape());
      EXPECT_EQ(df.shape(), f.shape());
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

// With 16 or more channels each way NHWC convolutions run in oneDNN's blocked layouts (images
// reordered per call): the forward pass (alone and fused with BiasAdd + Relu), the input
// gradient and the filter gradient match the double loops element by element, also for channel
// counts that are no multiple of the block and strided, padded windows (the input gradient
// runs blocked from a batch of 16).
TEST(Conv2DTest, BlockedPassesMatchTheDoubleLoops) {
  struct Shape {
    int n, h, w, c, oc, k, stride;
    const char* padding;
  };
  for (const Shape& sh : {Shape{2, 9, 8, 16, 32, 3, 1, "SAME"}, Shape{3, 11, 7, 24, 40, 5, 2, "SAME"},
                          Shape{1, 10, 10, 17, 16, 3, 2, "VALID"}, Shape{16, 6, 5, 16, 24, 3, 1, "SAME"},
                          Shape{17, 7, 7, 20, 16, 3, 2, "SAME"}}) {
    SCOPED_TRACE(absl::StrCat(sh.c, " -> ", sh.oc, " k ", sh.k, " stride ", sh.stride, " ", sh.padding));
    Scope root = Scope::NewRootScope();
    const std::vector<int> strides = {1, sh.stride, sh.stride, 1};
    Tensor f = test::Doubles({sh.k, sh.k, sh.c, sh.oc}, 0.5, 0.1);
    auto probe = ops::Conv2D(root, test::Doubles({sh.n, sh.h, sh.w, sh.c}), f, strides, sh.padding);
    auto y = test::RunGraph(root, {}, {probe});
    ASSERT_TRUE(y.ok()) << y.status();
    Tensor g = test::Doubles((*y)[0].shape(), 1.0, 0.3);
    Tensor sizes = Sizes(TensorShape{sh.n, sh.h, sh.w, sh.c});
    auto dx_double = ops::Conv2DBackpropInput(root, sizes, f, g, strides, sh.padding);
    auto dx_float = ops::Conv2DBackpropInput(root, sizes, ops::Cast(root, f, DT_FLOAT), ops::Cast(root, g, DT_FLOAT),
                                             strides, sh.padding);
    Tensor x = test::Doubles({sh.n, sh.h, sh.w, sh.c}, 1.0, 0.2);
    Tensor filter_sizes = Tensor::FromVector(std::vector<int>{sh.k, sh.k, sh.c, sh.oc});
    auto df_double = ops::Conv2DBackpropFilter(root, x, filter_sizes, g, strides, sh.padding);
    auto df_float = ops::Conv2DBackpropFilter(root, ops::Cast(root, x, DT_FLOAT), filter_sizes,
                                              ops::Cast(root, g, DT_FLOAT), strides, sh.padding);
    Tensor bias = test::Doubles({sh.oc}, 0.5, -0.1);
    auto fwd = [&](DataType dt) {
      return ops::Relu(root, ops::BiasAdd(root, ops::Conv2D(root, ops::Cast(root, x, dt), ops::Cast(root, f, dt),
                                                            strides, sh.padding),
                                          ops::Cast(root, bias, dt)));
    };
    auto plain_float = ops::Conv2D(root, ops::Cast(root, x, DT_FLOAT), ops::Cast(root, f, DT_FLOAT), strides,
                                   sh.padding);
    auto plain_double = ops::Conv2D(root, x, f, strides, sh.padding);
    auto out = test::RunGraph(root, {}, {dx_double, dx_float, df_double, df_float, fwd(DT_DOUBLE), fwd(DT_FLOAT),
                                         plain_double, plain_float});
    ASSERT_TRUE(out.ok()) << out.status();
    for (int i = 0; i < 8; i += 2) {
      SCOPED_TRACE(i);
      test::ExpectTensorNear(ToDouble((*out)[i + 1]), (*out)[i], 2e-3);
    }
  }
}

// ---- Pooling forward -------------------------------------------------------------------------

TEST(PoolTest, AvgPoolSameDividesByTheValidElements) {
  // input 3x3 = [1..9], 2x2 windows, stride 2, SAME: one padded row below, one column right.
  //   (0,0) = (1+2+4+5)/4 = 3     (0,1) = (3+6)/2 = 4.5
  //   (1,0) = (7+8)/2 = 7.5       (1,1) = 9/1 = 9
  Scope root = Scope::NewRootScope();
  auto in = ops::Const(root, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f, 9.f}, {1, 3, 3, 1});
  auto avg = ops::AvgPool(root, in, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  test::ExpectTensorEqual(test::RunOne(root, avg), F({3, 4.5, 7.5, 9}, {1, 2, 2, 1}));
  auto max = ops::MaxPool(root, ops::Neg(root, in), {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  test::ExpectTensorEqual(test::RunOne(root, max), F({-1, -3, -7, -9}, {1, 2, 2, 1}));
}

TEST(PoolTest, SweepMatchesNaiveLoops) {
  for (bool nchw : {false, true}) {
    for (const char* padding : {"SAME", "VALID"}) {
      for (int window : {2, 3}) {
        for (int stride : {1, 2, 3}) {
          Case k;
          k.nchw = nchw;
          k.padding = padding;
          k.n = 2;
          k.h = 7;
          k.w = 6;
          k.c = 3;
          k.kh = window;
          k.kw = window == 2 ? 3 : 2;
          k.sh = stride;
          k.sw = stride == 1 ? 2 : stride;
          for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
            SCOPED_TRACE(k.DebugString() + (dt == DT_FLOAT ? " float" : " double"));
            Scope root = Scope::NewRootScope();
            Tensor in = dt == DT_FLOAT ? test::Floats(k.InputShape()) : test::Doubles(k.InputShape());
            auto ksize = k.Image4(k.kh, k.kw), strides = k.Image4(k.sh, k.sw);
            auto max = ops::MaxPool(root, in, ksize, strides, padding, k.format());
            auto avg = ops::AvgPool(root, in, ksize, strides, padding, k.format());
            // AvgPoolGrad is AvgPool's adjoint: <avg_pool(x), g> = <x, avg_pool_grad(g)>.
            Tensor want_max = NaivePool(k, in, true), want_avg = NaivePool(k, in, false);
            Tensor g = dt == DT_FLOAT ? test::Floats(want_avg.shape(), 1, 0.2) : test::Doubles(want_avg.shape(), 1, 0.2);
            auto dx = ops::AvgPoolGrad(root, Sizes(k.InputShape()), g, ksize, strides, padding, k.format());
            ASSERT_TRUE(root.ok()) << root.status();
            auto out = test::RunGraph(root, {}, {max, avg, dx});
            ASSERT_TRUE(out.ok()) << out.status();
            EXPECT_EQ(max.shape(), want_max.shape());
            test::ExpectTensorNear(ToDouble((*out)[0]), want_max, 0);
            test::ExpectTensorNear(ToDouble((*out)[1]), want_avg, dt == DT_FLOAT ? 1e-6 : 1e-14);
            double avg_g = 0, x_dx = 0;
            for (int64_t i = 0; i < g.NumElements(); ++i) avg_g += Value(want_avg, i) * Value(g, i);
            for (int64_t i = 0; i < in.NumElements(); ++i) x_dx += Value(in, i) * Value((*out)[2], i);
            EXPECT_NEAR(x_dx, avg_g, dt == DT_FLOAT ? 1e-5 : 1e-12);
          }
        }
      }
    }
  }
}

// ---- MaxPoolGrad routing ---------------------------------------------------------------------

TEST(PoolTest, MaxPoolGradRoutesTiesToTheFirstMax) {
  for (DataType dt : {DT_FLOAT, DT_DOUBLE}) {
    Scope root = Scope::NewRootScope();
    auto cast = [&](const Tensor& t) { return ops::Cast(root, ops::Const(root, t), dt); };
    // One 2x2 window of equal values: the top-left one gets the gradient.
    auto x = cast(F({5, 5, 5, 5}, {1, 2, 2, 1}));
    auto y = ops::MaxPool(root, x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
    auto dx = ops::MaxPoolGrad(root, x, y, cast(F({7}, {1, 1, 1, 1})), {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
    // Overlapping windows over [1 3 3 0], width 2, stride 1: (1,3) and (3,3) pick index 1, (3,0)
    // index 2.
    auto x2 = cast(F({1, 3, 3, 0}, {1, 1, 4, 1}));
    auto y2 = ops::MaxPool(root, x2, {1, 1, 2, 1}, {1, 1, 1, 1}, "VALID");
    auto dx2 = ops::MaxPoolGrad(root, x2, y2, cast(F({1, 10, 100}, {1, 1, 3, 1})), {1, 1, 2, 1},
                                {1, 1, 1, 1}, "VALID");
    // NCHW, a tie inside a 2x2 window of a 2x3 image, SAME: [2 9 9; 9 1 4].
    auto x3 = cast(F({2, 9, 9, 9, 1, 4}, {1, 1, 2, 3}));
    auto y3 = ops::MaxPool(root, x3, {1, 1, 2, 2}, {1, 1, 2, 2}, "SAME", "NCHW");
    auto dx3 = ops::MaxPoolGrad(root, x3, y3, cast(F({1, 2}, {1, 1, 1, 2})), {1, 1, 2, 2}, {1, 1, 2, 2},
                                "SAME", "NCHW");
    auto out = test::RunGraph(root, {}, {dx, dx2, dx3});
    ASSERT_TRUE(out.ok()) << out.status();
    test::ExpectTensorEqual(ToDouble((*out)[0]), ToDouble(F({7, 0, 0, 0}, {1, 2, 2, 1})));
    test::ExpectTensorEqual(ToDouble((*out)[1]), ToDouble(F({0, 11, 100, 0}, {1, 1, 4, 1})));
    test::ExpectTensorEqual(ToDouble((*out)[2]), ToDouble(F({0, 1, 2, 0, 0, 0}, {1, 1, 2, 3})));
  }
}

// NHWC runs the channels of a window position together (and writes disjoint windows without a
// zeroing pass); NCHW keeps the loop per channel. On values from a small set (ties everywhere),
// overlapping, disjoint, tiling and gapped windows, several images and channels, both route
// every gradient to the same element, and elements outside every window get zero.
TEST(PoolTest, MaxPoolGradAgreesAcrossLayoutsOnTies) {
  struct Window {
    int h, w, k, stride;
    const char* padding;
  };
  for (const Window& win : {Window{7, 6, 3, 2, "SAME"}, Window{8, 6, 2, 2, "VALID"}, Window{7, 7, 2, 2, "SAME"},
                            Window{7, 7, 2, 2, "VALID"}, Window{8, 7, 2, 3, "VALID"}}) {
    SCOPED_TRACE(absl::StrCat(win.h, "x", win.w, " window ", win.k, " stride ", win.stride, " ", win.padding));
    const int n = 3, c = 5;
    std::vector<float> values(n * win.h * win.w * c), grads;
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((i * 7919 + i / 3) % 4);
    Scope root = Scope::NewRootScope();
    auto x = ops::Const(root, F(values, {n, win.h, win.w, c}));
    const std::vector<int> ksize = {1, win.k, win.k, 1}, strides = {1, win.stride, win.stride, 1};
    auto y = ops::MaxPool(root, x, ksize, strides, win.padding);
    auto shape = test::RunGraph(root, {}, {y});
    ASSERT_TRUE(shape.ok()) << shape.status();
    for (int64_t i = 0; i < (*shape)[0].NumElements(); ++i) grads.push_back(static_cast<float>(i + 1));
    auto dy = ops::Const(root, F(grads, (*shape)[0].shape()));
    auto dx = ops::MaxPoolGrad(root, x, y, dy, ksize, strides, win.padding);
    auto to_nchw = [&](const Output& t) { return ops::Transpose(root, t, {0, 3, 1, 2}); };
    const std::vector<int> ksize_nchw = {1, 1, win.k, win.k}, strides_nchw = {1, 1, win.stride, win.stride};
    auto y_nchw = ops::MaxPool(root, to_nchw(x), ksize_nchw, strides_nchw, win.padding, "NCHW");
    auto dx_nchw =
        ops::MaxPoolGrad(root, to_nchw(x), y_nchw, to_nchw(dy), ksize_nchw, strides_nchw, win.padding, "NCHW");
    auto out = test::RunGraph(root, {}, {dx, ops::Transpose(root, dx_nchw, {0, 2, 3, 1})});
    ASSERT_TRUE(out.ok()) << out.status();
    test::ExpectTensorEqual((*out)[0], (*out)[1]);
    double sum_dx = 0, sum_dy = 0;
    for (int64_t i = 0; i < (*out)[0].NumElements(); ++i) sum_dx += (*out)[0].data<float>()[i];
    for (float g : grads) sum_dy += g;
    EXPECT_EQ(sum_dx, sum_dy);  // every window's gradient lands somewhere, once
    if (win.stride > win.k) {   // the rows and columns between windows get nothing
      for (int b = 0; b < n; ++b) {
        for (int ch = 0; ch < c; ++ch) {
          EXPECT_EQ((*out)[0].data<float>()[((b * win.h + win.k) * win.w + 0) * c + ch], 0.0f);
        }
      }
    }
  }
}

// ---- Numeric gradients (double) --------------------------------------------------------------

void ExpectGradientOk(const Scope& root, const std::vector<Output>& xs, const std::vector<Tensor>& values,
                      const Output& y, double tol = 1e-8) {
  ASSERT_TRUE(root.ok()) << root.status();
  auto err = test::ComputeGradientError(root, xs, values, y);
  ASSERT_TRUE(err.ok()) << err.status();
  EXPECT_LT(*err, tol);
}

std::vector<Case> GradientCases() {
  Case a;  // NHWC SAME stride 2
  a.n = 2, a.h = 5, a.w = 4, a.c = 2, a.kh = 3, a.kw = 2, a.oc = 3, a.sh = 2, a.sw = 1;
  a.padding = "SAME";
  Case b = a;  // NCHW VALID dilation 2
  b.nchw = true, b.padding = "VALID", b.n = 1, b.h = 6, b.w = 5, b.sh = 1, b.dh = 2, b.dw = 2;
  Case c = a;  // NHWC EXPLICIT
  c.padding = "EXPLICIT", c.pads = {1, 0, 2, 1}, c.n = 1;
  return {a, b, c};
}

TEST(ConvGradientTest, Conv2DInputAndFilter) {
  for (const Case& k : GradientCases()) {
    SCOPED_TRACE(k.DebugString());
    Scope root = Scope::NewRootScope();
    auto x = ops::Placeholder(root, DT_DOUBLE, k.InputShape());
    auto f = ops::Placeholder(root, DT_DOUBLE, {k.kh, k.kw, k.c, k.oc});
    auto y = ops::Conv2D(root, x, f, k.Image4(k.sh, k.sw), k.padding, k.Options());
    ExpectGradientOk(root, {x, f}, {test::Doubles(k.InputShape()), test::Doubles({k.kh, k.kw, k.c, k.oc}, 0.5)},
                     y);
  }
}

TEST(ConvGradientTest, Conv2DBackpropInputAsTransposedConvolution) {
  for (const Case& k : GradientCases()) {
    SCOPED_TRACE(k.DebugString());
    Scope root = Scope::NewRootScope();
    Tensor probe = NaiveConv(k, test::Doubles(k.InputShape()), test::Doubles({k.kh, k.kw, k.c, k.oc}));
    auto f = ops::Placeholder(root, DT_DOUBLE, {k.kh, k.kw, k.c, k.oc});
    auto g = ops::Placeholder(root, DT_DOUBLE, probe.shape());
    auto y = ops::Conv2DBackpropInput(root, Sizes(k.InputShape()), f, g, k.Image4(k.sh, k.sw), k.padding,
                                      k.Options());
    ExpectGradientOk(root, {f, g}, {test::Doubles({k.kh, k.kw, k.c, k.oc}, 0.5), test::Doubles(probe.shape())}, y);
  }
}

TEST(ConvGradientTest, Conv2DBackpropFilter) {
  const Case k = GradientCases()[0];
  Scope root = Scope::NewRootScope();
  Tensor probe = NaiveConv(k, test::Doubles(k.InputShape()), test::Doubles({k.kh, k.kw, k.c, k.oc}));
  auto x = ops::Placeholder(root, DT_DOUBLE, k.InputShape());
  auto g = ops::Placeholder(root, DT_DOUBLE, probe.shape());
  auto y = ops::Conv2DBackpropFilter(root, x, Tensor::FromVector(std::vector<int>{k.kh, k.kw, k.c, k.oc}), g,
                                     k.Image4(k.sh, k.sw), k.padding, k.Options());
  ExpectGradientOk(root, {x, g}, {test::Doubles(k.InputShape()), test::Doubles(probe.shape())}, y);
}

TEST(PoolGradientTest, MaxPoolWithoutTies) {
  for (bool nchw : {false, true}) {
    for (const char* padding : {"SAME", "VALID"}) {
      Scope root = Scope::NewRootScope();
      TensorShape shape = nchw ? TensorShape{2, 2, 5, 4} : TensorShape{2, 5, 4, 2};
      // Doubles' values sin(1.3 i + 0.4) are distinct, far apart next to the 1e-6 step.
      auto x = ops::Placeholder(root, DT_DOUBLE, shape);
      std::vector<int> ksize = nchw ? std::vector<int>{1, 1, 3, 2} : std::vector<int>{1, 3, 2, 1};
      std::vector<int> strides = nchw ? std::vector<int>{1, 1, 2, 1} : std::vector<int>{1, 2, 1, 1};
      auto y = ops::MaxPool(root, x, ksize, strides, padding, nchw ? "NCHW" : "NHWC");
      ExpectGradientOk(root, {x}, {test::Doubles(shape)}, y);
    }
  }
}

TEST(PoolGradientTest, AvgPoolAndItsGradient) {
  for (bool nchw : {false, true}) {
    for (const char* padding : {"SAME", "VALID"}) {
      Scope root = Scope::NewRootScope();
      TensorShape shape = nchw ? TensorShape{2, 2, 5, 4} : TensorShape{2, 5, 4, 2};
      const std::string format = nchw ? "NCHW" : "NHWC";
      auto x = ops::Placeholder(root, DT_DOUBLE, shape);
      std::vector<int> ksize = nchw ? std::vector<int>{1, 1, 3, 2} : std::vector<int>{1, 3, 2, 1};
      std::vector<int> strides = nchw ? std::vector<int>{1, 1, 2, 2} : std::vector<int>{1, 2, 2, 1};
      auto y = ops::AvgPool(root, x, ksize, strides, padding, format);
      ExpectGradientOk(root, {x}, {test::Doubles(shape)}, y);
      // AvgPoolGrad's own gradient (with respect to grad) is AvgPool.
      Scope root2 = Scope::NewRootScope();
      auto probe = ops::AvgPool(root2, test::Doubles(shape), ksize, strides, padding, format);
      auto g = ops::Placeholder(root2, DT_DOUBLE, probe.shape());
      auto dx = ops::AvgPoolGrad(root2, Sizes(shape), g, ksize, strides, padding, format);
      ExpectGradientOk(root2, {g}, {test::Doubles(probe.shape())}, dx);
    }
  }
}

// A float transposed-convolution decoder trains: the loss of reconstructing a fixed image falls.
TEST(ConvGradientTest, ConvTransposeDecoderTrainsInFloat) {
  Scope root = Scope::NewRootScope();
  auto code = ops::Const(root, test::Floats({2, 3, 3, 4}));
  auto target = ops::Const(root, test::Floats({2, 6, 6, 1}, 0.5));
  auto filter = ops::Placeholder(root, DT_FLOAT, {3, 3, 1, 4});
  auto recon = ops::Conv2DBackpropInput(root, {2, 6, 6, 1}, filter, code, {1, 2, 2, 1}, "SAME");
  auto loss = ops::L2Loss(root, ops::Sub(root, recon, target));
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {filter}, &grads));
  Session session(root);
  Tensor f = test::Floats({3, 3, 1, 4}, 0.1);
  double first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    std::vector<Tensor> out;
    ASSERT_OK(session.Run({{filter, f}}, {loss, grads[0]}, {}, &out));
    if (step == 0) first = out[0].scalar<float>();
    last = out[0].scalar<float>();
    for (int64_t i = 0; i < f.NumElements(); ++i) f.data<float>()[i] -= 0.01f * out[1].data<float>()[i];
  }
  EXPECT_LT(last, 0.5 * first);
}

// ---- Shape inference -------------------------------------------------------------------------

TEST(ConvShapeTest, OutputShapesFollowTensorFlow) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 28, 28, 1});
  auto f = ops::Placeholder(root, DT_FLOAT, {5, 5, 1, 32});
  EXPECT_EQ(ops::Conv2D(root, x, f, {1, 2, 2, 1}, "SAME").shape().DebugString(), "[?,14,14,32]");
  EXPECT_EQ(ops::Conv2D(root, x, f, {1, 2, 2, 1}, "VALID").shape().DebugString(), "[?,12,12,32]");
  ops::Conv2DOptions pad;
  pad.explicit_paddings = {0, 0, 2, 1, 0, 3, 0, 0};
  EXPECT_EQ(ops::Conv2D(root, x, f, {1, 1, 3, 1}, "EXPLICIT", pad).shape().DebugString(), "[?,27,9,32]");
  auto nchw = ops::Placeholder(root, DT_FLOAT, {8, 3, 32, -1});
  ops::Conv2DOptions dilated;
  dilated.data_format = "NCHW";
  dilated.dilations = {1, 1, 2, 2};
  EXPECT_EQ(ops::Conv2D(root, nchw, ops::Placeholder(root, DT_FLOAT, {3, 3, 3, 16}), {1, 1, 1, 1}, "VALID", dilated)
                .shape()
                .DebugString(),
            "[8,16,28,?]");
  // Backprop shapes come from the size inputs: a constant, or the Shape of a partial shape.
  auto dy = ops::Placeholder(root, DT_FLOAT, {-1, 14, 14, 32});
  EXPECT_EQ(ops::Conv2DBackpropInput(root, ops::Shape(root, x), f, dy, {1, 2, 2, 1}, "SAME").shape().DebugString(),
            "[?,28,28,1]");
  EXPECT_EQ(ops::Conv2DBackpropFilter(root, x, {5, 5, 1, 32}, dy, {1, 2, 2, 1}, "SAME").shape().DebugString(),
            "[5,5,1,32]");
  auto p = ops::Placeholder(root, DT_FLOAT, {-1, 7, 7, 3});
  EXPECT_EQ(ops::MaxPool(root, p, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME").shape().DebugString(), "[?,4,4,3]");
  EXPECT_EQ(ops::AvgPool(root, p, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID").shape().DebugString(), "[?,3,3,3]");
  EXPECT_EQ(ops::AvgPoolGrad(root, {4, 7, 7, 3}, ops::Placeholder(root, DT_FLOAT), {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID")
                .shape()
                .DebugString(),
            "[4,7,7,3]");
  EXPECT_TRUE(root.ok()) << root.status();
}

// ---- Errors ----------------------------------------------------------------------------------

std::string BuildError(const std::function<void(const Scope&)>& build) {
  Scope root = Scope::NewRootScope();
  build(root);
  return std::string(root.status().message());
}

TEST(ConvErrorTest, BadInputsAreOneLineErrorsNamingTheNode) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {BuildError([](const Scope& s) {
         ops::Conv2D(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 3, 4}),
                     ops::Placeholder(s, DT_FLOAT, {1, 1, 4, 4}), {1, 1, 1, 1}, "SAME");
       }),
       "input must be 4-D (NHWC), got shape [2,3,4]"},
      {BuildError([](const Scope& s) {
         ops::Conv2D(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 8, 8, 3}),
                     ops::Placeholder(s, DT_FLOAT, {3, 3, 2, 4}), {1, 1, 1, 1}, "SAME");
       }),
       "input of shape [2,8,8,3] has 3 channels but filter of shape [3,3,2,4] expects 2"},
      {BuildError([](const Scope& s) {
         ops::Conv2D(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 8, 8, 3}),
                     ops::Placeholder(s, DT_FLOAT, {3, 3, 3, 4}), {1, 1, 1, 1}, "FULL");
       }),
       "padding"},
      {BuildError([](const Scope& s) {
         ops::Conv2D(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 8, 8, 3}),
                     ops::Placeholder(s, DT_FLOAT, {3, 3, 3, 4}), {2, 1, 1, 1}, "SAME");
       }),
       "strides must be 1 on the batch and channel dims, got [2,1,1,1] with data_format NHWC"},
      {BuildError([](const Scope& s) {
         ops::Conv2D(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 1, 1, 3}),
                     ops::Placeholder(s, DT_FLOAT, {3, 3, 3, 4}), {1, 1, 1, 1}, "VALID");
       }),
       "the output size would be negative"},
      {BuildError([](const Scope& s) {
         ops::MaxPool(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 8, 8, 3}), {1, 2, 2, 1}, {1, 1, 1, 2},
                      "SAME");
       }),
       "strides must be 1 on the batch and channel dims"},
      {BuildError([](const Scope& s) {
         ops::AvgPool(s.WithOpName("c"), ops::Placeholder(s, DT_FLOAT, {2, 8, 8, 3}), {1, 2, 2}, {1, 1, 1, 1},
                      "SAME");
       }),
       "ksize"},
      {BuildError([](const Scope& s) {
         ops::Conv2DBackpropInput(s.WithOpName("c"), {1, 4, 4}, ops::Placeholder(s, DT_FLOAT),
                                  ops::Placeholder(s, DT_FLOAT), {1, 1, 1, 1}, "SAME");
       }),
       "input_sizes must have 4 entries, got shape [1,4,4]"},
  };
  for (const auto& [message, want] : cases) {
    EXPECT_THAT(message, HasSubstr("node 'c' (op "));
    EXPECT_THAT(message, HasSubstr(want));
    EXPECT_THAT(message, Not(HasSubstr("\n")));
  }
}

TEST(ConvErrorTest, RunTimeShapeErrorsNameTheNode) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT);
  auto f = ops::Placeholder(root, DT_FLOAT);
  auto y = ops::Conv2D(root.WithOpName("conv"), x, f, {1, 1, 1, 1}, "SAME");
  auto out = test::RunGraph(root, {{x, test::Floats({1, 4, 4, 3})}, {f, test::Floats({2, 2, 2, 1})}}, {y});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("conv"));
  EXPECT_THAT(out.status().message(), HasSubstr("has 3 channels but filter of shape [2,2,2,1] expects 2"));
  EXPECT_THAT(out.status().message(), Not(HasSubstr("\n")));
  // out_backprop that does not match the geometry of input_sizes and the filter.
  auto dx = ops::Conv2DBackpropInput(root.WithOpName("back"), {1, 4, 4, 2}, f, x, {1, 1, 1, 1}, "SAME");
  auto out2 = test::RunGraph(root, {{x, test::Floats({1, 4, 3, 1})}, {f, test::Floats({2, 2, 2, 1})}}, {dx});
  ASSERT_FALSE(out2.ok());
  EXPECT_THAT(out2.status().message(), HasSubstr("back"));
  EXPECT_THAT(out2.status().message(), HasSubstr("out_backprop has shape [1,4,3,1] but the geometry needs [1,4,4,1]"));
}

// ---- TensorFlow graphs and concurrency --------------------------------------------------------

// The nodes a TF 1.x conv net writes (tf.nn.conv2d, max_pool, avg_pool, conv2d_transpose),
// without explicit_paddings (older than TF 1.14) and with TF's bookkeeping attrs, load and
// compute what the builders' graph computes.
TEST(ConvGraphDefTest, TensorFlowNodesLoadAndRun) {
  constexpr char kText[] = R"pb(
    node { name: "x" op: "Placeholder" attr { key: "dtype" value { type: DT_FLOAT } }
           attr { key: "shape" value { shape { dim { size: -1 } dim { size: 6 } dim { size: 6 } dim { size: 2 } } } } }
    node { name: "w" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } }
           attr { key: "value" value { tensor { dtype: DT_FLOAT
             tensor_shape { dim { size: 2 } dim { size: 2 } dim { size: 2 } dim { size: 3 } }
             float_val: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0, 1.1, 1.2,
                         -0.5, 0.25, 0.125, 0.3, -0.7, 0.9, 0.2, 0.1, -0.4, 0.6, 0.05, -1.0] } } } }
    node { name: "conv" op: "Conv2D" input: "x" input: "w"
           attr { key: "T" value { type: DT_FLOAT } }
           attr { key: "strides" value { list { i: [1, 2, 2, 1] } } }
           attr { key: "padding" value { s: "SAME" } }
           attr { key: "data_format" value { s: "NHWC" } }
           attr { key: "use_cudnn_on_gpu" value { b: true } }
           attr { key: "dilations" value { list { i: [1, 1, 1, 1] } } }
           attr { key: "_output_shapes" value { list { shape { unknown_rank: true } } } } }
    node { name: "pool" op: "MaxPool" input: "conv"
           attr { key: "T" value { type: DT_FLOAT } }
           attr { key: "ksize" value { list { i: [1, 2, 2, 1] } } }
           attr { key: "strides" value { list { i: [1, 1, 1, 1] } } }
           attr { key: "padding" value { s: "VALID" } }
           attr { key: "data_format" value { s: "NHWC" } } }
    node { name: "avg" op: "AvgPool" input: "conv"
           attr { key: "T" value { type: DT_FLOAT } }
           attr { key: "ksize" value { list { i: [1, 3, 3, 1] } } }
           attr { key: "strides" value { list { i: [1, 2, 2, 1] } } }
           attr { key: "padding" value { s: "SAME" } } }
    node { name: "sizes" op: "Const" attr { key: "dtype" value { type: DT_INT32 } }
           attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { dim { size: 4 } }
                                                int_val: [2, 6, 6, 2] } } } }
    node { name: "deconv" op: "Conv2DBackpropInput" input: "sizes" input: "w" input: "conv"
           attr { key: "T" value { type: DT_FLOAT } }
           attr { key: "strides" value { list { i: [1, 2, 2, 1] } } }
           attr { key: "padding" value { s: "SAME" } } }
  )pb";
  GraphDef graph_def;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kText, &graph_def));
  auto session = Session::Create(graph_def);
  ASSERT_OK(session.status());
  Tensor x = test::Floats({2, 6, 6, 2});
  std::vector<Tensor> got;
  ASSERT_OK((*session)->Run({{"x", x}}, {"conv", "pool", "avg", "deconv"}, {}, &got));

  Scope root = Scope::NewRootScope();
  Tensor w(DT_FLOAT, {2, 2, 2, 3});
  for (int i = 0; i < 24; ++i) w.data<float>()[i] = graph_def.node(1).attr().at("value").tensor().float_val(i);
  auto conv = ops::Conv2D(root, x, w, {1, 2, 2, 1}, "SAME");
  auto pool = ops::MaxPool(root, conv, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID");
  auto avg = ops::AvgPool(root, conv, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
  auto deconv = ops::Conv2DBackpropInput(root, {2, 6, 6, 2}, w, conv, {1, 2, 2, 1}, "SAME");
  auto want = test::RunGraph(root, {}, {conv, pool, avg, deconv});
  ASSERT_OK(want.status());
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].shape().DebugString(), "[2,3,3,3]");
  EXPECT_EQ(got[1].shape().DebugString(), "[2,2,2,3]");
  EXPECT_EQ(got[2].shape().DebugString(), "[2,2,2,3]");
  for (int i = 0; i < 4; ++i) test::ExpectTensorEqual(got[i], (*want)[i]);
}

// One session run from several threads at once, with batch sizes that make each kernel build
// and reuse several primitives, gives every thread the single-threaded results.
TEST(ConvConcurrencyTest, ConcurrentRunsShareKernelsSafely) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, {-1, 9, 9, 3});
  auto w = ops::Const(root, test::Floats({3, 3, 3, 8}, 0.3));
  auto conv = ops::Relu(root, ops::Conv2D(root, x, w, {1, 1, 1, 1}, "SAME"));
  auto pool = ops::AvgPool(root, ops::MaxPool(root, conv, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME"), {1, 2, 2, 1},
                           {1, 1, 1, 1}, "VALID");
  auto loss = ops::L2Loss(root, pool);
  std::vector<Output> grads;
  ASSERT_OK(AddSymbolicGradients(root, {loss}, {x}, &grads));
  Session session(root);
  std::vector<std::vector<Tensor>> want(3);
  for (int b = 1; b <= 3; ++b) ASSERT_OK(session.Run({{x, test::Floats({b, 9, 9, 3})}}, {pool, grads[0]}, &want[b - 1]));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const int b = 1 + (i + t) % 3;
        std::vector<Tensor> out;
        Status s = session.Run({{x, test::Floats({b, 9, 9, 3})}}, {pool, grads[0]}, &out);
        // Not bit for bit: oneDNN may split a reduction differently with another thread count.
        bool same = s.ok();
        for (int k = 0; same && k < 2; ++k) {
          same = out[k].shape() == want[b - 1][k].shape();
          for (int64_t e = 0; same && e < out[k].NumElements(); ++e) {
            same = std::fabs(out[k].data<float>()[e] - want[b - 1][k].data<float>()[e]) <= 1e-5f;
          }
        }
        if (!same) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace sluice
