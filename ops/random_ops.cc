#include "ops/random_ops.h"

#include "core/op_registry.h"
#include "ops/gradients.h"

namespace sluice {
namespace {

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

REGISTER_NO_GRADIENT("RandomStandardNormal");
REGISTER_NO_GRADIENT("TruncatedNormal");
REGISTER_NO_GRADIENT("RandomUniform");
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
