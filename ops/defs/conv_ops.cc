// Convolution and pooling ops: schemas and shape functions, with TensorFlow 1.x's names, inputs,
// attrs and defaults (the client builders and gradients are in ops/conv_ops.cc).
#include "core/op_registry.h"
#include "core/type_lists.h"
#include "core/window_geometry.h"

namespace sluice {
namespace {

const std::string kFloatTypes = FloatTypes::Attr("T");

// A rank-4 image tensor's shape in the node's data_format; unknown rank becomes 4 unknown dims.
StatusOr<TensorShape> Image(const TensorShape& s, const Window2DAttrs& w, const char* what) {
  if (s.unknown_rank()) return TensorShape::UnknownDims(4);
  if (s.rank() != 4) {
    return errors::InvalidArgument(what, " must be 4-D (", w.nchw ? "NCHW" : "NHWC", "), got shape ",
                                   s.DebugString());
  }
  return s;
}

// One spatial output dim; -1 when the input or window size is unknown.
StatusOr<int64_t> OutputDim(int64_t in, int64_t window, int axis, const Window2DAttrs& w) {
  if (in < 0 || window < 0) return -1;
  SLUICE_ASSIGN_OR_RETURN(WindowedDim d,
                          ComputeWindowedDim(in, window, w.dilations[axis], w.strides[axis], w.padding,
                                             w.explicit_pads[2 * axis], w.explicit_pads[2 * axis + 1]));
  return d.output;
}

Status Conv2DShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(Window2DAttrs w, ReadConvAttrs(c->node().attr()));
  SLUICE_ASSIGN_OR_RETURN(TensorShape in, Image(c->input(0), w, "input"));
  const TensorShape filter = c->input(1).unknown_rank() ? TensorShape::UnknownDims(4) : c->input(1);
  if (filter.rank() != 4) {
    return errors::InvalidArgument("filter must be 4-D [height, width, in_channels, out_channels], got shape ",
                                   filter.DebugString());
  }
  const int64_t in_c = in.dim(w.channel_dim()), filter_in = filter.dim(2);
  if (in_c >= 0 && filter_in >= 0 && in_c != filter_in) {
    return errors::InvalidArgument("input of shape ", in.DebugString(), " has ", in_c,
                                   " channels but filter of shape ", filter.DebugString(), " expects ",
                                   filter_in);
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t oh, OutputDim(in.dim(w.height_dim()), filter.dim(0), 0, w));
  SLUICE_ASSIGN_OR_RETURN(int64_t ow, OutputDim(in.dim(w.width_dim()), filter.dim(1), 1, w));
  c->set_output(0, TensorShape(InDataFormat(w, in.dim(0), oh, ow, filter.dim(3))));
  return absl::OkStatus();
}

// As TF's DepthwiseConv2DNativeShape: filter [height, width, in_channels, multiplier], output
// channels in_channels * multiplier.
Status DepthwiseConv2DShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(Window2DAttrs w, ReadConvAttrs(c->node().attr()));
  SLUICE_ASSIGN_OR_RETURN(TensorShape in, Image(c->input(0), w, "input"));
  const TensorShape filter = c->input(1).unknown_rank() ? TensorShape::UnknownDims(4) : c->input(1);
  if (filter.rank() != 4) {
    return errors::InvalidArgument("filter must be 4-D [height, width, in_channels, channel_multiplier], got shape ",
                                   filter.DebugString());
  }
  const int64_t in_c = in.dim(w.channel_dim()), filter_in = filter.dim(2);
  if (in_c >= 0 && filter_in >= 0 && in_c != filter_in) {
    return errors::InvalidArgument("input of shape ", in.DebugString(), " has ", in_c,
                                   " channels but filter of shape ", filter.DebugString(), " expects ",
                                   filter_in);
  }
  const int64_t channels = in_c >= 0 ? in_c : filter_in;
  const int64_t out_c = channels >= 0 && filter.dim(3) >= 0 ? channels * filter.dim(3) : -1;
  SLUICE_ASSIGN_OR_RETURN(int64_t oh, OutputDim(in.dim(w.height_dim()), filter.dim(0), 0, w));
  SLUICE_ASSIGN_OR_RETURN(int64_t ow, OutputDim(in.dim(w.width_dim()), filter.dim(1), 1, w));
  c->set_output(0, TensorShape(InDataFormat(w, in.dim(0), oh, ow, out_c)));
  return absl::OkStatus();
}

