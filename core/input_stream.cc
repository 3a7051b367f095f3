#include "core/input_stream.h"

#include <algorithm>

namespace sluice {

BufferedInputStream::BufferedInputStream(const RandomAccessFile* file, size_t buffer_bytes, uint64_t offset)
    : file_(file), buffer_bytes_(std::max<size_t>(buffer_bytes, 1)), file_offset_(offset), position_(offset) {}

Status BufferedInputStream::Fill() {
  buffer_.resize(buffer_bytes_);
  pos_ = 0;
  absl::string_view got;
  Status s = file_->Read(file_offset_, buffer_bytes_, &got, buffer_.data());
  if (!s.ok()) {
    buffer_.clear();
    return s;
  }
  if (got.data() != buffer_.data()) std::copy(got.begin(), got.end(), buffer_.begin());
  buffer_.resize(got.size());
  file_offset_ += got.size();
  if (got.size() < buffer_bytes_) eof_ = true;
  return absl::OkStatus();
}

Status BufferedInputStream::ReadNBytes(size_t n, std::string* out) {
  while (n > 0) {
    if (pos_ < buffer_.size()) {
      size_t take = std::min(n, buffer_.size() - pos_);
      out->append(buffer_, pos_, take);
      pos_ += take;
      position_ += take;
      n -= take;
      continue;
    }
    if (eof_) return absl::OkStatus();
    if (n >= buffer_bytes_) {  // large request: read straight into *out
      size_t old = out->size();
      out->resize(old + n);
      absl::string_view got;
      Status s = file_->Read(file_offset_, n, &got, out->data() + old);
      if (!s.ok()) {
        out->resize(old);
        return s;
      }
      if (got.data() != out->data() + old) std::copy(got.begin(), got.end(), out->begin() + old);
      out->resize(old + got.size());
      file_offset_ += got.size();
      position_ += got.size();
      if (got.size() < n) eof_ = true;
      return absl::OkStatus();
    }
    SLUICE_RETURN_IF_ERROR(Fill());
  }
  return absl::OkStatus();
}

}  // namespace sluice
