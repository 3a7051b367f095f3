#include "examples/common/movielens.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "examples/common/csv.h"

namespace sluice {

namespace {

// The year of a title ending in "(YYYY)" (trailing spaces allowed), else 0.
int YearOfTitle(absl::string_view title) {
  title = absl::StripTrailingAsciiWhitespace(title);
  if (title.size() < 6 || title.back() != ')' || title[title.size() - 6] != '(') return 0;
  int year = 0;
  return absl::SimpleAtoi(title.substr(title.size() - 5, 4), &year) ? year : 0;
}

}  // namespace

int64_t MovieLens::UserIndex(int64_t user_id) const {
  auto it = std::lower_bound(user_ids.begin(), user_ids.end(), user_id);
  return it != user_ids.end() && *it == user_id ? it - user_ids.begin() : -1;
}

int64_t MovieLens::MovieIndex(const std::string& title) const {
  for (size_t i = 0; i < movies.size(); ++i) {
    if (movies[i].title == title) return static_cast<int64_t>(i);
  }
  return -1;
}

StatusOr<MovieLens> LoadMovieLens(const std::string& dir) {
  const std::string movies_path = dir + "/movies.csv", ratings_path = dir + "/ratings.csv";
  SLUICE_ASSIGN_OR_RETURN(std::vector<CsvRecord> movie_records,
                          ReadCsvFile(movies_path, {"movieId", "title", "genres"}));
  SLUICE_ASSIGN_OR_RETURN(std::vector<CsvRecord> rating_records,
                          ReadCsvFile(ratings_path, {"userId", "movieId", "rating", "timestamp"}));
  MovieLens data;
  absl::flat_hash_map<int64_t, int32_t> movie_index;
  std::map<std::string, std::vector<int64_t>> genre_movies;  // sorted by name
  for (size_t r = 0; r < movie_records.size(); ++r) {
    const CsvRecord& rec = movie_records[r];
    Movie movie;
    if (!absl::SimpleAtoi(rec[0], &movie.id)) {
      return errors::InvalidArgument(movies_path, ": record ", r + 2, ": bad movieId '", rec[0], "'");
    }
    if (!movie_index.emplace(movie.id, static_cast<int32_t>(data.movies.size())).second) {
      return errors::InvalidArgument(movies_path, ": record ", r + 2, ": movieId ", movie.id, " listed twice");
    }
    movie.title = rec[1];
    movie.year = YearOfTitle(rec[1]);
    for (absl::string_view g : absl::StrSplit(rec[2], '|', absl::SkipEmpty())) {
      genre_movies[std::string(g)].push_back(static_cast<int64_t>(data.movies.size()));
    }
    data.movies.push_back(std::move(movie));
  }
  for (const auto& [name, movies] : genre_movies) {
    for (int64_t m : movies) data.movies[m].genres.push_back(static_cast<int32_t>(data.genre_names.size()));
    data.genre_names.push_back(name);
  }

  std::vector<int64_t> raw_users;
  raw_users.reserve(rating_records.size());
  data.movie.reserve(rating_records.size());
  data.rating.reserve(rating_records.size());
  for (size_t r = 0; r < rating_records.size(); ++r) {
    const CsvRecord& rec = rating_records[r];
    int64_t user_id = 0, movie_id = 0;
    float rating = 0;
    if (!absl::SimpleAtoi(rec[0], &user_id) || !absl::SimpleAtoi(rec[1], &movie_id) ||
        !absl::SimpleAtof(rec[2], &rating)) {
      return errors::InvalidArgument(ratings_path, ": record ", r + 2, ": bad number in '", rec[0], ",", rec[1], ",",
                                     rec[2], "'");
    }
    if (!(rating >= 0.5f && rating <= 5.0f)) {
      return errors::InvalidArgument(ratings_path, ": record ", r + 2, ": rating ", rec[2], " is outside [0.5, 5]");
    }
    auto it = movie_index.find(movie_id);
    if (it == movie_index.end()) {
      return errors::InvalidArgument(ratings_path, ": record ", r + 2, ": movieId ", movie_id, " is not in ",
                                     movies_path);
    }
    raw_users.push_back(user_id);
    data.movie.push_back(it->second);
    data.rating.push_back(rating);
  }
  if (raw_users.empty()) return errors::InvalidArgument(ratings_path, " holds no ratings");
  data.user_ids = raw_users;
  std::sort(data.user_ids.begin(), data.user_ids.end());
  data.user_ids.erase(std::unique(data.user_ids.begin(), data.user_ids.end()), data.user_ids.end());
  data.user.reserve(raw_users.size());
  for (int64_t id : raw_users) data.user.push_back(static_cast<int32_t>(data.UserIndex(id)));
  return data;
}

RatingSplit SplitPerUser(const MovieLens& data, double validation_fraction, uint64_t seed) {
  std::vector<std::vector<int64_t>> by_user(data.num_users());
  for (int64_t i = 0; i < data.num_ratings(); ++i) by_user[data.user[i]].push_back(i);
  std::mt19937_64 rng(seed);
  RatingSplit split;
  for (std::vector<int64_t>& ratings : by_user) {
    std::shuffle(ratings.begin(), ratings.end(), rng);
    const int64_t n = static_cast<int64_t>(ratings.size());
    const int64_t held = std::min<int64_t>(std::llround(validation_fraction * n), n - 1);
    split.validation.insert(split.validation.end(), ratings.begin(), ratings.begin() + std::max<int64_t>(held, 0));
    split.train.insert(split.train.end(), ratings.begin() + std::max<int64_t>(held, 0), ratings.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.validation.begin(), split.validation.end());
  return split;
}

}  // namespace sluice
