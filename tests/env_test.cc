#include "core/env.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Message(const Status& s) { return std::string(s.message()); }

TEST(EnvTest, RandomAccessReadsReportShortReadsAtTheEnd) {
  test::TempDir dir;
  std::string path = dir.path() + "/f";
  ASSERT_OK(WriteStringToFileAtomic(path, "hello"));
  auto file = NewRandomAccessFile(path);
  ASSERT_OK(file.status());
  EXPECT_EQ((*file)->name(), path);
  EXPECT_EQ(*(*file)->Size(), 5u);
  char scratch[16];
  absl::string_view got;
  ASSERT_OK((*file)->Read(1, 3, &got, scratch));
  EXPECT_EQ(got, "ell");
  ASSERT_OK((*file)->Read(3, 10, &got, scratch));
  EXPECT_EQ(got, "lo");
  ASSERT_OK((*file)->Read(5, 1, &got, scratch));
  EXPECT_EQ(got, "");
  ASSERT_OK((*file)->Read(1000, 4, &got, scratch));
  EXPECT_EQ(got, "");
}

TEST(EnvTest, OpeningWhatIsNotAReadableFileFailsNamingIt) {
  test::TempDir dir;
  auto missing = NewRandomAccessFile(dir.path() + "/missing");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(missing.status()), HasSubstr(dir.path() + "/missing"));
  auto directory = NewRandomAccessFile(dir.path());
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(directory.status()), HasSubstr("directory"));
  auto device = NewRandomAccessFile("/dev/null");
  EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(device.status()), HasSubstr("/dev/null"));
}

TEST(EnvTest, WritableFileAppendsFlushesAndCloses) {
  test::TempDir dir;
  std::string path = dir.path() + "/w";
  auto file = NewWritableFile(path);
  ASSERT_OK(file.status());
  ASSERT_OK((*file)->Append("abc"));
  ASSERT_OK((*file)->Append(std::string(100000, 'x')));  // larger than the buffer
  ASSERT_OK((*file)->Append("def"));
  EXPECT_EQ((*file)->Size(), 100006u);
  ASSERT_OK((*file)->Flush());
  EXPECT_EQ(*GetFileSize(path), 100006u);  // visible after Flush, before Close
  ASSERT_OK((*file)->Sync());
  ASSERT_OK((*file)->Close());
  EXPECT_EQ(*ReadFileToString(path), "abc" + std::string(100000, 'x') + "def");

  Status s = (*file)->Append("more");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(s), HasSubstr(path));
  EXPECT_THAT(Message(s), HasSubstr("closed"));
  EXPECT_EQ((*file)->Flush().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*file)->Close().code(), absl::StatusCode::kFailedPrecondition);

  // NewWritableFile truncates; NewAppendableFile appends.
  auto again = NewWritableFile(path);
  ASSERT_OK(again.status());
  ASSERT_OK((*again)->Append("new"));
  ASSERT_OK((*again)->Close());
  EXPECT_EQ(*ReadFileToString(path), "new");
  auto appendable = NewAppendableFile(path);
  ASSERT_OK(appendable.status());
  EXPECT_EQ((*appendable)->Size(), 3u);
  ASSERT_OK((*appendable)->Append("er"));
  ASSERT_OK((*appendable)->Close());
  EXPECT_EQ(*ReadFileToString(path), "newer");
}

TEST(EnvTest, WritingToAFullDiskIsAnErrorNamingTheFile) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full on this machine";
  {
    auto file = NewWritableFile("/dev/full");
    ASSERT_OK(file.status());
    ASSERT_OK((*file)->Append("small"));  // buffered
    Status s = (*file)->Flush();
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(Message(s), HasSubstr("/dev/full"));
    EXPECT_THAT(Message(s), HasSubstr("No space left"));
    // Every later call fails too, Close included.
    EXPECT_FALSE((*file)->Append("x").ok());
    EXPECT_FALSE((*file)->Close().ok());
  }
  {
    auto file = NewWritableFile("/dev/full");
    ASSERT_OK(file.status());
    EXPECT_EQ((*file)->Append(std::string(1 << 20, 'x')).code(), absl::StatusCode::kResourceExhausted);
  }
  {
    // Data only buffered when Close is called still fails Close.
    auto file = NewWritableFile("/dev/full");
    ASSERT_OK(file.status());
    ASSERT_OK((*file)->Append("small"));
    EXPECT_EQ((*file)->Close().code(), absl::StatusCode::kResourceExhausted);
  }
}

