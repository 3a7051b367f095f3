// Convolution and pooling: gradients (TF1 nn_grad.py) and client builders (declared in
// ops/nn_ops.h; the schemas are in ops/defs/conv_ops.cc).
#include "core/op_registry.h"
#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/nn_ops.h"

namespace sluice {
namespace {

// ---- Gradients -------------------------------------------------------------------------------

// A convolution node's attrs, to give its gradient ops the same geometry.
struct ConvAttrs {
  std::vector<int> strides;
  std::string padding;
  ops::Conv2DOptions options;
};

ConvAttrs ConvAttrsOf(const Operation& op) {
  const AttrMap& attrs = op.node()->def().attr();
  ConvAttrs a;
  GetAttr(attrs, "strides", &a.strides).IgnoreError();
  GetAttr(attrs, "padding", &a.padding).IgnoreError();
  GetAttr(attrs, "data_format", &a.options.data_format).IgnoreError();
  GetAttr(attrs, "dilations", &a.options.dilations).IgnoreError();
  GetAttr(attrs, "explicit_paddings", &a.options.explicit_paddings).IgnoreError();
  GetAttr(attrs, "use_cudnn_on_gpu", &a.options.use_cudnn_on_gpu).IgnoreError();
  return a;
}

struct PoolAttrs {
  std::vector<int> ksize, strides;
  std::string padding, data_format = "NHWC";
};

PoolAttrs PoolAttrsOf(const Operation& op) {
  const AttrMap& attrs = op.node()->def().attr();
  PoolAttrs a;
  GetAttr(attrs, "ksize", &a.ksize).IgnoreError();
  GetAttr(attrs, "strides", &a.strides).IgnoreError();
  GetAttr(attrs, "padding", &a.padding).IgnoreError();
  GetAttr(attrs, "data_format", &a.data_format).IgnoreError();
  return a;
}

// y = conv(x, f): dx = conv_transpose(dy, f), df = correlation of x with dy.
Status Conv2DGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                      std::vector<Output>* dx) {
  const ConvAttrs a = ConvAttrsOf(op);
  Output input = op.input(0), filter = op.input(1);
  dx->push_back(ops::Conv2DBackpropInput(s, ops::Shape(s, input), filter, dy[0], a.strides,
                                         a.padding, a.options));
  dx->push_back(ops::Conv2DBackpropFilter(s, input, ops::Shape(s, filter), dy[0], a.strides,
                                          a.padding, a.options));
  return s.status();
}

// y = conv_transpose(g, f) is linear in g and in f (TF's _Conv2DBackpropInputGrad): dg is the
// forward convolution of dy with f, df the filter gradient of a convolution of dy giving g.
Status Conv2DBackpropInputGradient(const Scope& s, const Operation& op,
                                   const std::vector<Output>& dy, std::vector<Output>* dx) {
  const ConvAttrs a = ConvAttrsOf(op);
  Output filter = op.input(1), out_backprop = op.input(2);
  dx->push_back(Output());
  dx->push_back(ops::Conv2DBackpropFilter(s, dy[0], ops::Shape(s, filter), out_backprop, a.strides,
                                          a.padding, a.options));
  dx->push_back(ops::Conv2D(s, dy[0], filter, a.strides, a.padding, a.options));
  return s.status();
}

// y = filter gradient(x, g), linear in x and in g (TF's _Conv2DBackpropFilterGrad).
Status Conv2DBackpropFilterGradient(const Scope& s, const Operation& op,
                                    const std::vector<Output>& dy, std::vector<Output>* dx) {
  const ConvAttrs a = ConvAttrsOf(op);
  Output input = op.input(0), out_backprop = op.input(2);
  dx->push_back(ops::Conv2DBackpropInput(s, ops::Shape(s, input), dy[0], out_backprop, a.strides,
                                         a.padding, a.options));
  dx->push_back(Output());
  dx->push_back(ops::Conv2D(s, input, dy[0], a.strides, a.padding, a.options));
  return s.status();
}

Status MaxPoolGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                       std::vector<Output>* dx) {
  const PoolAttrs a = PoolAttrsOf(op);
  dx->push_back(ops::MaxPoolGrad(s, op.input(0), op.output(0), dy[0], a.ksize, a.strides,
                                 a.padding, a.data_format));
  return s.status();
}

Status AvgPoolGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                       std::vector<Output>* dx) {
  const PoolAttrs a = PoolAttrsOf(op);
  dx->push_back(ops::AvgPoolGrad(s, ops::Shape(s, op.input(0)), dy[0], a.ksize, a.strides,
                                 a.padding, a.data_format));
  return s.status();
}