// TF's _FusedConv2D with the fusions sluice makes (runtime/conv_fusion_pass.cc): Conv2D's
// output shape; with BiasAdd one arg, the bias, of one entry per output channel.
Status FusedConv2DShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(Conv2DShape(c));
  std::vector<std::string> fused_ops;
  SLUICE_RETURN_IF_ERROR(c->GetAttr("fused_ops", &fused_ops));
  if (!fused_ops.empty() && fused_ops[0] == "BiasAdd" && c->num_inputs() == 3) {
    SLUICE_ASSIGN_OR_RETURN(TensorShape bias, c->WithRank(2, 1));
    SLUICE_ASSIGN_OR_RETURN(Window2DAttrs w, ReadConvAttrs(c->node().attr()));
    const int64_t oc = c->output(0).unknown_rank() ? -1 : c->output(0).dim(w.channel_dim());
    if (oc >= 0 && bias.dim(0) >= 0 && oc != bias.dim(0)) {
      return errors::InvalidArgument("bias of shape ", bias.DebugString(), " must have one entry per output channel (",
                                     oc, ")");
    }
  }
  return absl::OkStatus();
}

// The output of a backprop op is the shape held by its size input (input_sizes, filter_sizes,
// orig_input_shape): known when that is a constant or a Shape op's output.
Status ShapeFromSizes(InferenceContext* c, int sizes_input, const char* what) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape s, c->InputAsShape(sizes_input));
  if (s.unknown_rank()) s = TensorShape::UnknownDims(4);
  if (s.rank() != 4) {
    return errors::InvalidArgument(what, " must have 4 entries, got shape ", s.DebugString());
  }
  c->set_output(0, s);
  return absl::OkStatus();
}

Status Conv2DBackpropInputShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(ReadConvAttrs(c->node().attr()).status());
  return ShapeFromSizes(c, 0, "input_sizes");
}

Status Conv2DBackpropFilterShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(ReadConvAttrs(c->node().attr()).status());
  return ShapeFromSizes(c, 1, "filter_sizes");
}

Status PoolShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(Window2DAttrs w, ReadPoolAttrs(c->node().attr()));
  SLUICE_ASSIGN_OR_RETURN(TensorShape in, Image(c->input(0), w, "input"));
  SLUICE_ASSIGN_OR_RETURN(int64_t oh, OutputDim(in.dim(w.height_dim()), w.ksize[0], 0, w));
  SLUICE_ASSIGN_OR_RETURN(int64_t ow, OutputDim(in.dim(w.width_dim()), w.ksize[1], 1, w));
  c->set_output(0, TensorShape(InDataFormat(w, in.dim(0), oh, ow, in.dim(w.channel_dim()))));
  return absl::OkStatus();
}

Status MaxPoolGradShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(Window2DAttrs w, ReadPoolAttrs(c->node().attr()));
  SLUICE_ASSIGN_OR_RETURN(TensorShape in, Image(c->input(0), w, "orig_input"));
  c->set_output(0, in);
  return absl::OkStatus();
}

Status AvgPoolGradShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(ReadPoolAttrs(c->node().attr()).status());
  return ShapeFromSizes(c, 0, "orig_input_shape");
}

// ---- Schemas ---------------------------------------------------------------------------------

constexpr char kConvPadding[] = "padding: {'SAME', 'VALID', 'EXPLICIT'}";
constexpr char kPoolPadding[] = "padding: {'SAME', 'VALID'}";
constexpr char kDataFormat[] = "data_format: {'NHWC', 'NCHW'} = 'NHWC'";

