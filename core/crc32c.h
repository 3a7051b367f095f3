// CRC-32C (Castagnoli: polynomial 0x82F63B78, reflected), the checksum of TFRecord files,
// LevelDB tables and checkpoint bundles. Uses the SSE4.2 crc32 instruction when the CPU has it
// (checked once at run time) and a table-driven computation otherwise; both give the same values.
//
//   std::string data = "payload";
//   uint32_t stored = crc32c::Mask(crc32c::Value(data));  // what the formats store
//   if (crc32c::Unmask(stored) != crc32c::Value(data.data(), data.size())) std::abort();
#ifndef SLUICE_CORE_CRC32C_H_
#define SLUICE_CORE_CRC32C_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace sluice::crc32c {

// The CRC-32C of the concatenation of A and data[0, n), given `init_crc`, the CRC-32C of A.
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);

// The CRC-32C of data[0, n).
inline uint32_t Value(const char* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(absl::string_view data) { return Extend(0, data.data(), data.size()); }

// The stored form of a CRC: rotated right by 15 bits and offset, so that the CRC of data that
// itself holds CRCs is not trivially related to them.
inline constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
// The inverse of Mask.
inline uint32_t Unmask(uint32_t masked) {
  uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

// The two implementations behind Extend, for tests and benchmarks. ExtendHardware requires
// HardwareAvailable().
bool HardwareAvailable();
uint32_t ExtendPortable(uint32_t init_crc, const char* data, size_t n);
uint32_t ExtendHardware(uint32_t init_crc, const char* data, size_t n);

}  // namespace sluice::crc32c

#endif  // SLUICE_CORE_CRC32C_H_
