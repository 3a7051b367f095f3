// Trains a regularized multilayer perceptron on Fashion-MNIST (28x28 grey images of clothes in
// 10 classes) with early stopping on a validation split, and prints the test accuracy of the
// best epoch:
//
//   784 -> Dense 256 -> BatchNormalization -> ReLU -> Dropout
//       -> Dense 128 -> BatchNormalization -> ReLU -> Dropout -> Dense 10 (logits)
//
// trained with Adam on the softmax cross-entropy plus an L2 penalty of the three kernels
// (losses::GetTotalLoss), its learning rate --lr multiplied by --lr_decay after each epoch
// (train::ExponentialDecay, staircase). The last 5000 of the 60000 training images are the validation split;
// after each epoch the model is evaluated on it (dropout off, batch normalization on its moving
// averages), the best epoch's weights are saved with train::Saver, and training stops when the
// monitored metric has not improved for --patience epochs (train::EarlyStopping). The best
// weights are then restored and evaluated once on the 10000 test images.
//
//   fashion_mnist [--epochs 30] [--max_steps N (default: no limit)] [--patience 5]
//                 [--monitor val_loss (default)|val_accuracy] [--data_dir DIR] [--seed 1]
//                 [--batch_size 100] [--lr 0.001] [--lr_decay 0.8] [--dropout 0.2] [--l2 1e-4]
//                 [--checkpoint_dir DIR (default: a temporary folder, removed at the end)]
//
// The data are the IDX files (plain or .gz) of the Debian package dataset-fashion-mnist, which
// installs them in /usr/share/datasets/fashion-mnist (tools/setup.sh installs it). --max_steps
// ends training after that many steps in all (the epoch in progress is evaluated there), for a
// quick run. One line per epoch; the last line printed is `test_accuracy=0.xxxx`.
#include <stdlib.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "core/file_io.h"
#include "examples/common/flags.h"
#include "examples/common/mnist.h"
#include "ops/early_stopping.h"
#include "ops/losses.h"
#include "sluice.h"

namespace sluice {
namespace {

constexpr char kDefaultDataDir[] = "/usr/share/datasets/fashion-mnist";
constexpr char kPackage[] = "dataset-fashion-mnist";
constexpr int64_t kValidationSize = 5000;

struct Flags {
  int epochs = 30;
  int64_t max_steps = 0;  // 0: no limit
  int patience = 5;
  std::string monitor = "val_loss";
  std::string data_dir = kDefaultDataDir;
  int64_t seed = 1;
  int batch_size = 100;
  float lr = 1e-3f;
  float lr_decay = 0.8f;  // per epoch
  float dropout = 0.2f;
  float l2 = 1e-4f;
  std::string checkpoint_dir;  // empty: a temporary folder
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  auto non_empty = [](const std::string& v) { return !v.empty(); };
  FlagParser flags("fashion_mnist");
  flags.Add("--epochs", &f->epochs, "most epochs", [](int v) { return v >= 0; })
      .Add("--max_steps", &f->max_steps, "stop after N steps (0: no limit)", [](int64_t v) { return v >= 0; })
      .Add("--patience", &f->patience, "epochs without improvement before stopping", [](int v) { return v >= 1; })
      .Add("--monitor", &f->monitor, "val_loss or val_accuracy",
           [](const std::string& v) { return v == "val_loss" || v == "val_accuracy"; })
      .Add("--data_dir", &f->data_dir, "the Fashion-MNIST IDX files", non_empty)
      .Add("--seed", &f->seed, "seed")
      .Add("--batch_size", &f->batch_size, "images per step", [](int v) { return v > 0; })
      .Add("--lr", &f->lr, "Adam's learning rate", [](float v) { return v > 0; })
      .Add("--lr_decay", &f->lr_decay, "learning rate factor per epoch", [](float v) { return v > 0 && v <= 1; })
      .Add("--dropout", &f->dropout, "dropout rate", [](float v) { return v >= 0 && v < 1; })
      .Add("--l2", &f->l2, "L2 penalty of the kernels", [](float v) { return v >= 0; })
      .Add("--checkpoint_dir", &f->checkpoint_dir, "where checkpoints go (default: a temporary folder)", non_empty);
  return flags.Parse(argc, argv);
}

// The first of the four IDX files that `dir` lacks (as neither <name> nor <name>.gz), or "".
std::string MissingFile(const std::string& dir) {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"}) {
    std::string path = dir + "/" + name;
    if (!FileExists(path) && !FileExists(path + ".gz")) return path;
  }
  return "";
}

int Fail(const Status& s) {
  std::fprintf(stderr, "fashion_mnist: %s\n", std::string(s.message()).c_str());
  return 1;
}

// Removes a temporary folder when it goes out of scope.
struct TempDirRemover {
  std::string path;
  ~TempDirRemover() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  if (std::string missing = MissingFile(flags.data_dir); !missing.empty()) {
    std::fprintf(stderr,
                 "fashion_mnist: no Fashion-MNIST in %s (%s[.gz] is missing): install the Debian package %s "
                 "(tools/setup.sh does; it puts the data in %s), or pass --data_dir DIR\n",
                 flags.data_dir.c_str(), missing.c_str(), kPackage, kDefaultDataDir);
    return 1;
  }
  auto train_set = LoadMnist(flags.data_dir, /*train=*/true);
  if (!train_set.ok()) return Fail(train_set.status());
  auto test_set = LoadMnist(flags.data_dir, /*train=*/false);
  if (!test_set.ok()) return Fail(test_set.status());
  const int64_t num_train = train_set->images.dim_size(0) - kValidationSize;
  if (num_train <= 0 || test_set->images.dim_size(0) == 0) {
    std::fprintf(stderr, "fashion_mnist: %s holds %lld training and %lld test images: need more than %lld "
                         "training images (the last %lld are the validation split) and at least one test image\n",
                 flags.data_dir.c_str(), static_cast<long long>(train_set->images.dim_size(0)),
                 static_cast<long long>(test_set->images.dim_size(0)), static_cast<long long>(kValidationSize),
                 static_cast<long long>(kValidationSize));
    return 1;
  }
  const Tensor val_images = Rows(train_set->images, num_train, kValidationSize);
  const Tensor val_labels = Rows(train_set->labels, num_train, kValidationSize);

