#include "runtime/session.h"

#include <atomic>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"
#include "core/threadpool.h"
#include "runtime/executor.h"
#include "runtime/intra_op_threads.h"
#include "runtime/placer.h"

namespace sluice {

namespace {

int DefaultInterOpThreads() {
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return cores <= 2 ? 0 : std::min(4, cores / 4);
}

// Runs `run` for a public Run: `outputs` holds the fetched values on success and nothing on
// error, and may be null only when nothing is fetched.
template <typename F>
Status RunChecked(size_t num_fetches, std::vector<Tensor>* outputs, F run) {
  if (outputs == nullptr) {
    if (num_fetches > 0) {
      return errors::InvalidArgument("Run fetches ", num_fetches, " tensor(s) but outputs is null");
    }
    return run(nullptr);
  }
  outputs->clear();
  Status s = run(outputs);
  if (!s.ok()) outputs->clear();
  return s;
}

}  // namespace

struct Session::Impl {
  explicit Impl(const SessionOptions& opts)
      : options(opts),
        graph(std::make_unique<Graph>()),
        cpu("/job:localhost/replica:0/task:0/device:CPU:0", kDeviceCpu, CpuAllocator()),
        placer({&cpu}),
        pool(opts.inter_op_threads > 0 ? opts.inter_op_threads : DefaultInterOpThreads()),
        executor(&resource_mgr, &pool),
        intra_op_threads(opts.intra_op_threads) {}

  // Brings nodes added to the source scope since the last call into the session's graph.
  Status SyncWithScope() ABSL_LOCKS_EXCLUDED(graph_mu);
  StatusOr<std::shared_ptr<const ExecutionPlan>> GetPlan(const std::string& key,
                                                         const std::vector<std::string>& feeds,
                                                         const std::vector<std::string>& fetches,
                                                         const std::vector<std::string>& targets);
  StatusOr<std::unique_ptr<ExecutionPlan>> BuildPlan(const std::vector<std::string>& feeds,
                                                     const std::vector<std::string>& fetches,
                                                     const std::vector<std::string>& targets)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu);
  StatusOr<OpKernel*> KernelFor(const Node& node, Device* device) ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu);
  Status RunPlan(const ExecutionPlan& plan, const std::vector<Tensor>& feed_values,
                 std::vector<Tensor>* outputs);
  Status RunByName(const std::vector<std::pair<std::string, Tensor>>& feeds,
                   const std::vector<std::string>& fetches, const std::vector<std::string>& targets,
                   std::vector<Tensor>* outputs);
  Status RunByEndpoint(const std::vector<std::pair<Endpoint, Tensor>>& feeds,
                       const std::vector<Endpoint>& fetches, const std::vector<const Node*>& targets,
                       std::vector<Tensor>* outputs);
  // Whether `node` is a node of the graph the session follows (then plans are keyed by identity).
  bool IsSourceNode(const Node* node) const;

  SessionOptions options;
  Status init_status;
  std::shared_ptr<const GraphUnderConstruction> source;
  std::atomic<int> synced_nodes{0};

  absl::Mutex graph_mu;  // guards the graph's growth, kernel creation and plan building
  std::unique_ptr<Graph> graph;
  absl::flat_hash_map<int, std::unique_ptr<OpKernel>> kernels ABSL_GUARDED_BY(graph_mu);

  absl::Mutex plans_mu;
  absl::flat_hash_map<std::string, std::shared_ptr<const ExecutionPlan>> plans ABSL_GUARDED_BY(plans_mu);

  ResourceMgr resource_mgr;
  Device cpu;
  Placer placer;
  ThreadPool pool;
  Executor executor;
  IntraOpThreads intra_op_threads;
  std::atomic<int64_t> next_step{1};
};

Status Session::Impl::SyncWithScope() {
  if (!source) return absl::OkStatus();
  SLUICE_RETURN_IF_ERROR(errors::Annotate(source->status(), "graph construction failed: "));
  const Graph& src = source->graph();
  if (src.num_node_ids() == synced_nodes.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&graph_mu);
  int from = synced_nodes.load(std::memory_order_relaxed);
  GraphDef delta;
  for (int i = from; i < src.num_node_ids(); ++i) {
    if (const Node* n = src.FindNodeId(i)) *delta.add_node() = n->def();
  }
  ScopedMaxTensorBytes cap(options.max_tensor_bytes);
  SLUICE_RETURN_IF_ERROR(graph->Import(delta));
  synced_nodes.store(src.num_node_ids(), std::memory_order_release);
  return absl::OkStatus();
}

