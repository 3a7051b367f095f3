#include "core/idx.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"

namespace sluice {

namespace {

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

bool IdxType(unsigned char code, DataType* dtype) {
  switch (code) {
    case 0x08: *dtype = DT_UINT8; return true;
    case 0x09: *dtype = DT_INT8; return true;
    case 0x0B: *dtype = DT_INT16; return true;
    case 0x0C: *dtype = DT_INT32; return true;
    case 0x0D: *dtype = DT_FLOAT; return true;
    case 0x0E: *dtype = DT_DOUBLE; return true;
    default: return false;
  }
}

}  // namespace

StatusOr<Tensor> ParseIdx(absl::string_view bytes, absl::string_view name_for_errors) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4 || p[0] != 0 || p[1] != 0) {
    return errors::DataLoss("'", name_for_errors, "' is not an IDX file: it does not start with two zero bytes");
  }
  DataType dtype;
  if (!IdxType(p[2], &dtype)) {
    return errors::DataLoss("'", name_for_errors, "' has unknown IDX element type 0x", absl::Hex(p[2], absl::kZeroPad2));
  }
  const int rank = p[3];
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) {
    return errors::DataLoss("'", name_for_errors, "' is truncated: ", bytes.size(), " bytes, less than its ", header,
                            "-byte IDX header of ", rank, " dimensions");
  }
  const int64_t element_size = DataTypeSize(dtype);
  std::vector<int64_t> dims;
  uint64_t elements = 1;
  // Past this count the byte count would overflow; no file is that big anyway.
  constexpr uint64_t kMaxElements = UINT64_MAX / 16;
  bool too_many = false;
  for (int i = 0; i < rank; ++i) {
    uint32_t d = BigEndian32(p + 4 + 4 * i);
    dims.push_back(d);
    if (d == 0) {
      elements = 0;
      too_many = false;
      break;
    }
    if (!too_many && elements > kMaxElements / d) too_many = true;
    if (!too_many) elements *= d;
  }
  if (dims.size() < static_cast<size_t>(rank)) {
    for (int i = static_cast<int>(dims.size()); i < rank; ++i) dims.push_back(BigEndian32(p + 4 + 4 * i));
  }
  if (too_many || elements * element_size != bytes.size() - header) {
    return errors::DataLoss("'", name_for_errors, "' holds ", bytes.size() - header, " bytes of ",
                            DataTypeString(dtype), " elements after its header; its dimensions call for ",
                            too_many ? std::string("more") : absl::StrCat(elements * element_size));
  }
  if (static_cast<int64_t>(elements * element_size) > MaxTensorBytes()) {
    return errors::ResourceExhausted("'", name_for_errors, "' holds ", elements * element_size,
                                     " bytes, more than the limit of ", MaxTensorBytes());
  }
  Tensor t(dtype, TensorShape(absl::Span<const int64_t>(dims)));
  auto* out = static_cast<unsigned char*>(t.raw_data());
  const unsigned char* in = p + header;
  for (uint64_t i = 0; i < elements; ++i) {
    for (int64_t b = 0; b < element_size; ++b) out[i * element_size + b] = in[i * element_size + element_size - 1 - b];
  }
  return t;
}

StatusOr<Tensor> ReadIdx(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f && static_cast<unsigned char>(bytes[1]) == 0x8b) {
    SLUICE_ASSIGN_OR_RETURN(bytes, GunzipString(bytes, path));
  }
  return ParseIdx(bytes, path);
}

}  // namespace sluice
