// examples/common's recommender metrics, retrieval graphs (MaskedTopK, CosineSimilarity), CSV
// reader and MovieLens loader, against values computed by hand.
#include "examples/common/recsys_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/file_io.h"
#include "examples/common/csv.h"
#include "examples/common/movielens.h"
#include "examples/common/recsys_retrieval.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RecsysMetricsTest, RmseAndMae) {
  // Errors 0, 1, 2: RMSE sqrt(5 / 3), MAE 1.
  EXPECT_NEAR(*recsys::Rmse({1, 2, 3}, {1, 3, 5}), std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_NEAR(*recsys::Mae({1, 2, 3}, {1, 3, 5}), 1.0, 1e-12);
  EXPECT_NEAR(*recsys::Mae({4.5f}, {3.0f}), 1.5, 1e-12);
  EXPECT_THAT(recsys::Rmse({1, 2}, {1}).status().message(), HasSubstr("2 predictions but 1 true values"));
  EXPECT_THAT(recsys::Mae({}, {}).status().message(), HasSubstr("no values"));
}

TEST(RecsysMetricsTest, RocAucFromRanksWithTies) {
  // Positives score 0.9 and 0.4, negatives 0.4 and 0.1: of the 4 (positive, negative) pairs,
  // three are ordered right and one is a tie (1/2): 3.5 / 4.
  EXPECT_DOUBLE_EQ(*recsys::RocAuc({0.9f, 0.4f, 0.4f, 0.1f}, {true, false, true, false}), 0.875);
  EXPECT_DOUBLE_EQ(*recsys::RocAuc({3, 2, 1}, {true, true, false}), 1.0);
  EXPECT_DOUBLE_EQ(*recsys::RocAuc({1, 2, 3}, {true, true, false}), 0.0);
  EXPECT_DOUBLE_EQ(*recsys::RocAuc({5, 5, 5, 5}, {true, false, false, true}), 0.5);
  // Positives 0.8, 0.5, 0.5; negatives 0.5, 0.2: pairs (0.8: 1 + 1), (0.5: 0.5 + 1) twice = 5 / 6.
  EXPECT_NEAR(*recsys::RocAuc({0.5f, 0.2f, 0.5f, 0.8f, 0.5f}, {true, false, false, true, true}), 5.0 / 6.0, 1e-12);
  EXPECT_THAT(recsys::RocAuc({1, 2}, {true, true}).status().message(), HasSubstr("2 positives and 0 negatives"));
  EXPECT_THAT(recsys::RocAuc({1, 2}, {true}).status().message(), HasSubstr("2 scores but 1 labels"));
}

TEST(RecsysMetricsTest, PrecisionRecallNdcgByHand) {
  const std::vector<int64_t> ranked = {5, 3, 8, 1};
  const absl::flat_hash_set<int64_t> relevant = {3, 1, 7};
  // k = 3: one hit, at rank 2. DCG = 1 / log2(3); the ideal ranking has 3 hits:
  // 1 + 1 / log2(3) + 1 / log2(4).
  const double ideal3 = 1 + 1 / std::log2(3.0) + 0.5;
  EXPECT_DOUBLE_EQ(recsys::PrecisionAtK(ranked, relevant, 3), 1.0 / 3);
  EXPECT_DOUBLE_EQ(recsys::RecallAtK(ranked, relevant, 3), 1.0 / 3);
  EXPECT_NEAR(recsys::NdcgAtK(ranked, relevant, 3), (1 / std::log2(3.0)) / ideal3, 1e-12);
  EXPECT_NEAR(recsys::NdcgAtK(ranked, relevant, 3), 0.296082, 1e-6);
  // k = 4: hits at ranks 2 and 4.
  EXPECT_DOUBLE_EQ(recsys::PrecisionAtK(ranked, relevant, 4), 0.5);
  EXPECT_DOUBLE_EQ(recsys::RecallAtK(ranked, relevant, 4), 2.0 / 3);
  EXPECT_NEAR(recsys::NdcgAtK(ranked, relevant, 4), (1 / std::log2(3.0) + 1 / std::log2(5.0)) / ideal3, 1e-12);
  // k = 10 past the end of the ranking: precision still divides by 10.
  EXPECT_DOUBLE_EQ(recsys::PrecisionAtK(ranked, relevant, 10), 0.2);
  // One relevant item, ranked first: a perfect ranking.
  EXPECT_DOUBLE_EQ(recsys::NdcgAtK(ranked, {5}, 10), 1.0);
  EXPECT_DOUBLE_EQ(recsys::NdcgAtK(ranked, {}, 10), 0.0);
  EXPECT_DOUBLE_EQ(recsys::RecallAtK(ranked, {}, 10), 0.0);
}

