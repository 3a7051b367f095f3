// End-to-end workload benchmarks, the sluice side of ../shared/bench/torch_anchor.py: the same
// workloads and shapes, printed as `name value unit` lines with the anchor's names.
//
//   sluice_bench [--data DIR] [--intra-op-threads N] [workload...]
//       workloads: mlp lenet lstm tiny mf mf_dnn pipeline (default: all but pipeline, which writes
//       1.6 GB of TFRecord files the first time)
//
// --intra-op-threads N sets SessionOptions::intra_op_threads (default 0: adapt to the load).
//
// mlp:  one MNIST epoch of a 784-256-10 ReLU MLP, softmax cross-entropy, batch 128, SGD lr 0.1,
//       469 steps in data order; prints mlp_epoch_s (the training loop only) and test accuracy.
// lenet: 100 training steps of a LeNet (conv 5x5x32 SAME + ReLU, max-pool 2x2, conv 5x5x64 SAME +
//       ReLU, max-pool 2x2, dense 1024 ReLU, dense 10; Glorot-uniform kernels, zero biases),
//       softmax cross-entropy, batch 64, Adam 1e-4, batches in data order; prints
//       lenet_100_steps_s (the training loop only).
// lstm: 100 training steps of examples/rnn_mnist's model (MNIST rows as 28 steps of 28 pixels,
//       time-major, through a 128-unit LSTM, one fused BlockLSTM; dense 10 from the final h;
//       Glorot-uniform kernels, zero biases, forget_bias 1), softmax cross-entropy, batch 64,
//       Adam 1e-3, batches in data order; prints lstm_100_steps_s (the training loop only).
// mf:   one epoch of matrix factorization over 100 000 synthetic ratings (671 users, 9 125
//       movies, ratings 0.5..5): u . m + b_u + b_m + b_global, embeddings dim 16 and biases
//       random normal (stddev 1), loss mean squared error + 0.01 * 0.5 * (|u|^2 + |m|^2) / 128 of
//       the batch's embeddings, Adam 1e-3, batch 128 in data order (the mf_epoch of
//       bench/tf_anchor.py and ../shared/bench/torch_anchor.py); prints mf_epoch_s.
// mf_dnn: one epoch of a smaller form of examples/mf_recsys's dnn model (no rating-weighted
//       history, narrower layers, less dropout) on the same kind of synthetic data, each movie
//       with 20 random genres (each with probability 0.1) and a year in [0, 1), each user's
//       history the movies of their ratings: [user emb, mean of the history's embeddings, movie
//       emb, genres, year] -> dense 64 ReLU -> dropout 0.2 -> dense 32 ReLU -> dropout 0.2 ->
//       dense 1, plus (user emb + history) . movie emb + b_u + b_m + b_global; dim 16, embeddings
//       random normal (stddev 0.1), dense kernels Glorot uniform, loss mean squared error +
//       0.01 * 0.5 * (|u|^2 + |m|^2 + |history|^2) / 128, Adam 1e-3, batch 128 in data order (the
//       mf_dnn_epoch of bench/tf_anchor.py); prints mf_dnn_epoch_s.
// pipeline: the input pipeline of examples/autoencoder_recsys over 100 000 Examples of 3 952
//       floats (movie_ratings, 2% of them nonzero) in 10 TFRecord files under
//       $SLUICE_PIPELINE_DIR (default build/bench_pipeline; written on first use, then reused, also by
//       bench/tf_anchor.py pipeline): TFRecordDataset -> Map(ParseSingleExample) -> Shuffle(500,
//       seed 1) -> Batch(16) -> Prefetch(1), one Session::Run per batch fetching its sum and size;
//       prints pipeline_records_per_s. Then a training step of the autoencoder (3 952 -> 128 ->
//       128 -> 128 sigmoid -> 3 952, masked squared error, Adam 5e-4) fed by the same pipeline
//       with Repeat(), with and without the Prefetch(1): pipeline_step_ms and
//       pipeline_step_noprefetch_ms (the mean of 200 steps after 50 warm-up steps).
// tiny: Session::Run of a cached plan for y = a * b + c on fed scalars; prints tiny_run_us, then
// the same through a Callable (Session::MakeCallable); prints tiny_callable_us.
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/env.h"
#include "core/example_util.h"
#include "core/file_io.h"
#include "core/record_io.h"
#include "examples/common/mnist.h"
#include "sluice.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }


