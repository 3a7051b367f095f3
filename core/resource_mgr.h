// ResourceMgr: the session's named, stateful objects (variables now; iterators, summary writers
// and queues later), keyed by (container, name). Resources live until the ResourceMgr is
// destroyed or their container is cleared; kernels hold plain pointers during a step.
#ifndef SLUICE_CORE_RESOURCE_MGR_H_
#define SLUICE_CORE_RESOURCE_MGR_H_

#include <functional>
#include <memory>
#include <string>
#include <typeindex>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

class ResourceBase {
 public:
  virtual ~ResourceBase() = default;
  virtual std::string DebugString() const = 0;
};

// A TF1 variable: a tensor behind a mutex. Readers copy the Tensor handle under the lock;
// writers take the lock exclusively and may update the buffer in place only when nobody else
// shares it (see PrepareForUpdate).
class Var : public ResourceBase {
 public:
  // `name`: the variable node that created it; `dtype` and `shape` as that node declares them
  // (the shape may be partial).
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
  // Returns the resource of type T at (container, name), creating it with `create` when absent.
  template <typename T>
  StatusOr<T*> LookupOrCreate(const std::string& container, const std::string& name,
                              const std::function<StatusOr<std::unique_ptr<T>>()>& create) {
    absl::MutexLock lock(&mu_);
    Key key{container, name, std::type_index(typeid(T))};
    auto it = resources_.find(key);
    if (it != resources_.end()) return static_cast<T*>(it->second.get());
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<T> created, create());
    T* raw = created.get();
    resources_.emplace(std::move(key), std::move(created));
    return raw;
  }
  // Returns the resource of type T at (container, name); NotFound names it.
  template <typename T>
  StatusOr<T*> Lookup(const std::string& container, const std::string& name) const {
    absl::MutexLock lock(&mu_);
    auto it = resources_.find(Key{container, name, std::type_index(typeid(T))});
    if (it == resources_.end()) {
      return errors::NotFound("resource ", container, "/", name, " does not exist");
    }
    return static_cast<T*>(it->second.get());
  }
  // Calls fn on every resource of type T, under the manager's lock.
  template <typename T>
  void ForEach(const std::function<void(const std::string& container, const std::string& name, T*)>& fn) {
    absl::MutexLock lock(&mu_);
    for (auto& [key, res] : resources_) {
      if (key.type == std::type_index(typeid(T))) fn(key.container, key.name, static_cast<T*>(res.get()));
    }
  }

 private:
  struct Key {
    std::string container, name;
    std::type_index type;
    bool operator==(const Key& o) const {
      return container == o.container && name == o.name && type == o.type;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.container, k.name, k.type.hash_code());
    }
  };
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Key, std::unique_ptr<ResourceBase>> resources_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice

#endif  // SLUICE_CORE_RESOURCE_MGR_H_
