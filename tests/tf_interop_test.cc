// Files sluice writes, read by TensorFlow (tests/data/tf/read_with_tf.py). TensorFlow is an
// oracle, never a dependency: every test here skips, saying so, where `import tensorflow` fails.
// The interpreter: $SLUICE_TF_PYTHON, else the anchors' bench/.venv/bin/python, else python3.
// (The other direction, files TensorFlow wrote read by sluice, runs everywhere from the
// fixtures in tests/data/tf/.)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/record_io.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

std::string Python() {
  if (const char* p = std::getenv("SLUICE_TF_PYTHON")) return p;
  std::string venv = std::string(SLUICE_SOURCE_DIR) + "/bench/.venv/bin/python";
  if (::access(venv.c_str(), X_OK) == 0) return venv;
  return "python3";
}

bool HaveTensorFlow() {
  static const bool have =
      std::system((Python() + " -c 'import tensorflow' >/dev/null 2>&1").c_str()) == 0;
  return have;
}

#define SKIP_WITHOUT_TENSORFLOW()                                                                  \
  if (!HaveTensorFlow()) GTEST_SKIP() << "TensorFlow is not importable by " << Python()           \
                                      << " (set SLUICE_TF_PYTHON, or run bench/setup_anchors.sh)"

// The lines read_with_tf.py prints for `args`; fails the test when it does not exit 0.
std::vector<std::string> ReadWithTensorFlow(const std::string& args) {
  test::TempDir dir;
  const std::string errors = dir.path() + "/stderr";
  std::string command = Python() + " " + SLUICE_SOURCE_DIR + "/tests/data/tf/read_with_tf.py " + args + " 2>" + errors;
  FILE* pipe = ::popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return {};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int rc = ::pclose(pipe);
  if (rc != 0) {
    std::string err;
    if (FILE* f = std::fopen(errors.c_str(), "r")) {
      while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) err.append(buf, n);
      std::fclose(f);
    }
    ADD_FAILURE() << command << " exited with " << rc << ":\n" << out << err;
  }
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  return lines;
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

}  // namespace
}  // namespace sluice
