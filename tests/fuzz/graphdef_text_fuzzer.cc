// libFuzzer target: a text GraphDef (.pbtxt) from outside bytes through ParseTextProto (what
// ReadGraphFile does for text files), then validation and shape inference
// (Graph::FromGraphDef, what `sluice inspect` does next). Every error must be one line of
// bounded length without control bytes: anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/graph.h"
#include "core/graph_file.h"
#include "core/tensor.h"

namespace {
void CheckOneLine(const sluice::Status& s) {
  if (s.ok()) return;
  if (s.message().size() > sluice::errors::kMaxMessageBytes + 64) std::abort();
  for (unsigned char c : s.message()) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = [] {
    sluice::SetMaxTensorBytes(int64_t{64} << 20);
    return true;
  }();
  (void)init;
  sluice::GraphDef graph_def;
  sluice::Status parsed = sluice::ParseTextProto(
      absl::string_view(reinterpret_cast<const char*>(data), size), "input.pbtxt", &graph_def);
  CheckOneLine(parsed);
  if (!parsed.ok() || graph_def.node_size() > 256) return 0;
  CheckOneLine(sluice::Graph::FromGraphDef(graph_def).status());
  return 0;
}
