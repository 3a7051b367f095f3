// ResourceHandle: the element of a DT_RESOURCE tensor, TensorFlow's ResourceHandle. It names a
// resource in a session's ResourceMgr (device, container, name, and the resource's C++ type as
// a hash code and a name) and may also own a reference to it, which keeps the resource alive for
// as long as some tensor holds the handle. A VarHandleOp outputs one naming its variable:
//
//   ResourceHandle h = ResourceHandle::Make<Var>("/device:CPU:0", "localhost", "w");
//   Tensor t = Tensor::Scalar(h);                          // dtype DT_RESOURCE
//   ResourceHandleProto proto;  h.ToProto(&proto);          // TF's resource_handle.proto fields
#ifndef SLUICE_CORE_RESOURCE_HANDLE_H_
#define SLUICE_CORE_RESOURCE_HANDLE_H_

#include <cstdint>
#include <string>
#include <typeinfo>

#include "core/resource_base.h"
#include "core/types.h"
#include "proto/tensor.pb.h"

namespace sluice {

// What identifies a C++ resource type in handles and in the ResourceMgr: typeid's hash code and
// the demangled name ("sluice::Var"), which errors quote.
struct ResourceTypeId {
  uint64_t hash_code = 0;
  std::string name;

  template <typename T>
  static const ResourceTypeId& Of() {
    static const ResourceTypeId* const id = new ResourceTypeId{typeid(T).hash_code(), DemangledTypeName(typeid(T))};
    return *id;
  }
};

class ResourceHandle {
 public:
  // A handle naming nothing (empty container and name, hash code 0).
  ResourceHandle() = default;
  // A handle to the resource of type T at (container, name) on `device`.
  template <typename T>
  static ResourceHandle Make(std::string device, std::string container, std::string name) {
    const ResourceTypeId& type = ResourceTypeId::Of<T>();
    return ResourceHandle(std::move(device), std::move(container), std::move(name), type.hash_code, type.name);
  }

  const std::string& device() const { return device_; }
  const std::string& container() const { return container_; }
  const std::string& name() const { return name_; }
  // The resource type's ResourceTypeId::hash_code and name.
  uint64_t hash_code() const { return hash_code_; }
  const std::string& maybe_type_name() const { return maybe_type_name_; }
  // Whether the resource behind the handle is of type T.
  template <typename T>
  bool HoldsType() const {
    return hash_code_ == ResourceTypeId::Of<T>().hash_code;
  }

  // The reference the handle owns, if any (null for a handle that only names its resource, as
  // a VarHandleOp's does). Copies of the handle share it; it is not serialized. A resource set
  // here must be of the type the handle names (ResourceMgr::Lookup returns it as that type).
  const RefCountPtr<ResourceBase>& resource() const { return resource_; }
  void set_resource(RefCountPtr<ResourceBase> resource) { resource_ = std::move(resource); }

  // The proto fields device = 1, container = 2, name = 3, hash_code = 4, maybe_type_name = 5.
  void ToProto(ResourceHandleProto* proto) const;
  // A handle naming what `proto` names (owning nothing).
  static ResourceHandle FromProto(const ResourceHandleProto& proto);
  // The bytes the handle's strings hold beyond sizeof(ResourceHandle) (for tensor byte caps).
  int64_t PayloadBytes() const;

  // `ResourceHandle(name="w", container="localhost", device="/device:CPU:0", type="sluice::Var")`.
  std::string DebugString() const;

 private:
  ResourceHandle(std::string device, std::string container, std::string name, uint64_t hash_code,
                 std::string type_name)
      : device_(std::move(device)),
        container_(std::move(container)),
        name_(std::move(name)),
        hash_code_(hash_code),
        maybe_type_name_(std::move(type_name)) {}

  std::string device_, container_, name_;
  uint64_t hash_code_ = 0;
  std::string maybe_type_name_;
  RefCountPtr<ResourceBase> resource_;
};

template <>
struct DataTypeToEnum<ResourceHandle> {
  static constexpr DataType value = DT_RESOURCE;
};

}  // namespace sluice

#endif  // SLUICE_CORE_RESOURCE_HANDLE_H_
