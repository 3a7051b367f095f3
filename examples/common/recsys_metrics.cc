#include "examples/common/recsys_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sluice {
namespace recsys {

namespace {

Status CheckSizes(absl::Span<const float> prediction, absl::Span<const float> truth, const char* what) {
  if (prediction.size() != truth.size()) {
    return errors::InvalidArgument(what, ": ", prediction.size(), " predictions but ", truth.size(), " true values");
  }
  if (prediction.empty()) return errors::InvalidArgument(what, ": no values");
  return absl::OkStatus();
}

}  // namespace

StatusOr<double> Rmse(absl::Span<const float> prediction, absl::Span<const float> truth) {
  SLUICE_RETURN_IF_ERROR(CheckSizes(prediction, truth, "Rmse"));
  double sum = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    const double d = static_cast<double>(prediction[i]) - truth[i];
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<double>(truth.size()));
}

StatusOr<double> Mae(absl::Span<const float> prediction, absl::Span<const float> truth) {
  SLUICE_RETURN_IF_ERROR(CheckSizes(prediction, truth, "Mae"));
  double sum = 0;
  for (size_t i = 0; i < truth.size(); ++i) sum += std::abs(static_cast<double>(prediction[i]) - truth[i]);
  return sum / static_cast<double>(truth.size());
}

StatusOr<double> RocAuc(absl::Span<const float> scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size()) {
    return errors::InvalidArgument("RocAuc: ", scores.size(), " scores but ", positive.size(), " labels");
  }
  const size_t n = scores.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  double positive_rank_sum = 0;
  int64_t num_positive = 0;
  for (size_t begin = 0; begin < n;) {
    size_t end = begin + 1;
    while (end < n && scores[order[end]] == scores[order[begin]]) ++end;
    const double rank = 0.5 * static_cast<double>(begin + 1 + end);  // mean of begin+1 .. end
    for (size_t i = begin; i < end; ++i) {
      if (positive[order[i]]) {
        positive_rank_sum += rank;
        ++num_positive;
      }
    }
    begin = end;
  }
  const int64_t num_negative = static_cast<int64_t>(n) - num_positive;
  if (num_positive == 0 || num_negative == 0) {
    return errors::InvalidArgument("RocAuc: needs positives and negatives; got ", num_positive, " positives and ",
                                   num_negative, " negatives");
  }
  const double p = static_cast<double>(num_positive);
  return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(num_negative));
}

double PrecisionAtK(absl::Span<const int64_t> ranked, const absl::flat_hash_set<int64_t>& relevant, int k) {
  if (k <= 0) return 0;
  int64_t hits = 0;
  for (size_t i = 0; i < ranked.size() && i < static_cast<size_t>(k); ++i) hits += relevant.contains(ranked[i]);
  return static_cast<double>(hits) / k;
}

double RecallAtK(absl::Span<const int64_t> ranked, const absl::flat_hash_set<int64_t>& relevant, int k) {
  if (k <= 0 || relevant.empty()) return 0;
  int64_t hits = 0;
  for (size_t i = 0; i < ranked.size() && i < static_cast<size_t>(k); ++i) hits += relevant.contains(ranked[i]);
  return static_cast<double>(hits) / static_cast<double>(relevant.size());
}

double NdcgAtK(absl::Span<const int64_t> ranked, const absl::flat_hash_set<int64_t>& relevant, int k) {
  if (k <= 0 || relevant.empty()) return 0;
  double dcg = 0, ideal = 0;
  for (size_t i = 0; i < ranked.size() && i < static_cast<size_t>(k); ++i) {
    if (relevant.contains(ranked[i])) dcg += 1.0 / std::log2(static_cast<double>(i) + 2);
  }
  const size_t ideal_hits = std::min(relevant.size(), static_cast<size_t>(k));
  for (size_t i = 0; i < ideal_hits; ++i) ideal += 1.0 / std::log2(static_cast<double>(i) + 2);
  return dcg / ideal;
}

StatusOr<RankingMetrics> MeanRankingMetrics(const std::vector<std::vector<int64_t>>& rankings,
                                            const std::vector<absl::flat_hash_set<int64_t>>& relevant, int k) {
  if (rankings.size() != relevant.size()) {
    return errors::InvalidArgument("MeanRankingMetrics: ", rankings.size(), " rankings but ", relevant.size(),
                                   " relevant sets");
  }
  if (k <= 0) return errors::InvalidArgument("MeanRankingMetrics: k must be > 0, got ", k);
  RankingMetrics m;
  for (size_t u = 0; u < rankings.size(); ++u) {
    if (relevant[u].empty()) continue;
    m.precision += PrecisionAtK(rankings[u], relevant[u], k);
    m.recall += RecallAtK(rankings[u], relevant[u], k);
    m.ndcg += NdcgAtK(rankings[u], relevant[u], k);
    ++m.users;
  }
  if (m.users > 0) {
    m.precision /= static_cast<double>(m.users);
    m.recall /= static_cast<double>(m.users);
    m.ndcg /= static_cast<double>(m.users);
  }
  return m;
}

}  // namespace recsys
}  // namespace sluice
