// Assert: its client builder; it has no gradient.
#include "ops/check_ops.h"

#include "ops/gradients.h"

namespace sluice {

REGISTER_NO_GRADIENT("Assert");

namespace ops {

Operation Assert(const Scope& scope, const Input& condition, const std::vector<Output>& data,
                 int64_t summarize) {
  return NodeBuilder(scope, "Assert")
      .Input(condition.ToOutput(scope, DT_BOOL))
      .InputList(data)
      .Attr("summarize", summarize)
      .Finalize();
}

}  // namespace ops
}  // namespace sluice
