#include "runtime/tensor_bundle.h"

#include <atomic>
#include <cstring>
#include <thread>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "core/file_io.h"
#include "core/table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Message(const Status& s) { return std::string(s.message()); }

// Same dtype, shape and bytes (strings: elements).
void ExpectSameTensor(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  ASSERT_EQ(actual.shape().DebugString(), expected.shape().DebugString()) << what;
  if (expected.dtype() == DT_STRING) {
    for (int64_t i = 0; i < expected.NumElements(); ++i) {
      EXPECT_EQ(actual.data<std::string>()[i], expected.data<std::string>()[i]) << what << " element " << i;
    }
    return;
  }
  size_t bytes = static_cast<size_t>(expected.NumElements()) * DataTypeSize(expected.dtype());
  if (bytes > 0) {
    EXPECT_EQ(std::memcmp(actual.raw_data(), expected.raw_data(), bytes), 0) << what;
  }
}

template <typename T>
Tensor Make(const std::vector<T>& values, const TensorShape& shape) {
  return Tensor::FromVector(values, shape);
}

Tensor Strings(const std::vector<std::string>& values, const TensorShape& shape) {
  return Tensor::FromVector(values, shape);
}

// The tensors tests/data/tf/make_fixtures.py saved with TensorFlow.
std::vector<std::pair<std::string, Tensor>> TfFixtureTensors() {
  return {
      {"counts", Make<int32_t>({1, -2, 3, 2147483647}, {4})},
      {"dense/bias", Make<double>({1.5, -2.25}, {2})},
      {"dense/kernel", Make<float>({-0.5f, -0.25f, 0.f, 0.25f, 0.5f, 0.75f}, {2, 3})},
      {"empty", Tensor(DT_FLOAT, TensorShape{0, 4})},
      {"global_step", Tensor::Scalar<int64_t>(1999)},
      {"mask", Make<bool>({true, false, true}, {3})},
      {"small", Make<uint8_t>({7, 255}, {1, 2})},
      {"vocab", Strings({"the", "", "caf\xc3\xa9", std::string(200, 'x')}, {4})},
  };
}

const std::string& TfFixturePrefix() {
  static const std::string prefix = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/bundle/model.ckpt";
  return prefix;
}

TEST(TensorBundleTest, FileNames) {
  EXPECT_EQ(BundleIndexFilename("d/model.ckpt-7"), "d/model.ckpt-7.index");
  EXPECT_EQ(BundleDataFilename("d/model.ckpt-7", 0, 1), "d/model.ckpt-7.data-00000-of-00001");
  EXPECT_EQ(BundleDataFilename("p", 12, 345), "p.data-00012-of-00345");
}

TEST(TensorBundleTest, ReadsABundleTensorFlowWrote) {
  auto reader = BundleReader::Open(TfFixturePrefix());
  ASSERT_OK(reader.status());
  EXPECT_EQ((*reader)->header().num_shards(), 1);
  EXPECT_EQ((*reader)->header().version().producer(), 1);
  std::vector<std::string> names;
  for (const auto& [name, tensor] : TfFixtureTensors()) {
    names.push_back(name);
    auto got = (*reader)->Lookup(name);
    ASSERT_OK(got.status());
    ExpectSameTensor(*got, tensor, name);
  }
  EXPECT_EQ((*reader)->TensorNames(), names);
}

