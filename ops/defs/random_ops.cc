// Random op schemas and shape functions (the client builders are in ops/random_ops.cc).
#include "core/op_registry.h"

namespace sluice {
namespace {

Status RandomShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(c->WithRank(0, 1).status());
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, c->InputAsShape(0));
  c->set_output(0, shape);
  return absl::OkStatus();
}

}  // namespace

#define SLUICE_REGISTER_RANDOM_OP(name, doc)    \
  REGISTER_OP(name)                             \
      .Input("shape: T")                        \
      .Output("output: dtype")                  \
      .Attr("seed: int = 0")                    \
      .Attr("seed2: int = 0")                   \
      .Attr("dtype: {float, double}")           \
      .Attr("T: {int32, int64}")                \
      .SetIsStateful()                          \
      .SetShapeFn(RandomShape)                  \
      .Doc(doc)

SLUICE_REGISTER_RANDOM_OP("RandomStandardNormal", "Normal values with mean 0 and stddev 1.");
SLUICE_REGISTER_RANDOM_OP("TruncatedNormal", "Normal values, those beyond 2 stddev redrawn.");
SLUICE_REGISTER_RANDOM_OP("RandomUniform", "Uniform values in [0, 1).");
#undef SLUICE_REGISTER_RANDOM_OP

// ---- RandomUniformInt, RandomShuffle, Multinomial ---------------------------------------------

namespace {

Status RandomUniformIntShape(InferenceContext* c) {
  for (int i = 1; i <= 2; ++i) {
    if (c->input(i).rank() > 0) {
      return errors::InvalidArgument(i == 1 ? "minval" : "maxval", " must be a scalar, got shape ",
                                     c->input(i).DebugString());
    }
  }
  return RandomShape(c);
}

Status MultinomialShape(InferenceContext* c) {
  SLUICE_ASSIGN_OR_RETURN(TensorShape logits, c->WithRank(0, 2));
  if (c->input(1).rank() > 0) {
    return errors::InvalidArgument("num_samples must be a scalar, got shape ", c->input(1).DebugString());
  }
  int64_t samples = -1;
  if (const Tensor* t = c->input_tensor(1)) samples = t->scalar<int32_t>();
  c->set_output(0, TensorShape{logits.dim(0), samples});
  return absl::OkStatus();
}

}  // namespace

REGISTER_OP("RandomUniformInt")
    .Input("shape: T")
    .Input("minval: Tout")
    .Input("maxval: Tout")
    .Output("output: Tout")
    .Attr("seed: int = 0")
    .Attr("seed2: int = 0")
    .Attr("Tout: {int32, int64}")
    .Attr("T: {int32, int64}")
    .SetIsStateful()
    .SetShapeFn(RandomUniformIntShape)
    .Doc("Integers uniform in [minval, maxval).");

REGISTER_OP("RandomShuffle")
    .Input("value: T")
    .Output("output: T")
    .Attr("seed: int = 0")
    .Attr("seed2: int = 0")
    .Attr("T: type")
    .SetIsStateful()
    .SetShapeFn(shape_fn::UnchangedShape)
    .Doc("value with its slices along dimension 0 in a random order.");

REGISTER_OP("Multinomial")
    .Input("logits: T")
    .Input("num_samples: int32")
    .Output("output: output_dtype")
    .Attr("seed: int = 0")
    .Attr("seed2: int = 0")
    .Attr("T: {float, double, int32, int64}")
    .Attr("output_dtype: {int32, int64} = DT_INT64")
    .SetIsStateful()
    .SetShapeFn(MultinomialShape)
    .Doc("num_samples class indices per row of logits [batch, classes], drawn from softmax(logits).");

}  // namespace sluice
