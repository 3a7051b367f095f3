// Per-user rating vectors as TFRecord files of tf.train.Examples, the input of the autoencoder
// recommender (examples/autoencoder_recsys): MovieLens ratings, in `ratings.dat`
// ("UserID::MovieID::Rating::Timestamp", MovieLens 1M) or `ratings.csv` ("userId,movieId,rating,
// timestamp" with that header, MovieLens latest), become one Example per user whose
// `movie_ratings` feature is a float list of one entry per movie (0: not rated). Movies are
// numbered densely in ascending movieId order, so the width is the number of distinct movies.
//
// Each user's ratings are split by a seeded shuffle into training and held-out test ratings; the
// i-th record of the test files holds the test ratings of the user of the i-th training record.
#ifndef SLUICE_EXAMPLES_COMMON_RATING_RECORDS_H_
#define SLUICE_EXAMPLES_COMMON_RATING_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sluice {

struct RatingTriples {
  std::vector<int64_t> user_id, movie_id;
  std::vector<float> rating;
  int64_t duplicates = 0;  // lines that rated a (user, movie) again: the later rating replaced the earlier
};

// Reads a ratings file: "::"-separated when its first line contains "::", else CSV with the
// header "userId,movieId,rating,timestamp". Errors name the file and the line: a field that is
// not a number, a rating outside (0, 5], a wrong field count. A user rating a movie again
// replaces the earlier rating (counted in `duplicates`).
StatusOr<RatingTriples> ReadRatingsFile(const std::string& path);

struct RatingVectors {
  int64_t num_movies = 0;
  std::vector<int64_t> user_ids;     // ascending: row i is user user_ids[i]
  std::vector<int64_t> movie_ids;    // column j is movie movie_ids[j] (ascending)
  std::vector<std::vector<float>> train, test;  // [user][movie], 0 where not rated
  int64_t num_train_ratings = 0, num_test_ratings = 0;
};

// Splits each user's ratings: a shuffle seeded by `seed` (and the user id), then
// round(test_fraction * n) of the user's n ratings (at most n - 1) held out for test.
RatingVectors SplitRatings(const RatingTriples& ratings, double test_fraction, uint64_t seed);

// Writes `out_dir`/train/ratings-SSSSS-of-NNNNN.tfrecord and `out_dir`/test/... (the same names),
// `shards` files each, users in order (user i in shard i * shards / num_users), each file atomically.
Status WriteRatingRecords(const RatingVectors& vectors, const std::string& out_dir, int shards);

// The `*.tfrecord` files of `dir`, sorted by name; NotFound naming `dir` when there are none.
StatusOr<std::vector<std::string>> ListTfRecordFiles(const std::string& dir);

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_RATING_RECORDS_H_
