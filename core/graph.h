// Graph: the in-memory dataflow graph. Nodes are validated against their op's schema as they
// are added (attrs filled with defaults, input references and dtypes checked, output shapes
// inferred), so a Graph is always well formed; GraphDef is its wire form.
#ifndef SLUICE_CORE_GRAPH_H_
#define SLUICE_CORE_GRAPH_H_

#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/op_registry.h"
#include "core/tensor.h"
#include "proto/graph.pb.h"

namespace sluice {

class Node;

// One output of a node.
struct Endpoint {
  Node* node = nullptr;
  int index = 0;
  bool operator==(const Endpoint& o) const { return node == o.node && index == o.index; }
  template <typename H>
  friend H AbslHashValue(H h, const Endpoint& e) { return H::combine(std::move(h), e.node, e.index); }
};

// A use of a node's output (or, with dst_input == -1, a control edge).
struct OutEdge {
  Node* dst;
  int src_output;  // -1 for a control edge
  int dst_input;   // -1 for a control edge
};

class Node {
 public:
  int id() const { return id_; }
  const std::string& name() const { return def_.name(); }
  const std::string& type_string() const { return def_.op(); }
  const NodeDef& def() const { return def_; }
  const OpDef& op_def() const { return reg_->op_def; }
  const std::string& requested_device() const { return def_.device(); }
  bool is_stateful() const { return reg_->op_def.is_stateful(); }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(output_types_.size()); }
  DataType input_type(int i) const { return input_types_[i]; }
  DataType output_type(int i) const { return output_types_[i]; }
  const DataTypeVector& input_types() const { return input_types_; }
  const DataTypeVector& output_types() const { return output_types_; }
  const TensorShape& output_shape(int i) const { return output_shapes_[i]; }
  // What resource output i refers to (its dtype and shape), when shape inference knows; else null.
  const HandleShapeAndType* output_handle_shape_and_type(int i) const {
    return i < static_cast<int>(output_handles_.size()) && output_handles_[i].has_value() ? &*output_handles_[i]
                                                                                          : nullptr;
  }
  const Endpoint& input(int i) const { return inputs_[i]; }
  const std::vector<Endpoint>& inputs() const { return inputs_; }
  const std::vector<Node*>& control_inputs() const { return control_inputs_; }
  const std::vector<OutEdge>& out_edges() const { return out_edges_; }
  // For Const nodes, the value; else nullptr.
  const Tensor* const_value() const { return const_value_ ? &*const_value_ : nullptr; }

  // "name (op Type)", the form errors use.
  std::string DebugName() const { return absl::StrCat("'", name(), "' (op ", type_string(), ")"); }

 private:
  friend class Graph;
  int id_ = 0;
  NodeDef def_;
  const OpRegistrationData* reg_ = nullptr;
  DataTypeVector input_types_, output_types_;
  std::vector<TensorShape> output_shapes_;
  std::vector<std::optional<HandleShapeAndType>> output_handles_;  // empty unless some output has one
  std::vector<Endpoint> inputs_;
  std::vector<Node*> control_inputs_;
  std::vector<OutEdge> out_edges_;
  std::optional<Tensor> const_value_;
};

class Graph {
 public:
  explicit Graph(const OpRegistry* registry = OpRegistry::Global());
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Adds a node whose inputs ("name", "name:k", "^name") refer to nodes already in the graph.
  // Validates the op, the attrs (filling defaults), the input references and dtypes, and infers
  // the output shapes. Every error names the node. On error the graph is unchanged.
  StatusOr<Node*> AddNode(NodeDef def);
  // Adds all nodes of `graph_def`, which may list them in any order and may refer to nodes
  // already in this graph. Errors (unknown op, bad input reference, cycle, attr type mismatch,
  // duplicate name, shape error) name the node; on error the graph may hold some of the nodes.
  Status Import(const GraphDef& graph_def);
  static StatusOr<std::unique_ptr<Graph>> FromGraphDef(const GraphDef& graph_def,
                                                       const OpRegistry* registry = OpRegistry::Global());

  Node* FindNode(absl::string_view name) const;
  // Parses "name" or "name:k" into an endpoint; NotFound names the tensor.
  StatusOr<Endpoint> FindEndpoint(absl::string_view tensor_name) const;
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  // Nodes in insertion order, which is a topological order.
  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  const OpRegistry* registry() const { return registry_; }

  void ToGraphDef(GraphDef* out) const;
  const VersionDef& versions() const { return versions_; }

 private:
  const OpRegistry* registry_;
  std::vector<std::unique_ptr<Node>> nodes_;
  absl::flat_hash_map<std::string, Node*> by_name_;
  VersionDef versions_;
};

// A graph still being built (a client Scope's): a Session over it picks up the nodes added
// between Runs. Implemented by the client API's scope state; the runtime sees only this.
class GraphUnderConstruction {
 public:
  virtual ~GraphUnderConstruction() = default;
  virtual const Graph& graph() const = 0;
  // The first error a builder recorded, else OK.
  virtual Status status() const = 0;
};

// Splits "name:k" into name and k (k = 0 when absent). Returns false for a malformed index.
bool ParseTensorName(absl::string_view tensor_name, absl::string_view* node, int* index);

}  // namespace sluice

#endif  // SLUICE_CORE_GRAPH_H_
