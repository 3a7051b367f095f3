// Google Benchmark microbenchmarks of Conv2D: forward, input gradient (Conv2DBackpropInput) and
// filter gradient (Conv2DBackpropFilter) at LeNet's and VGG-like shapes, each through a sluice
// Session (Session::Run of a one-op graph on fed tensors, what a user's step pays) and as the
// oneDNN primitive alone (bench/dnnl_conv.h): in the layouts sluice's kernels use (NHWC, HWIO;
// the gap to the Session is sluice's overhead) and in oneDNN's preferred layouts (the floor).
//
//   build/bin/conv_microbench [--benchmark_filter=Sluice.*] [--benchmark_min_time=0.01]
//
// Also BlockLSTM forward + BlockLSTMGrad (one training step of the op) through a Session against
// oneDNN's LSTM primitive forward_training + backward on the same shapes (bench/dnnl_lstm.h),
// the A/B of docs/BENCHMARKS.md "BlockLSTM: oneDNN LSTM primitive vs hand kernel":
//   OMP_NUM_THREADS=1 build/bin/conv_microbench --benchmark_filter='LSTM|Lstm'
//
// Each benchmark's argument is the index of its shape in kShapes, named in its label;
// FLOP/s counts 2 * multiply-adds of the pass. Measure on a quiet machine: on a busy one the
// Session's adaptive intra-op threads (runtime/intra_op_threads.h) run fewer OpenMP threads
// than the bare primitive gets, whose parallel regions then wait on descheduled threads (on the
// shared 2-core VM the NHWC backward-data primitive of lenet_conv1 took 500 ms of CPU against
// 8 ms through the Session); OMP_NUM_THREADS=1 compares the two on one thread.
#include <algorithm>
#include <string>
#include <vector>

#include "bench/dnnl_conv.h"
#include "bench/dnnl_lstm.h"
#include "benchmark/benchmark.h"
#include "sluice.h"

