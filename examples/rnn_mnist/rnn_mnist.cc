// Classifies MNIST with an LSTM reading each image as a sequence of its 28 rows:
//
//   x [n,784] -> [28 steps, n, 28 pixels] (time-major) -> LSTM 128 units (one fused BlockLSTM,
//     layers::LSTMBlockFusedCell) -> the final h [n,128] -> dense 10
//
// trained with Adam (learning rate 1e-3) on softmax cross-entropy in minibatches of 64. Three
// epochs reach about 98% test accuracy.
//
//   rnn_mnist [--epochs 3] [--max_steps N (stop after N steps; 0: no limit)] [--batch_size 64]
//             [--learning_rate 1e-3] [--units 128] [--seed 1]
//             [--data_dir DIR (default: the repository's data/mnist)] [--log_every 100]
//
// It prints the mean training loss every --log_every steps ("step N  loss X", the first step on
// its own), then per epoch the mean training loss, the test accuracy and the seconds the epoch
// took. The test set is evaluated in batches of 1000. The last line printed is
// `test_accuracy=0.9xxx`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "examples/common/mnist.h"
#include "sluice.h"

namespace sluice {
namespace {

struct Flags {
  int epochs = 3;
  int64_t max_steps = 0;  // 0: no limit
  int batch = 64;
  float lr = 1e-3f;
  int64_t units = 128;
  int64_t seed = 1;
  std::string data = RepositoryDataDir("mnist");
  int64_t log_every = 100;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      size_t n = std::strlen(name);
      if (arg.compare(0, n, name) != 0) return nullptr;
      if (arg.size() > n && arg[n] == '=') return argv[i] + n + 1;
      if (arg.size() == n && i + 1 < argc) return argv[++i];
      return nullptr;
    };
    const char* v;
    if ((v = value("--epochs")) && absl::SimpleAtoi(v, &f->epochs) && f->epochs >= 0) continue;
    if ((v = value("--max_steps")) && absl::SimpleAtoi(v, &f->max_steps) && f->max_steps >= 0) continue;
    if ((v = value("--batch_size")) && absl::SimpleAtoi(v, &f->batch) && f->batch > 0) continue;
    if ((v = value("--learning_rate")) && absl::SimpleAtof(v, &f->lr) && f->lr > 0) continue;
    if ((v = value("--units")) && absl::SimpleAtoi(v, &f->units) && f->units > 0) continue;
    if ((v = value("--seed")) && absl::SimpleAtoi(v, &f->seed)) continue;
    if ((v = value("--data_dir"))) {
      f->data = v;
      continue;
    }
    if ((v = value("--log_every")) && absl::SimpleAtoi(v, &f->log_every) && f->log_every > 0) continue;
    std::fprintf(stderr, "rnn_mnist: bad argument '%s'\n", arg.c_str());
    return false;
  }
  return true;
}

