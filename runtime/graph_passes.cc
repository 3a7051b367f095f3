#include "runtime/graph_passes.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"

namespace sluice {

namespace {

// TensorFlow's limit for bypassing a NoOp: more edges than this would cost more than the node.
constexpr int kMaxNoOpBypassEdges = 16;
// TensorFlow's GraphOptimizer stops after this many rounds even without a fixed point.
constexpr int kMaxOptimizerRounds = 10;

bool IsProtected(const PassContext& ctx, const Node* n) { return ctx.protected_nodes.contains(n->name()); }

bool HasSideEffects(const Node* n) {
  if (n->is_stateful()) return true;
  for (DataType t : n->input_types()) {
    if (IsRefType(t)) return true;
  }
  return false;
}

// A node with no inputs of any kind and no side effects (a Const, a Placeholder): it can run
// first, so waiting for it orders nothing, and no control edge from it is ever added. (A fed
// Placeholder would even fail if a control edge made the session run it.)
bool IsInertSource(const Node* n) {
  return n->num_inputs() == 0 && n->control_inputs().empty() && !HasSideEffects(n);
}

// Adds `dep` to `deps` unless it is there already or orders nothing.
void AddOrderingDep(Node* dep, std::vector<Node*>* deps) {
  if (!IsInertSource(dep) && std::find(deps->begin(), deps->end(), dep) == deps->end()) deps->push_back(dep);
}

bool IsPlaceholder(const Node* n) {
  return n->type_string() == "Placeholder" || n->type_string() == "PlaceholderWithDefault";
}

// Whether `n` reads a variable's current value (a ref output turned into a value). Two such
// reads may see different values, and the read is where the variable's value is taken.
bool ReadsRef(const Node* n) {
  for (const Endpoint& in : n->inputs()) {
    if (IsRefType(in.node->output_type(in.index))) return true;
  }
  return false;
}

// Data uses of output `index` of `n`.
bool HasDataUse(const Node* n, int index) {
  for (const OutEdge& e : n->out_edges()) {
    if (e.dst_input >= 0 && e.src_output == index) return true;
  }
  return false;
}

// `base`, or `base_1`, `base_2`, ... whichever no node of `graph` has.
std::string UniqueNodeName(const Graph& graph, const std::string& base) {
  std::string name = base;
  for (int k = 1; graph.FindNode(name) != nullptr; ++k) name = absl::StrCat(base, "_", k);
  return name;
}

// Adds a Const holding `value`, named after `base`, on `device`, that runs after `control_deps`.
StatusOr<Node*> AddConst(Graph* graph, const std::string& base, const std::string& device, const Tensor& value,
                         const std::vector<Node*>& control_deps) {
  NodeDef def;
  def.set_name(UniqueNodeName(*graph, base));
  def.set_op("Const");
  def.set_device(device);
  (*def.mutable_attr())["dtype"] = MakeAttr(value.dtype());
  (*def.mutable_attr())["value"] = MakeAttr(value);
  for (const Node* dep : control_deps) def.add_input(absl::StrCat("^", dep->name()));
  return graph->AddNode(std::move(def));
}

// Moves the control successors of `from` to `to` (which must run no later than `from` did).
void MoveControlSuccessors(Graph* graph, Node* from, Node* to) {
  std::vector<Node*> successors;
  for (const OutEdge& e : from->out_edges()) {
    if (e.dst_input < 0) successors.push_back(e.dst);
  }
  for (Node* d : successors) {
    graph->RemoveControlEdge(from, d);
    if (d != to && !IsInertSource(to)) graph->AddControlEdge(to, d);
  }
}

// ---- Constant folding -------------------------------------------------------------------------

// The value of Shape, Size or Rank of `n`'s input, when its inferred shape tells it.
std::optional<Tensor> KnownShapeValue(const Node* n) {
  const Endpoint& in = n->input(0);
  const TensorShape& shape = in.node->output_shape(in.index);
  if (n->type_string() == "Rank") {
    if (shape.unknown_rank()) return std::nullopt;
    return Tensor::Scalar<int32_t>(shape.rank());
  }
  if (!shape.IsFullyDefined()) return std::nullopt;
  const DataType out_type = n->output_type(0);
  std::vector<int64_t> values;
  if (n->type_string() == "Shape") {
    values.assign(shape.dims().begin(), shape.dims().end());
  } else {
    if (shape.num_elements() < 0) return std::nullopt;  // overflows int64
    values.push_back(shape.num_elements());
  }
  if (out_type == DT_INT64) {
    return n->type_string() == "Shape" ? Tensor::FromVector(values) : Tensor::Scalar<int64_t>(values[0]);
  }
  std::vector<int32_t> narrow;
  for (int64_t v : values) {
    if (v > std::numeric_limits<int32_t>::max()) return std::nullopt;  // the kernel would refuse it
    narrow.push_back(static_cast<int32_t>(v));
  }
  return n->type_string() == "Shape" ? Tensor::FromVector(narrow) : Tensor::Scalar<int32_t>(narrow[0]);
}

// Replaces Shape, Size and Rank nodes whose result the inferred shapes give by Consts. The Const
// waits for the input's producer (and the node's control inputs), as the node did. Nodes that
// fold anyway (`constant` says which) are left to the general folding, which needs no such edge.
Status MaterializeShapes(Graph* graph, const PassContext& ctx, const std::function<bool(const Node*)>& constant,
                         bool* changed) {
  std::vector<Node*> candidates;
  for (Node* n : graph->nodes()) {
    const std::string& op = n->type_string();
    if ((op != "Shape" && op != "Size" && op != "Rank") || IsProtected(ctx, n) || !HasDataUse(n, 0) || constant(n)) {
      continue;
    }
    // A variable may be assigned a value of another shape (validate_shape=false).
    const Endpoint& in = n->input(0);
    if (IsRefType(in.node->output_type(in.index))) continue;
    candidates.push_back(n);
  }
  for (Node* n : candidates) {
    std::optional<Tensor> value = KnownShapeValue(n);
    if (!value) continue;
    std::vector<Node*> deps;
    AddOrderingDep(n->input(0).node, &deps);
    for (Node* c : n->control_inputs()) AddOrderingDep(c, &deps);
    SLUICE_ASSIGN_OR_RETURN(Node * folded,
                            AddConst(graph, absl::StrCat(n->name(), "/folded"), n->requested_device(), *value, deps));
    SLUICE_RETURN_IF_ERROR(graph->ReplaceAllUses({n, 0}, {folded, 0}));
    *changed = true;
  }
  return absl::OkStatus();
}

// Bytes of output `i` of `n` when its inferred shape is fully known (strings: unknown), else -1.
int64_t KnownOutputBytes(const Node* n, int i) {
  const TensorShape& shape = n->output_shape(i);
  if (!shape.IsFullyDefined() || n->output_type(i) == DT_STRING) return -1;
  const int64_t elements = shape.num_elements();
  const int64_t size = static_cast<int64_t>(DataTypeSize(n->output_type(i)));
  if (elements < 0 || (size > 0 && elements > std::numeric_limits<int64_t>::max() / size)) {
    return std::numeric_limits<int64_t>::max();
  }
  return elements * size;
}

// Whether `n` runs functions of the library: a call by function name, or a func attr (If, While,
// PartitionedCall).
bool CallsFunctions(const Node* n) {
  if (n->is_function_call()) return true;
  for (const auto& [name, value] : n->def().attr()) {
    if (value.value_case() == AttrValue::kFunc) return true;
  }
  return false;
}

// Whether `n` may be folded once its inputs are known to be constants.
bool MayFold(const Node* n, const PassContext& ctx, const OptimizerOptions& opts) {
  if (n->type_string() == "Const" || IsPlaceholder(n) || IsProtected(ctx, n) || HasSideEffects(n)) return false;
  if (n->num_inputs() == 0 || n->num_outputs() == 0) return false;
  for (int i = 0; i < n->num_outputs(); ++i) {
    // A Const cannot hold a list or a handle (they have no serialized form).
    const DataType t = n->output_type(i);
    if (IsRefType(t) || t == DT_VARIANT || t == DT_RESOURCE || KnownOutputBytes(n, i) > opts.max_constant_bytes) {
      return false;
    }
  }
  if (CallsFunctions(n)) return false;  // folding has no function library to run them with
  return KernelRegistry::Global()->HasKernel(*n, kDeviceCpu);
}

// The constant part of a graph: which nodes hold values known before the graph runs, and, for
// each, the non-constant nodes it waited for (through control edges into it or into the Consts
// it came from), which the Const that replaces it must wait for too.
struct ConstantAnalysis {
  absl::flat_hash_map<const Node*, std::vector<Node*>> control_deps;  // key: every constant node
  std::vector<Node*> foldable;                                         // topological order

