// Sequential reading of a RandomAccessFile through a buffer: what streaming parsers (TFRecord
// files, compressed streams) read from, so that no file is loaded whole.
#ifndef SLUICE_CORE_INPUT_STREAM_H_
#define SLUICE_CORE_INPUT_STREAM_H_

#include <cstdint>
#include <string>

#include "core/env.h"
#include "core/status.h"

namespace sluice {

// A source of bytes read front to back.
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Appends up to `n` bytes to *out; fewer only at the end of the stream. Errors (I/O, corrupt
  // compressed data) name the file.
  virtual Status ReadNBytes(size_t n, std::string* out) = 0;
  // How many bytes ReadNBytes has returned so far.
  virtual uint64_t Tell() const = 0;
  // The name errors about this stream use.
  virtual const std::string& name() const = 0;
};

// Reads `file` (not owned; it must outlive the stream) from `offset` on, `buffer_bytes` at a
// time; a request larger than the buffer goes straight to the file.
class BufferedInputStream final : public InputStream {
 public:
  explicit BufferedInputStream(const RandomAccessFile* file, size_t buffer_bytes = 256 << 10, uint64_t offset = 0);

  Status ReadNBytes(size_t n, std::string* out) override;
  uint64_t Tell() const override { return position_; }
  const std::string& name() const override { return file_->name(); }

 private:
  // Refills buffer_ from the file; an empty buffer after OK means the end of the file.
  Status Fill();

  const RandomAccessFile* file_;
  size_t buffer_bytes_;
  uint64_t file_offset_;  // where the next read from the file starts
  uint64_t position_;     // where the next byte returned comes from
  std::string buffer_;
  size_t pos_ = 0;  // in buffer_
  bool eof_ = false;
};

}  // namespace sluice

#endif  // SLUICE_CORE_INPUT_STREAM_H_
