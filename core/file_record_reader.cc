#include "core/file_record_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/input_stream.h"
#include "core/zlib_stream.h"

namespace sluice {
namespace {

size_t BufferBytes(const FileRecordOptions& options) { return options.buffer_bytes > 0 ? options.buffer_bytes : 256 << 10; }

// A file's bytes, decompressed when the options say so.
class FileStream {
 public:
  FileStream(std::unique_ptr<RandomAccessFile> file, const FileRecordOptions& options)
      : file_(std::move(file)), buffered_(file_.get(), BufferBytes(options)), input_(&buffered_) {
    if (options.compression != RecordCompression::kNone) {
      decompressed_ = std::make_unique<ZlibInputStream>(
          &buffered_, options.compression == RecordCompression::kGzip ? ZlibFormat::kGzip : ZlibFormat::kZlib);
      input_ = decompressed_.get();
    }
  }
  InputStream* input() { return input_; }
  const std::string& name() const { return file_->name(); }

 private:
  std::unique_ptr<RandomAccessFile> file_;
  BufferedInputStream buffered_;
  std::unique_ptr<ZlibInputStream> decompressed_;
  InputStream* input_;
};

class TFRecordFileReader final : public FileRecordReader {
 public:
  explicit TFRecordFileReader(std::unique_ptr<RecordReader> reader) : reader_(std::move(reader)) {}
  Status Next(std::string* record) override {
    SLUICE_RETURN_IF_ERROR(reader_->ReadRecord(record));
    ++records_read_;
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<RecordReader> reader_;
};

class TextLineFileReader final : public FileRecordReader {
 public:
  TextLineFileReader(std::unique_ptr<RandomAccessFile> file, const FileRecordOptions& options)
      : stream_(std::move(file), options), chunk_bytes_(BufferBytes(options)) {}

  Status Next(std::string* record) override {
    SLUICE_RETURN_IF_ERROR(failed_);
    record->clear();
    for (;;) {
      size_t newline = pending_.find('\n', std::max(pos_, scanned_));
      scanned_ = pending_.size();
      if (newline != std::string::npos) {
        size_t end = newline > pos_ && pending_[newline - 1] == '\r' ? newline - 1 : newline;
        record->assign(pending_, pos_, end - pos_);
        pos_ = newline + 1;
        scanned_ = pos_;
        ++records_read_;
        return absl::OkStatus();
      }
      if (eof_) {
        if (pos_ == pending_.size()) return errors::OutOfRange("end of '", stream_.name(), "'");
        size_t end = pending_.back() == '\r' ? pending_.size() - 1 : pending_.size();
        record->assign(pending_, pos_, end - pos_);
        pos_ = pending_.size();
        ++records_read_;
        return absl::OkStatus();
      }
      pending_.erase(0, pos_);
      scanned_ -= pos_;
      pos_ = 0;
      size_t before = pending_.size();
      Status s = stream_.input()->ReadNBytes(chunk_bytes_, &pending_);
      if (!s.ok()) {
        failed_ = s;
        return s;
      }
      if (pending_.size() - before < chunk_bytes_) eof_ = true;
    }
  }

 private:
  FileStream stream_;
  size_t chunk_bytes_;
  std::string pending_;  // bytes read, not yet returned: pending_[pos_, ...)
  size_t pos_ = 0;
  size_t scanned_ = 0;  // pending_[pos_, scanned_) holds no newline
  bool eof_ = false;
  Status failed_;
};

class FixedLengthFileReader final : public FileRecordReader {
 public:
  FixedLengthFileReader(std::unique_ptr<RandomAccessFile> file, int64_t header_bytes, int64_t record_bytes,
                        int64_t footer_bytes, const FileRecordOptions& options)
      : stream_(std::move(file), options),
        header_bytes_(header_bytes),
        record_bytes_(record_bytes),
        footer_bytes_(footer_bytes),
        compressed_(options.compression != RecordCompression::kNone) {}

  Status Next(std::string* record) override {
    SLUICE_RETURN_IF_ERROR(failed_);
    Status s = NextImpl(record);
    if (!s.ok() && !absl::IsOutOfRange(s)) failed_ = s;
    return s;
  }

