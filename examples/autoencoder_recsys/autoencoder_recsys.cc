// The deep autoencoder for collaborative filtering of the TF1 tutorial: each user's vector of
// movie ratings (0: not rated) goes through three sigmoid layers of 128 units and a linear
// output layer as wide as the input; the loss is the squared error over the rated entries only,
// divided by their count (optionally plus an L2 penalty of the kernels), minimized with Adam.
//
// Input comes from TFRecord files through the graph's input pipeline, exactly the tutorial's:
//
//   TFRecordDataset(files) -> map(parse_single_example {'movie_ratings': FixedLenFeature([W], float32)})
//     -> shuffle(500) -> repeat() -> batch(16) -> prefetch(1); an initializable iterator,
//
// initialized each epoch and run for ceil(users / batch) steps. The test pass zips the training
// records (unshuffled) with the test records: the i-th test record holds the held-out ratings
// of the i-th training record's user, and the test RMSE compares the model's output for the
// training record with them, over the held-out entries. It runs until the iterator reports the
// end of its sequence (OutOfRange).
//
//   autoencoder_recsys --make-tfrecords RATINGS_FILE OUT_DIR [--test_fraction 0.1] [--seed 1] [--shards 1]
//       converts MovieLens ratings (ratings.dat with "::", or ratings.csv) into OUT_DIR/train and
//       OUT_DIR/test (movies numbered densely: the width W is the number of distinct movies)
//   autoencoder_recsys [--train-dir DIR --test-dir DIR] [--epochs 10] [--batch_size 16]
//       [--learning_rate 5e-4] [--l2 0] [--hidden 128] [--seed 1] [--max_steps N] [--export_meta FILE]
//       trains; without --train-dir it converts the repository's data/ml-latest-small/ratings.csv
//       into data/autoencoder_recsys/{train,test} first
//
// Prints `epoch_nr: N, train_loss: X, test_loss: Y` per epoch (both RMSEs over rated entries;
// train_loss averages the epoch's batches) and finally `test_rmse=...`.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/env.h"
#include "core/record_io.h"
#include "examples/common/flags.h"
#include "examples/common/mnist.h"
#include "examples/common/rating_records.h"
#include "proto/example.pb.h"
#include "sluice.h"

namespace sluice {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "autoencoder_recsys: %s\n", std::string(s.message()).c_str());
  return 1;
}

// The number of records of `file`, and the width of the `movie_ratings` feature of its first.
struct RecordsInfo {
  int64_t records = 0, width = 0;
};
StatusOr<RecordsInfo> ReadRecordsInfo(const std::string& file) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordReader> reader, RecordReader::Open(file));
  RecordsInfo info;
  std::string first, record;
  for (;;) {
    Status s = reader->ReadRecord(info.records == 0 ? &first : &record);
    if (absl::IsOutOfRange(s)) break;
    SLUICE_RETURN_IF_ERROR(s);
    ++info.records;
  }
  if (info.records == 0) return errors::InvalidArgument(file, ": no records");
  Example example;
  if (!example.ParseFromString(first)) return errors::InvalidArgument(file, ": record 0 is not an Example");
  auto it = example.features().feature().find("movie_ratings");
  if (it == example.features().feature().end() || !it->second.has_float_list()) {
    return errors::InvalidArgument(file, ": record 0 has no float feature 'movie_ratings'");
  }
  info.width = it->second.float_list().value_size();
  return info;
}

// Records of `files` parsed into their rating vectors, a dataset of float [width] elements.
data::Dataset RatingVectorsDataset(const Scope& s, const std::vector<std::string>& files, int64_t width) {
  return data::TFRecordDataset(s, files).Map([width](const Scope& fs, const std::vector<Output>& record) {
    ops::ParsedFeatures parsed =
        ops::ParseSingleExample(fs, record[0], {ops::FixedLenFeature("movie_ratings", DT_FLOAT, {width})});
    return std::vector<Output>{parsed.dense.at("movie_ratings")};
  });
}

struct Flags {
  std::vector<std::string> make_tfrecords;
  std::string train_dir, test_dir;
  int epochs = 10;
  int batch = 16;
  float lr = 5e-4f;
  float l2 = 0;
  int64_t hidden = 128;
  int64_t seed = 1;
  int64_t max_steps = 0;
  double test_fraction = 0.1;
  int shards = 1;
  std::string export_meta;
};

