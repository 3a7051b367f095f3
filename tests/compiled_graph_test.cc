// CompiledGraph (runtime/compiled_graph.h) and Session::MakeCallable: the pruned copy a signature
// compiles to, kernels of stateful nodes shared between signatures (as TF's OpSegment shares
// them), callables, and runs of a cached plan that allocate nothing.
#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/compiled_graph.h"
#include "sluice.h"
#include "tests/util/test_util.h"

// Counts this thread's heap allocations while `counting` is set.
namespace {
thread_local bool counting = false;
thread_local int64_t allocations = 0;
}  // namespace

// The replacement pairs malloc with free; GCC cannot see that the two belong together.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
// Every unaligned form that can free what those return (AddressSanitizer checks the pairing).
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> NodeOps(const Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes()) ops.push_back(n->name() + "=" + n->type_string());
  return ops;
}

TEST(CompiledGraphTest, TheCopyHoldsWhatTheSignatureNeedsWithArgsAndRetvals) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 2});
  auto y = ops::Identity(root.WithOpName("y"), ops::Add(root.WithOpName("add"), ops::Mul(root.WithOpName("mul"), x, 2.0f), 1.0f));
  ops::Identity(root.WithOpName("unrelated"), ops::Neg(root.WithOpName("neg"), x));
  ASSERT_OK(root.status());
  const Graph& graph = *root.graph();
  Device cpu("/device:CPU:0", kDeviceCpu, CpuAllocator());
  Placer placer({&cpu});
  ResourceMgr resources;
  KernelCache kernels;
  CompiledGraph::Environment env{&placer, &resources, &kernels};

  auto compiled = CompiledGraph::Compile(graph, {{"x"}, {"y"}, {}}, env);
  ASSERT_OK(compiled.status());
  const Graph& copy = (*compiled)->graph();
  std::vector<std::string> ops = NodeOps(copy);
  std::sort(ops.begin(), ops.end());
  // The fed placeholder is replaced by an _Arg; the unrelated branch is pruned; the two
  // literals are the Consts of Mul and Add.
  ASSERT_EQ(ops.size(), 7u) << testing::PrintToString(ops);
  EXPECT_THAT(ops, testing::IsSupersetOf({"_arg_0=_Arg", "_retval_0=_Retval", "mul=Mul", "add=AddV2", "y=Identity"}));
  const Node* arg = copy.FindNode("_arg_0");
  EXPECT_EQ(arg->output_type(0), DT_FLOAT);
  EXPECT_EQ(arg->output_shape(0), TensorShape({-1, 2}));
  EXPECT_EQ(copy.FindNode("mul")->input(0).node, arg);
  EXPECT_EQ(copy.FindNode("_retval_0")->input(0).node, copy.FindNode("y"));
  EXPECT_EQ(copy.FindNode("x"), nullptr);
  EXPECT_EQ(copy.FindNode("neg"), nullptr);

  Executor executor(&resources, nullptr);
  std::vector<Tensor> out;
  ASSERT_OK((*compiled)->Run(executor, {Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2})}, &out, {}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::vector<float>(out[0].data<float>(), out[0].data<float>() + 4), (std::vector<float>{3, 5, 7, 9}));

  // Feeding an intermediate tensor cuts off what produced it.
  auto mid = CompiledGraph::Compile(graph, {{"mul"}, {"y"}, {}}, env);
  ASSERT_OK(mid.status());
  EXPECT_EQ((*mid)->graph().FindNode("x"), nullptr);
  EXPECT_EQ((*mid)->graph().FindNode("mul"), nullptr);
  ASSERT_OK((*mid)->Run(executor, {Tensor::FromVector<float>({10, 20}, {1, 2})}, &out, {}));
  EXPECT_EQ(out[0].data<float>()[1], 21.0f);

  // Feeds are checked against the signature.
  Status s = (*compiled)->Run(executor, {Tensor::FromVector<float>({1, 2, 3}, {3})}, &out, {});
  EXPECT_THAT(std::string(s.message()), HasSubstr("Cannot feed value of shape [3] for tensor 'x:0', which has shape [?,2]"));
  s = (*compiled)->Run(executor, {}, &out, {});
  EXPECT_THAT(std::string(s.message()), HasSubstr("expected 1 fed value(s), got 0"));
}

