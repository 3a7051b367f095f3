// Shared state behind Scope objects of one graph. Internal to ops/.
#ifndef SLUICE_OPS_SCOPE_INTERNAL_H_
#define SLUICE_OPS_SCOPE_INTERNAL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "ops/scope.h"
#include "ops/variables.h"

namespace sluice::internal {

// Where a node was built: what operators on its outputs need to build in the same place.
struct NodePlace {
  std::string prefix;
  std::string device;
};

// The nodes of a Variable, kept by the graph's state as plain nodes: ScopeState must not hold
// Operations (they hold ScopeData, which holds the state: a cycle that would never be freed).
struct VariableNodes {
  Node* ref;
  Node* value;
  Node* initializer;
  bool trainable;
};

// One per graph, shared by all its scopes.
struct ScopeState : GraphUnderConstruction {
  const Graph& graph() const override { return *nodes; }
  Status status() const override;

  std::unique_ptr<Graph> nodes = std::make_unique<Graph>();
  mutable absl::Mutex mu;
  Status status_ ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int> name_counts ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<const Node*, NodePlace> node_places ABSL_GUARDED_BY(mu);
  std::vector<VariableNodes> variables ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, std::vector<std::string>> collections ABSL_GUARDED_BY(mu);
  // tf.get_variable's store (ops/variable_scope.cc): its variables by full name, and how often
  // each variable scope has been entered since its parent was (TF1's variable_scopes_count).
  absl::flat_hash_map<std::string, VariableNodes> stored_variables ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int> variable_scope_counts ABSL_GUARDED_BY(mu);
};

struct VariableScopeData;  // ops/variable_scope.h

// One per Scope value; immutable.
struct ScopeData {
  std::shared_ptr<ScopeState> state;
  std::string prefix;                  // "" or "a/b/"
  std::optional<std::string> op_name;  // from WithOpName
  std::string device;
  std::vector<Operation> control_deps;
  std::shared_ptr<const VariableScopeData> variable_scope;  // null: variables follow the prefix
};

}  // namespace sluice::internal

#endif  // SLUICE_OPS_SCOPE_INTERNAL_H_
