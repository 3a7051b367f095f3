// Trains a 784-256-10 multilayer perceptron (ReLU, softmax cross-entropy, minibatch 128) on
// MNIST, prints a progress bar per epoch, the test accuracy, and writes the trained model as a
// frozen inference GraphDef (`sluice run model.pb --feed x=images.npy --fetch probs`).
//
//   mnist_mlp [--epochs 5] [--data DIR (default: the repository's data/mnist)] [--batch 128] [--optimizer adam(default)|sgd|momentum]
//             [--lr 0.002 (adam), 0.1 (sgd), 0.05 (momentum)] [--seed 1] [--out model.pb]
//             [--checkpoint_dir DIR (default: none)] [--logdir DIR]
//
// With --checkpoint_dir it writes the meta graph DIR/model.meta and saves a train::Saver
// checkpoint, DIR/model-<global step>, after each epoch (the last 5 kept; `sluice ckpt list DIR`
// shows the latest) and prints its path. The graph takes MNIST's IDX bytes too (placeholders
// `images` uint8 [n,28,28] and `labels` uint8 [n], which x and y default to), so a checkpoint is
// evaluated from the command line:
//   sluice run DIR/model.meta --checkpoint DIR --fetch accuracy
//       --feed images=@idx:t10k-images-idx3-ubyte.gz --feed labels=@idx:t10k-labels-idx1-ubyte.gz
// With --logdir, TensorBoard event files: DIR/train holds the graph and the training batches'
// loss and accuracy every 20 steps, DIR/test the test accuracy after each epoch
// (`tensorboard --logdir DIR` shows both runs).
//
// The last line printed is `test_accuracy=0.9xxx`.
#include <unistd.h>

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
#include "examples/common/mnist.h"
#include "runtime/freeze_graph.h"
#include "sluice.h"

