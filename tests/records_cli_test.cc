// `sluice records cat|count|write` (tools/records.cc) run as a program, and RecordReader's
// skip_corrupt option (core/record_io.h) over files corrupted here by hand.
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/example_util.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/record_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct CliResult {
  int code = -1;
  std::string out, err;
};

class RecordsCliTest : public ::testing::Test {
 protected:
  CliResult Cli(const std::vector<std::string>& args) {
    std::string cmd = Quote(SLUICE_CLI_PATH);
    for (const std::string& a : args) absl::StrAppend(&cmd, " ", Quote(a));
    const std::string out = dir_ + "/stdout", err = dir_ + "/stderr";
    absl::StrAppend(&cmd, " >", Quote(out), " 2>", Quote(err));
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFileToString(out).value_or("");
    r.err = ReadFileToString(err).value_or("");
    return r;
  }

  std::vector<Example> ReadExamples(const std::string& path, RecordCompression c = RecordCompression::kNone) {
    std::vector<Example> out;
    RecordReaderOptions options;
    options.compression = c;
    auto reader = RecordReader::Open(path, options);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return out;
    std::string record;
    Status s;
    while ((s = (*reader)->ReadRecord(&record)).ok()) {
      out.emplace_back();
      EXPECT_TRUE(out.back().ParseFromString(record));
    }
    EXPECT_TRUE(absl::IsOutOfRange(s)) << s;
    return out;
  }

  test::TempDir tmp_{"sluice_records"};
  std::string dir_ = tmp_.path();
};

TEST_F(RecordsCliTest, WriteFromCsvThenCountAndCat) {
  const std::string csv = dir_ + "/in.csv", out = dir_ + "/out.tfrecord";
  ASSERT_OK(WriteStringToFileAtomic(csv, "id,score,name\n1,2.5,\"a, \"\"b\"\"\"\n2,,c\n-3,4,d\n"));
  CliResult r = Cli({"records", "write", out, "--csv", csv, "--compression", "GZIP"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, out + ": 3 Examples\n");
  std::vector<Example> examples = ReadExamples(out, RecordCompression::kGzip);
  ASSERT_EQ(examples.size(), 3u);
  const auto& f0 = examples[0].features().feature();
  EXPECT_EQ(f0.at("id").int64_list().value(0), 1);
  EXPECT_EQ(f0.at("score").float_list().value(0), 2.5f);
  EXPECT_EQ(f0.at("name").bytes_list().value(0), "a, \"b\"");
  EXPECT_EQ(examples[1].features().feature().at("score").float_list().value_size(), 0);
  EXPECT_EQ(examples[2].features().feature().at("id").int64_list().value(0), -3);

  r = Cli({"records", "count", out, "--compression", "GZIP"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, out + ": 3 records\n");
  r = Cli({"records", "cat", out, "--compression", "GZIP"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("record 2 (offset "));
  EXPECT_THAT(r.out, HasSubstr("key: \"name\""));
  EXPECT_THAT(r.out, HasSubstr("value: \"d\""));
}

TEST_F(RecordsCliTest, WriteFromNpyAndIdxRows) {
  const std::string x = dir_ + "/x.npy", y = dir_ + "/y.npy", out = dir_ + "/xy.tfrecord";
  ASSERT_OK(WriteNpy(x, Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2})));
  ASSERT_OK(WriteNpy(y, Tensor::FromVector<int32_t>({7, 8, 9}, {3})));
  CliResult r = Cli({"records", "write", out, "--feature", "x=" + x, "--feature", "y=" + y});
  ASSERT_EQ(r.code, 0) << r.err;
  std::vector<Example> examples = ReadExamples(out);
  ASSERT_EQ(examples.size(), 3u);
  const auto& f = examples[2].features().feature();
  EXPECT_THAT(std::vector<float>(f.at("x").float_list().value().begin(), f.at("x").float_list().value().end()),
              ::testing::ElementsAre(5.0f, 6.0f));
  EXPECT_EQ(f.at("y").int64_list().value(0), 9);

  ASSERT_OK(WriteNpy(y, Tensor::FromVector<int32_t>({7, 8}, {2})));
  r = Cli({"records", "write", out, "--feature", "x=" + x, "--feature", "y=" + y});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("has 2 rows, the files before it 3"));
  // An IDX file (uint8 [2, 3], big-endian dims) with a .npy of as many rows.
  const std::string idx = dir_ + "/images.idx";
  ASSERT_OK(WriteStringToFileAtomic(idx, std::string("\0\0\x08\x02\0\0\0\x02\0\0\0\x03\x01\x02\x03\xff\x00\x07", 18)));
  ASSERT_OK(WriteNpy(y, Tensor::FromVector<int32_t>({7, 8}, {2})));
  r = Cli({"records", "write", out, "--feature", "image=@idx:" + idx, "--feature", "label=" + y});
  ASSERT_EQ(r.code, 0) << r.err;
  examples = ReadExamples(out);
  ASSERT_EQ(examples.size(), 2u);
  const auto& image = examples[1].features().feature().at("image").int64_list().value();
  EXPECT_THAT(std::vector<int64_t>(image.begin(), image.end()), ::testing::ElementsAre(255, 0, 7));
  EXPECT_EQ(examples[1].features().feature().at("label").int64_list().value(0), 8);

  r = Cli({"records", "write", out});
  EXPECT_EQ(r.code, 2);
  r = Cli({"records", "frobnicate", out});
  EXPECT_EQ(r.code, 2);
}

