#include "core/graph.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"

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

Graph::Graph(const OpRegistry* registry) : registry_(registry) {
  versions_.set_producer(kGraphDefProducer);
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

StatusOr<Node*> Graph::AddNode(NodeDef def) {
  const std::string name = def.name();
  auto fail = [&](const Status& s) {
    return errors::Annotate(s, absl::StrCat("node '", errors::Echo(name), "' (op ", errors::Echo(def.op()), "): "));
  };
  if (!ValidNodeName(name)) return errors::InvalidArgument("invalid node name '", errors::Echo(name), "'");
  if (by_name_.contains(name)) return errors::AlreadyExists("duplicate node name '", errors::Echo(name), "'");
  auto reg = registry_->LookUpOrError(def.op());
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
    info.shape = e.node->output_shape(e.index);
    info.value = e.node->const_value();
    if (const HandleShapeAndType* handle = e.node->output_handle_shape_and_type(e.index)) info.handle = *handle;
    if (e.node->type_string() == "Shape" && e.node->num_inputs() == 1) {
      const Endpoint& shaped = e.node->input(0);
      info.as_shape = shaped.node->output_shape(shaped.index);
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
  return raw;
}

Status Graph::Import(const GraphDef& graph_def) {
  // Order the new nodes so that each comes after its inputs (depth-first, iterative), then add
  // them one by one through AddNode, which validates each.
  absl::flat_hash_map<absl::string_view, int> index;
  for (int i = 0; i < graph_def.node_size(); ++i) {
    const std::string& name = graph_def.node(i).name();
    if (!index.emplace(name, i).second || by_name_.contains(name)) {
      return errors::AlreadyExists("node '", errors::Echo(name), "': duplicate node name");
    }
  }
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
  for (int n : order) SLUICE_RETURN_IF_ERROR(AddNode(graph_def.node(n)).status());
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
  for (const auto& node : nodes_) *out->add_node() = node->def();
  *out->mutable_versions() = versions_;
}

}  // namespace sluice
