// sluice inspect: what a graph file (.pb, .pbtxt, .meta) holds, with the dtypes and shapes sluice
// infers for it; for a meta graph also its SaverDef and collections.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/attr_value.h"
#include "absl/strings/numbers.h"
#include "core/file_io.h"
#include "core/graph.h"
#include "tools/cli.h"
#include "ops/meta_graph.h"

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

// "Name(a: float, b: T) -> (out: T)"
std::string FunctionLine(const FunctionDef& f) {
  auto args = [](const auto& list) {
    std::vector<std::string> parts;
    for (const OpDef::ArgDef& a : list) {
      parts.push_back(absl::StrCat(a.name(), ": ", a.type_attr().empty() ? DataTypeString(a.type()) : a.type_attr()));
    }
    return absl::StrJoin(parts, ", ");
  };
  return absl::StrCat(f.signature().name(), "(", args(f.signature().input_arg()), ") -> (",
                      args(f.signature().output_arg()), "), ", f.node_def_size(), " nodes");
}

void PrintMetaGraph(const MetaGraph& meta) {
  if (meta.proto().has_saver_def()) {
    const SaverDef& s = meta.saver_def();
    std::printf("\nsaver:\n  filename_tensor_name: %s\n  save_tensor_name: %s\n  restore_op_name: %s\n"
                "  max_to_keep: %d, keep_checkpoint_every_n_hours: %g, version: %s%s\n",
                s.filename_tensor_name().c_str(), s.save_tensor_name().c_str(), s.restore_op_name().c_str(),
                s.max_to_keep(), s.keep_checkpoint_every_n_hours(),
                SaverDef::CheckpointFormatVersion_Name(s.version()).c_str(), s.sharded() ? ", sharded" : "");
  } else if (meta.has_saver_def()) {
    std::printf("\nsaver: TF's default saver nodes (save/Const:0, save/restore_all)\n");
  }
  std::vector<std::string> keys = meta.CollectionKeys();
  if (keys.empty()) return;
  std::printf("\ncollections (%zu):\n", keys.size());
  for (const std::string& key : keys) {
    const CollectionDef& c = meta.proto().collection_def().at(key);
    const char* kind = c.has_node_list()    ? "node_list"
                       : c.has_bytes_list() ? "bytes_list"
                       : c.has_int64_list() ? "int64_list"
                       : c.has_float_list() ? "float_list"
                       : c.has_any_list()   ? "any_list"
                                            : "empty";
    std::vector<std::string> values = meta.GetCollection(key);
    bool printable = c.has_node_list() || c.has_int64_list() || c.has_float_list() || !meta.GetVariables(key).empty();
    std::string shown;
    if (printable) {
      std::vector<std::string> echoed;
      for (const std::string& v : values) echoed.push_back(errors::Echo(v));
      shown = absl::StrCat(": ", absl::StrJoin(echoed, ", "));
    }
    std::printf("  %s (%s, %zu)%s\n", errors::Echo(key).c_str(), kind, values.size(), shown.c_str());
  }
}

// The op types by how many nodes use them, then the outputs: nodes whose results no node reads
// (the graph's fetchable ends: losses, train ops, probabilities), save/restore nodes aside.
void PrintOpsAndOutputs(const Graph& graph) {
  absl::flat_hash_map<std::string, int> counts;
  for (const Node* node : graph.nodes()) ++counts[node->type_string()];
  std::vector<std::pair<std::string, int>> ops(counts.begin(), counts.end());
  std::sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::printf("\nops (%zu kinds):\n", ops.size());
  for (const auto& [op, count] : ops) std::printf("  %6d %s\n", count, op.c_str());
  std::vector<const Node*> outputs;
  for (const Node* node : graph.nodes()) {
    if (!node->out_edges().empty() || absl::StartsWith(node->name(), "save/") ||
        absl::StrContains(node->name(), "/save/")) {
      continue;
    }
    outputs.push_back(node);
  }
  std::printf("\noutputs (%zu):\n", outputs.size());
  for (const Node* n : outputs) {
    std::printf("  %s = %s%s\n", n->name().c_str(), n->type_string().c_str(),
                n->num_outputs() > 0 ? absl::StrCat(" -> ", OutputDescription(*n, 0)).c_str() : "");
  }
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
    return ReportUsageError(kCommand, parsed->positional.empty() ? "missing MODEL (.pb, .pbtxt or .meta)"
                                                                 : "expected exactly one MODEL");
  }
  const std::string& model = parsed->positional[0];
  auto file = ReadGraphFile(model);
  if (!file.ok()) return ReportError(kCommand, file.status());
  const GraphFileFormat format = file->format;
  auto meta = MetaGraph::FromProto(std::move(file->meta_graph));
  if (!meta.ok()) return ReportError(kCommand, errors::Annotate(meta.status(), absl::StrCat("'", model, "': ")));
  const GraphDef* graph_def = &meta->graph_def();
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
  std::printf("%s: %s, %d nodes, GraphDef producer version %d\n", model.c_str(), GraphFileFormatName(format),
              (*graph)->num_nodes(),
              graph_def->versions().producer());
  std::printf("\nplaceholders (%zu):\n", placeholders.size());
  for (const Node* n : placeholders) std::printf("  %s: %s\n", n->name().c_str(), OutputDescription(*n, 0).c_str());
  std::printf("\nvariables (%zu):\n", variables.size());
  int64_t parameters = 0, trainable_parameters = 0;
  bool unknown_shapes = false;
  // A meta graph's "trainable_variables" collection says which of them training changes.
  absl::flat_hash_set<std::string> trainable;
  for (const std::string& name : meta->GetCollection("trainable_variables")) trainable.insert(name);
  for (const Node* n : variables) {
    // All variable ops declare the value's dtype and shape as attrs (VarHandleOp's output is a
    // resource handle).
    DataType dtype = DT_INVALID;
    TensorShape shape = TensorShape::UnknownRank();
    GetAttr(n->def().attr(), "dtype", &dtype).IgnoreError();
    GetAttr(n->def().attr(), "shape", &shape).IgnoreError();
    std::printf("  %s: %s %s\n", n->name().c_str(), DataTypeString(dtype).c_str(), shape.DebugString().c_str());
    if (shape.IsFullyDefined()) {
      parameters += shape.num_elements();
      if (trainable.contains(n->name() + ":0")) trainable_parameters += shape.num_elements();
    } else {
      unknown_shapes = true;
    }
  }
  std::string trainable_note =
      trainable.empty() ? "" : absl::StrCat(" (", trainable_parameters, " trainable)");
  std::printf("  total: %lld parameters%s%s\n", static_cast<long long>(parameters), trainable_note.c_str(),
              unknown_shapes ? " (and variables of unknown shape)" : "");
  const FunctionDefLibrary& library = graph_def->library();
  if (library.function_size() > 0) {
    std::printf("\nfunctions (%d):\n", library.function_size());
    for (const FunctionDef& f : library.function()) std::printf("  %s\n", FunctionLine(f).c_str());
  }
  PrintMetaGraph(*meta);
  PrintOpsAndOutputs(**graph);
  std::printf("\nnodes (%d):\n", (*graph)->num_nodes());
  for (const auto& node : (*graph)->nodes()) std::printf("  %s\n", NodeLine(*node).c_str());
  return kExitOk;
}

}  // namespace sluice::cli
