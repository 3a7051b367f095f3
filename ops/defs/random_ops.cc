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

}  // namespace sluice
