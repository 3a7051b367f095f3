// examples/common's rating records: ratings files of both MovieLens formats, the per-user split
// and the TFRecord files of Examples, read back with the record reader and checked by hand.
#include "examples/common/rating_records.h"

#include <map>
#include <set>

#include "core/file_io.h"
#include "core/record_io.h"
#include "examples/common/mnist.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/example.pb.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Write(const test::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  EXPECT_TRUE(WriteStringToFileAtomic(path, text).ok());
  return path;
}

TEST(RatingRecordsTest, ReadsBothFormats) {
  test::TempDir dir;
  auto dat = ReadRatingsFile(Write(dir, "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::1\n"));
  ASSERT_TRUE(dat.ok()) << dat.status();
  EXPECT_THAT(dat->user_id, ElementsAre(1, 1, 2));
  EXPECT_THAT(dat->movie_id, ElementsAre(1193, 661, 1193));
  EXPECT_THAT(dat->rating, ElementsAre(5, 3, 4));
  auto csv = ReadRatingsFile(Write(dir, "ratings.csv", "userId,movieId,rating,timestamp\r\n7,31,2.5,1\r\n7,2,0.5,2\r\n"));
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_THAT(csv->user_id, ElementsAre(7, 7));
  EXPECT_THAT(csv->rating, ElementsAre(2.5f, 0.5f));
  EXPECT_EQ(csv->duplicates, 0);
  // A second rating of the same movie by the same user replaces the first.
  auto again = ReadRatingsFile(Write(dir, "d.dat", "1::2::3::4\n1::5::1::4\n1::2::4.5::5\n"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_THAT(again->movie_id, ElementsAre(2, 5));
  EXPECT_THAT(again->rating, ElementsAre(4.5f, 1));
  EXPECT_EQ(again->duplicates, 1);
}

TEST(RatingRecordsTest, BadFilesNameTheLine) {
  test::TempDir dir;
  EXPECT_THAT(ReadRatingsFile(Write(dir, "a.csv", "user,movie\n1,2\n")).status().message(), HasSubstr("line 1"));
  EXPECT_THAT(ReadRatingsFile(Write(dir, "b.csv", "userId,movieId,rating,timestamp\n1,2,x,3\n")).status().message(),
              HasSubstr("b.csv: line 2: not a number"));
  EXPECT_THAT(ReadRatingsFile(Write(dir, "c.dat", "1::2::3::4\n1::2::6::4\n")).status().message(),
              HasSubstr("c.dat: line 2: rating 6 is outside"));
  EXPECT_THAT(ReadRatingsFile(Write(dir, "e.dat", "1::2::3\n")).status().message(), HasSubstr("expected 4 fields"));
  EXPECT_THAT(ReadRatingsFile(dir.path() + "/missing.csv").status().message(), HasSubstr("missing.csv"));
}

// 3 users; user 10 rates 10 movies, user 20 one, user 30 three. Movies 5, 7, 100.. are renumbered.
RatingTriples Generated() {
  RatingTriples t;
  auto add = [&t](int64_t u, int64_t m, float r) {
    t.user_id.push_back(u);
    t.movie_id.push_back(m);
    t.rating.push_back(r);
  };
  for (int m = 0; m < 10; ++m) add(10, 100 + m, 1 + m % 5);
  add(20, 7, 4.5f);
  add(30, 5, 2);
  add(30, 7, 3);
  add(30, 109, 5);
  return t;
}

TEST(RatingRecordsTest, SplitKeepsEveryRatingOnceAndIsSeeded) {
  const RatingTriples t = Generated();
  const RatingVectors v = SplitRatings(t, 0.3, 1);
  EXPECT_EQ(v.num_movies, 12);  // 5, 7, 100..109
  EXPECT_THAT(v.user_ids, ElementsAre(10, 20, 30));
  EXPECT_EQ(v.movie_ids[0], 5);
  EXPECT_EQ(v.movie_ids[2], 100);
  // round(0.3 * 10) = 3 held out for user 10; none for user 20 (one rating); round(0.9) = 1 for user 30.
  std::vector<int> held(3, 0), kept(3, 0);
  for (int u = 0; u < 3; ++u) {
    for (int64_t j = 0; j < v.num_movies; ++j) {
      EXPECT_FALSE(v.train[u][j] != 0 && v.test[u][j] != 0);
      held[u] += v.test[u][j] != 0;
      kept[u] += v.train[u][j] != 0;
    }
  }
  EXPECT_THAT(held, ElementsAre(3, 0, 1));
  EXPECT_THAT(kept, ElementsAre(7, 1, 2));
  EXPECT_EQ(v.num_train_ratings, 10);
  EXPECT_EQ(v.num_test_ratings, 4);
  // Every rating lands in its user's row at its movie's column, in one of the two.
  for (size_t i = 0; i < t.rating.size(); ++i) {
    const int u = t.user_id[i] == 10 ? 0 : t.user_id[i] == 20 ? 1 : 2;
    const auto col = std::find(v.movie_ids.begin(), v.movie_ids.end(), t.movie_id[i]) - v.movie_ids.begin();
    EXPECT_EQ(v.train[u][col] + v.test[u][col], t.rating[i]);
  }
  const RatingVectors again = SplitRatings(t, 0.3, 1);
  EXPECT_EQ(again.test, v.test);
  bool differs = false;
  for (uint64_t seed = 2; seed < 10 && !differs; ++seed) differs = SplitRatings(t, 0.3, seed).test != v.test;
  EXPECT_TRUE(differs);
}

// The Examples of one file: their movie_ratings and user_id.
std::vector<std::pair<int64_t, std::vector<float>>> ReadExamples(const std::string& path) {
  std::vector<std::pair<int64_t, std::vector<float>>> out;
  auto reader = RecordReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return out;
  std::string record;
  while ((*reader)->ReadRecord(&record).ok()) {
    Example e;
    EXPECT_TRUE(e.ParseFromString(record));
    const auto& f = e.features().feature();
    const auto& r = f.at("movie_ratings").float_list().value();
    out.push_back({f.at("user_id").int64_list().value(0), std::vector<float>(r.begin(), r.end())});
  }
  return out;
}

TEST(RatingRecordsTest, WritesOneExamplePerUserInShards) {
  test::TempDir dir;
  const RatingVectors v = SplitRatings(Generated(), 0.3, 1);
  ASSERT_TRUE(WriteRatingRecords(v, dir.path(), 2).ok());
  auto train = ListTfRecordFiles(dir.path() + "/train");
  ASSERT_TRUE(train.ok()) << train.status();
  ASSERT_EQ(train->size(), 2u);
  EXPECT_THAT((*train)[0], HasSubstr("ratings-00000-of-00002.tfrecord"));
  // Users 0 .. 2 split 0 | 1, 2 (u in shard u * 2 / 3).
  auto first = ReadExamples((*train)[0]), second = ReadExamples((*train)[1]);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(first[0].first, 10);
  EXPECT_EQ(first[0].second, v.train[0]);
  EXPECT_EQ(second[1].first, 30);
  EXPECT_EQ(second[1].second, v.train[2]);
  auto test = ListTfRecordFiles(dir.path() + "/test");
  ASSERT_TRUE(test.ok());
  EXPECT_EQ(ReadExamples((*test)[1])[0].second, v.test[1]);
  EXPECT_THAT(ListTfRecordFiles(dir.path()).status().message(), HasSubstr("no *.tfrecord files"));
}

TEST(RatingRecordsTest, MovieLensLatestSmall) {
  const std::string path = RepositoryDataDir("ml-latest-small") + "/ratings.csv";
  auto t = ReadRatingsFile(path);
  if (!t.ok()) GTEST_SKIP() << "no MovieLens (tools/setup.sh copies it): " << t.status();
  // The file's (user, movie) pairs and movies, counted here line by line.
  std::string text = *ReadFileToString(path);
  std::set<std::pair<std::string, std::string>> pairs;
  std::set<std::string> users, movies;
  size_t lines = 0;
  for (size_t pos = text.find('\n') + 1; pos < text.size(); pos = text.find('\n', pos) + 1, ++lines) {
    const size_t c1 = text.find(',', pos), c2 = text.find(',', c1 + 1);
    users.insert(text.substr(pos, c1 - pos));
    movies.insert(text.substr(c1 + 1, c2 - c1 - 1));
    pairs.insert({text.substr(pos, c1 - pos), text.substr(c1 + 1, c2 - c1 - 1)});
  }
  EXPECT_GE(lines, 100004u);  // latest-small's 100 004 ratings (and any lines added to this copy)
  EXPECT_EQ(t->rating.size(), pairs.size());
  EXPECT_EQ(t->duplicates, static_cast<int64_t>(lines - pairs.size()));
  const RatingVectors v = SplitRatings(*t, 0.1, 1);
  EXPECT_EQ(v.user_ids.size(), users.size());
  EXPECT_GE(v.user_ids.size(), 671u);
  EXPECT_EQ(v.num_movies, static_cast<int64_t>(movies.size()));  // the movies with at least one rating
  EXPECT_EQ(v.num_train_ratings + v.num_test_ratings, static_cast<int64_t>(pairs.size()));
  EXPECT_NEAR(static_cast<double>(v.num_test_ratings) / pairs.size(), 0.1, 0.01);
}

}  // namespace
}  // namespace sluice