// Rows order[begin, begin + n) of `src` (or rows begin.. when order is empty), as a new tensor.
Tensor Rows(const Tensor& src, const std::vector<int64_t>& order, int64_t begin, int64_t n) {
  TensorShape shape = src.shape();
  shape.set_dim(0, n);
  Tensor out(src.dtype(), shape);
  const size_t row_bytes = src.TotalBytes() / src.dim_size(0);
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = order.empty() ? begin + i : order[begin + i];
    std::memcpy(d + i * row_bytes, s + row * row_bytes, row_bytes);
  }
  return out;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "rnn_mnist: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: rnn_mnist [--epochs N] [--max_steps N] [--batch_size N] [--learning_rate X] [--units N] "
                 "[--seed N] [--data_dir DIR] [--log_every N]\n");
    return 2;
  }
  auto train_set = LoadMnist(flags.data, /*train=*/true);
  auto test_set = LoadMnist(flags.data, /*train=*/false);
  if (!train_set.ok() || !test_set.ok()) return Fail(train_set.ok() ? test_set.status() : train_set.status());
  if (train_set->labels.NumElements() == 0 || test_set->labels.NumElements() == 0) {
    std::fprintf(stderr, "rnn_mnist: the %s set in %s is empty: nothing to train on or to evaluate\n",
                 train_set->labels.NumElements() == 0 ? "training" : "test", flags.data.c_str());
    return 1;
  }

  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  // [n, 28 rows, 28 pixels] -> time-major [28, n, 28].
  auto rows = ops::Transpose(root, ops::Reshape(root, x, {-1, 28, 28}), {1, 0, 2});
  layers::LSTMBlockFusedCellOptions lstm_options;
  lstm_options.kernel_init = init::GlorotUniform(flags.seed);
  layers::LSTMBlockFusedCellOutput lstm =
      layers::LSTMBlockFusedCell(root.NewSubScope("lstm_fused_cell"), rows, flags.units, lstm_options);
  auto logits = layers::Dense(root.NewSubScope("dense"), lstm.h, 10, nullptr, init::GlorotUniform(flags.seed + 1));
  auto loss = ops::Mean(root.WithOpName("loss"), ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  auto correct = ops::Cast(root, ops::Equal(root, ops::ArgMax(root, logits, 1), y), DT_FLOAT);
  auto correct_count = ops::Sum(root.WithOpName("correct_count"), correct, {0});
  Operation train_op = train::AdamOptimizer(flags.lr).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  if (!root.ok()) return Fail(root.status());

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));

  auto evaluate = [&]() -> float {
    const int64_t n = test_set->labels.NumElements();
    double right = 0;
    for (int64_t begin = 0; begin < n; begin += 1000) {
      const int64_t count = std::min<int64_t>(1000, n - begin);
      SLUICE_CHECK_OK(session.Run(
          {{x, Rows(test_set->images, {}, begin, count)}, {y, Rows(test_set->labels, {}, begin, count)}},
          {correct_count}, {}, &out));
      right += out[0].scalar<float>();
    }
    return static_cast<float>(right / n);
  };

  const int64_t n = train_set->images.dim_size(0);
  const int64_t steps_per_epoch = (n + flags.batch - 1) / flags.batch;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  int64_t step = 0;
  bool stopped = false, evaluated = false;
  float test_accuracy = 0;
  double window_loss = 0;
  int64_t window_steps = 0;
  for (int epoch = 1; epoch <= flags.epochs && !stopped; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t epoch_steps = 0;
    for (int64_t i = 0; i < steps_per_epoch; ++i) {
      if (flags.max_steps > 0 && step >= flags.max_steps) {
        stopped = true;
        break;
      }
      const int64_t begin = i * flags.batch, count = std::min<int64_t>(flags.batch, n - begin);
      SLUICE_CHECK_OK(session.Run(
          {{x, Rows(train_set->images, order, begin, count)}, {y, Rows(train_set->labels, order, begin, count)}},
          {loss}, {train_op}, &out));
      ++step;
      const float batch_loss = out[0].scalar<float>();
      loss_sum += batch_loss;
      ++epoch_steps;
      window_loss += batch_loss;
      ++window_steps;
      if (step == 1 || step % flags.log_every == 0) {
        std::printf("step %lld  loss %.4f\n", static_cast<long long>(step), window_loss / window_steps);
        std::fflush(stdout);
        window_loss = 0;
        window_steps = 0;
      }
    }
    if (epoch_steps == 0) break;
    const double train_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    test_accuracy = evaluate();
    evaluated = true;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %d/%d%s  %lld steps  train loss %.4f  test accuracy %.4f  %.1f s (training %.1f s)\n", epoch,
                flags.epochs, epoch_steps < steps_per_epoch ? " (stopped by --max_steps)" : "",
                static_cast<long long>(epoch_steps), loss_sum / epoch_steps, test_accuracy, secs, train_secs);
    std::fflush(stdout);
  }
  if (!evaluated) test_accuracy = evaluate();
  std::printf("trained %lld steps\n", static_cast<long long>(step));
  std::printf("test_accuracy=%.4f\n", test_accuracy);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