namespace sluice {
namespace {

using bench::ConvShape;
using bench::DnnlConv;

struct NamedShape {
  const char* name;
  ConvShape shape;  // stride 1, SAME padding (pad = (k - 1) / 2)
};

const NamedShape kShapes[] = {
    {"lenet_conv1 64x28x28x1 -> 32 5x5", {64, 28, 28, 1, 32, 5, 5, 1, 2}},
    {"lenet_conv2 64x14x14x32 -> 64 5x5", {64, 14, 14, 32, 64, 5, 5, 1, 2}},
    {"vgg_conv1 1x224x224x3 -> 64 3x3", {1, 224, 224, 3, 64, 3, 3, 1, 1}},
    {"vgg_conv3 1x56x56x128 -> 128 3x3", {1, 56, 56, 128, 128, 3, 3, 1, 1}},
};
constexpr int kNumShapes = sizeof(kShapes) / sizeof(kShapes[0]);

enum class Pass { kForward, kBackwardData, kBackwardWeights };

Tensor Filled(const TensorShape& shape) {
  Tensor t(DT_FLOAT, shape);
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.NumElements(); ++i) p[i] = 0.01f * static_cast<float>(i % 7);
  return t;
}

void SetCounters(benchmark::State& state, const NamedShape& s) {
  state.SetLabel(s.name);
  state.counters["FLOP/s"] = benchmark::Counter(s.shape.Flops(), benchmark::Counter::kIsIterationInvariantRate);
}

// One Conv2D pass as a graph of placeholders fed each Run.
void SluiceConv(benchmark::State& state, Pass pass) {
  const NamedShape& s = kShapes[state.range(0)];
  const ConvShape& c = s.shape;
  const TensorShape input_shape{c.n, c.h, c.w, c.ic}, filter_shape{c.kh, c.kw, c.ic, c.oc},
      output_shape{c.n, c.oh(), c.ow(), c.oc};
  const std::vector<int> strides = {1, static_cast<int>(c.stride), static_cast<int>(c.stride), 1};
  Scope root = Scope::NewRootScope();
  std::vector<std::pair<Output, Tensor>> feeds;
  Output out;
  if (pass == Pass::kForward) {
    auto input = ops::Placeholder(root, DT_FLOAT, input_shape), filter = ops::Placeholder(root, DT_FLOAT, filter_shape);
    out = ops::Conv2D(root, input, filter, strides, "SAME");
    feeds = {{input, Filled(input_shape)}, {filter, Filled(filter_shape)}};
  } else if (pass == Pass::kBackwardData) {
    auto filter = ops::Placeholder(root, DT_FLOAT, filter_shape), grad = ops::Placeholder(root, DT_FLOAT, output_shape);
    const std::vector<int32_t> sizes = {static_cast<int32_t>(c.n), static_cast<int32_t>(c.h),
                                        static_cast<int32_t>(c.w), static_cast<int32_t>(c.ic)};
    out = ops::Conv2DBackpropInput(root, Tensor::FromVector(sizes), filter, grad, strides, "SAME");
    feeds = {{filter, Filled(filter_shape)}, {grad, Filled(output_shape)}};
  } else {
    auto input = ops::Placeholder(root, DT_FLOAT, input_shape), grad = ops::Placeholder(root, DT_FLOAT, output_shape);
    const std::vector<int32_t> sizes = {static_cast<int32_t>(c.kh), static_cast<int32_t>(c.kw),
                                        static_cast<int32_t>(c.ic), static_cast<int32_t>(c.oc)};
    out = ops::Conv2DBackpropFilter(root, input, Tensor::FromVector(sizes), grad, strides, "SAME");
    feeds = {{input, Filled(input_shape)}, {grad, Filled(output_shape)}};
  }
  if (!root.ok()) {
    state.SkipWithError(std::string(root.status().message()).c_str());
    return;
  }
  Session session(root);
  std::vector<Tensor> fetched;
  Status status = session.Run(feeds, {out}, &fetched);  // builds the plan and the primitive
  if (!status.ok()) {
    state.SkipWithError(std::string(status.message()).c_str());
    return;
  }
  for (auto _ : state) {
    status = session.Run(feeds, {out}, &fetched);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(fetched[0].raw_data());
  }
  SetCounters(state, s);
}

void DnnlPass(benchmark::State& state, Pass pass, DnnlConv::Layout layout) {
  const NamedShape& s = kShapes[state.range(0)];
  DnnlConv conv(s.shape, layout);
  auto run = [&] {
    switch (pass) {
      case Pass::kForward: conv.Forward(); break;
      case Pass::kBackwardData: conv.BackwardData(); break;
      case Pass::kBackwardWeights: conv.BackwardWeights(); break;
    }
  };
  run();
  for (auto _ : state) run();
  SetCounters(state, s);
}

void BM_SluiceConv2DForward(benchmark::State& state) { SluiceConv(state, Pass::kForward); }
void BM_SluiceConv2DBackpropInput(benchmark::State& state) { SluiceConv(state, Pass::kBackwardData); }
void BM_SluiceConv2DBackpropFilter(benchmark::State& state) { SluiceConv(state, Pass::kBackwardWeights); }
void BM_DnnlNhwcForward(benchmark::State& state) { DnnlPass(state, Pass::kForward, DnnlConv::Layout::kNhwc); }
void BM_DnnlNhwcBackwardData(benchmark::State& state) { DnnlPass(state, Pass::kBackwardData, DnnlConv::Layout::kNhwc); }
void BM_DnnlNhwcBackwardWeights(benchmark::State& state) {
  DnnlPass(state, Pass::kBackwardWeights, DnnlConv::Layout::kNhwc);
}
void BM_DnnlBlockedForward(benchmark::State& state) { DnnlPass(state, Pass::kForward, DnnlConv::Layout::kAny); }
void BM_DnnlBlockedBackwardData(benchmark::State& state) {
  DnnlPass(state, Pass::kBackwardData, DnnlConv::Layout::kAny);
}
void BM_DnnlBlockedBackwardWeights(benchmark::State& state) {
  DnnlPass(state, Pass::kBackwardWeights, DnnlConv::Layout::kAny);
}

// MaxPool 2x2 / 2 and MaxPoolGrad at LeNet's two pooling shapes (the outputs of its convolutions),
// through a Session; bytes/s counts the tensors each pass reads and writes once.
const TensorShape kPoolShapes[] = {{64, 28, 28, 32}, {64, 14, 14, 64}};

void SluicePool(benchmark::State& state, bool grad) {
  const TensorShape& in_shape = kPoolShapes[state.range(0)];
  const TensorShape out_shape{in_shape.dim(0), in_shape.dim(1) / 2, in_shape.dim(2) / 2, in_shape.dim(3)};
  const std::vector<int> window = {1, 2, 2, 1};
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, in_shape);
  auto y = ops::MaxPool(root, x, window, window, "VALID");
  std::vector<std::pair<Output, Tensor>> feeds = {{x, Filled(in_shape)}};
  Output out = y;
  if (grad) {
    auto pooled = ops::Placeholder(root, DT_FLOAT, out_shape), dy = ops::Placeholder(root, DT_FLOAT, out_shape);
    out = ops::MaxPoolGrad(root, x, pooled, dy, window, window, "VALID");
    feeds.push_back({pooled, Filled(out_shape)});
    feeds.push_back({dy, Filled(out_shape)});
  }
  Session session(root);
  std::vector<Tensor> fetched;
  Status status = session.Run(feeds, {out}, &fetched);
  for (auto _ : state) {
    if (!status.ok()) break;
    status = session.Run(feeds, {out}, &fetched);
    benchmark::DoNotOptimize(fetched[0].raw_data());
  }
  if (!status.ok()) {
    state.SkipWithError(std::string(status.message()).c_str());
    return;
  }
  const double in_bytes = 4.0 * in_shape.num_elements(), out_bytes = 4.0 * out_shape.num_elements();
  state.SetLabel(in_shape.DebugString());
  state.counters["bytes/s"] = benchmark::Counter(grad ? 2 * in_bytes + 2 * out_bytes : in_bytes + out_bytes,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SluiceMaxPool(benchmark::State& state) { SluicePool(state, false); }
void BM_SluiceMaxPoolGrad(benchmark::State& state) { SluicePool(state, true); }
BENCHMARK(BM_SluiceMaxPool)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SluiceMaxPoolGrad)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

// The reorder a staged argument pays per call: an NHWC image to oneDNN's 16-channel blocked
// layout (what a blocked pass reads) and back, at LeNet conv2's gradient [64, 14, 14, 64].
void ReorderImage(benchmark::State& state, bool to_blocked) {
  using memory = dnnl::memory;
  using Tag = memory::format_tag;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const memory::dims dims = {64, 64, 14, 14};
  memory nhwc({dims, memory::data_type::f32, Tag::nhwc}, engine);
  memory blocked({dims, memory::data_type::f32, Tag::nChw16c}, engine);
  std::fill_n(static_cast<float*>(nhwc.get_data_handle()), 64 * 64 * 14 * 14, 0.5f);
  std::fill_n(static_cast<float*>(blocked.get_data_handle()), 64 * 64 * 14 * 14, 0.5f);
  memory& from = to_blocked ? nhwc : blocked;
  memory& to = to_blocked ? blocked : nhwc;
  dnnl::reorder reorder(from, to);
  for (auto _ : state) {
    reorder.execute(stream, from, to);
    stream.wait();
  }
  state.SetLabel("[64,14,14,64]");
  state.counters["bytes/s"] =
      benchmark::Counter(2.0 * 4 * 64 * 64 * 14 * 14, benchmark::Counter::kIsIterationInvariantRate);
}
void BM_DnnlReorderNhwcToBlocked(benchmark::State& state) { ReorderImage(state, true); }
void BM_DnnlReorderBlockedToNhwc(benchmark::State& state) { ReorderImage(state, false); }
BENCHMARK(BM_DnnlReorderNhwcToBlocked)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlReorderBlockedToNhwc)->Unit(benchmark::kMillisecond);

