// Whole-stream zlib compression of files, as TensorFlow's TFRecordOptions compression_type
// "ZLIB" (zlib wrapper) and "GZIP" (gzip wrapper) write them.
#ifndef SLUICE_CORE_ZLIB_STREAM_H_
#define SLUICE_CORE_ZLIB_STREAM_H_

#include <memory>
#include <string>

#include "core/env.h"
#include "core/input_stream.h"

typedef struct z_stream_s z_stream;

namespace sluice {

enum class ZlibFormat { kZlib, kGzip };

// Decompresses `input` (not owned). Concatenated streams (gzip members) are read one after the
// other; an input of zero bytes is an empty stream. Corrupt data is DataLoss naming the file
// and the compressed byte offset; input that ends inside a stream is DataLoss saying it is
// truncated.
class ZlibInputStream final : public InputStream {
 public:
  ZlibInputStream(InputStream* input, ZlibFormat format);
  ~ZlibInputStream() override;
  ZlibInputStream(const ZlibInputStream&) = delete;
  ZlibInputStream& operator=(const ZlibInputStream&) = delete;

  Status ReadNBytes(size_t n, std::string* out) override;
  uint64_t Tell() const override { return position_; }
  const std::string& name() const override { return input_->name(); }

 private:
  Status Init();

  InputStream* input_;
  ZlibFormat format_;
  std::unique_ptr<z_stream> zs_;
  bool initialized_ = false;
  std::string in_;        // compressed bytes not yet inflated: in_[in_pos_, ...)
  bool input_eof_ = false;
  bool stream_open_ = false;  // inside a stream (after its first byte, before its end)
  uint64_t position_ = 0;
  Status failed_;
};

// A WritableFile that compresses what is appended and writes it to `file`, which it owns.
// Flush emits everything appended so far (a zlib sync flush) and flushes `file`; Close ends the
// compressed stream and closes `file`.
class ZlibWritableFile final : public WritableFile {
 public:
  // `level`: zlib's compression level (-1: its default, 6).
  static StatusOr<std::unique_ptr<ZlibWritableFile>> Create(std::unique_ptr<WritableFile> file, ZlibFormat format,
                                                            int level = -1);
  ~ZlibWritableFile() override;

  Status Append(absl::string_view data) override;
  Status Flush() override;
  Status Sync() override;
  Status Close() override;
  // Uncompressed bytes appended.
  uint64_t Size() const override { return size_; }
  const std::string& name() const override { return file_->name(); }

 private:
  ZlibWritableFile(std::unique_ptr<WritableFile> file, std::unique_ptr<z_stream> zs);
  // Runs deflate with `flush` over the pending input, writing all output to file_.
  Status Deflate(int flush);

  std::unique_ptr<WritableFile> file_;
  std::unique_ptr<z_stream> zs_;
  uint64_t size_ = 0;
  bool closed_ = false;
  Status failed_;
};

}  // namespace sluice

#endif  // SLUICE_CORE_ZLIB_STREAM_H_
