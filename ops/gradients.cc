#include "ops/gradients.h"

#include <deque>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"

namespace sluice {

GradientRegistry* GradientRegistry::Global() {
  static GradientRegistry* const registry = new GradientRegistry;
  return registry;
}

void GradientRegistry::Register(const std::string& op, GradFunc fn) { fns_[op] = std::move(fn); }

void GradientRegistry::RegisterNoGradient(const std::string& op) { fns_[op] = nullptr; }

Status GradientRegistry::Lookup(const std::string& op, const GradFunc** fn) const {
  auto it = fns_.find(op);
  if (it == fns_.end()) return errors::NotFound("no gradient defined for op ", op);
  *fn = it->second ? &it->second : nullptr;
  return absl::OkStatus();
}

void GradientRegistry::RegisterSparse(const std::string& op, SparseGradFunc fn) { sparse_fns_[op] = std::move(fn); }

const SparseGradFunc* GradientRegistry::LookupSparse(const std::string& op) const {
  auto it = sparse_fns_.find(op);
  return it == sparse_fns_.end() ? nullptr : &it->second;
}

Output ToDense(const Scope& scope, const GradientValue& g) {
  if (!g.valid() || !g.is_sparse()) return g.dense();
  const IndexedSlices& x = g.sparse();
  Output rows = ops::Reshape(scope, ops::Slice(scope, x.dense_shape, {0}, {1}),
                             ops::Const(scope, Tensor::FromVector(std::vector<int32_t>{})));
  return ops::UnsortedSegmentSum(scope, x.values, x.indices, rows);
}

namespace {

// Gradients flow only along floating-point edges, and along resource edges to a variable's
// handle (a ReadVariableOp's gradient is its handle's, as in TF).
bool Differentiable(const Endpoint& e) {
  DataType dt = e.node->output_type(e.index);
  return IsFloatingType(dt) || dt == DT_RESOURCE;
}

Output SumGradients(const Scope& scope, const std::vector<Output>& grads) {
  if (grads.size() == 1) return grads[0];
  return NodeBuilder(scope, "AddN").InputList(grads).Finalize();
}

// TF's _AggregatedGrads: dense ones AddN, sparse ones concatenated (TF's
// _AggregateIndexedSlicesGradients; int64 indices when their dtypes differ), a mix densified.
GradientValue SumGradientValues(const Scope& scope, const std::vector<GradientValue>& grads) {
  if (grads.size() == 1) return grads[0];
  bool all_sparse = true, all_dense = true;
  for (const GradientValue& g : grads) {
    all_sparse &= g.is_sparse();
    all_dense &= !g.is_sparse();
  }
  if (all_sparse) {
    std::vector<Output> values, indices;
    bool same_index_type = true;
    for (const GradientValue& g : grads) {
      same_index_type &= g.sparse().indices.dtype() == grads[0].sparse().indices.dtype();
    }
    for (const GradientValue& g : grads) {
      values.push_back(g.sparse().values);
      Output i = g.sparse().indices;
      indices.push_back(same_index_type || i.dtype() == DT_INT64 ? i : ops::Cast(scope, i, DT_INT64));
    }
    return IndexedSlices{ops::ConcatV2(scope, values, 0), ops::ConcatV2(scope, indices, 0),
                         grads[0].sparse().dense_shape};
  }
  std::vector<Output> dense;
  for (const GradientValue& g : grads) dense.push_back(all_dense ? g.dense() : ToDense(scope, g));
  return SumGradients(scope, dense);
}

// TF's control_flow_ops.tuple over the valid gradients of one op, when there are several: each
// becomes an Identity "tuple/control_dependency[_k]" that waits for the NoOp "tuple/group_deps"
// over all of them.
// An IndexedSlices is gated as TF's tuple does it: its values and indices each through an Identity.
void GateGradients(const Scope& op_scope, std::vector<GradientValue>* in_grads) {
  // As TF: gated when more than one input gets a gradient (an IndexedSlices counts once).
  int valid = 0;
  for (const GradientValue& g : *in_grads) valid += g.valid() ? 1 : 0;
  if (valid < 2) return;
  std::vector<Operation> computed;
  for (const GradientValue& g : *in_grads) {
    if (!g.valid()) continue;
    if (g.is_sparse()) {
      computed.push_back(g.sparse().values.op());
      computed.push_back(g.sparse().indices.op());
    } else {
      computed.push_back(g.dense().op());
    }
  }
  Scope tuple = op_scope.NewSubScope("tuple");
  Operation gate = ops::Group(tuple.WithOpName("group_deps"), computed);
  int k = 0;
  auto gated = [&](const Output& t) {
    std::string name = k == 0 ? "control_dependency" : absl::StrCat("control_dependency_", k);
    ++k;
    return ops::Identity(tuple.WithControlDependencies({gate}).WithOpName(name), t);
  };
  for (GradientValue& g : *in_grads) {
    if (!g.valid()) continue;
    if (g.is_sparse()) {
      IndexedSlices x = g.sparse();
      x.values = gated(x.values);
      x.indices = gated(x.indices);
      g = x;
    } else {
      g = gated(g.dense());
    }
  }
}

// Both AddSymbolicGradients; `densify` turns the results dense (under "gradients/").
Status BuildGradients(const Scope& outer, const std::vector<Output>& ys, const std::vector<Output>& xs,
                      const std::vector<Output>& grad_ys, bool densify, std::vector<GradientValue>* grad_xs,
                      const GradientOptions& options) {
  SLUICE_RETURN_IF_ERROR(outer.status());
  if (!grad_ys.empty() && grad_ys.size() != ys.size()) {
    return errors::InvalidArgument("AddSymbolicGradients: ", ys.size(), " ys but ", grad_ys.size(),
                                   " grad_ys");
  }
  for (const Output& o : ys) {
    if (!o.valid()) return errors::InvalidArgument("AddSymbolicGradients: invalid y");
  }
  for (const Output& o : xs) {
    if (!o.valid()) return errors::InvalidArgument("AddSymbolicGradients: invalid x");
  }
  // "gradients/" under the caller's name scope, as tf.gradients names it, also when the caller's
  // scope carries a WithOpName name (Minimize's train op name): that name is not the gradients'.
  Scope scope = outer.NewSubScope("").NewSubScope("gradients");

  // Nodes on a differentiable path from some x to some y.
  absl::flat_hash_set<const Node*> from_xs;
  std::deque<const Node*> queue;
  for (const Output& x : xs) {
    if (from_xs.insert(x.node()).second) queue.push_back(x.node());
  }
  while (!queue.empty()) {
    const Node* n = queue.front();
    queue.pop_front();
    for (const OutEdge& e : n->out_edges()) {
      if (e.dst_input < 0 || !Differentiable({const_cast<Node*>(n), e.src_output})) continue;
      if (from_xs.insert(e.dst).second) queue.push_back(e.dst);
    }
  }
  absl::flat_hash_set<const Node*> between;
  for (const Output& y : ys) {
    if (from_xs.contains(y.node()) && between.insert(y.node()).second) queue.push_back(y.node());
  }
  while (!queue.empty()) {
    const Node* n = queue.front();
    queue.pop_front();
    for (const Endpoint& in : n->inputs()) {
      if (Differentiable(in) && from_xs.contains(in.node) && between.insert(in.node).second) {
        queue.push_back(in.node);
      }
    }
  }

  // A node is ready once every consumer inside `between` has sent its gradients.
  absl::flat_hash_map<const Node*, int> pending;
  for (const Node* n : between) {
    for (const Endpoint& in : n->inputs()) {
      if (between.contains(in.node) && Differentiable(in)) ++pending[in.node];
    }
  }
  absl::flat_hash_map<Endpoint, std::vector<GradientValue>> grads;
  for (size_t i = 0; i < ys.size(); ++i) {
    if (!between.contains(ys[i].node())) continue;
    Output g = grad_ys.empty()
                   ? Output(NodeBuilder(scope, "OnesLike").Input(ys[i]).Finalize())
                   : grad_ys[i];
    grads[ys[i].endpoint()].push_back(g);
  }
  absl::flat_hash_map<Endpoint, GradientValue> summed;
  auto sum_at = [&](const Endpoint& e, const Scope& s) -> GradientValue {
    auto it = summed.find(e);
    if (it != summed.end()) return it->second;
    auto g = grads.find(e);
    GradientValue out = g == grads.end() || g->second.empty() ? GradientValue() : SumGradientValues(s, g->second);
    summed[e] = out;
    return out;
  };

  for (const Node* n : between) {
    if (pending[n] == 0) queue.push_back(n);
  }
  while (!queue.empty()) {
    Node* n = const_cast<Node*>(queue.front());
    queue.pop_front();
    bool has_input_in_between = false;
    for (const Endpoint& in : n->inputs()) has_input_in_between |= between.contains(in.node) && Differentiable(in);
    if (has_input_in_between) {
      const GradFunc* fn = nullptr;
      const SparseGradFunc* sparse_fn = GradientRegistry::Global()->LookupSparse(n->type_string());
      Status s = sparse_fn != nullptr ? absl::OkStatus() : GradientRegistry::Global()->Lookup(n->type_string(), &fn);
      if (!s.ok()) {
        return errors::NotFound("no gradient defined for op ", n->type_string(), " (node '",
                                n->name(), "')");
      }
      Scope op_scope = scope.NewSubScope(n->name() + "_grad");
      std::vector<GradientValue> out_grads;
      bool any = false;
      for (int k = 0; k < n->num_outputs(); ++k) {
        out_grads.push_back(sum_at({n, k}, op_scope));
        any |= out_grads.back().valid();
      }
      if ((fn != nullptr || sparse_fn != nullptr) && any) {
        Operation op = Operation(n, scope.data());
        auto it = std::find_if(ys.begin(), ys.end(), [&](const Output& o) { return o.node() == n; });
        if (it != ys.end()) op = it->op();
        for (int k = 0; k < n->num_outputs(); ++k) {
          // Zeros for the floating-point outputs nothing depends on; the others (integers,
          // lists, handles) carry no gradient and stay invalid.
          if (!out_grads[k].valid() && IsFloatingType(n->output_type(k))) {
            out_grads[k] = Output(NodeBuilder(op_scope, "ZerosLike").Input(op.output(k)).Finalize());
          }
        }
        std::vector<GradientValue> in_grads;
        if (sparse_fn != nullptr) {
          s = (*sparse_fn)(op_scope, op, out_grads, &in_grads);
        } else {
          std::vector<Output> dense_out_grads, dense_in_grads;
          for (const GradientValue& g : out_grads) dense_out_grads.push_back(ToDense(op_scope, g));
          s = (*fn)(op_scope, op, dense_out_grads, &dense_in_grads);
          in_grads.assign(dense_in_grads.begin(), dense_in_grads.end());
        }
        if (!s.ok()) return errors::Annotate(s, absl::StrCat("gradient of node '", n->name(), "': "));
        SLUICE_RETURN_IF_ERROR(op_scope.status());
        if (static_cast<int>(in_grads.size()) != n->num_inputs()) {
          return errors::Internal("gradient of ", n->type_string(), " returned ", in_grads.size(),
                                  " gradients for ", n->num_inputs(), " inputs");
        }
        if (options.gate_gradients) GateGradients(op_scope, &in_grads);
        for (int i = 0; i < n->num_inputs(); ++i) {
          const Endpoint& in = n->input(i);
          if (in_grads[i].valid() && between.contains(in.node)) grads[in].push_back(in_grads[i]);
        }
      }
    }
    for (const Endpoint& in : n->inputs()) {
      if (between.contains(in.node) && Differentiable(in) && --pending[in.node] == 0) {
        queue.push_back(in.node);
      }
    }
  }

  grad_xs->clear();
  for (const Output& x : xs) {
    GradientValue g = sum_at(x.endpoint(), scope);
    grad_xs->push_back(densify ? GradientValue(ToDense(scope, g)) : g);
  }
  return scope.status();
}

}  // namespace

Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys, const std::vector<Output>& xs,
                            const std::vector<Output>& grad_ys, std::vector<GradientValue>* grad_xs,
                            const GradientOptions& options) {
  return BuildGradients(scope, ys, xs, grad_ys, /*densify=*/false, grad_xs, options);
}

Status AddSymbolicGradients(const Scope& scope, const std::vector<Output>& ys, const std::vector<Output>& xs,
                            const std::vector<Output>& grad_ys, std::vector<Output>* grad_xs,
                            const GradientOptions& options) {
  std::vector<GradientValue> values;
  SLUICE_RETURN_IF_ERROR(BuildGradients(scope, ys, xs, grad_ys, /*densify=*/true, &values, options));
  grad_xs->clear();
  for (const GradientValue& g : values) grad_xs->push_back(g.dense());
  return absl::OkStatus();
}

}  // namespace sluice
