// Session: runs a graph. Build the graph once (a Scope or a GraphDef), then Run it many times:
//
//   Session session(root);
//   SLUICE_CHECK_OK(session.Run({}, {}, {init}));          // targets only: no outputs needed
//   std::vector<Tensor> out;
//   SLUICE_CHECK_OK(session.Run({{x, batch_x}, {y, batch_y}}, {loss}, {train}, &out));
//
// Run prunes the graph to what the fetches and targets need (an unfed placeholder nothing needs
// is no error), places it, and builds an execution plan that is cached per (feeds, fetches,
// targets) signature, so repeated Runs pay only for the kernels. Run may be called from several
// threads at once. Variables live in the session and persist across Runs.
//
// The runtime knows graphs, nodes and endpoints (core/graph.h), not the client API: a Scope
// converts to the GraphUnderConstruction a session follows, an Output to the Endpoint it names
// and an Operation to its Node, so the calls above take them as they are.
#ifndef SLUICE_RUNTIME_SESSION_H_
#define SLUICE_RUNTIME_SESSION_H_

#include <concepts>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "core/graph.h"
#include "runtime/graph_passes.h"
#include "core/status.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace sluice {

struct SessionOptions {
  // Threads of the inter-op pool, which runs expensive kernels when several are ready at once.
  // 0 picks one from the core count (none on a 2-core machine: OpenMP already uses both cores
  // inside each kernel, and a second kernel alongside would only contend).
  int inter_op_threads = 0;
  // Threads the kernels of this session use (oneDNN's and sluice's, through OpenMP), on every
  // thread that runs them (the caller of Run and the inter-op pool's workers) and only while
  // they run: the caller's own OpenMP setting is restored when Run returns.
  // 0: adapt to the machine's load. Up to OpenMP's default (all cores, or OMP_NUM_THREADS), less
  // when other processes keep cores busy: spinning OpenMP threads that wait for a descheduled
  // sibling turn a busy machine's fair share into a collapse (docs/BENCHMARKS.md). The load is
  // sampled from /proc/stat at most every 100 ms of wall time, at the start of a Run.
  int intra_op_threads = 0;
  // The most bytes one tensor of this session may take (a Const of an imported graph, a kernel's
  // output or scratch): more is refused before allocating, as ResourceExhausted naming the node,
  // the dtype, the shape and the bytes. 0: MaxTensorBytes(), the machine's memory by default.
  // Lower it for graphs from untrusted sources (README, "Security").
  int64_t max_tensor_bytes = 0;
  // Devices per type (TF's ConfigProto.device_count): {"GPU", 0} uses no GPU; a type not listed
  // gets all its devices. The CPU device is always registered.
  absl::flat_hash_map<std::string, int> device_count;
  // A node whose requested device is absent, has no kernel for it, or conflicts with its
  // colocation group goes where it can instead of failing the Run (TF's allow_soft_placement;
  // off by default, as in TF). A malformed device string is an error either way.
  bool allow_soft_placement = false;
  // Prints "node: (Op): device" on stderr for every node of each newly compiled signature.
  bool log_device_placement = false;
  // The graph passes run on each signature's pruned graph (constant folding, common
  // subexpression elimination, dead-node and Identity/NoOp elimination, gradient-gate
  // elimination, Conv2D + BiasAdd + Relu fusion; all on by default, as in TF). They never change
  // results; switch one off to look at the graph as built.
  OptimizerOptions optimizer_options;
};

// A feed, fetch or target list of Session::Run: a braced list (`{loss, accuracy}`) or any
// container whose elements convert to T (`std::vector<Output>`, `std::vector<Operation>`,
// `std::vector<std::pair<Output, Tensor>>` of the client API).
template <typename T>
class RunList {
 public:
  RunList() = default;
  RunList(std::initializer_list<T> items) : items_(items) {}  // NOLINT
  template <typename C>
    requires(!std::same_as<C, RunList> &&
             std::convertible_to<decltype(*std::begin(std::declval<const C&>())), T>)
  RunList(const C& items) : items_(std::begin(items), std::end(items)) {}  // NOLINT

