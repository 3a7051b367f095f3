// A PNG encoder for 8-bit images (what TensorBoard's image summaries hold): one IHDR chunk, one
// zlib-compressed IDAT chunk with filter type 0 (none) on every row, and IEND; chunk CRCs are
// zlib's CRC-32. Any PNG decoder reads the result (tests check tf.io.decode_png).
#ifndef SLUICE_CORE_PNG_H_
#define SLUICE_CORE_PNG_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace sluice {

// Encodes `height` rows of `width` pixels of `channels` bytes each (1 grayscale, 2 grayscale +
// alpha, 3 RGB, 4 RGBA), row after row from `pixels`, with `row_stride` bytes from the start of
// one row to the next (at least width * channels). `compression`: zlib's level (-1: its
// default). InvalidArgument for a channel count other than 1-4 or a size PNG cannot hold
// (width or height 0 or above 2^31 - 1).
StatusOr<std::string> EncodePng(const uint8_t* pixels, int64_t width, int64_t height, int channels,
                                int64_t row_stride, int compression = -1);

}  // namespace sluice

#endif  // SLUICE_CORE_PNG_H_
