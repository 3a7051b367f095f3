// Allocator: where tensor buffers come from. Devices own allocators; the CPU allocator hands out
// 64-byte-aligned blocks (one cache line, and what AVX-512 and oneDNN prefer).
#ifndef SLUICE_CORE_ALLOCATOR_H_
#define SLUICE_CORE_ALLOCATOR_H_

#include <cstddef>
#include <string>

namespace sluice {

constexpr size_t kTensorAlignment = 64;

class Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns a block of at least `bytes` bytes aligned to `alignment`, or nullptr when out of
  // memory. `bytes` may be 0, then the result may be nullptr.
  virtual void* Allocate(size_t bytes, size_t alignment) = 0;
  // Frees a block that Allocate returned with the same `bytes`.
  virtual void Deallocate(void* ptr, size_t bytes) = 0;
  virtual std::string Name() const = 0;
};

// The process-wide host allocator. Never null, never destroyed.
Allocator* CpuAllocator();

}  // namespace sluice

#endif  // SLUICE_CORE_ALLOCATOR_H_
