// MovieLens ratings (ratings.csv: userId,movieId,rating,timestamp) and movies (movies.csv:
// movieId,title,genres), as in the "latest-small" data set, with users and movies renumbered
// densely and a seeded per-user train/validation split.
#ifndef SLUICE_EXAMPLES_COMMON_MOVIELENS_H_
#define SLUICE_EXAMPLES_COMMON_MOVIELENS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace sluice {

struct Movie {
  int64_t id = 0;                 // movieId in the files
  std::string title;              // e.g. "Toy Story (1995)"
  int year = 0;                   // from the title's trailing "(YYYY)"; 0 when it has none
  std::vector<int32_t> genres;    // indices into MovieLens::genre_names
};

struct MovieLens {
  std::vector<Movie> movies;            // movie index -> movie, in movies.csv's order
  std::vector<std::string> genre_names; // sorted; "(no genres listed)" is one of them
  std::vector<int64_t> user_ids;        // user index -> userId, ascending
  // One entry per rating, in ratings.csv's order.
  std::vector<int32_t> user;            // user index
  std::vector<int32_t> movie;           // movie index
  std::vector<float> rating;            // 0.5 .. 5

  int64_t num_users() const { return static_cast<int64_t>(user_ids.size()); }
  int64_t num_movies() const { return static_cast<int64_t>(movies.size()); }
  int64_t num_ratings() const { return static_cast<int64_t>(rating.size()); }
  // The user index of `user_id`, or -1.
  int64_t UserIndex(int64_t user_id) const;
  // The index of the first movie titled `title`, or -1.
  int64_t MovieIndex(const std::string& title) const;
};

// Reads `dir`/movies.csv and `dir`/ratings.csv. Errors (a missing file, a bad header or number,
// a rating outside [0.5, 5], a rating of a movie movies.csv does not list, no ratings) name the
// file and, where there is one, the record.
StatusOr<MovieLens> LoadMovieLens(const std::string& dir);

struct RatingSplit {
  std::vector<int64_t> train;       // indices of ratings
  std::vector<int64_t> validation;
};

// Splits each user's ratings: a shuffle seeded by `seed`, then round(validation_fraction * n)
// of the user's n ratings to validation (at most n - 1, so every user keeps one for training),
// the rest to training. Each list is in ascending rating order. The same data and seed give the
// same split.
RatingSplit SplitPerUser(const MovieLens& data, double validation_fraction, uint64_t seed);

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_MOVIELENS_H_
