// Functions: FunctionDefs of a graph's library (GraphDef.library, TF's FunctionDefLibrary), the
// op lookups they answer, and the body graph a function becomes for given attrs.
//
// A FunctionLibraryDefinition is an OpRegistryInterface: a node whose op is a function's name
// validates against the function's signature like any op, so a Graph that owns one (every Graph
// does) accepts calls of its functions. Running a call is the runtime's part
// (runtime/function_runtime.h); kernels reach it through OpKernelContext::function_library().
#ifndef SLUICE_CORE_FUNCTION_H_
#define SLUICE_CORE_FUNCTION_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "core/attr_value.h"
#include "core/op_registry.h"
#include "core/status.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace sluice {

class FunctionLibraryDefinition : public OpRegistryInterface {
 public:
  explicit FunctionLibraryDefinition(const OpRegistryInterface* base = OpRegistry::Global()) : base_(base) {}
  FunctionLibraryDefinition(const FunctionLibraryDefinition& other);
  FunctionLibraryDefinition& operator=(const FunctionLibraryDefinition&) = delete;

  // Adds a function. Its signature must be a valid op (a name, args with types or type attrs);
  // the name may not be an op's. Adding the same definition again is a no-op; a different one
  // under a known name is AlreadyExists naming it. Errors name the function.
  Status AddFunctionDef(const FunctionDef& fdef);
  // Adds every function and gradient of `library`; on error, those before it stay added.
  Status AddLibrary(const FunctionDefLibrary& library);

  const OpRegistrationData* LookUp(absl::string_view name) const override;
  // The definition of function `name`, or null. Stable while this library lives.
  const FunctionDef* Find(absl::string_view name) const;
  // The gradient function registered for `name` (FunctionDefLibrary.gradient), or "".
  std::string GradientFunction(absl::string_view name) const;
  bool empty() const;
  int num_functions() const { return num_functions_.load(std::memory_order_acquire); }  // lock-free
  // The library as TF writes it: functions sorted by name, then gradients.
  FunctionDefLibrary ToProto() const;
  const OpRegistryInterface* base() const { return base_; }

 private:
  struct Entry {
    FunctionDef fdef;
    OpRegistrationData reg;
  };
  const OpRegistryInterface* base_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const Entry>, std::less<>> functions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> gradients_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> num_functions_{0};  // functions_.size(), read on every Session::Run
};

// A function instantiated for attrs, as a graph: each input arg a Placeholder named after the
// arg, the body's nodes with attr placeholders ("$T") replaced and inputs in GraphDef form
// ("node:3" for FunctionDef's "node:out_arg:1"), the tensors that become the outputs, and the
// nodes of control_ret to run.
struct InstantiatedFunction {
  GraphDef body;
  std::vector<std::string> arg_names;
  DataTypeVector arg_types, ret_types;
  std::vector<std::string> ret_tensors;
  std::vector<std::string> control_ret_nodes;
};
// Errors name the function and the node or arg: an attr the signature needs and `attrs` lacks,
// an input that names no node or arg, an output arg without a `ret` entry.
StatusOr<InstantiatedFunction> InstantiateFunction(const FunctionDef& fdef, const AttrMap& attrs,
                                                   const OpRegistryInterface& ops);

// The most iterations one While runs before it fails with ResourceExhausted (naming the loop and
// the bound), process-wide; <= 0 (the default, as in TensorFlow) means no bound. For graphs you
// did not write, whose loop may never end: `sluice run --max-loop-iterations N`.
void SetMaxLoopIterations(int64_t iterations);
int64_t MaxLoopIterations();

// What kernels call functions through (the runtime implements it per session).
class FunctionLibrary {
 public:
  using Handle = int64_t;
  virtual ~FunctionLibrary() = default;
  // Compiles function `name` for `attrs` (once; later calls return the same handle).
  virtual StatusOr<Handle> Instantiate(const std::string& name, const AttrMap& attrs) = 0;
  // Runs an instantiation on `args` (dtypes and count checked) and returns its outputs.
  virtual Status Run(Handle handle, absl::Span<const Tensor> args, std::vector<Tensor>* rets) = 0;
  // The same, taking the arguments over (*args is left empty): the function's kernels may then
  // reuse their buffers, as a loop body updating a list in place does.
  virtual Status RunConsumingArgs(Handle handle, std::vector<Tensor>* args, std::vector<Tensor>* rets) {
    Status s = Run(handle, *args, rets);
    args->clear();
    return s;
  }
};

}  // namespace sluice

#endif  // SLUICE_CORE_FUNCTION_H_
