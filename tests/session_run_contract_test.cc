// The contracts of Session::Run that users lean on: what `outputs` holds after an error, the
// documented ways of running targets only, and where SessionOptions::intra_op_threads applies.
#include <omp.h>

#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "core/kernel.h"
#include "core/op_registry.h"
#include "gtest/gtest.h"
#include "runtime/intra_op_threads.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

// A test op whose kernel reports the OpenMP thread count it runs with and records the thread.
REGISTER_OP("TestOmpMaxThreads")
    .Input("x: float")
    .Output("threads: int32")
    .SetIsStateful()
    .SetShapeFn(shape_fn::ScalarShape);

absl::Mutex threads_mu;
std::set<std::thread::id> kernel_threads ABSL_GUARDED_BY(threads_mu);

class TestOmpMaxThreadsOp : public OpKernel {
 public:
  explicit TestOmpMaxThreadsOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  bool IsExpensive() const override { return true; }  // eligible for the inter-op pool
  void Compute(OpKernelContext* ctx) override {
    {
      absl::MutexLock lock(&threads_mu);
      kernel_threads.insert(std::this_thread::get_id());
    }
    ctx->set_output(0, Tensor::Scalar<int32_t>(omp_get_max_threads()));
  }
};
REGISTER_KERNEL(KernelDefBuilder("TestOmpMaxThreads").Device(kDeviceCpu), TestOmpMaxThreadsOp);

Output OmpThreads(const Scope& s, const Output& x) {
  return NodeBuilder(s, "TestOmpMaxThreads").Input(x).Finalize();
}

TEST(SessionRunContractTest, FailedRunLeavesNoTensorsOfAPreviousRun) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  auto y = x * 2.0f;
  Session session(root);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(3)}}, {y}, &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].scalar<float>(), 6.0f);
  // The same fetch without its feed fails: `out` must not still hold the 6.
  Status s = session.Run({}, {y}, &out);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(out.empty());
  // An unknown fetch fails before any plan exists: also empty.
  ASSERT_OK(session.Run({{x, Tensor::Scalar<float>(3)}}, {y}, &out));
  EXPECT_FALSE(session.Run({}, {"no_such_node:0"}, {}, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(SessionRunContractTest, TargetsOnlyNeedNoOutputs) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("w"), {2}, init::Zeros());
  auto init = ops::GlobalVariablesInitializer(root);
  auto step = ops::AssignAdd(root, w.ref(), ops::Const(root, {1.0f, 2.0f}));
  Session session(root);
  // The forms the headers document: session.h's and training.h's.
  ASSERT_OK(session.Run({}, {}, {init}));
  ASSERT_OK(session.Run({}, {}, {step.op()}, nullptr));
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {w.value()}, &out));
  test::ExpectTensorEqual(out[0], Tensor::FromVector(std::vector<float>{1, 2}));
  // Fetching with nowhere to put the values is a clear error, not a crash.
  Status s = session.Run({}, {w.value()}, {}, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("outputs is null"), std::string::npos) << s;
  s = session.Run({}, {"w:0"}, {}, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

TEST(SessionRunContractTest, IntraOpThreadsApplyOnEveryThreadThatRunsKernels) {
  const int before = omp_get_max_threads();
  const int want = before > 1 ? 1 : 2;
  Scope root = Scope::NewRootScope();
  auto c = ops::Const(root, 1.0f);
  std::vector<Output> probes;
  for (int i = 0; i < 6; ++i) probes.push_back(OmpThreads(root.WithOpName("probe" + std::to_string(i)), c));
  {
    SessionOptions options;
    options.intra_op_threads = want;
    options.inter_op_threads = 4;  // fan-out of expensive nodes goes to the pool's workers
    Session session(root, options);
    EXPECT_EQ(omp_get_max_threads(), before) << "the constructing thread's setting changed";
    {
      absl::MutexLock lock(&threads_mu);
      kernel_threads.clear();
    }
    std::vector<Tensor> out;
    Status status;
    std::thread other([&] { status = session.Run({}, probes, &out); });
    other.join();
    ASSERT_OK(status);
    ASSERT_EQ(out.size(), probes.size());
    for (const Tensor& t : out) EXPECT_EQ(t.scalar<int32_t>(), want);
    {
      absl::MutexLock lock(&threads_mu);
      EXPECT_GE(kernel_threads.size(), 2u) << "no kernel ran on an inter-op pool worker";
    }
    // On this thread too, and the setting is restored after Run.
    ASSERT_OK(session.Run({}, probes, &out));
    for (const Tensor& t : out) EXPECT_EQ(t.scalar<int32_t>(), want);
    EXPECT_EQ(omp_get_max_threads(), before);
  }
  EXPECT_EQ(omp_get_max_threads(), before) << "the setting outlived the session";
}

TEST(SessionRunContractTest, AdaptiveThreadsLeaveOthersTheirCores) {
  // 2 cores: idle -> 2 threads; one core kept busy by others -> 1; both busy -> still 1.
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(2, 2, 0.0), 2);
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(2, 2, 0.3), 2);
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(2, 2, 0.7), 1);
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(2, 2, 2.0), 1);
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(8, 16, 4.2), 8);
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(16, 16, 4.2), 12);
  EXPECT_EQ(IntraOpThreads::ThreadsForLoad(4, 4, -1.0), 4);
  // A fixed count is kept whatever the load.
  IntraOpThreads fixed(3);
  EXPECT_EQ(fixed.ForRun(), 3);
  IntraOpThreads adaptive(0, 2);
  int n = adaptive.ForRun();
  EXPECT_GE(n, 1);
  EXPECT_LE(n, 2);
}

}  // namespace
}  // namespace sluice
