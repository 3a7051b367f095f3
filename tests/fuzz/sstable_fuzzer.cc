// libFuzzer target: LevelDB-format SSTables (checkpoint index files) from outside bytes: Table::Open
// over an in-memory file, a full scan, then Seek to every key the scan found and to a few others.
// Keys must come out strictly increasing and errors must be one line. Random bytes rarely carry
// a valid block CRC, so the input is also tried as the contents of a data block, and of an
// index block, inside an otherwise valid table whose CRCs are computed here: that reaches the
// block parser with every input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/coding.h"
#include "core/crc32c.h"
#include "core/table.h"

namespace {
void CheckOneLine(const sluice::Status& s) {
  if (s.message().find('\n') != std::string::npos) std::abort();
}

// Appends `contents` as a block with a valid trailer; returns its handle.
sluice::BlockHandle AppendBlock(std::string* file, const std::string& contents) {
  sluice::BlockHandle handle{file->size(), contents.size()};
  file->append(contents);
  char trailer[5] = {0};
  sluice::EncodeFixed32(trailer + 1, sluice::crc32c::Mask(sluice::crc32c::Extend(
                                         sluice::crc32c::Value(contents), trailer, 1)));
  file->append(trailer, 5);
  return handle;
}

// An index block of one entry, key `key`, value `handle`.
std::string OneEntryBlock(const std::string& key, const std::string& value) {
  std::string block;
  sluice::PutVarint32(&block, 0);
  sluice::PutVarint32(&block, static_cast<uint32_t>(key.size()));
  sluice::PutVarint32(&block, static_cast<uint32_t>(value.size()));
  block += key + value;
  sluice::PutFixed32(&block, 0);
  sluice::PutFixed32(&block, 1);
  return block;
}

std::string Table(const std::string& data_block, const std::string* index_block) {
  std::string file;
  sluice::BlockHandle data = AppendBlock(&file, data_block);
  std::string empty;
  sluice::PutFixed32(&empty, 0);
  sluice::PutFixed32(&empty, 1);
  sluice::BlockHandle meta = AppendBlock(&file, empty);
  std::string handle;
  data.EncodeTo(&handle);
  sluice::BlockHandle index = AppendBlock(&file, index_block != nullptr ? *index_block : OneEntryBlock("\xff\xff", handle));
  std::string footer;
  meta.EncodeTo(&footer);
  index.EncodeTo(&footer);
  footer.resize(40, '\0');
  sluice::PutFixed64(&footer, sluice::kTableMagicNumber);
  return file + footer;
}

void Exercise(const std::string& bytes) {
  auto table = sluice::Table::Open(std::make_unique<sluice::StringSource>(bytes, "fuzz.index"));
  if (!table.ok()) {
    CheckOneLine(table.status());
    return;
  }
  auto it = (*table)->NewIterator();
  std::vector<std::string> keys;
  for (it->SeekToFirst(); it->Valid() && keys.size() < 10000; it->Next()) {
    std::string key(it->key());
    if (!keys.empty() && key <= keys.back()) std::abort();
    keys.push_back(std::move(key));
    (void)it->value().size();
  }
  CheckOneLine(it->status());
  std::vector<std::string> targets(keys.begin(), keys.begin() + std::min<size_t>(keys.size(), 64));
  targets.insert(targets.end(), {"", "a", "\xff\xff", bytes.substr(0, 8)});
  for (const std::string& target : targets) {
    it->Seek(target);
    if (it->Valid() && it->key() < target) std::abort();
    CheckOneLine(it->status());
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  Exercise(bytes);
  Exercise(Table(bytes, nullptr));
  Exercise(Table(OneEntryBlock("a", "1"), &bytes));
  return 0;
}