// BlockLSTM + BlockLSTMGrad (sluice's hand kernel, rnn_ops.cc) against oneDNN's LSTM primitive
// (forward_training + backward, weights reordered from and to TF's layout each step) at
// rnn_mnist's shape and a bigger one; no peepholes, no cell clip (where the primitive fits).
const bench::LstmShape kLstmShapes[] = {{28, 64, 28, 128}, {50, 64, 256, 256}};

void SetLstmLabel(benchmark::State& state, const bench::LstmShape& s) {
  state.SetLabel("time " + std::to_string(s.time) + " batch " + std::to_string(s.batch) + " input " +
                 std::to_string(s.input) + " units " + std::to_string(s.cell));
}

// BlockLSTM alone (`backward` false: fetches h) or with BlockLSTMGrad (fetches the gradients).
void SluiceBlockLSTM(benchmark::State& state, bool backward) {
  const bench::LstmShape& s = kLstmShapes[state.range(0)];
  const TensorShape seq{s.time, s.batch, s.cell}, state_shape{s.batch, s.cell};
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root, DT_FLOAT, TensorShape{s.time, s.batch, s.input});
  auto cs0 = ops::Placeholder(root, DT_FLOAT, state_shape), h0 = ops::Placeholder(root, DT_FLOAT, state_shape);
  auto w = ops::Placeholder(root, DT_FLOAT, TensorShape{s.input + s.cell, 4 * s.cell});
  auto b = ops::Placeholder(root, DT_FLOAT, TensorShape{4 * s.cell});
  auto cs_grad = ops::Placeholder(root, DT_FLOAT, seq), h_grad = ops::Placeholder(root, DT_FLOAT, seq);
  Tensor zeros(DT_FLOAT, TensorShape{s.cell});
  std::fill_n(zeros.data<float>(), s.cell, 0.0f);
  auto peep = ops::Const(root, zeros);
  ops::LSTMBlockOutputs fwd = ops::BlockLSTM(root, s.time, x, cs0, h0, w, peep, peep, peep, b,
                                             {.forget_bias = 1.0f, .cell_clip = -1.0f, .use_peephole = false});
  ops::BlockLSTMGradOutputs bwd = ops::BlockLSTMGrad(root, fwd.h.op(), cs_grad, h_grad);
  if (!root.ok()) {
    state.SkipWithError(std::string(root.status().message()).c_str());
    return;
  }
  const std::vector<std::pair<Output, Tensor>> feeds = {
      {x, Filled({s.time, s.batch, s.input})}, {cs0, Filled(state_shape)}, {h0, Filled(state_shape)},
      {w, Filled({s.input + s.cell, 4 * s.cell})}, {b, Filled({4 * s.cell})}, {cs_grad, Filled(seq)},
      {h_grad, Filled(seq)}};
  std::vector<Output> fetches = {fwd.h};
  if (backward) fetches = {bwd.x_grad, bwd.cs_prev_grad, bwd.h_prev_grad, bwd.w_grad, bwd.b_grad};
  Session session(root);
  std::vector<Tensor> fetched;
  Status status = session.Run(feeds, fetches, &fetched);
  for (auto _ : state) {
    if (!status.ok()) break;
    status = session.Run(feeds, fetches, &fetched);
    benchmark::DoNotOptimize(fetched[0].raw_data());
  }
  if (!status.ok()) {
    state.SkipWithError(std::string(status.message()).c_str());
    return;
  }
  SetLstmLabel(state, s);
}

