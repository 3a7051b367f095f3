// Graph passes: rewrites of a pruned graph that make it cheaper to run without changing what it
// computes. They run between pruning and placement, each on its own switch, on a graph of their
// own (never a Scope's, whose Operations point into it):
//
//   GraphDef def;
//   SLUICE_CHECK_OK(root.ToGraphDef(&def));
//   std::unique_ptr<Graph> graph = std::move(Graph::FromGraphDef(def)).value();
//   PassContext ctx;
//   ctx.protected_nodes = {"x", "loss", "train"};  // the feeds, fetches and targets
//   SLUICE_CHECK_OK(OptimizeGraph(graph.get(), ctx, OptimizerOptions{}));
//
// TensorFlow's graph optimizer (common_runtime/constant_folding.cc, optimizer_cse.cc,
// graph_optimizer.cc) is the reference for what each pass does and refuses to do. Every pass
// leaves a valid graph (its GraphDef imports again) and sets `*changed` to whether it rewrote
// anything.
//
// "Side effects" below: a stateful op (variables, random ops) or one that takes a ref input
// (Assign*, Apply*, IsVariableInitialized), which may write a variable. Such nodes are never
// folded, merged or removed.
//
// Where a pass keeps an ordering ("runs after X") it adds control edges, except from nodes with
// no inputs of any kind and no side effects (Const, Placeholder): they can run first, so waiting
// for them orders nothing. (Today's Session would also run a fed Placeholder that a control edge
// names, and fail.)
#ifndef SLUICE_RUNTIME_GRAPH_PASSES_H_
#define SLUICE_RUNTIME_GRAPH_PASSES_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "core/graph.h"
#include "core/status.h"