  bool IsConstant(const Node* n) const { return control_deps.contains(n); }
};

ConstantAnalysis AnalyzeConstants(const Graph& graph, const PassContext& ctx, const OptimizerOptions& opts) {
  ConstantAnalysis a;
  auto add_deps_of = [&a](const Node* from, std::vector<Node*>* deps) {
    for (Node* d : a.control_deps.at(from)) AddOrderingDep(d, deps);
  };
  for (Node* n : graph.TopologicalOrder()) {
    std::vector<Node*> deps;
    if (n->type_string() == "Const") {
      if (IsProtected(ctx, n)) continue;  // it may be fed
      for (Node* c : n->control_inputs()) {
        if (a.IsConstant(c)) {
          add_deps_of(c, &deps);
        } else {
          AddOrderingDep(c, &deps);
        }
      }
      a.control_deps.emplace(n, std::move(deps));
      continue;
    }
    if (!MayFold(n, ctx, opts)) continue;
    bool constant_inputs = true;
    for (const Endpoint& in : n->inputs()) constant_inputs &= a.IsConstant(in.node);
    for (const Node* c : n->control_inputs()) constant_inputs &= a.IsConstant(c);
    if (!constant_inputs) continue;
    for (const Endpoint& in : n->inputs()) add_deps_of(in.node, &deps);
    for (const Node* c : n->control_inputs()) add_deps_of(c, &deps);
    a.control_deps.emplace(n, std::move(deps));
    a.foldable.push_back(n);
  }
  return a;
}

// Runs the foldable nodes' CPU kernels, in order, on the constants. A node whose kernel cannot
// be built or fails, or that needs a tensor over `max_bytes`, gets no values (nor do the nodes
// that read it).
absl::flat_hash_map<const Node*, std::vector<Tensor>> EvaluateConstants(const std::vector<Node*>& foldable,
                                                                       int64_t max_bytes) {
  Device cpu("/job:localhost/replica:0/task:0/device:CPU:0", kDeviceCpu, CpuAllocator());
  ResourceMgr resources;
  // The kernels allocate under this cap, so a huge intermediate fails instead of being made.
  ScopedMaxTensorBytes cap(std::max<int64_t>(max_bytes, 1));
  absl::flat_hash_map<const Node*, std::vector<Tensor>> values;
  for (const Node* n : foldable) {
    // The map keeps a reference to every input, so no kernel reuses an input's buffer in place.
    std::vector<TensorValue> inputs(n->num_inputs());
    bool known = true;
    for (int i = 0; i < n->num_inputs() && known; ++i) {
      const Endpoint& in = n->input(i);
      if (const Tensor* c = in.node->const_value()) {
        inputs[i].tensor = *c;
      } else if (auto it = values.find(in.node); it != values.end()) {
        inputs[i].tensor = it->second[in.index];
      } else {
        known = false;
      }
    }
    if (!known) continue;
    auto kernel = KernelRegistry::Global()->CreateKernel(*n, &cpu, &resources);
    if (!kernel.ok()) continue;
    OpKernelContext::Params params;
    params.kernel = kernel->get();
    params.device = &cpu;
    params.resource_mgr = &resources;
    params.inputs = inputs.data();
    params.num_inputs = n->num_inputs();
    OpKernelContext kernel_ctx(params, n->num_outputs());
    (*kernel)->Compute(&kernel_ctx);
    if (!kernel_ctx.ok()) continue;
    std::vector<Tensor> outputs;
    for (int i = 0; i < n->num_outputs(); ++i) {
      Tensor& t = kernel_ctx.outputs()[i].tensor;
      if (!t.IsInitialized() || t.dtype() != n->output_type(i)) break;
      outputs.push_back(std::move(t));
    }
    if (static_cast<int>(outputs.size()) == n->num_outputs()) values.emplace(n, std::move(outputs));
  }
  return values;
}

// ---- Common subexpression elimination ---------------------------------------------------------

std::string SerializeDeterministically(const google::protobuf::MessageLite& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializePartialToCodedStream(&coded);
  }
  return bytes;
}

// What two equivalent nodes share: op, device, attrs, data inputs and the set of control inputs.
std::string EquivalenceKey(const Node* n) {
  std::string key = absl::StrCat(n->type_string(), "|", n->requested_device(), "|");
  for (const Endpoint& in : n->inputs()) absl::StrAppend(&key, in.node->id(), ":", in.index, ",");
  std::vector<int> controls;
  for (const Node* c : n->control_inputs()) controls.push_back(c->id());
  std::sort(controls.begin(), controls.end());
  controls.erase(std::unique(controls.begin(), controls.end()), controls.end());
  absl::StrAppend(&key, "|");
  for (int c : controls) absl::StrAppend(&key, c, ",");
  std::vector<std::pair<std::string, const AttrValue*>> attrs;
  for (const auto& [name, value] : n->def().attr()) attrs.emplace_back(name, &value);
  std::sort(attrs.begin(), attrs.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [name, value] : attrs) {
    const std::string bytes = SerializeDeterministically(*value);
    // Length-prefixed, so that no attr's bytes can be mistaken for the next attr's name.
    absl::StrAppend(&key, "|", name.size(), ":", name, bytes.size(), ":", bytes);
  }
  return key;
}

// A protected node with outputs may be fed: merged either way, its fed value would reach the
// other node's consumers. One without outputs (a target NoOp) may take over another's place.
bool MayMerge(const Node* n, const PassContext& ctx) {
  if (HasSideEffects(n) || IsPlaceholder(n) || ReadsRef(n)) return false;
  return n->num_outputs() == 0 || !IsProtected(ctx, n);
}

// Moves every use of `removed` (data and control) to the equivalent `survivor` and removes it.
Status Merge(Graph* graph, Node* removed, Node* survivor) {
  for (int i = 0; i < removed->num_outputs(); ++i) {
    SLUICE_RETURN_IF_ERROR(graph->ReplaceAllUses({removed, i}, {survivor, i}));
  }
  MoveControlSuccessors(graph, removed, survivor);
  graph->RemoveNode(removed);
  return absl::OkStatus();
}

// One sweep in topological order. Returns whether it merged a later protected node into an
// earlier one's place: consumers of the earlier node already swept may then have stale keys.
StatusOr<bool> CseSweep(Graph* graph, const PassContext& ctx, bool* changed) {
  absl::flat_hash_map<std::string, Node*> seen;
  bool swapped = false;
  for (Node* n : graph->TopologicalOrder()) {
    if (!MayMerge(n, ctx)) continue;
    auto [it, inserted] = seen.try_emplace(EquivalenceKey(n), n);
    if (inserted) continue;
    Node* earlier = it->second;
    const bool n_protected = IsProtected(ctx, n);
    if (n_protected && IsProtected(ctx, earlier)) continue;
    if (n_protected) {
      // The protected node keeps its name; it computes what the earlier one did.
      SLUICE_RETURN_IF_ERROR(Merge(graph, earlier, n));
      it->second = n;
      swapped = true;
    } else {
      SLUICE_RETURN_IF_ERROR(Merge(graph, n, earlier));
    }
    *changed = true;
  }
  return swapped;
}

}  // namespace