StatusOr<OpKernel*> Session::Impl::KernelFor(const Node& node, Device* device) {
  auto it = kernels.find(node.id());
  if (it != kernels.end()) return it->second.get();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<OpKernel> kernel,
                          KernelRegistry::Global()->CreateKernel(node, device, &resource_mgr));
  OpKernel* raw = kernel.get();
  kernels.emplace(node.id(), std::move(kernel));
  return raw;
}

StatusOr<std::unique_ptr<ExecutionPlan>> Session::Impl::BuildPlan(
    const std::vector<std::string>& feeds, const std::vector<std::string>& fetches,
    const std::vector<std::string>& targets) {
  auto plan = std::make_unique<ExecutionPlan>();
  absl::flat_hash_map<Endpoint, int> fed;  // endpoint -> feed index
  std::vector<Endpoint> feed_eps;
  for (const std::string& name : feeds) {
    auto ep = graph->FindEndpoint(name);
    if (!ep.ok()) return errors::NotFound("cannot feed ", ep.status().message());
    if (IsRefType(ep->node->output_type(ep->index))) {
      return errors::InvalidArgument("cannot feed tensor '", name, "': it is a ", DataTypeString(ep->node->output_type(ep->index)), " reference");
    }
    if (!fed.emplace(*ep, static_cast<int>(feed_eps.size())).second) {
      return errors::InvalidArgument("tensor '", name, "' is fed more than once");
    }
    feed_eps.push_back(*ep);
  }
  std::vector<Endpoint> fetch_eps;
  for (const std::string& name : fetches) {
    auto ep = graph->FindEndpoint(name);
    if (!ep.ok()) return errors::NotFound("cannot fetch ", ep.status().message());
    fetch_eps.push_back(*ep);
  }
  std::vector<const Node*> target_nodes;
  for (const std::string& name : targets) {
    const Node* n = graph->FindNode(name);
    if (n == nullptr) return errors::NotFound("target '", name, "': no node named '", name, "' in the graph");
    target_nodes.push_back(n);
  }

  // Prune: the nodes that the fetches and targets need, stopping at fed tensors.
  absl::flat_hash_set<const Node*> needed;
  std::vector<const Node*> stack;
  auto need = [&](const Node* n) {
    if (needed.insert(n).second) stack.push_back(n);
  };
  for (const Endpoint& e : fetch_eps) {
    if (!fed.contains(e)) need(e.node);
  }
  for (const Node* n : target_nodes) need(n);
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

  // Slots: each plan node's outputs, then one per feed.
  absl::flat_hash_map<const Node*, int> index;
  int slot = 0;
  for (const Node* n : order) {
    index[n] = static_cast<int>(plan->nodes.size());
    ExecutionPlan::PlanNode pn{};
    pn.node = n;
    SLUICE_ASSIGN_OR_RETURN(pn.device, placer.Place(*n));
    SLUICE_ASSIGN_OR_RETURN(pn.kernel, KernelFor(*n, pn.device));
    pn.expensive = pn.kernel->IsExpensive();
    pn.first_slot = slot;
    pn.num_outputs = n->num_outputs();
    slot += n->num_outputs();
    plan->nodes.push_back(pn);
    for (int i = 0; i < n->num_outputs(); ++i) plan->slot_nodes.push_back(n);
  }
  for (const Endpoint& e : feed_eps) {
    plan->feed_slots.push_back(slot++);
    plan->slot_nodes.push_back(e.node);
  }
  plan->feed_endpoints = feed_eps;
  plan->num_slots = slot;
  plan->slot_uses.assign(slot, -1);
  auto slot_of = [&](const Endpoint& e) {
    auto f = fed.find(e);
    return f != fed.end() ? plan->feed_slots[f->second] : plan->nodes[index.at(e.node)].first_slot + e.index;
  };
  auto add_use = [&](int s) { plan->slot_uses[s] = std::max(plan->slot_uses[s], 0) + 1; };

  std::vector<std::vector<int>> successors(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const Node* n = order[i];
    ExecutionPlan::PlanNode& pn = plan->nodes[i];
    pn.first_input = static_cast<int>(plan->inputs.size());
    pn.num_inputs = n->num_inputs();
    for (int k = 0; k < n->num_inputs(); ++k) {
      const Endpoint& in = n->input(k);
      ExecutionPlan::InputSource src{};
      src.slot = slot_of(in);
      src.ref_input = IsRefType(n->input_type(k));
      src.deref = !src.ref_input && IsRefType(in.node->output_type(in.index)) && !fed.contains(in);
      if (src.ref_input || src.deref) {
        plan->slot_uses[src.slot] = std::max(plan->slot_uses[src.slot], 0);
      } else {
        add_use(src.slot);
      }
      plan->inputs.push_back(src);
      if (!fed.contains(in)) {
        ++pn.pending;
        successors[index.at(in.node)].push_back(static_cast<int>(i));
      }
    }
    for (const Node* c : n->control_inputs()) {
      ++pn.pending;
      successors[index.at(c)].push_back(static_cast<int>(i));
    }
  }
  for (size_t i = 0; i < order.size(); ++i) {
    ExecutionPlan::PlanNode& pn = plan->nodes[i];
    pn.first_successor = static_cast<int>(plan->successors.size());
    pn.num_successors = static_cast<int>(successors[i].size());
    plan->successors.insert(plan->successors.end(), successors[i].begin(), successors[i].end());
    if (pn.pending == 0) plan->roots.push_back(static_cast<int>(i));
  }
  for (const Endpoint& e : fetch_eps) {
    int s = slot_of(e);
    add_use(s);
    plan->fetch_slots.push_back(s);
  }
  return plan;
}