// Three records "r0", "r1", "r2" (each 18 bytes on disk) with `damage` applied.
std::string ThreeRecords(const std::string& dir, void (*damage)(std::string*)) {
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    const std::string data = absl::StrCat("r", i);
    bytes += EncodeRecordHeader(data.size()) + data + EncodeRecordFooter(data);
  }
  damage(&bytes);
  const std::string path = dir + "/damaged.tfrecord";
  EXPECT_TRUE(WriteStringToFileAtomic(path, bytes).ok());
  return path;
}

// The records read with skip_corrupt, and the skip reports.
std::vector<std::string> ReadSkipping(const std::string& path, std::vector<std::string>* reports, int64_t* skipped) {
  RecordReaderOptions options;
  options.skip_corrupt = true;
  options.on_skip = [reports](const Status& s) { reports->push_back(std::string(s.message())); };
  auto reader = RecordReader::Open(path, options);
  EXPECT_TRUE(reader.ok());
  std::vector<std::string> out;
  std::string record;
  Status s;
  while ((s = (*reader)->ReadRecord(&record)).ok()) out.push_back(record);
  EXPECT_TRUE(absl::IsOutOfRange(s)) << s;
  *skipped = (*reader)->skipped_records();
  return out;
}

TEST(RecordReaderSkipCorruptTest, DataCrcHeaderCrcAndTruncation) {
  test::TempDir dir("sluice_skip");
  std::vector<std::string> reports;
  int64_t skipped = 0;
  // The data of record 1 (offset 18, data at 30).
  std::string path = ThreeRecords(dir.path(), [](std::string* b) { (*b)[30] ^= 1; });
  EXPECT_EQ(ReadSkipping(path, &reports, &skipped), (std::vector<std::string>{"r0", "r2"}));
  EXPECT_EQ(skipped, 1);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THAT(reports[0], HasSubstr("damaged.tfrecord"));
  EXPECT_THAT(reports[0], HasSubstr("the record at offset 18"));

  // The length of record 1: the reader finds record 2's header.
  reports.clear();
  path = ThreeRecords(dir.path(), [](std::string* b) { (*b)[18] ^= 1; });
  EXPECT_EQ(ReadSkipping(path, &reports, &skipped), (std::vector<std::string>{"r0", "r2"}));
  EXPECT_EQ(skipped, 1);
  EXPECT_THAT(reports[0], HasSubstr("CRC of its length"));

  // A file cut inside record 2.
  reports.clear();
  path = ThreeRecords(dir.path(), [](std::string* b) { b->resize(b->size() - 3); });
  EXPECT_EQ(ReadSkipping(path, &reports, &skipped), (std::vector<std::string>{"r0", "r1"}));
  EXPECT_EQ(skipped, 1);
  EXPECT_THAT(reports[0], HasSubstr("truncated record"));
  EXPECT_THAT(reports[0], HasSubstr("offset 36"));

  // Without the option the first corruption is the error, every later read too.
  path = ThreeRecords(dir.path(), [](std::string* b) { (*b)[30] ^= 1; });
  auto reader = RecordReader::Open(path);
  ASSERT_OK(reader.status());
  std::string record;
  ASSERT_OK((*reader)->ReadRecord(&record));
  EXPECT_TRUE(absl::IsDataLoss((*reader)->ReadRecord(&record)));
  EXPECT_TRUE(absl::IsDataLoss((*reader)->ReadRecord(&record)));
}

TEST_F(RecordsCliTest, SkipCorruptCountsAndReports) {
  const std::string path = ThreeRecords(dir_, [](std::string* b) { (*b)[30] ^= 1; });
  CliResult r = Cli({"records", "count", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("offset 18"));
  r = Cli({"records", "count", path, "--skip-corrupt"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, path + ": 2 records (1 corrupt skipped)\n");
  EXPECT_THAT(r.err, HasSubstr("skipped: '" + path + "': corrupt record"));
  r = Cli({"records", "cat", path, "--skip-corrupt"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("record 1 (offset 36, 2 bytes): \"r2\""));
}

}  // namespace
}  // namespace sluice
