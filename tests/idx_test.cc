// IDX files as tensors (core/idx.h), against bytes written by hand.
#include "core/idx.h"

#include <string>

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(IdxTest, Uint8KeepsTypeAndDims) {
  auto t = ParseIdx(Bytes({0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 250, 5, 6}), "a");
  ASSERT_OK(t.status());
  test::ExpectTensorEqual(*t, Tensor::FromVector<uint8_t>({1, 2, 3, 250, 5, 6}, {2, 3}));
}

TEST(IdxTest, BigEndianElements) {
  // int32 -2 and 258; float 1.5 (0x3fc00000); int16 -1.
  auto i = ParseIdx(Bytes({0, 0, 0x0C, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2}), "i");
  ASSERT_OK(i.status());
  test::ExpectTensorEqual(*i, Tensor::FromVector<int32_t>({-2, 258}));
  auto f = ParseIdx(Bytes({0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0}), "f");
  ASSERT_OK(f.status());
  test::ExpectTensorEqual(*f, Tensor::FromVector<float>({1.5f}));
  auto s = ParseIdx(Bytes({0, 0, 0x0B, 0, 0xff, 0xff}), "s");
  ASSERT_OK(s.status());
  EXPECT_EQ(s->dtype(), DT_INT16);
  EXPECT_EQ(s->shape().rank(), 0);
  EXPECT_EQ(s->scalar<int16_t>(), -1);
}

TEST(IdxTest, ReadsGzipAndPlainFiles) {
  test::TempDir dir;
  const std::string idx = Bytes({0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9});
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/a.idx", idx));
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/a.idx.gz", test::Gzip(idx)));
  for (const char* name : {"/a.idx", "/a.idx.gz"}) {
    auto t = ReadIdx(dir.path() + name);
    ASSERT_OK(t.status());
    test::ExpectTensorEqual(*t, Tensor::FromVector<uint8_t>({7, 8, 9}));
  }
  Status missing = ReadIdx(dir.path() + "/none.idx").status();
  EXPECT_TRUE(absl::IsNotFound(missing));
  EXPECT_THAT(missing.message(), HasSubstr("none.idx"));
}

TEST(IdxTest, BadFilesAreClearErrors) {
  EXPECT_THAT(ParseIdx("PK\3\4", "z.idx").status().message(), HasSubstr("'z.idx' is not an IDX file"));
  EXPECT_THAT(ParseIdx(Bytes({0, 0, 0x0A, 1, 0, 0, 0, 1, 1}), "t").status().message(),
              HasSubstr("unknown IDX element type 0x0a"));
  EXPECT_THAT(ParseIdx(Bytes({0, 0, 0x08, 2, 0, 0, 0}), "h").status().message(), HasSubstr("truncated"));
  Status short_data = ParseIdx(Bytes({0, 0, 0x0D, 1, 0, 0, 0, 2, 0, 0, 0, 0}), "d").status();
  EXPECT_TRUE(absl::IsDataLoss(short_data));
  EXPECT_THAT(short_data.message(), HasSubstr("holds 4 bytes of float elements after its header; its dimensions call for 8"));
  Status huge = ParseIdx(Bytes({0, 0, 0x08, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}),
                         "big").status();
  EXPECT_TRUE(absl::IsDataLoss(huge));
  EXPECT_THAT(huge.message(), HasSubstr("call for more"));
}

}  // namespace
}  // namespace sluice