  const std::vector<T>& items() const { return items_; }

 private:
  std::vector<T> items_;
};
using FeedList = RunList<std::pair<Endpoint, Tensor>>;
using FetchList = RunList<Endpoint>;
using TargetList = RunList<const Node*>;

class CompiledGraph;
class Session;

// One signature of a session compiled once and run many times (TensorFlow's MakeCallable): Run
// takes the fed values in the order of the feeds given to MakeCallable, and skips the lookup of
// the signature that every Session::Run does. Copyable; valid while its session lives. Runs of
// one Callable may overlap, as Session::Runs may.
class Callable {
 public:
  // `outputs` receives the fetches in order (may be null when there are none). Errors are those
  // of Session::Run; a wrong number of fed values is InvalidArgument.
  Status Run(absl::Span<const Tensor> feeds, std::vector<Tensor>* outputs = nullptr) const;

 private:
  friend class Session;
  Callable(Session* session, std::shared_ptr<const CompiledGraph> graph)
      : session_(session), graph_(std::move(graph)) {}
  Session* session_;
  std::shared_ptr<const CompiledGraph> graph_;
};

class Session {
 public:
  // A session over the graph built on `scope`. Nodes added to the scope's graph later are picked
  // up by the next Run (build between Runs, not during one). A scope error (a failed builder) is
  // returned by every Run.
  explicit Session(std::shared_ptr<const GraphUnderConstruction> graph, const SessionOptions& options = {});
  // A session over a GraphDef (a TensorFlow or sluice .pb); errors name the offending node.
  static StatusOr<std::unique_ptr<Session>> Create(const GraphDef& graph_def,
                                                   const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // OK, or why the session cannot run.
  Status status() const;
  // Adds the nodes of `graph_def` (which may refer to nodes already in the session's graph).
  Status Extend(const GraphDef& graph_def);

  // Feeds `feeds` (any tensors of the graph, not only placeholders), runs what `fetches` and
  // `targets` need, and returns the fetched values in `outputs`, in order. Errors name the node
  // or tensor: an unfed placeholder that is needed, an uninitialized variable, a fed value of
  // the wrong dtype or shape, a fetch of an unknown tensor, a kernel's failure.
  // `outputs` may be null when nothing is fetched (InvalidArgument otherwise). On error
  // `outputs` is empty: it never holds a previous Run's tensors.
  Status Run(const FeedList& feeds, const FetchList& fetches, const TargetList& targets,
             std::vector<Tensor>* outputs = nullptr);
  Status Run(const FeedList& feeds, const FetchList& fetches, std::vector<Tensor>* outputs) {
    return Run(feeds, fetches, TargetList(), outputs);
  }
  // The same by name: "node" or "node:k".
  Status Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
             const std::vector<std::string>& fetches, const std::vector<std::string>& targets,
             std::vector<Tensor>* outputs = nullptr);

  // Compiles the signature (feeds, fetches, targets) now, for Runs that skip its lookup:
  //   auto step = session.MakeCallable({x, y}, {loss}, {train});
  //   SLUICE_CHECK_OK(step.status());
  //   std::vector<Tensor> out;
  //   SLUICE_CHECK_OK(step->Run({batch_x, batch_y}, &out));
  // Errors (unknown tensor, ref fed, ...) are those of Session::Run, at once.
  StatusOr<Callable> MakeCallable(const FetchList& feeds, const FetchList& fetches,
                                  const TargetList& targets = {});
  StatusOr<Callable> MakeCallable(const std::vector<std::string>& feeds, const std::vector<std::string>& fetches,
                                  const std::vector<std::string>& targets = {});

  // The session's graph (for inspection; do not modify).
  const Graph& graph() const;

 private:
  friend class Callable;
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_SESSION_H_
