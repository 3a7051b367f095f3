// The client graph-building API: Scope, Operation, Output, Input and NodeBuilder.
//
//   Scope root = Scope::NewRootScope();
//   auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
//   auto y = ops::MatMul(root.NewSubScope("layer"), x, w);     // node "layer/MatMul"
//
// A Scope names ops (name scopes, unique names), carries device requests and control
// dependencies, and accumulates errors: a builder that fails records the error (naming the op
// and the shapes involved) on the Scope and returns an invalid Output; later builders that take
// it do nothing. Check scope.status() once, or let Session report it.
#ifndef SLUICE_OPS_SCOPE_H_
#define SLUICE_OPS_SCOPE_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/attr_value.h"
#include "core/graph.h"
#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

class Scope;
class Output;
class Variable;

namespace internal {
struct ScopeState;
struct ScopeData;
}  // namespace internal

// A node of the graph being built, with the scope that built it.
class Operation {
 public:
  Operation() = default;
  Operation(Node* node, std::shared_ptr<const internal::ScopeData> scope)
      : node_(node), scope_(std::move(scope)) {}

  bool valid() const { return node_ != nullptr; }
  Node* node() const { return node_; }
  // What Session::Run takes as a target.
  operator const Node*() const { return node_; }  // NOLINT
  const std::string& name() const { return node_->name(); }
  int num_inputs() const { return node_->num_inputs(); }
  int num_outputs() const { return node_->num_outputs(); }
  Output output(int i) const;
  // The producer of data input i.
  Output input(int i) const;
  // The scope this operation was built in (operators on its outputs build there).
  Scope scope() const;
  // The graph this operation belongs to.
  const Graph* graph() const;

 private:
  Node* node_ = nullptr;
  std::shared_ptr<const internal::ScopeData> scope_;
};

// One output of an Operation. An invalid Output (from a failed builder) has no node.
class Output {
 public:
  Output() = default;
  Output(Operation op, int index) : op_(std::move(op)), index_(index) {}
  Output(const Operation& op) : op_(op), index_(0) {}  // NOLINT: single-output ops

  bool valid() const { return op_.valid(); }
  const Operation& op() const { return op_; }
  Node* node() const { return op_.node(); }
  int index() const { return index_; }
  DataType dtype() const { return op_.node()->output_type(index_); }
  // The shape inferred while building (may be partial).
  const TensorShape& shape() const { return op_.node()->output_shape(index_); }
  // "node:index", the name to feed or fetch.
  std::string name() const;
  Endpoint endpoint() const { return Endpoint{op_.node(), index_}; }
  // What Session::Run takes as a feed or fetch.
  operator Endpoint() const { return endpoint(); }  // NOLINT

 private:
  Operation op_;
  int index_ = 0;
};

// A value an op builder takes: an Output, a Variable (its value), or a literal that becomes a
// Const when the op is built (a scalar, a nested list, or a Tensor).
class Input {
 public:
  Input(const Output& o) : output_(o) {}  // NOLINT
  Input(const Operation& o) : output_(o) {}  // NOLINT
  Input(const Variable& v);  // NOLINT
  Input(const Tensor& t) : literal_(t), is_literal_(true) {}  // NOLINT
  Input(float v) : Input(Tensor::Scalar<float>(v)) {}  // NOLINT
  Input(double v) : Input(Tensor::Scalar<float>(static_cast<float>(v))) {}  // NOLINT
  Input(int v) : Input(Tensor::Scalar<int32_t>(v)) {}  // NOLINT
  Input(int64_t v) : Input(Tensor::Scalar<int64_t>(v)) {}  // NOLINT
  Input(bool v) : Input(Tensor::Scalar<bool>(v)) {}  // NOLINT
  Input(std::initializer_list<float> v) : Input(Tensor::FromVector(std::vector<float>(v))) {}
  Input(std::initializer_list<int> v)
      : Input(Tensor::FromVector(std::vector<int32_t>(v.begin(), v.end()))) {}
  Input(std::initializer_list<int64_t> v) : Input(Tensor::FromVector(std::vector<int64_t>(v))) {}

  bool is_literal() const { return is_literal_; }
  // The Output this Input stands for; a literal becomes a Const in `scope`, converted to
  // `dtype` when one is given (so `x * 2` multiplies by a Const of x's dtype).
  Output ToOutput(const Scope& scope, DataType dtype = DT_INVALID) const;

 private:
  Output output_;
  Tensor literal_;
  bool is_literal_ = false;
};

class Scope {
 public:
  // A scope over a new, empty graph.
  static Scope NewRootScope();

