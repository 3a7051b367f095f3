// CompiledGraph: a graph compiled for one signature (feeds, fetches, targets), ready to run many
// times. Compile prunes the graph to what the fetches and targets need (a fed tensor cuts its
// producer off), copies that part into a graph of its own in which each feed is an _Arg node and
// each fetch a _Retval node, places every node, creates its kernels and builds the executor's
// plan. Sessions keep one per signature (and hand one out as a Callable); function bodies
// compile the same way. Compile(graph, {feeds, fetches, targets}, env) then Run(executor, feed
// values, &outputs, step options), as often as wanted, from any number of threads.
#ifndef SLUICE_RUNTIME_COMPILED_GRAPH_H_
#define SLUICE_RUNTIME_COMPILED_GRAPH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "core/graph.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"
#include "runtime/executor.h"
#include "runtime/graph_passes.h"
#include "runtime/placer.h"

namespace sluice {

// What a compiled graph takes and gives: tensor names ("node", "node:k") to feed and fetch, and
// node names to run for their effect.
struct CompileSignature {
  std::vector<std::string> feeds;
  std::vector<std::string> fetches;
  std::vector<std::string> targets;
};

// Kernels of stateful ops, shared by every compiled graph of one session: a random op's
// generator or a variable op belongs to the node, not to one signature's plan (TF's OpSegment).
// Keyed by the node of the long-lived graph they were made from (the session's graph, or a
// function body's instantiation) and the device, so that graphs added by Extend and function
// bodies never collide.
class KernelCache {
 public:
  StatusOr<OpKernel*> GetOrCreate(const Node& node, Device* device, ResourceMgr* resource_mgr);

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::pair<const Node*, Device*>, std::unique_ptr<OpKernel>> kernels_ ABSL_GUARDED_BY(mu_);
};

class CompiledGraph {
 public:
  // What Compile needs besides the graph; all must outlive the compiled graph.
  struct Environment {
    const Placer* placer = nullptr;
    ResourceMgr* resource_mgr = nullptr;
    KernelCache* kernel_cache = nullptr;  // stateful kernels; made from `graph`'s nodes
    const OptimizerOptions* optimizer = nullptr;  // the passes to run on the copy; null: none
  };

  // Compiles `graph` (which must outlive the result: shared kernels refer to its nodes) for
  // `signature`. Errors name the tensor or node: an unknown feed, fetch or target, a ref fed, a
  // tensor fed twice, a node no device has a kernel for, a kernel that cannot be made.
  static StatusOr<std::unique_ptr<CompiledGraph>> Compile(const Graph& graph, const CompileSignature& signature,
                                                          const Environment& env);

  // Runs with `feeds` in signature order, checked first (count, dtype, shape; errors name the
  // tensor as "node:k"). `outputs` receives the fetches in signature order (may be null when
  // there are none), and is empty after an error. Runs of one compiled graph may overlap.
  Status Run(const Executor& executor, absl::Span<const Tensor> feeds, std::vector<Tensor>* outputs,
             const Executor::StepOptions& step) const;
  // The same, moving the feeds in (Executor::RunConsumingFeeds); they are left empty.
  Status RunConsumingFeeds(const Executor& executor, absl::Span<Tensor> feeds, std::vector<Tensor>* outputs,
                           const Executor::StepOptions& step) const;

  const CompileSignature& signature() const { return signature_; }
  // The pruned copy, with its _Arg and _Retval nodes.
  const Graph& graph() const { return *graph_; }
  const ExecutionPlan& plan() const { return plan_; }

 private:
  CompiledGraph() = default;
  Status CheckFeeds(absl::Span<const Tensor> feeds) const;

  CompileSignature signature_;
  std::unique_ptr<Graph> graph_;
  std::vector<std::unique_ptr<OpKernel>> kernels_;  // of the stateless nodes of graph_
  ExecutionPlan plan_;
  std::vector<std::string> feed_names_;
  std::vector<DataType> feed_dtypes_;
  std::vector<TensorShape> feed_shapes_;
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_COMPILED_GRAPH_H_