// AvgPoolGrad is linear in grad; its adjoint is AvgPool (TF's _AvgPoolGradGrad).
Status AvgPoolGradGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                           std::vector<Output>* dx) {
  const PoolAttrs a = PoolAttrsOf(op);
  dx->push_back(Output());
  dx->push_back(ops::AvgPool(s, dy[0], a.ksize, a.strides, a.padding, a.data_format));
  return s.status();
}

// TF's _DepthwiseConv2dNativeGrad and the gradients of its backprop ops, which are linear in
// each of their tensor inputs like Conv2D's.
Status DepthwiseConv2DGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                               std::vector<Output>* dx) {
  const ConvAttrs a = ConvAttrsOf(op);
  Output input = op.input(0), filter = op.input(1);
  dx->push_back(ops::DepthwiseConv2dNativeBackpropInput(s, ops::Shape(s, input), filter, dy[0], a.strides,
                                                        a.padding, a.options));
  dx->push_back(ops::DepthwiseConv2dNativeBackpropFilter(s, input, ops::Shape(s, filter), dy[0], a.strides,
                                                         a.padding, a.options));
  return s.status();
}

Status DepthwiseConv2DBackpropInputGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                                            std::vector<Output>* dx) {
  const ConvAttrs a = ConvAttrsOf(op);
  Output filter = op.input(1), out_backprop = op.input(2);
  dx->push_back(Output());
  dx->push_back(ops::DepthwiseConv2dNativeBackpropFilter(s, dy[0], ops::Shape(s, filter), out_backprop, a.strides,
                                                         a.padding, a.options));
  dx->push_back(ops::DepthwiseConv2dNative(s, dy[0], filter, a.strides, a.padding, a.options));
  return s.status();
}

Status DepthwiseConv2DBackpropFilterGradient(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                                             std::vector<Output>* dx) {
  const ConvAttrs a = ConvAttrsOf(op);
  Output input = op.input(0), out_backprop = op.input(2);
  dx->push_back(ops::DepthwiseConv2dNativeBackpropInput(s, ops::Shape(s, input), dy[0], out_backprop, a.strides,
                                                        a.padding, a.options));
  dx->push_back(Output());
  dx->push_back(ops::DepthwiseConv2dNative(s, input, dy[0], a.strides, a.padding, a.options));
  return s.status();
}

REGISTER_GRADIENT("Conv2D", Conv2DGradient);
REGISTER_GRADIENT("Conv2DBackpropInput", Conv2DBackpropInputGradient);
REGISTER_GRADIENT("Conv2DBackpropFilter", Conv2DBackpropFilterGradient);
REGISTER_GRADIENT("MaxPool", MaxPoolGradient);
REGISTER_GRADIENT("AvgPool", AvgPoolGradient);
REGISTER_GRADIENT("AvgPoolGrad", AvgPoolGradGradient);
REGISTER_GRADIENT("DepthwiseConv2dNative", DepthwiseConv2DGradient);
REGISTER_GRADIENT("DepthwiseConv2dNativeBackpropInput", DepthwiseConv2DBackpropInputGradient);
REGISTER_GRADIENT("DepthwiseConv2dNativeBackpropFilter", DepthwiseConv2DBackpropFilterGradient);

// ---- Builder helpers -------------------------------------------------------------------------

Output FinishConv(NodeBuilder& b, const std::vector<int>& strides, const std::string& padding,
                  const ops::Conv2DOptions& o) {
  return b.Attr("strides", strides)
      .Attr("padding", padding)
      .Attr("data_format", o.data_format)
      .Attr("dilations", o.dilations)
      .Attr("explicit_paddings", o.explicit_paddings)
      .Attr("use_cudnn_on_gpu", o.use_cudnn_on_gpu)
      .Finalize();
}

// The depthwise ops have no use_cudnn_on_gpu attr.
Output FinishDepthwise(NodeBuilder& b, const std::vector<int>& strides, const std::string& padding,
                       const ops::Conv2DOptions& o) {
  return b.Attr("strides", strides)
      .Attr("padding", padding)
      .Attr("data_format", o.data_format)
      .Attr("dilations", o.dilations)
      .Attr("explicit_paddings", o.explicit_paddings)
      .Finalize();
}

Output FinishPool(NodeBuilder& b, const std::vector<int>& ksize, const std::vector<int>& strides,
                  const std::string& padding, const std::string& data_format) {
  return b.Attr("ksize", ksize)
      .Attr("strides", strides)
      .Attr("padding", padding)
      .Attr("data_format", data_format)
      .Finalize();
}

}  // namespace

