#include "core/resource_mgr.h"

namespace sluice {

void Var::PrepareForUpdate() {
  if (tensor_.IsInitialized() && !tensor_.RefCountIsOne()) tensor_ = tensor_.DeepCopy(tensor_.buffer()->allocator());
}

std::string Var::DebugString() const {
  return absl::StrCat("Var ", name_, " ", tensor_.IsInitialized() ? tensor_.DebugString() : "<uninitialized>");
}

}  // namespace sluice
