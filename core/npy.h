// NumPy .npy files (format versions 1.0, 2.0 and 3.0), the tensor files of the sluice CLI.
//
// Supported dtypes: '<f4' float, '<f8' double, '<i4' int32, '<i8' int64, '|u1' uint8, '|b1' bool,
// and also '|i1' int8, '<i2' int16, '<u2' uint16, '<u4' uint32, '<u8' uint64. Readers accept
// '<', '=' or '|' byte order marks and reject big-endian data, Fortran order, object arrays,
// headers that do not parse and data that is shorter or longer than the shape says. Every error
// names the file (or the name given for a buffer), what is wrong and, where it helps, the byte
// offset.
#ifndef SLUICE_CORE_NPY_H_
#define SLUICE_CORE_NPY_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

// Parses the bytes of a .npy file; `name_for_errors` names it in messages.
StatusOr<Tensor> ParseNpy(absl::string_view bytes, absl::string_view name_for_errors);
// Reads the .npy file at `path`.
StatusOr<Tensor> ReadNpy(const std::string& path);

// The bytes of a .npy file holding `tensor`, exactly as numpy.save writes them: version 1.0
// (2.0 only when the header needs more than 65535 bytes), the header padded with spaces to a
// multiple of 64 bytes and ended by '\n'. InvalidArgument for a dtype .npy cannot hold here.
StatusOr<std::string> EncodeNpy(const Tensor& tensor);
// Writes `tensor` to `path` atomically (see WriteStringToFileAtomic); errors name the path.
Status WriteNpy(const std::string& path, const Tensor& tensor);

}  // namespace sluice

#endif  // SLUICE_CORE_NPY_H_
