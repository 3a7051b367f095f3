#include "examples/common/mnist.h"

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

constexpr int kPixels = 28 * 28;

// A fresh directory, removed with its contents when the test program exits.
std::string MakeTempDir() { return test::MakeTempDir("sluice_mnist"); }

std::string BigEndian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An IDX file written from the format description: big-endian magic, dims, then bytes.
std::string Idx(uint32_t magic, const std::vector<uint32_t>& dims, const std::string& data) {
  std::string out = BigEndian(magic);
  for (uint32_t d : dims) out += BigEndian(d);
  return out + data;
}

uint8_t Pixel(int image, int i) { return static_cast<uint8_t>((image * 7 + i * 3) % 256); }

std::string Pixels(int n) {
  std::string data;
  for (int k = 0; k < n; ++k) {
    for (int i = 0; i < kPixels; ++i) data.push_back(static_cast<char>(Pixel(k, i)));
  }
  return data;
}

const std::string kLabels("\x03\x00\x09", 3);

using test::Gzip;

// Writes a split of three images with labels 3, 0, 9.
std::string WriteSplit(const std::string& prefix, bool gzipped, std::string images = "", std::string labels = "") {
  std::string dir = MakeTempDir();
  if (images.empty()) images = Idx(0x803, {3, 28, 28}, Pixels(3));
  if (labels.empty()) labels = Idx(0x801, {3}, kLabels);
  std::string suffix = gzipped ? ".gz" : "";
  EXPECT_TRUE(WriteStringToFileAtomic(dir + "/" + prefix + "-images-idx3-ubyte" + suffix,
                                      gzipped ? Gzip(images) : images).ok());
  EXPECT_TRUE(WriteStringToFileAtomic(dir + "/" + prefix + "-labels-idx1-ubyte" + suffix,
                                      gzipped ? Gzip(labels) : labels).ok());
  return dir;
}

void ExpectSmallSplit(const MnistSplit& s) {
  ASSERT_EQ(s.images.dtype(), DT_FLOAT);
  ASSERT_EQ(s.images.shape(), TensorShape({3, kPixels}));
  ASSERT_EQ(s.labels.dtype(), DT_INT64);
  ASSERT_EQ(s.labels.shape(), TensorShape({3}));
  EXPECT_EQ(std::vector<int64_t>(s.labels.data<int64_t>(), s.labels.data<int64_t>() + 3),
            (std::vector<int64_t>{3, 0, 9}));
  const float* px = s.images.data<float>();
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < kPixels; ++i) {
      ASSERT_FLOAT_EQ(px[k * kPixels + i], Pixel(k, i) / 255.0f) << k << " " << i;
    }
  }
}

TEST(MnistTest, LoadsRawTrainingFiles) {
  auto s = LoadMnist(WriteSplit("train", false), /*train=*/true);
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectSmallSplit(*s);
}

TEST(MnistTest, LoadsGzippedTestFiles) {
  auto s = LoadMnist(WriteSplit("t10k", true), /*train=*/false);
  ASSERT_TRUE(s.ok()) << s.status();
  ExpectSmallSplit(*s);
}

TEST(MnistTest, PixelValuesSpanZeroToOne) {
  std::string images = Idx(0x803, {1, 28, 28}, std::string(1, '\0') + std::string(kPixels - 1, '\xff'));
  auto s = LoadMnist(WriteSplit("train", false, images, Idx(0x801, {1}, "\x07")), true);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->images.data<float>()[0], 0.0f);
  EXPECT_EQ(s->images.data<float>()[1], 1.0f);
}

TEST(MnistTest, EmptySplitLoads) {
  auto s = LoadMnist(WriteSplit("train", false, Idx(0x803, {0, 28, 28}, ""), Idx(0x801, {0}, "")), true);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->images.shape(), TensorShape({0, kPixels}));
  EXPECT_EQ(s->labels.shape(), TensorShape({0}));
}

TEST(MnistTest, MissingFilesAreNotFound) {
  std::string dir = MakeTempDir();
  auto s = LoadMnist(dir, true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(dir + "/train-images-idx3-ubyte"));
  // The training files do not make a test split.
  EXPECT_THAT(LoadMnist(WriteSplit("train", false), false).status().message(),
              HasSubstr("t10k-images-idx3-ubyte"));
}

struct BadCase {
  const char* what;
  std::string images;
  std::string labels;
  const char* file;  // the file the error must name
  const char* expected;
};

