// Metrics of recommender models: rating errors (RMSE, MAE), the exact ROC AUC, ranking metrics
// per user (precision@k, recall@k, NDCG@k, then averaged over users). Plain host code over spans;
// the rankings themselves come from the graph (examples/common/recsys_retrieval.h).
//
//   std::vector<float> scores = {0.9f, 0.4f, 0.4f, 0.1f};
//   std::vector<bool> positive = {true, false, true, false};
//   double auc = *recsys::RocAuc(scores, positive);   // 0.875: the tie counts one half
#ifndef SLUICE_EXAMPLES_COMMON_RECSYS_METRICS_H_
#define SLUICE_EXAMPLES_COMMON_RECSYS_METRICS_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/types/span.h"
#include "core/status.h"

namespace sluice {
namespace recsys {

// sqrt(mean((prediction - truth)^2)) and mean(|prediction - truth|). The spans must have the
// same, non-zero size (InvalidArgument otherwise).
StatusOr<double> Rmse(absl::Span<const float> prediction, absl::Span<const float> truth);
StatusOr<double> Mae(absl::Span<const float> prediction, absl::Span<const float> truth);

// The area under the ROC curve of `scores` for the labels `positive`: the probability that a
// random positive scores above a random negative, ties counting one half, computed exactly from
// the ranks (tied scores get their average rank). Needs at least one positive and one negative.
StatusOr<double> RocAuc(absl::Span<const float> scores, const std::vector<bool>& positive);

// Of one user's ranking `ranked` (item ids, best first) and the set of items relevant to them:
// precision@k (relevant items among the first k, over k; a ranking shorter than k still
// divides by k), recall@k (over the number of relevant items; 0 when there are none) and
// NDCG@k with binary gains (DCG = sum over the first k of rel_i / log2(i + 1), i from 1, over
// the DCG of an ideal ranking of min(k, |relevant|) relevant items; 0 when none is relevant).
// k must be > 0.
double PrecisionAtK(absl::Span<const int64_t> ranked, const absl::flat_hash_set<int64_t>& relevant, int k);
double RecallAtK(absl::Span<const int64_t> ranked, const absl::flat_hash_set<int64_t>& relevant, int k);
double NdcgAtK(absl::Span<const int64_t> ranked, const absl::flat_hash_set<int64_t>& relevant, int k);

struct RankingMetrics {
  double precision = 0, recall = 0, ndcg = 0;  // at k, averaged over `users`
  int64_t users = 0;                           // users with at least one relevant item
};
// The per-user metrics at k averaged over the users (rankings[u] with relevant[u]) that have a
// relevant item; users without one are left out. The two lists must be of the same size.
StatusOr<RankingMetrics> MeanRankingMetrics(const std::vector<std::vector<int64_t>>& rankings,
                                            const std::vector<absl::flat_hash_set<int64_t>>& relevant, int k);

}  // namespace recsys
}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_RECSYS_METRICS_H_
