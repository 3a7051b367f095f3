// libFuzzer target: a binary MetaGraphDef (.meta) from outside bytes through ImportMetaGraph's
// steps: parsing, MetaGraph::FromProto (collections, VariableDefs, the SaverDef), every
// collection read back, a session over its graph, and a restore through its SaverDef from a
// checkpoint that does not exist. Every error must be one line of bounded length without control
// bytes: anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

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
    sluice::SetMaxLoopIterations(1000);
    return true;
  }();
  (void)init;
  sluice::MetaGraphDef meta_graph;
  sluice::Status parsed = sluice::ParseBinaryProto(
      absl::string_view(reinterpret_cast<const char*>(data), size), "input.meta", &meta_graph);
  CheckOneLine(parsed);
  if (!parsed.ok() || meta_graph.graph_def().node_size() > 256) return 0;
  auto meta = sluice::MetaGraph::FromProto(std::move(meta_graph));
  CheckOneLine(meta.status());
  if (!meta.ok()) return 0;
  for (const std::string& key : meta->CollectionKeys()) (void)meta->GetCollection(key);
  auto session = meta->CreateSession();
  CheckOneLine(session.status());
  if (!session.ok()) return 0;
  if (meta->has_saver_def()) CheckOneLine(meta->Restore(**session, "/nonexistent/sluice-fuzz/model"));
  return 0;
}
