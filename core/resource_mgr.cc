#include "core/resource_mgr.h"

#include <algorithm>

namespace sluice {

void Var::PrepareForUpdate() {
  if (tensor_.IsInitialized() && !tensor_.RefCountIsOne()) tensor_ = tensor_.DeepCopy(tensor_.buffer()->allocator());
}

std::string Var::DebugString() const {
  return absl::StrCat("Var ", name_, " ", tensor_.IsInitialized() ? tensor_.DebugString() : "<uninitialized>");
}

namespace {

std::string Describe(const std::string& container, const std::string& name, const std::string& type_name) {
  return absl::StrCat("resource ", errors::Echo(container), "/", errors::Echo(name), " of type ", type_name);
}

}  // namespace

Status ResourceMgr::CheckHandleType(const ResourceHandle& handle, const ResourceTypeId& type) {
  if (handle.hash_code() == type.hash_code) return absl::OkStatus();
  return errors::InvalidArgument("resource handle '", errors::Echo(handle.name()), "' refers to a ",
                                 handle.maybe_type_name().empty() ? std::string("resource of another type")
                                                                  : errors::Echo(handle.maybe_type_name()),
                                 ", but a ", type.name, " was expected");
}

ResourceBase* ResourceMgr::FindOrNull(const std::string& container, const std::string& name,
                                      const ResourceTypeId& type) const {
  auto c = containers_.find(container);
  if (c == containers_.end()) return nullptr;
  auto n = c->second.find(name);
  if (n == c->second.end()) return nullptr;
  for (const Entry& e : n->second) {
    if (e.type->hash_code == type.hash_code) return e.resource.get();
  }
  return nullptr;
}

StatusOr<ResourceBase*> ResourceMgr::Find(const std::string& container, const std::string& name,
                                          const ResourceTypeId& type) const {
  if (ResourceBase* found = FindOrNull(container, name, type)) return found;
  std::string other;
  if (auto c = containers_.find(container); c != containers_.end()) {
    if (auto n = c->second.find(name); n != c->second.end() && !n->second.empty()) {
      other = absl::StrCat(" (a ", n->second.front().type->name, " has that name)");
    }
  }
  return errors::NotFound(Describe(container, name, type.name), " does not exist", other);
}

Status ResourceMgr::Insert(const std::string& container, const std::string& name, const ResourceTypeId& type,
                           RefCountPtr<ResourceBase> resource) {
  Entries& entries = containers_[container][name];
  for (const Entry& e : entries) {
    if (e.type->hash_code == type.hash_code) {
      return errors::AlreadyExists(Describe(container, name, type.name), " already exists");
    }
  }
  entries.push_back(Entry{&type, std::move(resource)});
  return absl::OkStatus();
}

Status ResourceMgr::Erase(const std::string& container, const std::string& name, uint64_t type_hash,
                          const std::string& type_name, RefCountPtr<ResourceBase>* removed) {
  auto c = containers_.find(container);
  if (c != containers_.end()) {
    auto n = c->second.find(name);
    if (n != c->second.end()) {
      Entries& entries = n->second;
      auto e = std::find_if(entries.begin(), entries.end(),
                            [&](const Entry& entry) { return entry.type->hash_code == type_hash; });
      if (e != entries.end()) {
        *removed = std::move(e->resource);
        entries.erase(e);
        if (entries.empty()) c->second.erase(n);
        if (c->second.empty()) containers_.erase(c);
        return absl::OkStatus();
      }
    }
  }
  return errors::NotFound(Describe(container, name, type_name), " does not exist");
}

Status ResourceMgr::Delete(const ResourceHandle& handle) {
  RefCountPtr<ResourceBase> removed;  // dropped after the lock is released
  absl::MutexLock lock(&mu_);
  return Erase(ContainerOf(handle), handle.name(), handle.hash_code(),
               handle.maybe_type_name().empty() ? absl::StrCat("hash ", handle.hash_code()) : handle.maybe_type_name(),
               &removed);
}

void ResourceMgr::Cleanup(const std::string& container) {
  Container dropped;
  {
    absl::MutexLock lock(&mu_);
    auto c = containers_.find(container);
    if (c == containers_.end()) return;
    dropped = std::move(c->second);
    containers_.erase(c);
  }
  // Resources are destroyed here, outside the lock: a destructor may use the manager.
}

ScopedStepContainer::~ScopedStepContainer() {
  // Every kernel of the step has finished, so name_ is read after its only write.
  if (resource_mgr_ != nullptr && !name_.empty()) resource_mgr_->Cleanup(name_);
}

const std::string& ScopedStepContainer::name() const {
  absl::call_once(name_once_, [this] { name_ = absl::StrCat("__per_step_", step_id_); });
  return name_;
}

}  // namespace sluice
