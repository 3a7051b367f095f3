#include "examples/common/loss_log.h"

#include <cstdio>

namespace sluice {

void StepLossLog::Add(int64_t step, double loss) {
  epoch_sum_ += loss;
  ++epoch_steps_;
  window_sum_ += loss;
  ++window_steps_;
  if (!Due(step)) return;
  std::printf("step %lld  loss %.4f\n", static_cast<long long>(step), window_sum_ / window_steps_);
  std::fflush(stdout);
  window_sum_ = 0;
  window_steps_ = 0;
}

}  // namespace sluice