Status ConstantFolding(Graph* graph, const PassContext& ctx, const OptimizerOptions& opts, bool* changed) {
  *changed = false;
  ConstantAnalysis analysis = AnalyzeConstants(*graph, ctx, opts);
  SLUICE_RETURN_IF_ERROR(
      MaterializeShapes(graph, ctx, [&analysis](const Node* n) { return analysis.IsConstant(n); }, changed));
  // The new Consts are constants the folding may start from.
  if (*changed) analysis = AnalyzeConstants(*graph, ctx, opts);
  if (analysis.foldable.empty()) return absl::OkStatus();
  auto values = EvaluateConstants(analysis.foldable, opts.max_constant_bytes);
  for (Node* n : analysis.foldable) {
    auto it = values.find(n);
    if (it == values.end()) continue;
    for (int i = 0; i < n->num_outputs(); ++i) {
      bool read_outside = false;
      for (const OutEdge& e : n->out_edges()) {
        read_outside |= e.dst_input >= 0 && e.src_output == i && !values.contains(e.dst);
      }
      const Tensor& value = it->second[i];
      if (!read_outside || static_cast<int64_t>(value.TotalBytes()) > opts.max_constant_bytes) continue;
      const std::string base = i == 0 ? absl::StrCat(n->name(), "/folded") : absl::StrCat(n->name(), "/folded_", i);
      SLUICE_ASSIGN_OR_RETURN(Node * folded,
                              AddConst(graph, base, n->requested_device(), value, analysis.control_deps.at(n)));
      SLUICE_RETURN_IF_ERROR(graph->ReplaceAllUses({n, i}, {folded, 0}));
      *changed = true;
    }
  }
  return absl::OkStatus();
}

