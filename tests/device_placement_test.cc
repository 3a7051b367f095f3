// Devices, placement and cross-device copies without a GPU: the test registers a second device
// type, FAKE, whose memory is not the host's (an allocator that tags every buffer it hands out)
// and whose few kernels refuse any input that is not in FAKE memory. A graph split between CPU
// and FAKE must give the CPU-only results, with each tensor copied once per memory it moves to.
#include <atomic>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "core/device.h"
#include "core/kernel.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/placer.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

constexpr char kFake[] = "FAKE";

class TaggingAllocator : public Allocator {
 public:
  void* Allocate(size_t bytes, size_t alignment) override {
    void* p = CpuAllocator()->Allocate(bytes == 0 ? 1 : bytes, alignment);
    absl::MutexLock lock(&mu_);
    live_.insert(p);
    return p;
  }
  void Deallocate(void* p, size_t bytes) override {
    {
      absl::MutexLock lock(&mu_);
      live_.erase(p);
    }
    CpuAllocator()->Deallocate(p, bytes == 0 ? 1 : bytes);
  }
  std::string Name() const override { return "fake"; }
  bool Owns(const void* p) {
    absl::MutexLock lock(&mu_);
    return live_.contains(p);
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_set<const void*> live_ ABSL_GUARDED_BY(mu_);
};

TaggingAllocator* FakeMemory() {
  static auto* allocator = new TaggingAllocator();
  return allocator;
}
std::atomic<int> to_fake{0}, to_host{0};

class FakeDevice : public Device {
 public:
  FakeDevice(std::string name, int index) : Device(std::move(name), kFake, FakeMemory(), index) {}
  bool UsesHostMemory() const override { return false; }
  Status CopyFromHost(const Tensor& host, Tensor* on_device) override {
    SLUICE_ASSIGN_OR_RETURN(*on_device, Tensor::Allocate(host.dtype(), host.shape(), FakeMemory()));
    std::memcpy(on_device->raw_data(), host.raw_data(), host.TotalBytes());
    ++to_fake;
    return absl::OkStatus();
  }
  Status CopyToHost(const Tensor& on_device, Tensor* host) override {
    if (!FakeMemory()->Owns(on_device.raw_data())) return errors::Internal("CopyToHost of a tensor not in FAKE memory");
    *host = Tensor(on_device.dtype(), on_device.shape());
    std::memcpy(host->raw_data(), on_device.raw_data(), on_device.TotalBytes());
    ++to_host;
    return absl::OkStatus();
  }
};

class FakeDeviceFactory : public DeviceFactory {
 public:
  Status CreateDevices(const std::string& prefix, int count, std::vector<std::unique_ptr<Device>>* devices) override {
    for (int i = 0; i < (count < 0 ? 2 : count); ++i) {
      devices->push_back(std::make_unique<FakeDevice>(absl::StrCat(prefix, "/device:FAKE:", i), i));
    }
    return absl::OkStatus();
  }
};
// Below the CPU's 70: nodes that request nothing stay on the CPU.
REGISTER_DEVICE_FACTORY(kFake, FakeDeviceFactory, 10);

// Elementwise float kernels of equal shapes, and MatMul, that check where their inputs live.
bool InFakeMemory(OpKernelContext* ctx, int i) {
  if (FakeMemory()->Owns(ctx->input(i).raw_data())) return true;
  ctx->SetStatus(errors::Internal("input ", i, " is not in FAKE memory"));
  return false;
}

template <typename F>
class FakeBinaryOp : public OpKernel {
 public:
  explicit FakeBinaryOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    if (!InFakeMemory(ctx, 0) || !InFakeMemory(ctx, 1)) return;
    const Tensor& a = ctx->input(0);
    const Tensor& b = ctx->input(1);
    Tensor* out;
    if (!ctx->status().ok()) return;
    ctx->SetStatus(ctx->allocate_output(0, a.shape(), &out));
    if (!ctx->status().ok()) return;
    const int64_t n = a.NumElements(), m = b.NumElements();
    for (int64_t i = 0; i < n; ++i) out->data<float>()[i] = F()(a.data<float>()[i], b.data<float>()[i % m]);  // b: a row
  }
};
struct AddFn {
  float operator()(float a, float b) const { return a + b; }
};
struct MulFn {
  float operator()(float a, float b) const { return a * b; }
};

