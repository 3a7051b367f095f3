#include "core/record_io.h"

#include <zlib.h>

#include <string>
#include <vector>

#include "core/crc32c.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Message(const Status& s) { return std::string(s.message()); }

// Every record of `data` read with `options` and its status at the end (OutOfRange when clean).
struct ReadResult {
  std::vector<std::string> records;
  Status end;
};

ReadResult ReadAll(const std::string& data, RecordReaderOptions options = {}, const std::string& name = "mem") {
  RecordReader reader(std::make_unique<StringSource>(data, name), options);
  ReadResult result;
  std::string record;
  while ((result.end = reader.ReadRecord(&record)).ok()) result.records.push_back(record);
  return result;
}

std::string WriteAll(const std::vector<std::string>& records, RecordWriterOptions options = {}) {
  auto sink = std::make_unique<StringSink>();
  StringSink* raw = sink.get();
  auto writer = RecordWriter::Create(std::move(sink), options);
  EXPECT_TRUE(writer.ok()) << writer.status();
  std::string out;
  if (!writer.ok()) return out;
  for (const auto& r : records) EXPECT_TRUE((*writer)->WriteRecord(r).ok());
  // The sink dies with the writer: take its bytes after Close, before the writer goes.
  EXPECT_TRUE((*writer)->Close().ok());
  out = raw->data();
  return out;
}

// The record "abc" built from the format's definition: uint64 length LE, masked CRC-32C of those
// 8 bytes, data, masked CRC-32C of the data. The CRC values were computed with a bitwise
// CRC-32C (0x82F63B78, reflected) outside sluice and agree with crc32c::Value (RFC-tested).
TEST(RecordIoTest, WritesTheExactBytesOfTheFormat) {
  const unsigned char kAbc[] = {0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb0, 0x99,
                                0x49, 0x0e, 0x61, 0x62, 0x63, 0x6e, 0x57, 0xf1, 0x21};
  const unsigned char kEmpty[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x29, 0x03, 0x98, 0x07, 0xd8, 0xea, 0x82, 0xa2};
  std::string abc(reinterpret_cast<const char*>(kAbc), sizeof(kAbc));
  std::string empty(reinterpret_cast<const char*>(kEmpty), sizeof(kEmpty));

  // The same bytes from the spec's steps.
  std::string length("\x03\0\0\0\0\0\0\0", 8);
  auto le32 = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
    return s;
  };
  auto mask = [](uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; };
  EXPECT_EQ(length + le32(mask(crc32c::Value(length))) + "abc" + le32(mask(crc32c::Value("abc"))), abc);

  EXPECT_EQ(WriteAll({"abc"}), abc);
  EXPECT_EQ(WriteAll({""}), empty);
  EXPECT_EQ(WriteAll({"abc", "", "abc"}), abc + empty + abc);
  ReadResult r = ReadAll(abc + empty);
  EXPECT_THAT(r.records, ::testing::ElementsAre("abc", ""));
  EXPECT_TRUE(absl::IsOutOfRange(r.end)) << r.end;
}

TEST(RecordIoTest, RoundTripsThroughFilesWithAnyBufferSize) {
  test::TempDir dir;
  std::string path = dir.path() + "/r.tfrecord";
  std::vector<std::string> records = {"", "a", std::string(5000, 'b'), std::string(1 << 20, '\xfe'), "end"};
  for (size_t i = 0; i < 200; ++i) records.push_back(std::string(i, static_cast<char>('a' + i % 26)));
  {
    auto writer = RecordWriter::Create(path);
    ASSERT_OK(writer.status());
    for (const auto& r : records) ASSERT_OK((*writer)->WriteRecord(r));
    ASSERT_OK((*writer)->Close());
  }
  for (size_t buffer : {1, 7, 12, 4096, 256 << 10}) {
    RecordReaderOptions options;
    options.buffer_bytes = buffer;
    auto reader = RecordReader::Open(path, options);
    ASSERT_OK(reader.status());
    std::string record;
    uint64_t offset = 0;
    for (const auto& expected : records) {
      EXPECT_EQ((*reader)->offset(), offset);
      ASSERT_OK((*reader)->ReadRecord(&record));
      ASSERT_EQ(record, expected) << "buffer " << buffer;
      offset += expected.size() + 16;
    }
    Status end = (*reader)->ReadRecord(&record);
    EXPECT_TRUE(absl::IsOutOfRange(end)) << end;
    EXPECT_THAT(Message(end), HasSubstr(path));
    EXPECT_TRUE(absl::IsOutOfRange((*reader)->ReadRecord(&record)));  // stays at the end
  }
}

TEST(RecordIoTest, EmptyFileIsACleanEnd) {
  ReadResult r = ReadAll("");
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(absl::IsOutOfRange(r.end));
}

