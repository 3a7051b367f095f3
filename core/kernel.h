// Kernels: OpKernel (the computation of one node on one device), OpKernelContext (what a
// kernel sees while it runs) and KernelRegistry (which kernel runs an op on a device for given
// dtypes). Kernels register themselves:
//
//   REGISTER_KERNEL(KernelDefBuilder("MatMul").Device(kDeviceCpu).TypeConstraint<float>("T"),
//                   MatMulOp<float>);
//
// A kernel object is created once per node and device and may be run by several steps at once,
// so Compute must be thread-safe (state that changes goes behind a mutex or into the context).
#ifndef SLUICE_CORE_KERNEL_H_
#define SLUICE_CORE_KERNEL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "core/attr_value.h"
#include "core/device.h"
#include "core/graph.h"
#include "core/resource_mgr.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/type_lists.h"

namespace sluice {

class OpKernelConstruction {
 public:
  OpKernelConstruction(const Node* node, Device* device, ResourceMgr* resource_mgr)
      : node_(node), device_(device), resource_mgr_(resource_mgr) {}
  const Node& node() const { return *node_; }
  const NodeDef& def() const { return node_->def(); }
  Device* device() const { return device_; }
  ResourceMgr* resource_mgr() const { return resource_mgr_; }
  DataType input_type(int i) const { return node_->input_type(i); }
  DataType output_type(int i) const { return node_->output_type(i); }
  int num_inputs() const { return node_->num_inputs(); }
  int num_outputs() const { return node_->num_outputs(); }
  template <typename T>
  Status GetAttr(absl::string_view name, T* value) const {
    return ::sluice::GetAttr(node_->def().attr(), name, value);
  }
  void SetStatus(const Status& s) {
    if (status_.ok()) status_ = s;
  }
  const Status& status() const { return status_; }

 private:
  const Node* node_;
  Device* device_;
  ResourceMgr* resource_mgr_;
  Status status_;
};

class OpKernelContext;
class FunctionLibrary;

class OpKernel {
 public:
  explicit OpKernel(OpKernelConstruction* ctx) : node_(&ctx->node()) {}
  virtual ~OpKernel() = default;
  // Computes the node's outputs from its inputs; reports failure via ctx->SetStatus.
  virtual void Compute(OpKernelContext* ctx) = 0;
  // Expensive kernels may be sent to the inter-op pool when other work is ready; cheap ones
  // run inline on the thread that made them ready.
  virtual bool IsExpensive() const { return false; }

  const Node& node() const { return *node_; }
  const std::string& name() const { return node_->name(); }
  const std::string& type_string() const { return node_->type_string(); }

 private:
  const Node* node_;
};

// One input or output slot: a tensor, or for a ref-typed slot, the variable it refers to.
struct TensorValue {
  Tensor tensor;
  Var* ref = nullptr;
};

class OpKernelContext {
 public:
  struct Params {
    const OpKernel* kernel = nullptr;
    Device* device = nullptr;
    ResourceMgr* resource_mgr = nullptr;
    int64_t step_id = 0;
    // The step's per-step container (core/resource_mgr.h); the executor makes one per Run. Null
    // when a kernel runs outside an executor.
    ScopedStepContainer* step_container = nullptr;
    // The inputs, in order. A kernel may move out of or write into an input tensor only when
    // its RefCountIsOne() (the executor gives it the last reference when it can).
    TensorValue* inputs = nullptr;
    int num_inputs = 0;
    // The functions this step's kernels may call (PartitionedCall, a call by function name).
    FunctionLibrary* function_library = nullptr;
  };
  OpKernelContext(const Params& params, int num_outputs);

