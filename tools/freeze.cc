// sluice freeze: a graph and a checkpoint in, a self-contained inference GraphDef out
// (runtime/freeze_graph.h: the variables the outputs read become Consts).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "core/graph_file.h"
#include "runtime/freeze_graph.h"
#include "tools/cli.h"
#include "tools/model_args.h"

namespace sluice::cli {

namespace {
constexpr char kCommand[] = "freeze";
}  // namespace

int FreezeCommand(const std::vector<std::string>& args) {
  // "-o FILE" is "--output FILE".
  std::vector<std::string> spelled = args;
  for (std::string& a : spelled) {
    if (a == "-o") a = "--output";
  }
  auto parsed = ParseArgs(spelled, {"checkpoint", "outputs", "output"}, {});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.size() != 1) {
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL" : "expected exactly one MODEL");
  }
  const std::string checkpoint = parsed->Last("checkpoint");
  const std::string out = parsed->Last("output");
  std::vector<std::string> outputs;
  for (const std::string& list : parsed->All("outputs")) {
    for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) outputs.emplace_back(name);
  }
  if (checkpoint.empty()) return ReportUsageError(kCommand, "missing --checkpoint PREFIX|DIR");
  if (outputs.empty()) return ReportUsageError(kCommand, "missing --outputs NODE[,NODE...]");
  if (out.empty()) return ReportUsageError(kCommand, "missing -o FROZEN.pb");
  for (std::string& name : outputs) {
    // FreezeGraph takes node names; "logits:0" names the same node.
    size_t colon = name.rfind(':');
    if (colon != std::string::npos) name.resize(colon);
  }
  const std::string& model = parsed->positional[0];
  auto meta = LoadModel(model);
  if (!meta.ok()) return ReportError(kCommand, meta.status());
  auto session = CreateModelSession(*meta, model, checkpoint);
  if (!session.ok()) return ReportError(kCommand, session.status());
  auto frozen = FreezeGraph(**session, outputs);
  if (!frozen.ok()) {
    return ReportError(kCommand, errors::Annotate(frozen.status(), absl::StrCat("freezing '", model, "': ")));
  }
  Status s = WriteGraphFile(*frozen, out);
  if (!s.ok()) return ReportError(kCommand, s);
  std::printf("%s + %s -> %s (%d nodes)\n", model.c_str(), checkpoint.c_str(), out.c_str(), frozen->node_size());
  return kExitOk;
}

}  // namespace sluice::cli
