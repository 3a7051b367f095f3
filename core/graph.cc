#include "core/graph.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <queue>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "core/shape_value.h"

namespace sluice {

namespace {
// The GraphDef producer version sluice writes: TensorFlow 1.15's, so TF tools accept the files.
constexpr int kGraphDefProducer = 134;

bool ValidNodeName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == '>')) {
      return false;
    }
  }
  return name[0] != '_' || name.size() > 1;
}

// How a NodeDef input names `e`: "name" for output 0, else "name:k".
std::string InputName(const Endpoint& e) {
  return e.index == 0 ? e.node->name() : absl::StrCat(e.node->name(), ":", e.index);
}

// Removes one out edge (dst, src_output, dst_input) from `edges`, if there is one.
void EraseOutEdge(std::vector<OutEdge>* edges, const Node* dst, int src_output, int dst_input) {
  auto it = std::find_if(edges->begin(), edges->end(), [&](const OutEdge& e) {
    return e.dst == dst && e.src_output == src_output && e.dst_input == dst_input;
  });
  if (it != edges->end()) edges->erase(it);
}
}  // namespace

bool ParseTensorName(absl::string_view tensor_name, absl::string_view* node, int* index) {
  size_t colon = tensor_name.rfind(':');
  if (colon == absl::string_view::npos) {
    *node = tensor_name;
    *index = 0;
    return !tensor_name.empty();
  }
  *node = tensor_name.substr(0, colon);
  return !node->empty() && absl::SimpleAtoi(tensor_name.substr(colon + 1), index) && *index >= 0;
}

Graph::Graph(const OpRegistry* registry) : registry_(registry), library_(registry) {
  versions_.set_producer(kGraphDefProducer);
}

Graph::Graph(const FunctionLibraryDefinition& library)
    : registry_(OpRegistry::Global()), library_(library) {
  versions_.set_producer(kGraphDefProducer);
}

Node* Graph::FindNodeId(int id) const {
  return id >= 0 && id < num_node_ids() ? nodes_[id].get() : nullptr;
}

