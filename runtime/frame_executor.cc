// The frame-aware executor (see frame_executor.h). It follows TensorFlow's propagator
// (propagator_state.cc): per frame instance a set of live iterations, each with its own pending
// and dead counts and input tensors; the same activation rules for Merge (bit 0 of the pending
// count: no live input yet), for dead inputs and for control triggers; loop invariants delivered
// to every iteration; at most parallel_iterations iterations of a frame at once (the rest wait
// as deferred NextIteration values); dead exits of a frame's last iteration propagated when the
// frame ends. Runs are single-threaded: every ready node runs on the calling thread, in the
// order it became ready.
#include "runtime/frame_executor.h"

#include <deque>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "core/attr_value.h"
#include "core/function.h"
#include "runtime/intra_op_threads.h"

namespace sluice {

bool IsV1ControlFlowOp(absl::string_view op) {
  return op == "Enter" || op == "RefEnter" || op == "Exit" || op == "RefExit" || op == "Switch" ||
         op == "RefSwitch" || op == "Merge" || op == "RefMerge" || op == "NextIteration" ||
         op == "RefNextIteration" || op == "LoopCond";
}

bool HasV1ControlFlow(const Graph& graph) {
  for (const Node* n : graph.nodes()) {
    if (IsV1ControlFlowOp(n->type_string())) return true;
  }
  return false;
}

namespace {

FrameInfo::Kind KindOf(absl::string_view op) {
  if (op == "Enter" || op == "RefEnter") return FrameInfo::kEnter;
  if (op == "Exit" || op == "RefExit") return FrameInfo::kExit;
  if (op == "NextIteration" || op == "RefNextIteration") return FrameInfo::kNextIteration;
  if (op == "Switch" || op == "RefSwitch") return FrameInfo::kSwitch;
  if (op == "Merge" || op == "RefMerge") return FrameInfo::kMerge;
  if (op == "ControlTrigger") return FrameInfo::kControlTrigger;
  if (op == "LoopCond") return FrameInfo::kForward;
  return FrameInfo::kOther;
}

std::string FrameName(const FrameInfo& info, int frame) {
  return frame == 0 ? std::string("the root frame") : absl::StrCat("frame '", info.frames[frame].name, "'");
}

}  // namespace

StatusOr<std::shared_ptr<const FrameInfo>> BuildFrameInfo(const ExecutionPlan& plan) {
  auto info = std::make_shared<FrameInfo>();
  const int n = static_cast<int>(plan.nodes.size());
  info->nodes.resize(n);
  info->first_feed_slot = plan.num_slots - static_cast<int>(plan.feed_slots.size());
  absl::flat_hash_map<const Node*, int> index;
  for (int i = 0; i < n; ++i) index[plan.nodes[i].node] = i;

  // Out edges, from the plan nodes' inputs (a fed input comes from no plan node).
  std::vector<std::vector<FrameInfo::Edge>> out(n);
  std::vector<int> in_edges(n, 0), control_in(n, 0);
  for (int i = 0; i < n; ++i) {
    const Node* node = plan.nodes[i].node;
    FrameInfo::NodeInfo& ni = info->nodes[i];
    ni.kind = KindOf(node->type_string());
    ni.num_data_inputs = node->num_inputs();
    for (int k = 0; k < node->num_inputs(); ++k) {
      auto it = index.find(node->input(k).node);
      if (it == index.end()) {
        ni.has_fed_input = true;
        continue;
      }
      out[it->second].push_back({i, k, node->input(k).index});
      ++in_edges[i];
    }
    for (const Node* c : node->control_inputs()) {
      auto it = index.find(c);
      if (it == index.end()) continue;
      out[it->second].push_back({i, -1, -1});
      ++in_edges[i];
      ++control_in[i];
    }
    if (ni.kind == FrameInfo::kEnter) {
      int64_t parallel = 10;
      (void)GetAttr(node->def().attr(), "parallel_iterations", &parallel);
      (void)GetAttr(node->def().attr(), "is_constant", &ni.is_constant);
      if (parallel <= 0) {
        return errors::InvalidArgument("node ", node->DebugName(), ": parallel_iterations must be positive, got ",
                                       parallel);
      }
      ni.parallel_iterations = static_cast<int>(std::min<int64_t>(parallel, 1 << 20));
    }
  }

  // Frames, from the roots along the edges: an Enter's successors are in the frame it names
  // (whose parent is the Enter's frame), an Exit's in its frame's parent.
  info->frames.push_back({});
  absl::flat_hash_map<std::string, int> frame_ids;
  std::vector<int> frame_of(n, -1);
  std::vector<int> reached_from(n, -1);
  std::deque<int> queue;
  for (int i = 0; i < n; ++i) {
    if (in_edges[i] == 0) {
      frame_of[i] = 0;
      queue.push_back(i);
    }
  }
  while (!queue.empty()) {
    const int i = queue.front();
    queue.pop_front();
    const Node* node = plan.nodes[i].node;
    FrameInfo::NodeInfo& ni = info->nodes[i];
    const int f = frame_of[i];
    int out_frame = f;
    if (ni.kind == FrameInfo::kEnter) {
      std::string name;
      SLUICE_RETURN_IF_ERROR(errors::Annotate(GetAttr(node->def().attr(), "frame_name", &name),
                                              absl::StrCat("node ", node->DebugName(), ": ")));
      auto [it, fresh] = frame_ids.try_emplace(name, static_cast<int>(info->frames.size()));
      if (fresh) {
        // The run recurses once per level when a frame ends: bound the nesting.
        constexpr int kMaxNesting = 1000;
        int depth = 1;
        for (int p = f; p != 0; p = info->frames[p].parent) ++depth;
        if (depth > kMaxNesting) {
          return errors::InvalidArgument("node ", node->DebugName(), " enters frame '", name, "', nested ", depth,
                                         " deep: more than ", kMaxNesting, " while loops inside one another");
        }
        FrameInfo::Frame frame;
        frame.name = name;
        frame.parent = f;
        info->frames.push_back(std::move(frame));
      } else if (info->frames[it->second].parent != f) {
        return errors::InvalidArgument("node ", node->DebugName(), " enters frame '", name, "' from ",
                                       FrameName(*info, f), ", but other Enter nodes enter it from ",
                                       FrameName(*info, info->frames[it->second].parent));
      }
      ni.child_frame = it->second;
      ++info->frames[it->second].num_enters;
      out_frame = it->second;
    } else if (ni.kind == FrameInfo::kExit) {
      if (f == 0) {
        return errors::InvalidArgument("node ", node->DebugName(),
                                       " is not inside a while loop: no Enter node leads to it");
      }
      out_frame = info->frames[f].parent;
    } else if (ni.kind == FrameInfo::kNextIteration && f == 0) {
      return errors::InvalidArgument("node ", node->DebugName(),
                                     " is not inside a while loop: no Enter node leads to it");
    }
    for (const FrameInfo::Edge& e : out[i]) {
      if (frame_of[e.dst] < 0) {
        frame_of[e.dst] = out_frame;
        reached_from[e.dst] = i;
        queue.push_back(e.dst);
      } else if (frame_of[e.dst] != out_frame) {
        return errors::InvalidArgument(
            "node ", plan.nodes[e.dst].node->DebugName(), " has inputs from two frames: ",
            FrameName(*info, frame_of[e.dst]), " (through node ", plan.nodes[reached_from[e.dst]].node->DebugName(),
            ") and ", FrameName(*info, out_frame), " (through node ", node->DebugName(), ")");
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    if (frame_of[i] < 0) {
      return errors::Internal("node ", plan.nodes[i].node->DebugName(), " is reached from no node with no inputs");
    }
  }

  // Local indices, input offsets, pending counts, edges.
  for (int i = 0; i < n; ++i) {
    FrameInfo::NodeInfo& ni = info->nodes[i];
    FrameInfo::Frame& frame = info->frames[frame_of[i]];
    ni.frame = frame_of[i];
    ni.local = static_cast<int>(frame.members.size());
    ni.input_start = frame.num_inputs;
    frame.num_inputs += plan.nodes[i].num_inputs;
    if (ni.kind == FrameInfo::kMerge) {
      // Bit 0: no live data input yet (a fed one is live from the start); 2 per control input.
      ni.initial_pending = (ni.has_fed_input ? 0 : 1) + 2 * control_in[i];
    } else {
      ni.initial_pending = in_edges[i];
    }
    if (ni.initial_pending == 0 && ni.frame != 0) {
      return errors::InvalidArgument("node ", plan.nodes[i].node->DebugName(), " is in ", FrameName(*info, ni.frame),
                                     " but has no input from the frame");
    }
    if (ni.initial_pending == 0) info->roots.push_back(i);
    frame.members.push_back(i);
    frame.initial_pending.push_back(ni.initial_pending);
    ++frame.num_nodes;
    ni.first_edge = static_cast<int>(info->edges.size());
    ni.num_edges = static_cast<int>(out[i].size());
    info->edges.insert(info->edges.end(), out[i].begin(), out[i].end());
  }
  info->fetch_of_slot.assign(plan.num_slots, -1);
  for (size_t k = 0; k < plan.fetch_slots.size(); ++k) {
    const int slot = plan.fetch_slots[k];
    if (info->fetch_of_slot[slot] < 0) info->fetch_of_slot[slot] = static_cast<int>(k);
    if (slot >= info->first_feed_slot) continue;
    const Node* producer = plan.slot_nodes[slot];
    const FrameInfo::NodeInfo& pi = info->nodes[index.at(producer)];
    // Where the output lives: an Enter's in the frame it enters, an Exit's in the parent.
    const int frame = pi.kind == FrameInfo::kEnter  ? pi.child_frame
                      : pi.kind == FrameInfo::kExit ? info->frames[pi.frame].parent
                                                    : pi.frame;
    if (frame != 0) {
      return errors::InvalidArgument("cannot fetch an output of node ", producer->DebugName(), ": it is inside ",
                                     FrameName(*info, frame), " (a while loop); fetch what the loop's Exit returns");
    }
  }
  return std::shared_ptr<const FrameInfo>(std::move(info));
}

namespace {

// A value on an edge: live, or dead (no value).
struct Entry {
  TensorValue value;
  bool live = false;
};

struct FrameState;

struct IterationState {
  IterationState(const FrameInfo::Frame& frame, int64_t iter_num)
      : iter(iter_num),
        inputs(frame.num_inputs),
        pending(frame.initial_pending),
        dead(frame.num_nodes, 0),
        started(frame.num_nodes, 0) {}
  int64_t iter;
  std::vector<Entry> inputs;
  std::vector<int> pending;
  std::vector<int> dead;
  std::vector<char> started;   // made ready (then run or skipped as dead)
  int outstanding_ops = 0;     // nodes ready or running
  int outstanding_frames = 0;  // child frames alive
  // Child frames started in this iteration, by static frame id.
  absl::flat_hash_map<int, std::unique_ptr<FrameState>> children;
};

struct FrameState {
  int id = 0;
  FrameState* parent = nullptr;
  IterationState* parent_iter = nullptr;
  int parallel_iterations = 1;
  int64_t iteration_count = 0;  // the newest iteration started
  int num_outstanding_iterations = 1;
  int num_pending_inputs = 0;   // Enter values still to arrive
  std::map<int64_t, std::unique_ptr<IterationState>> iterations;
  std::vector<std::pair<int, Entry>> invariants;       // (Enter node, value) for every iteration
  std::vector<std::pair<int, Entry>> next_iter_roots;  // deferred NextIteration values
  std::vector<int> dead_exits;  // dead Exit nodes of the newest iteration

  IterationState* Get(int64_t i) const {
    auto it = iterations.find(i);
    return it == iterations.end() ? nullptr : it->second.get();
  }
};

struct TaggedNode {
  int node;
  FrameState* frame;
  IterationState* iter;
  bool dead;
};

Status NodeError(const Node* node, const Status& s) {
  return errors::Annotate(s, absl::StrCat("node ", node->DebugName(), ": "));
}

Status ReadVar(Var* var, Tensor* out) {
  absl::ReaderMutexLock lock(var->mu());
  if (!var->is_initialized()) return errors::FailedPrecondition("Attempting to use uninitialized value ", var->name());
  *out = *var->tensor();
  return absl::OkStatus();
}

class FrameRun {
 public:
  FrameRun(const ExecutionPlan& plan, const FrameInfo& info, std::vector<TensorValue> feeds, ResourceMgr* resource_mgr,
           ScopedStepContainer* step_container, const Executor::StepOptions& step)
      : plan_(plan),
        info_(info),
        feeds_(std::move(feeds)),
        resource_mgr_(resource_mgr),
        step_container_(step_container),
        step_(step),
        fetched_(plan.num_slots) {}

  Status Run(std::vector<Tensor>* fetched) {
    root_.id = 0;
    root_.parallel_iterations = 1;
    root_.iterations[0] = std::make_unique<IterationState>(info_.frames[0], 0);
    IterationState* it0 = root_.Get(0);
    for (int r : info_.roots) Push({r, &root_, it0, false});
    while (!ready_.empty()) {
      TaggedNode t = ready_.front();
      ready_.pop_front();
      SLUICE_RETURN_IF_ERROR(Process(t));
      SLUICE_RETURN_IF_ERROR(error_);
    }
    // Every node of the root frame runs (or is skipped as dead) once in a well-formed graph.
    if (it0->outstanding_frames > 0 || it0->outstanding_ops > 0 || root_ran_ < info_.frames[0].num_nodes) {
      return Stuck();
    }
    if (fetched == nullptr) return absl::OkStatus();
    fetched->reserve(plan_.fetch_slots.size());
    for (size_t k = 0; k < plan_.fetch_slots.size(); ++k) {
      const int slot = plan_.fetch_slots[k];
      TensorValue v;
      if (slot >= info_.first_feed_slot) {
        v = feeds_[slot - info_.first_feed_slot];
      } else {
        const Entry& e = fetched_[slot];
        const Node* producer = plan_.slot_nodes[slot];
        if (!e.live) {
          return errors::InvalidArgument("fetch ", k, ": output ", slot - FirstSlot(producer), " of node ",
                                         producer->DebugName(),
                                         " is dead (it depends on the branch of a Switch that was not taken)");
        }
        v = e.value;
      }
      if (v.ref != nullptr) {
        Tensor t;
        SLUICE_RETURN_IF_ERROR(NodeError(plan_.slot_nodes[slot], ReadVar(v.ref, &t)));
        fetched->push_back(std::move(t));
      } else {
        fetched->push_back(std::move(v.tensor));
      }
    }
    return absl::OkStatus();
  }

 private:
  int FirstSlot(const Node* producer) const {
    for (const auto& pn : plan_.nodes) {
      if (pn.node == producer) return pn.first_slot;
    }
    return 0;
  }

  void Push(TaggedNode t) {
    ++t.iter->outstanding_ops;
    t.iter->started[info_.nodes[t.node].local] = 1;
    ready_.push_back(t);
  }

  Status Process(const TaggedNode& t) {
    const ExecutionPlan::PlanNode& pn = plan_.nodes[t.node];
    const FrameInfo::NodeInfo& ni = info_.nodes[t.node];
    absl::InlinedVector<Entry, 4> outputs(pn.num_outputs);
    absl::InlinedVector<TensorValue, 8> inputs(pn.num_inputs);
    absl::InlinedVector<bool, 8> live(pn.num_inputs, false);
    for (int k = 0; k < pn.num_inputs; ++k) {
      const ExecutionPlan::InputSource& src = plan_.inputs[pn.first_input + k];
      Entry e;
      if (src.slot >= info_.first_feed_slot) {
        e.value = feeds_[src.slot - info_.first_feed_slot];
        e.live = true;
      } else {
        e = std::move(t.iter->inputs[ni.input_start + k]);
        t.iter->inputs[ni.input_start + k] = Entry();
      }
      if (t.dead || !e.live) continue;
      live[k] = true;
      if (src.ref_input) {
        inputs[k].ref = e.value.ref;
      } else if (src.deref) {
        SLUICE_RETURN_IF_ERROR(NodeError(pn.node, ReadVar(e.value.ref, &inputs[k].tensor)));
      } else {
        inputs[k].tensor = std::move(e.value.tensor);
      }
    }
    if (!t.dead) {
      switch (ni.kind) {
        case FrameInfo::kMerge: {
          int chosen = -1;
          for (int k = 0; k < pn.num_inputs && chosen < 0; ++k) {
            if (live[k]) chosen = k;
          }
          if (chosen < 0) return NodeError(pn.node, errors::Internal("Merge ran with no live input"));
          outputs[0] = {std::move(inputs[chosen]), true};
          Tensor index(DT_INT32, TensorShape());
          index.scalar<int32_t>() = chosen;
          outputs[1] = {TensorValue{std::move(index), nullptr}, true};
          break;
        }
        case FrameInfo::kSwitch: {
          const Tensor& pred = inputs[1].tensor;
          if (pred.dtype() != DT_BOOL || pred.NumElements() != 1) {
            return NodeError(pn.node, errors::InvalidArgument("pred must be a scalar bool, got ",
                                                              DataTypeString(pred.dtype()), " of shape ",
                                                              pred.shape().DebugString()));
          }
          const int port = pred.data<bool>()[0] ? 1 : 0;
          outputs[port] = {std::move(inputs[0]), true};
          break;
        }
        case FrameInfo::kEnter:
        case FrameInfo::kExit:
        case FrameInfo::kNextIteration:
        case FrameInfo::kForward:
          outputs[0] = {std::move(inputs[0]), true};
          break;
        case FrameInfo::kControlTrigger:
          break;
        case FrameInfo::kOther:
          SLUICE_RETURN_IF_ERROR(RunKernel(pn, absl::MakeSpan(inputs), absl::MakeSpan(outputs)));
          break;
      }
    }
    if (t.frame == &root_) {
      ++root_ran_;
      if (ni.kind != FrameInfo::kEnter) RecordFetches(pn, absl::MakeSpan(outputs));
    } else if (ni.kind == FrameInfo::kExit && !t.dead && t.frame->parent == &root_) {
      RecordFetches(pn, absl::MakeSpan(outputs));
    }
    Propagate(t, absl::MakeSpan(outputs));
    DecrementOutstandingOps(t.frame, t.iter);
    return absl::OkStatus();
  }

  void RecordFetches(const ExecutionPlan::PlanNode& pn, absl::Span<Entry> outputs) {
    for (int i = 0; i < pn.num_outputs; ++i) {
      if (info_.fetch_of_slot[pn.first_slot + i] >= 0) fetched_[pn.first_slot + i] = outputs[i];
    }
  }

  Status RunKernel(const ExecutionPlan::PlanNode& pn, absl::Span<TensorValue> inputs, absl::Span<Entry> outputs) {
    if (pn.copy_from != nullptr) {
      TensorValue copied;
      SLUICE_RETURN_IF_ERROR(
          NodeError(pn.node, CopyTensorBetweenDevices(inputs[0].tensor, pn.copy_from, pn.device, &copied.tensor)));
      outputs[0] = {std::move(copied), true};
      return absl::OkStatus();
    }
    OpKernelContext::Params params;
    params.kernel = pn.kernel;
    params.device = pn.device;
    params.resource_mgr = resource_mgr_;
    params.step_id = step_.step_id;
    params.function_library = step_.function_library;
    params.step_container = step_container_;
    params.inputs = inputs.data();
    params.num_inputs = pn.num_inputs;
    OpKernelContext ctx(params, pn.num_outputs);
    pn.device->Compute(pn.kernel, &ctx);
    if (!ctx.ok()) return NodeError(pn.node, ctx.status());
    for (int i = 0; i < pn.num_outputs; ++i) {
      TensorValue& out = ctx.outputs()[i];
      if (plan_.slot_uses[pn.first_slot + i] < 0) continue;
      DataType want = pn.node->output_type(i);
      bool ok = IsRefType(want) ? out.ref != nullptr : out.tensor.IsInitialized() && out.tensor.dtype() == want;
      if (!ok) {
        return NodeError(pn.node, errors::Internal("kernel produced no ", DataTypeString(want), " value for output ", i));
      }
      outputs[i] = {std::move(out), true};
    }
    return absl::OkStatus();
  }

  void Propagate(const TaggedNode& t, absl::Span<Entry> outputs) {
    const FrameInfo::NodeInfo& ni = info_.nodes[t.node];
    FrameState* frame = t.frame;
    IterationState* iter = t.iter;
    switch (ni.kind) {
      case FrameInfo::kEnter: {
        FrameState* child = FindOrCreateChild(frame, iter, ni);
        if (ni.is_constant) {
          child->invariants.push_back({t.node, outputs[0]});
          for (auto& [num, state] : child->iterations) ActivateNodes(child, state.get(), t.node, t.dead, outputs);
        } else {
          ActivateNodes(child, child->Get(0), t.node, t.dead, outputs);
        }
        --child->num_pending_inputs;
        // With every Enter value in and nothing to run (no consumer), the frame is done now.
        if (child->num_pending_inputs == 0) {
          IterationState* first = child->iterations.begin()->second.get();
          if (first->outstanding_ops == 0) CleanupFramesIterations(child, first);
        }
        break;
      }
      case FrameInfo::kExit:
        if (t.dead) {
          if (iter->iter == frame->iteration_count) frame->dead_exits.push_back(t.node);
        } else {
          ActivateNodes(frame->parent, frame->parent_iter, t.node, false, outputs);
        }
        break;
      case FrameInfo::kNextIteration:
        if (t.dead) break;  // the loop ends here
        if (iter->iter == frame->iteration_count &&
            frame->num_outstanding_iterations >= frame->parallel_iterations) {
          frame->next_iter_roots.push_back({t.node, std::move(outputs[0])});
          break;
        }
        if (iter->iter == frame->iteration_count && !IncrementIteration(frame)) break;
        ActivateNodes(frame, frame->Get(iter->iter + 1), t.node, false, outputs);
        break;
      default:
        ActivateNodes(frame, iter, t.node, t.dead, outputs);
    }
  }

  FrameState* FindOrCreateChild(FrameState* frame, IterationState* iter, const FrameInfo::NodeInfo& enter) {
    auto [it, fresh] = iter->children.try_emplace(enter.child_frame);
    if (fresh) {
      auto child = std::make_unique<FrameState>();
      child->id = enter.child_frame;
      child->parent = frame;
      child->parent_iter = iter;
      child->parallel_iterations = enter.parallel_iterations;
      child->num_pending_inputs = info_.frames[enter.child_frame].num_enters;
      child->iterations[0] = std::make_unique<IterationState>(info_.frames[enter.child_frame], 0);
      ++iter->outstanding_frames;
      it->second = std::move(child);
    }
    return it->second.get();
  }

  // Starts the frame's next iteration; false (error_ set) past the loop bound.
  bool IncrementIteration(FrameState* frame) {
    const int64_t max_iterations = MaxLoopIterations();
    if (max_iterations > 0 && frame->iteration_count + 1 >= max_iterations) {
      if (error_.ok()) {
        error_ = errors::ResourceExhausted("the while loop of frame '", info_.frames[frame->id].name,
                                           "' did not end within ", max_iterations,
                                           " iterations (the bound SetMaxLoopIterations / --max-loop-iterations set)");
      }
      return false;
    }
    const int64_t next = ++frame->iteration_count;
    frame->iterations[next] = std::make_unique<IterationState>(info_.frames[frame->id], next);
    IterationState* state = frame->Get(next);
    ++frame->num_outstanding_iterations;
    frame->dead_exits.clear();
    std::vector<std::pair<int, Entry>> deferred = std::move(frame->next_iter_roots);
    frame->next_iter_roots.clear();
    for (auto& [node, entry] : deferred) ActivateNodes(frame, state, node, false, absl::MakeSpan(&entry, 1));
    for (auto& [node, entry] : frame->invariants) {
      ActivateNodes(frame, state, node, !entry.live, absl::MakeSpan(&entry, 1));
    }
    return true;
  }

  // Delivers `src`'s outputs (live or dead) to its successors in `iter` of `frame`.
  void ActivateNodes(FrameState* frame, IterationState* iter, int src, bool src_dead, absl::Span<Entry> outputs) {
    const FrameInfo::NodeInfo& si = info_.nodes[src];
    for (int k = 0; k < si.num_edges; ++k) {
      const FrameInfo::Edge& e = info_.edges[si.first_edge + k];
      const FrameInfo::NodeInfo& di = info_.nodes[e.dst];
      const int id = di.local;
      bool dst_dead = false, dst_ready = false, need_input = false;
      if (di.kind == FrameInfo::kMerge) {
        if (e.dst_input < 0) {
          iter->pending[id] -= 2;
          const int count = iter->pending[id];
          dst_dead = iter->dead[id] == di.num_data_inputs;
          dst_ready = count == 0 || (count == 1 && dst_dead);
        } else if (!src_dead && outputs[e.src_output].live) {
          const int count = iter->pending[id];
          iter->pending[id] &= ~1;
          dst_ready = count == 1;
          need_input = (count & 1) == 1;
        } else {
          const int dead = ++iter->dead[id];
          dst_dead = dead == di.num_data_inputs || si.kind == FrameInfo::kEnter;
          dst_ready = iter->pending[id] == 1 && dst_dead;
        }
      } else {
        const bool dead_input = src_dead || (e.dst_input >= 0 && !outputs[e.src_output].live);
        if (dead_input) ++iter->dead[id];
        dst_dead = iter->dead[id] > 0;
        dst_ready = --iter->pending[id] == 0;
        need_input = e.dst_input >= 0 && !dead_input;
      }
      if (need_input) iter->inputs[di.input_start + e.dst_input] = outputs[e.src_output];
      if (dst_ready) {
        if (di.kind == FrameInfo::kControlTrigger) dst_dead = false;
        Push({e.dst, frame, iter, dst_dead});
      }
    }
  }

  void DecrementOutstandingOps(FrameState* frame, IterationState* iter) {
    if (--iter->outstanding_ops == 0) CleanupFramesIterations(frame, iter);
  }

  bool IsIterationDone(const FrameState* frame, const IterationState* iter) const {
    if (iter->outstanding_ops != 0 || iter->outstanding_frames != 0) return false;
    if (iter->iter == 0) return frame->num_pending_inputs == 0;
    return frame->Get(iter->iter - 1) == nullptr;
  }

  void CleanupFramesIterations(FrameState* frame, IterationState* iter) {
    if (frame == &root_) return;  // the run's own iteration: checked when nothing is ready
    int64_t current = iter->iter;
    while (current <= frame->iteration_count) {
      IterationState* state = frame->Get(current);
      if (state == nullptr || !IsIterationDone(frame, state)) break;
      // In a well-formed loop every node of an iteration runs (or is skipped as dead): one that
      // got some of its inputs but not all never will.
      if (error_.ok()) {
        std::string where;
        DescribeIteration(*frame, current, *state, &where);
        if (!where.empty()) error_ = errors::InvalidArgument("malformed control flow: ", where);
      }
      frame->iterations.erase(current);
      --frame->num_outstanding_iterations;
      ++current;
      if (!frame->next_iter_roots.empty() && !IncrementIteration(frame)) return;
    }
    if (frame->num_pending_inputs == 0 && frame->num_outstanding_iterations == 0) DeleteFrame(frame);
  }

  void DeleteFrame(FrameState* frame) {
    FrameState* parent = frame->parent;
    IterationState* parent_iter = frame->parent_iter;
    std::vector<int> dead_exits = std::move(frame->dead_exits);
    parent_iter->children.erase(frame->id);  // frame is gone from here on
    --parent_iter->outstanding_frames;
    for (int exit : dead_exits) {
      Entry dead;
      ActivateNodes(parent, parent_iter, exit, true, absl::MakeSpan(&dead, 1));
    }
    if (parent_iter->outstanding_ops == 0) CleanupFramesIterations(parent, parent_iter);
  }

  // Nothing is ready but the run is not done: a loop that waits for a value that never comes.
  Status Stuck() const {
    std::string where;
    Describe(root_, &where);
    return errors::InvalidArgument("malformed control flow: the run cannot finish: ",
                                   where.empty() ? std::string("a while loop frame never ends") : where);
  }

  void Describe(const FrameState& frame, std::string* where) const {
    for (const auto& [num, state] : frame.iterations) {
      DescribeIteration(frame, num, *state, where);
      for (const auto& [id, child] : state->children) {
        if (where->empty()) Describe(*child, where);
      }
    }
  }

  // The first node of the iteration that got some of its inputs but cannot run.
  void DescribeIteration(const FrameState& frame, int64_t num, const IterationState& iteration,
                         std::string* where) const {
    const IterationState* state = &iteration;
    {
      const FrameInfo::Frame& f = info_.frames[frame.id];
      for (size_t local = 0; local < f.members.size() && where->empty(); ++local) {
        const int node = f.members[local];
        const FrameInfo::NodeInfo& ni = info_.nodes[node];
        const int pending = state->pending[local];
        if (state->started[local]) continue;
        bool partial = ni.kind == FrameInfo::kMerge
                           ? pending > 0 && (state->dead[local] > 0 || pending < ni.initial_pending)
                           : pending > 0 && pending < ni.initial_pending;
        if (!partial) continue;
        *where = absl::StrCat("node ", plan_.nodes[node].node->DebugName(), " in ", FrameName(info_, frame.id),
                              " (iteration ", num, ") waits for ",
                              ni.kind == FrameInfo::kMerge ? std::string("a live input")
                                                           : absl::StrCat(pending, " more input(s)"),
                              " that never arrive(s)");
      }
    }
  }

  const ExecutionPlan& plan_;
  const FrameInfo& info_;
  std::vector<TensorValue> feeds_;
  ResourceMgr* resource_mgr_;
  ScopedStepContainer* step_container_;
  const Executor::StepOptions& step_;
  std::vector<Entry> fetched_;  // by slot: the root frame's outputs that are fetched
  FrameState root_;
  int root_ran_ = 0;  // nodes of the root frame that ran or were skipped as dead
  Status error_;      // a malformed loop found when an iteration ended
  std::deque<TaggedNode> ready_;
};

}  // namespace

Status Executor::RunFrames(const ExecutionPlan& plan, const Tensor* borrowed, Tensor* owned, size_t num_feeds,
                           std::vector<Tensor>* fetched, const StepOptions& step) const {
  ScopedStepContainer step_container(step.step_id, resource_mgr_);
  std::vector<TensorValue> feeds(num_feeds);
  for (size_t i = 0; i < num_feeds; ++i) {
    feeds[i].tensor = owned != nullptr ? std::move(owned[i]) : borrowed[i];
  }
  ScopedOmpThreads omp(step.intra_op_threads);
  ScopedMaxTensorBytes cap(step.max_tensor_bytes);
  FrameRun run(plan, *plan.frames, std::move(feeds), resource_mgr_, &step_container, step);
  std::vector<Tensor> values;
  SLUICE_RETURN_IF_ERROR(run.Run(fetched != nullptr ? &values : nullptr));
  if (fetched != nullptr) {
    for (Tensor& t : values) fetched->push_back(std::move(t));
  }
  return absl::OkStatus();
}

}  // namespace sluice
