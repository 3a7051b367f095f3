#include "core/table.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/crc32c.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Message(const Status& s) { return std::string(s.message()); }

std::string Build(const std::vector<std::pair<std::string, std::string>>& entries, TableOptions options = {}) {
  StringSink sink("t");
  TableBuilder builder(options, &sink);
  for (const auto& [k, v] : entries) EXPECT_TRUE(builder.Add(k, v).ok()) << k;
  EXPECT_TRUE(builder.Finish().ok());
  EXPECT_EQ(builder.FileSize(), sink.data().size());
  EXPECT_EQ(builder.NumEntries(), entries.size());
  return sink.data();
}

struct Scan {
  std::vector<std::pair<std::string, std::string>> entries;
  Status status;
};

// Opens `bytes` as a table and reads every entry; status: the first error (Open's or the scan's).
Scan ScanAll(const std::string& bytes, const std::string& name = "t.index") {
  Scan scan;
  auto table = Table::Open(std::make_unique<StringSource>(bytes, name));
  if (!table.ok()) {
    scan.status = table.status();
    return scan;
  }
  auto it = (*table)->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) scan.entries.emplace_back(it->key(), it->value());
  scan.status = it->status();
  return scan;
}

std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

std::string Trailer(const std::string& contents) {
  uint32_t crc = crc32c::Value(contents + std::string(1, '\0'));
  return std::string(1, '\0') + Le32(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

// The table {"" -> "h", "a" -> "1"} written out from the format's definition.
TEST(TableTest, WritesTheExactBytesOfTheFormat) {
  // Data block: entries (shared, unshared, value length, key suffix, value), then the restart
  // array [0] and its count 1.
  std::string data_block = std::string("\x00\x00\x01", 3) + "h" + std::string("\x00\x01\x01", 3) + "a1" + Le32(0) + Le32(1);
  ASSERT_EQ(data_block.size(), 17u);
  // Empty metaindex block: no entries, restart array [0], count 1.
  std::string metaindex = Le32(0) + Le32(1);
  // Index block: the key after the last key "a" ("b", its short successor) -> handle (0, 17).
  std::string index_block = std::string("\x00\x01\x02", 3) + "b" + std::string("\x00\x11", 2) + Le32(0) + Le32(1);
  const size_t meta_offset = 17 + 5, index_offset = meta_offset + 8 + 5;
  std::string footer = std::string(1, static_cast<char>(meta_offset)) + "\x08" +
                       std::string(1, static_cast<char>(index_offset)) + "\x0e";
  footer.resize(40, '\0');
  footer += std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8);  // 0xdb4775248b80fb57, low word first
  std::string expected = data_block + Trailer(data_block) + metaindex + Trailer(metaindex) + index_block +
                         Trailer(index_block) + footer;
  // CRCs computed outside sluice (bitwise CRC-32C), masked.
  EXPECT_EQ(Trailer(data_block), std::string("\x00\x48\xbe\x19\x79", 5));
  EXPECT_EQ(Trailer(metaindex), std::string("\x00\xc0\xf2\xa1\xb0", 5));
  EXPECT_EQ(Trailer(index_block), std::string("\x00\x68\x43\x89\x39", 5));
  ASSERT_EQ(expected.size(), 102u);

  EXPECT_EQ(Build({{"", "h"}, {"a", "1"}}), expected);
  Scan scan = ScanAll(expected);
  ASSERT_OK(scan.status);
  EXPECT_THAT(scan.entries, ::testing::ElementsAre(std::make_pair(std::string(), std::string("h")),
                                                   std::make_pair(std::string("a"), std::string("1"))));
}

TEST(TableTest, PrefixCompressionAndRestartPoints) {
  // 20 keys in one block: full keys at entries 0 and 16, the rest share their prefix.
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 20; ++i) entries.emplace_back(absl::StrCat("key", 10 + i), "v");
  std::string bytes = Build(entries);
  // The first two entries: "key10" whole, then "key11" as 4 shared bytes + "1".
  EXPECT_EQ(bytes.substr(0, 14), std::string("\x00\x05\x01key10v\x04\x01\x01" "1v", 14));
  // Entry 16 ("key26") is a restart point, written whole; entry 17 shares again.
  EXPECT_THAT(bytes, HasSubstr(std::string("\x00\x05\x01key26v\x04\x01\x01" "7v", 14)));
  // The restart array: offsets 0 and 16 entries later, then the count 2.
  size_t restarts = bytes.find(std::string("\x00\x05\x01key26v", 9));
  EXPECT_THAT(bytes, HasSubstr(Le32(0) + Le32(static_cast<uint32_t>(restarts)) + Le32(2)));
  Scan scan = ScanAll(bytes);
  ASSERT_OK(scan.status);
  EXPECT_EQ(scan.entries, entries);
}

