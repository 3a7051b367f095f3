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
REGISTER_NO_GRADIENT("RandomUniformInt");
REGISTER_NO_GRADIENT("RandomShuffle");
REGISTER_NO_GRADIENT("Multinomial");

namespace ops {

Output RandomUniformInt(const Scope& scope, const Input& shape, const Input& minval, const Input& maxval,
                        int64_t seed, int64_t seed2) {
  Output lo, hi;
  ResolveBinaryInputs(scope, minval, maxval, &lo, &hi);
  if (!lo.valid()) return Output();
  return NodeBuilder(scope, "RandomUniformInt")
      .Input(shape.ToOutput(scope))
      .Input(lo)
      .Input(hi)
      .Attr("seed", seed)
      .Attr("seed2", seed2)
      .Finalize();
}

Output RandomShuffle(const Scope& scope, const Input& value, int64_t seed, int64_t seed2) {
  return NodeBuilder(scope, "RandomShuffle").Input(value.ToOutput(scope)).Attr("seed", seed).Attr("seed2", seed2).Finalize();
}

Output Multinomial(const Scope& scope, const Input& logits, const Input& num_samples, int64_t seed,
                   int64_t seed2, DataType output_dtype) {
  return NodeBuilder(scope, "Multinomial")
      .Input(logits.ToOutput(scope))
      .Input(num_samples.ToOutput(scope, DT_INT32))
      .Attr("seed", seed)
      .Attr("seed2", seed2)
      .Attr("output_dtype", output_dtype)
      .Finalize();
}

}  // namespace ops
}  // namespace sluice
