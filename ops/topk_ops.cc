// Client builders and the gradient of TopKV2 and TopK (schemas in ops/defs/topk_ops.cc).
#include "ops/topk_ops.h"

#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/math_ops.h"
#include "ops/scatter_ops.h"

namespace sluice {
namespace {

// TF's _TopKGrad: input viewed as [rows, n]; row r's indices are offset by r * n into the
// flattened input, dy of the values is scattered there and reshaped back.
Status TopKGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy, std::vector<Output>* dx) {
  Output in_shape = ops::Shape(s, op.input(0));
  Output ind_shape = ops::Shape(s, op.output(1));
  Output last = ops::Gather(s, in_shape, ops::Sub(s, ops::Size(s, in_shape), 1));
  Output k = ops::Gather(s, ind_shape, ops::Sub(s, ops::Size(s, ind_shape), 1));
  Output ind_2d = ops::Reshape(s, op.output(1), ops::Pack(s, {ops::Const(s, -1), k}));
  Output rows = ops::Gather(s, ops::Shape(s, ind_2d), 0);
  Output offsets = ops::ExpandDims(s, ops::Mul(s, ops::Range(s, 0, rows, 1), last), -1);
  Output flat = ops::Reshape(s, ops::Add(s, ind_2d, offsets), {-1});
  Output total = ops::Reshape(s, ops::Prod(s, in_shape, 0), {1});
  Output scattered = ops::ScatterNd(s, ops::ExpandDims(s, flat, -1), ops::Reshape(s, dy[0], {-1}), total);
  dx->push_back(ops::Reshape(s, scattered, in_shape));
  if (op.num_inputs() > 1) dx->push_back(Output());
  return s.status();
}

}  // namespace

REGISTER_GRADIENT("TopKV2", TopKGrad);
REGISTER_GRADIENT("TopK", TopKGrad);

namespace ops {

TopKOutput TopKV2(const Scope& scope, const Input& input, const Input& k, bool sorted) {
  if (!scope.ok()) return {};
  Operation op = NodeBuilder(scope, "TopKV2")
                     .Input(input.ToOutput(scope))
                     .Input(k.ToOutput(scope, DT_INT32))
                     .Attr("sorted", sorted)
                     .Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1)};
}

TopKOutput TopK(const Scope& scope, const Input& input, int64_t k, bool sorted) {
  if (!scope.ok()) return {};
  Operation op =
      NodeBuilder(scope, "TopK").Input(input.ToOutput(scope)).Attr("k", k).Attr("sorted", sorted).Finalize();
  if (!op.valid()) return {};
  return {op.output(0), op.output(1)};
}

}  // namespace ops
}  // namespace sluice