namespace sluice {
namespace {

struct Flags {
  int epochs = 5;
  std::string data = RepositoryDataDir("mnist");
  int batch = 128;
  std::string optimizer = "adam";
  float lr = -1;  // default depends on the optimizer
  int64_t seed = 1;
  std::string out = "model.pb";
  std::string checkpoint_dir;  // empty: no checkpoints
  std::string logdir;  // empty: no event files
  bool pipeline = false;  // read the training batches through an in-graph input pipeline
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  FlagParser flags("mnist_mlp");
  flags.Add("--epochs", &f->epochs, "epochs", [](int v) { return v >= 0; })
      .Add("--data", &f->data, "the MNIST IDX files")
      .Add("--batch", &f->batch, "images per step", [](int v) { return v > 0; })
      .Add("--optimizer", &f->optimizer, "adam, sgd or momentum",
           [](const std::string& v) { return v == "adam" || v == "sgd" || v == "momentum"; })
      .Add("--lr", &f->lr, "learning rate (default: the optimizer's)", [](float v) { return v > 0; })
      .Add("--seed", &f->seed, "seed")
      .Add("--out", &f->out, "the frozen inference graph")
      .Add("--checkpoint_dir", &f->checkpoint_dir, "save a meta graph and a checkpoint per epoch there",
           [](const std::string& v) { return !v.empty(); })
      .Add("--logdir", &f->logdir, "write TensorBoard event files there")
      .Add("--pipeline", &f->pipeline, "read the training batches through an in-graph pipeline of the IDX files");
  return flags.Parse(argc, argv);
}

std::unique_ptr<train::Optimizer> MakeOptimizer(const Flags& f) {
  if (f.optimizer == "sgd") return std::make_unique<train::GradientDescentOptimizer>(f.lr > 0 ? f.lr : 0.1f);
  if (f.optimizer == "momentum") return std::make_unique<train::MomentumOptimizer>(f.lr > 0 ? f.lr : 0.05f, 0.9f);
  // 2e-3 rather than Adam's usual 1e-3: five epochs then land at 0.977-0.980 for every seed tried.
  return std::make_unique<train::AdamOptimizer>(f.lr > 0 ? f.lr : 0.002f);
}

// A progress bar redrawn in place on a terminal; elsewhere (a log, CI) one line per epoch.
void PrintProgress(int epoch, int epochs, int64_t step, int64_t steps, double examples_per_s, float loss) {
  static const bool terminal = isatty(fileno(stdout));
  if (!terminal) {
    if (step == steps) {
      std::printf("epoch %d/%d  %lld steps  %.0f examples/s  loss %.4f", epoch, epochs,
                  static_cast<long long>(steps), examples_per_s, loss);
    }
    return;
  }
  constexpr int kWidth = 30;
  int filled = static_cast<int>(kWidth * step / steps);
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>' + std::string(kWidth - filled - 1, ' ');
  std::printf("\repoch %d/%d [%s] step %lld/%lld  %.0f examples/s  loss %.4f", epoch, epochs, bar.c_str(),
              static_cast<long long>(step), static_cast<long long>(steps), examples_per_s, loss);
  std::fflush(stdout);
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  auto mnist = LoadMnistTrainTest(flags.data);
  if (!mnist.ok()) {
    std::fprintf(stderr, "mnist_mlp: %s\n", std::string(mnist.status().message()).c_str());
    return 1;
  }
  const MnistSplit* train_set = &mnist->train;
  const MnistSplit* test_set = &mnist->test;

  Scope root = Scope::NewRootScope();
  // MNIST as its IDX files hold it, uint8 images [n,28,28] and labels [n], scaled and cast in the
  // graph: x and y default to them, so `sluice run model.meta --feed images=@idx:IMAGES --feed
  // labels=@idx:LABELS --fetch accuracy` evaluates a checkpoint. Training feeds x and y directly.
  //
  // --pipeline: images and labels default to the batches of an input pipeline over the training
  // IDX files (shuffled each epoch, then batched, repeated), so that a training step feeds
  // nothing; feeding them (or x and y) still evaluates other data.
  Output images, labels;
  data::Iterator train_iterator;
  if (flags.pipeline) {
    Scope in = root.NewSubScope("input");
    train_iterator = data::Zip(in, {data::IdxDataset(in, IdxPath(flags.data, "train-images-idx3-ubyte")),
                                    data::IdxDataset(in, IdxPath(flags.data, "train-labels-idx1-ubyte"))})
                         .Shuffle(60000, flags.seed)
                         .Batch(flags.batch)
                         .Repeat()
                         .Prefetch(1)
                         .MakeInitializableIterator("train_iterator");
    std::vector<Output> next = train_iterator.GetNext();
    images = ops::PlaceholderWithDefault(root.WithOpName("images"), next[0], {-1, 28, 28});
    labels = ops::PlaceholderWithDefault(root.WithOpName("labels"), next[1], {-1});
    root.AddToCollection("iterator_initializers", train_iterator.initializer.name());
  } else {
    images = ops::Placeholder(root.WithOpName("images"), DT_UINT8, {-1, 28, 28});
    labels = ops::Placeholder(root.WithOpName("labels"), DT_UINT8, {-1});
  }
  auto pixels = ops::Reshape(root, ops::Div(root, ops::Cast(root, images, DT_FLOAT), 255.0f), {-1, 784});
  auto x = ops::PlaceholderWithDefault(root.WithOpName("x"), pixels, {-1, 784});
  auto y = ops::PlaceholderWithDefault(root.WithOpName("y"), ops::Cast(root, labels, DT_INT64), {-1});
  auto h = layers::Dense(root.NewSubScope("hidden"), x, 256, ops::Relu, init::GlorotUniform(flags.seed));
  auto logits = layers::Dense(root.NewSubScope("out"), h, 10, nullptr, init::GlorotUniform(flags.seed + 1));
  auto probs = ops::Softmax(root.WithOpName("probs"), logits);
  auto loss = ops::Mean(root.WithOpName("loss"),
                        ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  auto correct = ops::Equal(root, ops::ArgMax(root, logits, 1), y);
  auto accuracy = ops::Mean(root.WithOpName("accuracy"), ops::Cast(root, correct, DT_FLOAT), {0});
  Variable global_step = train::CreateGlobalStep(root);
  auto optimizer = MakeOptimizer(flags);
  Operation train_op = optimizer->Minimize(root, loss, {}, &global_step);
  Operation init = ops::GlobalVariablesInitializer(root);
  // TensorBoard: the same summaries go to DIR/train (training batches) and DIR/test.
  Output accuracy_summary = ops::ScalarSummary(root, "accuracy", accuracy);
  Output train_summaries = ops::MergeSummary(root, {ops::ScalarSummary(root, "loss", loss), accuracy_summary});
  std::unique_ptr<summary::FileWriter> train_writer, test_writer;
  if (!flags.logdir.empty()) {
    auto train_w = summary::FileWriter::Create(flags.logdir + "/train");
    auto test_w = summary::FileWriter::Create(flags.logdir + "/test");
    GraphDef graph_def;
    Status s = train_w.ok() ? test_w.status() : train_w.status();
    if (s.ok()) s = root.ToGraphDef(&graph_def);
    if (s.ok()) s = (*train_w)->AddGraph(graph_def);
    if (!s.ok()) {
      std::fprintf(stderr, "mnist_mlp: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    train_writer = *std::move(train_w);
    test_writer = *std::move(test_w);
  }
  if (!root.ok()) {
    std::fprintf(stderr, "mnist_mlp: building the graph failed: %s\n", std::string(root.status().message()).c_str());
    return 1;
  }

  // After the optimizer, so that its slots are saved too.
  std::unique_ptr<train::Saver> saver;
  if (!flags.checkpoint_dir.empty()) {
    saver = std::make_unique<train::Saver>(root);
    // The meta graph (graph, SaverDef, collections) beside the checkpoints: `sluice run` and
    // `sluice train` load it with a checkpoint of the directory, and so does TensorFlow's
    // tf.compat.v1.train.import_meta_graph.
    const std::string meta_path = flags.checkpoint_dir + "/model.meta";
    Status s = saver->status();
    if (s.ok()) s = RecursivelyCreateDir(flags.checkpoint_dir);
    if (s.ok()) s = ExportMetaGraph(root, saver.get(), meta_path);
    if (!s.ok()) {
      std::fprintf(stderr, "mnist_mlp: %s\n", std::string(s.message()).c_str());
      return 1;
    }
    std::printf("wrote %s\n", meta_path.c_str());
  }

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  if (flags.pipeline) SLUICE_CHECK_OK(session.Run({}, {}, {train_iterator.initializer}, &out));

  const int64_t n = train_set->images.dim_size(0);
  const int64_t steps = (n + flags.batch - 1) / flags.batch;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  for (int epoch = 1; epoch <= flags.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    for (int64_t step = 0; step < steps; ++step) {
      int64_t begin = step * flags.batch;
      int64_t count = std::min<int64_t>(flags.batch, n - begin);
      std::vector<std::pair<Output, Tensor>> feeds;
      if (!flags.pipeline) {
        feeds = {{x, GatherRows(train_set->images, order, begin, count)},
                 {y, GatherRows(train_set->labels, order, begin, count)}};
      }
      const bool log = (step + 1) % 20 == 0 || step + 1 == steps;
      if (log && train_writer != nullptr) {
        SLUICE_CHECK_OK(session.Run(feeds, {loss, train_summaries}, {train_op}, &out));
        SLUICE_CHECK_OK(train_writer->AddSummary(out[1].scalar<std::string>(), (epoch - 1) * steps + step + 1));
      } else {
        SLUICE_CHECK_OK(session.Run(feeds, {loss}, {train_op}, &out));
      }
      loss_sum += out[0].scalar<float>();
      if (log) {
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        PrintProgress(epoch, flags.epochs, step + 1, steps, (begin + count) / secs, loss_sum / (step + 1));
      }
    }
    SLUICE_CHECK_OK(session.Run({{x, test_set->images}, {y, test_set->labels}}, {accuracy, accuracy_summary}, {}, &out));
    std::printf("  test accuracy %.4f\n", out[0].scalar<float>());
    if (test_writer != nullptr) SLUICE_CHECK_OK(test_writer->AddSummary(out[1].scalar<std::string>(), epoch * steps));
    if (saver != nullptr) {
      SLUICE_CHECK_OK(session.Run({}, {global_step.value()}, &out));
      std::string path;
      Status saved = saver->Save(session, flags.checkpoint_dir + "/model", out[0].scalar<int64_t>(), &path);
      if (!saved.ok()) {
        std::fprintf(stderr, "mnist_mlp: %s\n", std::string(saved.message()).c_str());
        return 1;
      }
      std::printf("saved checkpoint %s\n", path.c_str());
    }
  }
  SLUICE_CHECK_OK(session.Run({{x, test_set->images}, {y, test_set->labels}}, {accuracy, global_step.value()}, {}, &out));
  float test_accuracy = out[0].scalar<float>();
  std::printf("trained %lld steps\n", static_cast<long long>(out[1].scalar<int64_t>()));

  for (auto* writer : {train_writer.get(), test_writer.get()}) {
    Status s = writer != nullptr ? writer->Close() : absl::OkStatus();
    if (!s.ok()) {
      std::fprintf(stderr, "mnist_mlp: %s\n", std::string(s.message()).c_str());
      return 1;
    }
  }
  auto frozen = FreezeGraph(session, {"probs"});
  if (!frozen.ok()) {
    std::fprintf(stderr, "mnist_mlp: %s\n", std::string(frozen.status().message()).c_str());
    return 1;
  }
  Status s = WriteGraphDef(*frozen, flags.out);
  if (!s.ok()) {
    std::fprintf(stderr, "mnist_mlp: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %s (frozen inference graph: feed x [n,784] float, fetch probs)\n", flags.out.c_str());
  std::printf("test_accuracy=%.4f\n", test_accuracy);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
