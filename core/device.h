// Device: where kernels run and where their buffers live. The CPU device is the only one the
// core knows by name; GPU devices register as plug-ins (kernels/gpu) with their own allocator
// and streams.
#ifndef SLUICE_CORE_DEVICE_H_
#define SLUICE_CORE_DEVICE_H_

#include <string>

#include "core/allocator.h"

namespace sluice {

inline constexpr char kDeviceCpu[] = "CPU";
inline constexpr char kDeviceGpu[] = "GPU";

class Device {
 public:
  // `name` is the full name ("/device:CPU:0"), `type` the kernel-registry key ("CPU").
  Device(std::string name, std::string type, Allocator* allocator)
      : name_(std::move(name)), type_(std::move(type)), allocator_(allocator) {}
  virtual ~Device() = default;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  Allocator* allocator() const { return allocator_; }

 private:
  std::string name_;
  std::string type_;
  Allocator* allocator_;
};

}  // namespace sluice

#endif  // SLUICE_CORE_DEVICE_H_