TEST(MnistTest, RejectsCorruptFiles) {
  const std::string images = Idx(0x803, {3, 28, 28}, Pixels(3));
  const std::string labels = Idx(0x801, {3}, kLabels);
  std::vector<BadCase> cases = {
      {"files swapped", labels, images, "train-images-idx3-ubyte",
       "magic number at byte offset 0 is 0x00000801, expected 0x00000803"},
      {"labels magic", images, Idx(0x802, {3}, kLabels), "train-labels-idx1-ubyte",
       "magic number at byte offset 0 is 0x00000802, expected 0x00000801"},
      {"short header", images.substr(0, 10), labels, "train-images-idx3-ubyte",
       "10 bytes end inside the 16-byte IDX header"},
      {"truncated pixels", images.substr(0, images.size() - 1), labels, "train-images-idx3-ubyte",
       "declares 2352 bytes of images from byte offset 16, the file has 2351"},
      {"trailing bytes", images + "xy", labels, "train-images-idx3-ubyte",
       "2 unexpected bytes after its data, at byte offset 2368"},
      {"truncated labels", images, Idx(0x801, {3}, "\x01\x02"), "train-labels-idx1-ubyte",
       "declares 3 bytes of labels from byte offset 8, the file has 2"},
      {"count mismatch", images, Idx(0x801, {2}, "\x01\x02"), "train-labels-idx1-ubyte",
       "holds 3 images but"},
      {"label out of range", images, Idx(0x801, {3}, std::string("\x01\x0a\x02", 3)), "train-labels-idx1-ubyte",
       "label 10 at byte offset 9 is not a digit 0..9"},
      {"wrong image size", Idx(0x803, {3, 27, 28}, std::string(3 * 27 * 28, '\0')), labels,
       "train-images-idx3-ubyte", "images of 27x28 pixels"},
      {"huge dims", Idx(0x803, {0xffffffff, 0xffffffff, 0xffffffff}, ""), labels, "train-images-idx3-ubyte",
       "multiply to more bytes than any file holds"},
  };
  for (const BadCase& c : cases) {
    auto s = LoadMnist(WriteSplit("train", false, c.images, c.labels), true);
    ASSERT_FALSE(s.ok()) << c.what;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.file)) << c.what;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.expected)) << c.what;
  }
}

TEST(MnistTest, RejectsCorruptGzip) {
  std::string dir = WriteSplit("train", true);
  std::string path = dir + "/train-images-idx3-ubyte.gz";
  std::string gz = *ReadFileToString(path);
  ASSERT_TRUE(WriteStringToFileAtomic(path, gz.substr(0, gz.size() / 2)).ok());
  auto s = LoadMnist(dir, true);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("truncated"));
}

// The real data set, when tools/setup.sh has fetched it. The expected values were read from the
// files with od(1): the label bytes start at offset 8, the first image's pixels at offset 16.
TEST(MnistTest, RealDataSet) {
  const std::string dir = SLUICE_SOURCE_DIR "/data/mnist";
  if (!FileExists(dir + "/train-labels-idx1-ubyte") && !FileExists(dir + "/train-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "MNIST is not in " << dir << " (tools/setup.sh fetches it)";
  }
  auto train = LoadMnist(dir, true);
  ASSERT_TRUE(train.ok()) << train.status();
  auto test = LoadMnist(dir, false);
  ASSERT_TRUE(test.ok()) << test.status();
  ASSERT_EQ(train->images.shape(), TensorShape({60000, kPixels}));
  ASSERT_EQ(train->labels.shape(), TensorShape({60000}));
  ASSERT_EQ(test->images.shape(), TensorShape({10000, kPixels}));
  ASSERT_EQ(test->labels.shape(), TensorShape({10000}));

  const int64_t* tl = train->labels.data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(tl, tl + 10), (std::vector<int64_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}));
  EXPECT_EQ(std::vector<int64_t>(tl + 59997, tl + 60000), (std::vector<int64_t>{5, 6, 8}));
  const int64_t* el = test->labels.data<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(el, el + 10), (std::vector<int64_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}));
  EXPECT_EQ(std::vector<int64_t>(el + 9998, el + 10000), (std::vector<int64_t>{5, 6}));

  // First training image: bytes 152..159 are 3 18 18 18 126 136 175 26, byte 161 is 255, and its
  // 784 bytes sum to 27525. The last test image's bytes sum to 41833.
  const float* img = train->images.data<float>();
  const int expected[] = {3, 18, 18, 18, 126, 136, 175, 26};
  for (int i = 0; i < 8; ++i) EXPECT_FLOAT_EQ(img[152 + i], expected[i] / 255.0f);
  EXPECT_EQ(img[161], 1.0f);
  double sum = 0;
  for (int i = 0; i < kPixels; ++i) sum += img[i];
  EXPECT_NEAR(sum, 27525 / 255.0, 1e-3);
  const float* last = test->images.data<float>() + 9999 * kPixels;
  sum = 0;
  for (int i = 0; i < kPixels; ++i) sum += last[i];
  EXPECT_NEAR(sum, 41833 / 255.0, 1e-3);
}

}  // namespace
}  // namespace sluice