SessionOptions options;

int MlpEpoch(const std::string& data) {
  auto train_set = LoadMnist(data, true);
  auto test_set = LoadMnist(data, false);
  if (!train_set.ok() || !test_set.ok()) {
    std::fprintf(stderr, "sluice_bench mlp: %s\n",
                 std::string((train_set.ok() ? test_set.status() : train_set.status()).message()).c_str());
    return 1;
  }
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  auto h = layers::Dense(root.NewSubScope("hidden"), x, 256, ops::Relu, init::GlorotUniform(1));
  auto logits = layers::Dense(root.NewSubScope("out"), h, 10, nullptr, init::GlorotUniform(2));
  auto loss = ops::Mean(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  auto accuracy = ops::Mean(root, ops::Cast(root, ops::Equal(root, ops::ArgMax(root, logits, 1), y), DT_FLOAT), {0});
  Operation train_op = train::GradientDescentOptimizer(0.1f).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  Session session(root, options);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  // Batches are cut before timing, as the anchor slices tensors that are already in memory.
  std::vector<std::pair<Tensor, Tensor>> batches;
  const int64_t n = train_set->images.dim_size(0);
  for (int64_t i = 0; i < n; i += 128) {
    int64_t count = std::min<int64_t>(128, n - i);
    batches.emplace_back(Rows(train_set->images, i, count), Rows(train_set->labels, i, count));
  }
  auto start = Clock::now();
  for (const auto& [bx, by] : batches) SLUICE_CHECK_OK(session.Run({{x, bx}, {y, by}}, {}, {train_op}, &out));
  double secs = Seconds(start);
  SLUICE_CHECK_OK(session.Run({{x, test_set->images}, {y, test_set->labels}}, {accuracy}, {}, &out));
  std::printf("mlp_epoch_s %.3f s  (test_acc %.4f)\n", secs, out[0].scalar<float>());
  return 0;
}

int LstmSteps(const std::string& data) {
  auto train_set = LoadMnist(data, true);
  if (!train_set.ok()) {
    std::fprintf(stderr, "sluice_bench lstm: %s\n", std::string(train_set.status().message()).c_str());
    return 1;
  }
  constexpr int kSteps = 100, kBatch = 64, kUnits = 128;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 784});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  auto rows = ops::Transpose(root, ops::Reshape(root, x, {-1, 28, 28}), {1, 0, 2});
  layers::LSTMBlockFusedCellOptions lstm_options;
  lstm_options.kernel_init = init::GlorotUniform(1);
  auto lstm = layers::LSTMBlockFusedCell(root.NewSubScope("lstm_fused_cell"), rows, kUnits, lstm_options);
  auto logits = layers::Dense(root.NewSubScope("dense"), lstm.h, 10, nullptr, init::GlorotUniform(2));
  auto loss = ops::Mean(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  Operation train_op = train::AdamOptimizer(1e-3f).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  Session session(root, options);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  const int64_t n = train_set->images.dim_size(0);
  std::vector<std::pair<Tensor, Tensor>> batches;
  for (int step = 0; step < kSteps; ++step) {
    int64_t i = (static_cast<int64_t>(step) * kBatch) % n;
    int64_t count = std::min<int64_t>(kBatch, n - i);
    batches.emplace_back(Rows(train_set->images, i, count), Rows(train_set->labels, i, count));
  }
  auto start = Clock::now();
  for (const auto& [bx, by] : batches) SLUICE_CHECK_OK(session.Run({{x, bx}, {y, by}}, {}, {train_op}, &out));
  double secs = Seconds(start);
  SLUICE_CHECK_OK(session.Run({{x, batches.back().first}, {y, batches.back().second}}, {loss}, {}, &out));
  std::printf("lstm_100_steps_s %.3f s  (last batch loss %.3f)\n", secs, out[0].scalar<float>());
  return 0;
}

