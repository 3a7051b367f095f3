// Conv2D + BiasAdd (+ Relu) fusion (declared in runtime/graph_passes.h): TensorFlow's remapper
// rewrite to _FusedConv2D (grappler/optimizers/remapper.cc), on the CPU.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/device.h"
#include "core/kernel.h"
#include "runtime/graph_passes.h"

namespace sluice {
namespace {

bool IsProtected(const PassContext& ctx, const Node* n) { return ctx.protected_nodes.contains(n->name()); }

// The node's only out edge is data input 0 of a node of op `op`: that node, else null.
Node* SoleConsumer(const Node* n, const char* op) {
  if (n->out_edges().size() != 1) return nullptr;
  const OutEdge& e = n->out_edges()[0];
  if (e.src_output != 0 || e.dst_input != 0 || e.dst->type_string() != op) return nullptr;
  return e.dst;
}

// Whether a node requesting `device` runs on the CPU: it names a CPU, or names nothing and no
// GPU kernel of Conv2D exists to place it on a GPU instead (a GPU build keeps its cuDNN path).
bool RunsOnCpu(const std::string& device, const Node* conv) {
  if (device.empty()) return !KernelRegistry::Global()->HasKernel(*conv, kDeviceGpu);
  return absl::AsciiStrToUpper(device).find("CPU") != std::string::npos;
}

std::string InputName(const Endpoint& e) {
  return e.index == 0 ? e.node->name() : absl::StrCat(e.node->name(), ":", e.index);
}

std::string UniqueName(const Graph& graph, const std::string& base) {
  std::string name = base;
  for (int k = 1; graph.FindNode(name) != nullptr; ++k) name = absl::StrCat(base, "_", k);
  return name;
}

// The fusion that starts at `conv`: its BiasAdd and, when it fuses too, the Relu; empty when
// `conv` does not start one.
std::vector<Node*> Chain(const PassContext& ctx, Node* conv) {
  if (conv->type_string() != "Conv2D" || IsProtected(ctx, conv)) return {};
  Node* bias_add = SoleConsumer(conv, "BiasAdd");
  if (bias_add == nullptr || IsProtected(ctx, bias_add)) return {};
  std::string conv_format = "NHWC", bias_format = "NHWC";
  GetAttr(conv->def().attr(), "data_format", &conv_format).IgnoreError();
  GetAttr(bias_add->def().attr(), "data_format", &bias_format).IgnoreError();
  const std::string& device = conv->requested_device();
  if (conv_format != bias_format || bias_add->requested_device() != device || !RunsOnCpu(device, conv)) return {};
  Node* relu = SoleConsumer(bias_add, "Relu");
  if (relu != nullptr && !IsProtected(ctx, relu) && relu->requested_device() == device) {
    return {conv, bias_add, relu};
  }
  return {conv, bias_add};
}

Status Fuse(Graph* graph, const std::vector<Node*>& chain) {
  Node* conv = chain[0];
  Node* bias_add = chain[1];
  Node* last = chain.back();
  NodeDef def;
  def.set_name(UniqueName(*graph, absl::StrCat(last->name(), "/_FusedConv2D")));
  def.set_op("_FusedConv2D");
  def.set_device(conv->requested_device());
  def.add_input(InputName(conv->input(0)));
  def.add_input(InputName(conv->input(1)));
  def.add_input(InputName(bias_add->input(1)));
  for (const Node* n : chain) {
    for (const Node* c : n->control_inputs()) def.add_input(absl::StrCat("^", c->name()));
  }
  for (const char* attr :
       {"T", "strides", "padding", "explicit_paddings", "data_format", "dilations", "use_cudnn_on_gpu"}) {
    auto it = conv->def().attr().find(attr);
    if (it != conv->def().attr().end()) (*def.mutable_attr())[attr] = it->second;
  }
  (*def.mutable_attr())["num_args"].set_i(1);
  auto* fused_ops = (*def.mutable_attr())["fused_ops"].mutable_list();
  fused_ops->add_s("BiasAdd");
  if (chain.size() == 3) fused_ops->add_s("Relu");
  SLUICE_ASSIGN_OR_RETURN(Node * fused, graph->AddNode(std::move(def)));
  SLUICE_RETURN_IF_ERROR(graph->ReplaceAllUses({last, 0}, {fused, 0}));
  // Only the last node of the chain has other out edges: control successors, which now wait for
  // the fused node (they did not feed the chain, or the graph had a cycle already).
  std::vector<Node*> successors;
  for (const OutEdge& e : last->out_edges()) {
    if (e.dst_input < 0) successors.push_back(e.dst);
  }
  for (Node* d : successors) {
    graph->RemoveControlEdge(last, d);
    graph->AddControlEdge(fused, d);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) graph->RemoveNode(*it);
  return absl::OkStatus();
}

}  // namespace

Status ConvBiasReluFusion(Graph* graph, const PassContext& ctx, bool* changed) {
  *changed = false;
  std::vector<std::vector<Node*>> chains;
  for (Node* n : graph->nodes()) {
    std::vector<Node*> chain = Chain(ctx, n);
    if (!chain.empty()) chains.push_back(std::move(chain));
  }
  for (const std::vector<Node*>& chain : chains) {
    SLUICE_RETURN_IF_ERROR(Fuse(graph, chain));
    *changed = true;
  }
  return absl::OkStatus();
}

}  // namespace sluice
