#include "core/npy.h"

#include <cstdint>
#include <string>
#include <vector>

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::string B(const char* bytes, size_t n) { return std::string(bytes, n); }

// The files below are written out byte by byte from the format description (magic, version,
// little-endian header length, dict padded so the data starts at a multiple of 64, data).
// float32 [2,3] = [[1 2 3] [4 5 6]]; header length 118 = 0x76.
const std::string kFloat2x3 =
    B("\x93NUMPY\x01\x00\x76\x00", 10) + "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
    std::string(58, ' ') + "\n" +
    B("\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40\x00\x00\xa0\x40\x00\x00\xc0\x40", 24);
// int64 [3] = [-1 0 2^40].
const std::string kInt64Vector =
    B("\x93NUMPY\x01\x00\x76\x00", 10) + "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }" +
    std::string(60, ' ') + "\n" + std::string(8, '\xff') + std::string(8, '\0') +
    B("\x00\x00\x00\x00\x00\x01\x00\x00", 8);
// float64 scalar 2.5 (0x4004000000000000).
const std::string kDoubleScalar =
    B("\x93NUMPY\x01\x00\x76\x00", 10) + "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" +
    std::string(62, ' ') + "\n" + B("\x00\x00\x00\x00\x00\x00\x04\x40", 8);
// bool [2] = [true false].
const std::string kBoolVector =
    B("\x93NUMPY\x01\x00\x76\x00", 10) + "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }" +
    std::string(60, ' ') + "\n" + B("\x01\x00", 2);

// A version 1.0 file around an arbitrary header text (the length field is filled in).
std::string V1(const std::string& header, const std::string& data) {
  std::string out = B("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

// A fresh directory, removed with its contents when the test program exits.
std::string MakeTempDir() { return test::MakeTempDir("sluice_npy"); }

template <typename T>
std::vector<T> Values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.NumElements());
}

TEST(NpyTest, ParsesFloatMatrix) {
  auto t = ParseNpy(kFloat2x3, "m.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dtype(), DT_FLOAT);
  EXPECT_EQ(t->shape(), TensorShape({2, 3}));
  EXPECT_EQ(Values<float>(*t), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(NpyTest, ParsesInt64VectorDoubleScalarAndBool) {
  auto v = ParseNpy(kInt64Vector, "v.npy");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->dtype(), DT_INT64);
  EXPECT_EQ(v->shape(), TensorShape({3}));
  EXPECT_EQ(Values<int64_t>(*v), (std::vector<int64_t>{-1, 0, int64_t{1} << 40}));

  auto s = ParseNpy(kDoubleScalar, "s.npy");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->dtype(), DT_DOUBLE);
  EXPECT_EQ(s->shape(), TensorShape({}));
  EXPECT_EQ(s->scalar<double>(), 2.5);

  auto b = ParseNpy(kBoolVector, "b.npy");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->dtype(), DT_BOOL);
  EXPECT_EQ(Values<bool>(*b), (std::vector<bool>{true, false}));
}

TEST(NpyTest, EncodesExactlyTheHandWrittenBytes) {
  EXPECT_EQ(*EncodeNpy(Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3})), kFloat2x3);
  EXPECT_EQ(*EncodeNpy(Tensor::FromVector<int64_t>({-1, 0, int64_t{1} << 40})), kInt64Vector);
  EXPECT_EQ(*EncodeNpy(Tensor::Scalar<double>(2.5)), kDoubleScalar);
  EXPECT_EQ(*EncodeNpy(Tensor::FromVector<bool>({true, false})), kBoolVector);
}

TEST(NpyTest, AcceptsVersions2And3OldPaddingDoubleQuotesAndPython2Longs) {
  std::string dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n";
  std::string data = B("\x07\x00\x00\x00\xf9\xff\xff\xff", 8);  // [7, -7]
  for (char version : {'\x02', '\x03'}) {
    std::string file = B("\x93NUMPY", 6) + version + '\0' + static_cast<char>(dict.size()) +
                       B("\x00\x00\x00", 3) + dict + data;
    auto t = ParseNpy(file, "v23.npy");
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(Values<int32_t>(*t), (std::vector<int32_t>{7, -7}));
  }
  // numpy < 1.9 aligned to 16 bytes; Python 2 wrote longs as 2L.
  auto old = ParseNpy(V1("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<i4\"}   \n", data), "old.npy");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(Values<int32_t>(*old), (std::vector<int32_t>{7, -7}));
}

TEST(NpyTest, BoolBytesOtherThanZeroAndOneReadAsTrue) {
  auto t = ParseNpy(V1("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", B("\x02\x00\xff", 3)), "b");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(Values<bool>(*t), (std::vector<bool>{true, false, true}));
}

TEST(NpyTest, RoundTripsEveryDtypeThroughAFile) {
  std::string dir = MakeTempDir();
  std::vector<Tensor> tensors = {
      Tensor::FromVector<float>({1.5f, -2.25f, 3e30f, 0.0f, -0.0f, 7.0f}, {3, 1, 2}),
      Tensor::FromVector<double>({1e-300, -3.0}),
      Tensor::FromVector<int32_t>({INT32_MIN, 0, INT32_MAX}),
      Tensor::FromVector<int64_t>({INT64_MIN, INT64_MAX}),
      Tensor::FromVector<uint8_t>({0, 128, 255}, {1, 3}),
      Tensor::FromVector<bool>({true, true, false, true}, {2, 2}),
      Tensor::FromVector<int8_t>({-128, 127}),
      Tensor::FromVector<int16_t>({-32768, 1234}),
      Tensor::FromVector<uint16_t>({65535}),
      Tensor::FromVector<uint32_t>({4000000000u}),
      Tensor::FromVector<uint64_t>({~uint64_t{0}}),
      Tensor(DT_FLOAT, TensorShape({0, 5})),
  };
  for (const Tensor& t : tensors) {
    std::string path = absl::StrCat(dir, "/", DataTypeString(t.dtype()), ".npy");
    ASSERT_TRUE(WriteNpy(path, t).ok());
    std::string bytes = *ReadFileToString(path);
    size_t header_end = bytes.find('\n') + 1;
    EXPECT_EQ(header_end % 64, 0u) << DataTypeString(t.dtype());
    auto back = ReadNpy(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->dtype(), t.dtype());
    EXPECT_EQ(back->shape(), t.shape());
    size_t n = t.NumElements() * DataTypeSize(t.dtype());
    EXPECT_EQ(std::string(static_cast<const char*>(back->raw_data()), n),
              std::string(static_cast<const char*>(t.raw_data()), n))
        << DataTypeString(t.dtype());
  }
}