void DnnlLstmPass(benchmark::State& state, bool backward) {
  const bench::LstmShape& s = kLstmShapes[state.range(0)];
  auto filled = [](int64_t n) {
    std::vector<float> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = 0.01f * static_cast<float>(i % 7);
    return v;
  };
  const int64_t nc = s.batch * s.cell, seq = s.time * nc;
  const std::vector<float> x = filled(s.time * s.batch * s.input), cs0 = filled(nc), h0 = filled(nc),
                           w = filled((s.input + s.cell) * 4 * s.cell), b = filled(4 * s.cell), h_grad = filled(seq),
                           cs_grad = filled(nc);
  std::vector<float> h(seq), cs(nc), x_grad(x.size()), cs0_grad(nc), h0_grad(nc), w_grad(w.size()), b_grad(b.size());
  bench::DnnlLstm lstm(s);
  auto step = [&] {
    lstm.SetWeights(w.data(), b.data(), 1.0f);
    lstm.Forward(x.data(), cs0.data(), h0.data(), h.data(), cs.data());
    if (backward) {
      lstm.Backward(h_grad.data(), cs_grad.data(), x_grad.data(), cs0_grad.data(), h0_grad.data(), w_grad.data(),
                    b_grad.data());
    }
  };
  step();
  for (auto _ : state) {
    step();
    benchmark::DoNotOptimize(w_grad.data());
    benchmark::DoNotOptimize(h.data());
  }
  SetLstmLabel(state, s);
}

void BM_SluiceBlockLSTMForward(benchmark::State& state) { SluiceBlockLSTM(state, false); }
void BM_SluiceBlockLSTMForwardBackward(benchmark::State& state) { SluiceBlockLSTM(state, true); }
void BM_DnnlLstmForward(benchmark::State& state) { DnnlLstmPass(state, false); }
void BM_DnnlLstmForwardBackward(benchmark::State& state) { DnnlLstmPass(state, true); }
BENCHMARK(BM_SluiceBlockLSTMForward)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlLstmForward)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SluiceBlockLSTMForwardBackward)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlLstmForwardBackward)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_SluiceConv2DForward)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlNhwcForward)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlBlockedForward)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SluiceConv2DBackpropInput)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlNhwcBackwardData)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlBlockedBackwardData)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SluiceConv2DBackpropFilter)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlNhwcBackwardWeights)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DnnlBlockedBackwardWeights)->DenseRange(0, kNumShapes - 1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();
