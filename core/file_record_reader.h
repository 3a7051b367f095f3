// The records of one input file, read front to back, as the file datasets see them: TFRecord
// records (TFRecordDataset), lines (TextLineDataset) and fixed-length records
// (FixedLengthRecordDataset), each file optionally one ZLIB or GZIP stream.
//
//   std::unique_ptr<FileRecordReader> r = OpenTextLineFile("/tmp/a.txt", {}).value();
//   std::string line;
//   Status s;
//   while ((s = r->Next(&line)).ok()) std::printf("%s\n", line.c_str());
//   if (!absl::IsOutOfRange(s)) SLUICE_CHECK_OK(s);
#ifndef SLUICE_CORE_FILE_RECORD_READER_H_
#define SLUICE_CORE_FILE_RECORD_READER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "core/record_io.h"
#include "core/status.h"

namespace sluice {

struct FileRecordOptions {
  RecordCompression compression = RecordCompression::kNone;
  size_t buffer_bytes = 256 << 10;  // read from the file this much at a time (0: the default)
};

// Not thread-safe.
class FileRecordReader {
 public:
  virtual ~FileRecordReader() = default;
  // Reads the next record into *record (replacing its contents): OK with one, OutOfRange at the
  // clean end of the file, another error (naming the file and the offset) for a corrupt or
  // truncated file; after an error every later call fails the same way.
  virtual Status Next(std::string* record) = 0;
  // How many records Next has returned.
  int64_t records_read() const { return records_read_; }
  // Reads and drops records until `n` have been returned in all (how a restored iterator gets
  // back to its position); OutOfRange when the file has fewer.
  Status SkipTo(int64_t n);

 protected:
  int64_t records_read_ = 0;
};

// TFRecord records, CRCs verified (core/record_io.h), from the record at byte `start_offset` (of
// the decompressed stream) on; InvalidArgument when no record starts there.
StatusOr<std::unique_ptr<FileRecordReader>> OpenTFRecordFile(const std::string& path, FileRecordOptions options,
                                                             uint64_t start_offset = 0);
// Lines without their "\n" (or "\r\n"); a last line without a newline is a line, an empty file
// has none.
StatusOr<std::unique_ptr<FileRecordReader>> OpenTextLineFile(const std::string& path, FileRecordOptions options);
// `header_bytes` skipped, then records of `record_bytes` (> 0) up to `footer_bytes` before the
// end; bytes left over that do not make a whole record are DataLoss naming the file.
StatusOr<std::unique_ptr<FileRecordReader>> OpenFixedLengthRecordFile(const std::string& path, int64_t header_bytes,
                                                                      int64_t record_bytes, int64_t footer_bytes,
                                                                      FileRecordOptions options);
// The same two over a file already open (an in-memory one, for tests and fuzzing).
std::unique_ptr<FileRecordReader> NewTextLineReader(std::unique_ptr<RandomAccessFile> file, FileRecordOptions options);
StatusOr<std::unique_ptr<FileRecordReader>> NewFixedLengthRecordReader(std::unique_ptr<RandomAccessFile> file,
                                                                       int64_t header_bytes, int64_t record_bytes,
                                                                       int64_t footer_bytes, FileRecordOptions options);

}  // namespace sluice

#endif  // SLUICE_CORE_FILE_RECORD_READER_H_