int LenetSteps(const std::string& data) {
  auto train_set = LoadMnist(data, true);
  if (!train_set.ok()) {
    std::fprintf(stderr, "sluice_bench lenet: %s\n", std::string(train_set.status().message()).c_str());
    return 1;
  }
  constexpr int kSteps = 100, kBatch = 64;
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 28, 28, 1});
  auto y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
  const std::vector<int> unit = {1, 1, 1, 1}, pool = {1, 2, 2, 1};
  // What tf.layers.conv2d(x, filters, 5, padding="same", activation=tf.nn.relu) builds.
  auto conv_relu = [&](const Scope& scope, const Output& in, int64_t in_channels, int64_t filters, int64_t seed) {
    Variable kernel(scope.WithOpName("kernel"), TensorShape{5, 5, in_channels, filters}, init::GlorotUniform(seed));
    Variable bias(scope.WithOpName("bias"), TensorShape{filters}, init::Zeros());
    return ops::Relu(scope, ops::BiasAdd(scope, ops::Conv2D(scope, in, kernel, unit, "SAME"), bias));
  };
  auto a = ops::MaxPool(root, conv_relu(root.NewSubScope("conv1"), x, 1, 32, 1), pool, pool, "VALID");
  a = ops::MaxPool(root, conv_relu(root.NewSubScope("conv2"), a, 32, 64, 2), pool, pool, "VALID");
  auto h = layers::Dense(root.NewSubScope("dense1"), ops::Reshape(root, a, {-1, 7 * 7 * 64}), 1024, ops::Relu,
                         init::GlorotUniform(3));
  auto logits = layers::Dense(root.NewSubScope("dense2"), h, 10, nullptr, init::GlorotUniform(4));
  auto loss = ops::Mean(root, ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
  Operation train_op = train::AdamOptimizer(1e-4f).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  Session session(root, options);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  const int64_t n = train_set->images.dim_size(0);
  std::vector<std::pair<Tensor, Tensor>> batches;
  for (int step = 0; step < kSteps; ++step) {
    int64_t i = (static_cast<int64_t>(step) * kBatch) % n;
    int64_t count = std::min<int64_t>(kBatch, n - i);
    Tensor bx = Rows(train_set->images, i, count);
    Tensor image(DT_FLOAT, TensorShape{count, 28, 28, 1});
    std::memcpy(image.raw_data(), bx.raw_data(), bx.TotalBytes());
    batches.emplace_back(std::move(image), Rows(train_set->labels, i, count));
  }
  auto start = Clock::now();
  for (const auto& [bx, by] : batches) SLUICE_CHECK_OK(session.Run({{x, bx}, {y, by}}, {}, {train_op}, &out));
  double secs = Seconds(start);
  SLUICE_CHECK_OK(session.Run({{x, batches.back().first}, {y, batches.back().second}}, {loss}, {}, &out));
  std::printf("lenet_100_steps_s %.3f s  (last batch loss %.3f)\n", secs, out[0].scalar<float>());
  return 0;
}

// The synthetic ratings of the mf workloads: users, movies and ratings (0.5 .. 5 in halves).
struct SyntheticRatings {
  static constexpr int64_t kUsers = 671, kMovies = 9125, kRatings = 100000, kDim = 16, kBatch = 128;
  std::vector<int64_t> users, movies;
  std::vector<float> ratings;
  SyntheticRatings() {
    std::mt19937_64 rng(0);
    std::uniform_int_distribution<int64_t> user(0, kUsers - 1), movie(0, kMovies - 1), rating(1, 10);
    for (int64_t i = 0; i < kRatings; ++i) {
      users.push_back(user(rng));
      movies.push_back(movie(rng));
      ratings.push_back(rating(rng) / 2.0f);
    }
  }
};

