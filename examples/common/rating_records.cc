#include "examples/common/rating_records.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/env.h"
#include "core/example_util.h"
#include "core/file_io.h"
#include "core/record_io.h"

namespace sluice {

StatusOr<RatingTriples> ReadRatingsFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  const bool dat = !lines.empty() && absl::StrContains(lines[0], "::");
  size_t first = 0;
  if (!dat) {
    if (lines.empty() || absl::StripSuffix(lines[0], "\r") != "userId,movieId,rating,timestamp") {
      return errors::InvalidArgument(absl::StrCat(path, ": line 1: expected the header 'userId,movieId,rating,timestamp' ",
                                          "(or a ratings.dat file with '::' separators)"));
    }
    first = 1;
  }
  RatingTriples out;
  absl::flat_hash_map<std::pair<int64_t, int64_t>, size_t> seen;  // (user, movie) -> index
  for (size_t i = first; i < lines.size(); ++i) {
    absl::string_view line = absl::StripSuffix(lines[i], "\r");
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, dat ? absl::string_view("::") : absl::string_view(","));
    const std::string where = absl::StrCat(path, ": line ", i + 1);
    if (fields.size() != 4) {
      return errors::InvalidArgument(absl::StrCat(where, ": expected 4 fields, found ", fields.size()));
    }
    int64_t user = 0, movie = 0;
    float rating = 0;
    if (!absl::SimpleAtoi(fields[0], &user) || !absl::SimpleAtoi(fields[1], &movie) ||
        !absl::SimpleAtof(fields[2], &rating)) {
      return errors::InvalidArgument(absl::StrCat(where, ": not a number in '", line, "'"));
    }
    if (!(rating > 0 && rating <= 5)) {
      return errors::InvalidArgument(absl::StrCat(where, ": rating ", fields[2], " is outside (0, 5]"));
    }
    auto [it, inserted] = seen.try_emplace({user, movie}, out.rating.size());
    if (!inserted) {
      out.rating[it->second] = rating;
      ++out.duplicates;
      continue;
    }
    out.user_id.push_back(user);
    out.movie_id.push_back(movie);
    out.rating.push_back(rating);
  }
  if (out.rating.empty()) return errors::InvalidArgument(absl::StrCat(path, ": no ratings"));
  return out;
}

RatingVectors SplitRatings(const RatingTriples& ratings, double test_fraction, uint64_t seed) {
  RatingVectors v;
  v.user_ids = ratings.user_id;
  v.movie_ids = ratings.movie_id;
  for (auto* ids : {&v.user_ids, &v.movie_ids}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  absl::flat_hash_map<int64_t, int64_t> user_index, movie_index;
  for (size_t i = 0; i < v.user_ids.size(); ++i) user_index[v.user_ids[i]] = static_cast<int64_t>(i);
  for (size_t i = 0; i < v.movie_ids.size(); ++i) movie_index[v.movie_ids[i]] = static_cast<int64_t>(i);
  v.num_movies = static_cast<int64_t>(v.movie_ids.size());

  std::vector<std::vector<size_t>> per_user(v.user_ids.size());
  for (size_t i = 0; i < ratings.rating.size(); ++i) per_user[user_index[ratings.user_id[i]]].push_back(i);
  v.train.assign(v.user_ids.size(), std::vector<float>(v.num_movies, 0.0f));
  v.test = v.train;
  for (size_t u = 0; u < per_user.size(); ++u) {
    std::vector<size_t>& rows = per_user[u];
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(v.user_ids[u]));
    std::shuffle(rows.begin(), rows.end(), rng);
    const size_t n = rows.size();
    const size_t held = std::min(n - 1, static_cast<size_t>(std::llround(test_fraction * static_cast<double>(n))));
    for (size_t k = 0; k < n; ++k) {
      const size_t r = rows[k];
      auto& target = k < held ? v.test[u] : v.train[u];
      target[movie_index[ratings.movie_id[r]]] = ratings.rating[r];
      ++(k < held ? v.num_test_ratings : v.num_train_ratings);
    }
  }
  return v;
}

Status WriteRatingRecords(const RatingVectors& vectors, const std::string& out_dir, int shards) {
  if (shards < 1) return errors::InvalidArgument(absl::StrCat("shards must be >= 1, not ", shards));
  const int64_t users = static_cast<int64_t>(vectors.user_ids.size());
  for (const char* part : {"train", "test"}) {
    const std::string dir = absl::StrCat(out_dir, "/", part);
    SLUICE_RETURN_IF_ERROR(RecursivelyCreateDir(dir));
    const auto& rows = std::string(part) == "train" ? vectors.train : vectors.test;
    for (int s = 0; s < shards; ++s) {
      const std::string path = absl::StrFormat("%s/ratings-%05d-of-%05d.tfrecord", dir, s, shards);
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> file, AtomicFileWriter::Create(path));
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RecordWriter> writer, RecordWriter::Create(std::move(file)));
      for (int64_t u = s * users / shards; u < (s + 1) * users / shards; ++u) {
        SLUICE_RETURN_IF_ERROR(writer->WriteRecord(ExampleBuilder()
                                                       .AddFloats("movie_ratings", rows[u])
                                                       .AddInt64s("user_id", {vectors.user_ids[u]})
                                                       .SerializeAsString()));
      }
      SLUICE_RETURN_IF_ERROR(writer->Close());
    }
  }
  return absl::OkStatus();
}

StatusOr<std::vector<std::string>> ListTfRecordFiles(const std::string& dir) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> children, GetChildren(dir));
  std::vector<std::string> files;
  for (const std::string& name : children) {
    if (absl::EndsWith(name, ".tfrecord")) files.push_back(absl::StrCat(dir, "/", name));
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return errors::NotFound(absl::StrCat(dir, ": no *.tfrecord files"));
  return files;
}

}  // namespace sluice