namespace ops {

Output Conv2D(const Scope& scope, const Input& input, const Input& filter,
              const std::vector<int>& strides, const std::string& padding,
              const Conv2DOptions& options) {
  Output x, f;
  ResolveBinaryInputs(scope, input, filter, &x, &f);
  NodeBuilder b(scope, "Conv2D");
  b.Input(x).Input(f);
  return FinishConv(b, strides, padding, options);
}

Output Conv2DBackpropInput(const Scope& scope, const Input& input_sizes, const Input& filter,
                           const Input& out_backprop, const std::vector<int>& strides,
                           const std::string& padding, const Conv2DOptions& options) {
  Output f, g;
  ResolveBinaryInputs(scope, filter, out_backprop, &f, &g);
  NodeBuilder b(scope, "Conv2DBackpropInput");
  b.Input(input_sizes.ToOutput(scope, DT_INT32)).Input(f).Input(g);
  return FinishConv(b, strides, padding, options);
}

Output Conv2DBackpropFilter(const Scope& scope, const Input& input, const Input& filter_sizes,
                            const Input& out_backprop, const std::vector<int>& strides,
                            const std::string& padding, const Conv2DOptions& options) {
  Output x, g;
  ResolveBinaryInputs(scope, input, out_backprop, &x, &g);
  NodeBuilder b(scope, "Conv2DBackpropFilter");
  b.Input(x).Input(filter_sizes.ToOutput(scope, DT_INT32)).Input(g);
  return FinishConv(b, strides, padding, options);
}

Output MaxPool(const Scope& scope, const Input& input, const std::vector<int>& ksize,
               const std::vector<int>& strides, const std::string& padding,
               const std::string& data_format) {
  NodeBuilder b(scope, "MaxPool");
  b.Input(input.ToOutput(scope));
  return FinishPool(b, ksize, strides, padding, data_format);
}

Output MaxPoolGrad(const Scope& scope, const Input& orig_input, const Input& orig_output,
                   const Input& grad, const std::vector<int>& ksize,
                   const std::vector<int>& strides, const std::string& padding,
                   const std::string& data_format) {
  Output x = orig_input.ToOutput(scope);
  NodeBuilder b(scope, "MaxPoolGrad");
  b.Input(x).Input(orig_output.ToOutput(scope, x.dtype())).Input(grad.ToOutput(scope, x.dtype()));
  return FinishPool(b, ksize, strides, padding, data_format);
}

Output AvgPool(const Scope& scope, const Input& value, const std::vector<int>& ksize,
               const std::vector<int>& strides, const std::string& padding,
               const std::string& data_format) {
  NodeBuilder b(scope, "AvgPool");
  b.Input(value.ToOutput(scope));
  return FinishPool(b, ksize, strides, padding, data_format);
}

Output AvgPoolGrad(const Scope& scope, const Input& orig_input_shape, const Input& grad,
                   const std::vector<int>& ksize, const std::vector<int>& strides,
                   const std::string& padding, const std::string& data_format) {
  NodeBuilder b(scope, "AvgPoolGrad");
  b.Input(orig_input_shape.ToOutput(scope, DT_INT32)).Input(grad.ToOutput(scope));
  return FinishPool(b, ksize, strides, padding, data_format);
}


Output DepthwiseConv2dNative(const Scope& scope, const Input& input, const Input& filter,
                             const std::vector<int>& strides, const std::string& padding,
                             const Conv2DOptions& options) {
  Output x, f;
  ResolveBinaryInputs(scope, input, filter, &x, &f);
  NodeBuilder b(scope, "DepthwiseConv2dNative");
  b.Input(x).Input(f);
  return FinishDepthwise(b, strides, padding, options);
}

Output DepthwiseConv2dNativeBackpropInput(const Scope& scope, const Input& input_sizes, const Input& filter,
                                          const Input& out_backprop, const std::vector<int>& strides,
                                          const std::string& padding, const Conv2DOptions& options) {
  Output f, g;
  ResolveBinaryInputs(scope, filter, out_backprop, &f, &g);
  NodeBuilder b(scope, "DepthwiseConv2dNativeBackpropInput");
  b.Input(input_sizes.ToOutput(scope, DT_INT32)).Input(f).Input(g);
  return FinishDepthwise(b, strides, padding, options);
}

Output DepthwiseConv2dNativeBackpropFilter(const Scope& scope, const Input& input, const Input& filter_sizes,
                                           const Input& out_backprop, const std::vector<int>& strides,
                                           const std::string& padding, const Conv2DOptions& options) {
  Output x, g;
  ResolveBinaryInputs(scope, input, out_backprop, &x, &g);
  NodeBuilder b(scope, "DepthwiseConv2dNativeBackpropFilter");
  b.Input(x).Input(filter_sizes.ToOutput(scope, DT_INT32)).Input(g);
  return FinishDepthwise(b, strides, padding, options);
}

}  // namespace ops
}  // namespace sluice
