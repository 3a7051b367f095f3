// The CPU device type: one device over the process-wide host allocator. Its kernels run in line
// on the thread that calls Compute, parallelized inside with OpenMP.
#include "core/device.h"

namespace sluice {
namespace {

class CpuDeviceFactory : public DeviceFactory {
 public:
  Status CreateDevices(const std::string& name_prefix, int count,
                       std::vector<std::unique_ptr<Device>>* devices) override {
    if (count == 0) return absl::OkStatus();
    devices->push_back(std::make_unique<Device>(name_prefix + "/device:CPU:0", kDeviceCpu, CpuAllocator(), 0));
    return absl::OkStatus();
  }
};

// TF's CPU priority; GPU backends register 210 and win for nodes that request no device.
REGISTER_DEVICE_FACTORY(kDeviceCpu, CpuDeviceFactory, 70);

}  // namespace
}  // namespace sluice
