// sluice inspect: what a GraphDef holds, with the dtypes and shapes sluice infers for it.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "core/attr_value.h"
#include "absl/strings/numbers.h"
#include "core/file_io.h"
#include "core/graph.h"
#include "tools/cli.h"

namespace sluice::cli {

namespace {

constexpr char kCommand[] = "inspect";

std::string OutputDescription(const Node& node, int i) {
  return absl::StrCat(DataTypeString(node.output_type(i)), " ", node.output_shape(i).DebugString());
}

// "x = MatMul(a, b:1, ^init) -> float [?,10]  @/device:CPU:0"
std::string NodeLine(const Node& node) {
  std::vector<std::string> inputs(node.def().input().begin(), node.def().input().end());
  std::string line = absl::StrCat(node.name(), " = ", node.type_string(), "(", absl::StrJoin(inputs, ", "), ")");
  if (node.num_outputs() == 1) {
    absl::StrAppend(&line, " -> ", OutputDescription(node, 0));
  } else if (node.num_outputs() > 1) {
    std::vector<std::string> outs;
    for (int i = 0; i < node.num_outputs(); ++i) outs.push_back(OutputDescription(node, i));
    absl::StrAppend(&line, " -> (", absl::StrJoin(outs, ", "), ")");
  }
  if (!node.requested_device().empty()) absl::StrAppend(&line, "  @", node.requested_device());
  return line;
}

bool IsVariable(const Node& node) {
  const std::string& op = node.type_string();
  return op == "VariableV2" || op == "Variable" || op == "VarHandleOp";
}

}  // namespace

int InspectCommand(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, {"max-tensor-bytes"}, {});
  if (!parsed.ok()) return ReportUsageError(kCommand, parsed.status().message());
  if (parsed->positional.size() != 1) {
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL.pb"
                                                                 : "expected exactly one MODEL.pb");
  }
  const std::string& model = parsed->positional[0];
  auto graph_def = ReadGraphDef(model);
  if (!graph_def.ok()) return ReportError(kCommand, graph_def.status());
  int64_t max_tensor_bytes = 0;
  std::string cap_text = parsed->Last("max-tensor-bytes");
  if (!cap_text.empty() && (!absl::SimpleAtoi(cap_text, &max_tensor_bytes) || max_tensor_bytes <= 0)) {
    return ReportUsageError(kCommand, absl::StrCat("--max-tensor-bytes wants a positive byte count, not '",
                                                   cap_text, "'"));
  }
  ScopedMaxTensorBytes cap(max_tensor_bytes);
  auto graph = Graph::FromGraphDef(*graph_def);
  if (!graph.ok()) {
    return ReportError(kCommand, errors::Annotate(graph.status(), absl::StrCat("loading '", model, "': ")));
  }

  std::vector<const Node*> placeholders, variables;
  for (const Node* node : (*graph)->nodes()) {
    if (node->type_string() == "Placeholder" || node->type_string() == "PlaceholderWithDefault") {
      placeholders.push_back(node);
    } else if (IsVariable(*node)) {
      variables.push_back(node);
    }
  }
  std::printf("%s: %d nodes, GraphDef producer version %d\n", model.c_str(), (*graph)->num_nodes(),
              graph_def->versions().producer());
  std::printf("\nplaceholders (%zu):\n", placeholders.size());
  for (const Node* n : placeholders) std::printf("  %s: %s\n", n->name().c_str(), OutputDescription(*n, 0).c_str());
  std::printf("\nvariables (%zu):\n", variables.size());
  for (const Node* n : variables) {
    // All variable ops declare the value's dtype and shape as attrs (VarHandleOp's output is a
    // resource handle).
    DataType dtype = DT_INVALID;
    TensorShape shape = TensorShape::UnknownRank();
    GetAttr(n->def().attr(), "dtype", &dtype).IgnoreError();
    GetAttr(n->def().attr(), "shape", &shape).IgnoreError();
    std::printf("  %s: %s %s\n", n->name().c_str(), DataTypeString(dtype).c_str(), shape.DebugString().c_str());
  }
  std::printf("\nnodes (%d):\n", (*graph)->num_nodes());
  for (const auto& node : (*graph)->nodes()) std::printf("  %s\n", NodeLine(*node).c_str());
  return kExitOk;
}

}  // namespace sluice::cli