Node* Graph::FindNode(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

StatusOr<Endpoint> Graph::FindEndpoint(absl::string_view tensor_name) const {
  absl::string_view name;
  int index;
  if (!ParseTensorName(tensor_name, &name, &index)) {
    return errors::InvalidArgument("malformed tensor name '", errors::Echo(tensor_name), "'");
  }
  Node* node = FindNode(name);
  if (node == nullptr) {
    return errors::NotFound("tensor '", errors::Echo(tensor_name), "': no node named '", errors::Echo(name),
                            "' in the graph");
  }
  if (index >= node->num_outputs()) {
    return errors::NotFound("tensor '", tensor_name, "': node ", node->DebugName(), " has ",
                            node->num_outputs(), " outputs");
  }
  return Endpoint{node, index};
}

StatusOr<Node*> Graph::AddNode(NodeDef def) { return AddNodeInternal(std::move(def), {}); }

StatusOr<Node*> Graph::AddNodeInternal(NodeDef def, absl::Span<const int> back_edges) {
  const std::string name = def.name();
  auto fail = [&](const Status& s) {
    return errors::Annotate(s, absl::StrCat("node '", errors::Echo(name), "' (op ", errors::Echo(def.op()), "): "));
  };
  if (!ValidNodeName(name)) return errors::InvalidArgument("invalid node name '", errors::Echo(name), "'");
  if (by_name_.contains(name)) return errors::AlreadyExists("duplicate node name '", errors::Echo(name), "'");
  auto reg = library_.LookUpOrError(def.op());
  if (!reg.ok()) return fail(reg.status());

  auto node = std::make_unique<Node>();
  node->reg_ = *reg;
  const OpDef& op_def = node->reg_->op_def;
  Status s = ValidateAndFillAttrs(op_def, &def);
  if (!s.ok()) return fail(s);
  s = InOutTypesForNode(def, op_def, &node->input_types_, &node->output_types_);
  if (!s.ok()) return fail(s);

  // Resolve inputs: data inputs first, then control inputs ("^name").
  std::vector<InferenceContext::InputInfo> infos;
  for (const std::string& in : def.input()) {
    if (!in.empty() && in[0] == '^') {
      Node* src = FindNode(absl::string_view(in).substr(1));
      if (src == nullptr) return fail(errors::InvalidArgument("control input '", errors::Echo(in), "' refers to an unknown node"));
      node->control_inputs_.push_back(src);
      continue;
    }
    if (!node->control_inputs_.empty()) {
      return fail(errors::InvalidArgument("data input '", errors::Echo(in), "' comes after a control input"));
    }
    absl::string_view src_name;
    int index;
    if (!ParseTensorName(in, &src_name, &index)) return fail(errors::InvalidArgument("malformed input '", errors::Echo(in), "'"));
    Node* src = FindNode(src_name);
    if (src == nullptr) return fail(errors::InvalidArgument("input '", errors::Echo(in), "' refers to an unknown node"));
    if (index >= src->num_outputs()) {
      return fail(errors::InvalidArgument("input '", errors::Echo(in), "' refers to output ", index, " of ",
                                          src->DebugName(), ", which has ", src->num_outputs(), " outputs"));
    }
    node->inputs_.push_back({src, index});
  }
  if (node->inputs_.size() != node->input_types_.size()) {
    return fail(errors::InvalidArgument("has ", node->inputs_.size(), " data inputs, the op takes ",
                                        node->input_types_.size()));
  }
  for (int i = 0; i < node->num_inputs(); ++i) {
    const Endpoint& e = node->inputs_[i];
    DataType have = e.node->output_type(e.index), want = node->input_types_[i];
    bool ok = IsRefType(want) ? have == want : BaseType(have) == want;
    if (!ok) {
      return fail(errors::InvalidArgument("input ", i, " ('", def.input(i), "') is ", DataTypeString(have),
                                          ", expected ", DataTypeString(want)));
    }
    InferenceContext::InputInfo info;
    info.dtype = BaseType(have);
    if (std::find(back_edges.begin(), back_edges.end(), i) != back_edges.end()) {
      infos.push_back(std::move(info));  // unknown shape, no value
      continue;
    }
    info.shape = e.node->output_shape(e.index);
    info.value = e.node->const_value();
    if (const HandleShapeAndType* handle = e.node->output_handle_shape_and_type(e.index)) info.handle = *handle;
    if (e.node->type_string() == "Shape" && e.node->num_inputs() == 1) {
      const Endpoint& shaped = e.node->input(0);
      info.as_shape = shaped.node->output_shape(shaped.index);
    } else if (info.value == nullptr) {
      if (auto v = PartialIntValueOf(e); v && !v->scalar) info.as_shape = TensorShape(absl::MakeConstSpan(v->values));
    }
    infos.push_back(std::move(info));
  }

  if (def.op() == "Const") {
    Tensor value;
    s = GetAttr(def.attr(), "value", &value);
    if (!s.ok()) return fail(s);
    DataType declared;
    if (GetAttr(def.attr(), "dtype", &declared).ok() && declared != value.dtype()) {
      return fail(errors::InvalidArgument("attr 'dtype' is ", DataTypeString(declared),
                                          " but the value is ", DataTypeString(value.dtype())));
    }
    node->const_value_ = std::move(value);
  }

  node->output_shapes_.assign(node->output_types_.size(), TensorShape::UnknownRank());
  if (node->reg_->shape_fn) {
    InferenceContext ctx(&def, std::move(infos), node->num_outputs());
    s = node->reg_->shape_fn(&ctx);
    if (!s.ok()) return fail(s);
    node->output_shapes_ = std::move(ctx.outputs());
    node->output_handles_ = std::move(ctx.output_handle_shapes_and_types());
  }

  node->def_ = std::move(def);
  node->id_ = static_cast<int>(nodes_.size());
  Node* raw = node.get();
  for (int i = 0; i < raw->num_inputs(); ++i) {
    raw->inputs_[i].node->out_edges_.push_back({raw, raw->inputs_[i].index, i});
  }
  for (Node* c : raw->control_inputs_) c->out_edges_.push_back({raw, -1, -1});
  by_name_[raw->name()] = raw;
  nodes_.push_back(std::move(node));
  ++num_live_nodes_;
  return raw;
}

std::vector<Node*> Graph::TopologicalOrder() const {
  // Kahn's algorithm over pending input counts, taking the smallest ready id first.
  std::vector<int> pending(nodes_.size(), 0);
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (Node* n : nodes()) {
    pending[n->id()] = n->num_inputs() + static_cast<int>(n->control_inputs().size());
    if (pending[n->id()] == 0) ready.push(n->id());
  }
  std::vector<Node*> order;
  order.reserve(num_live_nodes_);
  while (!ready.empty()) {
    Node* n = nodes_[ready.top()].get();
    ready.pop();
    order.push_back(n);
    for (const OutEdge& e : n->out_edges()) {
      if (--pending[e.dst->id()] == 0) ready.push(e.dst->id());
    }
  }
  if (static_cast<int>(order.size()) < num_live_nodes_) {
    for (Node* n : nodes()) {
      if (pending[n->id()] > 0) order.push_back(n);
    }
  }
  return order;
}

Status Graph::CheckInputType(Endpoint src, const Node* dst, int dst_input) const {
  if (dst == nullptr || FindNodeId(dst->id()) != dst) {
    return errors::InvalidArgument("cannot rewire an input of a node that is not in this graph");
  }
  if (dst_input < 0 || dst_input >= dst->num_inputs()) {
    return errors::InvalidArgument("node ", dst->DebugName(), " has no data input ", dst_input, " (it has ",
                                   dst->num_inputs(), ")");
  }
  if (src.node == nullptr || FindNodeId(src.node->id()) != src.node) {
    return errors::InvalidArgument("cannot make input ", dst_input, " of node ", dst->DebugName(),
                                   " read a node that is not in this graph");
  }
  if (src.index < 0 || src.index >= src.node->num_outputs()) {
    return errors::InvalidArgument("cannot make input ", dst_input, " of node ", dst->DebugName(), " read output ",
                                   src.index, " of node ", src.node->DebugName(), ", which has ",
                                   src.node->num_outputs(), " outputs");
  }
  DataType have = src.node->output_type(src.index), want = dst->input_type(dst_input);
  bool ok = IsRefType(want) ? have == want : BaseType(have) == want;
  if (!ok) {
    return errors::InvalidArgument("cannot make input ", dst_input, " of node ", dst->DebugName(), " read '",
                                   InputName(src), "' of node ", src.node->DebugName(), ": it is ",
                                   DataTypeString(have), ", expected ", DataTypeString(want));
  }
  return absl::OkStatus();
}

Status Graph::UpdateEdge(Endpoint new_src, Node* dst, int dst_input) {
  SLUICE_RETURN_IF_ERROR(CheckInputType(new_src, dst, dst_input));
  Endpoint& old = dst->inputs_[dst_input];
  if (old == new_src) return absl::OkStatus();
  EraseOutEdge(&old.node->out_edges_, dst, old.index, dst_input);
  new_src.node->out_edges_.push_back({dst, new_src.index, dst_input});
  old = new_src;
  // Data inputs precede control inputs in a NodeDef (AddNode insists), so input k is entry k.
  *dst->def_.mutable_input(dst_input) = InputName(new_src);
  return absl::OkStatus();
}

Status Graph::ReplaceAllUses(Endpoint from, Endpoint to) {
  if (from == to || from.node == nullptr) return absl::OkStatus();
  std::vector<OutEdge> uses;
  for (const OutEdge& e : from.node->out_edges()) {
    if (e.dst_input >= 0 && e.src_output == from.index) uses.push_back(e);
  }
  // Check every use before changing any, so that an error leaves the graph as it was.
  for (const OutEdge& e : uses) SLUICE_RETURN_IF_ERROR(CheckInputType(to, e.dst, e.dst_input));
  for (const OutEdge& e : uses) SLUICE_RETURN_IF_ERROR(UpdateEdge(to, e.dst, e.dst_input));
  return absl::OkStatus();
}

void Graph::AddControlEdge(Node* src, Node* dst) {
  auto& controls = dst->control_inputs_;
  if (std::find(controls.begin(), controls.end(), src) != controls.end()) return;
  controls.push_back(src);
  src->out_edges_.push_back({dst, -1, -1});
  dst->def_.add_input(absl::StrCat("^", src->name()));
}

void Graph::RemoveControlEdge(Node* src, Node* dst) {
  // An imported NodeDef may list a control input twice; every copy goes.
  auto& controls = dst->control_inputs_;
  controls.erase(std::remove(controls.begin(), controls.end(), src), controls.end());
  auto& edges = src->out_edges_;
  edges.erase(std::remove_if(edges.begin(), edges.end(),
                             [dst](const OutEdge& e) { return e.dst == dst && e.dst_input < 0; }),
              edges.end());
  auto* inputs = dst->def_.mutable_input();
  const std::string control_name = absl::StrCat("^", src->name());
  inputs->erase(std::remove(inputs->begin(), inputs->end(), control_name), inputs->end());
}

void Graph::RemoveNode(Node* node) {
  assert(FindNodeId(node->id()) == node);
  assert(std::none_of(node->out_edges().begin(), node->out_edges().end(),
                      [](const OutEdge& e) { return e.dst_input >= 0; }));
  for (int i = 0; i < node->num_inputs(); ++i) {
    EraseOutEdge(&node->inputs_[i].node->out_edges_, node, node->inputs_[i].index, i);
  }
  for (Node* c : node->control_inputs_) EraseOutEdge(&c->out_edges_, node, -1, -1);
  // Copied: RemoveControlEdge edits node's out edges.
  const std::vector<OutEdge> out_edges = node->out_edges_;
  for (const OutEdge& e : out_edges) {
    if (e.dst_input < 0) RemoveControlEdge(node, e.dst);
  }
  by_name_.erase(node->name());
  nodes_[node->id()].reset();
  --num_live_nodes_;
}

Status Graph::Import(const GraphDef& graph_def) {
  SLUICE_RETURN_IF_ERROR(errors::Annotate(library_.AddLibrary(graph_def.library()), "function library: "));
  // Order the new nodes so that each comes after its inputs (depth-first, iterative), then add
  // them one by one through AddNode, which validates each.
  absl::flat_hash_map<absl::string_view, int> index;
  for (int i = 0; i < graph_def.node_size(); ++i) {
    const std::string& name = graph_def.node(i).name();
    if (!index.emplace(name, i).second || by_name_.contains(name)) {
      return errors::AlreadyExists("node '", errors::Echo(name), "': duplicate node name");
    }
  }
  // A TF1 loop's back edge: data input `input` of a Merge reads a NextIteration.
  auto is_back_edge = [&](const NodeDef& def, absl::string_view input) {
    if (def.op() != "Merge" && def.op() != "RefMerge") return false;
    if (input.empty() || input[0] == '^') return false;
    absl::string_view src;
    int k;
    if (!ParseTensorName(input, &src, &k)) return false;
    auto it = index.find(src);
    const NodeDef* src_def = it != index.end() ? &graph_def.node(it->second) : nullptr;
    if (src_def == nullptr) {
      const Node* existing = FindNode(src);
      return existing != nullptr && (existing->type_string() == "NextIteration" ||
                                     existing->type_string() == "RefNextIteration");
    }
    return src_def->op() == "NextIteration" || src_def->op() == "RefNextIteration";
  };
  enum : char { kNew, kVisiting, kDone };
  std::vector<char> state(graph_def.node_size(), kNew);
  std::vector<int> order;
  order.reserve(graph_def.node_size());
  for (int root = 0; root < graph_def.node_size(); ++root) {
    if (state[root] != kNew) continue;
    std::vector<std::pair<int, int>> stack = {{root, 0}};  // (node, next input to visit)
    state[root] = kVisiting;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const NodeDef& def = graph_def.node(n);
      if (next == def.input_size()) {
        state[n] = kDone;
        order.push_back(n);
        stack.pop_back();
        continue;
      }
      absl::string_view in = def.input(next++);
      if (is_back_edge(def, in)) continue;  // connected after every node is added
      if (!in.empty() && in[0] == '^') in.remove_prefix(1);
      absl::string_view src;
      int k;
      if (!ParseTensorName(in, &src, &k)) {
        return errors::InvalidArgument("node '", errors::Echo(def.name()), "' (op ", errors::Echo(def.op()),
                                       "): malformed input '", errors::Echo(in), "'");
      }
      auto it = index.find(src);
      if (it == index.end()) {
        if (FindNode(src) != nullptr) continue;
        return errors::InvalidArgument("node '", errors::Echo(def.name()), "' (op ", errors::Echo(def.op()),
                                       "): input '", errors::Echo(in),
                                       "' refers to an unknown node");
      }
      int dep = it->second;
      if (state[dep] == kDone) continue;
      if (state[dep] == kVisiting) {
        std::vector<std::string> cycle;
        for (auto it2 = stack.rbegin(); it2 != stack.rend(); ++it2) {
          cycle.push_back(errors::Echo(graph_def.node(it2->first).name()));
          if (it2->first == dep) break;
        }
        std::reverse(cycle.begin(), cycle.end());
        const std::string dep_name = errors::Echo(graph_def.node(dep).name());
        return errors::InvalidArgument("graph has a cycle through node '", dep_name, "': ",
                                       absl::StrJoin(cycle, " -> "), " -> ", dep_name);
      }
      state[dep] = kVisiting;
      stack.push_back({dep, 0});
    }
  }
  struct BackEdge {
    Node* merge;
    int input;
    const std::string* source;
  };
  std::vector<BackEdge> back_edges;
  for (int n : order) {
    const NodeDef& def = graph_def.node(n);
    std::vector<int> back;
    for (int k = 0; k < def.input_size(); ++k) {
      if (is_back_edge(def, def.input(k))) back.push_back(k);
    }
    if (back.empty()) {
      SLUICE_RETURN_IF_ERROR(AddNode(def).status());
      continue;
    }
    // Each back edge reads, for now, a data input that is there already (Merge's inputs all
    // have one type); the real source is connected once it exists.
    int stand_in = -1;
    for (int k = 0; k < def.input_size() && stand_in < 0; ++k) {
      if (def.input(k).empty() || def.input(k)[0] == '^') break;
      if (std::find(back.begin(), back.end(), k) == back.end()) stand_in = k;
    }
    if (stand_in < 0) {
      return errors::InvalidArgument("node '", errors::Echo(def.name()), "' (op ", def.op(),
                                     "): every data input is a NextIteration, so the loop can never be entered");
    }
    NodeDef with_stand_ins = def;
    for (int k : back) with_stand_ins.set_input(k, def.input(stand_in));
    SLUICE_ASSIGN_OR_RETURN(Node * merge, AddNodeInternal(std::move(with_stand_ins), back));
    for (int k : back) back_edges.push_back({merge, k, &def.input(k)});
  }
  for (const BackEdge& e : back_edges) {
    auto src = FindEndpoint(*e.source);
    Status s = src.ok() ? UpdateEdge(*src, e.merge, e.input) : src.status();
    if (!s.ok()) {
      return errors::Annotate(s, absl::StrCat("node '", errors::Echo(e.merge->name()), "' (op ", e.merge->type_string(),
                                              "): loop back edge '", errors::Echo(*e.source), "': "));
    }
  }
  if (graph_def.has_versions()) versions_ = graph_def.versions();
  return absl::OkStatus();
}

StatusOr<std::unique_ptr<Graph>> Graph::FromGraphDef(const GraphDef& graph_def,
                                                     const OpRegistry* registry) {
  auto graph = std::make_unique<Graph>(registry);
  SLUICE_RETURN_IF_ERROR(graph->Import(graph_def));
  return graph;
}

void Graph::ToGraphDef(GraphDef* out) const {
  out->Clear();
  for (const Node* node : TopologicalOrder()) *out->add_node() = node->def();
  *out->mutable_versions() = versions_;
  if (!library_.empty()) *out->mutable_library() = library_.ToProto();
}

}  // namespace sluice
