#include "ops/variable_scope.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ops/initializers.h"
#include "ops/scope_internal.h"

namespace sluice {

using internal::ScopeData;
using internal::ScopeState;
using internal::VariableScopeData;

namespace {

VariableReuse Combine(VariableReuse requested, VariableReuse parent) {
  return requested == VariableReuse::kInherit ? parent : requested;
}

// The variable-name prefix of a scope: its variable scope's name followed by the name-scope
// components opened since it was entered, or the name prefix where it never entered one.
std::string VariablePrefix(const Scope& scope) {
  const ScopeData& d = *scope.data();
  if (d.variable_scope == nullptr) return d.prefix;
  const VariableScopeData& v = *d.variable_scope;
  std::string relative =
      absl::StartsWith(d.prefix, v.name_prefix) ? d.prefix.substr(v.name_prefix.size()) : std::string();
  return v.name.empty() ? relative : absl::StrCat(v.name, "/", relative);
}

// `scope` with its data changed by `change`, and no op name.
Scope Derived(const Scope& scope, const std::function<void(ScopeData*)>& change) {
  auto copy = std::make_shared<ScopeData>(*scope.data());
  copy->op_name.reset();
  change(copy.get());
  return Scope(std::move(copy));
}

// Enters the variable scope `full_name` with a name scope from `name_scope_child`; counts the
// entry and, as TF1's close_variable_subscopes, forgets the entries of its sub-scopes, so the
// default names under it start again.
Scope Enter(const Scope& scope, const std::string& full_name, const std::string& name_scope_child,
            const VariableScopeOptions& options) {
  // Without the scope's op name, which NewSubScope would take for the child's.
  Scope named = Derived(scope, [](ScopeData*) {}).NewSubScope(name_scope_child);
  auto v = std::make_shared<VariableScopeData>();
  const VariableScopeData* parent = scope.data()->variable_scope.get();
  v->name = full_name;
  v->name_prefix = named.name_prefix();
  v->reuse = Combine(options.reuse, parent ? parent->reuse : VariableReuse::kInherit);
  v->initializer = options.initializer ? options.initializer : (parent ? parent->initializer : nullptr);
  v->regularizer = options.regularizer ? options.regularizer : (parent ? parent->regularizer : nullptr);
  v->use_resource = options.use_resource.has_value() ? options.use_resource : (parent ? parent->use_resource : std::nullopt);
  {
    ScopeState& st = *scope.data()->state;
    absl::MutexLock lock(&st.mu);
    ++st.variable_scope_counts[full_name];
    const std::string sub = full_name + "/";
    for (auto& [name, count] : st.variable_scope_counts) {
      if (absl::StartsWith(name, sub)) count = 0;
    }
  }
  return Derived(named, [&](ScopeData* d) { d->variable_scope = std::move(v); });
}

bool ValidComponent(const Scope& scope, const std::string& what, const std::string& name) {
  if (!name.empty() && name.find('/') == std::string::npos) return true;
  scope.UpdateStatus(errors::InvalidArgument(what, ": '", name, "' is not a valid scope name (empty or has '/')"));
  return false;
}

Operation OperationFor(const Scope& scope, Node* node) {
  auto data = std::make_shared<ScopeData>();
  data->state = scope.data()->state;
  absl::MutexLock lock(&data->state->mu);
  auto it = data->state->node_places.find(node);
  if (it != data->state->node_places.end()) {
    data->prefix = it->second.prefix;
    data->device = it->second.device;
  }
  return Operation(node, std::move(data));
}

}  // namespace

Scope VariableScope(const Scope& scope, const std::string& name, VariableReuse reuse) {
  VariableScopeOptions options;
  options.reuse = reuse;
  return VariableScope(scope, name, options);
}

Scope VariableScope(const Scope& scope, const std::string& name, const VariableScopeOptions& options) {
  if (!ValidComponent(scope, "VariableScope", name)) return scope;
  return Enter(scope, VariablePrefix(scope) + name, name, options);
}

Scope UniqueVariableScope(const Scope& scope, const std::string& default_name) {
  if (!ValidComponent(scope, "UniqueVariableScope", default_name)) return scope;
  const std::string prefix = VariablePrefix(scope);
  const bool reusing = GetVariableReuse(scope) != VariableReuse::kInherit;
  std::string name;
  {
    ScopeState& st = *scope.data()->state;
    absl::MutexLock lock(&st.mu);
    auto taken = [&](const std::string& candidate) {
      const std::string full = prefix + candidate;
      auto it = st.variable_scope_counts.find(full);
      if (it != st.variable_scope_counts.end() && it->second > 0) return true;
      if (reusing) return false;
      if (st.name_counts.contains(full) || st.nodes->FindNode(full) != nullptr) return true;
      const std::string sub = full + "/";
      for (const auto& [stored, nodes] : st.stored_variables) {
        if (absl::StartsWith(stored, sub)) return true;
      }
      return false;
    };
    name = default_name;
    for (int i = 1; taken(name); ++i) name = absl::StrCat(default_name, "_", i);
  }
  return Enter(scope, prefix + name, name, VariableScopeOptions{});
}

Scope ReenterVariableScope(const Scope& scope, const std::string& full_name, VariableReuse reuse) {
  if (full_name.empty() || absl::StartsWith(full_name, "/") || absl::EndsWith(full_name, "/")) {
    scope.UpdateStatus(errors::InvalidArgument("ReenterVariableScope: '", full_name, "' is not a variable scope name"));
    return scope;
  }
  VariableScopeOptions options;
  options.reuse = reuse;
  size_t slash = full_name.rfind('/');
  return Enter(scope, full_name, slash == std::string::npos ? full_name : full_name.substr(slash + 1), options);
}

std::string VariableScopeName(const Scope& scope) {
  std::string prefix = VariablePrefix(scope);
  if (!prefix.empty()) prefix.pop_back();
  return prefix;
}

VariableReuse GetVariableReuse(const Scope& scope) {
  const VariableScopeData* v = scope.data()->variable_scope.get();
  return v ? v->reuse : VariableReuse::kInherit;
}

Variable GetVariable(const Scope& scope, const std::string& name, const TensorShape& shape, DataType dtype,
                     const Initializer& initializer, const VariableRegularizer& regularizer, bool trainable) {
  if (!scope.ok()) return Variable();
  if (name.empty()) {
    scope.UpdateStatus(errors::InvalidArgument("GetVariable: the variable name is empty"));
    return Variable();
  }
  const std::string full_name = VariablePrefix(scope) + name;
  const VariableScopeData* vs = scope.data()->variable_scope.get();
  const VariableReuse reuse = GetVariableReuse(scope);
  ScopeState& st = *scope.data()->state;

  std::optional<internal::VariableNodes> found;
  {
    absl::MutexLock lock(&st.mu);
    auto it = st.stored_variables.find(full_name);
    if (it != st.stored_variables.end()) found = it->second;
  }
  if (found.has_value()) {
    if (reuse == VariableReuse::kInherit) {
      scope.UpdateStatus(errors::InvalidArgument(
          "Variable ", full_name, " already exists, disallowed. Did you mean to set reuse=True or ",
          "reuse=tf.AUTO_REUSE in VarScope? (VariableReuse::kReuse or kAutoReuse)"));
      return Variable();
    }
    Variable v = Variable::FromParts(OperationFor(scope, found->ref), OperationFor(scope, found->value),
                                     OperationFor(scope, found->initializer));
    if (!shape.IsCompatibleWith(v.shape())) {
      scope.UpdateStatus(errors::InvalidArgument("Trying to share variable ", full_name, ", but specified shape ",
                                                 shape.DebugString(), " and found shape ", v.shape().DebugString(), "."));
      return Variable();
    }
    if (dtype != v.dtype()) {
      scope.UpdateStatus(errors::InvalidArgument("Trying to share variable ", full_name, ", but specified dtype ",
                                                 DataTypeString(dtype), " and found dtype ", DataTypeString(v.dtype()),
                                                 "."));
      return Variable();
    }
    return v;
  }
  if (reuse == VariableReuse::kReuse) {
    scope.UpdateStatus(errors::InvalidArgument("Variable ", full_name,
                                               " does not exist, or was not created with tf.get_variable(). Did you "
                                               "mean to set reuse=tf.AUTO_REUSE in VarScope? (VariableReuse::kAutoReuse)"));
    return Variable();
  }
  if (scope.graph()->FindNode(full_name) != nullptr) {
    scope.UpdateStatus(errors::InvalidArgument("GetVariable: cannot create variable ", full_name,
                                               ": the graph has a node of that name that GetVariable did not make"));
    return Variable();
  }

  Initializer init = initializer ? initializer : (vs && vs->initializer ? vs->initializer : nullptr);
  if (!init) {
    if (IsFloatingType(dtype)) {
      init = init::GlorotUniform();
    } else if (IsIntegerType(dtype) || dtype == DT_BOOL) {
      init = init::Zeros();
    } else {
      scope.UpdateStatus(errors::InvalidArgument("An initializer for variable ", full_name, " of ",
                                                 DataTypeString(dtype), " is required"));
      return Variable();
    }
  }
  // Variables are named by the variable scope alone: they are built at the absolute name (TF's
  // name_scope(None)), keeping the scope's device.
  const size_t slash = full_name.rfind('/');
  Scope at = Derived(scope, [&](ScopeData* d) {
    d->prefix = slash == std::string::npos ? "" : full_name.substr(0, slash + 1);
    d->op_name = slash == std::string::npos ? full_name : full_name.substr(slash + 1);
    d->variable_scope.reset();
  });
  const bool resource = vs && vs->use_resource.value_or(false);
  Variable v = resource ? ResourceVariable(at, shape, init, dtype, trainable) : Variable(at, shape, init, dtype, trainable);
  if (!v.valid()) return Variable();
  bool stored;
  {
    absl::MutexLock lock(&st.mu);
    stored = st.stored_variables
                 .try_emplace(full_name, internal::VariableNodes{v.ref().node(), v.value().node(),
                                                                 v.initializer().node(), trainable})
                 .second;
  }
  if (!stored) {
    scope.UpdateStatus(errors::AlreadyExists("Variable ", full_name, " was created concurrently"));
    return Variable();
  }
  const VariableRegularizer& reg = regularizer ? regularizer : (vs ? vs->regularizer : VariableRegularizer());
  if (reg) {
    Scope reg_scope = Derived(scope, [&](ScopeData* d) {
      d->prefix = full_name + "/";
      d->control_deps.clear();
      d->variable_scope.reset();
    });
    Output loss = reg(reg_scope.NewSubScope("Regularizer"), v.value());
    if (loss.valid()) scope.AddToCollection(kRegularizationLossesCollection, loss.name());
  }
  return v;
}

}  // namespace sluice
