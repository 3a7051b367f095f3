#include "core/npy.h"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/file_io.h"

namespace sluice {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlignment = 64;

struct NpyType {
  const char* code;  // without the byte-order mark
  DataType dtype;
};
constexpr NpyType kTypes[] = {
    {"f4", DT_FLOAT}, {"f8", DT_DOUBLE}, {"i4", DT_INT32},  {"i8", DT_INT64},
    {"u1", DT_UINT8}, {"b1", DT_BOOL},   {"i1", DT_INT8},   {"i2", DT_INT16},
    {"u2", DT_UINT16}, {"u4", DT_UINT32}, {"u8", DT_UINT64},
};

// The parsed header dict.
struct NpyHeader {
  std::string descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<int64_t>> shape;
};

// A recursive-descent parser for the Python dict literal numpy writes, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(absl::string_view text, size_t file_offset, absl::string_view name)
      : text_(text), base_(file_offset), name_(name) {}

  Status Parse(NpyHeader* header) {
    SLUICE_RETURN_IF_ERROR(Expect('{'));
    bool seen_descr = false;
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      size_t key_pos = pos_;
      std::string key;
      SLUICE_RETURN_IF_ERROR(ParseString(&key));
      SLUICE_RETURN_IF_ERROR(Expect(':'));
      SkipSpace();
      if (key == "descr") {
        if (Peek() != '\'' && Peek() != '"') {
          return Error("'descr' is not a plain dtype string (structured dtypes are not supported)");
        }
        SLUICE_RETURN_IF_ERROR(ParseString(&header->descr));
        seen_descr = true;
      } else if (key == "fortran_order") {
        bool value = false;
        SLUICE_RETURN_IF_ERROR(ParseBool(&value));
        header->fortran_order = value;
      } else if (key == "shape") {
        std::vector<int64_t> dims;
        SLUICE_RETURN_IF_ERROR(ParseShape(&dims));
        header->shape = std::move(dims);
      } else {
        pos_ = key_pos;
        return Error(absl::StrCat("unexpected key '", key, "'"));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != '}') return Error("expected ',' or '}'");
    }
    ++pos_;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the closing '}'");
    if (!seen_descr) return Error("the key 'descr' is missing");
    if (!header->fortran_order) return Error("the key 'fortran_order' is missing");
    if (!header->shape) return Error("the key 'shape' is missing");
    return absl::OkStatus();
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  Status Error(absl::string_view what) const {
    return errors::InvalidArgument("'", name_, "': invalid .npy header at byte offset ", base_ + pos_,
                                   ": ", what, " (header: ", errors::Echo(text_, 200), ")");
  }

  Status Expect(char c) {
    SkipSpace();
    if (Peek() != c) return Error(absl::StrCat("expected '", std::string(1, c), "'"));
    ++pos_;
    return absl::OkStatus();
  }

  Status ParseString(std::string* out) {
    SkipSpace();
    char quote = Peek();
    if (quote != '\'' && quote != '"') return Error("expected a quoted string");
    size_t end = text_.find(quote, pos_ + 1);
    if (end == absl::string_view::npos) return Error("unterminated string");
    *out = std::string(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return absl::OkStatus();
  }

  Status ParseBool(bool* out) {
    if (text_.substr(pos_, 4) == "True") {
      *out = true;
      pos_ += 4;
    } else if (text_.substr(pos_, 5) == "False") {
      *out = false;
      pos_ += 5;
    } else {
      return Error("expected True or False");
    }
    return absl::OkStatus();
  }

  // A tuple of non-negative integers: "()", "(3,)", "(2, 3)"; Python 2 "3L" is accepted.
  Status ParseShape(std::vector<int64_t>* dims) {
    SLUICE_RETURN_IF_ERROR(Expect('('));
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Error("expected a non-negative integer dimension in 'shape'");
      }
      int64_t dim = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        if (__builtin_mul_overflow(dim, 10, &dim) || __builtin_add_overflow(dim, Peek() - '0', &dim)) {
          return Error("a dimension in 'shape' is too large");
        }
        ++pos_;
      }
      if (Peek() == 'L') ++pos_;
      dims->push_back(dim);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() != ')') return Error("expected ',' or ')' in 'shape'");
    }
    ++pos_;
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
  size_t base_;
  absl::string_view name_;
};

StatusOr<DataType> DataTypeFromDescr(absl::string_view descr, absl::string_view name) {
  if (descr.size() == 3) {
    char order = descr[0];
    absl::string_view code = descr.substr(1);
    for (const NpyType& t : kTypes) {
      if (code != t.code) continue;
      bool single_byte = DataTypeSize(t.dtype) == 1;
      if (order == '<' || order == '|' || order == '=' || (order == '>' && single_byte)) return t.dtype;
      if (order == '>') {
        return errors::Unimplemented("'", name, "': big-endian data ('", descr,
                                     "') is not supported; save it little-endian, e.g. with "
                                     "a.astype(a.dtype.newbyteorder('<'))");
      }
    }
  }
  return errors::Unimplemented("'", name, "': unsupported .npy dtype '", descr,
                               "' (supported: <f4 <f8 <i4 <i8 |u1 |b1 |i1 <i2 <u2 <u4 <u8)");
}

StatusOr<std::string> DescrForType(DataType dtype) {
  for (const NpyType& t : kTypes) {
    if (t.dtype == dtype) return absl::StrCat(DataTypeSize(dtype) == 1 ? "|" : "<", t.code);
  }
  return errors::InvalidArgument("a ", DataTypeString(dtype), " tensor cannot be written as .npy");
}

uint32_t ReadLittleEndian(absl::string_view bytes, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  return v;
}

}  // namespace