TEST(RecordIoTest, EveryTruncationIsDataLossNamingTheFileAndTheRecordOffset) {
  std::string data = WriteAll({"first", "second record"});
  const size_t second = 16 + 5;
  for (size_t n = 0; n <= data.size(); ++n) {
    ReadResult r = ReadAll(data.substr(0, n), {}, "cut.tfrecord");
    if (n == 0 || n == second || n == data.size()) {
      EXPECT_TRUE(absl::IsOutOfRange(r.end)) << n << ": " << r.end;
      continue;
    }
    EXPECT_EQ(r.end.code(), absl::StatusCode::kDataLoss) << n << ": " << r.end;
    EXPECT_THAT(Message(r.end), HasSubstr("'cut.tfrecord'"));
    EXPECT_THAT(Message(r.end), HasSubstr("truncated"));
    EXPECT_THAT(Message(r.end), HasSubstr(absl::StrCat("offset ", n < second ? 0 : second)));
    EXPECT_EQ(r.records.size(), n < second ? 0u : 1u);
  }
}

TEST(RecordIoTest, EveryFlippedByteIsDetected) {
  std::vector<std::string> records = {"first", "second record"};
  std::string data = WriteAll(records);
  const size_t second = 16 + 5;
  for (size_t i = 0; i < data.size(); ++i) {
    std::string bad = data;
    bad[i] ^= 0x20;
    ReadResult r = ReadAll(bad, {}, "bad.tfrecord");
    EXPECT_EQ(r.end.code(), absl::StatusCode::kDataLoss) << "byte " << i << ": " << r.end;
    EXPECT_THAT(Message(r.end), HasSubstr("'bad.tfrecord'"));
    EXPECT_THAT(Message(r.end), HasSubstr("corrupt"));
    EXPECT_THAT(Message(r.end), HasSubstr(absl::StrCat("offset ", i < second ? 0 : second)));
    EXPECT_THAT(Message(r.end), Not(HasSubstr("\n")));
    EXPECT_EQ(r.records.size(), i < second ? 0u : 1u);
  }
}

