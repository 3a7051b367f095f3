// The histogram of TensorBoard's histogram summaries (TensorFlow's histogram::Histogram): counts
// of values in buckets whose limits grow by 10% from 1e-12 to 1e20, mirrored for negative
// values, with 0 between them and +-DBL_MAX at the ends; plus the min, max, count, sum and sum
// of squares of the values.
#ifndef SLUICE_CORE_HISTOGRAM_H_
#define SLUICE_CORE_HISTOGRAM_H_

#include <vector>

#include "proto/summary.pb.h"

namespace sluice {

class Histogram {
 public:
  // A histogram over the default bucket limits.
  Histogram();

  // Counts `value` in the first bucket whose limit is greater than it (DBL_MAX in the last).
  void Add(double value);

  // Writes the statistics and the buckets. Unless `preserve_zero_buckets`, each run of empty
  // buckets becomes one empty bucket with the run's last limit (as TensorFlow's summary op
  // writes them); an empty histogram has min DBL_MAX, max -DBL_MAX.
  void EncodeToProto(HistogramProto* proto, bool preserve_zero_buckets) const;

  // The limits every Histogram() uses, ascending: -DBL_MAX, ..., -1e-12, 0, 1e-12, ..., DBL_MAX.
  static const std::vector<double>& DefaultBucketLimits();

 private:
  const std::vector<double>& limits_;
  std::vector<double> buckets_;
  double min_, max_, num_ = 0, sum_ = 0, sum_squares_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_CORE_HISTOGRAM_H_