TEST(TableTest, KeysMustBeStrictlyIncreasing) {
  StringSink sink("order.index");
  TableBuilder builder(TableOptions{}, &sink);
  ASSERT_OK(builder.Add("b", "1"));
  Status s = builder.Add("a", "2");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(s), HasSubstr("'a'"));
  EXPECT_THAT(Message(s), HasSubstr("'b'"));
  EXPECT_THAT(Message(s), HasSubstr("order.index"));
  EXPECT_EQ(builder.Add("b", "2").code(), absl::StatusCode::kInvalidArgument);  // equal is not increasing
  ASSERT_OK(builder.Add("c", "3"));
}

TEST(TableTest, ManyBlocksIterateInOrderAndSeek) {
  std::mt19937 rng(1);
  std::map<std::string, std::string> model;
  while (model.size() < 3000) {
    std::string key(1 + rng() % 12, '\0');
    for (char& c : key) c = static_cast<char>("abcxyz\x00\xff"[rng() % 8]);
    model[key] = std::string(rng() % 40, static_cast<char>('0' + rng() % 10));
  }
  std::vector<std::pair<std::string, std::string>> entries(model.begin(), model.end());
  for (size_t block_size : {size_t{1}, size_t{256}, size_t{4096}, size_t{262144}}) {
    TableOptions options;
    options.block_size = block_size;
    std::string bytes = Build(entries, options);
    Scan scan = ScanAll(bytes);
    ASSERT_OK(scan.status);
    ASSERT_EQ(scan.entries, entries) << block_size;
    auto table = Table::Open(std::make_unique<StringSource>(bytes, "t"));
    ASSERT_OK(table.status());
    auto it = (*table)->NewIterator();
    for (int i = 0; i < 500; ++i) {
      std::string target(rng() % 13, '\0');
      for (char& c : target) c = static_cast<char>("abcxyz\x00\xff"[rng() % 8]);
      it->Seek(target);
      auto expected = model.lower_bound(target);
      if (expected == model.end()) {
        EXPECT_FALSE(it->Valid());
        ASSERT_OK(it->status());
        continue;
      }
      ASSERT_TRUE(it->Valid()) << it->status();
      EXPECT_EQ(it->key(), expected->first);
      EXPECT_EQ(it->value(), expected->second);
      it->Next();
      ++expected;
      EXPECT_EQ(it->Valid(), expected != model.end());
      if (it->Valid()) {
        EXPECT_EQ(it->key(), expected->first);
      }
    }
    for (const auto& [k, v] : entries) {  // every key finds itself
      it->Seek(k);
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key(), k);
    }
  }
}

TEST(TableTest, EmptyTable) {
  std::string bytes = Build({});
  Scan scan = ScanAll(bytes);
  ASSERT_OK(scan.status);
  EXPECT_TRUE(scan.entries.empty());
  auto table = Table::Open(std::make_unique<StringSource>(bytes, "t"));
  auto it = (*table)->NewIterator();
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  ASSERT_OK(it->status());
}