int Convert(const Flags& f) {
  auto ratings = ReadRatingsFile(f.make_tfrecords[0]);
  if (!ratings.ok()) return Fail(ratings.status());
  const RatingVectors vectors = SplitRatings(*ratings, f.test_fraction, static_cast<uint64_t>(f.seed));
  if (ratings->duplicates > 0) {
    std::printf("%s: %lld ratings repeat a (user, movie) pair: the later ones kept\n", f.make_tfrecords[0].c_str(),
                static_cast<long long>(ratings->duplicates));
  }
  Status s = WriteRatingRecords(vectors, f.make_tfrecords[1], f.shards);
  if (!s.ok()) return Fail(s);
  std::printf("%zu users, %lld movies: %lld training and %lld test ratings in %s/{train,test}\n",
              vectors.user_ids.size(), static_cast<long long>(vectors.num_movies),
              static_cast<long long>(vectors.num_train_ratings), static_cast<long long>(vectors.num_test_ratings),
              f.make_tfrecords[1].c_str());
  return 0;
}

// The autoencoder's output for rating vectors x (variables under "autoencoder", shared by
// every call).
Output Autoencoder(const Scope& root, const Output& x, int64_t width, const Flags& f) {
  Scope s = VariableScope(root, "autoencoder", VariableReuse::kAutoReuse);
  layers::Regularizer l2 = nullptr;
  if (f.l2 > 0) l2 = [&f](const Scope& rs, const Output& w) { return ops::Mul(rs, f.l2, ops::L2Loss(rs, w)); };
  // The tutorial's initializer, N(0, 0.2), seeded differently per layer.
  auto init = [&f](int layer) { return init::RandomNormal(0.0f, 0.2f, f.seed * 16 + layer); };
  Output h = x;
  for (int i = 1; i <= 3; ++i) {
    h = layers::Dense(s.NewSubScope(absl::StrCat("hidden", i)), h, f.hidden, ops::Sigmoid, init(i), init::Zeros(), l2);
  }
  return layers::Dense(s.NewSubScope("output"), h, width, nullptr, init(4), init::Zeros(), l2);
}

// Sum of squared errors over the entries where `target` is nonzero, and their count.
std::pair<Output, Output> MaskedSquaredError(const Scope& s, const Output& prediction, const Output& target) {
  Output mask = ops::Cast(s, ops::NotEqual(s, target, 0.0f), DT_FLOAT);
  Output sse = ops::ReduceSum(s, ops::Mul(s, mask, ops::SquaredDifference(s, prediction, target)), {0, 1});
  return {sse, ops::ReduceSum(s, mask, {0, 1})};
}

