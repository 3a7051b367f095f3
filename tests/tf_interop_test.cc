// Files sluice writes (TFRecord files, checkpoint bundles), read by TensorFlow (tests/data/tf/read_with_tf.py). TensorFlow is an
// oracle, never a dependency: every test here skips, saying so, where `import tensorflow` fails.
// The interpreter: $SLUICE_TF_PYTHON, else the anchors' bench/.venv/bin/python, else python3.
// (The other direction, files TensorFlow wrote read by sluice, runs everywhere from the
// fixtures in tests/data/tf/.)
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/record_io.h"
#include "core/types.h"
#include "gtest/gtest.h"
#include "runtime/tensor_bundle.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

#define SKIP_WITHOUT_TENSORFLOW() SLUICE_SKIP_WITHOUT_PYTHON_MODULES("tensorflow")

// The lines read_with_tf.py prints for `args`; fails the test when it does not exit 0.
std::vector<std::string> ReadWithTensorFlow(const std::string& args) {
  auto out = test::RunPython(std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/read_with_tf.py", args);
  EXPECT_OK(out.status());
  return out.ok() ? test::Lines(*out) : std::vector<std::string>{};
}

std::string Hex(const std::string& bytes) {
  if (bytes.empty()) return "-";
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

TEST(TfInteropTest, TensorFlowReadsTfRecordFilesSluiceWrote) {
  SKIP_WITHOUT_TENSORFLOW();
  test::TempDir dir;
  std::vector<std::string> records = {"", "x", std::string("\0\xff\n", 3), std::string(100000, 'r')};
  for (int i = 0; i < 50; ++i) records.push_back("record " + std::to_string(i));
  std::string args = "tfrecord";
  std::vector<std::string> expected;
  for (const auto& [name, compression] : {std::pair{"plain", "-"}, std::pair{"zlib", "ZLIB"}, std::pair{"gzip", "GZIP"}}) {
    std::string path = dir.path() + "/" + name + ".tfrecord";
    RecordWriterOptions options;
    options.compression = *ParseRecordCompression(compression == std::string("-") ? "" : compression);
    auto writer = RecordWriter::Create(path, options);
    ASSERT_OK(writer.status());
    for (const auto& r : records) ASSERT_OK((*writer)->WriteRecord(r));
    ASSERT_OK((*writer)->Close());
    args += " " + path + " " + compression;
    expected.push_back("file " + path);
    for (const auto& r : records) expected.push_back(Hex(r));
  }
  EXPECT_EQ(ReadWithTensorFlow(args), expected);
}

// NumPy's name of a dtype, as TensorFlow's DType.name gives it.
std::string TfDtypeName(DataType dt) {
  switch (dt) {
    case DT_FLOAT: return "float32";
    case DT_DOUBLE: return "float64";
    case DT_INT8: return "int8";
    case DT_INT16: return "int16";
    case DT_INT32: return "int32";
    case DT_INT64: return "int64";
    case DT_UINT8: return "uint8";
    case DT_UINT16: return "uint16";
    case DT_UINT32: return "uint32";
    case DT_UINT64: return "uint64";
    case DT_BOOL: return "bool";
    case DT_STRING: return "string";
    default: return DataTypeString(dt);
  }
}

// The line read_with_tf.py prints for a tensor.
std::string TfLine(const std::string& name, const Tensor& t) {
  std::vector<std::string> dims;
  for (int i = 0; i < t.dims(); ++i) dims.push_back(std::to_string(t.dim_size(i)));
  std::string shape = dims.empty() ? "scalar" : absl::StrJoin(dims, "x");
  std::string data;
  if (t.dtype() == DT_STRING) {
    std::vector<std::string> elems;
    for (int64_t i = 0; i < t.NumElements(); ++i) elems.push_back(Hex(t.data<std::string>()[i]));
    data = elems.empty() ? "-" : absl::StrJoin(elems, ",");
  } else {
    data = Hex(std::string(static_cast<const char*>(t.raw_data()), t.NumElements() * DataTypeSize(t.dtype())));
  }
  return absl::StrCat(name, " ", TfDtypeName(t.dtype()), " ", shape, " ", data);
}

TEST(TfInteropTest, TensorFlowReadsBundlesSluiceWrote) {
  SKIP_WITHOUT_TENSORFLOW();
  test::TempDir dir;
  std::string prefix = dir.path() + "/model.ckpt-12";
  std::vector<std::pair<std::string, Tensor>> tensors = {
      {"dense/kernel", Tensor::FromVector<float>({0.5f, -1.f, 2.25f, 1e-8f, 3.f, -7.f}, TensorShape{3, 2})},
      {"dense/bias", Tensor::FromVector<double>({1e300, -0.125})},
      {"global_step", Tensor::Scalar<int64_t>(123456789012345)},
      {"counts", Tensor::FromVector<int32_t>({-5, 0, 5})},
      {"bytes", Tensor::FromVector<uint8_t>({0, 1, 254, 255})},
      {"i8", Tensor::FromVector<int8_t>({-128, 127})},
      {"u64", Tensor::FromVector<uint64_t>({UINT64_MAX, 1})},
      {"mask", Tensor::FromVector<bool>({true, false})},
      {"vocab", Tensor::FromVector<std::string>({"alpha", "", std::string("\0\xff", 2), std::string(1000, 'z')})},
      {"no_strings", Tensor(DT_STRING, TensorShape{0})},
      {"nothing", Tensor(DT_FLOAT, TensorShape{0, 3})},
      {"Adam/dense/kernel/Adam_1", Tensor::FromVector<float>({1.f})},
  };
  auto writer = BundleWriter::Create(prefix);
  ASSERT_OK(writer.status());
  for (const auto& [name, tensor] : tensors) ASSERT_OK((*writer)->Add(name, tensor));
  ASSERT_OK((*writer)->Finish());
  std::sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> expected;
  for (const auto& [name, tensor] : tensors) expected.push_back(TfLine(name, tensor));
  EXPECT_EQ(ReadWithTensorFlow("bundle " + prefix), expected);
}

}  // namespace
}  // namespace sluice
