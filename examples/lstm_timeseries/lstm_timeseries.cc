// Forecasts a time series one step ahead with an LSTM:
//
//   the last --window values [n, W] -> time-major [W, n, 1] -> LSTM (one fused BlockLSTM,
//     layers::LSTMBlockFusedCell, --units) -> the final h -> dense 1 -> the next value
//
// trained with Adam on the mean squared error of the normalized series, in shuffled minibatches.
// The series (--series):
//   sine            a generated noisy sum of three sines (periods 40, 15 and 170 steps, phases
//                   drawn from --seed) plus Gaussian noise of standard deviation --noise,
//                   --length points;
//   seattle         Seattle's daily maximum temperature (deg C) 2012-2015, 1461 days: temp_max of
//                   <data_dir>/seattle-weather.csv;
//   sf              San Francisco's hourly temperature (deg F) of 2010, 8759 hours: temp of
//                   <data_dir>/sf-temps.csv.
// tools/setup.sh unpacks both files from the Debian package python3-vega-datasets into data/vega.
//
// The split is chronological: the first 70% of the points train, the next 15% validate, the last
// 15% test; a window predicts the point after it, and belongs to the split of that point (its
// inputs are earlier points, some from the split before). The series is normalized with the mean
// and standard deviation of the training points only. RMSEs are in the series' own units.
//
//   lstm_timeseries [--series sine|seattle|sf] [--window 24] [--units 32]
//                   [--epochs 30] [--batch_size 32] [--learning_rate 3e-3]
//                   [--decay_rate 0.95 (learning rate times this after each epoch)] [--seed 1]
//                   [--length 3000 (sine)] [--noise 0.1 (sine)]
//                   [--data_dir DIR (default: the repository's data/vega)]
//
// Prints per epoch `epoch N train_loss X val_rmse Y` (the mean training loss of the epoch's
// steps, the validation RMSE after it), then `loss_ratio=` (the first epoch's training loss over
// the last one's), `last_value_rmse=` (the test RMSE of predicting each point by the one before
// it, the baseline to beat) and last `test_rmse=`: the test RMSE of the model of the epoch with
// the best validation RMSE (the test set is scored after every epoch but never chooses anything).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "examples/common/csv_column.h"
#include "examples/common/flags.h"
#include "examples/common/mnist.h"
#include "sluice.h"

