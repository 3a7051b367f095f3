#include "core/resource_handle.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace sluice {

void ResourceHandle::ToProto(ResourceHandleProto* proto) const {
  proto->Clear();
  proto->set_device(device_);
  proto->set_container(container_);
  proto->set_name(name_);
  proto->set_hash_code(hash_code_);
  proto->set_maybe_type_name(maybe_type_name_);
}

ResourceHandle ResourceHandle::FromProto(const ResourceHandleProto& proto) {
  return ResourceHandle(proto.device(), proto.container(), proto.name(), proto.hash_code(), proto.maybe_type_name());
}

int64_t ResourceHandle::PayloadBytes() const {
  return static_cast<int64_t>(device_.size() + container_.size() + name_.size() + maybe_type_name_.size());
}

std::string ResourceHandle::DebugString() const {
  return absl::StrCat("ResourceHandle(name=\"", absl::CHexEscape(name_), "\", container=\"",
                      absl::CHexEscape(container_), "\", device=\"", absl::CHexEscape(device_), "\", type=\"",
                      absl::CHexEscape(maybe_type_name_), "\")");
}

}  // namespace sluice