StatusOr<Tensor> ParseNpy(absl::string_view bytes, absl::string_view name) {
  if (bytes.size() < kMagicLen + 2 || bytes.substr(0, kMagicLen) != absl::string_view(kMagic, kMagicLen)) {
    return errors::InvalidArgument("'", name, "' is not a .npy file: it does not begin with the magic "
                                   "bytes \\x93NUMPY");
  }
  int major = static_cast<unsigned char>(bytes[6]);
  int minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3) {
    return errors::Unimplemented("'", name, "': unsupported .npy format version ", major, ".", minor,
                                 " (supported: 1.0, 2.0, 3.0)");
  }
  size_t len_bytes = major == 1 ? 2 : 4;
  size_t header_start = kMagicLen + 2 + len_bytes;
  if (bytes.size() < header_start) {
    return errors::DataLoss("'", name, "' is truncated: ", bytes.size(),
                            " bytes end inside the header length field at byte offset 8");
  }
  size_t header_len = ReadLittleEndian(bytes.substr(8), len_bytes);
  if (bytes.size() - header_start < header_len) {
    return errors::DataLoss("'", name, "' is truncated: the header of ", header_len,
                            " bytes starting at byte offset ", header_start, " needs ",
                            header_start + header_len, " bytes, the file has ", bytes.size());
  }
  NpyHeader header;
  HeaderParser parser(bytes.substr(header_start, header_len), header_start, name);
  SLUICE_RETURN_IF_ERROR(parser.Parse(&header));
  SLUICE_ASSIGN_OR_RETURN(DataType dtype, DataTypeFromDescr(header.descr, name));
  if (*header.fortran_order) {
    return errors::Unimplemented("'", name, "': Fortran-order (column-major) data is not supported; "
                                 "save it with numpy.ascontiguousarray first");
  }

  TensorShape shape;
  int64_t num_elements = 1;
  for (int64_t d : *header.shape) {
    shape.AddDim(d);
    if (__builtin_mul_overflow(num_elements, d, &num_elements)) {
      return errors::InvalidArgument("'", name, "': shape ", shape.DebugString(), " is too large");
    }
  }
  size_t item = DataTypeSize(dtype);
  size_t data_start = header_start + header_len;
  size_t available = bytes.size() - data_start;
  uint64_t needed;
  if (__builtin_mul_overflow(static_cast<uint64_t>(num_elements), item, &needed)) {
    return errors::InvalidArgument("'", name, "': shape ", shape.DebugString(), " is too large");
  }
  if (available < needed) {
    return errors::DataLoss("'", name, "' is truncated: a ", DataTypeString(dtype), " array of shape ",
                            shape.DebugString(), " needs ", needed, " bytes of data from byte offset ",
                            data_start, ", the file has ", available);
  }
  if (available > needed) {
    return errors::InvalidArgument("'", name, "' has ", available - needed,
                                   " unexpected bytes after the data of its ", DataTypeString(dtype),
                                   " array of shape ", shape.DebugString(), " (at byte offset ",
                                   data_start + needed, ")");
  }
  SLUICE_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Allocate(dtype, shape));
  const char* data = bytes.data() + data_start;
  if (dtype == DT_BOOL) {
    bool* out = tensor.data<bool>();
    for (int64_t i = 0; i < num_elements; ++i) out[i] = data[i] != 0;
  } else if (needed > 0) {
    std::memcpy(tensor.raw_data(), data, needed);
  }
  return tensor;
}

StatusOr<Tensor> ReadNpy(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  return ParseNpy(bytes, path);
}

StatusOr<std::string> EncodeNpy(const Tensor& tensor) {
  if (!tensor.IsInitialized()) return errors::InvalidArgument("cannot write an uninitialized tensor as .npy");
  SLUICE_ASSIGN_OR_RETURN(std::string descr, DescrForType(tensor.dtype()));
  std::string shape;
  absl::Span<const int64_t> dims = tensor.shape().dims();
  if (dims.size() == 1) {
    shape = absl::StrCat("(", dims[0], ",)");
  } else {
    shape = absl::StrCat("(", absl::StrJoin(dims, ", "), ")");
  }
  std::string dict = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape, ", }");
  // Like numpy.save: pad with spaces so that magic + version + length + dict + '\n' ends on a
  // multiple of 64 (adding a full 64 when it already does), and use version 2.0 only when the
  // header length does not fit in 16 bits.
  size_t len_bytes = 2;
  size_t padding = kAlignment - (kMagicLen + 2 + len_bytes + dict.size() + 1) % kAlignment;
  if (dict.size() + 1 + padding > 0xffff) {
    len_bytes = 4;
    padding = kAlignment - (kMagicLen + 2 + len_bytes + dict.size() + 1) % kAlignment;
  }
  dict.append(padding, ' ');
  dict.push_back('\n');

  std::string out(kMagic, kMagicLen);
  out.push_back(static_cast<char>(len_bytes == 2 ? 1 : 2));
  out.push_back(0);
  for (size_t i = 0; i < len_bytes; ++i) out.push_back(static_cast<char>((dict.size() >> (8 * i)) & 0xff));
  out += dict;
  size_t data_bytes = static_cast<size_t>(tensor.NumElements()) * DataTypeSize(tensor.dtype());
  if (data_bytes > 0) out.append(static_cast<const char*>(tensor.raw_data()), data_bytes);
  return out;
}

Status WriteNpy(const std::string& path, const Tensor& tensor) {
  auto bytes = EncodeNpy(tensor);
  if (!bytes.ok()) return errors::Annotate(bytes.status(), absl::StrCat("writing '", path, "': "));
  return WriteStringToFileAtomic(path, *bytes);
}

}  // namespace sluice
