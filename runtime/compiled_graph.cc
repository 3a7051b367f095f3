#include "runtime/compiled_graph.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/attr_value.h"
#include "core/kernel.h"
#include "runtime/frame_executor.h"

namespace sluice {

StatusOr<OpKernel*> KernelCache::GetOrCreate(const Node& node, Device* device, ResourceMgr* resource_mgr) {
  absl::MutexLock lock(&mu_);
  auto& slot = kernels_[{&node, device}];
  if (slot == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(slot, KernelRegistry::Global()->CreateKernel(node, device, resource_mgr));
  }
  return slot.get();
}

namespace {

std::string TensorName(const Endpoint& e) { return absl::StrCat(e.node->name(), ":", e.index); }

// A node name for the copy that no node of `graph` has: "<base>" or "<base>_<k>".
std::string UniqueName(const Graph& graph, const std::string& base) {
  std::string name = base;
  for (int k = 1; graph.FindNode(name) != nullptr; ++k) name = absl::StrCat(base, "_", k);
  return name;
}

bool IsArg(const Node& n) { return n.type_string() == "_Arg"; }
bool IsRetval(const Node& n) { return n.type_string() == "_Retval"; }

// The pruned copy of `graph` for a signature whose feeds, fetches and targets are resolved.
StatusOr<std::unique_ptr<Graph>> PrunedCopy(const Graph& graph, const std::vector<Endpoint>& feeds,
                                            const std::vector<Endpoint>& fetches,
                                            const std::vector<const Node*>& targets) {
  absl::flat_hash_map<Endpoint, std::string> fed;  // endpoint -> name of its _Arg in the copy
  GraphDef copy;
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Endpoint& e = feeds[i];
    NodeDef* arg = copy.add_node();
    arg->set_name(UniqueName(graph, absl::StrCat("_arg_", i)));
    arg->set_op("_Arg");
    (*arg->mutable_attr())["T"].set_type(BaseType(e.node->output_type(e.index)));
    (*arg->mutable_attr())["index"].set_i(static_cast<int64_t>(i));
    e.node->output_shape(e.index).ToProto((*arg->mutable_attr())["_output_shapes"].mutable_list()->add_shape());
    fed.emplace(e, arg->name());
  }
  auto input_name = [&](const Endpoint& e) {
    auto it = fed.find(e);
    return it != fed.end() ? it->second : TensorName(e);
  };

  // The nodes the fetches and targets need, stopping at fed tensors.
  absl::flat_hash_set<const Node*> needed;
  std::vector<const Node*> stack;
  auto need = [&](const Node* n) {
    if (needed.insert(n).second) stack.push_back(n);
  };
  for (const Endpoint& e : fetches) {
    if (!fed.contains(e)) need(e.node);
  }
  for (const Node* n : targets) need(n);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const Endpoint& in : n->inputs()) {
      if (!fed.contains(in)) need(in.node);
    }
    for (const Node* c : n->control_inputs()) need(c);
  }
  std::vector<const Node*> order(needed.begin(), needed.end());
  std::sort(order.begin(), order.end(), [](const Node* a, const Node* b) { return a->id() < b->id(); });
  for (const Node* n : order) {
    NodeDef* def = copy.add_node();
    *def = n->def();
    def->clear_input();
    for (const Endpoint& in : n->inputs()) def->add_input(input_name(in));
    for (const Node* c : n->control_inputs()) def->add_input(absl::StrCat("^", c->name()));
  }
  for (size_t i = 0; i < fetches.size(); ++i) {
    const Endpoint& e = fetches[i];
    NodeDef* ret = copy.add_node();
    ret->set_name(UniqueName(graph, absl::StrCat("_retval_", i)));
    ret->set_op("_Retval");
    ret->add_input(input_name(e));
    (*ret->mutable_attr())["T"].set_type(BaseType(e.node->output_type(e.index)));
    (*ret->mutable_attr())["index"].set_i(static_cast<int64_t>(i));
  }
  auto pruned = std::make_unique<Graph>(graph.library());
  SLUICE_RETURN_IF_ERROR(pruned->Import(copy));
  return pruned;
}

// The memory an edge end lives in: null for host memory, else the device.
const Device* MemoryOf(Device* device, bool host_memory_arg) {
  return device->UsesHostMemory() || host_memory_arg ? nullptr : device;
}

