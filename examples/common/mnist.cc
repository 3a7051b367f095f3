#include "examples/common/mnist.h"

#include <array>
#include <cstring>
#include <numeric>
#include <cstdint>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/file_io.h"

namespace sluice {

std::string IdxPath(const std::string& dir, const std::string& name) {
  const std::string raw = absl::StrCat(dir, "/", name);
  return FileExists(raw) || !FileExists(raw + ".gz") ? raw : raw + ".gz";
}

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
constexpr uint32_t kRows = 28;
constexpr uint32_t kCols = 28;

// One IDX file's bytes and the path they came from.
struct IdxFile {
  std::string path;
  std::string bytes;
  std::vector<uint32_t> dims;
  size_t data_offset = 0;
};

uint32_t BigEndian32(const std::string& b, size_t offset) {
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(b[offset + i])); };
  return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

// Reads "<dir>/<name>", or "<dir>/<name>.gz" decompressed when only that exists.
Status ReadMaybeGzipped(const std::string& dir, const std::string& name, IdxFile* file) {
  std::string raw = absl::StrCat(dir, "/", name);
  std::string gz = raw + ".gz";
  if (FileExists(raw)) {
    file->path = raw;
    SLUICE_ASSIGN_OR_RETURN(file->bytes, ReadFileToString(raw));
    return absl::OkStatus();
  }
  if (FileExists(gz)) {
    file->path = gz;
    SLUICE_ASSIGN_OR_RETURN(std::string compressed, ReadFileToString(gz));
    SLUICE_ASSIGN_OR_RETURN(file->bytes, GunzipString(compressed, gz));
    return absl::OkStatus();
  }
  return errors::NotFound("no MNIST file '", raw, "' (or '", gz, "'): run tools/setup.sh, which puts MNIST in ",
                          RepositoryDataDir("mnist"), ", or pass --data DIR");
}

// Checks the magic number and the file size against the dimensions it declares.
Status ParseIdx(uint32_t magic, int num_dims, const char* what, IdxFile* file) {
  const std::string& b = file->bytes;
  size_t header = 4 + 4 * static_cast<size_t>(num_dims);
  if (b.size() >= 4 && BigEndian32(b, 0) != magic) {
    return errors::InvalidArgument("'", file->path, "' is not an IDX file of MNIST ", what,
                                   ": magic number at byte offset 0 is ",
                                   absl::StrFormat("0x%08x", BigEndian32(b, 0)), ", expected ",
                                   absl::StrFormat("0x%08x", magic));
  }
  if (b.size() < header) {
    return errors::DataLoss("'", file->path, "' is truncated: ", b.size(), " bytes end inside the ",
                            header, "-byte IDX header (magic number and ", num_dims, " dimensions)");
  }
  uint64_t count = 1;
  for (int i = 0; i < num_dims; ++i) {
    file->dims.push_back(BigEndian32(b, 4 + 4 * i));
    if (__builtin_mul_overflow(count, file->dims.back(), &count)) {
      return errors::DataLoss("'", file->path, "': the dimensions in its header multiply to more "
                              "bytes than any file holds");
    }
  }
  file->data_offset = header;
  uint64_t available = b.size() - header;
  if (available < count) {
    return errors::DataLoss("'", file->path, "' is truncated: its header declares ", count,
                            " bytes of ", what, " from byte offset ", header, ", the file has ", available);
  }
  if (available > count) {
    return errors::DataLoss("'", file->path, "' has ", available - count,
                            " unexpected bytes after its data, at byte offset ", header + count);
  }
  return absl::OkStatus();
}

}  // namespace

StatusOr<MnistSplit> LoadMnist(const std::string& dir, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  IdxFile images, labels;
  SLUICE_RETURN_IF_ERROR(ReadMaybeGzipped(dir, prefix + "-images-idx3-ubyte", &images));
  SLUICE_RETURN_IF_ERROR(ReadMaybeGzipped(dir, prefix + "-labels-idx1-ubyte", &labels));
  return ParseMnist(std::move(images.bytes), std::move(labels.bytes), images.path, labels.path);
}

