// ExecutionPlan and Executor: how a pruned, placed graph runs.
//
// A plan is built once per (feeds, fetches, targets) signature: the needed nodes in topological
// order, each with its kernel and device, where each input comes from (another node's output
// slot or a feed slot), how many consumers each slot has, and each node's pending count. A run
// is a dataflow pass over pending counts: nodes whose inputs are ready run, cheap kernels inline
// on the thread that readied them, expensive ones on the inter-op pool when other work is ready
// too. A slot's tensor is handed to its last consumer (which may then reuse the buffer in place)
// and freed after it, so memory is released as soon as the graph allows.
#ifndef SLUICE_RUNTIME_EXECUTOR_H_
#define SLUICE_RUNTIME_EXECUTOR_H_

#include <atomic>
#include <memory>
#include <vector>

#include "core/device.h"
#include "core/graph.h"
#include "core/kernel.h"
#include "core/resource_mgr.h"
#include "core/threadpool.h"

namespace sluice {

struct FrameInfo;  // runtime/frame_executor.h

// A run's scratch for one plan: the slots and the pending and use counters. A plan keeps the
// last run's (RunBufferCache), so that a run of a cached plan allocates nothing but its outputs
// and what its kernels allocate; overlapping runs make their own.
struct RunBuffers {
  std::unique_ptr<TensorValue[]> slots;
  std::unique_ptr<std::atomic<int>[]> pending;
  std::unique_ptr<std::atomic<int>[]> uses;
};
class RunBufferCache {
 public:
  RunBufferCache() = default;
  RunBufferCache(const RunBufferCache&) = delete;
  RunBufferCache& operator=(const RunBufferCache&) = delete;
  ~RunBufferCache() { delete cached_.exchange(nullptr); }
  // The cached buffers if no other run holds them, else new ones (slots empty either way).
  std::unique_ptr<RunBuffers> Take(int num_nodes, int num_slots);
  // Keeps `buffers` (their slots must be empty) unless another run's are kept already.
  void Give(std::unique_ptr<RunBuffers> buffers);

 private:
  std::atomic<RunBuffers*> cached_{nullptr};
};

struct ExecutionPlan {
  struct InputSource {
    int slot;          // index into the run's slots
    bool ref_input;    // the kernel takes a ref: pass the variable itself
    bool deref;        // the slot holds a ref, the kernel takes a value: read the variable
  };
  struct PlanNode {
    const Node* node;
    OpKernel* kernel;
    Device* device;
    int first_input;   // into `inputs`
    int num_inputs;
    int first_slot;    // slot of output 0
    int num_outputs;
    int pending;       // inputs and control inputs produced by other plan nodes
    int first_successor;  // into `successors`
    int num_successors;
    bool expensive;
    // For a _Copy node: the device whose memory its input lives in (it then runs no kernel but
    // CopyTensorBetweenDevices to `device`); else null.
    Device* copy_from;
  };
  std::vector<PlanNode> nodes;
  std::vector<InputSource> inputs;
  std::vector<int> successors;    // plan-node indices, one per edge
  // Per slot: -1 when nothing reads it; else how many value consumers (non-ref inputs that do
  // not dereference, and fetches) take its tensor.
  std::vector<int> slot_uses;
  std::vector<int> feed_slots;    // slot of each feed, in signature order
  std::vector<Endpoint> feed_endpoints;  // what each feed replaces (for dtype/shape checks)
  std::vector<const Node*> slot_nodes;  // producer of each slot (feeds: the fed node), for errors
  std::vector<int> fetch_slots;   // slot of each fetch
  std::vector<int> roots;         // plan nodes with nothing pending
  int num_slots = 0;
  mutable RunBufferCache buffers;
  // Set when the plan holds TF1 control flow (Enter, Exit, Switch, Merge, NextIteration,
  // LoopCond and their Ref forms): the run then goes to the frame-aware executor
  // (runtime/frame_executor.cc), with frames and dead tensors. Null for every other plan, whose
  // runs take the dataflow pass above unchanged.
  std::shared_ptr<const FrameInfo> frames;
};

class Executor {
 public:
  // `pool` may be null (everything inline). Both must outlive the executor.
  Executor(ResourceMgr* resource_mgr, ThreadPool* pool) : resource_mgr_(resource_mgr), pool_(pool) {}

  // What one step runs with, on every thread that runs its kernels.
  struct StepOptions {
    int64_t step_id = 0;
    int intra_op_threads = 0;      // OpenMP threads of the kernels; 0: the running thread's setting
    int64_t max_tensor_bytes = 0;  // ScopedMaxTensorBytes for the kernels; 0: MaxTensorBytes()
    FunctionLibrary* function_library = nullptr;  // what the kernels call functions through
  };

  // Runs `plan` with `feeds` (one per plan.feed_slots) and stores the fetched values (`fetched`
  // may be null when the plan fetches nothing). On a kernel's failure the run stops scheduling,
  // waits for what is in flight, and returns the first error annotated with the node. Each run
  // has its own ScopedStepContainer (named after step.step_id), cleaned when the run ends.
  Status Run(const ExecutionPlan& plan, absl::Span<const Tensor> feeds, std::vector<Tensor>* fetched,
             const StepOptions& step) const;
  // The same, moving the feeds in (they are left empty): a fed tensor then has no reference
  // outside the run, so its last consumer may take its buffer over (a loop's list, updated in
  // place from one iteration to the next).
  Status RunConsumingFeeds(const ExecutionPlan& plan, absl::Span<Tensor> feeds, std::vector<Tensor>* fetched,
                           const StepOptions& step) const;

 private:
  Status RunInternal(const ExecutionPlan& plan, const Tensor* borrowed, Tensor* owned, size_t num_feeds,
                     std::vector<Tensor>* fetched, const StepOptions& step) const;
  // A plan with frames (runtime/frame_executor.cc).
  Status RunFrames(const ExecutionPlan& plan, const Tensor* borrowed, Tensor* owned, size_t num_feeds,
                   std::vector<Tensor>* fetched, const StepOptions& step) const;

  ResourceMgr* resource_mgr_;
  ThreadPool* pool_;
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_EXECUTOR_H_