// Places `graph` and, where a tensor crosses from one memory to another, rebuilds it with a
// _Copy node on that edge (one per produced tensor and destination memory, however many
// consumers there read it). `devices` gets the device of every node of the final graph.
// `copy_from` gets, per _Copy node, the device whose memory its input is in.
Status PlaceAndInsertCopies(const Placer& placer, std::unique_ptr<Graph>* graph, std::vector<Device*>* devices,
                            absl::flat_hash_map<std::string, Device*>* copy_from) {
  SLUICE_ASSIGN_OR_RETURN(*devices, placer.PlaceGraph(**graph));
  const Graph& g = **graph;
  Device* host = nullptr;
  for (Device* d : placer.devices()) {
    if (d->UsesHostMemory()) {
      host = d;
      break;
    }
  }
  // (produced tensor, destination memory) -> name of its _Copy node
  absl::flat_hash_map<std::tuple<const Node*, int, const Device*>, std::string> copies;
  GraphDef rebuilt;
  absl::flat_hash_map<std::string, Device*> device_of;
  std::vector<bool> in_host, out_host;
  std::vector<std::vector<bool>> outputs_on_host(g.num_node_ids());
  for (const auto& n : g.nodes()) {
    KernelRegistry::Global()->HostMemoryArgs(*n, (*devices)[n->id()]->type(), &in_host, &outputs_on_host[n->id()]);
  }
  for (const auto& n : g.nodes()) {
    Device* dst = (*devices)[n->id()];
    KernelRegistry::Global()->HostMemoryArgs(*n, dst->type(), &in_host, &out_host);
    NodeDef* def = rebuilt.add_node();
    *def = n->def();
    def->set_device(dst->name());
    device_of[n->name()] = dst;
    for (int k = 0; k < n->num_inputs(); ++k) {
      const Endpoint& in = n->input(k);
      Device* src = (*devices)[in.node->id()];
      const Device* from = MemoryOf(src, outputs_on_host[in.node->id()][in.index]);
      const Device* to = MemoryOf(dst, in_host[k]);
      if (from == to || IsRefType(n->input_type(k))) continue;  // refs are colocated: never copied
      if (to == nullptr && host == nullptr) {
        return errors::Internal("node ", n->DebugName(), " needs its input ", k, " in host memory, but no device has it");
      }
      auto [it, fresh] = copies.try_emplace(std::make_tuple(in.node, in.index, to));
      if (fresh) {
        Device* target = to == nullptr ? host : dst;
        it->second = UniqueName(g, absl::StrCat(in.node->name(), "/_copy_", in.index, "_to_", target->type(), "_",
                                                target->index()));
        NodeDef* copy = rebuilt.add_node();
        copy->set_name(it->second);
        copy->set_op("_Copy");
        copy->set_device(target->name());
        copy->add_input(TensorName(in));
        (*copy->mutable_attr())["T"].set_type(BaseType(in.node->output_type(in.index)));
        device_of[copy->name()] = target;
        (*copy_from)[copy->name()] = from == nullptr ? host : src;
      }
      def->set_input(k, it->second);
    }
  }
  if (copies.empty()) return absl::OkStatus();
  auto with_copies = std::make_unique<Graph>(g.library());
  SLUICE_RETURN_IF_ERROR(with_copies->Import(rebuilt));
  devices->assign(with_copies->num_node_ids(), nullptr);
  for (const auto& n : with_copies->nodes()) (*devices)[n->id()] = device_of.at(n->name());
  *graph = std::move(with_copies);
  return absl::OkStatus();
}

int64_t IndexAttr(const Node& n) {
  int64_t index = -1;
  (void)GetAttr(n.def().attr(), "index", &index);
  return index;
}

}  // namespace