TEST(RecsysMetricsTest, MeanRankingMetricsAveragesOverUsersWithRelevantItems) {
  // User 0: hit at rank 1 of 2 (precision 1/2, recall 1/2, NDCG 1 / (1 + 1/log2(3))); user 1 has
  // no relevant item (left out); user 2: no hit.
  auto m = recsys::MeanRankingMetrics({{1, 2}, {1, 2}, {4, 5}}, {{1, 3}, {}, {6}}, 2);
  ASSERT_OK(m.status());
  EXPECT_EQ(m->users, 2);
  EXPECT_DOUBLE_EQ(m->precision, 0.25);
  EXPECT_DOUBLE_EQ(m->recall, 0.25);
  EXPECT_NEAR(m->ndcg, 0.5 / (1 + 1 / std::log2(3.0)), 1e-12);
  EXPECT_FALSE(recsys::MeanRankingMetrics({{1}}, {}, 2).ok());
  EXPECT_THAT(recsys::MeanRankingMetrics({{1}}, {{1}}, 0).status().message(), HasSubstr("k must be > 0"));
}

// MaskedTopK and CosineSimilarity run in a session.
std::vector<Tensor> Fetch(const Scope& root, const std::vector<Output>& fetches) {
  EXPECT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({}, fetches, &out);
  EXPECT_TRUE(s.ok()) << s;
  return out;
}
template <typename T>
std::vector<T> Values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.NumElements());
}
Tensor Pairs(const std::vector<int64_t>& flat) {
  Tensor t(DT_INT64, TensorShape{static_cast<int64_t>(flat.size() / 2), 2});
  std::copy(flat.begin(), flat.end(), t.data<int64_t>());
  return t;
}

TEST(RecsysRetrievalTest, MaskedTopKTiesByIndexAndExclusionsPerRow) {
  Scope root = Scope::NewRootScope();
  Tensor scores(DT_FLOAT, TensorShape{2, 5});
  const std::vector<float> v = {0.1f, 0.5f, 0.5f, 0.9f, 0.3f, /* row 1 */ 3, 2, 1, 0, -1};
  std::copy(v.begin(), v.end(), scores.data<float>());
  // Row 0 leaves out item 1 (given twice), row 1 items 0 and 2.
  auto top = recsys::MaskedTopK(root, ops::Const(root, scores), ops::Const(root, Pairs({0, 1, 1, 0, 1, 2, 0, 1})), 3);
  auto none = recsys::MaskedTopK(root, ops::Const(root, scores), ops::Const(root, Pairs({})), 3);
  auto all_but_one = recsys::MaskedTopK(root, ops::Const(root, scores), ops::Const(root, Pairs({0, 0, 0, 1, 0, 2, 0, 3})), 2);
  auto r = Fetch(root, {top.indices, top.values, none.indices, all_but_one.indices, all_but_one.values});
  ASSERT_EQ(r.size(), 5u);
  EXPECT_THAT(Values<int32_t>(r[0]), ElementsAre(3, 2, 4, 1, 3, 4));
  EXPECT_THAT(Values<float>(r[1]), ElementsAre(0.9f, 0.5f, 0.3f, 2.0f, 0.0f, -1.0f));
  EXPECT_THAT(Values<int32_t>(r[2]), ElementsAre(3, 1, 2, 0, 1, 2));  // ties: the lower index first
  // Row 0 has one item left: the second entry is an excluded one, at -inf.
  EXPECT_EQ(Values<int32_t>(r[3])[0], 4);
  EXPECT_EQ(Values<float>(r[4])[1], -std::numeric_limits<float>::infinity());
}