  int num_inputs() const { return params_.num_inputs; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // Input i's tensor. For a ref input this is the variable's tensor: lock input_ref(i)->mu().
  const Tensor& input(int i) const;
  // The variable behind ref input i (nullptr for a non-ref input).
  Var* input_ref(int i) const { return params_.inputs[i].ref; }
  DataType input_dtype(int i) const { return params_.kernel->node().input_type(i); }
  DataType expected_output_dtype(int i) const { return params_.kernel->node().output_type(i); }

  // Allocates output i with `shape` on the kernel's device.
  Status allocate_output(int i, const TensorShape& shape, Tensor** out);
  // Output i takes over input `input_index`'s buffer when nobody else holds it and its dtype
  // and size match; otherwise allocates. The kernel must then read the input before writing the
  // output element by element (elementwise kernels do).
  Status forward_input_or_allocate_output(int input_index, int output_index,
                                          const TensorShape& shape, Tensor** out);
  // Allocates a scratch tensor that is not an output.
  Status allocate_temp(DataType dtype, const TensorShape& shape, Tensor* out);
  void set_output(int i, Tensor tensor);
  void set_output_ref(int i, Var* var);

  void SetStatus(const Status& s) {
    if (status_.ok()) status_ = s;
  }
  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

  Device* device() const { return params_.device; }
  ResourceMgr* resource_mgr() const { return params_.resource_mgr; }
  const OpKernel& kernel() const { return *params_.kernel; }
  int64_t step_id() const { return params_.step_id; }
  // Null when the step runs without functions (a bare Executor).
  FunctionLibrary* function_library() const { return params_.function_library; }
  // Where resources that live for this step only go (may be null; see Params).
  ScopedStepContainer* step_container() const { return params_.step_container; }
  // Outputs after Compute, for the executor.
  absl::InlinedVector<TensorValue, 2>& outputs() { return outputs_; }

 private:
  Params params_;
  absl::InlinedVector<TensorValue, 2> outputs_;
  Status status_;
};

#define OP_REQUIRES(CTX, EXP, STATUS) \
  do {                                \
    if (!(EXP)) {                     \
      (CTX)->SetStatus(STATUS);       \
      return;                         \
    }                                 \
  } while (0)

#define OP_REQUIRES_OK(CTX, ...)            \
  do {                                      \
    ::absl::Status _sluice_s = (__VA_ARGS__); \
    if (!_sluice_s.ok()) {                  \
      (CTX)->SetStatus(_sluice_s);          \
      return;                               \
    }                                       \
  } while (0)

// Which nodes a kernel serves: an op, a device type and constraints on type attrs.
class KernelDefBuilder {
 public:
  explicit KernelDefBuilder(std::string op) : op_(std::move(op)) {}
  KernelDefBuilder& Device(std::string device_type) {
    device_type_ = std::move(device_type);
    return *this;
  }
  KernelDefBuilder& TypeConstraint(std::string attr, DataType dt) {
    constraints_.push_back({std::move(attr), {dt}});
    return *this;
  }
  KernelDefBuilder& TypeConstraint(std::string attr, std::vector<DataType> allowed) {
    constraints_.push_back({std::move(attr), std::move(allowed)});
    return *this;
  }
  template <typename T>
  KernelDefBuilder& TypeConstraint(std::string attr) {
    return TypeConstraint(std::move(attr), DataTypeToEnum<T>::value);
  }
  // The input or output named `arg` (its name in the op's schema) stays in host memory on this
  // kernel's device: shapes, indices, sizes that a device kernel reads on the host. No copy is
  // made to the device for it, and a CPU consumer of such an output reads it directly.
  KernelDefBuilder& HostMemory(std::string arg) {
    host_memory_args_.push_back(std::move(arg));
    return *this;
  }

