// IDX files (the format of MNIST and Fashion-MNIST, yann.lecun.com/exdb/mnist) as tensors: a
// magic number 0x0000TTNN (TT the element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
// 0x0D float32, 0x0E float64; NN the number of dimensions), NN big-endian uint32 dimensions,
// then the elements, big-endian, row-major.
//
// `sluice run --feed x=@idx:train-images-idx3-ubyte.gz` feeds one; the tensor keeps the file's
// element type and dimensions (MNIST images: uint8 [60000, 28, 28]).
#ifndef SLUICE_CORE_IDX_H_
#define SLUICE_CORE_IDX_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

// Parses the bytes of an IDX file (uncompressed). DataLoss naming `name_for_errors` for a bad
// magic number, an unknown element type, or a size that disagrees with the dimensions;
// ResourceExhausted beyond MaxTensorBytes().
StatusOr<Tensor> ParseIdx(absl::string_view bytes, absl::string_view name_for_errors);
// Reads the IDX file at `path`, gunzipping it first when it starts with gzip's magic bytes.
StatusOr<Tensor> ReadIdx(const std::string& path);

}  // namespace sluice

#endif  // SLUICE_CORE_IDX_H_
