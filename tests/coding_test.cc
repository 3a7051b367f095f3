#include "core/coding.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sluice {
namespace {

TEST(CodingTest, FixedIsLittleEndian) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  absl::string_view in = s;
  uint32_t a;
  uint64_t b;
  ASSERT_TRUE(GetFixed32(&in, &a));
  ASSERT_TRUE(GetFixed64(&in, &b));
  EXPECT_EQ(a, 0x04030201u);
  EXPECT_EQ(b, 0x0807060504030201ull);
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, FixedDecodersRejectTruncation) {
  std::string s("\x01\x02\x03", 3);
  absl::string_view in = s;
  uint32_t a;
  uint64_t b;
  EXPECT_FALSE(GetFixed32(&in, &a));
  EXPECT_FALSE(GetFixed64(&in, &b));
  EXPECT_EQ(in.size(), 3u);
}

TEST(CodingTest, VarintKnownEncodings) {
  std::string s;
  PutVarint32(&s, 0);
  PutVarint32(&s, 127);
  PutVarint32(&s, 128);
  PutVarint32(&s, 300);
  PutVarint64(&s, UINT64_MAX);
  EXPECT_EQ(s, std::string("\x00\x7f\x80\x01\xac\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 16));
  EXPECT_EQ(VarintLength(0), 1);
  EXPECT_EQ(VarintLength(127), 1);
  EXPECT_EQ(VarintLength(128), 2);
  EXPECT_EQ(VarintLength(UINT64_MAX), 10);
}

TEST(CodingTest, VarintRoundTrips) {
  std::vector<uint64_t> values;
  for (int shift = 0; shift < 64; ++shift) {
    uint64_t p = uint64_t{1} << shift;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  values.push_back(UINT64_MAX);
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  absl::string_view in = s;
  for (uint64_t v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
  std::string s32;
  for (uint64_t v : values) {
    if (v <= UINT32_MAX) PutVarint32(&s32, static_cast<uint32_t>(v));
  }
  in = s32;
  for (uint64_t v : values) {
    if (v > UINT32_MAX) continue;
    uint32_t got;
    ASSERT_TRUE(GetVarint32(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, VarintDecodersRejectTruncation) {
  std::string s;
  PutVarint64(&s, uint64_t{1} << 40);
  for (size_t n = 0; n < s.size(); ++n) {
    absl::string_view in(s.data(), n);
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&in, &v)) << n;
    EXPECT_EQ(in.size(), n);
    EXPECT_EQ(GetVarint64Ptr(s.data(), s.data() + n, &v), nullptr);
  }
}

TEST(CodingTest, VarintDecodersRejectOverlongAndOverflowingValues) {
  uint32_t v32;
  uint64_t v64;
  // Six bytes for 32 bits, eleven for 64.
  std::string six("\x80\x80\x80\x80\x80\x00", 6);
  absl::string_view in = six;
  EXPECT_FALSE(GetVarint32(&in, &v32));
  std::string eleven("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11);
  in = eleven;
  EXPECT_FALSE(GetVarint64(&in, &v64));
  // Five bytes whose value needs more than 32 bits; ten whose value needs more than 64.
  std::string big32("\xff\xff\xff\xff\x1f", 5);
  in = big32;
  EXPECT_FALSE(GetVarint32(&in, &v32));
  std::string max32("\xff\xff\xff\xff\x0f", 5);
  in = max32;
  ASSERT_TRUE(GetVarint32(&in, &v32));
  EXPECT_EQ(v32, UINT32_MAX);
  std::string big64("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);
  in = big64;
  EXPECT_FALSE(GetVarint64(&in, &v64));
  // Non-minimal but in range: accepted, as protobuf and LevelDB accept it.
  std::string zero2("\x80\x00", 2);
  in = zero2;
  ASSERT_TRUE(GetVarint32(&in, &v32));
  EXPECT_EQ(v32, 0u);
}

TEST(CodingTest, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "abc");
  PutLengthPrefixed(&s, "");
  absl::string_view in = s, v;
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ(v, "abc");
  ASSERT_TRUE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ(v, "");
  std::string bad("\x05" "abc", 4);
  in = bad;
  EXPECT_FALSE(GetLengthPrefixed(&in, &v));
  EXPECT_EQ(in.size(), 4u);
}

}  // namespace
}  // namespace sluice