class FakeMatMulOp : public OpKernel {
 public:
  explicit FakeMatMulOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    if (!InFakeMemory(ctx, 0) || !InFakeMemory(ctx, 1)) return;
    const Tensor& a = ctx->input(0);
    const Tensor& b = ctx->input(1);
    const int64_t r = a.dim_size(0), k = a.dim_size(1), c = b.dim_size(1);
    Tensor* out;
    ctx->SetStatus(ctx->allocate_output(0, TensorShape({r, c}), &out));
    if (!ctx->status().ok()) return;
    for (int64_t i = 0; i < r; ++i) {
      for (int64_t j = 0; j < c; ++j) {
        double sum = 0;
        for (int64_t t = 0; t < k; ++t) sum += a.data<float>()[i * k + t] * b.data<float>()[t * c + j];
        out->data<float>()[i * c + j] = static_cast<float>(sum);
      }
    }
  }
};

// Reshape keeps its `shape` input on the host, as a GPU kernel does.
class FakeReshapeOp : public OpKernel {
 public:
  explicit FakeReshapeOp(OpKernelConstruction* c) : OpKernel(c) {}
  void Compute(OpKernelContext* ctx) override {
    if (!InFakeMemory(ctx, 0)) return;
    if (FakeMemory()->Owns(ctx->input(1).raw_data())) {
      ctx->SetStatus(errors::Internal("the HostMemory shape input was copied to the device"));
      return;
    }
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < ctx->input(1).NumElements(); ++i) dims.push_back(ctx->input(1).data<int32_t>()[i]);
    Tensor* out;
    ctx->SetStatus(ctx->allocate_output(0, TensorShape(dims), &out));
    if (!ctx->status().ok()) return;
    std::memcpy(out->raw_data(), ctx->input(0).raw_data(), ctx->input(0).TotalBytes());
  }
};

// Constants live in FAKE memory too (constant folding leaves them on the folded node's device).
class FakeConstOp : public OpKernel {
 public:
  explicit FakeConstOp(OpKernelConstruction* c) : OpKernel(c) {
    const Tensor& host = *c->node().const_value();
    auto on_device = Tensor::Allocate(host.dtype(), host.shape(), FakeMemory());
    if (!on_device.ok()) {
      c->SetStatus(on_device.status());
      return;
    }
    value_ = *on_device;
    std::memcpy(value_.raw_data(), host.raw_data(), host.TotalBytes());
  }
  void Compute(OpKernelContext* ctx) override { ctx->set_output(0, value_); }

 private:
  Tensor value_;
};

REGISTER_KERNEL(KernelDefBuilder("Const").Device(kFake).TypeConstraint<float>("dtype"), FakeConstOp);
REGISTER_KERNEL(KernelDefBuilder("AddV2").Device(kFake).TypeConstraint<float>("T"), FakeBinaryOp<AddFn>);
REGISTER_KERNEL(KernelDefBuilder("Mul").Device(kFake).TypeConstraint<float>("T"), FakeBinaryOp<MulFn>);
REGISTER_KERNEL(KernelDefBuilder("MatMul").Device(kFake).TypeConstraint<float>("T"), FakeMatMulOp);
REGISTER_KERNEL(KernelDefBuilder("Reshape").Device(kFake).TypeConstraint<float>("T").HostMemory("shape"),
                FakeReshapeOp);

std::vector<float> Values(const Tensor& t) { return std::vector<float>(t.data<float>(), t.data<float>() + t.NumElements()); }

// x [2,3] fed; m = x w and a = m + b on FAKE:0; s = a * a on the CPU; d = m * 2 on FAKE:1.
struct SplitGraph {
  explicit SplitGraph(bool split) {
    auto on = [&](const char* device) { return split ? root.WithDevice(device) : root; };
    x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2, 3});
    auto w = ops::Const(root.WithOpName("w"), Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {3, 2}));
    auto b = ops::Const(root.WithOpName("b"), Tensor::FromVector<float>({0.5f, -1}, {2}));
    m = ops::MatMul(on("/device:FAKE:0").WithOpName("m"), x, w);
    a = ops::Add(on("/device:FAKE:0").WithOpName("a"), m, ops::Reshape(on("/device:FAKE:0"), b, ops::Const(root, {1, 2})));
    s = ops::Mul(root.WithOpName("s"), a, a);
    d = ops::Mul(on("/device:FAKE:1").WithOpName("d"), m, ops::Const(root, Tensor::FromVector<float>({2, 2}, {1, 2})));
  }
  Scope root = Scope::NewRootScope();
  Output x, m, a, s, d;
};

