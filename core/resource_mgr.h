// ResourceMgr: the session's named, stateful objects (variables now; iterators, summary writers
// and queues later), keyed by (container, name, C++ type). The manager holds one reference to
// each resource (core/resource_base.h); lookups return another, so a kernel keeps what it looked
// up alive past a concurrent Delete or Cleanup of its container:
//
//   ResourceMgr rm;
//   SLUICE_CHECK_OK(rm.Create("localhost", "v", RefCountPtr<Var>(new Var("v", DT_FLOAT, TensorShape{2}))));
//   StatusOr<RefCountPtr<Var>> v = rm.Lookup<Var>("localhost", "v");
//   SLUICE_CHECK_OK(rm.Delete<Var>("localhost", "v"));   // *v stays valid until released
//
// Kernels usually reach resources through a DT_RESOURCE tensor's ResourceHandle
// (core/resource_handle.h): Lookup<T>(handle) checks that the handle names a T.
//
// ScopedStepContainer: resources that live for one step only (TF's per-step container). The
// executor makes one per Run and hands it to every kernel of the step
// (OpKernelContext::step_container()); when the step's last kernel has finished, it drops its
// container.
#ifndef SLUICE_CORE_RESOURCE_MGR_H_
#define SLUICE_CORE_RESOURCE_MGR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "core/resource_base.h"
#include "core/resource_handle.h"
#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

// A variable: a tensor behind a mutex, shared by TF1 ref variables (VariableV2) and resource
// variables (VarHandleOp). Readers copy the Tensor handle under the lock (so what they read does
// not change later); writers take the lock exclusively and may update the buffer in place only
// when nobody else shares it (see PrepareForUpdate).
class Var : public ResourceBase {
 public:
  // `name`: the variable node that created it (a resource variable: its shared name); `dtype`
  // and `shape` as that node declares them (the shape may be partial or of unknown rank).
  Var(std::string name, DataType dtype, TensorShape shape)
      : name_(std::move(name)), dtype_(dtype), shape_(std::move(shape)) {}
  const std::string& name() const { return name_; }
  DataType dtype() const { return dtype_; }
  const TensorShape& shape() const { return shape_; }
  absl::Mutex* mu() { return &mu_; }
  // Requires mu() held (shared for reading, exclusive for writing).
  Tensor* tensor() { return &tensor_; }
  // Requires mu() held.
  bool is_initialized() const { return tensor_.IsInitialized(); }
  // Requires mu() held exclusively. Makes the buffer exclusively this variable's (copying it if
  // a reader still holds it), so that a kernel can write into it in place.
  void PrepareForUpdate();
  std::string DebugString() const override;

 private:
  std::string name_;
  DataType dtype_;
  TensorShape shape_;
  absl::Mutex mu_;
  Tensor tensor_;
};

class ResourceMgr {
 public:
  // `default_container`: where handles without a container put their resources (TF: "localhost").
  explicit ResourceMgr(std::string default_container = "localhost")
      : default_container_(std::move(default_container)) {}
  ResourceMgr(const ResourceMgr&) = delete;
  ResourceMgr& operator=(const ResourceMgr&) = delete;
  // Drops the manager's references; resources that kernels or tensors still hold live on.
  ~ResourceMgr() = default;

  const std::string& default_container() const { return default_container_; }

