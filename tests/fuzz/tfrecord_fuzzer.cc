// libFuzzer target: TFRecord files from outside bytes (RecordReader over an in-memory file), read
// as uncompressed, ZLIB and GZIP data in turn, with a small buffer so that records straddle
// buffer refills. Each reading must end in OK records followed by OutOfRange or one error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/record_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  for (auto compression : {sluice::RecordCompression::kNone, sluice::RecordCompression::kZlib,
                           sluice::RecordCompression::kGzip}) {
    sluice::RecordReaderOptions options;
    options.compression = compression;
    options.buffer_bytes = 64;
    options.max_record_bytes = 1 << 20;
    sluice::RecordReader reader(std::make_unique<sluice::StringSource>(bytes, "fuzz.tfrecord"), options);
    std::string record;
    sluice::Status s;
    uint64_t total = 0;
    while ((s = reader.ReadRecord(&record)).ok()) {
      total += record.size() + sluice::kRecordHeaderBytes + sluice::kRecordFooterBytes;
      if (total != reader.offset()) std::abort();
    }
    if (s.message().find('\n') != std::string::npos) std::abort();  // errors are one line
    // The error sticks.
    if (!absl::IsOutOfRange(s) && reader.ReadRecord(&record) != s) std::abort();
  }
  return 0;
}