template <typename T>
Tensor VectorTensor(DataType dtype, typename std::vector<T>::const_iterator begin, int64_t n) {
  Tensor t(dtype, TensorShape{n});
  std::copy(begin, begin + n, t.data<T>());
  return t;
}

Output Rows0(const Scope& s, const Output& table, const Output& ids) {
  return ops::GatherV2(s, table, ids, ops::Const(s, int64_t{0}));
}

int MfEpoch() {
  using R = SyntheticRatings;
  const R data;
  Scope root = Scope::NewRootScope();
  auto u = ops::Placeholder(root.WithOpName("u"), DT_INT64, {-1});
  auto m = ops::Placeholder(root.WithOpName("m"), DT_INT64, {-1});
  auto r = ops::Placeholder(root.WithOpName("r"), DT_FLOAT, {-1});
  Variable users(root.WithOpName("U"), TensorShape{R::kUsers, R::kDim}, init::RandomNormal(0, 1, 1));
  Variable movies(root.WithOpName("M"), TensorShape{R::kMovies, R::kDim}, init::RandomNormal(0, 1, 2));
  Variable bu(root.WithOpName("bu"), TensorShape{R::kUsers, 1}, init::RandomNormal(0, 1, 3));
  Variable bm(root.WithOpName("bm"), TensorShape{R::kMovies, 1}, init::RandomNormal(0, 1, 4));
  Variable bg(root.WithOpName("bg"), TensorShape{1}, init::Zeros());
  auto ue = Rows0(root, users.value(), u), me = Rows0(root, movies.value(), m);
  auto pred = ops::Sum(root, ue * me, {1}) + ops::Squeeze(root, Rows0(root, bu.value(), u), {1}) +
              ops::Squeeze(root, Rows0(root, bm.value(), m), {1}) + bg.value();
  auto loss = ops::Mean(root, ops::Square(root, pred - r), {0}) +
              ops::Const(root, 0.01f * 0.5f / R::kBatch) *
                  (ops::Sum(root, ops::Square(root, ue), {0, 1}) + ops::Sum(root, ops::Square(root, me), {0, 1}));
  Operation train_op = train::AdamOptimizer(1e-3f).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  SLUICE_CHECK_OK(root.status());
  Session session(root, options);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  std::vector<std::vector<std::pair<Output, Tensor>>> batches;
  for (int64_t i = 0; i < R::kRatings; i += R::kBatch) {
    const int64_t n = std::min(R::kBatch, R::kRatings - i);
    batches.push_back({{u, VectorTensor<int64_t>(DT_INT64, data.users.begin() + i, n)},
                       {m, VectorTensor<int64_t>(DT_INT64, data.movies.begin() + i, n)},
                       {r, VectorTensor<float>(DT_FLOAT, data.ratings.begin() + i, n)}});
  }
  auto start = Clock::now();
  for (const auto& feeds : batches) SLUICE_CHECK_OK(session.Run(feeds, {}, {train_op}, &out));
  double secs = Seconds(start);
  SLUICE_CHECK_OK(session.Run(batches.back(), {loss}, {}, &out));
  std::printf("mf_epoch_s %.3f s  (last batch loss %.3f)\n", secs, out[0].scalar<float>());
  return 0;
}

