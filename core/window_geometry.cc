#include "core/window_geometry.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_join.h"

namespace sluice {
namespace {

// A length-4 list attr in data_format order, checked and returned as its (height, width) pair.
StatusOr<std::array<int64_t, 2>> SpatialPair(const AttrMap& attrs, const Window2DAttrs& w,
                                             const std::string& name, bool required) {
  if (!required && attrs.count(name) == 0) return std::array<int64_t, 2>{1, 1};
  std::vector<int64_t> v;
  SLUICE_RETURN_IF_ERROR(GetAttr(attrs, name, &v));
  if (v.size() != 4) {
    return errors::InvalidArgument(name, " must have 4 entries (one per dim of ",
                                   w.nchw ? "NCHW" : "NHWC", "), got [", absl::StrJoin(v, ","), "]");
  }
  for (int64_t x : v) {
    if (x < 1) return errors::InvalidArgument(name, " must be positive, got [", absl::StrJoin(v, ","), "]");
  }
  if (v[w.batch_dim()] != 1 || v[w.channel_dim()] != 1) {
    return errors::InvalidArgument(name, " must be 1 on the batch and channel dims, got [",
                                   absl::StrJoin(v, ","), "] with data_format ",
                                   w.nchw ? "NCHW" : "NHWC");
  }
  return std::array<int64_t, 2>{v[w.height_dim()], v[w.width_dim()]};
}

Status ReadCommon(const AttrMap& attrs, Window2DAttrs* w) {
  std::string format = "NHWC";
  if (attrs.count("data_format") > 0) SLUICE_RETURN_IF_ERROR(GetAttr(attrs, "data_format", &format));
  if (format != "NHWC" && format != "NCHW") {
    return errors::InvalidArgument("data_format must be NHWC or NCHW, got '", errors::Echo(format), "'");
  }
  w->nchw = format == "NCHW";
  std::string padding;
  SLUICE_RETURN_IF_ERROR(GetAttr(attrs, "padding", &padding));
  if (padding == "SAME") {
    w->padding = WindowPadding::kSame;
  } else if (padding == "VALID") {
    w->padding = WindowPadding::kValid;
  } else if (padding == "EXPLICIT") {
    w->padding = WindowPadding::kExplicit;
  } else {
    return errors::InvalidArgument("padding must be SAME, VALID or EXPLICIT, got '",
                                   errors::Echo(padding), "'");
  }
  SLUICE_ASSIGN_OR_RETURN(w->strides, SpatialPair(attrs, *w, "strides", /*required=*/true));
  return absl::OkStatus();
}

}  // namespace

StatusOr<Window2DAttrs> ReadConvAttrs(const AttrMap& attrs) {
  Window2DAttrs w;
  SLUICE_RETURN_IF_ERROR(ReadCommon(attrs, &w));
  SLUICE_ASSIGN_OR_RETURN(w.dilations, SpatialPair(attrs, w, "dilations", /*required=*/false));
  std::vector<int64_t> pads;
  if (attrs.count("explicit_paddings") > 0) {
    SLUICE_RETURN_IF_ERROR(GetAttr(attrs, "explicit_paddings", &pads));
  }
  if (w.padding != WindowPadding::kExplicit) {
    if (!pads.empty()) {
      return errors::InvalidArgument("explicit_paddings must be empty unless padding is EXPLICIT, got [",
                                     absl::StrJoin(pads, ","), "]");
    }
    return w;
  }
  if (pads.size() != 8) {
    return errors::InvalidArgument("explicit_paddings must have 8 entries (a pair per dim) with padding EXPLICIT, got [",
                                   absl::StrJoin(pads, ","), "]");
  }
  for (int64_t p : pads) {
    if (p < 0) {
      return errors::InvalidArgument("explicit_paddings must be non-negative, got [", absl::StrJoin(pads, ","), "]");
    }
  }
  const int n = w.batch_dim(), c = w.channel_dim(), h = w.height_dim(), x = w.width_dim();
  if (pads[2 * n] || pads[2 * n + 1] || pads[2 * c] || pads[2 * c + 1]) {
    return errors::InvalidArgument("explicit_paddings must be 0 on the batch and channel dims, got [",
                                   absl::StrJoin(pads, ","), "]");
  }
  w.explicit_pads = {pads[2 * h], pads[2 * h + 1], pads[2 * x], pads[2 * x + 1]};
  return w;
}

StatusOr<Window2DAttrs> ReadPoolAttrs(const AttrMap& attrs) {
  Window2DAttrs w;
  SLUICE_RETURN_IF_ERROR(ReadCommon(attrs, &w));
  if (w.padding == WindowPadding::kExplicit) {
    return errors::InvalidArgument("pooling padding must be SAME or VALID, got 'EXPLICIT'");
  }
  SLUICE_ASSIGN_OR_RETURN(w.ksize, SpatialPair(attrs, w, "ksize", /*required=*/true));
  return w;
}

StatusOr<WindowedDim> ComputeWindowedDim(int64_t input, int64_t window, int64_t dilation,
                                         int64_t stride, WindowPadding padding,
                                         int64_t pad_before, int64_t pad_after) {
  // Bounds that keep the arithmetic below far from int64 overflow on hostile graphs.
  constexpr int64_t kMaxWindowValue = (int64_t{1} << 31) - 1, kMaxInput = int64_t{1} << 60;
  if (input < 0 || input > kMaxInput || window < 1 || window > kMaxWindowValue || dilation < 1 ||
      dilation > kMaxWindowValue || stride < 1 || stride > kMaxWindowValue || pad_before < 0 ||
      pad_before > kMaxWindowValue || pad_after < 0 || pad_after > kMaxWindowValue) {
    return errors::InvalidArgument("window sizes out of range: input size ", input, ", window ", window,
                                   ", dilation ", dilation, ", stride ", stride, ", padding ", pad_before, "+",
                                   pad_after);
  }
  const int64_t effective = (window - 1) * dilation + 1;
  WindowedDim d;
  switch (padding) {
    case WindowPadding::kValid:
      d.output = (input - effective + stride) / stride;
      break;
    case WindowPadding::kSame: {
      d.output = (input + stride - 1) / stride;
      const int64_t needed = std::max<int64_t>(0, (d.output - 1) * stride + effective - input);
      d.pad_before = needed / 2;
      d.pad_after = needed - d.pad_before;
      break;
    }
    case WindowPadding::kExplicit:
      d.output = (input + pad_before + pad_after - effective + stride) / stride;
      d.pad_before = pad_before;
      d.pad_after = pad_after;
      break;
  }
  if (d.output < 0) {
    return errors::InvalidArgument("the output size would be negative: input size ", input,
                                   ", window ", window, " (dilation ", dilation, ", stride ", stride,
                                   ", padding ", pad_before, "+", pad_after, ")");
  }
  return d;
}

std::array<int64_t, 4> InDataFormat(const Window2DAttrs& attrs, int64_t batch, int64_t height,
                                    int64_t width, int64_t channels) {
  if (attrs.nchw) return {batch, channels, height, width};
  return {batch, height, width, channels};
}

}  // namespace sluice
