// The training loss as the example programs print it while they train: the mean loss of the
// steps since the last line, as "step N  loss X", at the first step and every `every` steps after;
// and the mean loss of the current epoch's steps.
//
//   StepLossLog log(flags.log_every);
//   for (each epoch) {
//     log.StartEpoch();
//     for (each step) log.Add(++step, loss_of_the_step);
//     printf("... train loss %.4f", log.EpochMean());
//   }
#ifndef SLUICE_EXAMPLES_COMMON_LOSS_LOG_H_
#define SLUICE_EXAMPLES_COMMON_LOSS_LOG_H_

#include <cstdint>

namespace sluice {

class StepLossLog {
 public:
  // Requires every > 0.
  explicit StepLossLog(int64_t every) : every_(every) {}

  // Whether Add(step, ...) prints a line (e.g. to fetch a summary on that step too).
  bool Due(int64_t step) const { return step == 1 || step % every_ == 0; }
  // Counts the loss of step `step` (1 for the first) and prints the line when it is due.
  void Add(int64_t step, double loss);

  void StartEpoch() {
    epoch_sum_ = 0;
    epoch_steps_ = 0;
  }
  int64_t epoch_steps() const { return epoch_steps_; }
  // The mean loss of the steps since StartEpoch; 0 before the first.
  double EpochMean() const { return epoch_steps_ == 0 ? 0 : epoch_sum_ / epoch_steps_; }

 private:
  int64_t every_;
  double window_sum_ = 0, epoch_sum_ = 0;
  int64_t window_steps_ = 0, epoch_steps_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_LOSS_LOG_H_