Status CommonSubexpressionElimination(Graph* graph, const PassContext& ctx, bool* changed) {
  *changed = false;
  // Each further sweep follows a sweep that removed a node, so this ends.
  for (;;) {
    SLUICE_ASSIGN_OR_RETURN(bool swapped, CseSweep(graph, ctx, changed));
    if (!swapped) return absl::OkStatus();
  }
}

Status DeadNodeElimination(Graph* graph, const PassContext& ctx, bool* changed) {
  *changed = false;
  // Ids, not pointers: a node on the stack may have been removed already.
  std::vector<int> stack;
  for (const Node* n : graph->nodes()) stack.push_back(n->id());
  while (!stack.empty()) {
    Node* n = graph->FindNodeId(stack.back());
    stack.pop_back();
    if (n == nullptr || !n->out_edges().empty() || IsProtected(ctx, n) || HasSideEffects(n)) continue;
    for (const Endpoint& in : n->inputs()) stack.push_back(in.node->id());
    for (const Node* c : n->control_inputs()) stack.push_back(c->id());
    graph->RemoveNode(n);
    *changed = true;
  }
  return absl::OkStatus();
}

Status IdentityElimination(Graph* graph, const PassContext& ctx, bool* changed) {
  *changed = false;
  std::vector<Node*> candidates;
  for (Node* n : graph->nodes()) {
    if ((n->type_string() == "Identity" || n->type_string() == "NoOp") && !IsProtected(ctx, n)) {
      candidates.push_back(n);
    }
  }
  for (Node* n : candidates) {
    if (n->type_string() == "Identity") {
      const Endpoint in = n->input(0);
      if (IsRefType(in.node->output_type(in.index)) || !n->control_inputs().empty() ||
          n->requested_device() != in.node->requested_device()) {
        continue;
      }
      SLUICE_RETURN_IF_ERROR(graph->ReplaceAllUses({n, 0}, in));
      MoveControlSuccessors(graph, n, in.node);
      graph->RemoveNode(n);
      *changed = true;
      continue;
    }
    std::vector<Node*> inputs = n->control_inputs();
    std::vector<Node*> successors;
    for (const OutEdge& e : n->out_edges()) successors.push_back(e.dst);
    if (static_cast<int>(inputs.size() * successors.size()) > kMaxNoOpBypassEdges) continue;
    std::vector<Node*> deps;
    for (Node* c : inputs) AddOrderingDep(c, &deps);
    for (Node* d : successors) {
      for (Node* c : deps) graph->AddControlEdge(c, d);
    }
    graph->RemoveNode(n);
    *changed = true;
  }
  return absl::OkStatus();
}

