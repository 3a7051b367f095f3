// libFuzzer target: checkpoint bundles from outside bytes (BundleReader). The input is split in
// two: a little-endian uint16 says how many of the following bytes are the index file; the rest
// is the data file. Both go to files of a per-process temporary directory; then every tensor
// listed (at most 64) is looked up. Errors must be one line, never a crash. The directory is removed at exit.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/tensor_bundle.h"

namespace {
void WriteFile(const std::string& path, const char* data, size_t n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (n > 0 && std::fwrite(data, 1, n, f) != n) std::abort();
  std::fclose(f);
}

std::string* fuzz_dir = nullptr;

void RemoveFuzzDir() {
  std::remove((*fuzz_dir + "/ckpt.index").c_str());
  std::remove((*fuzz_dir + "/ckpt.data-00000-of-00001").c_str());
  ::rmdir(fuzz_dir->c_str());
}

void CheckOneLine(const sluice::Status& s) {
  if (s.message().find('\n') != std::string::npos) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string prefix = [] {
    char dir[] = "/tmp/sluice_bundle_fuzz_XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    fuzz_dir = new std::string(dir);
    std::atexit(RemoveFuzzDir);
    return *fuzz_dir + "/ckpt";
  }();
  if (size < 2) return 0;
  const char* bytes = reinterpret_cast<const char*>(data) + 2;
  const size_t n = size - 2;
  const size_t index_bytes = std::min<size_t>(n, data[0] | (data[1] << 8));
  WriteFile(sluice::BundleIndexFilename(prefix), bytes, index_bytes);
  WriteFile(sluice::BundleDataFilename(prefix, 0, 1), bytes + index_bytes, n - index_bytes);
  auto reader = sluice::BundleReader::Open(prefix);
  if (!reader.ok()) {
    CheckOneLine(reader.status());
    return 0;
  }
  int looked_up = 0;
  for (const std::string& name : (*reader)->TensorNames()) {
    if (++looked_up > 64) break;
    auto tensor = (*reader)->Lookup(name);
    if (!tensor.ok()) CheckOneLine(tensor.status());
  }
  return 0;
}
