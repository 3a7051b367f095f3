// libFuzzer target: the file readers of the file datasets and the dataset cache file, from
// outside bytes: lines (TextLineDataset) and fixed-length records (FixedLengthRecordDataset) of
// plain, ZLIB and GZIP data, then the bytes as a CacheDataset file. Each reading must end in
// records followed by OutOfRange (or the cache's end) or one error that sticks; whole records
// only.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/dataset_cache_file.h"
#include "core/file_record_reader.h"

namespace {

void Drain(sluice::FileRecordReader* reader, int64_t record_bytes) {
  std::string record;
  sluice::Status s;
  int64_t count = 0;
  while ((s = reader->Next(&record)).ok()) {
    if (record_bytes > 0 && static_cast<int64_t>(record.size()) != record_bytes) std::abort();
    if (record_bytes == 0 && record.find('\n') != std::string::npos) std::abort();
    if (++count != reader->records_read()) std::abort();
  }
  if (s.message().find('\n') != std::string::npos) std::abort();
  if (reader->Next(&record) != s) std::abort();  // the end or the error sticks
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // The first byte picks the fixed-length geometry.
  const int64_t header = size > 0 ? data[0] % 4 : 0;
  const int64_t record = size > 0 ? 1 + (data[0] >> 2) % 8 : 1;
  const int64_t footer = size > 0 ? (data[0] >> 5) % 3 : 0;
  for (auto compression : {sluice::RecordCompression::kNone, sluice::RecordCompression::kZlib,
                           sluice::RecordCompression::kGzip}) {
    sluice::FileRecordOptions options;
    options.compression = compression;
    options.buffer_bytes = 7;
    auto lines = sluice::NewTextLineReader(std::make_unique<sluice::StringSource>(bytes, "fuzz.txt"), options);
    Drain(lines.get(), 0);
    auto fixed = sluice::NewFixedLengthRecordReader(std::make_unique<sluice::StringSource>(bytes, "fuzz.bin"), header,
                                                    record, footer, options);
    if (!fixed.ok()) std::abort();
    Drain(fixed->get(), record);
  }

  auto cache = sluice::CacheFileReader::Open(std::make_unique<sluice::StringSource>(bytes, "fuzz.cache"));
  if (cache.ok()) {
    std::vector<sluice::Tensor> element;
    bool end = false;
    sluice::Status s;
    while ((s = (*cache)->Next(&element, &end)).ok() && !end) {
      if (static_cast<int>(element.size()) != (*cache)->num_components()) std::abort();
    }
    if (s.message().find('\n') != std::string::npos) std::abort();
  }
  return 0;
}