// The status of building and running `fetch`: a graph-building error or the run's.
Status RunStatus(const Scope& root, const Output& fetch) {
  if (!root.ok()) return root.status();
  Session session(root);
  std::vector<Tensor> out;
  return session.Run({}, {fetch}, &out);
}

TEST(RecsysRetrievalTest, MaskedTopKErrors) {
  Tensor scores(DT_FLOAT, TensorShape{1, 2});
  scores.data<float>()[0] = scores.data<float>()[1] = 1;
  {
    Scope root = Scope::NewRootScope();  // an excluded item outside the row
    auto top = recsys::MaskedTopK(root, ops::Const(root, scores), ops::Const(root, Pairs({0, 5})), 1);
    EXPECT_FALSE(RunStatus(root, top.indices).ok());
  }
  {
    Scope root = Scope::NewRootScope();  // k larger than the number of items
    auto top = recsys::MaskedTopK(root, ops::Const(root, scores), ops::Const(root, Pairs({})), 3);
    Status s = RunStatus(root, top.indices);
    EXPECT_FALSE(s.ok());
    EXPECT_THAT(s.message(), HasSubstr("masked_top_k"));
  }
}

TEST(RecsysRetrievalTest, CosineSimilarityOfRows) {
  // Rows [1,0], [0,1], [1,1], [2,0], [0,0].
  Scope root = Scope::NewRootScope();
  Tensor items(DT_FLOAT, TensorShape{5, 2});
  const std::vector<float> v = {1, 0, 0, 1, 1, 1, 2, 0, 0, 0};
  std::copy(v.begin(), v.end(), items.data<float>());
  auto sim = recsys::CosineSimilarity(root, ops::Const(root, items), ops::Const(root, Tensor::FromVector(std::vector<int64_t>{0, 2})));
  auto r = Fetch(root, {sim});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].shape(), TensorShape({2, 5}));
  const float h = static_cast<float>(std::sqrt(0.5));
  EXPECT_THAT(Values<float>(r[0]), ::testing::Pointwise(::testing::FloatNear(1e-6f),
                                                        std::vector<float>{1, 0, h, 1, 0, h, h, 1, h, 0}));
}

TEST(CsvTest, QuotedFieldsCommasQuotesAndLineBreaks) {
  auto records = ParseCsv("a,b,c\r\n1,\"Lock, Stock (1998)\",x|y\n2,\"say \"\"hi\"\"\",\n\n3,\"two\nlines\",z", "t.csv");
  ASSERT_OK(records.status());
  ASSERT_EQ(records->size(), 4u);
  EXPECT_THAT((*records)[0], ElementsAre("a", "b", "c"));
  EXPECT_THAT((*records)[1], ElementsAre("1", "Lock, Stock (1998)", "x|y"));
  EXPECT_THAT((*records)[2], ElementsAre("2", "say \"hi\"", ""));
  EXPECT_THAT((*records)[3], ElementsAre("3", "two\nlines", "z"));
  EXPECT_THAT(ParseCsv("a,\"b", "t.csv").status().message(), HasSubstr("t.csv:1: a quoted field is not closed"));
  EXPECT_THAT(ParseCsv("a\nb\"c\n", "t.csv").status().message(), HasSubstr("t.csv:2: a quote inside an unquoted"));
  EXPECT_THAT(ParseCsv("\"a\"b\n", "t.csv").status().message(), HasSubstr("text after a closing quote"));
}