// Verify, reading in chunks of any size, accepts what Lookup accepts and rejects what it
// rejects: TensorFlow's bundle as written, and with each byte of its data file flipped.
TEST(TensorBundleTest, VerifyInChunksAgreesWithLookup) {
  test::TempDir dir;
  const std::string prefix = dir.path() + "/model.ckpt";
  const std::string data = *ReadFileToString(BundleDataFilename(TfFixturePrefix(), 0, 1));
  ASSERT_OK(WriteStringToFileAtomic(BundleIndexFilename(prefix), *ReadFileToString(BundleIndexFilename(TfFixturePrefix()))));
  for (size_t flip = 0; flip <= data.size(); ++flip) {  // flip == size: the file as written
    std::string bytes = data;
    if (flip < data.size()) bytes[flip] ^= 0x20;
    ASSERT_OK(WriteStringToFileAtomic(BundleDataFilename(prefix, 0, 1), bytes));
    auto reader = BundleReader::Open(prefix);
    ASSERT_OK(reader.status());
    int failed = 0;
    for (const std::string& name : (*reader)->TensorNames()) {
      const bool looked_up = (*reader)->Lookup(name).ok();
      failed += !looked_up;
      for (size_t chunk : {size_t{1}, size_t{5}, BundleReader::kVerifyChunkBytes}) {
        Status v = (*reader)->Verify(name, chunk);
        EXPECT_EQ(v.ok(), looked_up) << name << " byte " << flip << " chunk " << chunk << ": " << v;
        if (!v.ok()) {
          EXPECT_EQ(v.code(), absl::StatusCode::kDataLoss) << v;
          EXPECT_THAT(v.message(), ::testing::HasSubstr("'" + name + "'"));
        }
      }
    }
    EXPECT_EQ(failed, flip < data.size() ? 1 : 0) << "byte " << flip;
  }
}

TEST(TensorBundleTest, WritesTheSameBytesAsTensorFlow) {
  test::TempDir dir;
  std::string prefix = dir.path() + "/model.ckpt";
  auto writer = BundleWriter::Create(prefix);
  ASSERT_OK(writer.status());
  for (const auto& [name, tensor] : TfFixtureTensors()) ASSERT_OK((*writer)->Add(name, tensor));
  ASSERT_OK((*writer)->Finish());
  EXPECT_EQ(*ReadFileToString(BundleDataFilename(prefix, 0, 1)),
            *ReadFileToString(BundleDataFilename(TfFixturePrefix(), 0, 1)));
  EXPECT_EQ(*ReadFileToString(BundleIndexFilename(prefix)), *ReadFileToString(BundleIndexFilename(TfFixturePrefix())));
}

TEST(TensorBundleTest, RoundTripsEveryStorableDtype) {
  test::TempDir dir;
  std::string prefix = dir.path() + "/sub/dir/ckpt";  // the directory is created
  std::vector<std::pair<std::string, Tensor>> tensors = {
      {"f32", Make<float>({1.5f, -0.f, 3e38f}, {3})},
      {"f64", Make<double>({1e-300, -2}, {2, 1})},
      {"i8", Make<int8_t>({-128, 127}, {2})},
      {"i16", Make<int16_t>({-32768, 7}, {2})},
      {"i32", Make<int32_t>({-1}, {1, 1, 1})},
      {"i64", Tensor::Scalar<int64_t>(INT64_MIN)},
      {"u8", Make<uint8_t>({0, 255}, {2})},
      {"u16", Make<uint16_t>({65535}, {1})},
      {"u32", Make<uint32_t>({4000000000u}, {1})},
      {"u64", Make<uint64_t>({UINT64_MAX}, {1})},
      {"b", Make<bool>({false, true}, {2})},
      {"s", Strings({"", std::string(300, '\0'), "\xff"}, {3})},
      {"s_empty", Tensor(DT_STRING, TensorShape{0})},
      {"f_empty", Tensor(DT_FLOAT, TensorShape{2, 0})},
      {"layer/with/slashes", Tensor::Scalar<float>(4)},
  };
  {
    auto writer = BundleWriter::Create(prefix);
    ASSERT_OK(writer.status());
    for (const auto& [name, tensor] : tensors) ASSERT_OK((*writer)->Add(name, tensor));
    ASSERT_OK((*writer)->Finish());
  }
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  for (const auto& [name, tensor] : tensors) {
    EXPECT_TRUE((*reader)->Contains(name));
    auto got = (*reader)->Lookup(name);
    ASSERT_OK(got.status());
    ExpectSameTensor(*got, tensor, name);
  }
  std::vector<std::string> names = (*reader)->TensorNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.size(), tensors.size());
}

