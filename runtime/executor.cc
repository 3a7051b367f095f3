#include "runtime/executor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "absl/synchronization/notification.h"
#include "runtime/intra_op_threads.h"

namespace sluice {

std::unique_ptr<RunBuffers> RunBufferCache::Take(int num_nodes, int num_slots) {
  std::unique_ptr<RunBuffers> buffers(cached_.exchange(nullptr, std::memory_order_acquire));
  if (buffers != nullptr) return buffers;
  buffers = std::make_unique<RunBuffers>();
  buffers->slots.reset(new TensorValue[num_slots]);
  buffers->pending.reset(new std::atomic<int>[num_nodes]);
  buffers->uses.reset(new std::atomic<int>[num_slots]);
  return buffers;
}

void RunBufferCache::Give(std::unique_ptr<RunBuffers> buffers) {
  RunBuffers* expected = nullptr;
  if (cached_.compare_exchange_strong(expected, buffers.get(), std::memory_order_release)) buffers.release();
}

namespace {

// SLUICE_PROFILE_OPS=1 in the environment: every kernel is timed, the times are summed per op
// type, and the table (total, count, share) goes to stderr when the process exits. A debugging
// aid for finding where a step's time goes; off, it costs one predictable branch per node.
class OpProfile {
 public:
  static OpProfile* Get() {
    static OpProfile* profile = [] {
      const char* v = std::getenv("SLUICE_PROFILE_OPS");
      return v != nullptr && *v != '\0' && std::string(v) != "0" ? new OpProfile : nullptr;
    }();
    return profile;
  }
  void Add(const std::string& op, double seconds) {
    absl::MutexLock lock(&mu_);
    Entry& e = entries_[op];
    e.seconds += seconds;
    ++e.count;
  }

