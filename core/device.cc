#include "core/device.h"

#include <algorithm>

#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "core/tensor.h"

namespace sluice {

void Device::Compute(OpKernel* kernel, OpKernelContext* ctx) { kernel->Compute(ctx); }

Status Device::CopyFromHost(const Tensor& host, Tensor* on_device) {
  return errors::Unimplemented("device ", name_, " cannot copy tensors from the host");
}

Status Device::CopyToHost(const Tensor& on_device, Tensor* host) {
  return errors::Unimplemented("device ", name_, " cannot copy tensors to the host");
}

Status CopyTensorBetweenDevices(const Tensor& src, Device* src_device, Device* dst_device, Tensor* dst) {
  if (src_device == dst_device || (src_device->UsesHostMemory() && dst_device->UsesHostMemory())) {
    *dst = src;
    return absl::OkStatus();
  }
  if (src_device->UsesHostMemory()) return dst_device->CopyFromHost(src, dst);
  if (dst_device->UsesHostMemory()) return src_device->CopyToHost(src, dst);
  Tensor staged;
  SLUICE_RETURN_IF_ERROR(src_device->CopyToHost(src, &staged));
  return dst_device->CopyFromHost(staged, dst);
}

namespace {
struct Factories {
  absl::Mutex mu;
  struct Entry {
    std::string type;
    std::unique_ptr<DeviceFactory> factory;
    int priority;
  };
  std::vector<Entry> entries ABSL_GUARDED_BY(mu);
};
Factories& GlobalFactories() {
  static Factories* factories = new Factories();
  return *factories;
}
}  // namespace

void DeviceFactory::Register(const std::string& type, std::unique_ptr<DeviceFactory> factory, int priority) {
  Factories& f = GlobalFactories();
  absl::MutexLock lock(&f.mu);
  for (const auto& e : f.entries) {
    if (e.type == type) return;  // the first registration of a type stands
  }
  f.entries.push_back({type, std::move(factory), priority});
}

int DeviceFactory::Priority(const std::string& type) {
  Factories& f = GlobalFactories();
  absl::MutexLock lock(&f.mu);
  for (const auto& e : f.entries) {
    if (e.type == type) return e.priority;
  }
  return -1;
}

Status DeviceFactory::AddDevices(const std::string& name_prefix,
                                 const absl::flat_hash_map<std::string, int>& device_count,
                                 std::vector<std::unique_ptr<Device>>* devices) {
  Factories& f = GlobalFactories();
  absl::MutexLock lock(&f.mu);
  std::vector<const Factories::Entry*> order;
  for (const auto& e : f.entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Factories::Entry* a, const Factories::Entry* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    return a->type != kDeviceCpu && b->type == kDeviceCpu;
  });
  for (const Factories::Entry* e : order) {
    auto it = device_count.find(e->type);
    int count = it == device_count.end() ? -1 : it->second;
    if (count == 0) continue;
    Status s = e->factory->CreateDevices(name_prefix, count, devices);
    if (!s.ok()) return errors::Annotate(s, absl::StrCat("creating the ", e->type, " devices: "));
  }
  return absl::OkStatus();
}

}  // namespace sluice
