// Device: where kernels run and where their buffers live. A device has a full name
// ("/job:localhost/replica:0/task:0/device:CPU:0"), a type that keys the kernel registry
// ("CPU", "GPU"), an allocator, a per-device context (streams, for devices that have them), and
// moves tensors between its memory and the host's. Backends register a DeviceFactory for their
// type; a session asks every registered factory for its devices, so that the core never says
// `if (gpu)`.
#ifndef SLUICE_CORE_DEVICE_H_
#define SLUICE_CORE_DEVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/allocator.h"
#include "core/status.h"

namespace sluice {

inline constexpr char kDeviceCpu[] = "CPU";
inline constexpr char kDeviceGpu[] = "GPU";

class OpKernel;
class OpKernelContext;
class Tensor;

// What a device keeps for the kernels that run on it (a GPU's stream and library handles).
// Kernels reach it through OpKernelContext::device()->context().
class DeviceContext {
 public:
  virtual ~DeviceContext() = default;
};

class Device {
 public:
  // `name` is the full name, `type` the kernel-registry key, `index` the N of ".../TYPE:N".
  Device(std::string name, std::string type, Allocator* allocator, int index = 0)
      : name_(std::move(name)), type_(std::move(type)), allocator_(allocator), index_(index) {}
  virtual ~Device() = default;

  const std::string& name() const { return name_; }
  const std::string& type() const { return type_; }
  int index() const { return index_; }
  Allocator* allocator() const { return allocator_; }

  // Runs `kernel` (a stream-based device enqueues it on its stream). Default: in line.
  virtual void Compute(OpKernel* kernel, OpKernelContext* ctx);
  // Waits for everything enqueued on this device. Default: nothing is ever pending.
  virtual Status Sync() { return absl::OkStatus(); }
  virtual DeviceContext* context() { return nullptr; }

  // Whether tensors on this device live in host memory, readable by CPU kernels (then no copy
  // is needed between it and the host).
  virtual bool UsesHostMemory() const { return true; }
  // Copies a host tensor into this device's memory, and back. Only called when
  // UsesHostMemory() is false; the defaults say so.
  virtual Status CopyFromHost(const Tensor& host, Tensor* on_device);
  virtual Status CopyToHost(const Tensor& on_device, Tensor* host);

 private:
  std::string name_;
  std::string type_;
  Allocator* allocator_;
  int index_;
};

// Moves `src`, which lives on `src_device`, to `dst_device`: shared when both use the same
// memory, else through CopyToHost / CopyFromHost (device to device goes through the host).
Status CopyTensorBetweenDevices(const Tensor& src, Device* src_device, Device* dst_device, Tensor* dst);

// Makes the devices of one type. `count` is how many the session asks for (-1: all there are).
class DeviceFactory {
 public:
  virtual ~DeviceFactory() = default;
  // Appends the devices, named "<name_prefix>/device:<TYPE>:<i>".
  virtual Status CreateDevices(const std::string& name_prefix, int count,
                               std::vector<std::unique_ptr<Device>>* devices) = 0;

  // Registers the factory of `type`. Devices of a higher `priority` are preferred for nodes that
  // request no device (TF: GPU 210 over CPU 70); a type registers once.
  static void Register(const std::string& type, std::unique_ptr<DeviceFactory> factory, int priority);
  // Every registered type's devices, the highest priority first (CPU last among equals).
  // `device_count` limits a type (TF's ConfigProto.device_count: {"GPU", 0} turns GPUs off).
  static Status AddDevices(const std::string& name_prefix, const absl::flat_hash_map<std::string, int>& device_count,
                           std::vector<std::unique_ptr<Device>>* devices);
  // The registered priority of `type`, or -1.
  static int Priority(const std::string& type);
};

namespace internal {
struct DeviceFactoryRegistrar {
  DeviceFactoryRegistrar(const char* type, std::unique_ptr<DeviceFactory> factory, int priority) {
    DeviceFactory::Register(type, std::move(factory), priority);
  }
};
}  // namespace internal

}  // namespace sluice

// REGISTER_DEVICE_FACTORY("GPU", GpuDeviceFactory, 210): at static-initialization time.
#define SLUICE_REGISTER_DEVICE_FACTORY_UNIQ(ctr, type, factory, priority)                 \
  static ::sluice::internal::DeviceFactoryRegistrar sluice_device_factory_##ctr [[maybe_unused]]( \
      type, std::make_unique<factory>(), priority)
#define SLUICE_REGISTER_DEVICE_FACTORY_HELPER(ctr, type, factory, priority) \
  SLUICE_REGISTER_DEVICE_FACTORY_UNIQ(ctr, type, factory, priority)
#define REGISTER_DEVICE_FACTORY(type, factory, priority) \
  SLUICE_REGISTER_DEVICE_FACTORY_HELPER(__COUNTER__, type, factory, priority)

#endif  // SLUICE_CORE_DEVICE_H_
