// Rating prediction and recommendation on MovieLens "latest-small" (671 users, 9 125 movies,
// 100 004 ratings), three models over the same seeded 90/10 per-user split:
//
//   mf:  matrix factorization, u_i . m_j + b_u + b_m + b_global, L2 on the looked-up embeddings
//   dnn: user embedding, the mean-pooled embeddings of the user's rated movies and their
//        embeddings (a second table) weighted by the user's centred ratings, movie embedding,
//        its genres (multi-hot) and year -> dense ReLU -> dropout -> dense ReLU -> dropout ->
//        rating (plus the biases and the dot product of the user and movie parts)
//   fm:  a factorization machine over one-hot user, one-hot movie and the movie's genres
//        (normalized to sum 1): w0 + sum w_i x_i + sum_{i<j} <v_i, v_j> x_i x_j
//
// all trained on the squared error with Adam.
//
//   mf_recsys [--model mf|dnn|fm] [--data DIR (default: the repository's data/ml-latest-small)]
//             [--epochs N] [--max_steps N (stop after N steps; 0: no limit)] [--batch_size 128]
//             [--learning_rate X] [--decay_rate R (learning rate times R after each epoch; 1)]
//             [--dim N (16; dnn 32)] [--l2 X] [--dropout 0.5 (dnn)] [--hidden 128 (dnn: then hidden / 2)]
//             [--seed 1] [--user 1 (userId to recommend for)] [--rank_users N (the ranking
//             metrics of the first N users only; 0: all)]
//             [--checkpoint_dir DIR (default mf_recsys_ckpt)] [--patience N (early stopping: stop
//             after N epochs without a better validation RMSE and go back to the best epoch's
//             checkpoint; 0: train every epoch)]
//
// Defaults per model (epochs, learning rate, l2, patience, dim): mf and fm 3, 5e-3, 0.1, none, 16;
// dnn 12, 1e-3, 0.2, 2, 32 (seed 1 stops after epoch 8 and goes back to epoch 6's 0.8497; dim 16
// reached 0.8524, l2 0.4 and 0.8, or lr 2e-3 decayed by 0.7 an epoch, did worse). The
// L2 penalty is l2 / 2 times the squared norms of the batch's looked-up embeddings (dnn: also of
// the pooled history and the biases) over the batch size. Each dnn training row's history
// leaves out the movie it rates (validation movies are never in the history). The seed fixes
// the split, the initial values, dropout and the batch order. Predictions are clipped to the
// ratings' range [0.5, 5] for evaluation (the loss sees them unclipped).
//
// Rankings run in the graph: TopKV2 over each user's scores with the movies rated in training
// masked to -inf (mf: u . m_j + b_m from the embeddings, for many users per run; dnn and fm: the
// model's prediction for every movie), and over the cosine similarities of the movie embeddings.
//
// Prints per epoch the training RMSE (of a fixed sample of 10 000 training ratings), the
// validation RMSE and the seconds the epoch took; then on the validation set RMSE, MAE, ROC AUC
// (ratings >= 4 positive), and, ranking for each user every movie not rated in training,
// NDCG@10, precision@10 and recall@10, "strict" (relevant: the user's validation movies rated
// >= 4) and "normal" (relevant: all the user's validation movies), per user then averaged; the
// 10 movies whose embeddings are most similar (cosine) to "Toy Story (1995)"'s (among the movies
// with at least 20 training ratings). It saves a train::Saver checkpoint, restores it into a new
// session and prints the top 10 movies for --user from the restored model. The last line is
// `val_rmse=X.XXXX`.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/file_io.h"
#include "examples/common/flags.h"
#include "examples/common/mnist.h"
#include "examples/common/movielens.h"
#include "examples/common/recsys_metrics.h"
#include "examples/common/recsys_retrieval.h"
#include "sluice.h"