 private:
  friend class KernelRegistry;
  std::string op_;
  std::string device_type_ = kDeviceCpu;
  std::vector<std::pair<std::string, std::vector<DataType>>> constraints_;
  std::vector<std::string> host_memory_args_;
};

// The kernel registered under this name serves every call of a function by its name (a node
// whose op is a function of its graph's library).
inline constexpr char kFunctionCallOp[] = "_FunctionCall";

using KernelFactory = std::function<std::unique_ptr<OpKernel>(OpKernelConstruction*)>;

class KernelRegistry {
 public:
  static KernelRegistry* Global();
  void Register(const KernelDefBuilder& def, KernelFactory factory);
  // Whether some kernel serves `node` on `device_type` (the placer asks this).
  bool HasKernel(const Node& node, absl::string_view device_type) const;
  // The same for an op with these attrs (a NodeDef's), without building a node.
  bool HasKernel(absl::string_view op, const AttrMap& attrs,
                 absl::string_view device_type) const;
  // Which inputs and outputs of `node`'s kernel on `device_type` are HostMemory (one flag per
  // input and per output, list args expanded). False for all when no kernel matches.
  void HostMemoryArgs(const Node& node, absl::string_view device_type, std::vector<bool>* inputs,
                      std::vector<bool>* outputs) const;
  // Creates the kernel for `node` on `device`. NotFound names the node, op, device and dtypes
  // when no kernel matches; a constructor's error is returned annotated with the node.
  StatusOr<std::unique_ptr<OpKernel>> CreateKernel(const Node& node, Device* device,
                                                   ResourceMgr* resource_mgr) const;

 private:
  struct Entry {
    KernelDefBuilder def;
    KernelFactory factory;
  };
  const Entry* Find(absl::string_view op, const AttrMap& attrs,
                    absl::string_view device_type) const;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<Entry>> kernels_ ABSL_GUARDED_BY(mu_);
};

namespace internal {
struct KernelRegistrar {
  KernelRegistrar(const KernelDefBuilder& def, KernelFactory factory) {
    KernelRegistry::Global()->Register(def, std::move(factory));
  }
};
}  // namespace internal

}  // namespace sluice

#define SLUICE_REGISTER_KERNEL_UNIQ(ctr, builder, ...)                                      \
  static ::sluice::internal::KernelRegistrar sluice_kernel_registrar_##ctr [[maybe_unused]]( \
      builder, [](::sluice::OpKernelConstruction* c) -> std::unique_ptr<::sluice::OpKernel> { \
        return std::make_unique<__VA_ARGS__>(c);                                            \
      })
#define SLUICE_REGISTER_KERNEL_HELPER(ctr, builder, ...) \
  SLUICE_REGISTER_KERNEL_UNIQ(ctr, builder, __VA_ARGS__)
#define REGISTER_KERNEL(builder, ...) SLUICE_REGISTER_KERNEL_HELPER(__COUNTER__, builder, __VA_ARGS__)

namespace sluice::internal {
// Registers Kernel<T> for `op` on the CPU with attr `attr` = T, for each T of a TypeFamily.
template <typename Family, template <typename> class Kernel>
struct FamilyKernelRegistrar;
template <typename... Ts, template <typename> class Kernel>
struct FamilyKernelRegistrar<TypeFamily<Ts...>, Kernel> {
  FamilyKernelRegistrar(const char* op, const char* attr) {
    (KernelRegistry::Global()->Register(
         KernelDefBuilder(op).Device(kDeviceCpu).TypeConstraint<Ts>(attr),
         [](OpKernelConstruction* c) -> std::unique_ptr<OpKernel> { return std::make_unique<Kernel<Ts>>(c); }),
     ...);
  }
};
}  // namespace sluice::internal

// REGISTER_KERNEL_FAMILY(FloatTypes, "Relu", ReluOp): ReluOp<T> for each T of the family (the
// schema's attr "T" lists the same family). `Kernel` is a template of one type parameter.
#define SLUICE_REGISTER_KERNEL_FAMILY_UNIQ(ctr, family, op, attr, kernel)                              static ::sluice::internal::FamilyKernelRegistrar<::sluice::family, kernel> sluice_family_registrar_##ctr       [[maybe_unused]](op, attr)
#define SLUICE_REGISTER_KERNEL_FAMILY_HELPER(ctr, family, op, attr, kernel)   SLUICE_REGISTER_KERNEL_FAMILY_UNIQ(ctr, family, op, attr, kernel)
#define REGISTER_KERNEL_FAMILY(family, op, kernel)   SLUICE_REGISTER_KERNEL_FAMILY_HELPER(__COUNTER__, family, op, "T", kernel)

#endif  // SLUICE_CORE_KERNEL_H_