TEST(RecordIoTest, ErrorsAreSticky) {
  std::string data = WriteAll({"one", "two"});
  data[12] ^= 1;  // the first record's data
  RecordReader reader(std::make_unique<StringSource>(data, "m"));
  std::string record;
  Status first = reader.ReadRecord(&record);
  EXPECT_EQ(first.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(reader.ReadRecord(&record), first);
  EXPECT_TRUE(record.empty());
}

TEST(RecordIoTest, RecordsLongerThanTheLimitAreRefused) {
  std::string data = WriteAll({std::string(100, 'x')});
  RecordReaderOptions options;
  options.max_record_bytes = 99;
  ReadResult r = ReadAll(data, options);
  EXPECT_EQ(r.end.code(), absl::StatusCode::kResourceExhausted);
  options.max_record_bytes = 100;
  EXPECT_EQ(ReadAll(data, options).records.size(), 1u);
}

TEST(RecordIoTest, AHugeLengthWithAValidCrcIsTruncationNotAnAllocation) {
  // A header claiming 2^40 bytes (its CRC correct), followed by 10 bytes.
  std::string data = EncodeRecordHeader(uint64_t{1} << 40) + std::string(10, 'x');
  RecordReaderOptions options;
  options.max_record_bytes = int64_t{1} << 50;
  ReadResult r = ReadAll(data, options);
  EXPECT_EQ(r.end.code(), absl::StatusCode::kDataLoss) << r.end;
  EXPECT_THAT(Message(r.end), HasSubstr("truncated"));
}

std::string ZlibDecompress(const std::string& compressed) {
  z_stream zs{};
  EXPECT_EQ(inflateInit(&zs), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[4096];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

TEST(RecordIoTest, CompressedFilesAreTheRecordsInsideOneZlibOrGzipStream) {
  std::vector<std::string> records = {"alpha", "", std::string(300000, 'q'), "omega"};
  std::string plain = WriteAll(records);
  RecordWriterOptions zlib_options;
  zlib_options.compression = RecordCompression::kZlib;
  std::string zlib = WriteAll(records, zlib_options);
  EXPECT_LT(zlib.size(), plain.size());
  EXPECT_EQ(ZlibDecompress(zlib), plain);  // zlib itself decodes it
  RecordWriterOptions gzip_options;
  gzip_options.compression = RecordCompression::kGzip;
  std::string gzip = WriteAll(records, gzip_options);
  EXPECT_EQ(gzip.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(*GunzipString(gzip, "gz"), plain);

  RecordReaderOptions read_zlib;
  read_zlib.compression = RecordCompression::kZlib;
  RecordReaderOptions read_gzip;
  read_gzip.compression = RecordCompression::kGzip;
  for (size_t buffer : {1, 100, 256 << 10}) {
    read_zlib.buffer_bytes = read_gzip.buffer_bytes = buffer;
    ReadResult z = ReadAll(zlib, read_zlib);
    EXPECT_EQ(z.records, records);
    EXPECT_TRUE(absl::IsOutOfRange(z.end)) << z.end;
    ReadResult g = ReadAll(gzip, read_gzip);
    EXPECT_EQ(g.records, records);
    EXPECT_TRUE(absl::IsOutOfRange(g.end)) << g.end;
  }
  // A file gzipped by zlib's own gzip writer reads too.
  ReadResult g = ReadAll(test::Gzip(plain), read_gzip);
  EXPECT_EQ(g.records, records);
  // So do no bytes at all (an empty stream).
  EXPECT_TRUE(absl::IsOutOfRange(ReadAll("", read_gzip).end));
}

TEST(RecordIoTest, CorruptOrTruncatedCompressedFilesAreDataLoss) {
  RecordWriterOptions gzip_options;
  gzip_options.compression = RecordCompression::kGzip;
  std::string gzip = WriteAll({"alpha", std::string(1000, 'z')}, gzip_options);
  RecordReaderOptions read_gzip;
  read_gzip.compression = RecordCompression::kGzip;
  for (size_t n = 1; n < gzip.size(); ++n) {
    ReadResult r = ReadAll(gzip.substr(0, n), read_gzip, "c.gz");
    EXPECT_EQ(r.end.code(), absl::StatusCode::kDataLoss) << n << ": " << r.end;
    EXPECT_THAT(Message(r.end), HasSubstr("'c.gz'"));
  }
  // Uncompressed bytes read as ZLIB.
  RecordReaderOptions read_zlib;
  read_zlib.compression = RecordCompression::kZlib;
  ReadResult r = ReadAll(WriteAll({"plain"}), read_zlib, "p");
  EXPECT_EQ(r.end.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(r.end), HasSubstr("not valid ZLIB data"));
}

TEST(RecordIoTest, FlushMakesWrittenRecordsReadableWhileTheWriterIsOpen) {
  test::TempDir dir;
  for (RecordCompression c : {RecordCompression::kNone, RecordCompression::kZlib, RecordCompression::kGzip}) {
    std::string path = dir.path() + "/live";
    RecordWriterOptions options;
    options.compression = c;
    auto writer = RecordWriter::Create(path, options);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->WriteRecord("one"));
    ASSERT_OK((*writer)->Flush());
    RecordReaderOptions read;
    read.compression = c;
    auto reader = RecordReader::Open(path, read);
    ASSERT_OK(reader.status());
    std::string record;
    ASSERT_OK((*reader)->ReadRecord(&record));
    EXPECT_EQ(record, "one");
    ASSERT_OK((*writer)->Close());
    EXPECT_EQ((*writer)->WriteRecord("x").code(), absl::StatusCode::kFailedPrecondition);
  }
}

TEST(RecordIoTest, WritingToAFullDiskFails) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no writable /dev/full on this machine";
  auto writer = RecordWriter::Create("/dev/full");
  ASSERT_OK(writer.status());
  Status s = (*writer)->WriteRecord(std::string(1 << 20, 'x'));
  if (s.ok()) s = (*writer)->Close();
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(s), HasSubstr("/dev/full"));
}

// Kept in step with RECORDS in tests/data/tf/make_fixtures.py, which wrote the files read here
// with tf.io.TFRecordWriter.
std::vector<std::string> TfRecords() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return {"", "a", "TensorFlow record 2", bytes + bytes + bytes + bytes};
}

TEST(RecordIoTest, ReadsFilesTensorFlowWrote) {
  const std::string dir = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/";
  for (const auto& [file, compression] : {std::pair{"records.tfrecord", ""}, std::pair{"records_zlib.tfrecord", "ZLIB"},
                                          std::pair{"records_gzip.tfrecord", "GZIP"}}) {
    RecordReaderOptions options;
    options.compression = *ParseRecordCompression(compression);
    auto reader = RecordReader::Open(dir + file, options);
    ASSERT_OK(reader.status());
    std::vector<std::string> records;
    std::string record;
    Status s;
    while ((s = (*reader)->ReadRecord(&record)).ok()) records.push_back(record);
    EXPECT_TRUE(absl::IsOutOfRange(s)) << file << ": " << s;
    EXPECT_EQ(records, TfRecords()) << file;
  }
  // Byte for byte, sluice writes what TensorFlow wrote (uncompressed; zlib's output may differ
  // in its choices, which the ZLIB/GZIP cases above and tf_interop_test cover).
  EXPECT_EQ(WriteAll(TfRecords()), *ReadFileToString(dir + "records.tfrecord"));
}

TEST(RecordIoTest, CompressionTypeNames) {
  EXPECT_EQ(*ParseRecordCompression(""), RecordCompression::kNone);
  EXPECT_EQ(*ParseRecordCompression("ZLIB"), RecordCompression::kZlib);
  EXPECT_EQ(*ParseRecordCompression("GZIP"), RecordCompression::kGzip);
  EXPECT_EQ(ParseRecordCompression("snappy").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice
