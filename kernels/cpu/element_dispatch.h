// Dispatch on a dtype's element size, for kernels that only move elements (gathers, scatters of
// assignments, concatenations): one instantiation per size instead of one per dtype.
#ifndef SLUICE_KERNELS_CPU_ELEMENT_DISPATCH_H_
#define SLUICE_KERNELS_CPU_ELEMENT_DISPATCH_H_

#include <cstdint>
#include <string>

#include "core/types.h"

namespace sluice::cpu {

// A 16-byte element (complex128).
struct Bytes16 {
  uint64_t lo, hi;
};

// Calls fn.template operator()<U>() with a type U of dt's element size (std::string for
// strings). Returns false for dtypes without a fixed size.
template <typename Fn>
bool DispatchByElementSize(DataType dt, Fn&& fn) {
  if (BaseType(dt) == DT_STRING) {
    fn.template operator()<std::string>();
    return true;
  }
  switch (DataTypeSize(dt)) {
    case 1: fn.template operator()<uint8_t>(); return true;
    case 2: fn.template operator()<uint16_t>(); return true;
    case 4: fn.template operator()<uint32_t>(); return true;
    case 8: fn.template operator()<uint64_t>(); return true;
    case 16: fn.template operator()<Bytes16>(); return true;
    default: return false;
  }
}

}  // namespace sluice::cpu

#endif  // SLUICE_KERNELS_CPU_ELEMENT_DISPATCH_H_