int MfDnnEpoch() {
  using R = SyntheticRatings;
  constexpr int64_t kGenres = 20;
  const R data;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  Tensor genres(DT_FLOAT, TensorShape{R::kMovies, kGenres}), years(DT_FLOAT, TensorShape{R::kMovies, 1});
  for (int64_t i = 0; i < genres.NumElements(); ++i) genres.data<float>()[i] = unit(rng) < 0.1f ? 1.0f : 0.0f;
  for (int64_t i = 0; i < R::kMovies; ++i) years.data<float>()[i] = unit(rng);
  std::vector<std::vector<int64_t>> history(R::kUsers);
  for (int64_t i = 0; i < R::kRatings; ++i) history[data.users[i]].push_back(data.movies[i]);

  Scope root = Scope::NewRootScope();
  auto u = ops::Placeholder(root.WithOpName("u"), DT_INT64, {-1});
  auto m = ops::Placeholder(root.WithOpName("m"), DT_INT64, {-1});
  auto r = ops::Placeholder(root.WithOpName("r"), DT_FLOAT, {-1});
  // Row i's history: the ids hist_ids[j] with hist_row[j] == i.
  auto hist_ids = ops::Placeholder(root.WithOpName("hist_ids"), DT_INT64, {-1});
  auto hist_row = ops::Placeholder(root.WithOpName("hist_row"), DT_INT64, {-1});
  auto rows = ops::Placeholder(root.WithOpName("rows"), DT_INT64, TensorShape{});
  const float stddev = 0.1f;
  Variable users(root.WithOpName("U"), TensorShape{R::kUsers, R::kDim}, init::RandomNormal(0, stddev, 1));
  Variable movies(root.WithOpName("M"), TensorShape{R::kMovies, R::kDim}, init::RandomNormal(0, stddev, 2));
  Variable hist_table(root.WithOpName("H"), TensorShape{R::kMovies, R::kDim}, init::RandomNormal(0, stddev, 3));
  Variable bu(root.WithOpName("bu"), TensorShape{R::kUsers, 1}, init::Zeros());
  Variable bm(root.WithOpName("bm"), TensorShape{R::kMovies, 1}, init::Zeros());
  Variable bg(root.WithOpName("bg"), TensorShape{1}, init::Zeros());
  auto ue = Rows0(root, users.value(), u), me = Rows0(root, movies.value(), m);
  // The mean combiner of tf.nn.embedding_lookup_sparse, as examples/mf_recsys computes it.
  auto sums = ops::UnsortedSegmentSum(root, Rows0(root, hist_table.value(), hist_ids), hist_row, rows);
  auto counts = ops::UnsortedSegmentSum(root, ops::OnesLike(root, ops::Cast(root, hist_ids, DT_FLOAT)), hist_row, rows);
  auto hist = ops::Div(root, sums, ops::ExpandDims(root, ops::Maximum(root, counts, 1.0f), ops::Const(root, 1)));
  auto x = ops::ConcatV2(root,
                         {ue, hist, me, Rows0(root, ops::Const(root, genres), m), Rows0(root, ops::Const(root, years), m)},
                         ops::Const(root, 1));
  auto h = layers::Dense(root.NewSubScope("dense1"), x, 64, ops::Relu, init::GlorotUniform(4));
  h = layers::Dropout(root.NewSubScope("dropout1"), h, 0.2f, true, 5);
  h = layers::Dense(root.NewSubScope("dense2"), h, 32, ops::Relu, init::GlorotUniform(6));
  h = layers::Dropout(root.NewSubScope("dropout2"), h, 0.2f, true, 7);
  auto mlp = ops::Squeeze(root, layers::Dense(root.NewSubScope("out"), h, 1, nullptr, init::GlorotUniform(8)), {1});
  auto pred = mlp + ops::Sum(root, (ue + hist) * me, {1}) + ops::Squeeze(root, Rows0(root, bu.value(), u), {1}) +
              ops::Squeeze(root, Rows0(root, bm.value(), m), {1}) + bg.value();
  auto squares = [&](const Output& t) { return ops::Sum(root, ops::Square(root, t), {0, 1}); };
  auto loss = ops::Mean(root, ops::Square(root, pred - r), {0}) +
              ops::Const(root, 0.01f * 0.5f / R::kBatch) * (squares(ue) + squares(me) + squares(hist));
  Operation train_op = train::AdamOptimizer(1e-3f).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  SLUICE_CHECK_OK(root.status());
  Session session(root, options);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  std::vector<std::vector<std::pair<Output, Tensor>>> batches;
  for (int64_t i = 0; i < R::kRatings; i += R::kBatch) {
    const int64_t n = std::min(R::kBatch, R::kRatings - i);
    std::vector<int64_t> ids, id_rows;
    for (int64_t row = 0; row < n; ++row) {
      const std::vector<int64_t>& h = history[data.users[i + row]];
      ids.insert(ids.end(), h.begin(), h.end());
      id_rows.insert(id_rows.end(), h.size(), row);
    }
    batches.push_back({{u, VectorTensor<int64_t>(DT_INT64, data.users.begin() + i, n)},
                       {m, VectorTensor<int64_t>(DT_INT64, data.movies.begin() + i, n)},
                       {r, VectorTensor<float>(DT_FLOAT, data.ratings.begin() + i, n)},
                       {hist_ids, VectorTensor<int64_t>(DT_INT64, ids.begin(), ids.size())},
                       {hist_row, VectorTensor<int64_t>(DT_INT64, id_rows.begin(), id_rows.size())},
                       {rows, Tensor::Scalar(n)}});
  }
  auto start = Clock::now();
  for (const auto& feeds : batches) SLUICE_CHECK_OK(session.Run(feeds, {}, {train_op}, &out));
  double secs = Seconds(start);
  SLUICE_CHECK_OK(session.Run(batches.back(), {loss}, {}, &out));
  std::printf("mf_dnn_epoch_s %.3f s  (last batch loss %.3f)\n", secs, out[0].scalar<float>());
  return 0;
}