StatusOr<std::shared_ptr<const ExecutionPlan>> Session::Impl::GetPlan(
    const std::string& key, const std::vector<std::string>& feeds,
    const std::vector<std::string>& fetches, const std::vector<std::string>& targets) {
  {
    absl::MutexLock lock(&plans_mu);
    auto it = plans.find(key);
    if (it != plans.end()) return it->second;
  }
  std::shared_ptr<const ExecutionPlan> plan;
  {
    absl::MutexLock lock(&graph_mu);
    SLUICE_ASSIGN_OR_RETURN(plan, BuildPlan(feeds, fetches, targets));
  }
  absl::MutexLock lock(&plans_mu);
  return plans.try_emplace(key, std::move(plan)).first->second;
}

Status Session::Impl::RunPlan(const ExecutionPlan& plan, const std::vector<Tensor>& feed_values,
                              std::vector<Tensor>* outputs) {
  for (size_t i = 0; i < feed_values.size(); ++i) {
    const Endpoint& e = plan.feed_endpoints[i];
    const Tensor& t = feed_values[i];
    DataType want = BaseType(e.node->output_type(e.index));
    const TensorShape& shape = e.node->output_shape(e.index);
    auto name = [&e] { return absl::StrCat(e.node->name(), ":", e.index); };
    if (!t.IsInitialized()) return errors::InvalidArgument("the value fed for tensor '", name(), "' is uninitialized");
    if (t.dtype() != want) {
      return errors::InvalidArgument("Cannot feed value of dtype ", DataTypeString(t.dtype()),
                                     " for tensor '", name(), "', which has dtype ", DataTypeString(want));
    }
    if (!t.shape().IsCompatibleWith(shape)) {
      return errors::InvalidArgument("Cannot feed value of shape ", t.shape().DebugString(),
                                     " for tensor '", name(), "', which has shape ", shape.DebugString());
    }
  }
  Executor::StepOptions step;
  step.step_id = next_step.fetch_add(1, std::memory_order_relaxed);
  step.intra_op_threads = intra_op_threads.ForRun();
  step.max_tensor_bytes = options.max_tensor_bytes;
  return executor.Run(plan, feed_values, outputs, step);
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Session::Session(std::shared_ptr<const GraphUnderConstruction> graph, const SessionOptions& options)
    : impl_(std::make_unique<Impl>(options)) {
  impl_->source = std::move(graph);
  impl_->init_status = impl_->SyncWithScope();
}

StatusOr<std::unique_ptr<Session>> Session::Create(const GraphDef& graph_def, const SessionOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  ScopedMaxTensorBytes cap(options.max_tensor_bytes);
  SLUICE_RETURN_IF_ERROR(impl->graph->Import(graph_def));
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

Session::~Session() = default;

Status Session::status() const { return impl_->init_status; }

const Graph& Session::graph() const { return *impl_->graph; }

Status Session::Extend(const GraphDef& graph_def) {
  if (impl_->source) {
    return errors::FailedPrecondition("a session over a Scope follows the scope's graph; add nodes there");
  }
  absl::MutexLock lock(&impl_->graph_mu);
  return impl_->graph->Import(graph_def);
}

Status Session::Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                    const std::vector<std::string>& fetches, const std::vector<std::string>& targets,
                    std::vector<Tensor>* outputs) {
  return RunChecked(fetches.size(), outputs, [&](std::vector<Tensor>* out) {
    return impl_->RunByName(feeds, fetches, targets, out);
  });
}

Status Session::Run(const FeedList& feeds, const FetchList& fetches, const TargetList& targets,
                    std::vector<Tensor>* outputs) {
  return RunChecked(fetches.items().size(), outputs, [&](std::vector<Tensor>* out) {
    return impl_->RunByEndpoint(feeds.items(), fetches.items(), targets.items(), out);
  });
}

Status Session::Impl::RunByName(const std::vector<std::pair<std::string, Tensor>>& feeds,
                                const std::vector<std::string>& fetches,
                                const std::vector<std::string>& targets, std::vector<Tensor>* outputs) {
  SLUICE_RETURN_IF_ERROR(SyncWithScope());
  std::string key = "n";
  std::vector<std::string> feed_names;
  std::vector<Tensor> feed_values;
  for (const auto& [name, value] : feeds) {
    absl::StrAppend(&key, name, ",");
    feed_names.push_back(name);
    feed_values.push_back(value);
  }
  absl::StrAppend(&key, "|");
  for (const std::string& f : fetches) absl::StrAppend(&key, f, ",");
  absl::StrAppend(&key, "|");
  for (const std::string& t : targets) absl::StrAppend(&key, t, ",");
  SLUICE_ASSIGN_OR_RETURN(auto plan, GetPlan(key, feed_names, fetches, targets));
  return RunPlan(*plan, feed_values, outputs);
}

bool Session::Impl::IsSourceNode(const Node* node) const {
  if (source == nullptr || node == nullptr) return false;
  const Graph& own = source->graph();
  return own.FindNodeId(node->id()) == node;
}

Status Session::Impl::RunByEndpoint(const std::vector<std::pair<Endpoint, Tensor>>& feeds,
                                    const std::vector<Endpoint>& fetches,
                                    const std::vector<const Node*>& targets, std::vector<Tensor>* outputs) {
  SLUICE_RETURN_IF_ERROR(SyncWithScope());
  auto tensor_name = [](const Endpoint& e) { return absl::StrCat(e.node->name(), ":", e.index); };
  // Nodes of the graph the session follows key the plan cache by identity (no strings per
  // Run); others (nodes of another graph that has the same names) go by name.
  bool by_identity = source != nullptr;
  for (const auto& [e, value] : feeds) by_identity &= IsSourceNode(e.node);
  for (const Endpoint& e : fetches) by_identity &= IsSourceNode(e.node);
  for (const Node* n : targets) by_identity &= IsSourceNode(n);
  if (!by_identity) {
    std::vector<std::pair<std::string, Tensor>> named_feeds;
    std::vector<std::string> fetch_names, target_names;
    for (const auto& [e, value] : feeds) {
      if (e.node == nullptr) return errors::InvalidArgument("cannot feed an invalid Output (its builder failed)");
      named_feeds.emplace_back(tensor_name(e), value);
    }
    for (const Endpoint& e : fetches) {
      if (e.node == nullptr) return errors::InvalidArgument("cannot fetch an invalid Output (its builder failed)");
      fetch_names.push_back(tensor_name(e));
    }
    for (const Node* n : targets) {
      if (n == nullptr) return errors::InvalidArgument("cannot run an invalid Operation (its builder failed)");
      target_names.push_back(n->name());
    }
    return RunByName(named_feeds, fetch_names, target_names, outputs);
  }
  std::string key(1, 'o');
  auto add = [&key](const void* p, int i) {
    key.append(reinterpret_cast<const char*>(&p), sizeof(p));
    key.append(reinterpret_cast<const char*>(&i), sizeof(i));
  };
  std::vector<Tensor> feed_values;
  feed_values.reserve(feeds.size());
  for (const auto& [e, value] : feeds) {
    add(e.node, e.index);
    feed_values.push_back(value);
  }
  add(nullptr, -1);
  for (const Endpoint& e : fetches) add(e.node, e.index);
  add(nullptr, -2);
  for (const Node* n : targets) add(n, 0);
  std::shared_ptr<const ExecutionPlan> plan;
  {
    absl::MutexLock lock(&plans_mu);
    auto it = plans.find(key);
    if (it != plans.end()) plan = it->second;
  }
  if (plan == nullptr) {
    std::vector<std::string> feed_names, fetch_names, target_names;
    for (const auto& [e, value] : feeds) feed_names.push_back(tensor_name(e));
    for (const Endpoint& e : fetches) fetch_names.push_back(tensor_name(e));
    for (const Node* n : targets) target_names.push_back(n->name());
    SLUICE_ASSIGN_OR_RETURN(plan, GetPlan(key, feed_names, fetch_names, target_names));
  }
  return RunPlan(*plan, feed_values, outputs);
}

}  // namespace sluice
