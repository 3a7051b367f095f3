// The frame-aware executor's view of a plan: TF1 (v1) control flow as TensorFlow's executor
// runs it (executor.cc, propagator_state.cc, immutable_executor_state.cc of TensorFlow).
//
// Every node belongs to a frame: the root frame, or the frame a while loop's Enter nodes name
// (frame_name), whose parent is the frame the Enter is in. A frame runs as iterations; every node
// of the frame runs once per iteration (or is skipped as dead). Enter passes a value from the
// parent into iteration 0 of the child frame (is_constant: into every iteration); NextIteration
// passes one from iteration i to i + 1 (starting it); Exit passes one to the parent. Switch puts
// its data on output_true or output_false and a dead value on the other; a node with a dead input
// does not run and its outputs are dead; Merge runs on its first live input (output value_index
// says which) or, when every input is dead, is dead itself; a dead NextIteration ends the loop.
// ControlTrigger runs even when its inputs are dead.
//
// A frame starts at most SetMaxLoopIterations() iterations (core/function.h; unbounded by
// default) and fails with ResourceExhausted past it; a node of a finished iteration that got some
// of its inputs but never ran, or a run that ends with work left, is an InvalidArgument naming
// the node ("malformed control flow"), never a hang.
//
// BuildFrameInfo assigns the frames statically (from the plan's edges, as TF's
// BuildControlFlowInfo does) and rejects a malformed loop (Exit or NextIteration outside a
// frame, a node reached from two frames) naming the node.
#ifndef SLUICE_RUNTIME_FRAME_EXECUTOR_H_
#define SLUICE_RUNTIME_FRAME_EXECUTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "runtime/executor.h"

namespace sluice {

struct FrameInfo {
  enum Kind : int8_t { kOther, kEnter, kExit, kNextIteration, kSwitch, kMerge, kControlTrigger, kForward };
  struct Edge {
    int dst;         // plan node
    int dst_input;   // data input of dst; -1 for a control edge
    int src_output;  // -1 for a control edge
  };
  struct Frame {
    std::string name;       // "" for the root frame
    int parent = -1;        // static frame id; -1 for the root
    int num_nodes = 0;      // nodes in the frame
    int num_inputs = 0;     // their data inputs, all together
    int num_enters = 0;     // Enter nodes that feed the frame
    std::vector<int> members;          // plan nodes, by local index
    std::vector<int> initial_pending;  // by local index
  };
  struct NodeInfo {
    Kind kind = kOther;
    int frame = 0;          // static frame id
    int local = 0;          // index among the frame's nodes
    int input_start = 0;    // offset of data input 0 among the frame's inputs
    int initial_pending = 0;
    int num_data_inputs = 0;  // for Merge: how many dead inputs make it dead
    int first_edge = 0;     // into `edges`
    int num_edges = 0;
    // Enter: the frame it enters, whether the value is loop-invariant, parallel_iterations.
    int child_frame = -1;
    bool is_constant = false;
    int parallel_iterations = 10;
    bool has_fed_input = false;  // a Merge with a fed data input: live from the start
  };
  std::vector<Frame> frames;   // 0: the root
  std::vector<NodeInfo> nodes;  // per plan node
  std::vector<Edge> edges;
  std::vector<int> roots;       // plan nodes of the root frame with nothing pending
  int first_feed_slot = 0;      // slots at and above it are feeds
  std::vector<int> fetch_of_slot;  // per slot: -1, or the first fetch reading it
};

// Whether `op` is one of the TF1 control-flow ops that need the frame-aware executor.
bool IsV1ControlFlowOp(absl::string_view op);
// Whether any node of `graph` is.
bool HasV1ControlFlow(const Graph& graph);

// The frame structure of `plan` (whose nodes, inputs and slots are built).
StatusOr<std::shared_ptr<const FrameInfo>> BuildFrameInfo(const ExecutionPlan& plan);

}  // namespace sluice

#endif  // SLUICE_RUNTIME_FRAME_EXECUTOR_H_
