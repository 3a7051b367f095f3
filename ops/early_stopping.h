// Early stopping for a training loop (Keras's EarlyStopping callback, as a plain object): feed it
// the monitored metric after each epoch and stop when it has not improved for `patience` epochs.
//
//   train::EarlyStopping stopper({.patience = 3, .min_delta = 1e-4, .mode = train::EarlyStopping::Mode::kMin});
//   for (int epoch = 0; epoch < 100; ++epoch) {
//     double validation_loss = 1.0 / (epoch + 1);   // evaluate the model here
//     bool stop = stopper.Update(validation_loss);
//     if (stopper.best_epoch() == epoch) { /* the best so far: save a checkpoint */ }
//     if (stop) break;
//   }
#ifndef SLUICE_OPS_EARLY_STOPPING_H_
#define SLUICE_OPS_EARLY_STOPPING_H_

#include <cmath>
#include <limits>

namespace sluice {
namespace train {

class EarlyStopping {
 public:
  enum class Mode { kMin, kMax };  // whether a smaller (a loss) or a larger (an accuracy) value is better
  struct Options {
    // The number of updates in a row without improvement after which Update returns true
    // (0 acts as 1: stop at the first update that does not improve).
    int patience = 0;
    // An improvement must beat the best value by more than |min_delta|.
    double min_delta = 0;
    Mode mode = Mode::kMin;
  };

  EarlyStopping() = default;
  explicit EarlyStopping(const Options& options) : options_(options) {}

  // Records the metric of one more epoch; returns whether training should stop (and keeps
  // returning true once it has). A NaN metric never improves.
  bool Update(double metric) {
    double delta = std::abs(options_.min_delta);
    bool improved = !std::isnan(metric) &&
                    (epochs_ == 0 || std::isnan(best_) ||
                     (options_.mode == Mode::kMin ? metric < best_ - delta : metric > best_ + delta));
    if (improved) {
      best_ = metric;
      best_epoch_ = epochs_;
      wait_ = 0;
    } else {
      ++wait_;
      if (wait_ >= (options_.patience > 0 ? options_.patience : 1)) stopped_ = true;
    }
    ++epochs_;
    return stopped_;
  }

  // Whether an Update has returned true.
  bool should_stop() const { return stopped_; }
  // The best metric so far (NaN before any Update, or while every metric has been NaN).
  double best() const { return best_; }
  // The 0-based index of the Update that gave best(); -1 before one did.
  int best_epoch() const { return best_epoch_; }
  // The number of Updates since the last improvement.
  int wait() const { return wait_; }
  // The number of Updates so far.
  int epochs() const { return epochs_; }
  // Forgets everything but the options.
  void Reset() { *this = EarlyStopping(options_); }

 private:
  Options options_;
  double best_ = std::numeric_limits<double>::quiet_NaN();
  int best_epoch_ = -1;
  int wait_ = 0;
  int epochs_ = 0;
  bool stopped_ = false;
};

}  // namespace train
}  // namespace sluice

#endif  // SLUICE_OPS_EARLY_STOPPING_H_
