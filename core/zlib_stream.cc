#include "core/zlib_stream.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace sluice {

namespace {
constexpr size_t kChunkBytes = 64 << 10;

const char* FormatName(ZlibFormat format) { return format == ZlibFormat::kGzip ? "GZIP" : "ZLIB"; }
int WindowBits(ZlibFormat format) { return format == ZlibFormat::kGzip ? MAX_WBITS + 16 : MAX_WBITS; }
}  // namespace

ZlibInputStream::ZlibInputStream(InputStream* input, ZlibFormat format)
    : input_(input), format_(format), zs_(std::make_unique<z_stream>()) {
  std::memset(zs_.get(), 0, sizeof(z_stream));
}

ZlibInputStream::~ZlibInputStream() {
  if (initialized_) inflateEnd(zs_.get());
}

Status ZlibInputStream::Init() {
  if (inflateInit2(zs_.get(), WindowBits(format_)) != Z_OK) {
    return errors::Internal("cannot initialize zlib to decompress '", input_->name(), "'");
  }
  initialized_ = true;
  return absl::OkStatus();
}

Status ZlibInputStream::ReadNBytes(size_t n, std::string* out) {
  SLUICE_RETURN_IF_ERROR(failed_);
  if (!initialized_) SLUICE_RETURN_IF_ERROR(failed_ = Init());
  size_t start = out->size();
  size_t produced = 0;
  while (produced < n) {
    if (zs_->avail_in == 0 && !input_eof_) {
      in_.clear();
      Status s = input_->ReadNBytes(kChunkBytes, &in_);
      if (!s.ok()) return failed_ = s;
      if (in_.size() < kChunkBytes) input_eof_ = true;
      zs_->next_in = reinterpret_cast<Bytef*>(in_.data());
      zs_->avail_in = static_cast<uInt>(in_.size());
    }
    // The end of the input between streams is the end; inside one, inflate below says whether
    // it still has output pending or the input is truncated.
    if (zs_->avail_in == 0 && input_eof_ && !stream_open_) break;
    size_t want = std::min(n - produced, kChunkBytes);
    out->resize(start + produced + want);
    zs_->next_out = reinterpret_cast<Bytef*>(out->data() + start + produced);
    zs_->avail_out = static_cast<uInt>(want);
    stream_open_ = true;
    int rc = inflate(zs_.get(), Z_NO_FLUSH);
    size_t got = want - zs_->avail_out;
    produced += got;
    out->resize(start + produced);
    if (rc == Z_STREAM_END) {
      stream_open_ = false;
      // Another stream (a further gzip member) may follow.
      if (inflateReset(zs_.get()) != Z_OK) {
        return failed_ = errors::Internal("zlib failed to reset while decompressing '", input_->name(), "'");
      }
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs_->avail_in == 0) {  // no progress without more input
      if (!input_eof_) continue;
      return failed_ = errors::DataLoss("'", input_->name(), "' is truncated: its ", FormatName(format_),
                                        " stream ends after ", input_->Tell(),
                                        " compressed bytes without its trailer");
    }
    uint64_t offset = input_->Tell() - zs_->avail_in;
    return failed_ = errors::DataLoss("'", input_->name(), "' is not valid ", FormatName(format_), " data: ",
                                      zs_->msg != nullptr ? zs_->msg : absl::StrCat("zlib error ", rc).c_str(),
                                      " (near compressed byte offset ", offset, ")");
  }
  position_ += produced;
  return absl::OkStatus();
}

ZlibWritableFile::ZlibWritableFile(std::unique_ptr<WritableFile> file, std::unique_ptr<z_stream> zs)
    : file_(std::move(file)), zs_(std::move(zs)) {}

StatusOr<std::unique_ptr<ZlibWritableFile>> ZlibWritableFile::Create(std::unique_ptr<WritableFile> file,
                                                                     ZlibFormat format, int level) {
  auto zs = std::make_unique<z_stream>();
  std::memset(zs.get(), 0, sizeof(z_stream));
  if (deflateInit2(zs.get(), level, Z_DEFLATED, WindowBits(format), 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return errors::InvalidArgument("cannot initialize zlib to compress '", file->name(), "' (level ", level, ")");
  }
  return std::unique_ptr<ZlibWritableFile>(new ZlibWritableFile(std::move(file), std::move(zs)));
}

ZlibWritableFile::~ZlibWritableFile() { deflateEnd(zs_.get()); }

Status ZlibWritableFile::Deflate(int flush) {
  char buf[kChunkBytes];
  while (true) {
    zs_->next_out = reinterpret_cast<Bytef*>(buf);
    zs_->avail_out = sizeof(buf);
    int rc = deflate(zs_.get(), flush);
    if (rc == Z_STREAM_ERROR) return failed_ = errors::Internal("zlib failed while compressing '", name(), "'");
    size_t have = sizeof(buf) - zs_->avail_out;
    if (have > 0) {
      Status s = file_->Append(absl::string_view(buf, have));
      if (!s.ok()) return failed_ = s;
    }
    // Done when deflate had room to spare (all input taken and, for a flush, all output out).
    if (flush == Z_FINISH ? rc == Z_STREAM_END : (zs_->avail_in == 0 && zs_->avail_out != 0)) break;
  }
  return absl::OkStatus();
}

Status ZlibWritableFile::Append(absl::string_view data) {
  if (closed_) return errors::FailedPrecondition("cannot append to '", name(), "': it is closed");
  SLUICE_RETURN_IF_ERROR(failed_);
  while (!data.empty()) {
    size_t take = std::min<size_t>(data.size(), 1u << 30);
    zs_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_->avail_in = static_cast<uInt>(take);
    SLUICE_RETURN_IF_ERROR(Deflate(Z_NO_FLUSH));
    data.remove_prefix(take);
    size_ += take;
  }
  return absl::OkStatus();
}

Status ZlibWritableFile::Flush() {
  if (closed_) return errors::FailedPrecondition("cannot flush '", name(), "': it is closed");
  SLUICE_RETURN_IF_ERROR(failed_);
  SLUICE_RETURN_IF_ERROR(Deflate(Z_SYNC_FLUSH));
  return file_->Flush();
}

Status ZlibWritableFile::Sync() {
  SLUICE_RETURN_IF_ERROR(Flush());
  return file_->Sync();
}

Status ZlibWritableFile::Close() {
  if (closed_) return errors::FailedPrecondition("cannot close '", name(), "': it is already closed");
  closed_ = true;
  Status s = failed_.ok() ? Deflate(Z_FINISH) : failed_;
  Status closed = file_->Close();
  return s.ok() ? closed : s;
}

}  // namespace sluice