  // ---- The model -------------------------------------------------------------------------------
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  // Dropout and batch normalization train only when this is fed true.
  auto training = ops::PlaceholderWithDefault(root.WithOpName("training"), false, {});
  const layers::Regularizer l2 = flags.l2 > 0 ? losses::L2Regularizer(flags.l2) : nullptr;
  Output h = x;
  int64_t seed = flags.seed;
  for (auto [name, units] : {std::pair<const char*, int64_t>{"hidden1", 256}, {"hidden2", 128}}) {
    Scope s = root.NewSubScope(name);
    h = layers::Dense(s.NewSubScope("dense"), h, units, nullptr, init::GlorotUniform(seed++), init::Zeros(), l2);
    h = layers::BatchNormalization(s.NewSubScope("batch_normalization"), h, training);
    h = ops::Relu(s, h);
    h = layers::Dropout(s.NewSubScope("dropout"), h, flags.dropout, training, seed++);
  }
  auto logits = layers::Dense(root.NewSubScope("logits"), h, 10, nullptr, init::GlorotUniform(seed++),
                              init::Zeros(), l2);
  // The cross-entropy goes to the "losses" collection and the kernels' L2 penalties to
  // "regularization_losses"; the total loss, which training minimizes, sums both.
  Output cross_entropy = losses::SparseSoftmaxCrossEntropy(root.WithOpName("cross_entropy"), y, logits);
  Output total_loss = losses::GetTotalLoss(root);
  auto correct = ops::Equal(root, ops::ArgMax(root, logits, 1), y);
  auto accuracy = ops::Mean(root.WithOpName("accuracy"), ops::Cast(root, correct, DT_FLOAT), {0});
  Variable global_step = train::CreateGlobalStep(root);
  const int64_t steps_per_epoch = (num_train + flags.batch_size - 1) / flags.batch_size;
  Output learning_rate = train::ExponentialDecay(root.WithOpName("learning_rate"), flags.lr, global_step,
                                                 steps_per_epoch, flags.lr_decay, /*staircase=*/true);
  train::AdamOptimizer optimizer(learning_rate);
  // The moving averages of batch normalization update with each training step.
  Operation train_op = optimizer.Minimize(root.WithControlDependencies(layers::UpdateOps(root)), total_loss, {},
                                          &global_step);
  Operation init = ops::GlobalVariablesInitializer(root);
  if (!root.ok()) return Fail(root.status());
  // The best epoch's weights (with the moving averages and Adam's slots): the last one kept.
  train::Saver saver(root, {.max_to_keep = 1});
  if (!saver.status().ok()) return Fail(saver.status());

  TempDirRemover temp;
  std::string checkpoint_dir = flags.checkpoint_dir;
  if (checkpoint_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fashion_mnist.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Fail(errors::Internal("cannot create a temporary folder ", tmpl, ": ", std::strerror(errno)));
    }
    checkpoint_dir = temp.path = tmpl;
  } else if (Status s = RecursivelyCreateDir(checkpoint_dir); !s.ok()) {
    return Fail(s);
  }