REGISTER_OP("Conv2D")
    .Input("input: T")
    .Input("filter: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("strides: list(int)")
    .Attr("use_cudnn_on_gpu: bool = true")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Doc("2-D cross-correlation of an image batch with a [kh, kw, in, out] filter.")
    .SetShapeFn(Conv2DShape);

REGISTER_OP("Conv2DBackpropInput")
    .Input("input_sizes: int32")
    .Input("filter: T")
    .Input("out_backprop: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("strides: list(int)")
    .Attr("use_cudnn_on_gpu: bool = true")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Doc("Conv2D's gradient with respect to its input; the transposed convolution.")
    .SetShapeFn(Conv2DBackpropInputShape);

REGISTER_OP("Conv2DBackpropFilter")
    .Input("input: T")
    .Input("filter_sizes: int32")
    .Input("out_backprop: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("strides: list(int)")
    .Attr("use_cudnn_on_gpu: bool = true")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Doc("Conv2D's gradient with respect to its filter.")
    .SetShapeFn(Conv2DBackpropFilterShape);

REGISTER_OP("DepthwiseConv2dNative")
    .Input("input: T")
    .Input("filter: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("strides: list(int)")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Doc("Each input channel cross-correlated with its own [kh, kw, multiplier] filters.")
    .SetShapeFn(DepthwiseConv2DShape);

REGISTER_OP("DepthwiseConv2dNativeBackpropInput")
    .Input("input_sizes: int32")
    .Input("filter: T")
    .Input("out_backprop: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("strides: list(int)")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Doc("DepthwiseConv2dNative's gradient with respect to its input.")
    .SetShapeFn(Conv2DBackpropInputShape);

REGISTER_OP("DepthwiseConv2dNativeBackpropFilter")
    .Input("input: T")
    .Input("filter_sizes: int32")
    .Input("out_backprop: T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("strides: list(int)")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Doc("DepthwiseConv2dNative's gradient with respect to its filter.")
    .SetShapeFn(Conv2DBackpropFilterShape);

REGISTER_OP("_FusedConv2D")
    .Input("input: T")
    .Input("filter: T")
    .Input("args: num_args * T")
    .Output("output: T")
    .Attr(kFloatTypes)
    .Attr("num_args: int >= 0")
    .Attr("strides: list(int)")
    .Attr(kConvPadding)
    .Attr("explicit_paddings: list(int) = []")
    .Attr(kDataFormat)
    .Attr("filter_format: {'HWIO'} = 'HWIO'")
    .Attr("dilations: list(int) = [1, 1, 1, 1]")
    .Attr("use_cudnn_on_gpu: bool = true")
    .Attr("fused_ops: list(string) = []")
    .Attr("epsilon: float = 0.0001")
    .Attr("leakyrelu_alpha: float = 0.2")
    .Doc("Conv2D followed by the fused_ops (sluice runs [\"BiasAdd\"] and [\"BiasAdd\", \"Relu\"]) in one kernel.")
    .SetShapeFn(FusedConv2DShape);

REGISTER_OP("MaxPool")
    .Input("input: T")
    .Output("output: T")
    .Attr(kFloatTypes + " = DT_FLOAT")
    .Attr("ksize: list(int) >= 4")
    .Attr("strides: list(int) >= 4")
    .Attr(kPoolPadding)
    .Attr(kDataFormat)
    .Doc("The maximum of each window.")
    .SetShapeFn(PoolShape);

REGISTER_OP("MaxPoolGrad")
    .Input("orig_input: T")
    .Input("orig_output: T")
    .Input("grad: T")
    .Output("output: T")
    .Attr("ksize: list(int) >= 4")
    .Attr("strides: list(int) >= 4")
    .Attr(kPoolPadding)
    .Attr(kDataFormat)
    .Attr(kFloatTypes + " = DT_FLOAT")
    .Doc("MaxPool's input gradient: each window's to its first maximum.")
    .SetShapeFn(MaxPoolGradShape);

REGISTER_OP("AvgPool")
    .Input("value: T")
    .Output("output: T")
    .Attr("ksize: list(int) >= 4")
    .Attr("strides: list(int) >= 4")
    .Attr(kPoolPadding)
    .Attr(kDataFormat)
    .Attr(kFloatTypes)
    .Doc("The mean of each window's elements inside the image.")
    .SetShapeFn(PoolShape);

REGISTER_OP("AvgPoolGrad")
    .Input("orig_input_shape: int32")
    .Input("grad: T")
    .Output("output: T")
    .Attr("ksize: list(int) >= 4")
    .Attr("strides: list(int) >= 4")
    .Attr(kPoolPadding)
    .Attr(kDataFormat)
    .Attr(kFloatTypes)
    .Doc("AvgPool's input gradient.")
    .SetShapeFn(AvgPoolGradShape);

}  // namespace
}  // namespace sluice