constexpr int64_t kPipelineRecords = 100000, kPipelineWidth = 3952, kPipelineFiles = 10, kPipelineBatch = 16;

std::string PipelineDir() {
  const char* dir = std::getenv("SLUICE_PIPELINE_DIR");
  return dir != nullptr && *dir != '\0' ? dir : "build/bench_pipeline";
}

// The pipeline's files, written first when the directory lacks them (a file "complete" marks a
// finished set, so an interrupted write is redone).
StatusOr<std::vector<std::string>> PipelineFiles() {
  const std::string dir = PipelineDir();
  std::vector<std::string> files;
  for (int64_t f = 0; f < kPipelineFiles; ++f) {
    files.push_back(absl::StrFormat("%s/ratings-%05d-of-%05d.tfrecord", dir, f, kPipelineFiles));
  }
  if (ReadFileToString(dir + "/complete").ok()) return files;
  std::fprintf(stderr, "[sluice_bench] writing %lld Examples of %lld floats into %s\n",
               static_cast<long long>(kPipelineRecords), static_cast<long long>(kPipelineWidth), dir.c_str());
  SLUICE_RETURN_IF_ERROR(RecursivelyCreateDir(dir));
  std::mt19937_64 rng(0);
  std::uniform_int_distribution<int> rated(0, 49), stars(1, 5);
  std::vector<float> ratings(kPipelineWidth);
  for (int64_t f = 0; f < kPipelineFiles; ++f) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> file, AtomicFileWriter::Create(files[f]));
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordWriter> writer, RecordWriter::Create(std::move(file)));
    for (int64_t r = 0; r < kPipelineRecords / kPipelineFiles; ++r) {
      for (float& v : ratings) v = rated(rng) == 0 ? static_cast<float>(stars(rng)) : 0.0f;
      SLUICE_RETURN_IF_ERROR(writer->WriteRecord(ExampleBuilder().AddFloats("movie_ratings", ratings).SerializeAsString()));
    }
    SLUICE_RETURN_IF_ERROR(writer->Close());
  }
  SLUICE_RETURN_IF_ERROR(WriteStringToFileAtomic(dir + "/complete", "ok\n"));
  return files;
}