// The data file and entries of {"a": float [1, 2], "s": string ["ab", ""]} from the format's
// definition.
TEST(TensorBundleTest, WritesTheFormatsBytes) {
  test::TempDir dir;
  std::string prefix = dir.path() + "/p";
  auto writer = BundleWriter::Create(prefix);
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->Add("s", Strings({"ab", ""}, {2})));
  ASSERT_OK((*writer)->Add("a", Make<float>({1.f, 2.f}, {2})));
  ASSERT_OK((*writer)->Finish());

  auto le32 = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
    return s;
  };
  // Tensors are written in the order they are added.
  std::string floats = le32(0x3f800000u) + le32(0x40000000u);  // 1.0f, 2.0f
  // Lengths as varints (2, 0), the masked CRC of the lengths taken as uint32 LE, then the bytes.
  std::string lengths_crc_input = le32(2) + le32(0);
  std::string lengths_checksum = le32(crc32c::Mask(crc32c::Value(lengths_crc_input)));
  std::string strings = std::string("\x02\x00", 2) + lengths_checksum + "ab";
  EXPECT_EQ(*ReadFileToString(BundleDataFilename(prefix, 0, 1)), strings + floats);

  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  BundleEntryProto s = *(*reader)->Entry("s");
  EXPECT_EQ(s.dtype(), DT_STRING);
  EXPECT_EQ(s.offset(), 0);
  EXPECT_EQ(s.size(), 8);
  EXPECT_EQ(s.crc32c(), crc32c::Mask(crc32c::Value(lengths_crc_input + lengths_checksum + "ab")));
  BundleEntryProto a = *(*reader)->Entry("a");
  EXPECT_EQ(a.dtype(), DT_FLOAT);
  EXPECT_EQ(a.offset(), 8);
  EXPECT_EQ(a.size(), 8);
  EXPECT_EQ(a.crc32c(), crc32c::Mask(crc32c::Value(floats)));
  ASSERT_EQ(a.shape().dim_size(), 1);
  EXPECT_EQ(a.shape().dim(0).size(), 2);

  // The index: the header under "", then the entries in key order.
  auto table = Table::Open(BundleIndexFilename(prefix));
  ASSERT_OK(table.status());
  auto it = (*table)->NewIterator();
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
  EXPECT_THAT(keys, ElementsAre("", "a", "s"));
  it->SeekToFirst();
  BundleHeaderProto header;
  ASSERT_TRUE(header.ParseFromString(std::string(it->value())));
  EXPECT_EQ(header.num_shards(), 1);
  EXPECT_EQ(header.endianness(), BundleHeaderProto::LITTLE);
  EXPECT_EQ(header.version().producer(), 1);
}

