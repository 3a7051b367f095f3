// libFuzzer target: a GraphDef from outside bytes through parsing, validation and shape
// inference (Graph::FromGraphDef, what `sluice inspect` and Session::Create do first), then a
// run of every node that needs no feed, within small tensors (the cap is 64 MiB here).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sluice.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = [] {
    sluice::SetMaxTensorBytes(int64_t{64} << 20);
    return true;
  }();
  (void)init;
  sluice::GraphDef graph_def;
  if (!graph_def.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (graph_def.node_size() > 64) return 0;  // keep one input cheap; bigger graphs add nothing new
  auto session = sluice::Session::Create(graph_def);
  if (!session.ok()) return 0;
  for (const auto& node : (*session)->graph().nodes()) {
    std::vector<sluice::Tensor> out;
    if (node->num_outputs() > 0) {
      (void)(*session)->Run({}, {node->name()}, {}, &out);
    } else {
      (void)(*session)->Run({}, {}, {node->name()}, nullptr);
    }
  }
  return 0;
}