// TFRecordDataset(files) -> Map(parse movie_ratings) -> Shuffle(500, 1) [-> Repeat()] -> Batch(16).
data::Dataset RatingsPipeline(const Scope& root, const std::vector<std::string>& files, bool repeat) {
  data::Dataset ds = data::TFRecordDataset(root, files)
                         .Map([](const Scope& s, const std::vector<Output>& record) {
                           return std::vector<Output>{ops::ParseSingleExample(s, record[0],
                               {ops::FixedLenFeature("movie_ratings", DT_FLOAT, {kPipelineWidth})})
                                                          .dense.at("movie_ratings")};
                         })
                         .Shuffle(500, 1);
  if (repeat) ds = ds.Repeat();
  return ds.Batch(kPipelineBatch);
}

int PipelineRun() {
  auto files = PipelineFiles();
  SLUICE_CHECK_OK(files.status());
  {
    Scope root = Scope::NewRootScope();
    data::Iterator it = RatingsPipeline(root, *files, false).Prefetch(1).MakeInitializableIterator();
    Output batch = it.GetNext()[0];
    Output sum = ops::ReduceSum(root, batch, {0, 1});
    Output size = ops::Slice(root, ops::Shape(root, batch), {0}, {1});
    SLUICE_CHECK_OK(root.status());
    Session session(root, options);
    SLUICE_CHECK_OK(session.Run({}, {}, {it.initializer}));
    std::vector<Tensor> out;
    int64_t records = 0;
    const auto start = Clock::now();
    for (;;) {
      Status s = session.Run({}, {sum, size}, {}, &out);
      if (absl::IsOutOfRange(s)) break;
      SLUICE_CHECK_OK(s);
      records += out[1].data<int32_t>()[0];
    }
    const double secs = Seconds(start);
    if (records != kPipelineRecords) {
      std::fprintf(stderr, "sluice_bench pipeline: read %lld records, not %lld\n", static_cast<long long>(records),
                   static_cast<long long>(kPipelineRecords));
      return 1;
    }
    std::printf("pipeline_records_per_s %.0f records/s  (%lld records in %.2f s)\n", records / secs,
                static_cast<long long>(records), secs);
  }
  for (bool prefetch : {true, false}) {
    Scope root = Scope::NewRootScope();
    data::Dataset ds = RatingsPipeline(root, *files, true);
    if (prefetch) ds = ds.Prefetch(1);
    data::Iterator it = ds.MakeInitializableIterator();
    Output x = it.GetNext()[0];
    Output h = x;
    for (int i = 0; i < 3; ++i) h = layers::Dense(root.NewSubScope(absl::StrCat("hidden", i)), h, 128, ops::Sigmoid);
    Output y = layers::Dense(root.NewSubScope("output"), h, kPipelineWidth);
    Output mask = ops::Cast(root, ops::NotEqual(root, x, 0.0f), DT_FLOAT);
    Output loss = ops::RealDiv(root, ops::ReduceSum(root, ops::Mul(root, mask, ops::SquaredDifference(root, y, x)), {0, 1}),
                               ops::Maximum(root, ops::ReduceSum(root, mask, {0, 1}), 1.0f));
    Operation train_op = train::AdamOptimizer(5e-4f).Minimize(root, loss);
    Operation init = ops::GlobalVariablesInitializer(root);
    SLUICE_CHECK_OK(root.status());
    Session session(root, options);
    SLUICE_CHECK_OK(session.Run({}, {}, {init, it.initializer}));
    std::vector<Tensor> out;
    for (int i = 0; i < 50; ++i) SLUICE_CHECK_OK(session.Run({}, {}, {train_op}, &out));
    constexpr int kSteps = 200;
    const auto start = Clock::now();
    for (int i = 0; i < kSteps; ++i) SLUICE_CHECK_OK(session.Run({}, {}, {train_op}, &out));
    const double ms = Seconds(start) / kSteps * 1e3;
    SLUICE_CHECK_OK(session.Run({}, {loss}, {}, &out));
    std::printf("%s %.3f ms  (loss %.3f)\n", prefetch ? "pipeline_step_ms" : "pipeline_step_noprefetch_ms", ms,
                out[0].scalar<float>());
  }
  return 0;
}

