#include "runtime/session.h"

#include <atomic>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "core/dataset.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"
#include "core/threadpool.h"
#include "runtime/compiled_graph.h"
#include "runtime/executor.h"
#include "runtime/function_runtime.h"
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
        pool(opts.inter_op_threads > 0 ? opts.inter_op_threads : DefaultInterOpThreads()),
        executor(&resource_mgr, &pool),
        intra_op_threads(opts.intra_op_threads),
        graph(std::make_unique<Graph>()) {
    device_status = DeviceFactory::AddDevices("/job:localhost/replica:0/task:0", opts.device_count, &devices);
    std::vector<Device*> order;
    for (const auto& d : devices) order.push_back(d.get());
    if (device_status.ok() && order.empty()) device_status = errors::InvalidArgument("the session has no devices");
    PlacementOptions placement;
    placement.allow_soft_placement = opts.allow_soft_placement;
    placement.log_device_placement = opts.log_device_placement;
    placer = std::make_unique<Placer>(std::move(order), placement);
    functions = std::make_unique<FunctionLibraryRuntime>(&graph->library(), CompileEnvironment());
  }

  // Iterators go first: an iterator's background thread may still run a function of the
  // session's library, which the members declared after resource_mgr hold.
  ~Impl() {
    std::vector<std::pair<std::string, std::string>> iterators;
    resource_mgr.ForEach<data::IteratorResource>(
        [&](const std::string& container, const std::string& name, data::IteratorResource*) {
          iterators.emplace_back(container, name);
        });
    for (const auto& [container, name] : iterators) {
      resource_mgr.Delete<data::IteratorResource>(container, name).IgnoreError();
    }
  }

  CompiledGraph::Environment CompileEnvironment() {
    CompiledGraph::Environment env;
    env.placer = placer.get();
    env.resource_mgr = &resource_mgr;
    env.kernel_cache = &kernel_cache;
    env.optimizer = &options.optimizer_options;
    return env;
  }

  // Brings nodes added to the source scope since the last call into the session's graph.
  Status SyncWithScope() ABSL_LOCKS_EXCLUDED(graph_mu);
  // The compiled graph of a signature, from the cache (keyed by `key`) or compiled now.
  StatusOr<std::shared_ptr<const CompiledGraph>> GetCompiled(const std::string& key,
                                                             const CompileSignature& signature);
  StatusOr<std::shared_ptr<const CompiledGraph>> Compile(const CompileSignature& signature)
      ABSL_LOCKS_EXCLUDED(graph_mu);
  Status RunCompiled(const CompiledGraph& compiled, absl::Span<const Tensor> feed_values,
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
  std::atomic<int> synced_functions{0};

  ResourceMgr resource_mgr;
  Status device_status;  // why the devices could not be made, if they could not
  std::vector<std::unique_ptr<Device>> devices;  // in priority order
  std::unique_ptr<Placer> placer;
  ThreadPool pool;
  Executor executor;
  IntraOpThreads intra_op_threads;
  std::atomic<int64_t> next_step{1};

  // Declared after what their kernels use, so that they are destroyed first.
  absl::Mutex graph_mu;  // the graph grows (Extend, SyncWithScope) exclusively, compiles share it
  std::unique_ptr<Graph> graph ABSL_PT_GUARDED_BY(graph_mu);
  KernelCache kernel_cache;
  std::unique_ptr<FunctionLibraryRuntime> functions;  // over graph's library
  absl::Mutex compiled_mu;  // lookups share it; only inserting a new signature is exclusive
  absl::flat_hash_map<std::string, std::shared_ptr<const CompiledGraph>> compiled ABSL_GUARDED_BY(compiled_mu);
};

Status Session::Impl::SyncWithScope() {
  if (!source) return absl::OkStatus();
  SLUICE_RETURN_IF_ERROR(errors::Annotate(source->status(), "graph construction failed: "));
  const Graph& src = source->graph();
  if (src.num_node_ids() == synced_nodes.load(std::memory_order_acquire) &&
      src.library().num_functions() == synced_functions.load(std::memory_order_acquire)) {
    return absl::OkStatus();
  }
  absl::MutexLock lock(&graph_mu);
  int from = synced_nodes.load(std::memory_order_relaxed);
  GraphDef delta;
  const int functions = src.library().num_functions();
  if (functions != synced_functions.load(std::memory_order_relaxed)) *delta.mutable_library() = src.library().ToProto();
  for (int i = from; i < src.num_node_ids(); ++i) {
    if (const Node* n = src.FindNodeId(i)) *delta.add_node() = n->def();
  }
  ScopedMaxTensorBytes cap(options.max_tensor_bytes);
  SLUICE_RETURN_IF_ERROR(graph->Import(delta));
  synced_nodes.store(src.num_node_ids(), std::memory_order_release);
  synced_functions.store(functions, std::memory_order_release);
  return absl::OkStatus();
}

StatusOr<std::shared_ptr<const CompiledGraph>> Session::Impl::Compile(const CompileSignature& signature) {
  CompiledGraph::Environment env = CompileEnvironment();
  absl::ReaderMutexLock lock(&graph_mu);
  ScopedMaxTensorBytes cap(options.max_tensor_bytes);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<CompiledGraph> compiled, CompiledGraph::Compile(*graph, signature, env));
  return std::shared_ptr<const CompiledGraph>(std::move(compiled));
}

StatusOr<std::shared_ptr<const CompiledGraph>> Session::Impl::GetCompiled(const std::string& key,
                                                                          const CompileSignature& signature) {
  {
    absl::ReaderMutexLock lock(&compiled_mu);
    auto it = compiled.find(key);
    if (it != compiled.end()) return it->second;
  }
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledGraph> fresh, Compile(signature));
  absl::MutexLock lock(&compiled_mu);
  return compiled.try_emplace(key, std::move(fresh)).first->second;  // a racing compile may have won
}