TEST(DevicePlacementTest, AGraphSplitAcrossDevicesGivesTheOneDeviceResultsCopyingEachTensorOnce) {
  const Tensor xv = Tensor::FromVector<float>({1, 0, 2, -1, 3, 1}, {2, 3});
  SplitGraph one(false), two(true);
  ASSERT_OK(two.root.status());
  Session cpu_only(one.root);
  std::vector<Tensor> want, got;
  ASSERT_OK(cpu_only.Run({{one.x, xv}}, {one.s, one.d, one.a}, &want));
  // By hand: m = [[11, 14], [13, 16]], a = m + [0.5, -1], s = a^2, d = 2m.
  EXPECT_EQ(Values(want[1]), (std::vector<float>{22, 28, 26, 32}));
  EXPECT_EQ(Values(want[0]), (std::vector<float>{132.25f, 169, 182.25f, 225}));

  Session split(two.root);
  to_fake = 0;
  to_host = 0;
  Status run = split.Run({{two.x, xv}}, {two.s, two.d, two.a}, &got);
  ASSERT_OK(run);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Values(got[i]), Values(want[i])) << "fetch " << i;
  // To FAKE: x and w for m (FAKE:0), the constant 2 for d (FAKE:1), and m from FAKE:0 to FAKE:1
  // through the host (one out, one in). Reshape(b) is folded into a constant on FAKE:0 (its
  // shape input would have stayed on the host: HostMemory). Out: a (read by s on the CPU and
  // fetched: once), d (fetched), m.
  EXPECT_EQ(to_fake.load(), 4);
  EXPECT_EQ(to_host.load(), 3);
  // The same again: a cached plan copies the same tensors.
  ASSERT_OK(split.Run({{two.x, xv}}, {two.s, two.d, two.a}, &got));
  EXPECT_EQ(to_fake.load(), 8);
  EXPECT_EQ(Values(got[0]), Values(want[0]));

  // Without constant folding the Reshape runs on FAKE:0 with its shape read on the host, and b
  // is copied to FAKE:0: one more copy in.
  SessionOptions unfolded;
  unfolded.optimizer_options.constant_folding = false;
  Session plain(two.root, unfolded);
  to_fake = 0;
  to_host = 0;
  ASSERT_OK(plain.Run({{two.x, xv}}, {two.s, two.d, two.a}, &got));
  EXPECT_EQ(to_fake.load(), 5);
  EXPECT_EQ(to_host.load(), 3);
  EXPECT_EQ(Values(got[0]), Values(want[0]));
}

TEST(DevicePlacementTest, RequestsThatCannotBeMetAreErrorsUnlessSoftPlacementIsOn) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {2});
  auto y = ops::Neg(root.WithDevice("/device:GPU:0").WithOpName("y"), x);
  auto z = ops::Neg(root.WithDevice("/device:FAKE:0").WithOpName("z"), x);  // no FAKE kernel for Neg
  const Tensor xv = Tensor::FromVector<float>({1, -2}, {2});
  std::vector<Tensor> out;
  {
    Session strict(root);
    Status s = strict.Run({{x, xv}}, {y}, &out);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(s.message()), HasSubstr("node 'y' (op Neg) requests device '/device:GPU:0', which is not present "
                                                    "(devices: /job:localhost/replica:0/task:0/device:CPU:0, "));
    EXPECT_THAT(std::string(s.message()), HasSubstr("/device:FAKE:1)"));
    s = strict.Run({{x, xv}}, {z}, &out);
    EXPECT_THAT(std::string(s.message()), HasSubstr("node 'z' (op Neg) requests device '/device:FAKE:0', which has no kernel for it (T=float)"));
  }
  SessionOptions soft;
  soft.allow_soft_placement = true;
  soft.log_device_placement = true;
  Session lenient(root, soft);
  ::testing::internal::CaptureStderr();
  ASSERT_OK(lenient.Run({{x, xv}}, {y, z}, &out));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(Values(out[0]), (std::vector<float>{-1, 2}));
  EXPECT_THAT(log, HasSubstr("y: (Neg): /job:localhost/replica:0/task:0/device:CPU:0\n"));
  EXPECT_THAT(log, HasSubstr("z: (Neg): /job:localhost/replica:0/task:0/device:CPU:0\n"));

  // A malformed request is an error even with soft placement.
  Scope bad = Scope::NewRootScope();
  ops::Neg(bad.WithDevice("bogus").WithOpName("n"), ops::Const(bad, 1.0f));
  Session bogus(bad, soft);
  Status s = bogus.Run({}, {"n"}, {}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'n' (op Neg): malformed device specification 'bogus'"));
}

