// libFuzzer target: an IDX file from outside bytes as a tensor (ParseIdx, what
// `sluice run --feed NAME=@idx:FILE` does). Every error must be one line of bounded length
// without control bytes, and a parsed tensor must hold exactly the file's elements.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = sluice::ParseIdx(absl::string_view(reinterpret_cast<const char*>(data), size), "input");
  if (!t.ok()) {
    if (t.status().message().size() > sluice::errors::kMaxMessageBytes + 64) std::abort();
    for (unsigned char c : t.status().message()) {
      if (c < 0x20 || c == 0x7f) std::abort();
    }
    return 0;
  }
  const size_t header = 4 + 4 * static_cast<size_t>(data[3]);
  if (header + t->NumElements() * sluice::DataTypeSize(t->dtype()) != size) std::abort();
  return 0;
}