Status Session::Impl::RunCompiled(const CompiledGraph& graph, absl::Span<const Tensor> feed_values,
                                  std::vector<Tensor>* outputs) {
  Executor::StepOptions step;
  step.step_id = next_step.fetch_add(1, std::memory_order_relaxed);
  step.intra_op_threads = intra_op_threads.ForRun();
  step.max_tensor_bytes = options.max_tensor_bytes;
  step.function_library = functions.get();
  return graph.Run(executor, feed_values, outputs, step);
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Session::Session(std::shared_ptr<const GraphUnderConstruction> graph, const SessionOptions& options)
    : impl_(std::make_unique<Impl>(options)) {
  impl_->source = std::move(graph);
  impl_->init_status = impl_->device_status;
  if (impl_->init_status.ok()) impl_->init_status = impl_->SyncWithScope();
}

StatusOr<std::unique_ptr<Session>> Session::Create(const GraphDef& graph_def, const SessionOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  SLUICE_RETURN_IF_ERROR(impl->device_status);
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

StatusOr<Callable> Session::MakeCallable(const std::vector<std::string>& feeds,
                                         const std::vector<std::string>& fetches,
                                         const std::vector<std::string>& targets) {
  SLUICE_RETURN_IF_ERROR(impl_->SyncWithScope());
  CompileSignature signature{feeds, fetches, targets};
  SLUICE_ASSIGN_OR_RETURN(auto graph, impl_->Compile(signature));
  return Callable(this, std::move(graph));
}

StatusOr<Callable> Session::MakeCallable(const FetchList& feeds, const FetchList& fetches, const TargetList& targets) {
  std::vector<std::string> feed_names, fetch_names, target_names;
  for (const Endpoint& e : feeds.items()) {
    if (e.node == nullptr) return errors::InvalidArgument("cannot feed an invalid Output (its builder failed)");
    feed_names.push_back(absl::StrCat(e.node->name(), ":", e.index));
  }
  for (const Endpoint& e : fetches.items()) {
    if (e.node == nullptr) return errors::InvalidArgument("cannot fetch an invalid Output (its builder failed)");
    fetch_names.push_back(absl::StrCat(e.node->name(), ":", e.index));
  }
  for (const Node* n : targets.items()) {
    if (n == nullptr) return errors::InvalidArgument("cannot run an invalid Operation (its builder failed)");
    target_names.push_back(n->name());
  }
  return MakeCallable(feed_names, fetch_names, target_names);
}

Status Callable::Run(absl::Span<const Tensor> feeds, std::vector<Tensor>* outputs) const {
  return RunChecked(graph_->signature().fetches.size(), outputs, [&](std::vector<Tensor>* out) {
    return session_->impl_->RunCompiled(*graph_, feeds, out);
  });
}

Status Session::Impl::RunByName(const std::vector<std::pair<std::string, Tensor>>& feeds,
                                const std::vector<std::string>& fetches,
                                const std::vector<std::string>& targets, std::vector<Tensor>* outputs) {
  SLUICE_RETURN_IF_ERROR(SyncWithScope());
  std::string key = "n";
  CompileSignature signature;
  std::vector<Tensor> feed_values;
  for (const auto& [name, value] : feeds) {
    absl::StrAppend(&key, name, ",");
    signature.feeds.push_back(name);
    feed_values.push_back(value);
  }
  absl::StrAppend(&key, "|");
  for (const std::string& f : fetches) absl::StrAppend(&key, f, ",");
  absl::StrAppend(&key, "|");
  for (const std::string& t : targets) absl::StrAppend(&key, t, ",");
  signature.fetches = fetches;
  signature.targets = targets;
  SLUICE_ASSIGN_OR_RETURN(auto graph, GetCompiled(key, signature));
  return RunCompiled(*graph, feed_values, outputs);
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
  // The key on the stack and the cached graph by plain pointer (compiled graphs live as long as
  // the session): no allocation and no reference count per Run.
  absl::InlinedVector<char, 256> key(1, 'o');
  auto add = [&key](const void* p, int i) {
    key.insert(key.end(), reinterpret_cast<const char*>(&p), reinterpret_cast<const char*>(&p) + sizeof(p));
    key.insert(key.end(), reinterpret_cast<const char*>(&i), reinterpret_cast<const char*>(&i) + sizeof(i));
  };
  absl::InlinedVector<Tensor, 8> feed_values;
  for (const auto& [e, value] : feeds) {
    add(e.node, e.index);
    feed_values.push_back(value);
  }
  add(nullptr, -1);
  for (const Endpoint& e : fetches) add(e.node, e.index);
  add(nullptr, -2);
  for (const Node* n : targets) add(n, 0);
  const absl::string_view key_view(key.data(), key.size());
  const CompiledGraph* graph = nullptr;
  {
    absl::ReaderMutexLock lock(&compiled_mu);
    auto it = compiled.find(key_view);
    if (it != compiled.end()) graph = it->second.get();
  }
  if (graph == nullptr) {
    CompileSignature signature;
    for (const auto& [e, value] : feeds) signature.feeds.push_back(tensor_name(e));
    for (const Endpoint& e : fetches) signature.fetches.push_back(tensor_name(e));
    for (const Node* n : targets) signature.targets.push_back(n->name());
    SLUICE_ASSIGN_OR_RETURN(auto fresh, GetCompiled(std::string(key_view), signature));
    graph = fresh.get();
  }
  return RunCompiled(*graph, feed_values, outputs);
}

}  // namespace sluice