TEST(TableTest, RoundTripsThroughAFile) {
  test::TempDir dir;
  std::string path = dir.path() + "/x.index";
  {
    auto file = AtomicFileWriter::Create(path);
    ASSERT_OK(file.status());
    TableBuilder builder(TableOptions{}, file->get());
    ASSERT_OK(builder.Add("", "header"));
    ASSERT_OK(builder.Add("w", std::string(300000, 'w')));  // a block larger than block_size
    ASSERT_OK(builder.Add("x", "1"));
    ASSERT_OK(builder.Finish());
    ASSERT_OK((*file)->Commit());
  }
  auto table = Table::Open(path);
  ASSERT_OK(table.status());
  EXPECT_EQ((*table)->name(), path);
  auto it = (*table)->NewIterator();
  it->Seek("w");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value().size(), 300000u);
  it->Next();
  EXPECT_EQ(it->key(), "x");
}

TEST(TableTest, EveryTruncationIsAOneLineErrorNamingTheFile) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 40; ++i) entries.emplace_back(absl::StrCat("tensor/", 10 + i), std::string(i, 'v'));
  TableOptions options;
  options.block_size = 200;
  std::string bytes = Build(entries, options);
  for (size_t n = 0; n < bytes.size(); ++n) {
    Scan scan = ScanAll(bytes.substr(0, n), "cut.index");
    ASSERT_FALSE(scan.status.ok()) << n;
    EXPECT_EQ(scan.status.code(), absl::StatusCode::kDataLoss) << n << ": " << scan.status;
    EXPECT_THAT(Message(scan.status), HasSubstr("'cut.index'"));
    EXPECT_THAT(Message(scan.status), HasSubstr(n < 48 ? "fewer than the 48-byte footer" : "offset"));
    EXPECT_THAT(Message(scan.status), Not(HasSubstr("\n")));
  }
}

TEST(TableTest, EveryFlippedByteIsDetectedOrHarmless) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 40; ++i) entries.emplace_back(absl::StrCat("tensor/", 10 + i), std::string(i, 'v'));
  TableOptions options;
  options.block_size = 200;
  std::string bytes = Build(entries, options);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit : {0, 7}) {
      std::string bad = bytes;
      bad[i] ^= static_cast<char>(1 << bit);
      Scan scan = ScanAll(bad, "flip.index");
      if (scan.status.ok()) {
        // Only the footer's zero padding and the unused varint bits of its handles are unchecked;
        // whatever is read must still be the original data.
        EXPECT_GE(i, bytes.size() - 48) << "byte " << i;
        EXPECT_EQ(scan.entries, entries) << "byte " << i;
        continue;
      }
      EXPECT_THAT(Message(scan.status), HasSubstr("'flip.index'")) << i;
      EXPECT_THAT(Message(scan.status), HasSubstr("offset")) << i;
    }
  }
}

