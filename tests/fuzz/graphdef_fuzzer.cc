// libFuzzer target: a GraphDef from outside bytes through parsing, validation and shape
// inference (Graph::FromGraphDef, what `sluice inspect` and Session::Create do first), then a
// run of every node that needs no feed, within small tensors (the cap is 64 MiB here). Every
// error must be one line of bounded length without control bytes: anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sluice.h"

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
    sluice::SetMaxLoopIterations(1000);  // a mutated loop condition may never turn false
    return true;
  }();
  (void)init;
  sluice::GraphDef graph_def;
  sluice::Status parsed = sluice::ParseBinaryProto(
      absl::string_view(reinterpret_cast<const char*>(data), size), "input", &graph_def);
  CheckOneLine(parsed);
  if (!parsed.ok()) return 0;
  if (graph_def.node_size() > 64) return 0;  // keep one input cheap; bigger graphs add nothing new
  auto session = sluice::Session::Create(graph_def);
  CheckOneLine(session.status());
  if (!session.ok()) return 0;
  for (const auto& node : (*session)->graph().nodes()) {
    std::vector<sluice::Tensor> out;
    if (node->num_outputs() > 0) {
      CheckOneLine((*session)->Run({}, {node->name()}, {}, &out));
    } else {
      CheckOneLine((*session)->Run({}, {}, {node->name()}, nullptr));
    }
  }
  return 0;
}
