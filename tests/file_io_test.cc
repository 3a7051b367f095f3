#include "core/file_io.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

// A fresh directory, removed with its contents when the test program exits.
std::string MakeTempDir() { return test::MakeTempDir("sluice_file_io"); }

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  return names;
}

// `printf 'hello, sluice\n' | gzip -n -9` and `printf 'second member\n' | gzip -n -9`.
const unsigned char kHelloGz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48,
                                  0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x28, 0xce, 0x29, 0xcd, 0x4c, 0x4e, 0xe5,
                                  0x02, 0x00, 0xdb, 0x39, 0x4e, 0xd0, 0x0e, 0x00, 0x00, 0x00};
const unsigned char kSecondGz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x2b, 0x4e,
                                   0x4d, 0xce, 0xcf, 0x4b, 0x51, 0xc8, 0x4d, 0xcd, 0x4d, 0x4a, 0x2d, 0xe2,
                                   0x02, 0x00, 0x36, 0x18, 0x4b, 0x0e, 0x0e, 0x00, 0x00, 0x00};

std::string Bytes(const unsigned char* data, size_t n) { return std::string(reinterpret_cast<const char*>(data), n); }

using test::Gzip;

TEST(FileIoTest, ReadMissingFileIsNotFoundNamingThePath) {
  std::string path = MakeTempDir() + "/missing.bin";
  auto r = ReadFileToString(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("No such file or directory"));
}

TEST(FileIoTest, ReadDirectoryFails) {
  std::string dir = MakeTempDir();
  auto r = ReadFileToString(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(dir));
}

TEST(FileIoTest, AtomicWriteRoundTripsBinaryDataAndLeavesNoTemporaryFile) {
  std::string dir = MakeTempDir();
  std::string path = dir + "/data.bin";
  std::string data("a\0b\xff\n", 5);
  ASSERT_TRUE(WriteStringToFileAtomic(path, data).ok());
  EXPECT_EQ(*ReadFileToString(path), data);
  ASSERT_TRUE(WriteStringToFileAtomic(path, "replaced").ok());
  EXPECT_EQ(*ReadFileToString(path), "replaced");
  ASSERT_TRUE(WriteStringToFileAtomic(path, "").ok());
  EXPECT_EQ(*ReadFileToString(path), "");
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"data.bin"});
}

TEST(FileIoTest, LargeFileRoundTrips) {
  std::string path = MakeTempDir() + "/large.bin";
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + i / 7);
  ASSERT_TRUE(WriteStringToFileAtomic(path, data).ok());
  EXPECT_EQ(*ReadFileToString(path), data);
}

TEST(FileIoTest, AtomicWriteIntoMissingDirectoryFailsNamingThePath) {
  std::string dir = MakeTempDir();
  std::string path = dir + "/no/such/dir/file.bin";
  Status s = WriteStringToFileAtomic(path, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(s.message()), HasSubstr(path));
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(FileIoTest, FailedRenameRemovesTheTemporaryFile) {
  std::string dir = MakeTempDir();
  std::string path = dir + "/target";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((path + "/child").c_str(), 0755), 0);  // rename over a non-empty dir fails
  Status s = WriteStringToFileAtomic(path, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(path));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"target"});
}

TEST(FileIoTest, RecursivelyCreateDirAndFileExists) {
  std::string dir = MakeTempDir();
  std::string nested = dir + "/a/b/c";
  EXPECT_FALSE(FileExists(nested));
  ASSERT_TRUE(RecursivelyCreateDir(nested).ok());
  EXPECT_TRUE(FileExists(nested));
  EXPECT_TRUE(RecursivelyCreateDir(nested).ok());
  EXPECT_TRUE(RecursivelyCreateDir(nested + "/").ok());
  ASSERT_TRUE(WriteStringToFileAtomic(dir + "/a/file", "x").ok());
  Status s = RecursivelyCreateDir(dir + "/a/file/d");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(dir + "/a/file"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a directory"));
}

TEST(FileIoTest, GraphDefRoundTrips) {
  std::string path = MakeTempDir() + "/model.pb";
  GraphDef g;
  NodeDef* n = g.add_node();
  n->set_name("x");
  n->set_op("Placeholder");
  (*n->mutable_attr())["dtype"].set_type(DT_FLOAT);
  NodeDef* m = g.add_node();
  m->set_name("y");
  m->set_op("Identity");
  m->add_input("x");
  ASSERT_TRUE(WriteGraphDef(g, path).ok());
  auto read = ReadGraphDef(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->SerializeAsString(), g.SerializeAsString());
}

TEST(FileIoTest, GarbageIsNotAValidGraphDef) {
  std::string path = MakeTempDir() + "/garbage.pb";
  ASSERT_TRUE(WriteStringToFileAtomic(path, "\xff\xff\xff\xff").ok());
  auto r = ReadGraphDef(path);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("is not a valid sluice.GraphDef"));
  EXPECT_EQ(ReadGraphDef(path + ".missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(FileIoTest, GunzipDecodesGzipOutput) {
  EXPECT_EQ(*GunzipString(Bytes(kHelloGz, sizeof(kHelloGz)), "hello.gz"), "hello, sluice\n");
}

TEST(FileIoTest, GunzipDecodesConcatenatedMembers) {
  std::string both = Bytes(kHelloGz, sizeof(kHelloGz)) + Bytes(kSecondGz, sizeof(kSecondGz));
  EXPECT_EQ(*GunzipString(both, "both.gz"), "hello, sluice\nsecond member\n");
}

TEST(FileIoTest, GunzipRoundTripsLargeData) {
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * i) >> 5);
  auto r = GunzipString(Gzip(data), "large.gz");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, data);
  EXPECT_EQ(*GunzipString(Gzip(""), "empty.gz"), "");
}

TEST(FileIoTest, GunzipRejectsCorruptData) {
  std::string corrupt = Bytes(kHelloGz, sizeof(kHelloGz));
  corrupt[sizeof(kHelloGz) - 6] ^= 0x55;  // a byte of the CRC-32 trailer
  auto r = GunzipString(corrupt, "corrupt.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("'corrupt.gz' is not valid gzip data"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("byte offset"));

  auto not_gzip = GunzipString("plain text", "plain.txt");
  ASSERT_FALSE(not_gzip.ok());
  EXPECT_THAT(std::string(not_gzip.status().message()), HasSubstr("'plain.txt' is not valid gzip data"));
}

TEST(FileIoTest, GunzipRejectsTruncatedData) {
  for (size_t len : {size_t{0}, size_t{5}, size_t{20}, sizeof(kHelloGz) - 1}) {
    auto r = GunzipString(Bytes(kHelloGz, len), "short.gz");
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("'short.gz' is truncated")) << len;
  }
}

}  // namespace
}  // namespace sluice