namespace sluice {
namespace {

constexpr int kTopK = 10;
constexpr int64_t kEvalBatch = 8192;
constexpr int64_t kDnnEvalBatch = 1024;  // each row with its own history
constexpr size_t kRankBatch = 128;        // mf: users ranked per run
constexpr size_t kTrainRmseSample = 10000;
// Movies with fewer training ratings keep embeddings close to their random start; the similar
// movies are chosen among the others.
constexpr int64_t kMinRatingsForSimilar = 20;

struct Flags {
  std::string model = "mf";
  std::string data = RepositoryDataDir("ml-latest-small");
  int epochs = -1;  // -1: the model's default
  int64_t max_steps = 0;
  int batch = 128;
  float lr = -1;
  int64_t dim = -1;  // -1: the model's default
  float l2 = -1;
  float decay_rate = 1;  // the learning rate times this after each epoch
  float dropout = 0.5f;
  int64_t hidden = 128;
  int64_t seed = 1;
  int64_t user = 1;
  int64_t rank_users = 0;  // rank for the first N users only; 0: all
  int patience = -1;       // early stopping after N epochs without improvement; 0: none; -1: the model's default
  std::string checkpoint_dir = "mf_recsys_ckpt";
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  auto non_empty = [](const std::string& v) { return !v.empty(); };
  FlagParser flags("mf_recsys");
  flags
      .Add("--model", &f->model, "mf, dnn or fm",
           [](const std::string& v) { return v == "mf" || v == "dnn" || v == "fm"; })
      .Add("--data_dir", &f->data, "the MovieLens CSV files", non_empty)
      .Alias("--data")
      .Add("--epochs", &f->epochs, "epochs; -1: the model's (mf, fm 3; dnn 12)", [](int v) { return v >= 0; })
      .Add("--max_steps", &f->max_steps, "stop after N steps (0: no limit)", [](int64_t v) { return v >= 0; })
      .Add("--batch_size", &f->batch, "ratings per step", [](int v) { return v > 0; })
      .Add("--learning_rate", &f->lr, "Adam's learning rate; -1: the model's (mf, fm 5e-3; dnn 1e-3)",
           [](float v) { return v > 0; })
      .Add("--decay_rate", &f->decay_rate, "learning rate factor after each epoch",
           [](float v) { return v > 0 && v <= 1; })
      .Add("--dim", &f->dim, "embedding size; -1: the model's (mf, fm 16; dnn 32)", [](int64_t v) { return v > 0; })
      .Add("--l2", &f->l2, "L2 penalty; -1: the model's (mf, fm 0.1; dnn 0.2)", [](float v) { return v >= 0; })
      .Add("--dropout", &f->dropout, "dropout rate (dnn)", [](float v) { return v >= 0 && v < 1; })
      .Add("--hidden", &f->hidden, "first hidden layer's units (dnn)", [](int64_t v) { return v > 0; })
      .Add("--seed", &f->seed, "seed")
      .Add("--user", &f->user, "userId to recommend for")
      .Add("--rank_users", &f->rank_users, "ranking metrics of the first N users only (0: all)",
           [](int64_t v) { return v >= 0; })
      .Add("--checkpoint_dir", &f->checkpoint_dir, "where the checkpoint goes", non_empty)
      .Add("--patience", &f->patience,
           "early stopping after N epochs without a better validation RMSE, 0: none; -1: the model's (mf, fm 0; dnn 2)",
           [](int v) { return v >= 0; });
  if (!flags.Parse(argc, argv)) return false;
  const bool dnn = f->model == "dnn";
  if (f->epochs < 0) f->epochs = dnn ? 12 : 3;
  if (f->lr < 0) f->lr = dnn ? 1e-3f : 5e-3f;
  if (f->l2 < 0) f->l2 = dnn ? 0.2f : 0.1f;
  if (f->patience < 0) f->patience = dnn ? 2 : 0;
  if (f->dim < 0) f->dim = dnn ? 32 : 16;
  return true;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "mf_recsys: %s\n", std::string(s.message()).c_str());
  return 1;
}

Tensor Int64Tensor(const std::vector<int64_t>& v) {
  Tensor t(DT_INT64, TensorShape{static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}
// Flattened (row, column) pairs as an int64 [n, 2] tensor.
Tensor PairsTensor(const std::vector<int64_t>& pairs) {
  Tensor t(DT_INT64, TensorShape{static_cast<int64_t>(pairs.size() / 2), 2});
  std::copy(pairs.begin(), pairs.end(), t.data<int64_t>());
  return t;
}
Tensor FloatTensor(const std::vector<float>& v) {
  Tensor t(DT_FLOAT, TensorShape{static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

// The history as TF's SparseTensor of ids: row s holds segment s's ids (hist_segment is
// sorted, as the SparseSegment ops under embedding_lookup_sparse require), column j the id's
// position in the batch's list, dense shape [num_segments, N].
ops::SparseIds HistoryIds(const Scope& scope, const Output& hist_ids, const Output& hist_segment,
                          const Output& num_segments) {
  auto n = ops::Cast(scope, ops::Size(scope, hist_ids), DT_INT64);
  auto position = ops::Range(scope, ops::Const(scope, int64_t{0}), n, ops::Const(scope, int64_t{1}));
  return {ops::Pack(scope, {hist_segment, position}, 1), hist_ids, ops::Pack(scope, {num_segments, n})};
}

// tf.nn.embedding_lookup_sparse's rows for each segment (rows without ids are zero; trailing
// empty segments, which it leaves out, padded back), gathered to the batch rows of each segment:
// [rows, dim].
Output SegmentRows(const Scope& scope, const Output& combined, const Output& num_segments, const Output& row_segment,
                   int64_t dim) {
  auto have = ops::Cast(scope, ops::Slice(scope, ops::Shape(scope, combined), {0}, {1}), DT_INT64);
  auto missing = ops::Sub(scope, ops::Reshape(scope, num_segments, {1}), have);
  auto zero = ops::Const(scope, Tensor::FromVector(std::vector<int64_t>{0}));
  auto paddings = ops::Reshape(scope, ops::ConcatV2(scope, {zero, missing, zero, zero}, ops::Const(scope, 0)), {2, 2});
  auto padded = ops::Reshape(scope, ops::Pad(scope, combined, paddings), {int64_t{-1}, dim});
  return ops::GatherV2(scope, padded, row_segment, ops::Const(scope, int64_t{0}));
}

// The mean of each segment's history embeddings, gathered to the rows that belong to it: rows of
// segment s get mean(table[hist_ids[j]] for the j with hist_segment[j] == s), as
// tf.nn.embedding_lookup_sparse(table, sp_ids, None, combiner="mean") computes it.
Output MeanPooledHistory(const Scope& scope, const Output& table, const Output& hist_ids, const Output& hist_segment,
                         const Output& num_segments, const Output& row_segment) {
  auto pooled = ops::EmbeddingLookupSparse(scope, {table}, HistoryIds(scope, hist_ids, hist_segment, num_segments),
                                           std::nullopt, "mean");
  return SegmentRows(scope, pooled, num_segments, row_segment, table.shape().dim(1));
}

// Each segment's history embeddings weighted by the user's ratings of them, centred (w = rating
// - the global mean) and divided by the segment's count, summed: embedding_lookup_sparse's "sum"
// combiner with those sp_weights.
Output RatingWeightedHistory(const Scope& scope, const Output& table, const Output& hist_ids,
                             const Output& hist_weights, const Output& hist_segment, const Output& num_segments,
                             const Output& row_segment) {
  auto summed = ops::EmbeddingLookupSparse(scope, {table}, HistoryIds(scope, hist_ids, hist_segment, num_segments),
                                           hist_weights, "sum");
  return SegmentRows(scope, summed, num_segments, row_segment, table.shape().dim(1));
}

// The graph's inputs. The history inputs are used by the dnn model only.
struct Inputs {
  Output user, movie, rating, training;
  Output hist_ids, hist_weights, hist_segment, num_segments, row_segment;
  // Retrieval: the users to rank for (mf: a row each), the movie to find similar ones to, and
  // the (row, movie) pairs to leave out of a ranking.
  Output rank_users, query_movie, exclude;
};

struct Model {
  Output prediction;  // [n] predicted ratings (not clipped: the loss's)
  Output loss;        // the training loss
  // Every movie's score for each user ranked: [users, movies]. mf: by the embeddings of
  // rank_users (u . m_j + b_m; the user and global biases do not change the order); the others:
  // the prediction for one user and every movie (Feeder::ForAllMovies), as a row.
  Output scores;
  Variable movie_embedding;  // for the most similar movies
};

Output Lookup(const Scope& scope, const Variable& table, const Output& ids) {
  return ops::GatherV2(scope, table.value(), ids, ops::Const(scope, int64_t{0}));
}
Output SquaredSum(const Scope& scope, const Output& x) { return ops::Sum(scope, ops::Square(scope, x), {0, 1}); }

Model BuildMf(const Scope& root, const Inputs& in, const MovieLens& data, float global_mean, const Flags& f) {
  Scope s = root.NewSubScope("mf");
  Model m;
  const int64_t d = f.dim, seed = f.seed;
  Variable user_embedding(s.WithOpName("user_embedding"), TensorShape{data.num_users(), d},
                          init::RandomNormal(0.0f, 0.1f, seed));
  m.movie_embedding = Variable(s.WithOpName("movie_embedding"), TensorShape{data.num_movies(), d},
                               init::RandomNormal(0.0f, 0.1f, seed + 1));
  Variable user_bias(s.WithOpName("user_bias"), TensorShape{data.num_users(), 1}, init::Zeros());
  Variable movie_bias(s.WithOpName("movie_bias"), TensorShape{data.num_movies(), 1}, init::Zeros());
  Variable global_bias(s.WithOpName("global_bias"), TensorShape{1}, init::Constant(global_mean));
  auto ue = Lookup(s, user_embedding, in.user), me = Lookup(s, m.movie_embedding, in.movie);
  m.prediction = ops::Identity(root.WithOpName("prediction"),
                               ops::Sum(s, ops::Mul(s, ue, me), {1}) +
                                   ops::Squeeze(s, Lookup(s, user_bias, in.user), {1}) +
                                   ops::Squeeze(s, Lookup(s, movie_bias, in.movie), {1}) + global_bias.value());
  auto mse = ops::Mean(s, ops::Square(s, m.prediction - in.rating), {0});
  m.loss = mse + ops::Const(s, 0.5f * f.l2 / f.batch) * (SquaredSum(s, ue) + SquaredSum(s, me));
  m.scores = ops::MatMul(s, Lookup(s, user_embedding, in.rank_users), m.movie_embedding.value(), false,
                         /*transpose_b=*/true) +
             ops::Reshape(s, movie_bias.value(), {int64_t{1}, int64_t{-1}});
  return m;
}

Model BuildDnn(const Scope& root, const Inputs& in, const MovieLens& data, const Tensor& genres, const Tensor& years,
               float global_mean, const Flags& f) {
  Scope s = root.NewSubScope("dnn");
  Model m;
  const int64_t d = f.dim, seed = f.seed;
  Variable user_embedding(s.WithOpName("user_embedding"), TensorShape{data.num_users(), d},
                          init::RandomNormal(0.0f, 0.1f, seed));
  m.movie_embedding = Variable(s.WithOpName("movie_embedding"), TensorShape{data.num_movies(), d},
                               init::RandomNormal(0.0f, 0.1f, seed + 1));
  Variable history_embedding(s.WithOpName("history_embedding"), TensorShape{data.num_movies(), d},
                             init::RandomNormal(0.0f, 0.1f, seed + 2));
  Variable user_bias(s.WithOpName("user_bias"), TensorShape{data.num_users(), 1}, init::Zeros());
  Variable movie_bias(s.WithOpName("movie_bias"), TensorShape{data.num_movies(), 1}, init::Zeros());
  Variable global_bias(s.WithOpName("global_bias"), TensorShape{1}, init::Constant(global_mean));
  auto zero = ops::Const(s, int64_t{0});
  auto ue = Lookup(s, user_embedding, in.user), me = Lookup(s, m.movie_embedding, in.movie);
  auto history = MeanPooledHistory(s.NewSubScope("history"), history_embedding.value(), in.hist_ids,
                                   in.hist_segment, in.num_segments, in.row_segment);
  auto movie_genres = ops::GatherV2(s, ops::Const(s.WithOpName("genres"), genres), in.movie, zero);
  auto movie_year = ops::GatherV2(s, ops::Const(s.WithOpName("years"), years), in.movie, zero);
  Variable rated_embedding(s.WithOpName("rated_embedding"), TensorShape{data.num_movies(), d},
                           init::RandomNormal(0.0f, 0.1f, seed + 8));
  auto rated = RatingWeightedHistory(s.NewSubScope("rated"), rated_embedding.value(), in.hist_ids, in.hist_weights,
                                     in.hist_segment, in.num_segments, in.row_segment);
  auto user_part = ue + history + rated;
  auto x = ops::ConcatV2(s, {ue, history, rated, me, movie_genres, movie_year}, ops::Const(s, 1));
  auto h = layers::Dense(s.NewSubScope("dense1"), x, f.hidden, ops::Relu, init::GlorotUniform(seed + 3));
  h = layers::Dropout(s.NewSubScope("dropout1"), h, f.dropout, in.training, seed + 4);
  h = layers::Dense(s.NewSubScope("dense2"), h, f.hidden / 2, ops::Relu, init::GlorotUniform(seed + 5));
  h = layers::Dropout(s.NewSubScope("dropout2"), h, f.dropout, in.training, seed + 6);
  auto out = ops::Squeeze(s, layers::Dense(s.NewSubScope("out"), h, 1, nullptr, init::GlorotUniform(seed + 7)), {1});
  m.prediction = ops::Identity(root.WithOpName("prediction"),
                               out + ops::Sum(s, ops::Mul(s, user_part, me), {1}) +
                                   ops::Squeeze(s, Lookup(s, user_bias, in.user), {1}) +
                                   ops::Squeeze(s, Lookup(s, movie_bias, in.movie), {1}) + global_bias.value());
  auto mse = ops::Mean(s, ops::Square(s, m.prediction - in.rating), {0});
  auto ub = Lookup(s, user_bias, in.user), mb = Lookup(s, movie_bias, in.movie);
  m.loss = mse + ops::Const(s, 0.5f * f.l2 / f.batch) * (SquaredSum(s, ue) + SquaredSum(s, me) +
                                                         SquaredSum(s, history) + SquaredSum(s, rated) +
                                                         SquaredSum(s, ub) + SquaredSum(s, mb));
  m.scores = ops::Reshape(s, m.prediction, {int64_t{1}, int64_t{-1}});
  return m;
}

Model BuildFm(const Scope& root, const Inputs& in, const MovieLens& data, const Tensor& genres, float global_mean,
              const Flags& f) {
  Scope s = root.NewSubScope("fm");
  Model m;
  const int64_t d = f.dim, seed = f.seed, g = genres.dim_size(1);
  Variable user_factors(s.WithOpName("user_factors"), TensorShape{data.num_users(), d},
                        init::RandomNormal(0.0f, 0.1f, seed));
  m.movie_embedding = Variable(s.WithOpName("movie_factors"), TensorShape{data.num_movies(), d},
                               init::RandomNormal(0.0f, 0.1f, seed + 1));
  Variable genre_factors(s.WithOpName("genre_factors"), TensorShape{g, d}, init::RandomNormal(0.0f, 0.1f, seed + 2));
  Variable user_weight(s.WithOpName("user_weight"), TensorShape{data.num_users(), 1}, init::Zeros());
  Variable movie_weight(s.WithOpName("movie_weight"), TensorShape{data.num_movies(), 1}, init::Zeros());
  Variable genre_weight(s.WithOpName("genre_weight"), TensorShape{g, 1}, init::Zeros());
  Variable w0(s.WithOpName("w0"), TensorShape{1}, init::Constant(global_mean));
  auto x_genres = ops::GatherV2(s, ops::Const(s.WithOpName("genres"), genres), in.movie, ops::Const(s, int64_t{0}));
  auto vu = Lookup(s, user_factors, in.user), vm = Lookup(s, m.movie_embedding, in.movie);
  // sum_{i<j} <v_i, v_j> x_i x_j = 1/2 sum_f ((sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2); user and
  // movie are one-hot (x = 1), the genres' x their normalized weights.
  auto sum_vx = vu + vm + ops::MatMul(s, x_genres, genre_factors.value());
  auto sum_v2x2 = ops::Square(s, vu) + ops::Square(s, vm) +
                  ops::MatMul(s, ops::Square(s, x_genres), ops::Square(s, genre_factors.value()));
  auto pairwise = ops::Const(s, 0.5f) * ops::Sum(s, ops::Square(s, sum_vx) - sum_v2x2, {1});
  auto linear = w0.value() + ops::Squeeze(s, Lookup(s, user_weight, in.user), {1}) +
                ops::Squeeze(s, Lookup(s, movie_weight, in.movie), {1}) +
                ops::Squeeze(s, ops::MatMul(s, x_genres, genre_weight.value()), {1});
  m.prediction = ops::Identity(root.WithOpName("prediction"), linear + pairwise);
  auto mse = ops::Mean(s, ops::Square(s, m.prediction - in.rating), {0});
  m.loss = mse + ops::Const(s, 0.5f * f.l2 / f.batch) *
                     (SquaredSum(s, vu) + SquaredSum(s, vm) + SquaredSum(s, genre_factors.value()));
  m.scores = ops::Reshape(s, m.prediction, {int64_t{1}, int64_t{-1}});
  return m;
}

// What one batch feeds: the rows' users, movies and ratings and (dnn) the users' histories.
class Feeder {
 public:
  // history[u]: the training ratings of user u (indices into data).
  Feeder(const Inputs& in, const MovieLens& data, const std::vector<std::vector<int64_t>>& history, float global_mean,
         bool dnn)
      : in_(in), data_(data), history_(history), global_mean_(global_mean), dnn_(dnn) {}

  // Feeds for the ratings `idx` (indices into data), with the training flag; each row's history
  // leaves out the row's movie.
  std::vector<std::pair<Output, Tensor>> ForRatings(const std::vector<int64_t>& idx, bool training) const {
    std::vector<int64_t> users, movies;
    std::vector<float> ratings;
    for (int64_t i : idx) {
      users.push_back(data_.user[i]);
      movies.push_back(data_.movie[i]);
      ratings.push_back(data_.rating[i]);
    }
    return Feeds(users, movies, ratings, training, /*leave_one_out=*/true);
  }

  // Feeds for `user` and every movie (ratings 0: not used), with the user's whole history.
  std::vector<std::pair<Output, Tensor>> ForAllMovies(int64_t user) const {
    std::vector<int64_t> users(data_.num_movies(), user), movies(data_.num_movies());
    std::iota(movies.begin(), movies.end(), 0);
    return Feeds(users, movies, std::vector<float>(users.size(), 0.0f), false, /*leave_one_out=*/false);
  }

 private:
  std::vector<std::pair<Output, Tensor>> Feeds(const std::vector<int64_t>& users, const std::vector<int64_t>& movies,
                                               const std::vector<float>& ratings, bool training,
                                               bool leave_one_out) const {
    std::vector<std::pair<Output, Tensor>> feeds = {{in_.user, Int64Tensor(users)},
                                                    {in_.movie, Int64Tensor(movies)},
                                                    {in_.rating, FloatTensor(ratings)},
                                                    {in_.training, Tensor::Scalar(training)}};
    if (!dnn_) return feeds;
    std::vector<int64_t> hist_ids, hist_segment, row_segment;
    std::vector<float> hist_weights;
    int64_t num_segments = 0;
    // The ratings `ratings` of a segment: their movies, and their centred ratings over the count.
    auto add_segment = [&](const std::vector<int64_t>& ratings, int64_t movie_left_out) {
      const size_t first = hist_ids.size();
      for (int64_t i : ratings) {
        if (data_.movie[i] == movie_left_out) continue;
        hist_ids.push_back(data_.movie[i]);
        hist_weights.push_back(data_.rating[i] - global_mean_);
        hist_segment.push_back(num_segments);
      }
      const float count = static_cast<float>(std::max<size_t>(hist_ids.size() - first, 1));
      for (size_t j = first; j < hist_ids.size(); ++j) hist_weights[j] /= count;
      return num_segments++;
    };
    if (leave_one_out) {
      // A segment per row: the user's training movies but the row's own, so that training sees
      // the movie it predicts outside the history, as validation does.
      for (size_t r = 0; r < users.size(); ++r) row_segment.push_back(add_segment(history_[users[r]], movies[r]));
    } else {
      // A segment per distinct user, in order of appearance.
      absl::flat_hash_map<int64_t, int64_t> segment_of;
      for (int64_t u : users) {
        auto [it, added] = segment_of.emplace(u, num_segments);
        if (added) add_segment(history_[u], -1);
        row_segment.push_back(it->second);
      }
    }
    feeds.push_back({in_.hist_ids, Int64Tensor(hist_ids)});
    feeds.push_back({in_.hist_weights, FloatTensor(hist_weights)});
    feeds.push_back({in_.hist_segment, Int64Tensor(hist_segment)});
    feeds.push_back({in_.num_segments, Tensor::Scalar(num_segments)});
    feeds.push_back({in_.row_segment, Int64Tensor(row_segment)});
    return feeds;
  }

  const Inputs& in_;
  const MovieLens& data_;
  const std::vector<std::vector<int64_t>>& history_;
  float global_mean_;
  bool dnn_;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;
  auto loaded = LoadMovieLens(flags.data);
  if (!loaded.ok()) {
    return Fail(Status(loaded.status().code(),
                       absl::StrCat(loaded.status().message(),
                                    " (tools/setup.sh puts MovieLens latest-small in data/ml-latest-small; or pass "
                                    "--data DIR)")));
  }
  const MovieLens& data = *loaded;
  const int64_t user_index = data.UserIndex(flags.user);
  if (user_index < 0) return Fail(errors::InvalidArgument("--user ", flags.user, " has no ratings in ", flags.data));
  const RatingSplit split = SplitPerUser(data, 0.1, static_cast<uint64_t>(flags.seed));
  if (split.validation.empty()) {
    return Fail(errors::InvalidArgument(flags.data, ": too few ratings per user to hold 10% out for validation"));
  }
  std::printf("%lld users, %lld movies, %lld ratings: %zu for training, %zu for validation\n",
              static_cast<long long>(data.num_users()), static_cast<long long>(data.num_movies()),
              static_cast<long long>(data.num_ratings()), split.train.size(), split.validation.size());

  double rating_sum = 0;
  for (int64_t i : split.train) rating_sum += data.rating[i];
  const float global_mean = static_cast<float>(rating_sum / split.train.size());
  std::vector<std::vector<int64_t>> history(data.num_users());  // training ratings per user
  for (int64_t i : split.train) history[data.user[i]].push_back(i);
  // Movie features: genres multi-hot (fm: normalized to sum 1) and the year, scaled.
  const int64_t num_genres = static_cast<int64_t>(data.genre_names.size());
  Tensor genres(DT_FLOAT, TensorShape{data.num_movies(), num_genres});
  Tensor years(DT_FLOAT, TensorShape{data.num_movies(), 1});
  std::fill_n(genres.data<float>(), genres.NumElements(), 0.0f);
  for (int64_t j = 0; j < data.num_movies(); ++j) {
    const Movie& movie = data.movies[j];
    for (int32_t g : movie.genres) {
      genres.data<float>()[j * num_genres + g] = flags.model == "fm" ? 1.0f / movie.genres.size() : 1.0f;
    }
    years.data<float>()[j] = movie.year > 0 ? (movie.year - 1990) / 20.0f : 0.0f;
  }

  Scope root = Scope::NewRootScope();
  Inputs in;
  in.user = ops::Placeholder(root.WithOpName("user"), DT_INT64, {-1});
  in.movie = ops::Placeholder(root.WithOpName("movie"), DT_INT64, {-1});
  in.rating = ops::Placeholder(root.WithOpName("rating"), DT_FLOAT, {-1});
  in.training = ops::PlaceholderWithDefault(root.WithOpName("training"), false, TensorShape{});
  const bool dnn = flags.model == "dnn";
  if (dnn) {
    in.hist_ids = ops::Placeholder(root.WithOpName("history_ids"), DT_INT64, {-1});
    in.hist_weights = ops::Placeholder(root.WithOpName("history_weights"), DT_FLOAT, {-1});
    in.hist_segment = ops::Placeholder(root.WithOpName("history_segment"), DT_INT64, {-1});
    in.num_segments = ops::Placeholder(root.WithOpName("num_segments"), DT_INT64, TensorShape{});
    in.row_segment = ops::Placeholder(root.WithOpName("row_segment"), DT_INT64, {-1});
  }
  in.rank_users = ops::Placeholder(root.WithOpName("rank_users"), DT_INT64, {-1});
  in.query_movie = ops::Placeholder(root.WithOpName("query_movie"), DT_INT64, {-1});
  in.exclude = ops::Placeholder(root.WithOpName("exclude"), DT_INT64, {-1, 2});
  Model model = flags.model == "mf"  ? BuildMf(root, in, data, global_mean, flags)
                : dnn                ? BuildDnn(root, in, data, genres, years, global_mean, flags)
                                     : BuildFm(root, in, data, genres, global_mean, flags);
  Variable global_step = train::CreateGlobalStep(root);
  const int64_t steps_per_epoch = (static_cast<int64_t>(split.train.size()) + flags.batch - 1) / flags.batch;
  train::Hyperparameter lr = flags.lr;
  if (flags.decay_rate < 1) {
    lr = train::ExponentialDecay(root, flags.lr, global_step.value(), steps_per_epoch, flags.decay_rate,
                                 /*staircase=*/true);
  }
  Operation train_op = train::AdamOptimizer(lr).Minimize(root, model.loss, {}, &global_step);
  Operation init = ops::GlobalVariablesInitializer(root);
  // Evaluation clips the predictions to the ratings' range; the loss sees them unclipped.
  Output prediction = ops::ClipByValue(root.WithOpName("clipped_prediction"), model.prediction, 0.5f, 5.0f);
  // Retrieval in the graph: the best unrated movies per user, and the most similar movies.
  ops::TopKOutput recommended = recsys::MaskedTopK(root.NewSubScope("recommend"), model.scores, in.exclude, kTopK);
  ops::TopKOutput similar = recsys::MaskedTopK(
      root.NewSubScope("similar"),
      recsys::CosineSimilarity(root.NewSubScope("similar"), model.movie_embedding.value(), in.query_movie), in.exclude,
      kTopK);
  train::Saver saver(root);  // after the optimizer: its slots are saved too
  if (!root.ok()) return Fail(root.status());
  if (!saver.status().ok()) return Fail(saver.status());

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));
  const Feeder feeder(in, data, history, global_mean, dnn);

  // Predictions for the ratings `idx`, in batches.
  auto predict = [&](Session& sess, const std::vector<int64_t>& idx) {
    std::vector<float> pred;
    pred.reserve(idx.size());
    const size_t batch = dnn ? kDnnEvalBatch : kEvalBatch;
    for (size_t begin = 0; begin < idx.size(); begin += batch) {
      std::vector<int64_t> part(idx.begin() + begin, idx.begin() + std::min(idx.size(), begin + batch));
      std::vector<Tensor> result;
      SLUICE_CHECK_OK(sess.Run(feeder.ForRatings(part, false), {prediction}, {}, &result));
      pred.insert(pred.end(), result[0].flat<float>().begin(), result[0].flat<float>().end());
    }
    return pred;
  };
  auto truth_of = [&](const std::vector<int64_t>& idx) {
    std::vector<float> truth;
    for (int64_t i : idx) truth.push_back(data.rating[i]);
    return truth;
  };
  // The training RMSE is measured on a fixed sample of the training ratings (the dnn's rows each
  // carry their own history, which makes all 90 000 slow to evaluate).
  std::vector<int64_t> train_sample = split.train;
  std::shuffle(train_sample.begin(), train_sample.end(), std::mt19937_64(flags.seed + 1));
  train_sample.resize(std::min<size_t>(train_sample.size(), kTrainRmseSample));
  std::sort(train_sample.begin(), train_sample.end());
  const std::vector<float> train_truth = truth_of(train_sample), val_truth = truth_of(split.validation);
  auto rmse = [](const std::vector<float>& p, const std::vector<float>& t) { return *recsys::Rmse(p, t); };
  // The global mean's validation RMSE: what a model has to beat.
  std::printf("baseline (global mean %.3f): val_rmse %.4f\n", global_mean,
              rmse(std::vector<float>(val_truth.size(), global_mean), val_truth));

  std::vector<int64_t> order = split.train;
  std::mt19937_64 rng(flags.seed);
  const int64_t n = static_cast<int64_t>(order.size());
  int64_t step = 0;
  bool stopped = false;
  double val_rmse = rmse(predict(session, split.validation), val_truth);
  Status dir_status = RecursivelyCreateDir(flags.checkpoint_dir);
  if (!dir_status.ok()) return Fail(dir_status);
  const std::string prefix = flags.checkpoint_dir + "/model";
  train::EarlyStopping stopper({.patience = flags.patience, .mode = train::EarlyStopping::Mode::kMin});
  std::string best_path;  // the checkpoint of the best epoch so far (--patience)
  for (int epoch = 1; epoch <= flags.epochs && !stopped; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    auto start = std::chrono::steady_clock::now();
    int64_t epoch_steps = 0;
    for (int64_t i = 0; i < steps_per_epoch; ++i) {
      if (flags.max_steps > 0 && step >= flags.max_steps) {
        stopped = true;
        break;
      }
      const int64_t begin = i * flags.batch, count = std::min<int64_t>(flags.batch, n - begin);
      std::vector<int64_t> batch(order.begin() + begin, order.begin() + begin + count);
      SLUICE_CHECK_OK(session.Run(feeder.ForRatings(batch, true), {}, {train_op}, &out));
      ++step;
      ++epoch_steps;
    }
    if (epoch_steps == 0) break;
    const double train_secs = Seconds(start);
    const double train_rmse = rmse(predict(session, train_sample), train_truth);
    val_rmse = rmse(predict(session, split.validation), val_truth);
    std::printf("epoch %d/%d%s  %lld steps  train_rmse %.4f  val_rmse %.4f  %.1f s (training %.1f s)\n", epoch,
                flags.epochs, epoch_steps < steps_per_epoch ? " (stopped by --max_steps)" : "",
                static_cast<long long>(epoch_steps), train_rmse, val_rmse, Seconds(start), train_secs);
    std::fflush(stdout);
    if (flags.patience > 0) {
      stopped = stopper.Update(val_rmse) || stopped;
      if (stopper.best_epoch() == epoch - 1) {
        Status saved = saver.Save(session, prefix, step, &best_path);
        if (!saved.ok()) return Fail(saved);
      }
      if (stopper.should_stop()) std::printf("early stopping: no improvement for %d epochs\n", flags.patience);
    }
  }
  std::printf("trained %lld steps\n", static_cast<long long>(step));
  if (flags.patience > 0 && !best_path.empty() && stopper.best() < val_rmse) {
    Status restored = saver.Restore(session, best_path);
    if (!restored.ok()) return Fail(restored);
    val_rmse = stopper.best();
    std::printf("restored the best epoch's model (epoch %d, val_rmse %.4f)\n", stopper.best_epoch() + 1, val_rmse);
  }

  // The top kTopK movies each of `users` has not rated in training, ranked in the graph
  // (TopKV2 over the scores with the rated movies masked to -inf).
  auto recommend = [&](Session& sess, const std::vector<int64_t>& users) {
    std::vector<std::vector<int64_t>> top;
    const size_t chunk = flags.model == "mf" ? kRankBatch : 1;
    for (size_t begin = 0; begin < users.size(); begin += chunk) {
      std::vector<int64_t> part(users.begin() + begin, users.begin() + std::min(users.size(), begin + chunk));
      std::vector<std::pair<Output, Tensor>> feeds;
      if (flags.model == "mf") {
        feeds.push_back({in.rank_users, Int64Tensor(part)});
      } else {
        feeds = feeder.ForAllMovies(part[0]);
      }
      std::vector<int64_t> pairs;
      for (size_t r = 0; r < part.size(); ++r) {
        for (int64_t i : history[part[r]]) pairs.insert(pairs.end(), {static_cast<int64_t>(r), int64_t{data.movie[i]}});
      }
      feeds.push_back({in.exclude, PairsTensor(pairs)});
      std::vector<Tensor> result;
      SLUICE_CHECK_OK(sess.Run(feeds, {recommended.values, recommended.indices}, {}, &result));
      for (size_t r = 0; r < part.size(); ++r) {
        std::vector<int64_t>& row = top.emplace_back();
        for (int j = 0; j < kTopK; ++j) {  // -inf: a rated movie, when fewer than kTopK are left
          if (std::isfinite(result[0].flat<float>()[r * kTopK + j])) row.push_back(result[1].flat<int32_t>()[r * kTopK + j]);
        }
      }
    }
    return top;
  };

  // Validation metrics.
  const std::vector<float> val_pred = predict(session, split.validation);
  std::vector<bool> positive;
  for (float r : val_truth) positive.push_back(r >= 4.0f);
  auto auc = recsys::RocAuc(val_pred, positive);
  if (!auc.ok()) return Fail(auc.status());
  std::vector<absl::flat_hash_set<int64_t>> relevant_all(data.num_users()), relevant_liked(data.num_users());
  for (int64_t i : split.validation) {
    relevant_all[data.user[i]].insert(data.movie[i]);
    if (data.rating[i] >= 4.0f) relevant_liked[data.user[i]].insert(data.movie[i]);
  }
  const int64_t rank_users = flags.rank_users > 0 ? std::min(flags.rank_users, data.num_users()) : data.num_users();
  relevant_all.resize(rank_users);
  relevant_liked.resize(rank_users);
  std::vector<int64_t> ranked_users(rank_users);
  std::iota(ranked_users.begin(), ranked_users.end(), 0);
  auto rank_start = std::chrono::steady_clock::now();
  const std::vector<std::vector<int64_t>> rankings = recommend(session, ranked_users);
  auto strict = recsys::MeanRankingMetrics(rankings, relevant_liked, kTopK);
  auto normal = recsys::MeanRankingMetrics(rankings, relevant_all, kTopK);
  if (!strict.ok() || !normal.ok()) return Fail(strict.ok() ? normal.status() : strict.status());
  std::printf("validation (%s): rmse %.4f  mae %.4f  auc %.4f (ratings >= 4 positive)\n", flags.model.c_str(),
              val_rmse, *recsys::Mae(val_pred, val_truth), *auc);
  std::printf("ranking all unrated movies per user (%.1f s):\n", Seconds(rank_start));
  std::printf("  strict (relevant: rated >= 4, %lld users): ndcg@10 %.4f  precision@10 %.4f  recall@10 %.4f\n",
              static_cast<long long>(strict->users), strict->ndcg, strict->precision, strict->recall);
  std::printf("  normal (relevant: rated, %lld users):      ndcg@10 %.4f  precision@10 %.4f  recall@10 %.4f\n",
              static_cast<long long>(normal->users), normal->ndcg, normal->precision, normal->recall);

  // Most similar movies by embedding.
  const int64_t toy_story = data.MovieIndex("Toy Story (1995)");
  if (toy_story >= 0) {
    std::vector<int64_t> movie_count(data.num_movies(), 0);
    for (int64_t i : split.train) ++movie_count[data.movie[i]];
    std::vector<int64_t> left_out = {0, toy_story};  // (row 0, movie) pairs: itself and the rare movies
    for (int64_t j = 0; j < data.num_movies(); ++j) {
      if (movie_count[j] < kMinRatingsForSimilar && j != toy_story) left_out.insert(left_out.end(), {0, j});
    }
    SLUICE_CHECK_OK(session.Run({{in.query_movie, Int64Tensor({toy_story})}, {in.exclude, PairsTensor(left_out)}},
                                {similar.values, similar.indices}, {}, &out));
    std::printf("most similar to Toy Story (1995) by %s embedding (cosine; movies with >= %lld ratings):\n",
                flags.model.c_str(), static_cast<long long>(kMinRatingsForSimilar));
    for (int j = 0; j < kTopK; ++j) {
      const float sim = out[0].flat<float>()[j];
      if (std::isfinite(sim)) std::printf("  %.3f  %s\n", sim, data.movies[out[1].flat<int32_t>()[j]].title.c_str());
    }
  }

  // Checkpoint, restored into a new session, then recommendations for --user.
  SLUICE_CHECK_OK(session.Run({}, {global_step.value()}, {}, &out));
  std::string path;
  Status s = saver.Save(session, prefix, out[0].scalar<int64_t>(), &path);
  if (!s.ok()) return Fail(s);
  std::printf("saved checkpoint %s\n", path.c_str());
  Session restored(root);
  s = saver.Restore(restored, path);
  if (!s.ok()) return Fail(s);
  std::vector<Tensor> result;
  SLUICE_CHECK_OK(restored.Run(feeder.ForAllMovies(user_index), {prediction}, {}, &result));
  std::printf("top %d movies for user %lld (from the restored checkpoint; predicted rating):\n", kTopK,
              static_cast<long long>(flags.user));
  const std::vector<std::vector<int64_t>> top = recommend(restored, {user_index});
  for (int64_t j : top[0]) {
    std::printf("  %.2f  %s\n", result[0].flat<float>()[j], data.movies[j].title.c_str());
  }
  std::printf("val_rmse=%.4f\n", val_rmse);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