StatusOr<std::unique_ptr<CompiledGraph>> CompiledGraph::Compile(const Graph& graph, const CompileSignature& signature,
                                                                const Environment& env) {
  // Resolve the signature against `graph`.
  std::vector<Endpoint> feed_eps, fetch_eps;
  absl::flat_hash_set<Endpoint> fed;
  for (const std::string& name : signature.feeds) {
    auto ep = graph.FindEndpoint(name);
    if (!ep.ok()) return errors::NotFound("cannot feed ", ep.status().message());
    DataType dt = ep->node->output_type(ep->index);
    if (IsRefType(dt)) {
      return errors::InvalidArgument("cannot feed tensor '", errors::Echo(name), "': it is a ", DataTypeString(dt),
                                     " reference");
    }
    if (!fed.insert(*ep).second) return errors::InvalidArgument("tensor '", errors::Echo(name), "' is fed more than once");
    feed_eps.push_back(*ep);
  }
  for (const std::string& name : signature.fetches) {
    auto ep = graph.FindEndpoint(name);
    if (!ep.ok()) return errors::NotFound("cannot fetch ", ep.status().message());
    fetch_eps.push_back(*ep);
  }
  std::vector<const Node*> target_nodes;
  for (const std::string& name : signature.targets) {
    const Node* n = graph.FindNode(name);
    if (n == nullptr) {
      return errors::NotFound("target '", errors::Echo(name), "': no node named '", errors::Echo(name), "' in the graph");
    }
    target_nodes.push_back(n);
  }

  std::unique_ptr<CompiledGraph> compiled(new CompiledGraph());
  compiled->signature_ = signature;
  for (const Endpoint& e : feed_eps) {
    compiled->feed_names_.push_back(TensorName(e));
    compiled->feed_dtypes_.push_back(BaseType(e.node->output_type(e.index)));
    compiled->feed_shapes_.push_back(e.node->output_shape(e.index));
  }
  SLUICE_ASSIGN_OR_RETURN(compiled->graph_, PrunedCopy(graph, feed_eps, fetch_eps, target_nodes));
  // Device requests are checked before any pass copies one onto a node it makes.
  for (Node* n : compiled->graph_->nodes()) {
    Status valid = ParseDeviceSpec(n->requested_device()).status();
    if (!valid.ok()) return errors::Annotate(valid, absl::StrCat("node ", n->DebugName(), ": "));
  }
  // The graph passes assume an acyclic graph; a graph with TF1 loops runs as written.
  const bool v1_control_flow = HasV1ControlFlow(*compiled->graph_);
  if (env.optimizer != nullptr && !v1_control_flow) {
    // The _Arg and _Retval nodes and the targets are the signature: never folded or merged away.
    PassContext pass_context;
    for (Node* n : compiled->graph_->nodes()) {
      if (IsArg(*n) || IsRetval(*n)) pass_context.protected_nodes.insert(n->name());
    }
    for (const std::string& t : signature.targets) pass_context.protected_nodes.insert(t);
    SLUICE_RETURN_IF_ERROR(OptimizeGraph(compiled->graph_.get(), pass_context, *env.optimizer));
  }
  std::vector<Device*> placement;
  absl::flat_hash_map<std::string, Device*> copy_from;
  SLUICE_RETURN_IF_ERROR(PlaceAndInsertCopies(*env.placer, &compiled->graph_, &placement, &copy_from));
  const Graph& copy = *compiled->graph_;
  ExecutionPlan& plan = compiled->plan_;

  // Plan nodes: every node of the copy but the _Arg and _Retval nodes, in the copy's order
  // (topological). Slots: each plan node's outputs, then one per feed (an _Arg's output).
  absl::flat_hash_map<const Node*, int> index;
  int slot = 0;
  std::vector<const Node*> args(feed_eps.size()), retvals(fetch_eps.size());
  for (const auto& n : copy.nodes()) {
    if (IsArg(*n)) {
      args[IndexAttr(*n)] = n;
      continue;
    }
    if (IsRetval(*n)) {
      retvals[IndexAttr(*n)] = n;
      continue;
    }
    index[n] = static_cast<int>(plan.nodes.size());
    ExecutionPlan::PlanNode pn{};
    pn.node = n;
    pn.device = placement[n->id()];
    if (n->type_string() == "_Copy") {
      pn.copy_from = copy_from.at(n->name());
    } else if (n->is_stateful()) {
      const Node* original = graph.FindNode(n->name());
      SLUICE_ASSIGN_OR_RETURN(pn.kernel, env.kernel_cache->GetOrCreate(*original, pn.device, env.resource_mgr));
    } else {
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel,
                              KernelRegistry::Global()->CreateKernel(*n, pn.device, env.resource_mgr));
      pn.kernel = kernel.get();
      compiled->kernels_.push_back(std::move(kernel));
    }
    pn.expensive = pn.kernel != nullptr && pn.kernel->IsExpensive();
    pn.first_slot = slot;
    pn.num_outputs = n->num_outputs();
    slot += n->num_outputs();
    plan.nodes.push_back(pn);
    for (int i = 0; i < n->num_outputs(); ++i) plan.slot_nodes.push_back(n);
  }
  absl::flat_hash_map<const Node*, int> arg_slot;
  for (size_t i = 0; i < args.size(); ++i) {
    arg_slot[args[i]] = slot;
    plan.feed_slots.push_back(slot++);
    plan.slot_nodes.push_back(feed_eps[i].node);
  }
  plan.num_slots = slot;
  plan.slot_uses.assign(slot, -1);
  auto slot_of = [&](const Endpoint& e) {
    auto a = arg_slot.find(e.node);
    return a != arg_slot.end() ? a->second : plan.nodes[index.at(e.node)].first_slot + e.index;
  };
  auto add_use = [&](int s) { plan.slot_uses[s] = std::max(plan.slot_uses[s], 0) + 1; };

  std::vector<std::vector<int>> successors(plan.nodes.size());
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    ExecutionPlan::PlanNode& pn = plan.nodes[i];
    const Node* n = pn.node;
    pn.first_input = static_cast<int>(plan.inputs.size());
    pn.num_inputs = n->num_inputs();
    for (int k = 0; k < n->num_inputs(); ++k) {
      const Endpoint& in = n->input(k);
      const bool from_arg = IsArg(*in.node);
      ExecutionPlan::InputSource src{};
      src.slot = slot_of(in);
      src.ref_input = IsRefType(n->input_type(k));
      src.deref = !src.ref_input && IsRefType(in.node->output_type(in.index));
      if (src.ref_input || src.deref) {
        plan.slot_uses[src.slot] = std::max(plan.slot_uses[src.slot], 0);
      } else {
        add_use(src.slot);
      }
      plan.inputs.push_back(src);
      if (!from_arg) {
        ++pn.pending;
        successors[index.at(in.node)].push_back(static_cast<int>(i));
      }
    }
    for (const Node* c : n->control_inputs()) {
      if (IsArg(*c)) continue;  // the values passed in are there before anything runs
      ++pn.pending;
      successors[index.at(c)].push_back(static_cast<int>(i));
    }
  }
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    ExecutionPlan::PlanNode& pn = plan.nodes[i];
    pn.first_successor = static_cast<int>(plan.successors.size());
    pn.num_successors = static_cast<int>(successors[i].size());
    plan.successors.insert(plan.successors.end(), successors[i].begin(), successors[i].end());
    if (pn.pending == 0) plan.roots.push_back(static_cast<int>(i));
  }
  for (const Node* r : retvals) {
    int s = slot_of(r->input(0));
    add_use(s);
    plan.fetch_slots.push_back(s);
  }
  if (v1_control_flow) {
    SLUICE_ASSIGN_OR_RETURN(plan.frames, BuildFrameInfo(plan));
  }
  return compiled;
}

