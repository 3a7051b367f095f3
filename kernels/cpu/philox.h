// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), the counter-based generator of the CPU random kernels: four 32-bit words from a
// 128-bit counter and a 64-bit key, each distinct (key, counter) pair giving an independent
// block. Matches the Random123 reference (its known-answer vectors are in
// tests/random_stats_test.cc).
//
//   std::array<uint32_t, 4> r = sluice::cpu::Philox4x32({0, 0}, {0, 0, 0, 0});
//   // r == {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}
#ifndef SLUICE_KERNELS_CPU_PHILOX_H_
#define SLUICE_KERNELS_CPU_PHILOX_H_

#include <array>
#include <cstdint>

namespace sluice::cpu {

inline std::array<uint32_t, 4> Philox4x32(std::array<uint32_t, 2> key, std::array<uint32_t, 4> c) {
  constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57, kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c[2];
    c = {static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0, static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1, static_cast<uint32_t>(p0)};
    k0 += kW0;
    k1 += kW1;
  }
  return c;
}

}  // namespace sluice::cpu

#endif  // SLUICE_KERNELS_CPU_PHILOX_H_