TEST(CompiledGraphTest, CompileErrorsNameTheTensorOrNode) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT);
  Variable w(root.WithOpName("w"), Input(1.0f));
  ops::Identity(root.WithOpName("y"), x);
  Device cpu("/device:CPU:0", kDeviceCpu, CpuAllocator());
  Placer placer({&cpu});
  ResourceMgr resources;
  KernelCache kernels;
  CompiledGraph::Environment env{&placer, &resources, &kernels};
  const Graph& g = *root.graph();
  auto error = [&](const CompileSignature& sig) {
    auto c = CompiledGraph::Compile(g, sig, env);
    return c.ok() ? std::string("OK") : std::string(c.status().message());
  };
  EXPECT_THAT(error({{"nope"}, {"y"}, {}}), HasSubstr("cannot feed tensor 'nope'"));
  EXPECT_THAT(error({{"x", "x:0"}, {"y"}, {}}), HasSubstr("tensor 'x:0' is fed more than once"));
  EXPECT_THAT(error({{"w"}, {"y"}, {}}), HasSubstr("cannot feed tensor 'w': it is a float_ref reference"));
  EXPECT_THAT(error({{}, {"y:3"}, {}}), HasSubstr("cannot fetch tensor 'y:3'"));
  EXPECT_THAT(error({{}, {}, {"ghost"}}), HasSubstr("target 'ghost': no node named 'ghost'"));
}

// A seeded random op draws the same sequence from one kernel, whichever signatures fetch it: its
// generator belongs to the node (TF shares stateful kernels between a session's executors).
TEST(CompiledGraphTest, StatefulKernelsAreSharedBetweenSignatures) {
  Scope root = Scope::NewRootScope();
  auto r = ops::RandomUniform(root.WithOpName("r"), ops::Const(root, {3}), DT_FLOAT, 7, 9);
  auto twice = ops::Mul(root.WithOpName("twice"), r, 2.0f);
  ASSERT_OK(root.status());
  std::vector<Tensor> out;
  std::vector<float> same_signature;
  {
    Session session(root);
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(session.Run({}, {r}, &out));
      same_signature.push_back(out[0].data<float>()[0]);
    }
  }
  Session session(root);
  ASSERT_OK(session.Run({}, {r}, &out));
  EXPECT_EQ(out[0].data<float>()[0], same_signature[0]);
  ASSERT_OK(session.Run({}, {twice, r}, &out));  // another signature: the second draw
  EXPECT_EQ(out[1].data<float>()[0], same_signature[1]);
  EXPECT_EQ(out[0].data<float>()[0], 2.0f * same_signature[1]);
  auto callable = session.MakeCallable(FetchList{}, {r});
  ASSERT_OK(callable.status());
  ASSERT_OK(callable->Run({}, &out));  // and a callable: the third
  EXPECT_EQ(out[0].data<float>()[0], same_signature[2]);
  EXPECT_NE(same_signature[0], same_signature[1]);
}