  // Adds `resource` (not null) at (container, name). AlreadyExists names it when a T is there.
  template <typename T>
  Status Create(const std::string& container, const std::string& name, RefCountPtr<T> resource) {
    absl::MutexLock lock(&mu_);
    return Insert(container, name, ResourceTypeId::Of<T>(), RefCountPtr<ResourceBase>(std::move(resource)));
  }
  // The resource of type T at (container, name). NotFound names it (and the type of another
  // resource of that name, if there is one).
  template <typename T>
  StatusOr<RefCountPtr<T>> Lookup(const std::string& container, const std::string& name) const {
    absl::ReaderMutexLock lock(&mu_);
    SLUICE_ASSIGN_OR_RETURN(ResourceBase * found, Find(container, name, ResourceTypeId::Of<T>()));
    return NewRef<T>(found);
  }
  // The resource of type T at (container, name), made by `create` (under the manager's lock) when
  // absent; an error of `create` is returned as it is.
  template <typename T>
  StatusOr<RefCountPtr<T>> LookupOrCreate(const std::string& container, const std::string& name,
                                          const std::function<StatusOr<std::unique_ptr<T>>()>& create) {
    const ResourceTypeId& type = ResourceTypeId::Of<T>();
    {
      absl::ReaderMutexLock lock(&mu_);
      if (ResourceBase* found = FindOrNull(container, name, type)) return NewRef<T>(found);
    }
    absl::MutexLock lock(&mu_);
    if (ResourceBase* found = FindOrNull(container, name, type)) return NewRef<T>(found);
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<T> created, create());
    RefCountPtr<T> resource(created.release());
    SLUICE_RETURN_IF_ERROR(Insert(container, name, type, RefCountPtr<ResourceBase>(resource)));
    return resource;
  }
  // Removes the T at (container, name) from the manager; whoever holds it keeps it until
  // released. NotFound names it when absent.
  template <typename T>
  Status Delete(const std::string& container, const std::string& name) {
    RefCountPtr<ResourceBase> removed;  // dropped after the lock is released
    absl::MutexLock lock(&mu_);
    const ResourceTypeId& type = ResourceTypeId::Of<T>();
    return Erase(container, name, type.hash_code, type.name, &removed);
  }

  // The same by handle: the handle's container ("" means default_container()), name and type.
  // Lookup fails with InvalidArgument naming both types when the handle names another type than
  // T; a handle that owns its resource (ResourceHandle::resource()) returns that one.
  template <typename T>
  StatusOr<RefCountPtr<T>> Lookup(const ResourceHandle& handle) const {
    SLUICE_RETURN_IF_ERROR(CheckHandleType(handle, ResourceTypeId::Of<T>()));
    if (handle.resource()) return NewRef<T>(handle.resource().get());
    return Lookup<T>(ContainerOf(handle), handle.name());
  }
  template <typename T>
  StatusOr<RefCountPtr<T>> LookupOrCreate(const ResourceHandle& handle,
                                          const std::function<StatusOr<std::unique_ptr<T>>()>& create) {
    SLUICE_RETURN_IF_ERROR(CheckHandleType(handle, ResourceTypeId::Of<T>()));
    if (handle.resource()) return NewRef<T>(handle.resource().get());
    return LookupOrCreate<T>(ContainerOf(handle), handle.name(), create);
  }
  // Removes the resource the handle names, whatever its type; NotFound names it when absent.
  Status Delete(const ResourceHandle& handle);
  // A handle to the T at (container or, when empty, default_container(), name) on `device`.
  template <typename T>
  ResourceHandle MakeHandle(const std::string& container, const std::string& name,
                            const std::string& device = "") const {
    return ResourceHandle::Make<T>(device, container.empty() ? default_container_ : container, name);
  }

  // Removes every resource of `container` (OK when there is none).
  void Cleanup(const std::string& container);

  // Calls fn on every resource of type T, under the manager's lock (fn must not call the manager).
  template <typename T>
  void ForEach(const std::function<void(const std::string& container, const std::string& name, T*)>& fn) const {
    const uint64_t type = ResourceTypeId::Of<T>().hash_code;
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [container, names] : containers_) {
      for (const auto& [name, entries] : names) {
        for (const Entry& e : entries) {
          if (e.type->hash_code == type) fn(container, name, static_cast<T*>(e.resource.get()));
        }
      }
    }
  }

 private:
  // The resources of one name in one container, usually one.
  struct Entry {
    const ResourceTypeId* type;
    RefCountPtr<ResourceBase> resource;
  };
  using Entries = absl::InlinedVector<Entry, 1>;
  using Container = absl::flat_hash_map<std::string, Entries>;

  // A new reference to `resource`, known to be a T (its entry's or its handle's type says so).
  template <typename T>
  static RefCountPtr<T> NewRef(ResourceBase* resource) {
    return RefCountPtr<T>::NewRef(static_cast<T*>(resource));
  }
  const std::string& ContainerOf(const ResourceHandle& handle) const {
    return handle.container().empty() ? default_container_ : handle.container();
  }
  static Status CheckHandleType(const ResourceHandle& handle, const ResourceTypeId& type);
  ResourceBase* FindOrNull(const std::string& container, const std::string& name, const ResourceTypeId& type) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  StatusOr<ResourceBase*> Find(const std::string& container, const std::string& name,
                               const ResourceTypeId& type) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Status Insert(const std::string& container, const std::string& name, const ResourceTypeId& type,
                RefCountPtr<ResourceBase> resource) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the entry of type hash `type_hash` out to *removed (for the caller to drop outside the
  // lock: a resource's destructor may use the manager); `type_name` is for the error.
  Status Erase(const std::string& container, const std::string& name, uint64_t type_hash,
               const std::string& type_name, RefCountPtr<ResourceBase>* removed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string default_container_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Container> containers_ ABSL_GUARDED_BY(mu_);
};

// The per-step container of one step: its name is "__per_step_<step_id>", and its destructor
// removes that container from the ResourceMgr (Cleanup), so whatever a kernel created there is
// gone when the step ends (or lives on only in what still holds it). The executor makes one per
// Run, around the whole dataflow pass, and passes it in OpKernelContext::Params; a kernel
// creates per-step resources with
//   ctx->resource_mgr()->Create(ctx->step_container()->name(), name, resource).
// The name is built on first use, and only a step whose kernels asked for it cleans up: a step
// that uses no per-step resource costs nothing (cached plans' runs allocate nothing).
class ScopedStepContainer {
 public:
  // `resource_mgr` may be null (nothing to clean).
  ScopedStepContainer(int64_t step_id, ResourceMgr* resource_mgr) : step_id_(step_id), resource_mgr_(resource_mgr) {}
  ~ScopedStepContainer();
  ScopedStepContainer(const ScopedStepContainer&) = delete;
  ScopedStepContainer& operator=(const ScopedStepContainer&) = delete;

  int64_t step_id() const { return step_id_; }
  // "__per_step_<step_id>". Thread-safe.
  const std::string& name() const;

 private:
  const int64_t step_id_;
  ResourceMgr* const resource_mgr_;
  mutable absl::once_flag name_once_;
  mutable std::string name_;  // set once, under name_once_
};

}  // namespace sluice

#endif  // SLUICE_CORE_RESOURCE_MGR_H_
