#include "core/png.h"

#include <zlib.h>

#include <cstring>
#include <limits>

namespace sluice {
namespace {

void AppendBigEndian32(uint32_t v, std::string* out) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                         static_cast<char>(v)};
  out->append(bytes, 4);
}

// A chunk: its data's length, its type, the data, and the CRC-32 of type and data.
void AppendChunk(const char type[4], const std::string& data, std::string* out) {
  AppendBigEndian32(static_cast<uint32_t>(data.size()), out);
  const size_t type_at = out->size();
  out->append(type, 4);
  out->append(data);
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* start = reinterpret_cast<const Bytef*>(out->data() + type_at);
  // Chunks are at most 2^31 - 1 bytes (checked by the caller), so the length fits uInt.
  crc = crc32(crc, start, static_cast<uInt>(4 + data.size()));
  AppendBigEndian32(static_cast<uint32_t>(crc), out);
}

// zlib-compresses `raw` (in steps that fit zlib's 32-bit counts).
Status Deflate(const std::string& raw, int level, std::string* out) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (deflateInit(&zs, level) != Z_OK) return errors::Internal("PNG encoding: zlib's deflateInit failed");
  constexpr size_t kStep = 1 << 30;
  size_t consumed = 0;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && consumed < raw.size()) {
      size_t n = std::min(kStep, raw.size() - consumed);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data() + consumed));
      zs.avail_in = static_cast<uInt>(n);
      consumed += n;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = deflate(&zs, consumed == raw.size() ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      return errors::Internal("PNG encoding: zlib's deflate failed (", rc, ")");
    }
    out->append(buf, sizeof(buf) - zs.avail_out);
  }
  deflateEnd(&zs);
  return absl::OkStatus();
}

}  // namespace

StatusOr<std::string> EncodePng(const uint8_t* pixels, int64_t width, int64_t height, int channels,
                                int64_t row_stride, int compression) {
  constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
  if (channels < 1 || channels > 4) {
    return errors::InvalidArgument("PNG encoding: an image has 1 to 4 channels, not ", channels);
  }
  if (width < 1 || height < 1 || width > kMaxDim || height > kMaxDim) {
    return errors::InvalidArgument("PNG encoding: cannot encode an image of ", height, "x", width,
                                   " pixels (each side 1 to 2^31-1)");
  }
  if (compression < -1 || compression > 9) {
    return errors::InvalidArgument("PNG encoding: compression level ", compression, " is not -1..9");
  }
  const int64_t row_bytes = width * channels;
  if (row_stride < row_bytes) {
    return errors::InvalidArgument("PNG encoding: row stride ", row_stride, " is less than a row's ", row_bytes,
                                   " bytes");
  }
  // Filter byte + row, per row: bounded so the compressed stream fits one IDAT chunk's 2^31 - 1.
  if ((row_bytes + 1) > (kMaxDim / 2) / height) {
    return errors::InvalidArgument("PNG encoding: an image of ", height, "x", width, "x", channels,
                                   " bytes is too large");
  }
  std::string raw;
  raw.reserve(static_cast<size_t>((row_bytes + 1) * height));
  for (int64_t y = 0; y < height; ++y) {
    raw.push_back('\0');  // filter type 0: the row as it is
    raw.append(reinterpret_cast<const char*>(pixels + y * row_stride), static_cast<size_t>(row_bytes));
  }
  std::string idat;
  SLUICE_RETURN_IF_ERROR(Deflate(raw, compression, &idat));
  if (idat.size() > static_cast<size_t>(kMaxDim)) {
    return errors::InvalidArgument("PNG encoding: the compressed image is larger than a PNG chunk holds");
  }

  static constexpr int kColorType[5] = {0, 0, 4, 2, 6};  // gray, gray + alpha, RGB, RGBA
  std::string ihdr;
  AppendBigEndian32(static_cast<uint32_t>(width), &ihdr);
  AppendBigEndian32(static_cast<uint32_t>(height), &ihdr);
  ihdr.push_back(8);  // bit depth
  ihdr.push_back(static_cast<char>(kColorType[channels]));
  ihdr.push_back(0);  // compression method: deflate
  ihdr.push_back(0);  // filter method: adaptive (each row names its filter)
  ihdr.push_back(0);  // no interlacing

  std::string png("\x89PNG\r\n\x1a\n", 8);
  AppendChunk("IHDR", ihdr, &png);
  AppendChunk("IDAT", idat, &png);
  AppendChunk("IEND", std::string(), &png);
  return png;
}

}  // namespace sluice