TEST(DevicePlacementTest, ColocationGroupsMoveTogether) {
  // A variable and its Assign: the Assign's request for FAKE (no Assign kernel there) cannot
  // split them, and requesting two different devices inside one group is an error.
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Input({1.0f, 2.0f}));
  auto assign = ops::Assign(root.WithDevice("/device:FAKE:0").WithOpName("assign"), v.ref(), ops::Const(root, {3.0f, 4.0f}));
  std::vector<Tensor> out;
  Session strict(root);
  Status s = strict.Run({}, {}, {assign.op()}, nullptr);
  EXPECT_THAT(std::string(s.message()), HasSubstr("node 'assign' (op Assign) requests device '/device:FAKE:0', which has no "
                                                  "kernel for it or its colocated nodes"));

  // _Class attrs of TF graphs: "loc:@m" puts an unrequested node with m.
  Scope g = Scope::NewRootScope();
  auto x = ops::Placeholder(g.WithOpName("x"), DT_FLOAT, {1, 1});
  auto m = ops::MatMul(g.WithDevice("/device:FAKE:1").WithOpName("m"), x, x);
  ops::Mul(g.WithOpName("follower"), m, m);
  GraphDef graph_def;
  ASSERT_OK(g.ToGraphDef(&graph_def));
  for (NodeDef& n : *graph_def.mutable_node()) {
    if (n.name() == "follower") (*n.mutable_attr())["_class"].mutable_list()->add_s("loc:@m");
  }
  SessionOptions logged;
  logged.log_device_placement = true;
  auto session = Session::Create(graph_def, logged);
  ASSERT_OK(session.status());
  ::testing::internal::CaptureStderr();
  ASSERT_OK((*session)->Run({{"x", Tensor::FromVector<float>({3}, {1, 1})}}, {"follower"}, {}, &out));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out[0].data<float>()[0], 81.0f);
  EXPECT_THAT(log, HasSubstr("follower: (Mul): /job:localhost/replica:0/task:0/device:FAKE:1\n"));
}

TEST(DevicePlacementTest, DeviceCountTurnsATypeOff) {
  SessionOptions no_fake;
  no_fake.device_count["FAKE"] = 0;
  Scope root = Scope::NewRootScope();
  auto m = ops::MatMul(root.WithDevice("/device:FAKE:0").WithOpName("m"),
                       ops::Const(root, Tensor::FromVector<float>({2}, {1, 1})),
                       ops::Const(root, Tensor::FromVector<float>({3}, {1, 1})));
  Session session(root, no_fake);
  std::vector<Tensor> out;
  Status s = session.Run({}, {m}, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("which is not present (devices: /job:localhost/replica:0/task:0/device:CPU:0)"));
}

TEST(DeviceSpecTest, ParsesTensorFlowsForms) {
  auto spec = ParseDeviceSpec("/job:localhost/replica:0/task:0/device:GPU:1");
  ASSERT_OK(spec.status());
  EXPECT_EQ(spec->job, "localhost");
  EXPECT_EQ(spec->type, "GPU");
  EXPECT_EQ(spec->id, 1);
  EXPECT_EQ(ParseDeviceSpec("/gpu:0")->type, "GPU");
  EXPECT_EQ(ParseDeviceSpec("/cpu:0")->type, "CPU");
  EXPECT_EQ(ParseDeviceSpec("CPU:0")->type, "CPU");
  EXPECT_EQ(ParseDeviceSpec("/device:GPU:*")->id, -1);
  EXPECT_TRUE(ParseDeviceSpec("")->empty());
  EXPECT_EQ(ParseDeviceSpec("/job:worker")->job, "worker");
  for (const char* bad : {"bogus", "/device:", "/device:GPU:x", "/gpu:-1", "/task:a", "/what:1", "GPU"}) {
    EXPECT_FALSE(ParseDeviceSpec(bad).ok()) << bad;
  }
  Device cpu("/job:localhost/replica:0/task:0/device:CPU:0", kDeviceCpu, CpuAllocator(), 0);
  EXPECT_TRUE(ParseDeviceSpec("/cpu:0")->Matches(cpu));
  EXPECT_TRUE(ParseDeviceSpec("/device:CPU:*")->Matches(cpu));
  EXPECT_FALSE(ParseDeviceSpec("/cpu:1")->Matches(cpu));
  EXPECT_FALSE(ParseDeviceSpec("/job:worker/device:CPU:0")->Matches(cpu));
}

}  // namespace
}  // namespace sluice