Status MergeForwardLoops(Graph* graph, const PassContext& ctx, bool* changed) {
  *changed = false;
  std::vector<std::pair<Node*, Node*>> merges;  // (original, accumulating)
  for (Node* n : graph->nodes()) {
    auto it = n->def().attr().find("_sluice_forward_of");
    if (it == n->def().attr().end() || it->second.value_case() != AttrValue::kS) continue;
    Node* original = graph->FindNode(it->second.s());
    if (original == nullptr || original == n || IsProtected(ctx, original) ||
        original->type_string() != n->type_string() || original->num_inputs() > n->num_inputs() ||
        original->num_outputs() > n->num_outputs()) {
      continue;
    }
    bool same = true;
    for (int i = 0; i < original->num_inputs(); ++i) same &= original->input(i) == n->input(i);
    for (Node* c : original->control_inputs()) {
      same &= std::find(n->control_inputs().begin(), n->control_inputs().end(), c) != n->control_inputs().end();
    }
    if (same) merges.emplace_back(original, n);
  }
  absl::flat_hash_set<const Node*> merged;
  for (auto [original, accumulating] : merges) {
    if (!merged.insert(original).second) continue;  // a second gradient's loop keeps running its own
    for (int k = 0; k < original->num_outputs(); ++k) {
      SLUICE_RETURN_IF_ERROR(graph->ReplaceAllUses({original, k}, {accumulating, k}));
    }
    std::vector<Node*> control_successors;
    for (const OutEdge& e : original->out_edges()) {
      if (e.dst_input < 0) control_successors.push_back(e.dst);
    }
    for (Node* dst : control_successors) {
      graph->RemoveControlEdge(original, dst);
      graph->AddControlEdge(accumulating, dst);
    }
    graph->RemoveNode(original);
    *changed = true;
  }
  return absl::OkStatus();
}