 private:
  Status NextImpl(std::string* record) {
    InputStream* in = stream_.input();
    if (!started_) {
      started_ = true;
      std::string header;
      SLUICE_RETURN_IF_ERROR(in->ReadNBytes(header_bytes_, &header));
      if (static_cast<int64_t>(header.size()) < header_bytes_) {
        return errors::DataLoss("'", stream_.name(), "' ends at byte ", header.size(), Where(), " inside its ",
                                header_bytes_, "-byte header");
      }
    }
    // Keeps footer_bytes_ beyond the record read, so that the footer is never taken for one.
    uint64_t record_offset = in->Tell() - lookahead_.size();
    int64_t want = record_bytes_ + footer_bytes_ - static_cast<int64_t>(lookahead_.size());
    if (want > 0) SLUICE_RETURN_IF_ERROR(in->ReadNBytes(want, &lookahead_));
    int64_t have = static_cast<int64_t>(lookahead_.size());
    if (have < record_bytes_ + footer_bytes_) {
      if (have == footer_bytes_) return errors::OutOfRange("end of '", stream_.name(), "'");
      if (have < footer_bytes_) {
        return errors::DataLoss("'", stream_.name(), "' ends ", have, " bytes after its last record at offset ",
                                record_offset, Where(), ", fewer than its ", footer_bytes_, "-byte footer");
      }
      return errors::DataLoss("'", stream_.name(), "' ends inside a record: ", have - footer_bytes_,
                              " bytes at offset ", record_offset, Where(), " where a record has ", record_bytes_,
                              " (then a ", footer_bytes_, "-byte footer)");
    }
    record->assign(lookahead_, 0, record_bytes_);
    lookahead_.erase(0, record_bytes_);
    ++records_read_;
    return absl::OkStatus();
  }

  std::string Where() const { return compressed_ ? " of the decompressed stream" : ""; }

  FileStream stream_;
  int64_t header_bytes_, record_bytes_, footer_bytes_;
  bool compressed_;
  bool started_ = false;
  std::string lookahead_;
  Status failed_;
};

}  // namespace

Status FileRecordReader::SkipTo(int64_t n) {
  std::string record;
  while (records_read_ < n) SLUICE_RETURN_IF_ERROR(Next(&record));
  return absl::OkStatus();
}

StatusOr<std::unique_ptr<FileRecordReader>> OpenTFRecordFile(const std::string& path, FileRecordOptions options,
                                                             uint64_t start_offset) {
  RecordReaderOptions reader_options;
  reader_options.compression = options.compression;
  reader_options.buffer_bytes = BufferBytes(options);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, RecordReader::Open(path, reader_options));
  std::string record;
  while (reader->offset() < start_offset) {
    Status s = reader->ReadRecord(&record);
    if (absl::IsOutOfRange(s)) break;
    SLUICE_RETURN_IF_ERROR(s);
  }
  if (reader->offset() != start_offset) {
    return errors::InvalidArgument("no record of '", path, "' starts at byte offset ", start_offset);
  }
  return std::unique_ptr<FileRecordReader>(std::make_unique<TFRecordFileReader>(std::move(reader)));
}

std::unique_ptr<FileRecordReader> NewTextLineReader(std::unique_ptr<RandomAccessFile> file, FileRecordOptions options) {
  return std::make_unique<TextLineFileReader>(std::move(file), options);
}

StatusOr<std::unique_ptr<FileRecordReader>> NewFixedLengthRecordReader(std::unique_ptr<RandomAccessFile> file,
                                                                       int64_t header_bytes, int64_t record_bytes,
                                                                       int64_t footer_bytes, FileRecordOptions options) {
  if (record_bytes <= 0 || header_bytes < 0 || footer_bytes < 0) {
    return errors::InvalidArgument("fixed-length records of '", file->name(), "': record_bytes must be > 0 (got ",
                                   record_bytes, "), header_bytes and footer_bytes >= 0 (got ", header_bytes, ", ",
                                   footer_bytes, ")");
  }
  return std::unique_ptr<FileRecordReader>(
      std::make_unique<FixedLengthFileReader>(std::move(file), header_bytes, record_bytes, footer_bytes, options));
}

StatusOr<std::unique_ptr<FileRecordReader>> OpenTextLineFile(const std::string& path, FileRecordOptions options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  return NewTextLineReader(std::move(file), options);
}

StatusOr<std::unique_ptr<FileRecordReader>> OpenFixedLengthRecordFile(const std::string& path, int64_t header_bytes,
                                                                      int64_t record_bytes, int64_t footer_bytes,
                                                                      FileRecordOptions options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  return NewFixedLengthRecordReader(std::move(file), header_bytes, record_bytes, footer_bytes, options);
}

}  // namespace sluice