namespace sluice {
namespace {

struct Flags {
  std::string series = "sine";
  int64_t window = 24;
  int64_t units = 32;
  int epochs = 30;
  int batch = 32;
  float lr = 3e-3f;
  float decay_rate = 0.95f;
  int64_t seed = 1;
  int64_t length = 3000;
  float noise = 0.1f;
  std::string data = RepositoryDataDir("vega");
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  FlagParser flags("lstm_timeseries");
  flags
      .Add("--series", &f->series, "sine, seattle (daily temp_max) or sf (hourly temp)",
           [](const std::string& v) { return v == "sine" || v == "seattle" || v == "sf"; })
      .Add("--window", &f->window, "past values the LSTM reads per prediction", [](int64_t v) { return v > 0; })
      .Add("--units", &f->units, "LSTM units", [](int64_t v) { return v > 0; })
      .Add("--epochs", &f->epochs, "epochs", [](int v) { return v > 0; })
      .Add("--batch_size", &f->batch, "windows per step", [](int v) { return v > 0; })
      .Add("--learning_rate", &f->lr, "Adam's learning rate", [](float v) { return v > 0; })
      .Add("--decay_rate", &f->decay_rate, "learning rate factor after each epoch",
           [](float v) { return v > 0 && v <= 1; })
      .Add("--seed", &f->seed, "seed (sine's phases and noise, initial weights, batch order)")
      .Add("--length", &f->length, "points of the sine series", [](int64_t v) { return v > 0; })
      .Add("--noise", &f->noise, "standard deviation of the sine series' noise", [](float v) { return v >= 0; })
      .Add("--data_dir", &f->data, "the Seattle CSV files")
      .Alias("--data");
  return flags.Parse(argc, argv);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "lstm_timeseries: %s\n", message.c_str());
  return 1;
}

std::vector<float> SineSeries(int64_t length, float noise, int64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> phase(0, 2 * M_PI);
  const double p1 = phase(rng), p2 = phase(rng), p3 = phase(rng);
  std::normal_distribution<double> gauss(0, noise > 0 ? noise : 1);
  std::vector<float> v(length);
  for (int64_t t = 0; t < length; ++t) {
    const double clean = std::sin(2 * M_PI * t / 40 + p1) + 0.5 * std::sin(2 * M_PI * t / 15 + p2) +
                         0.3 * std::sin(2 * M_PI * t / 170 + p3);
    v[t] = static_cast<float>(clean + (noise > 0 ? gauss(rng) : 0));
  }
  return v;
}

// The windows whose target (the point after the window) lies in [begin, end): inputs
// [count, window] and targets [count] of the normalized series.
struct Windows {
  Tensor x, y;
  std::vector<int64_t> targets;  // the target's index in the series, per window
};

Windows MakeWindows(const std::vector<float>& z, int64_t window, int64_t begin, int64_t end) {
  Windows w;
  for (int64_t t = std::max(begin, window); t < end; ++t) w.targets.push_back(t);
  const int64_t n = static_cast<int64_t>(w.targets.size());
  w.x = Tensor(DT_FLOAT, TensorShape{n, window});
  w.y = Tensor(DT_FLOAT, TensorShape{n});
  float* x = w.x.flat<float>().data();
  float* y = w.y.flat<float>().data();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = w.targets[i];
    std::copy(z.begin() + (t - window), z.begin() + t, x + i * window);
    y[i] = z[t];
  }
  return w;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;

