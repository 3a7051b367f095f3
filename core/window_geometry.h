// The geometry of 2-D windowed ops (Conv2D, MaxPool, AvgPool and their gradients): their attrs
// (strides, ksize, dilations, padding, explicit_paddings, data_format) read and checked once,
// and the output size and padding of each spatial dimension by TensorFlow's rules
// (GetWindowedOutputSizeVerbose). Shape functions and kernels both use it, so a graph that
// infers shapes runs with the same ones.
#ifndef SLUICE_CORE_WINDOW_GEOMETRY_H_
#define SLUICE_CORE_WINDOW_GEOMETRY_H_

#include <array>
#include <cstdint>
#include <string>

#include "core/attr_value.h"
#include "core/status.h"

namespace sluice {

enum class WindowPadding { kSame, kValid, kExplicit };

// The attrs of a 2-D windowed op, in (height, width) order whatever the data_format.
struct Window2DAttrs {
  bool nchw = false;                    // data_format "NCHW" (else "NHWC")
  WindowPadding padding = WindowPadding::kValid;
  std::array<int64_t, 2> strides = {1, 1};
  std::array<int64_t, 2> dilations = {1, 1};
  std::array<int64_t, 2> ksize = {0, 0};  // pooling only; a convolution's comes from its filter
  // EXPLICIT only: {top, bottom, left, right}.
  std::array<int64_t, 4> explicit_pads = {0, 0, 0, 0};

  int batch_dim() const { return 0; }
  int channel_dim() const { return nchw ? 1 : 3; }
  int height_dim() const { return nchw ? 2 : 1; }
  int width_dim() const { return nchw ? 3 : 2; }
};

// Reads a convolution's attrs: strides, padding, data_format, dilations (default 1) and
// explicit_paddings. An error (one line) names the attr: strides or dilations not of length 4,
// not positive, or not 1 on the batch and channel dims; explicit_paddings not 8 non-negative
// values with zeros on the batch and channel dims when padding is EXPLICIT, or not empty when
// it is not.
StatusOr<Window2DAttrs> ReadConvAttrs(const AttrMap& attrs);
// Reads a pooling op's attrs: ksize, strides, padding (SAME or VALID) and data_format, with the
// same checks (ksize and strides of length 4, positive, 1 on the batch and channel dims).
StatusOr<Window2DAttrs> ReadPoolAttrs(const AttrMap& attrs);

// One spatial dimension of a windowed op's output.
struct WindowedDim {
  int64_t output = 0;
  int64_t pad_before = 0;  // padding added in front (top or left)
  int64_t pad_after = 0;   // padding added behind; oneDNN's padding_r
};

// TensorFlow's output size for an input of size `input` (>= 0), a window of `window` taps spaced
// `dilation` apart, moved by `stride`: SAME gives ceil(input / stride) with the padding split
// as evenly as possible (the extra one behind); VALID gives
// ceil((input - (window - 1) * dilation) / stride) and no padding; EXPLICIT uses `pad_before` and
// `pad_after`. An error names the sizes when the output would be negative or when a size is
// out of range (an input over 2^60; a window, dilation, stride or padding under its minimum of
// 1, or 0 for paddings, or over 2^31 - 1).
StatusOr<WindowedDim> ComputeWindowedDim(int64_t input, int64_t window, int64_t dilation,
                                         int64_t stride, WindowPadding padding,
                                         int64_t pad_before = 0, int64_t pad_after = 0);

// The dims of a [batch, height, width, channels] tensor (NHWC order) laid out in `attrs`'s
// data_format, for building shapes.
std::array<int64_t, 4> InDataFormat(const Window2DAttrs& attrs, int64_t batch, int64_t height,
                                    int64_t width, int64_t channels);

}  // namespace sluice

#endif  // SLUICE_CORE_WINDOW_GEOMETRY_H_
