// libFuzzer target: TFRecord files from outside bytes (RecordReader over an in-memory file), read
// as uncompressed, ZLIB and GZIP data in turn, with a small buffer so that records straddle
// buffer refills. Each reading must end in OK records followed by OutOfRange or one error; then
// again with skip_corrupt, whose every skip is reported.
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

    // Skipping corrupt records: reports are DataLoss, and a record the reader returns ends at
    // its offset().
    options.skip_corrupt = true;
    int64_t reports = 0;
    options.on_skip = [&reports](const sluice::Status& skipped) {
      if (!absl::IsDataLoss(skipped) || skipped.message().find('\n') != std::string::npos) std::abort();
      ++reports;
    };
    sluice::RecordReader skipping(std::make_unique<sluice::StringSource>(bytes, "fuzz.tfrecord"), options);
    while ((s = skipping.ReadRecord(&record)).ok()) {
      if (skipping.offset() < record.size() + sluice::kRecordHeaderBytes + sluice::kRecordFooterBytes) std::abort();
    }
    if (reports != skipping.skipped_records()) std::abort();
  }
  return 0;
}