TEST(NpyTest, LongHeaderUsesVersion2) {
  std::vector<int64_t> dims(25000, 1);  // "1, " per dim: a 75 kB header
  Tensor t(DT_UINT8, TensorShape(absl::MakeConstSpan(dims)));
  t.data<uint8_t>()[0] = 9;
  std::string bytes = *EncodeNpy(t);
  EXPECT_EQ(bytes[6], '\x02');
  size_t header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8 |
                      static_cast<unsigned char>(bytes[10]) << 16;
  EXPECT_EQ((12 + header_len) % 64, 0u);
  auto back = ParseNpy(bytes, "long.npy");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->shape(), t.shape());
  EXPECT_EQ(back->data<uint8_t>()[0], 9);
}

TEST(NpyTest, WriteRejectsUnsupportedDtypeNamingThePath) {
  Tensor s(DT_STRING, TensorShape({1}));
  Status st = WriteNpy("/tmp/strings.npy", s);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("/tmp/strings.npy"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("string"));
}

TEST(NpyTest, ReadMissingFileNamesIt) {
  auto t = ReadNpy("/nonexistent/x.npy");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("/nonexistent/x.npy"));
}

// Each malformed file must fail with a message naming the file and the problem.
struct BadCase {
  const char* what;
  std::string bytes;
  const char* expected;
};

TEST(NpyTest, RejectsMalformedFiles) {
  const std::string i4 = B("\x01\x00\x00\x00", 4);
  std::string good_dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n";
  std::string wrong_version = V1(good_dict, i4);
  wrong_version[6] = '\x04';
  std::vector<BadCase> cases = {
      {"empty", "", "is not a .npy file"},
      {"bad magic", "\x93NUMPX\x01\x00\x00\x00", "is not a .npy file"},
      {"version 4", wrong_version, "unsupported .npy format version 4.0"},
      {"short length field", B("\x93NUMPY\x02\x00\x10", 9), "inside the header length field"},
      {"header past the end", B("\x93NUMPY\x01\x00\xff\x00{", 11), "the header of 255 bytes"},
      {"not a dict", V1("['descr']\n", i4), "at byte offset 10: expected '{'"},
      {"missing shape", V1("{'descr': '<i4', 'fortran_order': False}\n", i4), "'shape' is missing"},
      {"missing descr", V1("{'fortran_order': False, 'shape': (1,)}\n", i4), "'descr' is missing"},
      {"missing fortran_order", V1("{'descr': '<i4', 'shape': (1,)}\n", i4), "'fortran_order' is missing"},
      {"unknown key", V1("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", i4),
       "unexpected key 'x'"},
      {"unterminated string", V1("{'descr: '<i4'\n", i4), "expected ':'"},
      {"bad bool", V1("{'descr': '<i4', 'fortran_order': false, 'shape': (1,)}\n", i4),
       "at byte offset 44: expected True or False"},
      {"negative dim", V1("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,)}\n", i4),
       "non-negative integer dimension"},
      {"bad tuple", V1("{'descr': '<i4', 'fortran_order': False, 'shape': (1 2)}\n", i4), "expected ',' or ')'"},
      {"text after dict", V1("{'descr': '<i4', 'fortran_order': False, 'shape': (1,)} x\n", i4),
       "after the closing '}'"},
      {"structured dtype", V1("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,)}\n", i4),
       "structured dtypes are not supported"},
      {"fortran order", V1("{'descr': '<i4', 'fortran_order': True, 'shape': (1,)}\n", i4),
       "Fortran-order"},
      {"big endian", V1("{'descr': '>i4', 'fortran_order': False, 'shape': (1,)}\n", i4), "big-endian"},
      {"complex", V1("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}\n", i4),
       "unsupported .npy dtype '<c8'"},
      {"object", V1("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}\n", i4), "unsupported .npy dtype '|O'"},
      {"truncated data", V1("{'descr': '<i4', 'fortran_order': False, 'shape': (2,)}\n", i4),
       "needs 8 bytes of data from byte offset 66, the file has 4"},
      {"trailing data", V1("{'descr': '<i4', 'fortran_order': False, 'shape': (1,)}\n", i4 + "xx"),
       "2 unexpected bytes after the data"},
      {"huge shape", V1("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}\n", ""),
       "is too large"},
      {"overflowing dim", V1("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}\n", ""),
       "too large"},
  };
  for (const BadCase& c : cases) {
    auto t = ParseNpy(c.bytes, "bad.npy");
    ASSERT_FALSE(t.ok()) << c.what;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr("'bad.npy'")) << c.what;
    EXPECT_THAT(std::string(t.status().message()), HasSubstr(c.expected)) << c.what;
  }
}

}  // namespace
}  // namespace sluice
