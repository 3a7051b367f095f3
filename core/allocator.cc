#include "core/allocator.h"

#include <cstdlib>

namespace sluice {
namespace {

class HostAllocator final : public Allocator {
 public:
  void* Allocate(size_t bytes, size_t alignment) override {
    if (bytes == 0) return nullptr;
    size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    return std::aligned_alloc(alignment, rounded);
  }
  void Deallocate(void* ptr, size_t) override { std::free(ptr); }
  std::string Name() const override { return "cpu"; }
};

}  // namespace

Allocator* CpuAllocator() {
  static Allocator* const allocator = new HostAllocator;
  return allocator;
}

}  // namespace sluice
