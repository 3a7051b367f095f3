// Session: runs a graph. Build the graph once (a Scope or a GraphDef), then Run it many times:
//
//   Session session(root);
//   SLUICE_CHECK_OK(session.Run({}, {}, {init}));
//   std::vector<Tensor> out;
//   SLUICE_CHECK_OK(session.Run({{x, batch_x}, {y, batch_y}}, {loss}, {train}, &out));
//
// Run prunes the graph to what the fetches and targets need (an unfed placeholder nothing needs
// is no error), places it, and builds an execution plan that is cached per (feeds, fetches,
// targets) signature, so repeated Runs pay only for the kernels. Run may be called from several
// threads at once. Variables live in the session and persist across Runs.
#ifndef SLUICE_RUNTIME_SESSION_H_
#define SLUICE_RUNTIME_SESSION_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "core/tensor.h"
#include "ops/scope.h"
#include "proto/graph.pb.h"

namespace sluice {

struct SessionOptions {
  // Threads of the inter-op pool, which runs expensive kernels when several are ready at once.
  // 0 picks one from the core count (none on a 2-core machine: OpenMP already uses both cores
  // inside each kernel, and a second kernel alongside would only contend).
  int inter_op_threads = 0;
  // Threads OpenMP kernels use (oneDNN's and sluice's); 0 leaves OpenMP's default (all cores).
  int intra_op_threads = 0;
};

class Session {
 public:
  // A session over the graph built on `scope`. Nodes added to the scope's graph later are picked
  // up by the next Run (build between Runs, not during one). A scope error (a failed builder) is
  // returned by every Run.
  explicit Session(const Scope& scope, const SessionOptions& options = {});
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
  Status Run(const std::vector<std::pair<Output, Tensor>>& feeds, const std::vector<Output>& fetches,
             const std::vector<Operation>& targets, std::vector<Tensor>* outputs);
  Status Run(const std::vector<std::pair<Output, Tensor>>& feeds, const std::vector<Output>& fetches,
             std::vector<Tensor>* outputs) {
    return Run(feeds, fetches, {}, outputs);
  }
  // The same by name: "node" or "node:k".
  Status Run(const std::vector<std::pair<std::string, Tensor>>& feeds,
             const std::vector<std::string>& fetches, const std::vector<std::string>& targets,
             std::vector<Tensor>* outputs);

  // The session's graph (for inspection; do not modify).
  const Graph& graph() const;

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_SESSION_H_