class MovieLensTest : public ::testing::Test {
 protected:
  void Write(const std::string& name, const std::string& text) {
    ASSERT_OK(WriteStringToFileAtomic(tmp_.path() + "/" + name, text));
  }
  test::TempDir tmp_{"movielens"};
};

TEST_F(MovieLensTest, LoadsRenumbersAndSplitsPerUser) {
  Write("movies.csv",
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n"
        "7,\"American President, The (1995)\",Comedy|Drama\n9,Untitled,(no genres listed)\n");
  std::string ratings = "userId,movieId,rating,timestamp\n";
  for (int i = 0; i < 20; ++i) ratings += "42," + std::to_string(i % 2 == 0 ? 1 : 7) + ",4.5,0\n";
  ratings += "5,9,0.5,0\n";
  Write("ratings.csv", ratings);
  auto data = LoadMovieLens(tmp_.path());
  ASSERT_OK(data.status());
  EXPECT_EQ(data->num_movies(), 3);
  EXPECT_EQ(data->num_users(), 2);
  EXPECT_EQ(data->num_ratings(), 21);
  EXPECT_THAT(data->user_ids, ElementsAre(5, 42));
  EXPECT_THAT(data->genre_names, ElementsAre("(no genres listed)", "Adventure", "Animation", "Comedy", "Drama"));
  EXPECT_EQ(data->movies[1].title, "American President, The (1995)");
  EXPECT_EQ(data->movies[1].year, 1995);
  EXPECT_THAT(data->movies[1].genres, ElementsAre(3, 4));
  EXPECT_EQ(data->movies[2].year, 0);
  EXPECT_EQ(data->MovieIndex("Toy Story (1995)"), 0);
  EXPECT_EQ(data->UserIndex(42), 1);
  EXPECT_EQ(data->UserIndex(6), -1);
  EXPECT_EQ(data->user[20], 0);
  EXPECT_EQ(data->movie[1], 1);
  EXPECT_FLOAT_EQ(data->rating[20], 0.5f);

  // 10% of user 42's 20 ratings; user 5's only rating stays in training.
  RatingSplit split = SplitPerUser(*data, 0.1, 7);
  EXPECT_EQ(split.validation.size(), 2u);
  EXPECT_EQ(split.train.size(), 19u);
  for (int64_t i : split.validation) EXPECT_EQ(data->user[i], 1);
  RatingSplit again = SplitPerUser(*data, 0.1, 7);
  EXPECT_EQ(split.validation, again.validation);
  EXPECT_EQ(split.train, again.train);
}

TEST_F(MovieLensTest, ErrorsNameTheFileAndRecord) {
  EXPECT_THAT(LoadMovieLens(tmp_.path()).status().message(), HasSubstr("movies.csv"));
  Write("movies.csv", "movieId,title,genres\n1,A (2000),Drama\n");
  Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,0\n1,2,4,0\n");
  EXPECT_THAT(LoadMovieLens(tmp_.path()).status().message(), HasSubstr("record 3: movieId 2 is not in"));
  Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,7,0\n");
  EXPECT_THAT(LoadMovieLens(tmp_.path()).status().message(), HasSubstr("rating 7 is outside [0.5, 5]"));
  Write("ratings.csv", "userId,movie,rating,timestamp\n");
  EXPECT_THAT(LoadMovieLens(tmp_.path()).status().message(), HasSubstr("expected the header"));
  Write("ratings.csv", "userId,movieId,rating,timestamp\n1,1\n");
  EXPECT_THAT(LoadMovieLens(tmp_.path()).status().message(), HasSubstr("record 2 has 2 fields, expected 4"));
  Write("ratings.csv", "userId,movieId,rating,timestamp\n");
  EXPECT_THAT(LoadMovieLens(tmp_.path()).status().message(), HasSubstr("holds no ratings"));
}

}  // namespace
}  // namespace sluice