// A block with a valid CRC whose contents are wrong must fail by bounds checks, not crash.
TEST(TableTest, BlocksWithValidCrcsButBadContentsAreDataLoss) {
  auto table_with_data_block = [](const std::string& block, char type = 0) {
    std::string trailer(1, type);
    uint32_t crc = crc32c::Value(block + trailer);
    trailer += Le32(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    std::string meta = Le32(0) + Le32(1);
    std::string out = block + trailer + meta + Trailer(meta);
    std::string handle;
    BlockHandle{0, block.size()}.EncodeTo(&handle);
    std::string index = std::string("\x00\x01", 2) + std::string(1, static_cast<char>(handle.size())) + "z" + handle +
                        Le32(0) + Le32(1);
    size_t index_offset = out.size();
    out += index + Trailer(index);
    std::string footer;
    BlockHandle{block.size() + 5, meta.size()}.EncodeTo(&footer);
    BlockHandle{index_offset, index.size()}.EncodeTo(&footer);
    footer.resize(40, '\0');
    footer += std::string("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8);
    return out + footer;
  };
  // Sanity: a good block reads.
  std::string good = std::string("\x00\x01\x01", 3) + "a1" + Le32(0) + Le32(1);
  Scan ok = ScanAll(table_with_data_block(good));
  ASSERT_OK(ok.status);
  ASSERT_EQ(ok.entries.size(), 1u);
  struct Case {
    std::string block;
    std::string says;
  };
  std::vector<Case> cases = {
      {"", "too few for its restart count"},
      {Le32(1000), "restart points"},
      {std::string("\x00\x01\x01", 3) + "a1" + Le32(7) + Le32(1), "restart point 0"},
      {std::string("\x00\x05\x01", 3) + "a1" + Le32(0) + Le32(1), "run past"},
      {std::string("\x00\x01\xff\xff\xff\xff\x0f", 7) + "a1" + Le32(0) + Le32(1), "run past"},
      {std::string("\x03\x01\x01", 3) + "a1" + Le32(0) + Le32(1), "shares 3 bytes"},
      {std::string("\x00\x01\x01", 3) + "b1" + std::string("\x00\x01\x01", 3) + "a1" + Le32(0) + Le32(1),
       "does not sort after"},
      {std::string("\x80\x80\x80\x80\x80\x80", 6) + Le32(0) + Le32(1), "not valid varints"},
      {Le32(5) + Le32(0), "no restart point"},
  };
  for (const auto& c : cases) {
    Scan scan = ScanAll(table_with_data_block(c.block), "bad.index");
    EXPECT_EQ(scan.status.code(), absl::StatusCode::kDataLoss) << c.says << ": " << scan.status;
    EXPECT_THAT(Message(scan.status), HasSubstr(c.says));
    EXPECT_THAT(Message(scan.status), HasSubstr("data block at file offset 0"));
  }
  Scan snappy = ScanAll(table_with_data_block(good, 1), "s.index");
  EXPECT_EQ(snappy.status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(Message(snappy.status), HasSubstr("data block at offset 0 is Snappy-compressed"));
  Scan unknown = ScanAll(table_with_data_block(good, 9), "u.index");
  EXPECT_EQ(unknown.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(unknown.status), HasSubstr("unknown compression type 9"));
}

TEST(TableTest, NotATable) {
  Scan small = ScanAll("short", "s");
  EXPECT_EQ(small.status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(Message(small.status), HasSubstr("not an SSTable"));
  Scan zeros = ScanAll(std::string(100, '\0'), "z");
  EXPECT_THAT(Message(zeros.status), HasSubstr("magic number"));
  EXPECT_THAT(Message(zeros.status), HasSubstr("offset 52"));
  EXPECT_EQ(Table::Open("/nonexistent/file.index").status().code(), absl::StatusCode::kNotFound);
}

// The index of a checkpoint TensorFlow wrote (tests/data/tf/make_fixtures.py): the header under
// "" and one entry per tensor, in order.
TEST(TableTest, ReadsTheIndexOfABundleTensorFlowWrote) {
  auto table = Table::Open(std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/bundle/model.ckpt.index");
  ASSERT_OK(table.status());
  auto it = (*table)->NewIterator();
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
  ASSERT_OK(it->status());
  EXPECT_THAT(keys, ::testing::ElementsAre("", "counts", "dense/bias", "dense/kernel", "empty", "global_step", "mask",
                                           "small", "vocab"));
  it->Seek("dense/c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "dense/kernel");
}

TEST(TableTest, Separators) {
  EXPECT_EQ(ShortestSeparator("abcd", "abzz"), "abd");
  EXPECT_EQ(ShortestSeparator("abc", "abd"), "abc");      // no room between c and d
  EXPECT_EQ(ShortestSeparator("ab", "abc"), "ab");        // a prefix
  EXPECT_EQ(ShortestSeparator("a\xff", "b"), "a\xff");
  EXPECT_EQ(ShortSuccessor("abc"), "b");
  EXPECT_EQ(ShortSuccessor("\xff\xff" "a"), "\xff\xff" "b");
  EXPECT_EQ(ShortSuccessor("\xff"), "\xff");
  EXPECT_EQ(ShortSuccessor(""), "");
}

}  // namespace
}  // namespace sluice
