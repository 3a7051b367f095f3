// sluice graph: a GraphDef as a Graphviz digraph (`sluice graph model.pb --dot | dot -Tsvg`):
// one node per NodeDef, labelled with its name and op; an edge per data input (labelled with
// the output index when it is not 0) and a dashed edge per control input. Placeholders are
// ellipses, variables cylinders, everything else boxes. The GraphDef is not imported, so graphs
// with ops sluice lacks are drawn too.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "tools/cli.h"

namespace sluice::cli {

namespace {

constexpr char kCommand[] = "graph";

// `s` as a Graphviz quoted string.
std::string DotQuoted(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

const char* ShapeOf(const std::string& op) {
  if (op == "Placeholder" || op == "PlaceholderWithDefault" || op == "PlaceholderV2") return "ellipse";
  if (op == "VariableV2" || op == "Variable" || op == "VarHandleOp") return "cylinder";
  return "box";
}

}  // namespace

int GraphCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {}, {"dot"});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.size() != 1) {
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL.pb" : "expected exactly one MODEL.pb");
  }
  const std::string& model = parsed->positional[0];
  auto graph_def = ReadGraphDef(model);
  if (!graph_def.ok()) return ReportError(kCommand, graph_def.status());
  std::string out = absl::StrCat("digraph ", DotQuoted(model), " {\n  node [shape=box, fontname=\"Helvetica\"];\n");
  for (const NodeDef& node : graph_def->node()) {
    absl::StrAppend(&out, "  ", DotQuoted(node.name()), " [label=", DotQuoted(absl::StrCat(node.name(), "\n", node.op())),
                    ", shape=", ShapeOf(node.op()), "];\n");
  }
  for (const NodeDef& node : graph_def->node()) {
    for (const std::string& input : node.input()) {
      if (input.starts_with("^")) {
        absl::StrAppend(&out, "  ", DotQuoted(input.substr(1)), " -> ", DotQuoted(node.name()), " [style=dashed];\n");
        continue;
      }
      std::string source = input, index;
      size_t colon = input.rfind(':');
      if (colon != std::string::npos) {
        source = input.substr(0, colon);
        index = input.substr(colon + 1);
      }
      absl::StrAppend(&out, "  ", DotQuoted(source), " -> ", DotQuoted(node.name()),
                      index.empty() || index == "0" ? "" : absl::StrCat(" [label=", DotQuoted(index), "]"), ";\n");
    }
  }
  out += "}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace sluice::cli
