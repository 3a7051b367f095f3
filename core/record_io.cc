#include "core/record_io.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"

#include "core/coding.h"
#include "core/crc32c.h"
#include "core/tensor.h"
#include "core/zlib_stream.h"

namespace sluice {

namespace {
const char* CompressionName(RecordCompression c) {
  return c == RecordCompression::kZlib ? "ZLIB" : c == RecordCompression::kGzip ? "GZIP" : "";
}
// Data is read in pieces of at most this size, so that a corrupt length does not allocate
// more than the file holds.
constexpr size_t kDataChunkBytes = 16 << 20;
}  // namespace

StatusOr<RecordCompression> ParseRecordCompression(absl::string_view compression_type) {
  if (compression_type.empty() || compression_type == "NONE") return RecordCompression::kNone;
  if (compression_type == "ZLIB") return RecordCompression::kZlib;
  if (compression_type == "GZIP") return RecordCompression::kGzip;
  return errors::InvalidArgument("unknown TFRecord compression type '", errors::Echo(compression_type),
                                 "' (use \"\", \"ZLIB\" or \"GZIP\")");
}

std::string EncodeRecordHeader(uint64_t length) {
  std::string header;
  PutFixed64(&header, length);
  PutFixed32(&header, crc32c::Mask(crc32c::Value(header.data(), 8)));
  return header;
}

std::string EncodeRecordFooter(absl::string_view data) {
  std::string footer;
  PutFixed32(&footer, crc32c::Mask(crc32c::Value(data)));
  return footer;
}

StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::Create(const std::string& path, RecordWriterOptions options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, NewWritableFile(path));
  return Create(std::move(file), options);
}

StatusOr<std::unique_ptr<RecordWriter>> RecordWriter::Create(std::unique_ptr<WritableFile> file,
                                                             RecordWriterOptions options) {
  if (options.compression != RecordCompression::kNone) {
    ZlibFormat format = options.compression == RecordCompression::kGzip ? ZlibFormat::kGzip : ZlibFormat::kZlib;
    SLUICE_ASSIGN_OR_RETURN(file, ZlibWritableFile::Create(std::move(file), format, options.zlib_level));
  }
  return std::unique_ptr<RecordWriter>(new RecordWriter(std::move(file)));
}

RecordWriter::~RecordWriter() {
  if (!closed_) (void)file_->Close();
}

Status RecordWriter::WriteRecord(absl::string_view data) {
  if (closed_) return errors::FailedPrecondition("cannot write a record to '", name(), "': the writer is closed");
  SLUICE_RETURN_IF_ERROR(file_->Append(EncodeRecordHeader(data.size())));
  SLUICE_RETURN_IF_ERROR(file_->Append(data));
  return file_->Append(EncodeRecordFooter(data));
}

Status RecordWriter::Flush() {
  if (closed_) return errors::FailedPrecondition("cannot flush '", name(), "': the writer is closed");
  return file_->Flush();
}

Status RecordWriter::Close() {
  if (closed_) return errors::FailedPrecondition("cannot close '", name(), "': the writer is already closed");
  closed_ = true;
  return file_->Close();
}

StatusOr<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path, RecordReaderOptions options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  return std::make_unique<RecordReader>(std::move(file), options);
}

RecordReader::RecordReader(std::unique_ptr<RandomAccessFile> file, RecordReaderOptions options)
    : file_(std::move(file)), options_(options), buffered_(file_.get(), options.buffer_bytes) {
  input_ = &buffered_;
  if (options_.compression != RecordCompression::kNone) {
    decompressed_ = std::make_unique<ZlibInputStream>(
        &buffered_, options_.compression == RecordCompression::kGzip ? ZlibFormat::kGzip : ZlibFormat::kZlib);
    input_ = decompressed_.get();
  }
}

RecordReader::~RecordReader() = default;

Status RecordReader::Corrupt(Corruption kind, absl::string_view what) {
  corruption_ = kind;
  std::string where = options_.compression == RecordCompression::kNone
                          ? absl::StrCat("offset ", offset_)
                          : absl::StrCat("offset ", offset_, " of the decompressed ",
                                         CompressionName(options_.compression), " stream");
  return errors::DataLoss("'", name(), "': ", what, " (the record at ", where, ")");
}

