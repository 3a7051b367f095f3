// ThreadPool: a fixed set of worker threads running closures in FIFO order. The executor's
// inter-op pool; intra-op parallelism is OpenMP's (oneDNN is built with it).
#ifndef SLUICE_CORE_THREADPOOL_H_
#define SLUICE_CORE_THREADPOOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace sluice {

class ThreadPool {
 public:
  // Starts `num_threads` workers (0 is allowed: Schedule then runs closures inline).
  explicit ThreadPool(int num_threads);
  // Runs the queued closures to completion, then joins the workers.
  ~ThreadPool();
  void Schedule(std::function<void()> fn);
  int num_threads() const { return static_cast<int>(threads_.size()); }

 private:
  void WorkerLoop();
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice

#endif  // SLUICE_CORE_THREADPOOL_H_