  std::vector<float> series;
  if (flags.series == "sine") {
    series = SineSeries(flags.length, flags.noise, flags.seed);
  } else {
    const bool seattle = flags.series == "seattle";
    const std::string path = absl::StrCat(flags.data, seattle ? "/seattle-weather.csv" : "/sf-temps.csv");
    if (!FileExists(path)) {
      return Fail(absl::StrCat("no ", path, ": tools/setup.sh unpacks it from the Debian package ",
                               "python3-vega-datasets into data/vega, or pass --data_dir DIR"));
    }
    auto column = ReadCsvColumn(path, seattle ? "temp_max" : "temp");
    if (!column.ok()) return Fail(std::string(column.status().message()));
    series = std::move(*column);
  }
  const int64_t n = static_cast<int64_t>(series.size());
  const int64_t train_end = n * 70 / 100, val_end = n * 85 / 100;
  if (train_end <= flags.window || val_end <= train_end || n <= val_end) {
    return Fail(absl::StrCat("a series of ", n, " points is too short for --window ", flags.window,
                             ": the first 70% (training) must be longer than the window and the "
                             "validation and test parts non-empty"));
  }
  double mean = 0, var = 0;
  for (int64_t t = 0; t < train_end; ++t) mean += series[t];
  mean /= train_end;
  for (int64_t t = 0; t < train_end; ++t) var += (series[t] - mean) * (series[t] - mean);
  const double stddev = std::sqrt(var / train_end);
  if (!(stddev > 0)) return Fail("the training part of the series is constant: nothing to normalize by");
  std::vector<float> z(n);
  for (int64_t t = 0; t < n; ++t) z[t] = static_cast<float>((series[t] - mean) / stddev);
  const Windows train = MakeWindows(z, flags.window, 0, train_end);
  const Windows val = MakeWindows(z, flags.window, train_end, val_end);
  const Windows test = MakeWindows(z, flags.window, val_end, n);
  std::printf("series %s: %lld points (train %lld, val %lld, test %lld windows of %lld), train mean %.4f std %.4f\n",
              flags.series.c_str(), static_cast<long long>(n), static_cast<long long>(train.targets.size()),
              static_cast<long long>(val.targets.size()), static_cast<long long>(test.targets.size()),
              static_cast<long long>(flags.window), mean, stddev);

  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, flags.window});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_FLOAT, {-1});
  auto lr = ops::PlaceholderWithDefault(root.WithOpName("learning_rate"), ops::Const(root, flags.lr), {});
  // [n, W] -> time-major [W, n, 1].
  auto steps = ops::Transpose(root, ops::Reshape(root, x, {int64_t{-1}, flags.window, int64_t{1}}), {1, 0, 2});
  layers::LSTMBlockFusedCellOptions lstm_options;
  lstm_options.kernel_init = init::GlorotUniform(flags.seed);
  layers::LSTMBlockFusedCellOutput lstm =
      layers::LSTMBlockFusedCell(root.NewSubScope("lstm_fused_cell"), steps, flags.units, lstm_options);
  auto prediction = ops::Reshape(root.WithOpName("prediction"),
                                 layers::Dense(root.NewSubScope("dense"), lstm.h, 1, nullptr,
                                               init::GlorotUniform(flags.seed + 1)),
                                 {int64_t{-1}});
  auto squared_error = ops::Square(root, ops::Sub(root, prediction, y));
  auto loss = ops::Mean(root.WithOpName("loss"), squared_error, {0});
  auto sum_squared_error = ops::Sum(root.WithOpName("sum_squared_error"), squared_error, {0});
  Operation train_op = train::AdamOptimizer(lr).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  if (!root.ok()) return Fail(std::string(root.status().message()));

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));

  // The RMSE over `w` in the series' units: the normalized one times the standard deviation.
  auto rmse = [&](const Windows& w) {
    SLUICE_CHECK_OK(session.Run({{x, w.x}, {y, w.y}}, {sum_squared_error}, {}, &out));
    return std::sqrt(out[0].scalar<float>() / static_cast<double>(w.targets.size())) * stddev;
  };

  const int64_t num_train = static_cast<int64_t>(train.targets.size());
  std::vector<int64_t> order(num_train);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  float learning_rate = flags.lr;
  double first_loss = 0, last_loss = 0, best_val = INFINITY, best_test = 0;
  int best_epoch = 0;
  for (int epoch = 1; epoch <= flags.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    int64_t num_steps = 0;
    for (int64_t begin = 0; begin < num_train; begin += flags.batch) {
      const int64_t count = std::min<int64_t>(flags.batch, num_train - begin);
      SLUICE_CHECK_OK(session.Run({{x, GatherRows(train.x, order, begin, count)},
                                   {y, GatherRows(train.y, order, begin, count)},
                                   {lr, Tensor::Scalar<float>(learning_rate)}},
                                  {loss}, {train_op}, &out));
      loss_sum += out[0].scalar<float>();
      ++num_steps;
    }
    const double train_loss = loss_sum / num_steps;
    if (epoch == 1) first_loss = train_loss;
    last_loss = train_loss;
    const double val_rmse = rmse(val);
    if (val_rmse < best_val) {
      best_val = val_rmse;
      best_test = rmse(test);
      best_epoch = epoch;
    }
    std::printf("epoch %d train_loss %.5f val_rmse %.4f\n", epoch, train_loss, val_rmse);
    std::fflush(stdout);
    learning_rate *= flags.decay_rate;
  }

  if (best_epoch == 0) {
    return Fail(absl::StrCat("no epoch reached a finite validation RMSE (training diverged; try a lower ",
                             "--learning_rate than ", flags.lr, ")"));
  }
  double last_value_se = 0;
  for (int64_t t : test.targets) last_value_se += (series[t] - series[t - 1]) * (series[t] - series[t - 1]);
  const double last_value_rmse = std::sqrt(last_value_se / static_cast<double>(test.targets.size()));
  std::printf("best epoch %d (val_rmse %.4f)\n", best_epoch, best_val);
  std::printf("loss_ratio=%.2f\n", first_loss / last_loss);
  std::printf("last_value_rmse=%.4f\n", last_value_rmse);
  std::printf("test_rmse=%.4f\n", best_test);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