namespace sluice {

// Which passes OptimizeGraph runs; all on by default.
struct OptimizerOptions {
  bool constant_folding = true;
  bool common_subexpression_elimination = true;
  bool dead_node_elimination = true;
  bool identity_elimination = true;
  bool merge_forward_loops = true;
  bool gradient_gate_elimination = true;
  bool conv_bias_relu_fusion = true;
  // A folded value larger than this stays unfolded (TensorFlow's limit: 10 MiB), and so does a
  // node whose evaluation needs a larger tensor on the way.
  int64_t max_constant_bytes = 10 << 20;
};

struct PassContext {
  // Nodes that must survive unchanged, with their names: the caller's feeds, fetches and
  // targets. They are never removed, merged away or folded, and none is read as a constant: a
  // fed Const is no constant.
  absl::flat_hash_set<std::string> protected_nodes;
};

// Replaces what can be computed ahead of time by Const nodes. A node folds when it is not
// protected, has no side effects, is not a Placeholder or Const itself, has a CPU kernel and at
// least one data input, no output that is a list or a handle (DT_VARIANT, DT_RESOURCE), calls
// no function (If, While, PartitionedCall), all its data and control inputs are constants (unprotected Const nodes
// or nodes that fold), and no output is known to exceed opts.max_constant_bytes. The foldable
// nodes are evaluated once, on the CPU, with the kernels a session would run (so integer
// overflow, rounding and error behaviour are the kernels'); a node whose kernel fails stays as
// it is, so the error still happens when the graph runs. Each output that a node outside the
// folded set reads becomes a Const named "<node>/folded" ("<node>/folded_<k>" for output k > 0,
// made unique), with the node's requested device, and the control dependencies the folded values
// had on non-constant nodes (through the Const nodes they came from), so what ran after those
// still does. The folded nodes stay, now unread: DeadNodeElimination removes them.
// Shape, Size and Rank of a non-constant input whose shape (Rank: rank) is known fold too; the
// Const keeps a control edge from the input's producer, which must still run first.
// Only opts.max_constant_bytes is read from `opts` (OptimizeGraph reads the switches).
Status ConstantFolding(Graph* graph, const PassContext& ctx, const OptimizerOptions& opts, bool* changed);

// A While's gradient builds a second forward loop that also stacks what the backward loop needs
// (ops/control_flow_ops.cc), marked with attr `_sluice_forward_of` naming the original loop.
// Where both are in the graph, the original's uses move to the accumulating loop (whose first
// outputs are the same values) and the original is removed, so the loop runs once per step.
// Only when the two have the same op and the same first inputs (data and control), and the
// original is not protected.
Status MergeForwardLoops(Graph* graph, const PassContext& ctx, bool* changed);

// Merges equivalent nodes: same op, requested device, attrs (compared serialized,
// deterministically), data inputs (the same endpoints, in order; commutative ops are not
// normalized) and control inputs (as a set). Nodes with side effects, placeholders and nodes that
// read a variable (whose value may change between the two reads) are never merged. The later
// node's uses (data and control) move to the earlier one and the later one is removed.
// A protected node is never removed: when only the later one is protected, it stays and takes
// the earlier one's uses; two protected nodes both stay. A protected node with outputs does not
// merge at all: it may be fed, and its fed value would then reach the other node's consumers.
Status CommonSubexpressionElimination(Graph* graph, const PassContext& ctx, bool* changed);

// Removes nodes nothing reads and nothing waits for (no data or control out edges), repeatedly,
// except protected nodes and nodes with side effects.
Status DeadNodeElimination(Graph* graph, const PassContext& ctx, bool* changed);

// Bypasses Identity and NoOp nodes that are not protected.
// An Identity goes when its input is not a reference (a variable's "read" Identity turns the ref
// into a value, and stays), it has no control inputs, and it requests the same device as its
// input's producer: its data uses read the input instead and its control successors wait for the
// producer.
// A NoOp goes when at most 16 edges replace it (control inputs x control successors): each
// successor then waits for each of its control inputs directly.
Status IdentityElimination(Graph* graph, const PassContext& ctx, bool* changed);

// Removes the gates of TF1's gate_gradients (GATE_OP; GradientOptions::gate_gradients, which
// the optimizers set): tf.tuple's "<op>_grad/tuple/group_deps", a NoOp waiting for all the
// gradients one op's gradient function returned, and the "<op>_grad/tuple/control_dependency*"
// Identities that pass each gradient on only after that NoOp. The gate exists for TensorFlow,
// whose kernels update a ref variable in place while another gradient may still be reading it.
// sluice's updates never change a tensor a running kernel holds (Var::PrepareForUpdate copies a
// shared buffer first), so the gate orders nothing sluice needs, and costs a barrier in every
// backward step. The pattern, matched by structure, not by name: an unprotected NoOp with no
// data inputs whose control inputs all have no side effects, and whose every out edge is the one
// control input of an Identity reading one of those control inputs. Its edges to the Identities
// go; DeadNodeElimination then removes the NoOp and IdentityElimination the Identities. Exported
// graphs keep their gates: this runs on a session's copy only.
Status GradientGateElimination(Graph* graph, const PassContext& ctx, bool* changed);

// Replaces Conv2D -> BiasAdd (-> Relu) by one _FusedConv2D node (fused_ops ["BiasAdd"] or
// ["BiasAdd", "Relu"]; runtime/conv_fusion_pass.cc), as TensorFlow's remapper does: only where
// each intermediate output has no other use (no other consumer, no control successor), no node
// of the chain but a trailing Relu left out is protected, the BiasAdd has the Conv2D's
// data_format, and all request one device that is a CPU (or none, when no GPU kernel of
// Conv2D is registered). The fused node, named "<last>/_FusedConv2D", takes the control inputs
// of the chain and the last node's control successors and uses.
Status ConvBiasReluFusion(Graph* graph, const PassContext& ctx, bool* changed);

// Runs the enabled passes: forward-loop merging and gradient-gate elimination once, then in
// TensorFlow's order (Identity/NoOp elimination, CSE, constant folding, CSE again, dead nodes)
// until a round changes nothing, at most 10 rounds; then the convolution fusion.
Status OptimizeGraph(Graph* graph, const PassContext& ctx, const OptimizerOptions& opts);

}  // namespace sluice

#endif  // SLUICE_RUNTIME_GRAPH_PASSES_H_
