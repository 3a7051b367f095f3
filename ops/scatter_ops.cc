// Client builders and gradients of the scatter and gather-by-index ops (schemas in
// ops/defs/scatter_ops.cc).
#include "ops/scatter_ops.h"

#include "ops/array_ops.h"
#include "ops/gradients.h"
#include "ops/resource_variable_ops.h"

namespace sluice {
namespace {

// ScatterNd: GatherNd of dy for the updates; indices and shape get none.
Status ScatterNdGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                     std::vector<Output>* dx) {
  dx->push_back(Output());
  dx->push_back(ops::GatherNd(s, dy[0], op.input(0)));
  dx->push_back(Output());
  return s.status();
}

// GatherNd: dy summed into params' shape (duplicate indices add up).
Status GatherNdGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                    std::vector<Output>* dx) {
  Output indices = op.input(1);
  dx->push_back(ops::ScatterNd(s, indices, dy[0], ops::Shape(s, op.input(0), indices.dtype())));
  dx->push_back(Output());
  return s.status();
}

// TensorScatterUpdate: the overwritten slices of `tensor` get no gradient.
Status TensorScatterUpdateGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                               std::vector<Output>* dx) {
  Output indices = op.input(1);
  dx->push_back(ops::TensorScatterUpdate(s, dy[0], indices, ops::ZerosLike(s, op.input(2))));
  dx->push_back(Output());
  dx->push_back(ops::GatherNd(s, dy[0], indices));
  return s.status();
}

Status TensorScatterAddGrad(const Scope& s, const Operation& op, const std::vector<Output>& dy,
                            std::vector<Output>* dx) {
  dx->push_back(dy[0]);
  dx->push_back(Output());
  dx->push_back(ops::GatherNd(s, dy[0], op.input(1)));
  return s.status();
}

}  // namespace

REGISTER_GRADIENT("ScatterNd", ScatterNdGrad);
REGISTER_GRADIENT("GatherNd", GatherNdGrad);
REGISTER_GRADIENT("TensorScatterUpdate", TensorScatterUpdateGrad);
REGISTER_GRADIENT("TensorScatterAdd", TensorScatterAddGrad);
REGISTER_NO_GRADIENT("ScatterUpdate");
REGISTER_NO_GRADIENT("ScatterMul");
REGISTER_NO_GRADIENT("ScatterDiv");
REGISTER_NO_GRADIENT("ScatterMin");
REGISTER_NO_GRADIENT("ScatterMax");
REGISTER_NO_GRADIENT("ScatterNdUpdate");
REGISTER_NO_GRADIENT("ScatterNdAdd");
REGISTER_NO_GRADIENT("ResourceScatterUpdate");

namespace ops {
namespace {

// (ref, indices, updates) with the updates in the variable's dtype.
Output RefScatter(const Scope& scope, const char* op, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking) {
  if (!scope.ok() || !ref.valid()) return Output();
  Output i = indices.ToOutput(scope);
  Output u = updates.ToOutput(scope, BaseType(ref.dtype()));
  return NodeBuilder(scope, op).Input(ref).Input(i).Input(u).Attr("use_locking", use_locking).Finalize();
}

// (tensor, indices, updates) with the updates in the tensor's dtype.
Output NdUpdate(const Scope& scope, const char* op, const Input& tensor, const Input& indices, const Input& updates) {
  if (!scope.ok()) return Output();
  Output t = tensor.ToOutput(scope);
  Output i = indices.ToOutput(scope);
  if (!t.valid()) return Output();
  Output u = updates.ToOutput(scope, t.dtype());
  return NodeBuilder(scope, op).Input(t).Input(i).Input(u).Finalize();
}

}  // namespace

Output ScatterUpdate(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                     bool use_locking) {
  return RefScatter(scope, "ScatterUpdate", ref, indices, updates, use_locking);
}
Output ScatterMul(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking) {
  return RefScatter(scope, "ScatterMul", ref, indices, updates, use_locking);
}
Output ScatterDiv(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking) {
  return RefScatter(scope, "ScatterDiv", ref, indices, updates, use_locking);
}
Output ScatterMin(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking) {
  return RefScatter(scope, "ScatterMin", ref, indices, updates, use_locking);
}
Output ScatterMax(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                  bool use_locking) {
  return RefScatter(scope, "ScatterMax", ref, indices, updates, use_locking);
}
Output ScatterNdUpdate(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                       bool use_locking) {
  return RefScatter(scope, "ScatterNdUpdate", ref, indices, updates, use_locking);
}
Output ScatterNdAdd(const Scope& scope, const Output& ref, const Input& indices, const Input& updates,
                    bool use_locking) {
  return RefScatter(scope, "ScatterNdAdd", ref, indices, updates, use_locking);
}

Operation ResourceScatterUpdate(const Scope& scope, const Output& resource, const Input& indices,
                                const Input& updates) {
  if (!scope.ok() || !resource.valid()) return Operation();
  Output i = indices.ToOutput(scope);
  Output u = updates.ToOutput(scope, HandleDtype(resource));
  if (!u.valid()) return Operation();
  return NodeBuilder(scope, "ResourceScatterUpdate")
      .Input(resource)
      .Input(i)
      .Input(u)
      .Attr("dtype", u.dtype())
      .Finalize();
}

Output ScatterNd(const Scope& scope, const Input& indices, const Input& updates, const Input& shape) {
  if (!scope.ok()) return Output();
  Output i = indices.ToOutput(scope);
  if (!i.valid()) return Output();
  Output u = updates.ToOutput(scope);
  Output sh = shape.ToOutput(scope, i.dtype());
  return NodeBuilder(scope, "ScatterNd").Input(i).Input(u).Input(sh).Finalize();
}

Output TensorScatterUpdate(const Scope& scope, const Input& tensor, const Input& indices, const Input& updates) {
  return NdUpdate(scope, "TensorScatterUpdate", tensor, indices, updates);
}
Output TensorScatterAdd(const Scope& scope, const Input& tensor, const Input& indices, const Input& updates) {
  return NdUpdate(scope, "TensorScatterAdd", tensor, indices, updates);
}

Output GatherNd(const Scope& scope, const Input& params, const Input& indices) {
  if (!scope.ok()) return Output();
  return NodeBuilder(scope, "GatherNd").Input(params.ToOutput(scope)).Input(indices.ToOutput(scope)).Finalize();
}

}  // namespace ops
}  // namespace sluice
