// A convolutional denoising autoencoder on MNIST: it learns to map a noisy digit to the clean one.
//
//   encoder  Conv2D 3x3x32 relu same -> MaxPooling2D 2 -> Conv2D 3x3x16 relu same -> MaxPooling2D 2
//            (7x7x16)
//   decoder  Conv2DTranspose 3x3x16 stride 2 relu same -> Conv2DTranspose 3x3x32 stride 2 relu same
//            -> Conv2D 3x3x1 sigmoid same (28x28x1)
//   loss     mean squared error between the reconstruction and the CLEAN image; Adam 1e-3.
//
// Kernels start Glorot-uniform, biases at zero, except the last layer's bias: it starts at
// logit(mean training pixel) (about -1.9), so that the untrained model outputs the mean pixel
// rather than sigmoid(0) = 0.5. From 0.5 the first steps' large gradients push every ReLU of the
// decoder to zero and the model settles on an all-black output (MSE ~0.10, no better than the
// noisy input) for hundreds of steps; TensorFlow/Keras does exactly the same with this model.
//
//   conv_autoencoder [--epochs 5] [--max_steps N (stop after N training steps; default: no limit)]
//                    [--noise_factor 0.5] [--batch_size 128] [--seed 1] [--images out.png [--num_images 10]]
//                    [--test_size N (evaluate the first N test images; default: all 10000)]
//                    [--data_dir DIR (also --data DIR; default: the repository's data/mnist)]
//
// The noisy inputs are clip(x + noise_factor * N(0, 1), 0, 1), made on the host with seeded
// std::mt19937_64 generators: the training batches get fresh noise each step (from --seed), the
// test set is corrupted once (from --seed + 1), so every evaluation, and the baseline, use the
// same noisy test images. The first line, `baseline_mse=...`, is the MSE of those noisy test
// images against the clean ones: what the model has to beat.
//
// Each epoch prints its mean training loss (and the first step's and the last 50 steps' loss),
// the test MSE of the reconstructions of the noisy test images, and its seconds. With --images it
// writes (atomically) a PNG grid of the first N test digits: the originals in row 1, their noisy
// inputs in row 2 and the reconstructions in row 3, 28x28 grayscale tiles between 2-pixel gray
// borders (N * 30 + 2 pixels wide, 92 high).
//
// The last line printed is `test_mse=0.0xxx`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "core/file_io.h"
#include "core/png.h"
#include "examples/common/flags.h"
#include "examples/common/mnist.h"
#include "sluice.h"

