// libFuzzer target: MNIST IDX files from outside bytes (ParseMnist, what the examples load). The
// input is split in two: the first byte says how many 64-byte units of the rest (at most all
// of it) are the images file; the remainder is the labels file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "examples/common/mnist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* rest = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;
  const size_t split = std::min(n, static_cast<size_t>(data[0]) * 64);
  (void)sluice::ParseMnist(std::string(rest, split), std::string(rest + split, n - split), "images", "labels");
  return 0;
}