  // Ops built in the sub-scope are named "<prefix>/<child>/...". A child name used twice gets
  // a suffix ("dense", "dense_1"), as in TensorFlow. On a scope with a WithOpName name the
  // child is named exactly that name instead (the name scope of the op a builder was asked to
  // name); the sub-scope itself has no WithOpName name.
  Scope NewSubScope(const std::string& child) const;
  // The With* methods each change one thing and keep the rest, so they compose in any order:
  // root.WithOpName("a").WithDevice(d).WithControlDependencies(deps) builds the same node as
  // root.WithControlDependencies(deps).WithDevice(d).WithOpName("a").
  //
  // The op built gets exactly this name (within the scope's prefix).
  Scope WithOpName(const std::string& name) const;
  // Ops built request this device ("" for none).
  Scope WithDevice(const std::string& device) const;
  // Ops built run after `deps` (added to the scope's control dependencies).
  Scope WithControlDependencies(const std::vector<Operation>& deps) const;
  // Ops built have none of the scope's control dependencies.
  Scope WithNoControlDependencies() const;

  Graph* graph() const;
  // The graph with its construction status, which a Session follows: `Session session(root)`.
  operator std::shared_ptr<const GraphUnderConstruction>() const;  // NOLINT
  // The first error recorded by any builder on this graph, else OK.
  Status status() const;
  bool ok() const { return status().ok(); }
  void UpdateStatus(const Status& s) const;

  // The name a new op of `op_type` gets: the WithOpName name or the op type, under the prefix,
  // made unique with "_1", "_2", ...
  std::string GetUniqueNameForOp(const std::string& op_type) const;
  const std::string& name_prefix() const;
  const std::string& device() const;
  const std::vector<Operation>& control_deps() const;

  // The graph so far; fails with the first recorded error.
  Status ToGraphDef(GraphDef* out) const;

  // Variables built on this graph (the TF1 GLOBAL_VARIABLES / TRAINABLE_VARIABLES collections).
  std::vector<Variable> global_variables() const;
  std::vector<Variable> trainable_variables() const;
  void AddVariable(const Variable& v, bool trainable) const;

  // TF1's named graph collections (tf.add_to_collection / tf.get_collection) of node names
  // ("train_op") or tensor names ("loss:0"), e.g. "losses", "summaries", "train_op", "update_ops"
  // and user keys; a MetaGraphDef keeps them. Names are kept in the order added, each once per
  // key. The variable collections ("variables", "trainable_variables") are the ones above.
  void AddToCollection(const std::string& key, const std::string& name) const;
  std::vector<std::string> GetCollection(const std::string& key) const;
  // The keys that have at least one name, sorted.
  std::vector<std::string> CollectionKeys() const;

  std::shared_ptr<const internal::ScopeData> data() const { return data_; }
  explicit Scope(std::shared_ptr<const internal::ScopeData> data) : data_(std::move(data)) {}

 private:
  std::shared_ptr<const internal::ScopeData> data_;
};

// Builds one node: inputs in op-argument order, attrs by name. Type attrs (T) and list lengths
// (N) that the inputs determine are filled in automatically.
class NodeBuilder {
 public:
  NodeBuilder(const Scope& scope, const std::string& op_type);
  NodeBuilder& Input(const Output& x);
  // All inputs of one list argument (N * T or a list(type) argument).
  NodeBuilder& InputList(const std::vector<Output>& xs);
  NodeBuilder& Attr(const std::string& name, AttrValue value);
  template <typename T>
  NodeBuilder& Attr(const std::string& name, const T& value) {
    return Attr(name, MakeAttr(value));
  }
  NodeBuilder& ControlInput(const Operation& op);
  // Adds the node; on error records it on the scope and returns an invalid Operation.
  Operation Finalize();

 private:
  Scope scope_;
  std::string op_type_;
  std::vector<std::vector<Output>> args_;  // one entry per input argument
  std::vector<bool> arg_is_list_;
  std::vector<std::pair<std::string, AttrValue>> attrs_;
  std::vector<Operation> control_inputs_;
};

// Turns the operands of a binary op into Outputs of one dtype: a literal takes the dtype of the
// other operand (so `x * 2` and `Mul(s, x, 0.5)` work for any float or int x).
void ResolveBinaryInputs(const Scope& scope, const Input& a, const Input& b, Output* x, Output* y);

// Operators build ops in the scope of their Output operand (TF1's `a * b + c`).
Output operator+(const Output& a, const Input& b);
Output operator+(const Input& a, const Output& b);
Output operator+(const Output& a, const Output& b);
Output operator-(const Output& a, const Input& b);
Output operator-(const Input& a, const Output& b);
Output operator-(const Output& a, const Output& b);
Output operator*(const Output& a, const Input& b);
Output operator*(const Input& a, const Output& b);
Output operator*(const Output& a, const Output& b);
Output operator/(const Output& a, const Input& b);
Output operator/(const Input& a, const Output& b);
Output operator/(const Output& a, const Output& b);
Output operator-(const Output& a);
Output operator<(const Output& a, const Input& b);
Output operator<=(const Output& a, const Input& b);
Output operator>(const Output& a, const Input& b);
Output operator>=(const Output& a, const Input& b);

}  // namespace sluice

#endif  // SLUICE_OPS_SCOPE_H_