StatusOr<MnistTrainTest> LoadMnistTrainTest(const std::string& dir) {
  MnistTrainTest data;
  SLUICE_ASSIGN_OR_RETURN(data.train, LoadMnist(dir, /*train=*/true));
  SLUICE_ASSIGN_OR_RETURN(data.test, LoadMnist(dir, /*train=*/false));
  if (data.train.labels.NumElements() == 0 || data.test.labels.NumElements() == 0) {
    return errors::InvalidArgument("the ", data.train.labels.NumElements() == 0 ? "training" : "test", " set in ",
                                   dir, " is empty: nothing to train on or to evaluate");
  }
  return data;
}

StatusOr<MnistSplit> ParseMnist(std::string images_bytes, std::string labels_bytes, const std::string& images_name,
                                const std::string& labels_name) {
  IdxFile images, labels;
  images.path = images_name;
  images.bytes = std::move(images_bytes);
  labels.path = labels_name;
  labels.bytes = std::move(labels_bytes);
  SLUICE_RETURN_IF_ERROR(ParseIdx(kImagesMagic, 3, "images", &images));
  SLUICE_RETURN_IF_ERROR(ParseIdx(kLabelsMagic, 1, "labels", &labels));
  if (images.dims[1] != kRows || images.dims[2] != kCols) {
    return errors::InvalidArgument("'", images.path, "' holds images of ", images.dims[1], "x",
                                   images.dims[2], " pixels (dimensions at byte offsets 8 and 12), "
                                   "expected 28x28");
  }
  const int64_t n = images.dims[0];
  if (labels.dims[0] != n) {
    return errors::InvalidArgument("'", images.path, "' holds ", n, " images but '", labels.path,
                                   "' holds ", labels.dims[0], " labels");
  }

  MnistSplit split;
  SLUICE_ASSIGN_OR_RETURN(split.labels, Tensor::Allocate(DT_INT64, TensorShape({n})));
  int64_t* label_out = split.labels.data<int64_t>();
  const unsigned char* label_in = reinterpret_cast<const unsigned char*>(labels.bytes.data() + labels.data_offset);
  for (int64_t i = 0; i < n; ++i) {
    if (label_in[i] > 9) {
      return errors::InvalidArgument("'", labels.path, "': label ", static_cast<int>(label_in[i]),
                                     " at byte offset ", labels.data_offset + i, " is not a digit 0..9");
    }
    label_out[i] = label_in[i];
  }

  const int64_t pixels = n * kRows * kCols;
  SLUICE_ASSIGN_OR_RETURN(split.images, Tensor::Allocate(DT_FLOAT, TensorShape({n, kRows * kCols})));
  std::array<float, 256> scale;
  for (int v = 0; v < 256; ++v) scale[v] = static_cast<float>(v) / 255.0f;
  float* image_out = split.images.data<float>();
  const unsigned char* image_in = reinterpret_cast<const unsigned char*>(images.bytes.data() + images.data_offset);
  for (int64_t i = 0; i < pixels; ++i) image_out[i] = scale[image_in[i]];
  return split;
}

std::string RepositoryDataDir(const std::string& name) { return absl::StrCat(SLUICE_DATA_DIR, "/", name); }

// Copies rows order[begin, begin + n) of `src` into a new [n, ...] tensor.
Tensor GatherRows(const Tensor& src, const std::vector<int64_t>& order, int64_t begin, int64_t n) {
  TensorShape shape = src.shape();
  shape.set_dim(0, n);
  Tensor out(src.dtype(), shape);
  size_t row_bytes = src.TotalBytes() / src.dim_size(0);
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < n; ++i) std::memcpy(d + i * row_bytes, s + order[begin + i] * row_bytes, row_bytes);
  return out;
}

Tensor Rows(const Tensor& src, int64_t begin, int64_t n) {
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), begin);
  return GatherRows(src, order, 0, n);
}

}  // namespace sluice
