// A kernel's reference to a function of the graph's library (a func attr, or the node's own op
// for a call by function name): instantiated through the step's function library on first use,
// then run by handle. Shared by the call kernels (function_ops.cc) and If/While
// (functional_ops.cc).
#ifndef SLUICE_KERNELS_CPU_FUNCTION_CALL_H_
#define SLUICE_KERNELS_CPU_FUNCTION_CALL_H_

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/attr_value.h"
#include "core/function.h"
#include "core/kernel.h"

namespace sluice::cpu {

class FunctionRef {
 public:
  void Init(std::string name, AttrMap attrs) {
    name_ = std::move(name);
    attrs_ = std::move(attrs);
  }
  // The function that func attr `attr` of the kernel's node names; an error names the attr.
  Status InitFromAttr(OpKernelConstruction* c, const char* attr);

  const std::string& name() const { return name_; }
  // Runs the function on `args` through ctx's function library, instantiating it the first time
  // (and again for another library). Errors come back as the library gives them.
  Status Run(OpKernelContext* ctx, absl::Span<const Tensor> args, std::vector<Tensor>* rets);
  // The same, handing the arguments over (*args is left empty; see FunctionLibrary).
  Status RunConsumingArgs(OpKernelContext* ctx, std::vector<Tensor>* args, std::vector<Tensor>* rets);

 private:
  StatusOr<std::pair<FunctionLibrary*, FunctionLibrary::Handle>> Instantiate(OpKernelContext* ctx);

  std::string name_;
  AttrMap attrs_;
  absl::Mutex mu_;
  FunctionLibrary* library_ ABSL_GUARDED_BY(mu_) = nullptr;
  FunctionLibrary::Handle handle_ ABSL_GUARDED_BY(mu_) = -1;
};

// Sets outputs first.. of ctx to `rets`, which must match them in count and dtype (errors name
// the function).
Status SetOutputs(OpKernelContext* ctx, const std::string& function, std::vector<Tensor> rets, int first);

}  // namespace sluice::cpu

#endif  // SLUICE_KERNELS_CPU_FUNCTION_CALL_H_
