#include "ops/random_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"

namespace sluice {
namespace {

Status RandomShape(InferenceContext* c) {
  SLUICE_RETURN_IF_ERROR(c->WithRank(0, 1).status());
  SLUICE_ASSIGN_OR_RETURN(TensorShape shape, c->InputAsShape(0));
  c->set_output(0, shape);
  return absl::OkStatus();
}

Output RandomOp(const Scope& scope, const std::string& op, const Input& shape, DataType dtype,
                int64_t seed, int64_t seed2) {
  if (!scope.ok()) return Output();
  return NodeBuilder(scope, op)
      .Input(shape.ToOutput(scope))
      .Attr("seed", seed)
      .Attr("seed2", seed2)
      .Attr("dtype", dtype)
      .Finalize();
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
      .Doc(doc);                                \
  REGISTER_NO_GRADIENT(name)

SLUICE_REGISTER_RANDOM_OP("RandomStandardNormal", "Normal values with mean 0 and stddev 1.");
SLUICE_REGISTER_RANDOM_OP("TruncatedNormal", "Normal values, those beyond 2 stddev redrawn.");
SLUICE_REGISTER_RANDOM_OP("RandomUniform", "Uniform values in [0, 1).");
#undef SLUICE_REGISTER_RANDOM_OP

namespace ops {

Output RandomStandardNormal(const Scope& scope, const Input& shape, DataType dtype, int64_t seed,
                            int64_t seed2) {
  return RandomOp(scope, "RandomStandardNormal", shape, dtype, seed, seed2);
}

Output TruncatedNormal(const Scope& scope, const Input& shape, DataType dtype, int64_t seed,
                       int64_t seed2) {
  return RandomOp(scope, "TruncatedNormal", shape, dtype, seed, seed2);
}

Output RandomUniform(const Scope& scope, const Input& shape, DataType dtype, int64_t seed,
                     int64_t seed2) {
  return RandomOp(scope, "RandomUniform", shape, dtype, seed, seed2);
}

}  // namespace ops
}  // namespace sluice