Status RecordReader::ReadRecord(std::string* record) {
  SLUICE_RETURN_IF_ERROR(failed_);
  bool resynced = false;
  for (;;) {
    record->clear();
    corruption_ = Corruption::kNone;
    Status s = resynced ? ReadBody(record) : ReadRecordImpl(record);
    resynced = false;
    if (s.ok() || absl::IsOutOfRange(s)) return s;
    if (!options_.skip_corrupt || corruption_ == Corruption::kNone) {
      failed_ = s;
      record->clear();
      return s;
    }
    ++skipped_records_;
    if (options_.on_skip) {
      options_.on_skip(s);
    } else {
      std::fprintf(stderr, "sluice: skipping a corrupt record: %s\n", std::string(s.message()).c_str());
    }
    if (corruption_ == Corruption::kData) {
      offset_ += corrupt_record_bytes_;
    } else if (corruption_ == Corruption::kHeader) {
      Status r = Resync();
      if (absl::IsOutOfRange(r)) return r;
      if (!r.ok()) {
        failed_ = r;
        return r;
      }
      resynced = true;
    }
    // kTruncated: the next read finds the end of the stream.
  }
}

Status RecordReader::Resync() {
  for (;;) {
    header_.erase(0, 1);
    ++offset_;
    SLUICE_RETURN_IF_ERROR(input_->ReadNBytes(1, &header_));
    if (header_.size() < kRecordHeaderBytes) {
      offset_ += header_.size();
      return errors::OutOfRange("'", name(), "': end of file after ", offset_, " bytes");
    }
    // A valid header whose length is over the limit is taken for noise, not for a record.
    const int64_t max_bytes = options_.max_record_bytes < 0 ? MaxTensorBytes() : options_.max_record_bytes;
    if (crc32c::Unmask(DecodeFixed32(header_.data() + 8)) == crc32c::Value(header_.data(), 8) &&
        DecodeFixed64(header_.data()) <= static_cast<uint64_t>(max_bytes)) {
      return absl::OkStatus();
    }
  }
}

Status RecordReader::ReadRecordImpl(std::string* record) {
  header_.clear();
  SLUICE_RETURN_IF_ERROR(input_->ReadNBytes(kRecordHeaderBytes, &header_));
  if (header_.empty()) return errors::OutOfRange("'", name(), "': end of file after ", offset_, " bytes");
  if (header_.size() < kRecordHeaderBytes) {
    return Corrupt(Corruption::kTruncated, absl::StrCat("truncated record: the file ends ", header_.size(),
                                                        " bytes into its ", kRecordHeaderBytes, "-byte header"));
  }
  return ReadBody(record);
}

Status RecordReader::ReadBody(std::string* record) {
  uint64_t length = DecodeFixed64(header_.data());
  uint32_t stored = crc32c::Unmask(DecodeFixed32(header_.data() + 8));
  uint32_t computed = crc32c::Value(header_.data(), 8);
  if (stored != computed) {
    return Corrupt(Corruption::kHeader, absl::StrFormat("corrupt record: the CRC of its length does not match "
                                                        "(stored 0x%08x, computed 0x%08x)", stored, computed));
  }
  int64_t max_bytes = options_.max_record_bytes < 0 ? MaxTensorBytes() : options_.max_record_bytes;
  if (length > static_cast<uint64_t>(max_bytes)) {
    return errors::ResourceExhausted("'", name(), "': the record at offset ", offset_, " has ", length,
                                     " bytes, more than the limit of ", max_bytes);
  }
  uint64_t remaining = length;
  while (remaining > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, kDataChunkBytes));
    size_t before = record->size();
    SLUICE_RETURN_IF_ERROR(input_->ReadNBytes(want, record));
    remaining -= record->size() - before;
    if (record->size() - before < want) {
      return Corrupt(Corruption::kTruncated, absl::StrCat("truncated record: the file ends ", length - remaining,
                                                          " bytes into its ", length, " bytes of data"));
    }
  }
  std::string footer;
  SLUICE_RETURN_IF_ERROR(input_->ReadNBytes(kRecordFooterBytes, &footer));
  if (footer.size() < kRecordFooterBytes) {
    return Corrupt(Corruption::kTruncated, absl::StrCat("truncated record: the file ends ", footer.size(),
                                                        " bytes into the CRC after its ", length, " bytes of data"));
  }
  stored = crc32c::Unmask(DecodeFixed32(footer.data()));
  computed = crc32c::Value(*record);
  if (stored != computed) {
    corrupt_record_bytes_ = kRecordHeaderBytes + length + kRecordFooterBytes;
    return Corrupt(Corruption::kData,
                   absl::StrFormat("corrupt record: the CRC of its %d bytes of data does not match (stored 0x%08x, "
                                   "computed 0x%08x)", length, stored, computed));
  }
  offset_ += kRecordHeaderBytes + length + kRecordFooterBytes;
  return absl::OkStatus();
}

}  // namespace sluice
