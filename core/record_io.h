// TFRecord files: a sequence of records, each
//  uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data
// optionally inside one zlib or gzip stream (TensorFlow's compression_type "ZLIB" / "GZIP").
// Input pipelines and event files read and write them.
//
//   std::unique_ptr<RecordWriter> writer = RecordWriter::Create("/tmp/train.tfrecord").value();
//   SLUICE_CHECK_OK(writer->WriteRecord("one record"));
//   SLUICE_CHECK_OK(writer->Close());
//
//   std::unique_ptr<RecordReader> reader = RecordReader::Open("/tmp/train.tfrecord").value();
//   std::string record;
//   Status s;
//   while ((s = reader->ReadRecord(&record)).ok()) std::printf("%zu bytes\n", record.size());
//   if (!absl::IsOutOfRange(s)) SLUICE_CHECK_OK(s);  // OutOfRange: the clean end of the file
#ifndef SLUICE_CORE_RECORD_IO_H_
#define SLUICE_CORE_RECORD_IO_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/env.h"
#include "core/input_stream.h"
#include "core/status.h"

namespace sluice {

enum class RecordCompression { kNone, kZlib, kGzip };

// TensorFlow's compression_type strings: "" (or "NONE"), "ZLIB", "GZIP"; InvalidArgument otherwise.
StatusOr<RecordCompression> ParseRecordCompression(absl::string_view compression_type);

// The 12-byte header and 4-byte footer around a record's data.
inline constexpr size_t kRecordHeaderBytes = 12;
inline constexpr size_t kRecordFooterBytes = 4;

struct RecordWriterOptions {
  RecordCompression compression = RecordCompression::kNone;
  int zlib_level = -1;  // zlib's compression level; -1: its default
};

// Appends records to a file it owns. Not thread-safe.
class RecordWriter {
 public:
  // Writes to a new file at `path` (replacing one that exists), not atomically: readers may
  // see a partly written file (which is how event files and TFRecord outputs are used).
  static StatusOr<std::unique_ptr<RecordWriter>> Create(const std::string& path, RecordWriterOptions options = {});
  // Writes to `file` (an AtomicFileWriter makes the whole file appear at Close).
  static StatusOr<std::unique_ptr<RecordWriter>> Create(std::unique_ptr<WritableFile> file,
                                                        RecordWriterOptions options = {});
  // Closes the file if Close was not called, discarding any error.
  ~RecordWriter();

  // Appends one record. Errors name the file; after one, every call fails.
  Status WriteRecord(absl::string_view data);
  // Hands everything written to the operating system (a compressed stream is sync-flushed, so a
  // reader sees every whole record written so far).
  Status Flush();
  // Ends the compressed stream, if any, and closes the file.
  Status Close();

  const std::string& name() const { return file_->name(); }

 private:
  explicit RecordWriter(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}

  std::unique_ptr<WritableFile> file_;
  bool closed_ = false;
};

// The record header for data of `length` bytes, and the footer for `data`.
std::string EncodeRecordHeader(uint64_t length);
std::string EncodeRecordFooter(absl::string_view data);

struct RecordReaderOptions {
  RecordCompression compression = RecordCompression::kNone;
  size_t buffer_bytes = 256 << 10;  // read from the file this much at a time
  // Longer records are ResourceExhausted (-1: MaxTensorBytes()).
  int64_t max_record_bytes = -1;
  // Skip corrupt records instead of failing: a record whose data CRC does not match is skipped
  // whole; after a length whose CRC does not match, the reader looks byte by byte for the next
  // valid header; a truncated last record ends the file. Each skip is counted
  // (RecordReader::skipped_records) and reported to `on_skip` with the DataLoss status that
  // names the file and offset (nullptr: printed to stderr). Decompression errors and I/O errors
  // still fail.
  bool skip_corrupt = false;
  std::function<void(const Status&)> on_skip;
};

// Reads the records of a file front to back through a buffer (the file is never loaded whole).
// Not thread-safe.
class RecordReader {
 public:
  static StatusOr<std::unique_ptr<RecordReader>> Open(const std::string& path, RecordReaderOptions options = {});
  explicit RecordReader(std::unique_ptr<RandomAccessFile> file, RecordReaderOptions options = {});
  ~RecordReader();

  // Reads the next record into *record (replacing its contents). Returns OK with a record;
  // OutOfRange at the clean end of the file (the last record ended exactly where the file
  // does); DataLoss for a corrupt record (a CRC that does not match) or a truncated one (the
  // file ends inside it), naming the file and the record's byte offset (in the decompressed
  // stream, for a compressed file). After an error other than OutOfRange, every later call
  // returns the same error.
  Status ReadRecord(std::string* record);

  // The offset of the next record (in the decompressed stream, for a compressed file).
  uint64_t offset() const { return offset_; }
  const std::string& name() const { return file_->name(); }
  // With skip_corrupt: how many corrupt or truncated records were skipped so far.
  int64_t skipped_records() const { return skipped_records_; }

 private:
  enum class Corruption { kNone, kHeader, kData, kTruncated };

  Status ReadRecordImpl(std::string* record);
  // Reads the data and footer of the record whose header is header_.
  Status ReadBody(std::string* record);
  // After a header whose CRC does not match (header_ at offset_): reads on a byte at a time
  // until header_ is a valid header (OK, offset_ at it) or the stream ends (OutOfRange).
  Status Resync();
  Status Corrupt(Corruption kind, absl::string_view what);

  std::unique_ptr<RandomAccessFile> file_;
  RecordReaderOptions options_;
  BufferedInputStream buffered_;
  std::unique_ptr<InputStream> decompressed_;  // null for an uncompressed file
  InputStream* input_;
  uint64_t offset_ = 0;
  Status failed_;
  std::string header_;
  Corruption corruption_ = Corruption::kNone;
  uint64_t corrupt_record_bytes_ = 0;  // the size of a record skipped for its data CRC
  int64_t skipped_records_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_CORE_RECORD_IO_H_
