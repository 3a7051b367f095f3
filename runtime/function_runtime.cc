#include "runtime/function_runtime.h"

#include <algorithm>

#include "absl/strings/str_join.h"

namespace sluice {

namespace {

constexpr int kMaxCallDepth = 64;
thread_local int call_depth = 0;

// "name{a=..., b=...}" with the attrs in name order: one key per distinct instantiation.
std::string InstantiationKey(const std::string& name, const AttrMap& attrs) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : attrs) {
    std::string bytes;
    (void)v.SerializeToString(&bytes);
    parts.push_back(absl::StrCat(k, "=", bytes));
  }
  std::sort(parts.begin(), parts.end());
  return absl::StrCat(name, "{", absl::StrJoin(parts, ","), "}");
}

}  // namespace

StatusOr<FunctionLibrary::Handle> FunctionLibraryRuntime::Instantiate(const std::string& name, const AttrMap& attrs) {
  const std::string key = InstantiationKey(name, attrs);
  {
    absl::MutexLock lock(&mu_);
    auto it = handles_.find(key);
    if (it != handles_.end()) return it->second;
  }
  const FunctionDef* fdef = library_->Find(name);
  if (fdef == nullptr) return errors::NotFound("no function named '", errors::Echo(name), "' in the graph's library");
  SLUICE_ASSIGN_OR_RETURN(InstantiatedFunction inst, InstantiateFunction(*fdef, attrs, *library_));
  Instance instance;
  instance.name = name;
  instance.arg_types = inst.arg_types;
  instance.ret_types = inst.ret_types;
  instance.body = std::make_unique<Graph>(*library_);
  Status s = instance.body->Import(inst.body);
  if (!s.ok()) return errors::Annotate(s, absl::StrCat("function '", errors::Echo(name), "': "));
  CompileSignature signature{inst.arg_names, inst.ret_tensors, inst.control_ret_nodes};
  auto compiled = CompiledGraph::Compile(*instance.body, signature, env_);
  if (!compiled.ok()) return errors::Annotate(compiled.status(), absl::StrCat("function '", errors::Echo(name), "': "));
  instance.compiled = *std::move(compiled);
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = handles_.try_emplace(key, static_cast<Handle>(instances_.size()));
  if (fresh) instances_.push_back(std::move(instance));  // else a racing Instantiate won
  return it->second;
}

const CompiledGraph* FunctionLibraryRuntime::compiled(Handle handle) const {
  absl::MutexLock lock(&mu_);
  return handle >= 0 && handle < static_cast<Handle>(instances_.size()) ? instances_[handle].compiled.get() : nullptr;
}

Status FunctionLibraryRuntime::Run(Handle handle, absl::Span<const Tensor> args, std::vector<Tensor>* rets) {
  return RunInternal(handle, args, nullptr, rets);
}

Status FunctionLibraryRuntime::RunConsumingArgs(Handle handle, std::vector<Tensor>* args, std::vector<Tensor>* rets) {
  Status s = RunInternal(handle, *args, args, rets);
  args->clear();
  return s;
}

Status FunctionLibraryRuntime::RunInternal(Handle handle, absl::Span<const Tensor> args, std::vector<Tensor>* owned,
                                           std::vector<Tensor>* rets) {
  const Instance* instance;
  {
    absl::MutexLock lock(&mu_);
    if (handle < 0 || handle >= static_cast<Handle>(instances_.size())) {
      return errors::InvalidArgument("no function instantiation with handle ", handle);
    }
    instance = &instances_[handle];
  }
  if (args.size() != instance->arg_types.size()) {
    return errors::InvalidArgument("function '", instance->name, "' takes ", instance->arg_types.size(),
                                   " argument(s), got ", args.size());
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].dtype() != instance->arg_types[i]) {
      return errors::InvalidArgument("function '", instance->name, "': argument ", i, " is ",
                                     DataTypeString(args[i].dtype()), ", expected ",
                                     DataTypeString(instance->arg_types[i]));
    }
  }
  if (call_depth >= kMaxCallDepth) {
    return errors::ResourceExhausted("function '", instance->name, "': calls nest deeper than ", kMaxCallDepth,
                                     " (unbounded recursion?)");
  }
  ++call_depth;
  Executor::StepOptions step;
  step.function_library = this;
  std::vector<Tensor> out;
  Status s = owned != nullptr ? instance->compiled->RunConsumingFeeds(executor_, absl::MakeSpan(*owned), &out, step)
                              : instance->compiled->Run(executor_, args, &out, step);
  --call_depth;
  SLUICE_RETURN_IF_ERROR(errors::Annotate(s, absl::StrCat("in function '", instance->name, "': ")));
  *rets = std::move(out);
  return absl::OkStatus();
}

}  // namespace sluice