int TinyRun() {
  Scope root = Scope::NewRootScope();
  auto a = ops::Placeholder(root.WithOpName("a"), DT_FLOAT, TensorShape{});
  auto b = ops::Placeholder(root.WithOpName("b"), DT_FLOAT, TensorShape{});
  auto c = ops::Placeholder(root.WithOpName("c"), DT_FLOAT, TensorShape{});
  auto y = a * b + c;
  Session session(root, options);
  std::vector<std::pair<Output, Tensor>> feeds = {
      {a, Tensor::Scalar(1.0f)}, {b, Tensor::Scalar(2.0f)}, {c, Tensor::Scalar(3.0f)}};
  std::vector<Tensor> out;
  for (int i = 0; i < 1000; ++i) SLUICE_CHECK_OK(session.Run(feeds, {y}, &out));  // builds and warms the plan
  constexpr int kRuns = 100000;
  auto start = Clock::now();
  for (int i = 0; i < kRuns; ++i) SLUICE_CHECK_OK(session.Run(feeds, {y}, &out));
  double us = Seconds(start) / kRuns * 1e6;
  if (out[0].scalar<float>() != 5.0f) {
    std::fprintf(stderr, "sluice_bench tiny: wrong result %f\n", out[0].scalar<float>());
    return 1;
  }
  std::printf("tiny_run_us %.2f us\n", us);

  // The same signature as a Callable: no signature key, no cache lookup.
  auto callable = session.MakeCallable({a, b, c}, {y});
  SLUICE_CHECK_OK(callable.status());
  const std::vector<Tensor> values = {Tensor::Scalar(1.0f), Tensor::Scalar(2.0f), Tensor::Scalar(3.0f)};
  for (int i = 0; i < 1000; ++i) SLUICE_CHECK_OK(callable->Run(values, &out));
  start = Clock::now();
  for (int i = 0; i < kRuns; ++i) SLUICE_CHECK_OK(callable->Run(values, &out));
  us = Seconds(start) / kRuns * 1e6;
  if (out[0].scalar<float>() != 5.0f) {
    std::fprintf(stderr, "sluice_bench tiny: wrong callable result %f\n", out[0].scalar<float>());
    return 1;
  }
  std::printf("tiny_callable_us %.2f us\n", us);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  std::string data = sluice::RepositoryDataDir("mnist");
  std::vector<std::string> workloads;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (arg.rfind("--data=", 0) == 0) {
      data = arg.substr(7);
    } else if (arg == "--intra-op-threads" && i + 1 < argc) {
      sluice::options.intra_op_threads = std::atoi(argv[++i]);
    } else if (arg == "mlp" || arg == "lenet" || arg == "lstm" || arg == "tiny" || arg == "mf" || arg == "mf_dnn" ||
               arg == "pipeline") {
      workloads.push_back(arg);
    } else {
      std::fprintf(stderr,
                   "usage: sluice_bench [--data DIR] [--intra-op-threads N] [mlp|lenet|lstm|tiny|mf|mf_dnn|pipeline ...]\n");
      return 2;
    }
  }
  if (workloads.empty()) workloads = {"mlp", "lenet", "lstm", "tiny", "mf", "mf_dnn"};
  int rc = 0;
  for (const std::string& w : workloads) {
    rc |= w == "mlp"      ? sluice::MlpEpoch(data)
          : w == "lenet"  ? sluice::LenetSteps(data)
          : w == "lstm"   ? sluice::LstmSteps(data)
          : w == "mf"     ? sluice::MfEpoch()
          : w == "mf_dnn" ? sluice::MfDnnEpoch()
          : w == "pipeline" ? sluice::PipelineRun()
                          : sluice::TinyRun();
  }
  return rc;
}
