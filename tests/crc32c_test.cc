#include "core/crc32c.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sluice {
namespace {

// RFC 3720 (iSCSI), appendix B.4, and the common check value of CRC-32C.
TEST(Crc32cTest, StandardVectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  std::string ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(crc32c::Value(ascending), 0x46dd794eu);
  EXPECT_EQ(crc32c::Value(descending), 0x113fdb5cu);
  const unsigned char kReadPdu[48] = {
      0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
      0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(crc32c::Value(reinterpret_cast<const char*>(kReadPdu), sizeof(kReadPdu)), 0xd9963a56u);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
  EXPECT_EQ(crc32c::Value("", 0), 0u);
}

TEST(Crc32cTest, BothImplementationsGiveTheStandardValues) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::ExtendPortable(0, zeros.data(), zeros.size()), 0x8a9136aau);
  EXPECT_EQ(crc32c::ExtendPortable(0, "123456789", 9), 0xe3069283u);
  if (!crc32c::HardwareAvailable()) GTEST_SKIP() << "this CPU has no SSE4.2 crc32 instruction";
  EXPECT_EQ(crc32c::ExtendHardware(0, zeros.data(), zeros.size()), 0x8a9136aau);
  EXPECT_EQ(crc32c::ExtendHardware(0, "123456789", 9), 0xe3069283u);
}

TEST(Crc32cTest, ExtendEqualsTheValueOfTheConcatenation) {
  EXPECT_EQ(crc32c::Extend(crc32c::Value("hello "), "world", 5), crc32c::Value("hello world"));
}

TEST(Crc32cTest, PortableAndHardwareAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::vector<char> data(300 + 16);
  for (char& c : data) c = static_cast<char>(rng());
  bool hardware = crc32c::HardwareAvailable();
  for (size_t start = 0; start < 16; ++start) {
    for (size_t n = 0; n <= 300; ++n) {
      const char* p = data.data() + start;
      uint32_t portable = crc32c::ExtendPortable(0, p, n);
      // The byte-at-a-time definition, independent of the slicing tables.
      uint32_t crc = 0xffffffffu;
      for (size_t i = 0; i < n; ++i) {
        crc ^= static_cast<unsigned char>(p[i]);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? 0x82f63b78u : 0);
      }
      ASSERT_EQ(portable, ~crc) << "start " << start << " length " << n;
      if (hardware) {
        ASSERT_EQ(crc32c::ExtendHardware(0, p, n), portable) << "start " << start << " length " << n;
      }
      ASSERT_EQ(crc32c::Extend(0, p, n), portable);
      // Extending in two pieces gives the same.
      size_t split = n / 3;
      ASSERT_EQ(crc32c::Extend(crc32c::Extend(0, p, split), p + split, n - split), portable);
    }
  }
}

TEST(Crc32cTest, MaskIsTheFormulaAndUnmaskInvertsIt) {
  uint32_t crc = crc32c::Value("foo");
  EXPECT_EQ(crc32c::Mask(crc), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
  EXPECT_NE(crc32c::Mask(crc), crc);
  EXPECT_NE(crc32c::Mask(crc32c::Mask(crc)), crc32c::Mask(crc));
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    uint32_t v = static_cast<uint32_t>(rng());
    EXPECT_EQ(crc32c::Unmask(crc32c::Mask(v)), v);
  }
}

}  // namespace
}  // namespace sluice
