// Graph: the in-memory dataflow graph. Nodes are validated against their op's schema as they
// are added (attrs filled with defaults, input references and dtypes checked, output shapes
// inferred), so a Graph is always well formed; GraphDef is its wire form. Graph passes rewrite
// a graph in place (remove nodes, rewire edges); the mutators keep nodes, edges and each
// NodeDef's input list in agreement, so ToGraphDef always writes what the graph is.
#ifndef SLUICE_CORE_GRAPH_H_
#define SLUICE_CORE_GRAPH_H_

#include <cstddef>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "core/function.h"
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
  // Whether the op is a function of the graph's library (a call by function name).
  bool is_function_call() const { return reg_->is_function; }

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

// The live nodes of a Graph, in id order (a removed node's id is skipped): a light view that
// iterates as `for (Node* n : graph.nodes())`. Adding or removing nodes invalidates it.
class NodeRange {
 public:
  using Storage = std::vector<std::unique_ptr<Node>>;
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Node*;
    using difference_type = std::ptrdiff_t;
    using pointer = Node* const*;
    using reference = Node*;

    iterator() = default;
    iterator(Storage::const_iterator it, Storage::const_iterator end) : it_(it), end_(end) { SkipRemoved(); }
    Node* operator*() const { return it_->get(); }
    iterator& operator++() {
      ++it_;
      SkipRemoved();
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& o) const { return it_ == o.it_; }

   private:
    void SkipRemoved() {
      while (it_ != end_ && *it_ == nullptr) ++it_;
    }
    Storage::const_iterator it_, end_;
  };

  explicit NodeRange(const Storage& nodes) : nodes_(&nodes) {}
  iterator begin() const { return iterator(nodes_->begin(), nodes_->end()); }
  iterator end() const { return iterator(nodes_->end(), nodes_->end()); }

 private:
  const Storage* nodes_;
};

class Graph {
 public:
  explicit Graph(const OpRegistry* registry = OpRegistry::Global());
  // An empty graph whose function library starts as a copy of `library` (the graphs a compile
  // makes from another graph call the same functions).
  explicit Graph(const FunctionLibraryDefinition& library);
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Adds a node whose inputs ("name", "name:k", "^name") refer to nodes already in the graph.
  // Validates the op, the attrs (filling defaults), the input references and dtypes, and infers
  // the output shapes. Every error names the node. On error the graph is unchanged.
  StatusOr<Node*> AddNode(NodeDef def);
  // Adds all nodes of `graph_def`, which may list them in any order and may refer to nodes
  // already in this graph. Errors (unknown op, bad input reference, cycle, attr type mismatch,
  // duplicate name, shape error) name the node; on error the graph may hold some of the nodes.
  // The GraphDef's function library is added first (its functions can then be called).
  // The one cycle allowed is a TF1 while loop's back edge: a Merge (RefMerge) input read from a
  // NextIteration (RefNextIteration). Such an input is connected after every node is added (the
  // Merge's shape inference sees it as unknown), as TensorFlow's graph constructor does.
  Status Import(const GraphDef& graph_def);
  static StatusOr<std::unique_ptr<Graph>> FromGraphDef(const GraphDef& graph_def,
                                                       const OpRegistry* registry = OpRegistry::Global());

  Node* FindNode(absl::string_view name) const;
  // Parses "name" or "name:k" into an endpoint; NotFound names the tensor.
  StatusOr<Endpoint> FindEndpoint(absl::string_view tensor_name) const;
  // The number of live nodes.
  int num_nodes() const { return num_live_nodes_; }
  // The size of the id space: every id ever given out is below it. Ids are never reused, so
  // after RemoveNode this exceeds num_nodes().
  int num_node_ids() const { return static_cast<int>(nodes_.size()); }
  // The node with this id; nullptr when it was removed or `id` is out of range.
  Node* FindNodeId(int id) const;
  // The live nodes in id (insertion) order. Until nodes are rewired that is a topological order;
  // after UpdateEdge or AddControlEdge it may not be: use TopologicalOrder.
  NodeRange nodes() const { return NodeRange(nodes_); }
  // The live nodes, each after all its data and control inputs; among nodes ready at the same
  // time the smaller id comes first, so a graph that was never rewired comes out in id order.
  // (Should rewiring have made a cycle, its nodes come last, in id order, so none is lost and
  // re-importing the GraphDef reports the cycle.)
  std::vector<Node*> TopologicalOrder() const;
  const OpRegistry* registry() const { return registry_; }
  // The graph's functions (GraphDef.library): ops for its nodes besides the registry's.
  const FunctionLibraryDefinition& library() const { return library_; }
  FunctionLibraryDefinition* mutable_library() { return &library_; }

  // Mutation. Node pointers and ids of the other nodes stay valid throughout.
  //
  // Removes `node`, its name, its input edges and the control edges from it (its control
  // successors lose that control input). Requires that no node reads its outputs any more:
  // move those uses first (ReplaceAllUses, UpdateEdge). Its id is never given out again.
  void RemoveNode(Node* node);
  // Makes data input `dst_input` of `dst` read `new_src` instead, keeping the out edges of the
  // old and the new producer and dst's NodeDef input in sync. The dtype must suit the input as
  // AddNode requires; InvalidArgument names both nodes otherwise, and the graph is unchanged.
  // dst's inferred output shapes are not recomputed: `new_src` should produce what the old input
  // did (a folded constant, an equivalent node). The caller keeps the graph acyclic: `dst` must
  // not be an ancestor of `new_src`.
  Status UpdateEdge(Endpoint new_src, Node* dst, int dst_input);
  // Moves every data use of `from` to `to` (see UpdateEdge). Control edges are not touched.
  // On error (a consumer whose input type `to` does not suit) the graph is unchanged.
  Status ReplaceAllUses(Endpoint from, Endpoint to);
  // Adds the control edge src -> dst ("^src" in dst's NodeDef) unless it exists already. The
  // caller keeps the graph acyclic.
  void AddControlEdge(Node* src, Node* dst);
  // Removes the control edge src -> dst if there is one.
  void RemoveControlEdge(Node* src, Node* dst);

  // Writes the live nodes in TopologicalOrder, and the function library.
  void ToGraphDef(GraphDef* out) const;
  const VersionDef& versions() const { return versions_; }

 private:
  // AddNode, with the data inputs listed in `back_edges` seen by shape inference as unknown
  // (Import's placeholders for loop back edges, connected later).
  StatusOr<Node*> AddNodeInternal(NodeDef def, absl::Span<const int> back_edges);
  // Why `src` cannot feed data input `dst_input` of `dst` (OK when it can).
  Status CheckInputType(Endpoint src, const Node* dst, int dst_input) const;

  const OpRegistry* registry_;
  FunctionLibraryDefinition library_;  // looks up registry_'s ops too
  std::vector<std::unique_ptr<Node>> nodes_;  // by id; null where a node was removed
  int num_live_nodes_ = 0;
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
