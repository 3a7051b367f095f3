#include "core/file_record_reader.h"

#include <string>
#include <vector>

#include "core/dataset_cache_file.h"
#include "core/file_io.h"
#include "core/zlib_stream.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string Compress(const std::string& data, RecordCompression compression) {
  if (compression == RecordCompression::kNone) return data;
  auto sink = std::make_unique<StringSink>();
  StringSink* raw = sink.get();
  auto file = ZlibWritableFile::Create(std::move(sink), compression == RecordCompression::kGzip ? ZlibFormat::kGzip
                                                                                               : ZlibFormat::kZlib);
  EXPECT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->Append(data).ok());
  EXPECT_TRUE((*file)->Close().ok());
  return raw->data();
}

struct Read {
  std::vector<std::string> records;
  Status end;
};

Read Drain(FileRecordReader* reader) {
  Read r;
  std::string record;
  while ((r.end = reader->Next(&record)).ok()) r.records.push_back(record);
  return r;
}

Read Lines(const std::string& data, RecordCompression compression = RecordCompression::kNone, size_t buffer = 3) {
  FileRecordOptions options{compression, buffer};
  auto reader = NewTextLineReader(std::make_unique<StringSource>(Compress(data, compression), "lines.txt"), options);
  return Drain(reader.get());
}

Read Fixed(const std::string& data, int64_t header, int64_t record, int64_t footer,
           RecordCompression compression = RecordCompression::kNone) {
  FileRecordOptions options{compression, 4};
  auto reader = NewFixedLengthRecordReader(std::make_unique<StringSource>(Compress(data, compression), "fixed.bin"),
                                           header, record, footer, options);
  EXPECT_TRUE(reader.ok()) << reader.status();
  return Drain(reader->get());
}

TEST(TextLineReaderTest, LinesWithoutNewlines) {
  for (auto compression : {RecordCompression::kNone, RecordCompression::kZlib, RecordCompression::kGzip}) {
    for (size_t buffer : {1, 2, 3, 64}) {
      Read r = Lines("one\r\ntwo\n\nfour\r\nlast", compression, buffer);
      EXPECT_THAT(r.records, ElementsAre("one", "two", "", "four", "last"));
      EXPECT_TRUE(absl::IsOutOfRange(r.end)) << r.end;
    }
  }
  EXPECT_THAT(Lines("").records, IsEmpty());
  EXPECT_THAT(Lines("\n").records, ElementsAre(""));
  EXPECT_THAT(Lines("a\nb\n").records, ElementsAre("a", "b"));
  EXPECT_THAT(Lines("a\r").records, ElementsAre("a"));
  EXPECT_THAT(Lines("a\rb\n").records, ElementsAre("a\rb"));  // a lone \r is data
}

TEST(TextLineReaderTest, CorruptCompressedDataNamesTheFile) {
  std::string gz = Compress("one\ntwo\nthree\n", RecordCompression::kGzip);
  gz.resize(gz.size() - 6);
  auto reader = NewTextLineReader(std::make_unique<StringSource>(gz, "cut.txt.gz"), {RecordCompression::kGzip, 64});
  Read r = Drain(reader.get());
  EXPECT_TRUE(absl::IsDataLoss(r.end)) << r.end;
  EXPECT_THAT(r.end.message(), HasSubstr("cut.txt.gz"));
  std::string record;
  EXPECT_EQ(reader->Next(&record), r.end);  // the error sticks
}

TEST(FixedLengthReaderTest, HeaderRecordsFooter) {
  for (auto compression : {RecordCompression::kNone, RecordCompression::kZlib, RecordCompression::kGzip}) {
    Read r = Fixed("HHaaabbbcccFF", 2, 3, 2, compression);
    EXPECT_THAT(r.records, ElementsAre("aaa", "bbb", "ccc"));
    EXPECT_TRUE(absl::IsOutOfRange(r.end)) << r.end;
  }
  EXPECT_THAT(Fixed("abcdef", 0, 2, 0).records, ElementsAre("ab", "cd", "ef"));
  EXPECT_THAT(Fixed("HHFF", 2, 3, 2).records, IsEmpty());
}

