// libFuzzer target: a .npy file from outside bytes (ParseNpy, what every --feed reads), and the
// re-encoding of what it accepts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

#include "core/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto t = sluice::ParseNpy(absl::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  if (t.ok()) (void)sluice::EncodeNpy(*t);
  return 0;
}