TEST(TensorBundleTest, NothingAppearsBeforeFinishAndAnAbandonedWriterLeavesNothing) {
  test::TempDir dir;
  std::string prefix = dir.path() + "/m";
  {
    auto writer = BundleWriter::Create(prefix);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Add("x", Tensor::Scalar<float>(1)));
    EXPECT_FALSE(FileExists(BundleDataFilename(prefix, 0, 1)));
    EXPECT_FALSE(FileExists(BundleIndexFilename(prefix)));
  }
  EXPECT_TRUE(GetChildren(dir.path())->empty());
  auto writer = BundleWriter::Create(prefix);
  ASSERT_OK(writer.status());
  ASSERT_OK((*writer)->Add("x", Tensor::Scalar<float>(1)));
  ASSERT_OK((*writer)->Finish());
  EXPECT_THAT(*GetChildren(dir.path()), ElementsAre("m.data-00000-of-00001", "m.index"));
  EXPECT_EQ((*writer)->Add("y", Tensor::Scalar<float>(1)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Finish().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(TensorBundleTest, WriterErrorsNameTheTensor) {
  test::TempDir dir;
  auto writer = BundleWriter::Create(dir.path() + "/e");
  ASSERT_OK(writer.status());
  EXPECT_EQ((*writer)->Add("", Tensor::Scalar<float>(1)).code(), absl::StatusCode::kInvalidArgument);
  auto other = BundleWriter::Create(dir.path() + "/f");
  ASSERT_OK((*other)->Add("v", Tensor::Scalar<float>(1)));
  Status twice = (*other)->Add("v", Tensor::Scalar<float>(2));
  EXPECT_EQ(twice.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(twice), HasSubstr("'v'"));
  EXPECT_EQ((*other)->Finish().code(), absl::StatusCode::kInvalidArgument);  // errors stick
  auto third = BundleWriter::Create(dir.path() + "/g");
  Status resource = (*third)->Add("handle", Tensor(DT_RESOURCE, TensorShape{}));
  EXPECT_EQ(resource.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(resource), HasSubstr("'handle'"));
  EXPECT_EQ(BundleWriter::Create(dir.path() + "/").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TensorBundleTest, ReaderErrorsNameTheFileAndTheTensor) {
  test::TempDir dir;
  EXPECT_EQ(BundleReader::Open(dir.path() + "/none").status().code(), absl::StatusCode::kNotFound);
  std::string prefix = dir.path() + "/m";
  auto writer = BundleWriter::Create(prefix);
  ASSERT_OK((*writer)->Add("a", Make<float>({1, 2, 3, 4}, {4})));
  ASSERT_OK((*writer)->Add("b", Strings({"hello", "world"}, {2})));
  ASSERT_OK((*writer)->Finish());
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  auto missing = (*reader)->Lookup("c");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message(missing.status()), HasSubstr("'c'"));
  EXPECT_THAT(Message(missing.status()), HasSubstr(prefix));

  // Every flipped byte of the data file is caught by the tensor it belongs to; the other reads.
  const std::string data_path = BundleDataFilename(prefix, 0, 1);
  const std::string data = *ReadFileToString(data_path);
  ASSERT_EQ(data.size(), 16u + 2 + 4 + 10);
  for (size_t i = 0; i < data.size(); ++i) {
    std::string bad = data;
    bad[i] ^= 0x04;
    ASSERT_OK(WriteStringToFileAtomic(data_path, bad));
    auto fresh = BundleReader::Open(prefix);
    ASSERT_OK(fresh.status());
    auto a = (*fresh)->Lookup("a");
    auto b = (*fresh)->Lookup("b");
    const auto& broken = i < 16 ? a : b;
    const auto& intact = i < 16 ? b : a;
    EXPECT_EQ(broken.status().code(), absl::StatusCode::kDataLoss) << "byte " << i;
    EXPECT_THAT(Message(broken.status()), HasSubstr(data_path));
    EXPECT_THAT(Message(broken.status()), HasSubstr(i < 16 ? "'a'" : "'b'"));
    EXPECT_THAT(Message(broken.status()), ::testing::Not(HasSubstr("\n")));
    EXPECT_TRUE(intact.ok()) << "byte " << i << ": " << intact.status();
  }
  // A truncated data file.
  ASSERT_OK(WriteStringToFileAtomic(data_path, data.substr(0, 20)));
  auto truncated = BundleReader::Open(prefix);
  ASSERT_OK(truncated.status());
  auto b = (*truncated)->Lookup("b");
  EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(b.status()), HasSubstr("truncated"));
  EXPECT_THAT(Message(b.status()), HasSubstr("'b'"));
  // A missing data file is NotFound naming it.
  ASSERT_OK(DeleteFile(data_path));
  auto no_data = BundleReader::Open(prefix);
  ASSERT_OK(no_data.status());
  EXPECT_EQ((*no_data)->Lookup("a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Message((*no_data)->Lookup("a").status()), HasSubstr(data_path));

  // A corrupt index.
  const std::string index_path = BundleIndexFilename(prefix);
  std::string index = *ReadFileToString(index_path);
  index[3] ^= 1;
  ASSERT_OK(WriteStringToFileAtomic(index_path, index));
  auto bad_index = BundleReader::Open(prefix);
  EXPECT_EQ(bad_index.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(bad_index.status()), HasSubstr(index_path));
}

// Index entries that lie: sizes, shapes, shards and slices checked before any read.
TEST(TensorBundleTest, EntriesThatDoNotFitTheirDataAreDataLoss) {
  test::TempDir dir;
  std::string prefix = dir.path() + "/m";
  ASSERT_OK(WriteStringToFileAtomic(BundleDataFilename(prefix, 0, 1), std::string(16, '\0')));
  auto write_index = [&](const std::vector<std::pair<std::string, BundleEntryProto>>& entries) {
    auto file = AtomicFileWriter::Create(BundleIndexFilename(prefix));
    ASSERT_OK(file.status());
    TableBuilder builder(TableOptions{}, file->get());
    BundleHeaderProto header;
    header.set_num_shards(1);
    ASSERT_OK(builder.Add("", header.SerializeAsString()));
    for (const auto& [k, e] : entries) ASSERT_OK(builder.Add(k, e.SerializeAsString()));
    ASSERT_OK(builder.Finish());
    ASSERT_OK((*file)->Commit());
  };
  auto entry = [](DataType dt, std::vector<int64_t> dims, int64_t offset, int64_t size) {
    BundleEntryProto e;
    e.set_dtype(dt);
    for (int64_t d : dims) e.mutable_shape()->add_dim()->set_size(d);
    e.set_offset(offset);
    e.set_size(size);
    return e;
  };
  BundleEntryProto sliced = entry(DT_FLOAT, {4}, 0, 16);
  sliced.add_slices();
  BundleEntryProto shard = entry(DT_FLOAT, {4}, 0, 16);
  shard.set_shard_id(3);
  write_index({{"beyond", entry(DT_FLOAT, {4}, 8, 16)},
               {"huge_shape", entry(DT_FLOAT, {int64_t{1} << 40, 1 << 20}, 0, 16)},
               {"many_strings", entry(DT_STRING, {1 << 30}, 0, 16)},
               {"negative", entry(DT_FLOAT, {4}, -4, 16)},
               {"shard", shard},
               {"sliced", sliced},
               {"unknown_dim", entry(DT_FLOAT, {-1}, 0, 16)},
               {"variant", entry(DT_VARIANT, {1}, 0, 16)},
               {"wrong_size", entry(DT_FLOAT, {4}, 0, 12)}});
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  std::vector<std::pair<std::string, absl::StatusCode>> expected = {
      {"beyond", absl::StatusCode::kDataLoss},      {"huge_shape", absl::StatusCode::kDataLoss},
      {"many_strings", absl::StatusCode::kDataLoss}, {"negative", absl::StatusCode::kDataLoss},
      {"shard", absl::StatusCode::kDataLoss},        {"sliced", absl::StatusCode::kUnimplemented},
      {"unknown_dim", absl::StatusCode::kDataLoss},  {"variant", absl::StatusCode::kDataLoss},
      {"wrong_size", absl::StatusCode::kDataLoss}};
  for (const auto& [name, code] : expected) {
    auto got = (*reader)->Lookup(name);
    EXPECT_EQ(got.status().code(), code) << name << ": " << got.status();
    EXPECT_THAT(Message(got.status()), HasSubstr("'" + name + "'"));
  }
}

TEST(TensorBundleTest, LookupsFromSeveralThreads) {
  test::TempDir dir;
  std::string prefix = dir.path() + "/m";
  auto writer = BundleWriter::Create(prefix);
  for (int i = 0; i < 8; ++i) ASSERT_OK((*writer)->Add(absl::StrCat("t", i), Tensor::Scalar<int32_t>(i)));
  ASSERT_OK((*writer)->Finish());
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 8; ++i) {
        auto got = (*reader)->Lookup(absl::StrCat("t", i));
        if (!got.ok() || got->scalar<int32_t>() != i) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace sluice