 private:
  struct Entry {
    double seconds = 0;
    int64_t count = 0;
  };
  OpProfile() {
    std::atexit([] { Get()->Print(); });
  }
  void Print() {
    absl::MutexLock lock(&mu_);
    std::vector<std::pair<std::string, Entry>> rows(entries_.begin(), entries_.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
    double total = 0;
    for (const auto& r : rows) total += r.second.seconds;
    std::fprintf(stderr, "SLUICE_PROFILE_OPS: %.3f s in kernels\n%-40s %10s %10s %7s\n", total, "op", "total_s", "count",
                 "share");
    for (const auto& [op, e] : rows) {
      std::fprintf(stderr, "%-40s %10.4f %10lld %6.1f%%\n", op.c_str(), e.seconds, static_cast<long long>(e.count),
                   total > 0 ? 100.0 * e.seconds / total : 0.0);
    }
  }
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

struct RunState {
  explicit RunState(const ExecutionPlan& p)
      : plan(p),
        buffers(p.buffers.Take(static_cast<int>(p.nodes.size()), p.num_slots)),
        slots(buffers->slots.get()),
        pending(buffers->pending.get()),
        uses(buffers->uses.get()) {
    for (size_t i = 0; i < p.nodes.size(); ++i) pending[i].store(p.nodes[i].pending, std::memory_order_relaxed);
    for (int i = 0; i < p.num_slots; ++i) uses[i].store(p.slot_uses[i], std::memory_order_relaxed);
  }
  ~RunState() {
    for (int i = 0; i < plan.num_slots; ++i) slots[i] = TensorValue();  // release what the run left
    plan.buffers.Give(std::move(buffers));
  }

  void SetError(Status s) {
    absl::MutexLock lock(&mu);
    if (status.ok()) status = std::move(s);
    failed.store(true, std::memory_order_release);
  }

  const ExecutionPlan& plan;
  std::unique_ptr<RunBuffers> buffers;
  TensorValue* slots;
  std::atomic<int>* pending;
  std::atomic<int>* uses;
  std::atomic<int> inflight{0};
  std::atomic<bool> failed{false};
  absl::Mutex mu;
  Status status ABSL_GUARDED_BY(mu);
  absl::Notification done;
  ResourceMgr* resource_mgr = nullptr;
  ScopedStepContainer* step_container = nullptr;
  ThreadPool* pool = nullptr;
  Executor::StepOptions step;
};

Status UninitializedError(const Var* var) {
  return errors::FailedPrecondition("Attempting to use uninitialized value ", var->name());
}

// Reads a variable's current value as a tensor (sharing its buffer).
Status ReadVar(Var* var, Tensor* out) {
  absl::ReaderMutexLock lock(var->mu());
  if (!var->is_initialized()) return UninitializedError(var);
  *out = *var->tensor();
  return absl::OkStatus();
}

Status NodeError(const Node* node, const Status& s) {
  return errors::Annotate(s, absl::StrCat("node ", node->DebugName(), ": "));
}

// Runs one node's kernel and stores its outputs in the run's slots. Returns false on failure
// (recorded in `rs`).
bool RunNode(RunState* rs, int id) {
  const ExecutionPlan& plan = rs->plan;
  const ExecutionPlan::PlanNode& pn = plan.nodes[id];
  // Inline room for the widest common kernels (ApplyAdam takes 10 inputs): no allocation per node.
  absl::InlinedVector<TensorValue, 12> inputs(pn.num_inputs);
  for (int k = 0; k < pn.num_inputs; ++k) {
    const ExecutionPlan::InputSource& src = plan.inputs[pn.first_input + k];
    TensorValue& slot = rs->slots[src.slot];
    if (src.ref_input) {
      inputs[k].ref = slot.ref;
      continue;
    }
    if (src.deref) {
      Status s = ReadVar(slot.ref, &inputs[k].tensor);
      if (!s.ok()) {
        rs->SetError(NodeError(pn.node, s));
        return false;
      }
      continue;
    }
    // Copy first, then count the use: the last consumer releases the slot, after which its copy
    // may be the only reference left (and the kernel may reuse the buffer).
    inputs[k].tensor = slot.tensor;
    if (rs->uses[src.slot].fetch_sub(1, std::memory_order_acq_rel) == 1) slot.tensor = Tensor();
  }

  OpKernelContext::Params params;
  params.kernel = pn.kernel;
  params.device = pn.device;
  params.resource_mgr = rs->resource_mgr;
  params.step_id = rs->step.step_id;
  params.function_library = rs->step.function_library;
  params.step_container = rs->step_container;
  params.inputs = inputs.data();
  params.num_inputs = pn.num_inputs;
  if (pn.copy_from != nullptr) {
    TensorValue copied;
    Status s = CopyTensorBetweenDevices(inputs[0].tensor, pn.copy_from, pn.device, &copied.tensor);
    if (!s.ok()) {
      rs->SetError(NodeError(pn.node, s));
      return false;
    }
    if (plan.slot_uses[pn.first_slot] >= 0) rs->slots[pn.first_slot] = std::move(copied);
    return true;
  }
  OpKernelContext ctx(params, pn.num_outputs);
  if (OpProfile* profile = OpProfile::Get(); ABSL_PREDICT_FALSE(profile != nullptr)) {
    auto start = std::chrono::steady_clock::now();
    pn.device->Compute(pn.kernel, &ctx);
    profile->Add(pn.node->type_string(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  } else {
    pn.device->Compute(pn.kernel, &ctx);
  }
  if (!ctx.ok()) {
    rs->SetError(NodeError(pn.node, ctx.status()));
    return false;
  }
  for (int i = 0; i < pn.num_outputs; ++i) {
    int slot = pn.first_slot + i;
    TensorValue& out = ctx.outputs()[i];
    if (plan.slot_uses[slot] < 0) continue;  // nothing reads this output
    DataType want = pn.node->output_type(i);
    bool ok = IsRefType(want) ? out.ref != nullptr
                              : out.tensor.IsInitialized() && out.tensor.dtype() == want;
    if (!ok) {
      rs->SetError(NodeError(pn.node, errors::Internal(
                                          "kernel produced no ", DataTypeString(want), " value for output ", i,
                                          out.tensor.IsInitialized() ? absl::StrCat(" (got ", DataTypeString(out.tensor.dtype()), ")") : "")));
      return false;
    }
    rs->slots[slot] = std::move(out);
  }
  return true;
}

void Process(RunState* rs, absl::InlinedVector<int, 16> stack) {
  const ExecutionPlan& plan = rs->plan;
  while (!stack.empty()) {
    int id = stack.back();
    stack.pop_back();
    if (!rs->failed.load(std::memory_order_acquire) && RunNode(rs, id)) {
      const ExecutionPlan::PlanNode& pn = plan.nodes[id];
      int newly_ready = 0;
      for (int k = 0; k < pn.num_successors; ++k) {
        int s = plan.successors[pn.first_successor + k];
        if (rs->pending[s].fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
        rs->inflight.fetch_add(1, std::memory_order_relaxed);
        // Send an expensive node to the pool when this thread has other work to do.
        if (rs->pool != nullptr && plan.nodes[s].expensive && (newly_ready > 0 || !stack.empty())) {
          rs->pool->Schedule([rs, s] {
            ScopedOmpThreads omp(rs->step.intra_op_threads);
            ScopedMaxTensorBytes cap(rs->step.max_tensor_bytes);
            Process(rs, {s});
          });
        } else {
          stack.push_back(s);
        }
        ++newly_ready;
      }
    }
    if (rs->inflight.fetch_sub(1, std::memory_order_acq_rel) == 1) rs->done.Notify();
  }
}

}  // namespace

Status Executor::Run(const ExecutionPlan& plan, absl::Span<const Tensor> feeds,
                     std::vector<Tensor>* fetched, const StepOptions& step) const {
  return RunInternal(plan, feeds.data(), nullptr, feeds.size(), fetched, step);
}

Status Executor::RunConsumingFeeds(const ExecutionPlan& plan, absl::Span<Tensor> feeds, std::vector<Tensor>* fetched,
                                   const StepOptions& step) const {
  return RunInternal(plan, nullptr, feeds.data(), feeds.size(), fetched, step);
}

Status Executor::RunInternal(const ExecutionPlan& plan, const Tensor* borrowed, Tensor* owned, size_t num_feeds,
                             std::vector<Tensor>* fetched, const StepOptions& step) const {
  if (ABSL_PREDICT_FALSE(plan.frames != nullptr)) return RunFrames(plan, borrowed, owned, num_feeds, fetched, step);
  // The step's per-step resources: declared before the run state, so that they are dropped after
  // every kernel has finished and the run's slots are released.
  ScopedStepContainer step_container(step.step_id, resource_mgr_);
  RunState rs(plan);
  rs.step = step;
  rs.resource_mgr = resource_mgr_;
  rs.step_container = &step_container;
  rs.pool = pool_ != nullptr && pool_->num_threads() > 0 ? pool_ : nullptr;
  if (owned != nullptr) {
    for (size_t i = 0; i < num_feeds; ++i) rs.slots[plan.feed_slots[i]].tensor = std::move(owned[i]);
  } else {
    for (size_t i = 0; i < num_feeds; ++i) rs.slots[plan.feed_slots[i]].tensor = borrowed[i];
  }
  if (!plan.roots.empty()) {
    rs.inflight.store(static_cast<int>(plan.roots.size()), std::memory_order_relaxed);
    ScopedOmpThreads omp(step.intra_op_threads);
    ScopedMaxTensorBytes cap(step.max_tensor_bytes);
    Process(&rs, absl::InlinedVector<int, 16>(plan.roots.rbegin(), plan.roots.rend()));
    rs.done.WaitForNotification();
  }
  {
    absl::MutexLock lock(&rs.mu);
    SLUICE_RETURN_IF_ERROR(rs.status);
  }
  if (fetched == nullptr) return absl::OkStatus();
  fetched->reserve(plan.fetch_slots.size());
  for (int slot : plan.fetch_slots) {
    TensorValue& v = rs.slots[slot];
    if (v.ref != nullptr) {
      Tensor t;
      SLUICE_RETURN_IF_ERROR(NodeError(plan.slot_nodes[slot], ReadVar(v.ref, &t)));
      fetched->push_back(std::move(t));
    } else {
      fetched->push_back(v.tensor);
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice
