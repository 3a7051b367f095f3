// Trains TensorFlow's "Deep MNIST for Experts" convolutional network (LeNet-like) on MNIST:
//
//   x [n,28,28,1] -> conv 5x5x32 SAME + ReLU -> max-pool 2x2 -> conv 5x5x64 SAME + ReLU
//     -> max-pool 2x2 -> [n, 7*7*64] -> fc 1024 + ReLU -> dropout 0.5 (training only) -> fc 10
//
// with the tutorial's settings: weights truncated normal (stddev 0.1), biases 0.1, minibatch 50,
// Adam with learning rate 1e-4, softmax cross-entropy. Five epochs reach about 99% test
// accuracy.
//
//   mnist_cnn [--epochs 5] [--max_steps N (stop after N steps; 0: no limit)] [--batch_size 50]
//             [--learning_rate 1e-4] [--decay_every N --decay_rate R (learning rate times R
//             every N steps, staircase; default none)] [--seed 1]
//             [--data_dir DIR (default: the repository's data/mnist)] [--log_every 100]
//             [--checkpoint_dir DIR (default: none)] [--logdir DIR] [--out model.pb]
//
// (--data, --batch and --lr are accepted too, as mnist_mlp spells them.) It prints the mean
// training loss every --log_every steps ("step N  loss X", the first step on its own), then per
// epoch the mean training loss, the test accuracy and the seconds the epoch took. The test set
// is evaluated in batches of 1000.
//
// With --checkpoint_dir it writes the meta graph DIR/model.meta and saves a train::Saver
// checkpoint, DIR/model-<global step>, after each epoch and when --max_steps stops it (the last
// 5 kept) and prints its path. As in mnist_mlp the graph takes MNIST's IDX bytes too
// (placeholders `images` uint8 [n,28,28] and `labels` uint8 [n], which x and y default to), so
//   sluice run DIR/model.meta --checkpoint DIR --fetch accuracy
//       --feed images=@idx:t10k-images-idx3-ubyte.gz --feed labels=@idx:t10k-labels-idx1-ubyte.gz
// evaluates a checkpoint (in one batch). With --logdir, TensorBoard event files: DIR/train the
// graph and the training loss every --log_every steps, DIR/test the test accuracy per epoch.
// With --out, the trained model as a frozen inference GraphDef (feed x [n,784], fetch probs).
//
// The last line printed is `test_accuracy=0.9xxx`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <string>

#include "absl/strings/numbers.h"
#include "core/file_io.h"
#include "examples/common/flags.h"
#include "examples/common/loss_log.h"
#include "examples/common/mnist.h"
#include "runtime/freeze_graph.h"
#include "sluice.h"

namespace sluice {
namespace {

struct Flags {
  int epochs = 5;
  int64_t max_steps = 0;  // 0: no limit
  int batch = 50;
  float lr = 1e-4f;
  int64_t decay_every = 0;  // 0: a constant learning rate
  float decay_rate = 1.0f;
  int64_t seed = 1;
  std::string data = RepositoryDataDir("mnist");
  int64_t log_every = 100;
  std::string checkpoint_dir;  // empty: no checkpoints
  std::string logdir;          // empty: no event files
  std::string out;             // empty: no frozen graph
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  FlagParser flags("mnist_cnn");
  flags.Add("--epochs", &f->epochs, "epochs", [](int v) { return v >= 0; })
      .Add("--max_steps", &f->max_steps, "stop after N steps (0: no limit)", [](int64_t v) { return v >= 0; })
      .Add("--batch_size", &f->batch, "images per step", [](int v) { return v > 0; })
      .Alias("--batch")
      .Add("--learning_rate", &f->lr, "Adam's learning rate", [](float v) { return v > 0; })
      .Alias("--lr")
      .Add("--decay_every", &f->decay_every, "steps between learning rate decays (0: constant)",
           [](int64_t v) { return v >= 0; })
      .Add("--decay_rate", &f->decay_rate, "the learning rate factor of each decay", [](float v) { return v > 0; })
      .Add("--seed", &f->seed, "seed")
      .Add("--data_dir", &f->data, "the MNIST IDX files")
      .Alias("--data")
      .Add("--log_every", &f->log_every, "steps between progress lines", [](int64_t v) { return v > 0; })
      .Add("--checkpoint_dir", &f->checkpoint_dir, "save a meta graph and checkpoints there",
           [](const std::string& v) { return !v.empty(); })
      .Add("--logdir", &f->logdir, "write TensorBoard event files there")
      .Add("--out", &f->out, "write the frozen inference graph there");
  return flags.Parse(argc, argv);
}

// Rows [begin, begin + n) of `src`.
Tensor SliceRows(const Tensor& src, int64_t begin, int64_t n) {
  TensorShape shape = src.shape();
  shape.set_dim(0, n);
  Tensor out(src.dtype(), shape);
  size_t row_bytes = src.TotalBytes() / src.dim_size(0);
  std::memcpy(out.raw_data(), static_cast<const char*>(src.raw_data()) + begin * row_bytes, n * row_bytes);
  return out;
}

// A variable of `shape` under `scope`: "weights" truncated normal (stddev 0.1), "biases" 0.1.
Variable Weights(const Scope& scope, const TensorShape& shape, int64_t seed) {
  return Variable(scope.WithOpName("weights"), shape, init::TruncatedNormal(0.0f, 0.1f, seed));
}
Variable Biases(const Scope& scope, int64_t n) {
  return Variable(scope.WithOpName("biases"), TensorShape{n}, init::Constant(0.1f));
}

int Fail(const Status& s) {
  std::fprintf(stderr, "mnist_cnn: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  auto mnist = LoadMnistTrainTest(flags.data);
  if (!mnist.ok()) return Fail(mnist.status());
  const MnistSplit* train_set = &mnist->train;
  const MnistSplit* test_set = &mnist->test;

  Scope root = Scope::NewRootScope();
  // MNIST as its IDX files hold it (uint8 images [n,28,28], labels [n]), which x and y default
  // to; training and the example's own evaluation feed x and y directly.
  auto images = ops::Placeholder(root.WithOpName("images"), DT_UINT8, {-1, 28, 28});
  auto labels = ops::Placeholder(root.WithOpName("labels"), DT_UINT8, {-1});
  auto pixels = ops::Reshape(root, ops::Div(root, ops::Cast(root, images, DT_FLOAT), 255.0f), {-1, 784});
  auto x = ops::PlaceholderWithDefault(root.WithOpName("x"), pixels, {-1, 784});
  auto y = ops::PlaceholderWithDefault(root.WithOpName("y"), ops::Cast(root, labels, DT_INT64), {-1});
  // Dropout is on only where training is fed true (the training steps).
  auto training = ops::PlaceholderWithDefault(root.WithOpName("training"), false, TensorShape{});

  const std::vector<int> unit = {1, 1, 1, 1}, pool = {1, 2, 2, 1};
  auto x_image = ops::Reshape(root, x, {-1, 28, 28, 1});
  Scope conv1 = root.NewSubScope("conv1");
  Variable w_conv1 = Weights(conv1, {5, 5, 1, 32}, flags.seed), b_conv1 = Biases(conv1, 32);
  auto h_conv1 = ops::Relu(conv1, ops::BiasAdd(conv1, ops::Conv2D(conv1, x_image, w_conv1, unit, "SAME"), b_conv1));
  auto h_pool1 = ops::MaxPool(conv1, h_conv1, pool, pool, "SAME");  // [n,14,14,32]
  Scope conv2 = root.NewSubScope("conv2");
  Variable w_conv2 = Weights(conv2, {5, 5, 32, 64}, flags.seed + 1), b_conv2 = Biases(conv2, 64);
  auto h_conv2 = ops::Relu(conv2, ops::BiasAdd(conv2, ops::Conv2D(conv2, h_pool1, w_conv2, unit, "SAME"), b_conv2));
  auto h_pool2 = ops::MaxPool(conv2, h_conv2, pool, pool, "SAME");  // [n,7,7,64]
  Scope fc1 = root.NewSubScope("fc1");
  Variable w_fc1 = Weights(fc1, {7 * 7 * 64, 1024}, flags.seed + 2), b_fc1 = Biases(fc1, 1024);
  auto h_flat = ops::Reshape(fc1, h_pool2, {-1, 7 * 7 * 64});
  auto h_fc1 = ops::Relu(fc1, ops::BiasAdd(fc1, ops::MatMul(fc1, h_flat, w_fc1), b_fc1));
  auto h_drop = layers::Dropout(root.NewSubScope("dropout"), h_fc1, 0.5f, training, flags.seed + 3);
  Scope fc2 = root.NewSubScope("fc2");
  Variable w_fc2 = Weights(fc2, {1024, 10}, flags.seed + 4), b_fc2 = Biases(fc2, 10);
  auto logits = ops::BiasAdd(fc2.WithOpName("logits"), ops::MatMul(fc2, h_drop, w_fc2), b_fc2);

  auto probs = ops::Softmax(root.WithOpName("probs"), logits);
  auto loss = ops::Mean(root.WithOpName("loss"), ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  auto correct = ops::Cast(root, ops::Equal(root, ops::ArgMax(root, logits, 1), y), DT_FLOAT);
  auto accuracy = ops::Mean(root.WithOpName("accuracy"), correct, {0});
  auto correct_count = ops::Sum(root.WithOpName("correct_count"), correct, {0});
  Variable global_step = train::CreateGlobalStep(root);
  train::Hyperparameter lr = flags.lr;
  if (flags.decay_every > 0) {
    lr = train::ExponentialDecay(root, flags.lr, global_step.value(), flags.decay_every, flags.decay_rate,
                                 /*staircase=*/true);
  }
  train::AdamOptimizer optimizer(lr);
  Operation train_op = optimizer.Minimize(root, loss, {}, &global_step);
  Operation init = ops::GlobalVariablesInitializer(root);
  auto test_accuracy_in = ops::Placeholder(root.WithOpName("test_accuracy"), DT_FLOAT, TensorShape{});
  Output loss_summary = ops::ScalarSummary(root, "loss", loss);
  Output accuracy_summary = ops::ScalarSummary(root, "accuracy", test_accuracy_in);
  if (!root.ok()) return Fail(root.status());

  std::unique_ptr<summary::FileWriter> train_writer, test_writer;
  if (!flags.logdir.empty()) {
    auto train_w = summary::FileWriter::Create(flags.logdir + "/train");
    auto test_w = summary::FileWriter::Create(flags.logdir + "/test");
    GraphDef graph_def;
    Status s = train_w.ok() ? test_w.status() : train_w.status();
    if (s.ok()) s = root.ToGraphDef(&graph_def);
    if (s.ok()) s = (*train_w)->AddGraph(graph_def);
    if (!s.ok()) return Fail(s);
    train_writer = *std::move(train_w);
    test_writer = *std::move(test_w);
  }
  // After the optimizer, so that its slots are saved too.
  std::unique_ptr<train::Saver> saver;
  if (!flags.checkpoint_dir.empty()) {
    saver = std::make_unique<train::Saver>(root);
    const std::string meta_path = flags.checkpoint_dir + "/model.meta";
    Status s = saver->status();
    if (s.ok()) s = RecursivelyCreateDir(flags.checkpoint_dir);
    if (s.ok()) s = ExportMetaGraph(root, saver.get(), meta_path);
    if (!s.ok()) return Fail(s);
    std::printf("wrote %s\n", meta_path.c_str());
  }

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));

  // The test set's accuracy, in batches of 1000 (inference only: dropout off).
  auto evaluate = [&]() -> float {
    const int64_t n = test_set->labels.NumElements();
    double right = 0;
    for (int64_t begin = 0; begin < n; begin += 1000) {
      int64_t count = std::min<int64_t>(1000, n - begin);
      SLUICE_CHECK_OK(session.Run({{x, SliceRows(test_set->images, begin, count)},
                                   {y, SliceRows(test_set->labels, begin, count)}},
                                  {correct_count}, {}, &out));
      right += out[0].scalar<float>();
    }
    return static_cast<float>(right / n);
  };
  auto save = [&]() -> Status {
    if (saver == nullptr) return absl::OkStatus();
    SLUICE_RETURN_IF_ERROR(session.Run({}, {global_step.value()}, &out));
    std::string path;
    SLUICE_RETURN_IF_ERROR(saver->Save(session, flags.checkpoint_dir + "/model", out[0].scalar<int64_t>(), &path));
    std::printf("saved checkpoint %s\n", path.c_str());
    return absl::OkStatus();
  };

  const int64_t n = train_set->images.dim_size(0);
  const int64_t steps_per_epoch = (n + flags.batch - 1) / flags.batch;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  const Tensor on = Tensor::Scalar(true);
  int64_t step = 0;  // steps taken
  bool stopped = false;
  float test_accuracy = 0;
  bool evaluated = false;
  StepLossLog loss_log(flags.log_every);
  for (int epoch = 1; epoch <= flags.epochs && !stopped; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    auto start = std::chrono::steady_clock::now();
    loss_log.StartEpoch();
    for (int64_t i = 0; i < steps_per_epoch; ++i) {
      if (flags.max_steps > 0 && step >= flags.max_steps) {
        stopped = true;
        break;
      }
      int64_t begin = i * flags.batch;
      int64_t count = std::min<int64_t>(flags.batch, n - begin);
      Tensor bx = GatherRows(train_set->images, order, begin, count);
      Tensor by = GatherRows(train_set->labels, order, begin, count);
      ++step;
      if (loss_log.Due(step) && train_writer != nullptr) {
        SLUICE_CHECK_OK(session.Run({{x, bx}, {y, by}, {training, on}}, {loss, loss_summary}, {train_op}, &out));
        SLUICE_CHECK_OK(train_writer->AddSummary(out[1].scalar<std::string>(), step));
      } else {
        SLUICE_CHECK_OK(session.Run({{x, bx}, {y, by}, {training, on}}, {loss}, {train_op}, &out));
      }
      loss_log.Add(step, out[0].scalar<float>());
    }
    const int64_t epoch_steps = loss_log.epoch_steps();
    if (epoch_steps == 0) break;
    double train_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    test_accuracy = evaluate();
    evaluated = true;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %d/%d%s  %lld steps  train loss %.4f  test accuracy %.4f  %.1f s (training %.1f s)\n", epoch,
                flags.epochs, epoch_steps < steps_per_epoch ? " (stopped by --max_steps)" : "",
                static_cast<long long>(epoch_steps), loss_log.EpochMean(), test_accuracy, secs, train_secs);
    std::fflush(stdout);
    if (test_writer != nullptr) {
      SLUICE_CHECK_OK(session.Run({{test_accuracy_in, Tensor::Scalar(test_accuracy)}}, {accuracy_summary}, &out));
      SLUICE_CHECK_OK(test_writer->AddSummary(out[0].scalar<std::string>(), step));
    }
    Status s = save();
    if (!s.ok()) return Fail(s);
  }
  if (!evaluated) test_accuracy = evaluate();
  std::printf("trained %lld steps\n", static_cast<long long>(step));

  for (auto* writer : {train_writer.get(), test_writer.get()}) {
    Status s = writer != nullptr ? writer->Close() : absl::OkStatus();
    if (!s.ok()) return Fail(s);
  }
  if (!flags.out.empty()) {
    auto frozen = FreezeGraph(session, {"probs"});
    if (!frozen.ok()) return Fail(frozen.status());
    Status s = WriteGraphDef(*frozen, flags.out);
    if (!s.ok()) return Fail(s);
    std::printf("wrote %s (frozen inference graph: feed x [n,784] float, fetch probs)\n", flags.out.c_str());
  }
  std::printf("test_accuracy=%.4f\n", test_accuracy);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