TEST(CallableTest, RunsLikeSessionRunAndChecksItsFeeds) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT, {2});
  Variable w(root.WithOpName("w"), Input({1.0f, 1.0f}));
  auto y = ops::Add(root.WithOpName("y"), ops::Mul(root, x, w.value()), b);
  auto step = ops::AssignAdd(root.WithOpName("step"), w.ref(), x);
  Operation init = ops::GlobalVariablesInitializer(root);
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {init}));

  auto infer = session.MakeCallable({x, b}, {y});
  ASSERT_OK(infer.status());
  auto train = session.MakeCallable({x}, {}, {step.op()});
  ASSERT_OK(train.status());
  std::vector<Tensor> out;
  const Tensor xv = Tensor::FromVector<float>({2, 3}, {2}), bv = Tensor::FromVector<float>({10, 20}, {2});
  ASSERT_OK(infer->Run({xv, bv}, &out));
  EXPECT_EQ(std::vector<float>(out[0].data<float>(), out[0].data<float>() + 2), (std::vector<float>{12, 23}));
  ASSERT_OK(train->Run({xv}));  // w = [3, 4]
  ASSERT_OK(infer->Run({xv, bv}, &out));
  EXPECT_EQ(std::vector<float>(out[0].data<float>(), out[0].data<float>() + 2), (std::vector<float>{16, 32}));
  ASSERT_OK(session.Run({{x, xv}, {b, bv}}, {y}, &out));
  EXPECT_EQ(out[0].data<float>()[1], 32.0f);

  Status s = infer->Run({xv}, &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("expected 2 fed value(s), got 1"));
  EXPECT_TRUE(out.empty());
  s = infer->Run({xv, Tensor::FromVector<int32_t>({1, 2}, {2})}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("Cannot feed value of dtype int32 for tensor 'b:0', which has dtype float"));
  s = infer->Run({xv, bv}, nullptr);
  EXPECT_THAT(std::string(s.message()), HasSubstr("outputs is null"));
  auto bad = session.MakeCallable({"x"}, {"nope"});
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("cannot fetch tensor 'nope'"));

  // Callables compiled before the graph grew still run; new nodes need a new callable.
  auto z = ops::Neg(root.WithOpName("z"), y);
  ASSERT_OK(infer->Run({xv, bv}, &out));
  auto negated = session.MakeCallable({x, b}, {z});
  ASSERT_OK(negated.status());
  ASSERT_OK(negated->Run({xv, bv}, &out));
  EXPECT_EQ(out[0].data<float>()[0], -16.0f);
}

TEST(CallableTest, OverlappingRunsOfOneCallable) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {});
  auto y = ops::Mul(root.WithOpName("y"), ops::Add(root, x, 1.0f), x);
  Session session(root);
  auto callable = session.MakeCallable({x}, {y});
  ASSERT_OK(callable.status());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Tensor> out;
      for (int i = 0; i < 2000; ++i) {
        float v = static_cast<float>(t * 10000 + i);
        if (!callable->Run({Tensor::Scalar(v)}, &out).ok() || out[0].scalar<float>() != (v + 1) * v) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// Once its plan is cached, a run whose kernels allocate nothing (a chain of Identities, which
// forward their input) makes no heap allocation at all: the slots and counters are recycled and
// the inputs of a node live on the stack, up to ApplyAdam's ten.
TEST(CallableTest, ARunOfACachedPlanAllocatesNothingOfItsOwn) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {4});
  Output chain = x;
  for (int i = 0; i < 10; ++i) chain = ops::Identity(root, chain);
  std::vector<Output> many(10, chain);
  auto sum = ops::AddN(root.WithOpName("sum"), many);  // ten inputs
  SessionOptions options;
  options.intra_op_threads = 1;  // no load sampling
  Session session(root, options);
  auto callable = session.MakeCallable({x}, {chain});
  ASSERT_OK(callable.status());
  const std::vector<Tensor> feed = {Tensor::FromVector<float>({1, 2, 3, 4}, {4})};
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) ASSERT_OK(callable->Run(feed, &out));
  counting = true;
  allocations = 0;
  Status s;
  for (int i = 0; i < 100; ++i) s.Update(callable->Run(feed, &out));
  counting = false;
  ASSERT_OK(s);
  EXPECT_EQ(allocations, 0) << "allocations in 100 runs";

  // A ten-input node: its inputs stay inline; only its output tensor is allocated (buffer and
  // data), and through Session::Run the signature key too.
  auto wide = session.MakeCallable({x}, {sum});
  ASSERT_OK(wide.status());
  for (int i = 0; i < 3; ++i) ASSERT_OK(wide->Run(feed, &out));
  counting = true;
  allocations = 0;
  for (int i = 0; i < 100; ++i) s.Update(wide->Run(feed, &out));
  counting = false;
  ASSERT_OK(s);
  EXPECT_LE(allocations, 200) << "allocations in 100 runs";
  EXPECT_EQ(out[0].data<float>()[3], 40.0f);
}

}  // namespace
}  // namespace sluice
