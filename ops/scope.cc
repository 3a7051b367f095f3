#include "ops/scope.h"

#include <algorithm>

#include "ops/scope_internal.h"
#include "ops/variables.h"

namespace sluice {

using internal::ScopeData;
using internal::ScopeState;

namespace {

// A copy of `d` changed by `change`. The op name stays unless `change` resets it: the With*
// methods compose in any order (root.WithOpName("a").WithControlDependencies(deps) names the
// op "a" as root.WithControlDependencies(deps).WithOpName("a") does).
std::shared_ptr<const ScopeData> Derive(const std::shared_ptr<const ScopeData>& d,
                                        const std::function<void(ScopeData*)>& change) {
  auto copy = std::make_shared<ScopeData>(*d);
  change(copy.get());
  return copy;
}

// `d` without its WithOpName name.
std::shared_ptr<const ScopeData> WithoutOpName(const std::shared_ptr<const ScopeData>& d) {
  if (!d->op_name) return d;
  return Derive(d, [](ScopeData* c) { c->op_name.reset(); });
}

// Casts a literal to `dtype` (numeric and bool types).
StatusOr<Tensor> CastLiteral(const Tensor& t, DataType dtype) {
  if (dtype == DT_INVALID || t.dtype() == dtype) return t;
  Tensor out(dtype, t.shape());
  bool ok = false;
  DispatchType(t.dtype(), [&]<typename S>() {
    if constexpr (!std::is_same_v<S, std::string>) {
      DispatchType(dtype, [&]<typename D>() {
        if constexpr (!std::is_same_v<D, std::string>) {
          const S* src = t.data<S>();
          D* dst = out.data<D>();
          for (int64_t i = 0; i < t.NumElements(); ++i) dst[i] = static_cast<D>(src[i]);
          ok = true;
        }
      });
    }
  });
  if (!ok) {
    return errors::InvalidArgument("cannot convert a ", DataTypeString(t.dtype()), " literal to ",
                                   DataTypeString(dtype));
  }
  return out;
}

}  // namespace

Output Operation::output(int i) const { return Output(*this, i); }

namespace {

// The Operation for a node of `state`'s graph, in the place (name scope, device) it was built.
Operation OperationFor(const std::shared_ptr<ScopeState>& state, Node* node) {
  auto data = std::make_shared<ScopeData>();
  data->state = state;
  absl::MutexLock lock(&state->mu);
  auto it = state->node_places.find(node);
  if (it != state->node_places.end()) {
    data->prefix = it->second.prefix;
    data->device = it->second.device;
  }
  return Operation(node, std::move(data));
}

}  // namespace

Output Operation::input(int i) const {
  const Endpoint& e = node_->input(i);
  return Output(OperationFor(scope_->state, e.node), e.index);
}

Scope Operation::scope() const { return Scope(scope_); }

const Graph* Operation::graph() const { return scope_->state->nodes.get(); }

std::string Output::name() const { return absl::StrCat(node()->name(), ":", index_); }

Input::Input(const Variable& v) : output_(v.value()) {}

Output Input::ToOutput(const Scope& scope, DataType dtype) const {
  if (!is_literal_) return output_;
  if (!scope.ok()) return Output();
  auto value = CastLiteral(literal_, dtype);
  if (!value.ok()) {
    scope.UpdateStatus(value.status());
    return Output();
  }
  // Not under the scope's WithOpName name: that belongs to the op this literal feeds.
  Scope const_scope(WithoutOpName(scope.data()));
  return NodeBuilder(const_scope, "Const").Attr("value", *value).Attr("dtype", value->dtype()).Finalize();
}

Scope Scope::NewRootScope() {
  auto data = std::make_shared<ScopeData>();
  data->state = std::make_shared<ScopeState>();
  return Scope(std::move(data));
}

std::string Scope::GetUniqueNameForOp(const std::string& op_type) const {
  ScopeState& st = *data_->state;
  absl::MutexLock lock(&st.mu);
  std::string base = data_->prefix + (data_->op_name ? *data_->op_name : op_type);
  if (data_->op_name) {
    st.name_counts.try_emplace(base, 0);
    return base;  // an exact name; a clash is reported by Graph::AddNode
  }
  int& count = st.name_counts[base];
  std::string name = count == 0 ? base : absl::StrCat(base, "_", count);
  while (st.nodes->FindNode(name) != nullptr || (name != base && st.name_counts.contains(name))) {
    ++count;
    name = absl::StrCat(base, "_", count);
  }
  ++count;
  return name;
}

Scope Scope::NewSubScope(const std::string& child) const {
  if (child.empty()) return Scope(WithoutOpName(data_));
  // With a WithOpName name, that exact name (how builders open the name scope of the op they
  // were asked to name: internal::MakeNameScope); the sub-scope does not keep it.
  std::string unique = GetUniqueNameForOp(child);
  return Scope(Derive(data_, [&](ScopeData* d) {
    d->prefix = unique + "/";
    d->op_name.reset();
  }));
}

Scope Scope::WithOpName(const std::string& name) const {
  return Scope(Derive(data_, [&](ScopeData* d) { d->op_name = name; }));
}

Scope Scope::WithDevice(const std::string& device) const {
  return Scope(Derive(data_, [&](ScopeData* d) { d->device = device; }));
}

Scope Scope::WithControlDependencies(const std::vector<Operation>& deps) const {
  return Scope(Derive(data_, [&](ScopeData* d) {
    d->control_deps.insert(d->control_deps.end(), deps.begin(), deps.end());
  }));
}

Scope Scope::WithNoControlDependencies() const {
  return Scope(Derive(data_, [](ScopeData* d) { d->control_deps.clear(); }));
}

Scope::operator std::shared_ptr<const GraphUnderConstruction>() const { return data_->state; }

Graph* Scope::graph() const { return data_->state->nodes.get(); }

Status Scope::status() const { return data_->state->status(); }

Status internal::ScopeState::status() const {
  absl::MutexLock lock(&mu);
  return status_;
}

void Scope::UpdateStatus(const Status& s) const {
  absl::MutexLock lock(&data_->state->mu);
  if (data_->state->status_.ok()) data_->state->status_ = s;
}

const std::string& Scope::name_prefix() const { return data_->prefix; }
const std::string& Scope::device() const { return data_->device; }
const std::vector<Operation>& Scope::control_deps() const { return data_->control_deps; }

Status Scope::ToGraphDef(GraphDef* out) const {
  SLUICE_RETURN_IF_ERROR(status());
  graph()->ToGraphDef(out);
  return absl::OkStatus();
}

namespace {

std::vector<Variable> CollectVariables(const std::shared_ptr<ScopeState>& state, bool trainable_only) {
  std::vector<internal::VariableNodes> nodes;
  {
    absl::MutexLock lock(&state->mu);
    nodes = state->variables;
  }
  std::vector<Variable> vars;
  for (const auto& v : nodes) {
    if (trainable_only && !v.trainable) continue;
    vars.push_back(Variable::FromParts(OperationFor(state, v.ref), OperationFor(state, v.value),
                                       OperationFor(state, v.initializer)));
  }
  return vars;
}

}  // namespace

std::vector<Variable> Scope::global_variables() const { return CollectVariables(data_->state, false); }

std::vector<Variable> Scope::trainable_variables() const { return CollectVariables(data_->state, true); }

void Scope::AddVariable(const Variable& v, bool trainable) const {
  absl::MutexLock lock(&data_->state->mu);
  data_->state->variables.push_back({v.ref().node(), v.value().node(), v.initializer().node(), trainable});
}

void Scope::AddToCollection(const std::string& key, const std::string& name) const {
  absl::MutexLock lock(&data_->state->mu);
  std::vector<std::string>& names = data_->state->collections[key];
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

std::vector<std::string> Scope::GetCollection(const std::string& key) const {
  absl::MutexLock lock(&data_->state->mu);
  auto it = data_->state->collections.find(key);
  return it == data_->state->collections.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> Scope::CollectionKeys() const {
  std::vector<std::string> keys;
  {
    absl::MutexLock lock(&data_->state->mu);
    for (const auto& [key, names] : data_->state->collections) {
      if (!names.empty()) keys.push_back(key);
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

NodeBuilder::NodeBuilder(const Scope& scope, const std::string& op_type)
    : scope_(scope), op_type_(op_type) {}

NodeBuilder& NodeBuilder::Input(const Output& x) {
  args_.push_back({x});
  arg_is_list_.push_back(false);
  return *this;
}

NodeBuilder& NodeBuilder::InputList(const std::vector<Output>& xs) {
  args_.push_back(xs);
  arg_is_list_.push_back(true);
  return *this;
}

NodeBuilder& NodeBuilder::Attr(const std::string& name, AttrValue value) {
  attrs_.emplace_back(name, std::move(value));
  return *this;
}

NodeBuilder& NodeBuilder::ControlInput(const Operation& op) {
  control_inputs_.push_back(op);
  return *this;
}

Operation NodeBuilder::Finalize() {
  if (!scope_.ok()) return Operation();
  for (const auto& arg : args_) {
    for (const Output& o : arg) {
      if (!o.valid()) return Operation();  // the error that made it invalid is on the scope
    }
  }
  for (const Operation& op : control_inputs_) {
    if (!op.valid()) return Operation();
  }
  auto reg = scope_.graph()->library().LookUpOrError(op_type_);
  if (!reg.ok()) {
    scope_.UpdateStatus(reg.status());
    return Operation();
  }
  const OpDef& op_def = (*reg)->op_def;
  NodeDef def;
  def.set_name(scope_.GetUniqueNameForOp(op_type_));
  def.set_op(op_type_);
  def.set_device(scope_.device());
  for (auto& [name, value] : attrs_) (*def.mutable_attr())[name] = value;
  if (static_cast<int>(args_.size()) != op_def.input_arg_size()) {
    scope_.UpdateStatus(errors::InvalidArgument("node '", def.name(), "' (op ", op_type_, "): given ",
                                                args_.size(), " input arguments, the op takes ",
                                                op_def.input_arg_size()));
    return Operation();
  }
  // Fill type attrs and list lengths from the inputs, unless given explicitly.
  auto& attrs = *def.mutable_attr();
  for (int a = 0; a < op_def.input_arg_size(); ++a) {
    const auto& arg = op_def.input_arg(a);
    const std::vector<Output>& xs = args_[a];
    if (!arg.number_attr().empty() && !attrs.contains(arg.number_attr())) {
      attrs[arg.number_attr()] = MakeAttr(static_cast<int64_t>(xs.size()));
    }
    if (!arg.type_attr().empty() && !attrs.contains(arg.type_attr()) && !xs.empty()) {
      attrs[arg.type_attr()] = MakeAttr(BaseType(xs[0].dtype()));
    }
    if (!arg.type_list_attr().empty() && !attrs.contains(arg.type_list_attr())) {
      std::vector<DataType> types;
      for (const Output& o : xs) types.push_back(BaseType(o.dtype()));
      attrs[arg.type_list_attr()] = MakeAttr(absl::Span<const DataType>(types));
    }
    for (const Output& o : xs) {
      def.add_input(o.index() == 0 ? o.node()->name() : o.name());
    }
  }
  std::vector<const Node*> seen;
  auto add_control = [&](const Operation& op) {
    if (std::find(seen.begin(), seen.end(), op.node()) != seen.end()) return;
    seen.push_back(op.node());
    def.add_input("^" + op.node()->name());
  };
  for (const Operation& op : scope_.control_deps()) add_control(op);
  for (const Operation& op : control_inputs_) add_control(op);

  auto node = scope_.graph()->AddNode(std::move(def));
  if (!node.ok()) {
    scope_.UpdateStatus(node.status());
    return Operation();
  }
  {
    absl::MutexLock lock(&scope_.data()->state->mu);
    scope_.data()->state->node_places[*node] = {scope_.name_prefix(), scope_.device()};
  }
  // The operation's scope is where it was built, without the name it took: operators and
  // gradients that build in it name their own ops.
  return Operation(*node, WithoutOpName(scope_.data()));
}

void ResolveBinaryInputs(const Scope& scope, const Input& a, const Input& b, Output* x, Output* y) {
  if (a.is_literal() && !b.is_literal()) {
    *y = b.ToOutput(scope);
    *x = y->valid() ? a.ToOutput(scope, y->dtype()) : Output();
  } else {
    *x = a.ToOutput(scope);
    *y = x->valid() ? b.ToOutput(scope, b.is_literal() ? x->dtype() : DT_INVALID) : Output();
  }
}

namespace {

Output Binary(const std::string& op, const Input& a, const Input& b, const Output& anchor);

// The scope operators build in: the Output operand's (its name scope and device, no control
// dependencies), with a fresh name.
Scope OperandScope(const Output& o) {
  return Scope(o.op().scope().data()).WithNoControlDependencies();
}

Output Binary(const std::string& op, const Input& a, const Input& b, const Output& anchor) {
  if (!anchor.valid()) return Output();
  Scope scope = OperandScope(anchor);
  Output x, y;
  ResolveBinaryInputs(scope, a, b, &x, &y);
  if (!x.valid() || !y.valid()) return Output();
  std::string type = op;
  if (op == "RealDiv" && !IsFloatingType(x.dtype())) type = "Div";
  return NodeBuilder(scope, type).Input(x).Input(y).Finalize();
}

}  // namespace

#define SLUICE_BINARY_OPERATOR(sym, op)                                                          \
  Output operator sym(const Output& a, const Input& b) { return Binary(op, a, b, a); } \
  Output operator sym(const Input& a, const Output& b) { return Binary(op, a, b, b); } \
  Output operator sym(const Output& a, const Output& b) { return Binary(op, a, b, a); }
SLUICE_BINARY_OPERATOR(+, "AddV2")
SLUICE_BINARY_OPERATOR(-, "Sub")
SLUICE_BINARY_OPERATOR(*, "Mul")
SLUICE_BINARY_OPERATOR(/, "RealDiv")
#undef SLUICE_BINARY_OPERATOR

Output operator<(const Output& a, const Input& b) { return Binary("Less", a, b, a); }
Output operator<=(const Output& a, const Input& b) { return Binary("LessEqual", a, b, a); }
Output operator>(const Output& a, const Input& b) { return Binary("Greater", a, b, a); }
Output operator>=(const Output& a, const Input& b) { return Binary("GreaterEqual", a, b, a); }

Output operator-(const Output& a) {
  if (!a.valid()) return Output();
  return NodeBuilder(OperandScope(a), "Neg").Input(a).Finalize();
}

}  // namespace sluice
