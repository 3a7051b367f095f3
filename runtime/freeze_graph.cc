#include "runtime/freeze_graph.h"

#include "absl/container/flat_hash_set.h"
#include "core/attr_value.h"

namespace sluice {
namespace {

// The nodes that become Consts: ref variables, and the reads of resource variables (the
// VarHandleOp itself is then needed no more, as in TF's convert_variables_to_constants).
bool BecomesConst(const Node& n) {
  if (n.type_string() == "VariableV2") return true;
  return n.type_string() == "ReadVariableOp" && n.input(0).node->type_string() == "VarHandleOp";
}

}  // namespace

StatusOr<GraphDef> FreezeGraph(Session& session, const std::vector<std::string>& outputs) {
  const Graph& graph = session.graph();
  absl::flat_hash_set<const Node*> needed;
  std::vector<const Node*> stack;
  for (const std::string& name : outputs) {
    const Node* n = graph.FindNode(name);
    if (n == nullptr) return errors::NotFound("FreezeGraph: no node named '", name, "'");
    if (needed.insert(n).second) stack.push_back(n);
  }
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (BecomesConst(*n)) continue;  // its inputs are not needed
    auto visit = [&](const Node* in) {
      if (needed.insert(in).second) stack.push_back(in);
    };
    for (const Endpoint& e : n->inputs()) visit(e.node);
    for (const Node* c : n->control_inputs()) visit(c);
  }
  GraphDef frozen;
  *frozen.mutable_versions() = graph.versions();
  for (const Node* node : graph.nodes()) {
    if (!needed.contains(node)) continue;
    if (!BecomesConst(*node)) {
      *frozen.add_node() = node->def();
      continue;
    }
    std::vector<Tensor> value;
    SLUICE_RETURN_IF_ERROR(session.Run({}, {node->name()}, {}, &value));
    NodeDef* c = frozen.add_node();
    c->set_name(node->name());
    c->set_op("Const");
    c->set_device(node->requested_device());
    (*c->mutable_attr())["dtype"] = MakeAttr(value[0].dtype());
    (*c->mutable_attr())["value"] = MakeAttr(value[0]);
  }
  return frozen;
}

}  // namespace sluice
