// libFuzzer target: LevelDB-format SSTables (checkpoint index files) from outside bytes: Table::Open
// over an in-memory file, a full scan, then Seek to every key the scan found and to a few others.
// Keys must come out strictly increasing and errors must be one line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/table.h"

namespace {
void CheckOneLine(const sluice::Status& s) {
  if (s.message().find('\n') != std::string::npos) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto table = sluice::Table::Open(std::make_unique<sluice::StringSource>(bytes, "fuzz.index"));
  if (!table.ok()) {
    CheckOneLine(table.status());
    return 0;
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
  return 0;
}
