// libFuzzer target: an iterator's saved state from outside bytes (data::IteratorState::Parse,
// what DeserializeIterator and train::Saver read back from a checkpoint). Errors must be one
// line, never a crash; a state that parses must serialize and parse again to the same values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/dataset.h"

namespace {
void CheckOneLine(const sluice::Status& s) {
  if (s.message().find('\n') != std::string::npos) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto state = sluice::data::IteratorState::Parse(std::string(reinterpret_cast<const char*>(data), size));
  CheckOneLine(state.status());
  if (!state.ok()) return 0;
  for (const auto& [key, value] : state->values()) {
    int64_t i = 0;
    std::string s;
    sluice::Status si = state->ReadInt(key, &i), ss = state->ReadString(key, &s);
    CheckOneLine(si);
    CheckOneLine(ss);
    if (si.ok() && ss.ok()) std::abort();  // one kind only
  }
  auto again = sluice::data::IteratorState::Parse(state->Serialize());
  if (!again.ok() || again->values().size() != state->values().size()) std::abort();
  for (const auto& [key, value] : state->values()) {
    sluice::Tensor t;
    if (!again->ReadTensor(key, &t).ok() || t.dtype() != value.dtype() || t.shape() != value.shape()) std::abort();
  }
  return 0;
}
