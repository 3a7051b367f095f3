// libFuzzer target: checkpoint bundles from outside bytes (BundleReader). The input is split in
// two: a little-endian uint16 says how many of the following bytes are the index file; the rest
// is the data file. Both go to files of a per-process temporary directory; then every tensor
// listed (at most 64) is looked up, and verified in chunks (which must agree). Random bytes rarely carry valid block CRCs, so the first
// part is also tried as the BundleEntryProto of a tensor "t" inside a valid index (built here)
// over the same data: that reaches the entry checks and the data parsing with every input.
// Variant elements read are also parsed as iterator states (what DeserializeIterator does with a
// restored one). Errors must be one line, never a crash. The directory is removed at exit.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/dataset.h"
#include "core/table.h"
#include "core/variant.h"
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

void Exercise(const std::string& prefix) {
  auto reader = sluice::BundleReader::Open(prefix);
  if (!reader.ok()) {
    CheckOneLine(reader.status());
    return;
  }
  int looked_up = 0;
  for (const std::string& name : (*reader)->TensorNames()) {
    if (++looked_up > 64) break;
    auto tensor = (*reader)->Lookup(name);
    if (!tensor.ok()) CheckOneLine(tensor.status());
    if (tensor.ok() && tensor->dtype() == sluice::DT_VARIANT) {
      for (int64_t i = 0; i < tensor->NumElements(); ++i) {
        const auto* proto = tensor->data<sluice::Variant>()[i].get<sluice::VariantTensorDataProto>();
        if (proto == nullptr) std::abort();  // the reader yields each element as its proto
        auto state = sluice::data::IteratorState::FromProto(*proto);
        if (!state.ok()) CheckOneLine(state.status());
      }
    }
    // The chunked check must agree with the whole read.
    sluice::Status verified = (*reader)->Verify(name, 3);
    if (verified.ok() != tensor.ok()) std::abort();
    if (!verified.ok()) CheckOneLine(verified);
  }
}

// A valid index: the header and tensor "t" whose entry is `entry` (any bytes).
std::string IndexWithEntry(const std::string& entry) {
  sluice::StringSink sink;
  sluice::TableBuilder builder(sluice::TableOptions{}, &sink);
  sluice::BundleHeaderProto header;
  header.set_num_shards(1);
  if (!builder.Add("", header.SerializeAsString()).ok() || !builder.Add("t", entry).ok() || !builder.Finish().ok()) {
    std::abort();
  }
  return sink.data();
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
  Exercise(prefix);
  std::string index = IndexWithEntry(std::string(bytes, index_bytes));
  WriteFile(sluice::BundleIndexFilename(prefix), index.data(), index.size());
  Exercise(prefix);
  return 0;
}
