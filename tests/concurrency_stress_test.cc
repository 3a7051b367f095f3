// Concurrency stress: several threads train and infer on one Session at once, with the inter-op
// pool forced on (inter_op_threads = 4, which the 2-core default never uses), while others
// compile new plans, grow nothing and feed bad values. Checked at the end against counts the
// threads keep themselves: every training step is applied exactly once (global_step and a
// counter variable), every inference is a probability distribution, every bad feed is refused
// with its own error, and the loss went down.
//
// Runs for SLUICE_STRESS_SECONDS seconds (default 2: the CI budget); longer by the environment,
// e.g. SLUICE_STRESS_SECONDS=60 build/bin/concurrency_stress_test. tools/sanitize.sh thread runs
// it under ThreadSanitizer.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

double StressSeconds() {
  const char* env = std::getenv("SLUICE_STRESS_SECONDS");
  double s = 0;
  if (env != nullptr && absl::SimpleAtod(env, &s) && s > 0) return s;
  return 2.0;
}

// A linearly separable 4-class problem: class = index of the largest of the first 4 features.
void MakeBatch(int rows, uint32_t seed, Tensor* x, Tensor* y) {
  *x = Tensor(DT_FLOAT, TensorShape({rows, 8}));
  *y = Tensor(DT_INT64, TensorShape({rows}));
  auto xf = x->flat<float>();
  auto yf = y->flat<int64_t>();
  uint32_t state = seed * 2654435761u + 1;
  for (int r = 0; r < rows; ++r) {
    int best = 0;
    for (int c = 0; c < 8; ++c) {
      state = state * 1664525u + 1013904223u;
      xf[r * 8 + c] = static_cast<float>(state >> 8) / static_cast<float>(1 << 24) - 0.5f;
      if (c < 4 && xf[r * 8 + c] > xf[r * 8 + best]) best = c;
    }
    yf[r] = best;
  }
}

TEST(ConcurrencyStressTest, TrainersAndInferersShareOneSessionWithTheInterOpPool) {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 8});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  // Two parallel hidden branches, so that a step has independent expensive nodes for the pool.
  auto h1 = layers::Dense(root.NewSubScope("h1"), x, 32, ops::Relu, init::GlorotUniform(1));
  auto h2 = layers::Dense(root.NewSubScope("h2"), x, 32, ops::Tanh, init::GlorotUniform(2));
  auto h = ops::ConcatV2(root, {h1, h2}, 1);
  auto logits = layers::Dense(root.NewSubScope("out"), h, 4, nullptr, init::GlorotUniform(3));
  auto probs = ops::Softmax(root.WithOpName("probs"), logits);
  auto loss = ops::Mean(root.WithOpName("loss"), ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  Variable global_step = train::CreateGlobalStep(root);
  Operation train_op = train::GradientDescentOptimizer(0.05f).Minimize(root, loss, {}, &global_step);
  Variable counter(root.WithOpName("counter"), Input(int64_t{0}));
  auto bump = ops::AssignAdd(root.WithOpName("bump"), counter.ref(), ops::Const(root, int64_t{1}));
  Operation init = ops::GlobalVariablesInitializer(root);
  ASSERT_OK(root.status());

  SessionOptions options;
  options.inter_op_threads = 4;
#if defined(__SANITIZE_THREAD__)
  options.intra_op_threads = 1;  // libgomp is not instrumented: its barriers would be false reports
#endif
  Session session(root, options);
  ASSERT_OK(session.Run({}, {}, {init}));

  Tensor eval_x, eval_y;
  MakeBatch(256, 999, &eval_x, &eval_y);
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({{x, eval_x}, {y, eval_y}}, {loss}, {}, &out));
  const float initial_loss = out[0].scalar<float>();

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(StressSeconds());
  auto running = [&] { return std::chrono::steady_clock::now() < deadline; };
  std::atomic<int64_t> train_steps{0}, bumps{0}, inferences{0}, refused{0};
  std::atomic<int> failures{0};
  std::vector<std::string> first_failure(7);  // one per thread, each written by its thread only
  auto fail = [&](int thread, const std::string& what) {
    first_failure[thread] = what;
    failures.fetch_add(1);
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {  // trainers: a step, and the counter in a Run of its own
    threads.emplace_back([&, t] {
      Tensor bx, by;
      for (uint32_t i = 0; running(); ++i) {
        MakeBatch(32, t * 100000 + i, &bx, &by);
        Status s = session.Run({{x, bx}, {y, by}}, {}, {train_op});
        if (!s.ok()) return fail(t, s.ToString());
        ++train_steps;
        s = session.Run({}, {}, {bump.op()});
        if (!s.ok()) return fail(t, s.ToString());
        ++bumps;
      }
    });
  }
  for (int t = 3; t < 6; ++t) {  // inferers, alternating between two fetch lists (two plans)
    threads.emplace_back([&, t] {
      Tensor bx, by;
      std::vector<Tensor> result;
      for (uint32_t i = 0; running(); ++i) {
        MakeBatch(16, t * 100000 + i, &bx, &by);
        Status s = i % 2 == 0 ? session.Run({{x, bx}}, {probs}, {}, &result)
                              : session.Run({{x, bx}, {y, by}}, {probs, loss}, {}, &result);
        if (!s.ok()) return fail(t, s.ToString());
        auto p = result[0].flat<float>();
        for (int r = 0; r < 16; ++r) {
          double sum = 0;
          for (int c = 0; c < 4; ++c) {
            float v = p[r * 4 + c];
            if (!(v >= 0.0f && v <= 1.0f)) return fail(t, "probability out of [0, 1]: " + std::to_string(v));
            sum += v;
          }
          if (std::abs(sum - 1.0) > 1e-5) return fail(t, "row sums to " + std::to_string(sum));
        }
        ++inferences;
      }
    });
  }
  threads.emplace_back([&] {  // a wrong shape fed now and then: refused, and nobody else hurt
    Tensor bad(DT_FLOAT, TensorShape({4, 7}));
    std::vector<Tensor> result;
    while (running()) {
      Status s = session.Run({{x, bad}}, {probs}, {}, &result);
      if (s.ok() || s.message().find("Cannot feed value of shape [4,7]") == absl::string_view::npos) {
        return fail(6, "bad feed: " + s.ToString());
      }
      if (!result.empty()) return fail(6, "outputs not cleared on error");
      ++refused;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (auto& th : threads) th.join();

  EXPECT_EQ(failures.load(), 0);
  for (const std::string& f : first_failure) EXPECT_EQ(f, "");
  EXPECT_GT(train_steps.load(), 0);
  EXPECT_GT(inferences.load(), 0);
  EXPECT_GT(refused.load(), 0);
  ASSERT_OK(session.Run({{x, eval_x}, {y, eval_y}}, {global_step.value(), counter.value(), loss}, {}, &out));
  EXPECT_EQ(out[0].scalar<int64_t>(), train_steps.load()) << "a training step was lost or applied twice";
  EXPECT_EQ(out[1].scalar<int64_t>(), bumps.load()) << "an AssignAdd was lost or applied twice";
  EXPECT_LT(out[2].scalar<float>(), initial_loss) << "after " << train_steps.load() << " steps";
  std::printf("[stress] %.1f s: %lld train steps, %lld inferences, %lld refused feeds, loss %.4f -> %.4f\n",
              StressSeconds(), static_cast<long long>(train_steps.load()),
              static_cast<long long>(inferences.load()), static_cast<long long>(refused.load()),
              initial_loss, out[2].scalar<float>());
}

}  // namespace
}  // namespace sluice
