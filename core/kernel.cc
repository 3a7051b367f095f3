#include "core/kernel.h"

#include "absl/strings/str_join.h"

namespace sluice {

OpKernelContext::OpKernelContext(const Params& params, int num_outputs)
    : params_(params), outputs_(num_outputs) {}

const Tensor& OpKernelContext::input(int i) const {
  const TensorValue& v = params_.inputs[i];
  return v.ref != nullptr ? *v.ref->tensor() : v.tensor;
}

Status OpKernelContext::allocate_output(int i, const TensorShape& shape, Tensor** out) {
  SLUICE_ASSIGN_OR_RETURN(outputs_[i].tensor,
                          Tensor::Allocate(expected_output_dtype(i), shape, device()->allocator()));
  *out = &outputs_[i].tensor;
  return absl::OkStatus();
}

Status OpKernelContext::forward_input_or_allocate_output(int input_index, int output_index,
                                                         const TensorShape& shape, Tensor** out) {
  TensorValue& in = params_.inputs[input_index];
  if (in.ref == nullptr && in.tensor.RefCountIsOne() && in.tensor.dtype() == expected_output_dtype(output_index) &&
      in.tensor.dtype() != DT_STRING && in.tensor.NumElements() == shape.num_elements() &&
      in.tensor.buffer()->allocator() == device()->allocator()) {
    in.tensor.Reshaped(shape, &outputs_[output_index].tensor);
    *out = &outputs_[output_index].tensor;
    return absl::OkStatus();
  }
  return allocate_output(output_index, shape, out);
}

Status OpKernelContext::allocate_temp(DataType dtype, const TensorShape& shape, Tensor* out) {
  SLUICE_ASSIGN_OR_RETURN(*out, Tensor::Allocate(dtype, shape, device()->allocator()));
  return absl::OkStatus();
}

void OpKernelContext::set_output(int i, Tensor tensor) { outputs_[i].tensor = std::move(tensor); }

void OpKernelContext::set_output_ref(int i, Var* var) { outputs_[i].ref = var; }

KernelRegistry* KernelRegistry::Global() {
  static KernelRegistry* const registry = new KernelRegistry;
  return registry;
}

void KernelRegistry::Register(const KernelDefBuilder& def, KernelFactory factory) {
  absl::MutexLock lock(&mu_);
  kernels_[def.op_].push_back({def, std::move(factory)});
}

const KernelRegistry::Entry* KernelRegistry::Find(absl::string_view op,
                                                  const AttrMap& attrs,
                                                  absl::string_view device_type) const {
  absl::MutexLock lock(&mu_);
  auto it = kernels_.find(op);
  if (it == kernels_.end()) return nullptr;
  for (const Entry& e : it->second) {
    if (e.def.device_type_ != device_type) continue;
    bool match = true;
    for (const auto& [attr, allowed] : e.def.constraints_) {
      DataType dt;
      if (!GetAttr(attrs, attr, &dt).ok() ||
          std::find(allowed.begin(), allowed.end(), dt) == allowed.end()) {
        match = false;
        break;
      }
    }
    if (match) return &e;
  }
  return nullptr;
}

namespace {
// The kernel of a call by function name is registered as kFunctionCallOp.
absl::string_view KernelOpOf(const Node& node) {
  return node.is_function_call() ? absl::string_view(kFunctionCallOp) : absl::string_view(node.type_string());
}
}  // namespace

bool KernelRegistry::HasKernel(const Node& node, absl::string_view device_type) const {
  return Find(KernelOpOf(node), node.def().attr(), device_type) != nullptr;
}

bool KernelRegistry::HasKernel(absl::string_view op, const AttrMap& attrs,
                               absl::string_view device_type) const {
  return Find(op, attrs, device_type) != nullptr;
}

namespace {
// The number of tensors arg `a` of `node` stands for (N or a type list expands it).
int ArgCount(const OpDef::ArgDef& a, const Node& node) {
  int64_t n = 1;
  if (!a.number_attr().empty()) {
    (void)GetAttr(node.def().attr(), a.number_attr(), &n);
  } else if (!a.type_list_attr().empty()) {
    auto it = node.def().attr().find(a.type_list_attr());
    n = it == node.def().attr().end() ? 0 : it->second.list().type_size();
  }
  return static_cast<int>(n);
}

void MarkArgs(const google::protobuf::RepeatedPtrField<OpDef::ArgDef>& args, const Node& node,
              const std::vector<std::string>& host, size_t total, std::vector<bool>* flags) {
  flags->assign(total, false);
  size_t next = 0;
  for (const OpDef::ArgDef& a : args) {
    int n = ArgCount(a, node);
    bool on_host = std::find(host.begin(), host.end(), a.name()) != host.end();
    for (int k = 0; k < n && next < total; ++k) (*flags)[next++] = on_host;
  }
}
}  // namespace

void KernelRegistry::HostMemoryArgs(const Node& node, absl::string_view device_type, std::vector<bool>* inputs,
                                    std::vector<bool>* outputs) const {
  const Entry* e = Find(KernelOpOf(node), node.def().attr(), device_type);
  static const std::vector<std::string> kNone;
  const std::vector<std::string>& host = e == nullptr ? kNone : e->def.host_memory_args_;
  MarkArgs(node.op_def().input_arg(), node, host, node.num_inputs(), inputs);
  MarkArgs(node.op_def().output_arg(), node, host, node.num_outputs(), outputs);
}

StatusOr<std::unique_ptr<OpKernel>> KernelRegistry::CreateKernel(const Node& node, Device* device,
                                                                 ResourceMgr* resource_mgr) const {
  const Entry* e = Find(KernelOpOf(node), node.def().attr(), device->type());
  if (e == nullptr) {
    std::vector<std::string> types;
    for (const auto& [name, value] : node.def().attr()) {
      if (value.value_case() == AttrValue::kType) {
        types.push_back(absl::StrCat(name, "=", DataTypeString(value.type())));
      }
    }
    std::sort(types.begin(), types.end());
    return errors::NotFound("no ", device->type(), " kernel for node ", node.DebugName(),
                            types.empty() ? "" : " with ", absl::StrJoin(types, ", "));
  }
  OpKernelConstruction ctx(&node, device, resource_mgr);
  std::unique_ptr<OpKernel> kernel = e->factory(&ctx);
  if (!ctx.status().ok()) {
    return errors::Annotate(ctx.status(), absl::StrCat("node ", node.DebugName(), ": "));
  }
  return kernel;
}

}  // namespace sluice
