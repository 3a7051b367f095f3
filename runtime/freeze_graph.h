// FreezeGraph: turns a training graph into a self-contained inference graph, as TensorFlow's
// freeze_graph does: the graph is pruned to what `outputs` need, and every variable they read
// becomes a Const holding its current value in `session` (same node name, so "<var>/read" and
// every other consumer keep working); for a resource variable, each ReadVariableOp of its
// VarHandleOp becomes that Const. The result runs with no checkpoint and no initializer.
#ifndef SLUICE_RUNTIME_FREEZE_GRAPH_H_
#define SLUICE_RUNTIME_FREEZE_GRAPH_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "proto/graph.pb.h"
#include "runtime/session.h"

namespace sluice {

// `outputs` are node names. Fails when a variable the outputs need is uninitialized, naming it.
StatusOr<GraphDef> FreezeGraph(Session& session, const std::vector<std::string>& outputs);

}  // namespace sluice

#endif  // SLUICE_RUNTIME_FREEZE_GRAPH_H_