Status CompiledGraph::CheckFeeds(absl::Span<const Tensor> feeds) const {
  if (feeds.size() != feed_dtypes_.size()) {
    return errors::InvalidArgument("expected ", feed_dtypes_.size(), " fed value(s), got ", feeds.size());
  }
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Tensor& t = feeds[i];
    if (!t.IsInitialized()) {
      return errors::InvalidArgument("the value fed for tensor '", feed_names_[i], "' is uninitialized");
    }
    if (t.dtype() != feed_dtypes_[i]) {
      return errors::InvalidArgument("Cannot feed value of dtype ", DataTypeString(t.dtype()), " for tensor '",
                                     feed_names_[i], "', which has dtype ", DataTypeString(feed_dtypes_[i]));
    }
    if (!t.shape().IsCompatibleWith(feed_shapes_[i])) {
      return errors::InvalidArgument("Cannot feed value of shape ", t.shape().DebugString(), " for tensor '",
                                     feed_names_[i], "', which has shape ", feed_shapes_[i].DebugString());
    }
  }
  return absl::OkStatus();
}

Status CompiledGraph::Run(const Executor& executor, absl::Span<const Tensor> feeds, std::vector<Tensor>* outputs,
                          const Executor::StepOptions& step) const {
  if (outputs != nullptr) outputs->clear();
  SLUICE_RETURN_IF_ERROR(CheckFeeds(feeds));
  Status s = executor.Run(plan_, feeds, outputs, step);
  if (!s.ok() && outputs != nullptr) outputs->clear();
  return s;
}

Status CompiledGraph::RunConsumingFeeds(const Executor& executor, absl::Span<Tensor> feeds,
                                        std::vector<Tensor>* outputs, const Executor::StepOptions& step) const {
  if (outputs != nullptr) outputs->clear();
  SLUICE_RETURN_IF_ERROR(CheckFeeds(feeds));
  Status s = executor.RunConsumingFeeds(plan_, feeds, outputs, step);
  if (!s.ok() && outputs != nullptr) outputs->clear();
  return s;
}

}  // namespace sluice