Status GradientGateElimination(Graph* graph, const PassContext& ctx, bool* changed) {
  *changed = false;
  std::vector<Node*> gates;
  for (Node* n : graph->nodes()) {
    if (n->type_string() == "NoOp" && n->num_inputs() == 0 && !n->control_inputs().empty() &&
        !n->out_edges().empty() && !IsProtected(ctx, n)) {
      gates.push_back(n);
    }
  }
  for (Node* gate : gates) {
    const std::vector<Node*>& inputs = gate->control_inputs();
    if (std::any_of(inputs.begin(), inputs.end(), HasSideEffects)) continue;
    std::vector<Node*> passes;
    bool matches = true;
    for (const OutEdge& e : gate->out_edges()) {
      Node* d = e.dst;
      matches = e.dst_input < 0 && d->type_string() == "Identity" && d->control_inputs().size() == 1 &&
                std::find(inputs.begin(), inputs.end(), d->input(0).node) != inputs.end();
      if (!matches) break;
      passes.push_back(d);
    }
    if (!matches) continue;
    for (Node* d : passes) graph->RemoveControlEdge(gate, d);
    *changed = true;
  }
  return absl::OkStatus();
}

Status OptimizeGraph(Graph* graph, const PassContext& ctx, const OptimizerOptions& opts) {
  if (opts.merge_forward_loops) {
    bool changed = false;
    SLUICE_RETURN_IF_ERROR(MergeForwardLoops(graph, ctx, &changed));
  }
  if (opts.gradient_gate_elimination) {
    bool changed = false;
    SLUICE_RETURN_IF_ERROR(GradientGateElimination(graph, ctx, &changed));
  }
  for (int round = 0; round < kMaxOptimizerRounds; ++round) {
    bool any = false;
    auto run = [&any](bool enabled, const std::function<Status(bool*)>& pass) -> Status {
      if (!enabled) return absl::OkStatus();
      bool changed = false;
      SLUICE_RETURN_IF_ERROR(pass(&changed));
      any |= changed;
      return absl::OkStatus();
    };
    SLUICE_RETURN_IF_ERROR(run(opts.identity_elimination, [&](bool* c) { return IdentityElimination(graph, ctx, c); }));
    SLUICE_RETURN_IF_ERROR(run(opts.common_subexpression_elimination,
                               [&](bool* c) { return CommonSubexpressionElimination(graph, ctx, c); }));
    SLUICE_RETURN_IF_ERROR(run(opts.constant_folding, [&](bool* c) { return ConstantFolding(graph, ctx, opts, c); }));
    SLUICE_RETURN_IF_ERROR(run(opts.common_subexpression_elimination,
                               [&](bool* c) { return CommonSubexpressionElimination(graph, ctx, c); }));
    SLUICE_RETURN_IF_ERROR(run(opts.dead_node_elimination, [&](bool* c) { return DeadNodeElimination(graph, ctx, c); }));
    if (!any) break;
  }
  if (opts.conv_bias_relu_fusion) {
    bool changed = false;
    SLUICE_RETURN_IF_ERROR(ConvBiasReluFusion(graph, ctx, &changed));
  }
  return absl::OkStatus();
}

}  // namespace sluice