  // ---- Training --------------------------------------------------------------------------------
  Session session(root);
  std::vector<Tensor> out;
  if (Status s = session.Run({}, {}, {init}, &out); !s.ok()) return Fail(s);
  // The validation loss and accuracy (dropout off, batch normalization on its moving averages).
  auto validate = [&](float* loss, float* acc) -> Status {
    SLUICE_RETURN_IF_ERROR(session.Run({{x, val_images}, {y, val_labels}}, {cross_entropy, accuracy}, {}, &out));
    *loss = out[0].scalar<float>();
    *acc = out[1].scalar<float>();
    return absl::OkStatus();
  };
  float val_loss, val_accuracy;
  if (Status s = validate(&val_loss, &val_accuracy); !s.ok()) return Fail(s);
  std::printf("epoch 0/%d  val_loss %.4f  val_accuracy %.4f  (untrained)\n", flags.epochs, val_loss, val_accuracy);
  std::fflush(stdout);

  const bool monitor_loss = flags.monitor == "val_loss";
  train::EarlyStopping stopper({.patience = flags.patience,
                                .min_delta = monitor_loss ? 1e-4 : 0.0,
                                .mode = monitor_loss ? train::EarlyStopping::Mode::kMin
                                                     : train::EarlyStopping::Mode::kMax});
  std::vector<int64_t> order(num_train);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  int64_t total_steps = 0;
  std::string best_checkpoint;
  int epochs_run = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 1; epoch <= flags.epochs; ++epoch) {
    if (flags.max_steps > 0 && total_steps >= flags.max_steps) break;
    std::shuffle(order.begin(), order.end(), rng);
    const auto epoch_start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t steps = 0;
    for (; steps < steps_per_epoch && (flags.max_steps == 0 || total_steps < flags.max_steps); ++steps, ++total_steps) {
      int64_t begin = steps * flags.batch_size;
      int64_t count = std::min<int64_t>(flags.batch_size, num_train - begin);
      Tensor bx = GatherRows(train_set->images, order, begin, count);
      Tensor by = GatherRows(train_set->labels, order, begin, count);
      Status s =
          session.Run({{x, bx}, {y, by}, {training, Tensor::Scalar<bool>(true)}}, {total_loss}, {train_op}, &out);
      if (!s.ok()) return Fail(s);
      loss_sum += out[0].scalar<float>();
    }
    ++epochs_run;
    if (Status s = validate(&val_loss, &val_accuracy); !s.ok()) return Fail(s);
    const bool stop = stopper.Update(monitor_loss ? val_loss : val_accuracy);
    const bool best = stopper.best_epoch() == epoch - 1;
    if (best) {
      SLUICE_CHECK_OK(session.Run({}, {global_step.value()}, &out));
      Status s = saver.Save(session, checkpoint_dir + "/best", out[0].scalar<int64_t>(), &best_checkpoint);
      if (!s.ok()) return Fail(s);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    std::printf("epoch %d/%d  %lld steps  train_loss %.4f  val_loss %.4f  val_accuracy %.4f  %.1f s%s\n", epoch,
                flags.epochs, static_cast<long long>(steps), loss_sum / std::max<int64_t>(steps, 1), val_loss,
                val_accuracy, secs, best ? "  (best)" : "");
    std::fflush(stdout);
    if (stop) {
      std::printf("early stopping: %s has not improved for %d epochs\n", flags.monitor.c_str(), flags.patience);
      break;
    }
  }
  const double train_secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // ---- The best epoch on the test set ----------------------------------------------------------
  if (!best_checkpoint.empty()) {
    if (Status s = saver.Restore(session, best_checkpoint); !s.ok()) return Fail(s);
    std::printf("restored the best epoch, %d (%s %.4f), from %s\n", stopper.best_epoch() + 1,
                flags.monitor.c_str(), stopper.best(), best_checkpoint.c_str());
  }
  Status s = session.Run({{x, test_set->images}, {y, test_set->labels}}, {accuracy, global_step.value()}, {}, &out);
  if (!s.ok()) return Fail(s);
  const float test_accuracy = out[0].scalar<float>();
  std::printf("trained %d epochs, %lld steps in %.1f s; the best epoch's weights are at step %lld\n", epochs_run,
              static_cast<long long>(total_steps), train_secs, static_cast<long long>(out[1].scalar<int64_t>()));
  std::printf("test_accuracy=%.4f\n", test_accuracy);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
