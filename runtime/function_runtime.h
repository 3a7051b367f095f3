// FunctionLibraryRuntime: a session's way to run the functions of its graph's library. An
// instantiation (function name + attrs) becomes a body graph (InstantiateFunction), compiled
// like any signature (CompiledGraph: _Arg per input, _Retval per output) and cached; kernels call
// it through OpKernelContext::function_library() (PartitionedCall, StatefulPartitionedCall, a
// node whose op is a function's name).
//
// A body runs on the calling kernel's thread with its own executor and no inter-op pool (a
// nested run that waited on pool workers could deadlock them); calls may nest up to 64 deep.
#ifndef SLUICE_RUNTIME_FUNCTION_RUNTIME_H_
#define SLUICE_RUNTIME_FUNCTION_RUNTIME_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/function.h"
#include "runtime/compiled_graph.h"
#include "runtime/executor.h"

namespace sluice {

class FunctionLibraryRuntime : public FunctionLibrary {
 public:
  // `library` (the session graph's; it may grow), and what `env` points to, outlive this.
  FunctionLibraryRuntime(const FunctionLibraryDefinition* library, const CompiledGraph::Environment& env)
      : library_(library), env_(env), executor_(env.resource_mgr, nullptr) {}

  StatusOr<Handle> Instantiate(const std::string& name, const AttrMap& attrs) override;
  Status Run(Handle handle, absl::Span<const Tensor> args, std::vector<Tensor>* rets) override;
  Status RunConsumingArgs(Handle handle, std::vector<Tensor>* args, std::vector<Tensor>* rets) override;

  // The compiled body of an instantiation (for tests and inspection); null for a bad handle.
  const CompiledGraph* compiled(Handle handle) const;

 private:
  struct Instance {
    std::string name;
    std::unique_ptr<Graph> body;
    std::unique_ptr<CompiledGraph> compiled;
    DataTypeVector arg_types, ret_types;
  };
  // Runs with `args` borrowed, or taken over when `owned` is set (then args is owned's data).
  Status RunInternal(Handle handle, absl::Span<const Tensor> args, std::vector<Tensor>* owned,
                     std::vector<Tensor>* rets);

  const FunctionLibraryDefinition* library_;
  CompiledGraph::Environment env_;
  Executor executor_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Handle> handles_ ABSL_GUARDED_BY(mu_);
  std::deque<Instance> instances_ ABSL_GUARDED_BY(mu_);  // by handle; never moved
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_FUNCTION_RUNTIME_H_
