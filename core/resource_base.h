// ResourceBase: a session's stateful object (a variable, later an iterator or a summary writer),
// reference counted so that a kernel that looked it up can keep using it while another step
// deletes it from the ResourceMgr; RefCountPtr<T> holds one reference.
//
//   RefCountPtr<Var> var(new Var("v", DT_FLOAT, TensorShape{2}));  // owns the initial reference
//   RefCountPtr<ResourceBase> other = var;                          // a second one
//   var.reset();                                                    // `other` keeps it alive
#ifndef SLUICE_CORE_RESOURCE_BASE_H_
#define SLUICE_CORE_RESOURCE_BASE_H_

#include <atomic>
#include <concepts>
#include <cstdint>
#include <string>
#include <utility>

namespace sluice {

class ResourceBase {
 public:
  // A new resource holds one reference, which its creator owns (usually by handing it to a
  // RefCountPtr or to the ResourceMgr).
  ResourceBase() = default;
  // Public so that a resource not yet shared can live in a std::unique_ptr (what
  // ResourceMgr::LookupOrCreate's factory returns); once shared, only Unref may delete it.
  virtual ~ResourceBase() = default;
  ResourceBase(const ResourceBase&) = delete;
  ResourceBase& operator=(const ResourceBase&) = delete;

  virtual std::string DebugString() const = 0;

  void Ref() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops one reference and deletes the resource when it was the last.
  void Unref() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  bool RefCountIsOne() const { return refs_.load(std::memory_order_acquire) == 1; }

 private:
  mutable std::atomic<int64_t> refs_{1};
};

// Owns one reference to a resource of type T (a ResourceBase): copying takes another, destroying
// drops it. Null when default-constructed or moved from.
template <typename T>
class RefCountPtr {
 public:
  RefCountPtr() = default;
  // Takes over a reference the caller owns (a new resource's initial one); `resource` may be null.
  explicit RefCountPtr(T* resource) : ptr_(resource) {}
  // Takes a new reference to `resource` (not null), which the caller keeps its own on.
  static RefCountPtr NewRef(T* resource) {
    resource->Ref();
    return RefCountPtr(resource);
  }

  RefCountPtr(const RefCountPtr& o) : ptr_(o.ptr_) {
    if (ptr_ != nullptr) ptr_->Ref();
  }
  RefCountPtr(RefCountPtr&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)) {}
  template <typename U>
    requires std::convertible_to<U*, T*>
  RefCountPtr(RefCountPtr<U> o) : ptr_(o.release()) {}  // NOLINT: upcasts like a plain pointer
  RefCountPtr& operator=(RefCountPtr o) noexcept {
    std::swap(ptr_, o.ptr_);
    return *this;
  }
  ~RefCountPtr() {
    if (ptr_ != nullptr) ptr_->Unref();
  }

  T* get() const { return ptr_; }
  T* operator->() const { return ptr_; }
  T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  // Gives up the reference without dropping it: the caller now owns it.
  T* release() { return std::exchange(ptr_, nullptr); }
  void reset() { RefCountPtr().swap(*this); }
  void swap(RefCountPtr& o) noexcept { std::swap(ptr_, o.ptr_); }

 private:
  T* ptr_ = nullptr;
};

}  // namespace sluice

#endif  // SLUICE_CORE_RESOURCE_BASE_H_