TEST(FixedLengthReaderTest, PartialRecordIsAnErrorNamingTheFile) {
  Read r = Fixed("HHaaabbFF", 2, 3, 2);
  EXPECT_THAT(r.records, ElementsAre("aaa"));
  EXPECT_TRUE(absl::IsDataLoss(r.end)) << r.end;
  EXPECT_THAT(r.end.message(), HasSubstr("fixed.bin"));
  EXPECT_THAT(r.end.message(), HasSubstr("offset 5"));
  Read short_header = Fixed("H", 2, 3, 0);
  EXPECT_TRUE(absl::IsDataLoss(short_header.end)) << short_header.end;
  Read short_footer = Fixed("HHaaaF", 2, 3, 2);
  EXPECT_TRUE(absl::IsDataLoss(short_footer.end)) << short_footer.end;
  EXPECT_FALSE(NewFixedLengthRecordReader(std::make_unique<StringSource>("", "x"), 0, 0, 0, {}).ok());
}

TEST(FileRecordReaderTest, MissingFileIsNamedAndSkipToResumes) {
  test::TempDir dir;
  auto missing = OpenTextLineFile(dir.path() + "/nope.txt", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.txt"));
  const std::string path = dir.path() + "/a.txt";
  ASSERT_TRUE(WriteStringToFileAtomic(path, "0\n1\n2\n3\n").ok());
  auto reader = OpenTextLineFile(path, {});
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->SkipTo(2).ok());
  EXPECT_THAT(Drain(reader->get()).records, ElementsAre("2", "3"));
  auto again = OpenTextLineFile(path, {});
  EXPECT_TRUE(absl::IsOutOfRange((*again)->SkipTo(5)));
}

Tensor Floats(std::vector<float> v) {
  Tensor t(DT_FLOAT, TensorShape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = v[i];
  return t;
}

Tensor Str(const std::string& s) {
  Tensor t(DT_STRING, TensorShape{});
  t.scalar<std::string>() = s;
  return t;
}

TEST(CacheFileTest, RoundTripAndAtomicity) {
  test::TempDir dir;
  const std::string path = dir.path() + "/cache";
  {
    auto writer = CacheFileWriter::Create(path, 2);
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_TRUE((*writer)->Append({Floats({1, 2}), Str("a")}).ok());
    EXPECT_FALSE((*writer)->Append({Floats({1})}).ok());  // wrong arity
    // Dropped before Finish: nothing at `path`.
  }
  EXPECT_TRUE(absl::IsNotFound(CacheFileReader::Open(path).status()));
  {
    auto writer = CacheFileWriter::Create(path, 2);
    ASSERT_TRUE((*writer)->Append({Floats({1, 2}), Str("a")}).ok());
    ASSERT_TRUE((*writer)->Append({Floats({3}), Str("bc")}).ok());
    ASSERT_TRUE((*writer)->Finish().ok());
  }
  auto reader = CacheFileReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->num_components(), 2);
  std::vector<Tensor> e;
  bool end = false;
  ASSERT_TRUE((*reader)->Next(&e, &end).ok());
  ASSERT_FALSE(end);
  EXPECT_EQ(e[0].NumElements(), 2);
  EXPECT_EQ(e[0].data<float>()[1], 2.0f);
  EXPECT_EQ(e[1].scalar<std::string>(), "a");
  ASSERT_TRUE((*reader)->Next(&e, &end).ok());
  EXPECT_EQ(e[1].scalar<std::string>(), "bc");
  ASSERT_TRUE((*reader)->Next(&e, &end).ok());
  EXPECT_TRUE(end);

  // A file cut short is DataLoss naming it.
  std::string bytes = ReadFileToString(path).value();
  auto cut = CacheFileReader::Open(std::make_unique<StringSource>(bytes.substr(0, bytes.size() - 12), "cut.cache"));
  ASSERT_TRUE(cut.ok());
  Status s;
  while ((s = (*cut)->Next(&e, &end)).ok() && !end) {
  }
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("cut.cache"));
  auto not_cache = CacheFileReader::Open(std::make_unique<StringSource>("garbage", "g.cache"));
  EXPECT_TRUE(absl::IsDataLoss(not_cache.status())) << not_cache.status();
}

}  // namespace
}  // namespace sluice