TEST(EnvTest, FileOperations) {
  test::TempDir dir;
  std::string a = dir.path() + "/a", b = dir.path() + "/b";
  ASSERT_OK(WriteStringToFileAtomic(a, "12345"));
  ASSERT_OK(WriteStringToFileAtomic(b, "old"));
  EXPECT_EQ(*GetFileSize(a), 5u);
  EXPECT_EQ(GetFileSize(dir.path() + "/none").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetFileSize(dir.path()).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(RecursivelyCreateDir(dir.path() + "/sub"));
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("a", "b", "sub"));
  ASSERT_OK(RenameFile(a, b));  // replaces b
  EXPECT_EQ(*ReadFileToString(b), "12345");
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("b", "sub"));
  Status s = RenameFile(a, b);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(s), HasSubstr(a));
  ASSERT_OK(DeleteFile(b));
  s = DeleteFile(b);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(s), HasSubstr(b));
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("sub"));
  EXPECT_EQ(GetChildren(dir.path() + "/none").status().code(), absl::StatusCode::kNotFound);
  ASSERT_OK(SyncDirectory(dir.path()));
}

TEST(EnvTest, AtomicFileWriterShowsNothingUntilCommit) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  ASSERT_OK(WriteStringToFileAtomic(path, "old"));
  auto writer = AtomicFileWriter::Create(path);
  ASSERT_OK(writer.status());
  EXPECT_EQ((*writer)->name(), path);
  EXPECT_EQ((*writer)->temporary_name().rfind(path + ".tmp.", 0), 0u);
  ASSERT_OK((*writer)->Append("new "));
  ASSERT_OK((*writer)->Append("contents"));
  ASSERT_OK((*writer)->Flush());
  EXPECT_EQ(*ReadFileToString(path), "old");
  EXPECT_EQ(GetChildren(dir.path())->size(), 2u);  // the file and the temporary
  ASSERT_OK((*writer)->Commit());
  EXPECT_EQ(*ReadFileToString(path), "new contents");
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("out"));
  EXPECT_EQ((*writer)->Append("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(EnvTest, AtomicFileWriterDroppedOrAbandonedLeavesTheFileAsItWas) {
  test::TempDir dir;
  std::string path = dir.path() + "/out";
  ASSERT_OK(WriteStringToFileAtomic(path, "old"));
  {
    auto writer = AtomicFileWriter::Create(path);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Append("never seen"));
  }
  EXPECT_EQ(*ReadFileToString(path), "old");
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("out"));
  auto writer = AtomicFileWriter::Create(path);
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->Append("never seen"));
  (*writer)->Abandon();
  EXPECT_EQ(*ReadFileToString(path), "old");
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("out"));
}

TEST(EnvTest, AtomicFileWriterInAMissingDirectoryFailsNamingThePath) {
  test::TempDir dir;
  std::string path = dir.path() + "/no/such/dir/out";
  auto writer = AtomicFileWriter::Create(path);
  EXPECT_EQ(writer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(writer.status()), HasSubstr("'" + path + "'"));
}

TEST(EnvTest, AtomicFileWriterThatCannotRenameRemovesItsTemporary) {
  test::TempDir dir;
  std::string path = dir.path() + "/target";
  ASSERT_OK(RecursivelyCreateDir(path + "/occupied"));  // a non-empty directory cannot be replaced
  auto writer = AtomicFileWriter::Create(path);
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->Append("data"));
  Status s = (*writer)->Commit();
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(Message(s), HasSubstr(path));
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("target"));
}

TEST(EnvTest, StringSourceAndSink) {
  StringSource source("hello", "mem");
  char scratch[8];
  absl::string_view got;
  ASSERT_OK(source.Read(3, 8, &got, scratch));
  EXPECT_EQ(got, "lo");
  ASSERT_OK(source.Read(9, 8, &got, scratch));
  EXPECT_EQ(got, "");
  EXPECT_EQ(*source.Size(), 5u);
  EXPECT_EQ(source.name(), "mem");

  StringSink sink("sink");
  ASSERT_OK(sink.Append("ab"));
  ASSERT_OK(sink.Append("c"));
  ASSERT_OK(sink.Flush());
  EXPECT_EQ(sink.data(), "abc");
  EXPECT_EQ(sink.Size(), 3u);
  ASSERT_OK(sink.Close());
  Status s = sink.Append("d");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Message(s), HasSubstr("sink"));
}

}  // namespace
}  // namespace sluice