int Train(Flags f) {
  if (f.train_dir.empty() != f.test_dir.empty()) {
    return Fail(errors::InvalidArgument("give both --train-dir and --test-dir, or neither"));
  }
  if (f.train_dir.empty()) {
    const std::string ratings = RepositoryDataDir("ml-latest-small") + "/ratings.csv";
    const std::string out = RepositoryDataDir("autoencoder_recsys");
    std::printf("converting %s into %s (--train-dir/--test-dir pick other records)\n", ratings.c_str(), out.c_str());
    Flags convert = f;
    convert.make_tfrecords = {ratings, out};
    if (int rc = Convert(convert); rc != 0) return rc;
    f.train_dir = out + "/train";
    f.test_dir = out + "/test";
  }
  auto train_files = ListTfRecordFiles(f.train_dir);
  if (!train_files.ok()) return Fail(train_files.status());
  auto test_files = ListTfRecordFiles(f.test_dir);
  if (!test_files.ok()) return Fail(test_files.status());
  int64_t users = 0, width = 0;
  for (const std::string& file : *train_files) {
    auto info = ReadRecordsInfo(file);
    if (!info.ok()) return Fail(info.status());
    if (width != 0 && info->width != width) {
      return Fail(errors::InvalidArgument(file, ": movie_ratings has ", info->width, " entries, ",
                                          train_files->front(), " ", width));
    }
    width = info->width;
    users += info->records;
  }

  Scope root = Scope::NewRootScope();
  // Training: the tutorial's pipeline.
  data::Dataset train_ds = RatingVectorsDataset(root.NewSubScope("train_data"), *train_files, width)
                               .Shuffle(500, f.seed)
                               .Repeat()
                               .Batch(f.batch)
                               .Prefetch(1);
  data::Iterator train_it = train_ds.MakeInitializableIterator("train_iterator");
  Output x = train_it.GetNext()[0];
  auto [sse, count] = MaskedSquaredError(root, Autoencoder(root, x, width, f), x);
  Output loss = ops::Identity(root.WithOpName("loss"), ops::RealDiv(root, sse, ops::Maximum(root, count, 1.0f)));
  Output total_loss = loss;
  if (f.l2 > 0) total_loss = ops::Add(root, loss, losses::GetRegularizationLoss(root));
  Variable global_step = train::CreateGlobalStep(root);
  Operation train_op = train::AdamOptimizer(f.lr).Minimize(root, total_loss, {}, &global_step);

  // Test: (training record, test record) pairs in file order.
  Scope ts = root.NewSubScope("test_data");
  data::Dataset test_ds = data::Zip(ts, {RatingVectorsDataset(ts, *train_files, width),
                                         RatingVectorsDataset(ts, *test_files, width)})
                              .Batch(256);
  data::Iterator test_it = test_ds.MakeInitializableIterator("test_iterator");
  std::vector<Output> pair = test_it.GetNext();
  auto [test_sse, test_count] = MaskedSquaredError(root, Autoencoder(root, pair[0], width, f), pair[1]);
  Operation init = ops::GlobalVariablesInitializer(root);
  // What `sluice train` runs of a .meta besides the train_op collection (Minimize adds to it): the
  // training iterator's initializer, at the start of each pass.
  root.AddToCollection("iterator_initializers", train_it.initializer.name());
  if (!root.status().ok()) return Fail(root.status());
  if (!f.export_meta.empty()) {
    train::Saver saver(root);
    if (Status s = ExportMetaGraph(root, &saver, f.export_meta); !s.ok()) return Fail(s);
  }

  Session session(root, SessionOptions{});
  if (Status s = session.Run({}, {}, {init}); !s.ok()) return Fail(s);
  const int64_t steps_per_epoch = (users + f.batch - 1) / f.batch;
  std::printf("%lld users, %lld movies; %lld steps an epoch\n", static_cast<long long>(users),
              static_cast<long long>(width), static_cast<long long>(steps_per_epoch));
  double test_rmse = 0, last_loss = 0;
  int64_t steps = 0;
  for (int epoch = 1; epoch <= f.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    if (Status s = session.Run({}, {}, {train_it.initializer}); !s.ok()) return Fail(s);
    double train_rmse_sum = 0;
    int64_t batches = 0;
    for (int64_t i = 0; i < steps_per_epoch && (f.max_steps == 0 || steps < f.max_steps); ++i, ++steps) {
      std::vector<Tensor> out;
      if (Status s = session.Run({}, {loss}, {train_op}, &out); !s.ok()) return Fail(s);
      last_loss = out[0].scalar<float>();
      train_rmse_sum += std::sqrt(last_loss);
      ++batches;
    }
    if (Status s = session.Run({}, {}, {test_it.initializer}); !s.ok()) return Fail(s);
    double sum = 0, n = 0;
    for (;;) {
      std::vector<Tensor> out;
      Status s = session.Run({}, {test_sse, test_count}, {}, &out);
      if (absl::IsOutOfRange(s)) break;
      if (!s.ok()) return Fail(s);
      sum += out[0].scalar<float>();
      n += out[1].scalar<float>();
    }
    test_rmse = n > 0 ? std::sqrt(sum / n) : 0.0;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch_nr: %d, train_loss: %.3f, test_loss: %.3f (%.1f s)\n", epoch,
                batches > 0 ? train_rmse_sum / batches : 0.0, test_rmse, seconds);
    std::fflush(stdout);
    if (f.max_steps > 0 && steps >= f.max_steps) break;
  }
  // The loss of the last step (what `sluice train --report loss:0` shows of the exported graph).
  std::printf("last_loss %.6g after %lld steps\n", last_loss, static_cast<long long>(steps));
  std::printf("test_rmse=%.4f\n", test_rmse);
  return 0;
}

int Main(int argc, char** argv) {
  Flags f;
  FlagParser parser("autoencoder_recsys");
  parser.AddList("--make-tfrecords", 2, &f.make_tfrecords, "RATINGS_FILE OUT_DIR: write TFRecords and stop")
      .Add("--train-dir", &f.train_dir, "the training records (*.tfrecord)")
      .Add("--test-dir", &f.test_dir, "the test records (*.tfrecord), one per training record")
      .Add("--epochs", &f.epochs, "epochs", [](int v) { return v >= 0; })
      .Add("--batch_size", &f.batch, "users per batch", [](int v) { return v > 0; })
      .Add("--learning_rate", &f.lr, "Adam's learning rate", [](float v) { return v > 0; })
      .Add("--l2", &f.l2, "L2 penalty (times the kernels' L2Loss)", [](float v) { return v >= 0; })
      .Add("--hidden", &f.hidden, "units of each hidden layer", [](int64_t v) { return v > 0; })
      .Add("--seed", &f.seed, "seed of the split, the initial values and the shuffle")
      .Add("--max_steps", &f.max_steps, "stop after N training steps (0: no limit)", [](int64_t v) { return v >= 0; })
      .Add("--test_fraction", &f.test_fraction, "share of each user's ratings held out (--make-tfrecords)",
           [](double v) { return v >= 0 && v < 1; })
      .Add("--shards", &f.shards, "files per split (--make-tfrecords)", [](int v) { return v > 0; })
      .Add("--export_meta", &f.export_meta, "write the training graph, pipeline included, as a .meta file");
  if (!parser.Parse(argc, argv)) return 2;
  return f.make_tfrecords.empty() ? Train(f) : Convert(f);
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