namespace sluice {
namespace {

constexpr int kSide = 28;
constexpr int kPixels = kSide * kSide;
constexpr int kBorder = 2;
constexpr int64_t kEvalBatch = 500;  // test images per evaluation run (bounds the activations' memory)

struct Flags {
  int epochs = 5;
  int64_t max_steps = -1;  // < 0: no limit
  float noise_factor = 0.5f;
  int batch_size = 128;
  std::string images;  // empty: no PNG
  int num_images = 10;
  int64_t test_size = -1;  // < 0: the whole test set
  int64_t seed = 1;
  std::string data_dir = RepositoryDataDir("mnist");
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  FlagParser flags("conv_autoencoder");
  flags.Add("--epochs", &f->epochs, "epochs", [](int v) { return v >= 0; })
      .Add("--max_steps", &f->max_steps, "stop after N steps", [](int64_t v) { return v >= 0; })
      .Add("--noise_factor", &f->noise_factor, "noise added to the inputs", [](float v) { return v >= 0; })
      .Add("--batch_size", &f->batch_size, "images per step", [](int v) { return v > 0; })
      .Add("--images", &f->images, "write a PNG grid of test reconstructions", [](const std::string& v) { return !v.empty(); })
      .Add("--num_images", &f->num_images, "images in the grid", [](int v) { return v > 0; })
      .Add("--test_size", &f->test_size, "test images to evaluate (default: all)", [](int64_t v) { return v > 0; })
      .Add("--seed", &f->seed, "seed")
      .Add("--data_dir", &f->data_dir, "the MNIST IDX files")
      .Alias("--data");  // mnist_mlp's name, which LoadMnist's errors give
  return flags.Parse(argc, argv);
}

// Rows order[begin, begin + n) of the [N, 784] images as a clean [n, 28, 28, 1] batch and its
// noisy copy clip(x + noise_factor * N(0, 1), 0, 1).
void MakeBatch(const Tensor& images, const std::vector<int64_t>& order, int64_t begin, int64_t n,
               float noise_factor, std::mt19937_64* rng, Tensor* clean, Tensor* noisy) {
  *clean = Tensor(DT_FLOAT, TensorShape({n, kSide, kSide, 1}));
  *noisy = Tensor(DT_FLOAT, TensorShape({n, kSide, kSide, 1}));
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const float* src = images.data<float>();
  float* c = clean->data<float>();
  float* d = noisy->data<float>();
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(c + i * kPixels, src + order[begin + i] * kPixels, kPixels * sizeof(float));
    for (int p = 0; p < kPixels; ++p) {
      d[i * kPixels + p] = std::clamp(c[i * kPixels + p] + noise_factor * normal(*rng), 0.0f, 1.0f);
    }
  }
}

double MeanSquaredDifference(const Tensor& a, const Tensor& b) {
  double sum = 0;
  for (int64_t i = 0; i < a.NumElements(); ++i) {
    double e = static_cast<double>(a.data<float>()[i]) - b.data<float>()[i];
    sum += e * e;
  }
  return a.NumElements() > 0 ? sum / a.NumElements() : 0.0;
}

// The reconstructions of all of `noisy` (run kEvalBatch images at a time).
StatusOr<Tensor> Reconstruct(Session& session, const Output& input, const Output& reconstruction,
                             const Tensor& noisy) {
  const int64_t n = noisy.dim_size(0);
  Tensor out(DT_FLOAT, TensorShape({n, kSide, kSide, 1}));
  std::vector<Tensor> fetched;
  for (int64_t begin = 0; begin < n; begin += kEvalBatch) {
    int64_t count = std::min(kEvalBatch, n - begin);
    SLUICE_RETURN_IF_ERROR(session.Run({{input, Rows(noisy, begin, count)}}, {reconstruction}, &fetched));
    std::memcpy(out.data<float>() + begin * kPixels, fetched[0].raw_data(), count * kPixels * sizeof(float));
  }
  return out;
}

// The first `count` tiles of clean, noisy and reconstructed test images in three rows.
Status WriteGrid(const std::string& path, int64_t count, const Tensor& clean, const Tensor& noisy,
                 const Tensor& reconstructed) {
  const int64_t width = count * (kSide + kBorder) + kBorder;
  const int64_t height = 3 * (kSide + kBorder) + kBorder;
  std::vector<uint8_t> pixels(width * height, 128);  // the borders: mid gray
  const Tensor* rows[3] = {&clean, &noisy, &reconstructed};
  for (int r = 0; r < 3; ++r) {
    for (int64_t i = 0; i < count; ++i) {
      const float* tile = rows[r]->data<float>() + i * kPixels;
      for (int y = 0; y < kSide; ++y) {
        for (int x = 0; x < kSide; ++x) {
          float v = std::clamp(tile[y * kSide + x], 0.0f, 1.0f);
          int64_t py = kBorder + r * (kSide + kBorder) + y;
          int64_t px = kBorder + i * (kSide + kBorder) + x;
          pixels[py * width + px] = static_cast<uint8_t>(v * 255.0f + 0.5f);
        }
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::string png, EncodePng(pixels.data(), width, height, /*channels=*/1, width));
  return WriteStringToFileAtomic(path, png);
}

int Fail(const Status& s) {
  std::fprintf(stderr, "conv_autoencoder: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  auto train_set = LoadMnist(flags.data_dir, /*train=*/true);
  if (!train_set.ok()) return Fail(train_set.status());
  auto test_set = LoadMnist(flags.data_dir, /*train=*/false);
  if (!test_set.ok()) return Fail(test_set.status());
  const int64_t n = train_set->images.dim_size(0);
  int64_t n_test = test_set->images.dim_size(0);
  if (flags.test_size > 0) n_test = std::min(n_test, flags.test_size);
  if (n == 0 || n_test == 0) {
    std::fprintf(stderr, "conv_autoencoder: the %s set in %s is empty: nothing to train on or to evaluate\n",
                 n == 0 ? "training" : "test", flags.data_dir.c_str());
    return 1;
  }

  Scope root = Scope::NewRootScope();
  auto input = ops::Placeholder(root.WithOpName("noisy"), DT_FLOAT, {-1, kSide, kSide, 1});
  auto target = ops::Placeholder(root.WithOpName("clean"), DT_FLOAT, {-1, kSide, kSide, 1});
  // The last layer's initial bias: logit of the mean training pixel (see the top of the file).
  const float* train_pixels = train_set->images.data<float>();
  double mean_pixel = std::accumulate(train_pixels, train_pixels + train_set->images.NumElements(), 0.0) /
                      train_set->images.NumElements();
  mean_pixel = std::clamp(mean_pixel, 1e-3, 1 - 1e-3);
  const float output_bias = static_cast<float>(std::log(mean_pixel / (1 - mean_pixel)));
  int64_t seed = flags.seed;
  auto conv = [&](const Scope& s, const Output& x, int64_t filters, int stride, bool transpose,
                  const layers::Activation& activation, float bias = 0.0f) {
    layers::Conv2DOptions o;
    o.strides = {stride, stride};
    o.padding = "same";
    o.activation = activation;
    o.kernel_initializer = init::GlorotUniform(seed++);
    o.bias_initializer = init::Constant(bias);
    return transpose ? layers::Conv2DTranspose(s, x, filters, {3, 3}, o) : layers::Conv2D(s, x, filters, {3, 3}, o);
  };
  // Encoder: 28x28x1 -> 14x14x32 -> 7x7x16.
  Output h = conv(root.NewSubScope("conv2d"), input, 32, 1, false, ops::Relu);
  h = layers::MaxPooling2D(root.NewSubScope("max_pooling2d"), h, {2, 2});
  h = conv(root.NewSubScope("conv2d_1"), h, 16, 1, false, ops::Relu);
  Output code = layers::MaxPooling2D(root.NewSubScope("max_pooling2d_1"), h, {2, 2});
  // Decoder: 7x7x16 -> 14x14x16 -> 28x28x32 -> 28x28x1.
  h = conv(root.NewSubScope("conv2d_transpose"), code, 16, 2, true, ops::Relu);
  h = conv(root.NewSubScope("conv2d_transpose_1"), h, 32, 2, true, ops::Relu);
  h = conv(root.NewSubScope("conv2d_2"), h, 1, 1, false, ops::Sigmoid, output_bias);
  auto reconstruction = ops::Identity(root.WithOpName("reconstruction"), h);
  auto loss = ops::Identity(root.WithOpName("loss"), losses::MeanSquaredError(root, target, reconstruction));
  train::AdamOptimizer optimizer(1e-3f);
  Variable global_step = train::CreateGlobalStep(root);
  Operation train_op = optimizer.Minimize(root, loss, {}, &global_step);
  Operation init = ops::GlobalVariablesInitializer(root);
  if (!root.ok()) {
    std::fprintf(stderr, "conv_autoencoder: building the graph failed: %s\n",
                 std::string(root.status().message()).c_str());
    return 1;
  }

  // The noisy test set, made once: every evaluation and the baseline use the same images.
  std::vector<int64_t> test_order(n_test);
  std::iota(test_order.begin(), test_order.end(), 0);
  std::mt19937_64 test_rng(flags.seed + 1);
  Tensor test_clean, test_noisy;
  MakeBatch(test_set->images, test_order, 0, n_test, flags.noise_factor, &test_rng, &test_clean, &test_noisy);
  std::printf("baseline_mse=%.4f (the test MSE of the noisy inputs themselves, noise_factor %.2f)\n",
              MeanSquaredDifference(test_noisy, test_clean), flags.noise_factor);

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));

  const int64_t steps = (n + flags.batch_size - 1) / flags.batch_size;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  int64_t total_steps = 0;
  double test_mse = -1;
  for (int epoch = 1; epoch <= flags.epochs; ++epoch) {
    if (flags.max_steps >= 0 && total_steps >= flags.max_steps) break;
    std::shuffle(order.begin(), order.end(), rng);
    auto start = std::chrono::steady_clock::now();
    double loss_sum = 0, first_loss = 0;
    std::vector<float> step_losses;
    int64_t step = 0;
    for (; step < steps && (flags.max_steps < 0 || total_steps < flags.max_steps); ++step, ++total_steps) {
      int64_t begin = step * flags.batch_size;
      int64_t count = std::min<int64_t>(flags.batch_size, n - begin);
      Tensor clean, noisy;
      MakeBatch(train_set->images, order, begin, count, flags.noise_factor, &rng, &clean, &noisy);
      SLUICE_CHECK_OK(session.Run({{input, noisy}, {target, clean}}, {loss}, {train_op}, &out));
      float l = out[0].scalar<float>();
      if (step == 0) first_loss = l;
      loss_sum += l;
      step_losses.push_back(l);
    }
    const int64_t last = std::min<int64_t>(50, step);
    double last_sum = std::accumulate(step_losses.end() - last, step_losses.end(), 0.0);
    auto reconstructed = Reconstruct(session, input, reconstruction, test_noisy);
    if (!reconstructed.ok()) return Fail(reconstructed.status());
    test_mse = MeanSquaredDifference(*reconstructed, test_clean);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %d/%d  %lld steps  train_loss %.4f (first step %.4f, last %lld steps %.4f)  "
                "test_mse %.4f  %.1f s\n",
                epoch, flags.epochs, static_cast<long long>(step), loss_sum / step, first_loss,
                static_cast<long long>(last), last_sum / last, test_mse, secs);
    std::fflush(stdout);
  }
  if (test_mse < 0) {  // no training step ran: evaluate the initial model
    auto reconstructed = Reconstruct(session, input, reconstruction, test_noisy);
    if (!reconstructed.ok()) return Fail(reconstructed.status());
    test_mse = MeanSquaredDifference(*reconstructed, test_clean);
  }
  SLUICE_CHECK_OK(session.Run({}, {global_step.value()}, &out));
  std::printf("trained %lld steps\n", static_cast<long long>(out[0].scalar<int64_t>()));

  if (!flags.images.empty()) {
    const int64_t count = std::min<int64_t>(flags.num_images, n_test);
    Tensor clean = Rows(test_clean, 0, count), noisy = Rows(test_noisy, 0, count);
    auto reconstructed = Reconstruct(session, input, reconstruction, noisy);
    if (!reconstructed.ok()) return Fail(reconstructed.status());
    Status s = WriteGrid(flags.images, count, clean, noisy, *reconstructed);
    if (!s.ok()) return Fail(s);
    std::printf("wrote %s (rows: test originals, noisy inputs, reconstructions)\n", flags.images.c_str());
  }
  std::printf("test_mse=%.4f\n", test_mse);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
