#include "ops/gradients.h"

#include <deque>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "ops/array_ops.h"

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

// TF's control_flow_ops.tuple over the valid gradients of one op, when there are several: each
// becomes an Identity "tuple/control_dependency[_k]" that waits for the NoOp "tuple/group_deps"
// over all of them.
void GateGradients(const Scope& op_scope, std::vector<Output>* in_grads) {
  std::vector<Operation> computed;
  for (const Output& g : *in_grads) {
    if (g.valid()) computed.push_back(g.op());
  }
  if (computed.size() < 2) return;
  Scope tuple = op_scope.NewSubScope("tuple");
  Operation gate = ops::Group(tuple.WithOpName("group_deps"), computed);
  int k = 0;
  for (Output& g : *in_grads) {
    if (!g.valid()) continue;
    std::string name = k == 0 ? "control_dependency" : absl::StrCat("control_dependency_", k);
    g = ops::Identity(tuple.WithControlDependencies({gate}).WithOpName(name), g);
    ++k;
  }
}

}  // namespace

Status AddSymbolicGradients(const Scope& outer, const std::vector<Output>& ys,
                            const std::vector<Output>& xs, const std::vector<Output>& grad_ys,
                            std::vector<Output>* grad_xs, const GradientOptions& options) {
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
  absl::flat_hash_map<Endpoint, std::vector<Output>> grads;
  for (size_t i = 0; i < ys.size(); ++i) {
    if (!between.contains(ys[i].node())) continue;
    Output g = grad_ys.empty()
                   ? Output(NodeBuilder(scope, "OnesLike").Input(ys[i]).Finalize())
                   : grad_ys[i];
    grads[ys[i].endpoint()].push_back(g);
  }
  absl::flat_hash_map<Endpoint, Output> summed;
  auto sum_at = [&](const Endpoint& e, const Scope& s) -> Output {
    auto it = summed.find(e);
    if (it != summed.end()) return it->second;
    auto g = grads.find(e);
    Output out = g == grads.end() || g->second.empty() ? Output() : SumGradients(s, g->second);
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
      Status s = GradientRegistry::Global()->Lookup(n->type_string(), &fn);
      if (!s.ok()) {
        return errors::NotFound("no gradient defined for op ", n->type_string(), " (node '",
                                n->name(), "')");
      }
      Scope op_scope = scope.NewSubScope(n->name() + "_grad");
      std::vector<Output> out_grads;
      bool any = false;
      for (int k = 0; k < n->num_outputs(); ++k) {
        out_grads.push_back(sum_at({n, k}, op_scope));
        any |= out_grads.back().valid();
      }
      if (fn != nullptr && any) {
        Operation op = Operation(n, scope.data());
        auto it = std::find_if(ys.begin(), ys.end(), [&](const Output& o) { return o.node() == n; });
        if (it != ys.end()) op = it->op();
        for (int k = 0; k < n->num_outputs(); ++k) {
          // Zeros for the floating-point outputs nothing depends on; the others (integers,
          // lists, handles) carry no gradient and stay invalid.
          if (!out_grads[k].valid() && IsFloatingType(n->output_type(k))) {
            out_grads[k] = NodeBuilder(op_scope, "ZerosLike").Input(op.output(k)).Finalize();
          }
        }
        std::vector<Output> in_grads;
        s = (*fn)(op_scope, op, out_grads, &in_grads);
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
  for (const Output& x : xs) grad_xs->push_back(sum_at(x.endpoint(), scope));
  return scope.status();
}

}  // namespace sluice
