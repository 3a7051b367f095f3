// How many OpenMP threads a session's kernels use, and applying that count on the thread that
// runs them.
//
// OpenMP's thread count (its nthreads ICV) belongs to the calling thread: omp_set_num_threads on
// the thread that built a session does nothing for another thread that calls Run, nor for the
// inter-op pool's workers, and stays set after the session is gone. So the executor applies the
// session's count with a ScopedOmpThreads wherever it runs kernels, and restores what was there.
#ifndef SLUICE_RUNTIME_INTRA_OP_THREADS_H_
#define SLUICE_RUNTIME_INTRA_OP_THREADS_H_

#include <atomic>
#include <cstdint>

#include "absl/synchronization/mutex.h"

namespace sluice {

// Sets this thread's OpenMP thread count to `n` (> 0) for its lifetime; 0 changes nothing.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int n);
  ~ScopedOmpThreads();
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_ = 0;  // 0: nothing to restore
};

// The thread count for the next Run: the fixed count when one was asked for, else OpenMP's
// default reduced by the cores other processes keep busy. Spinning OpenMP threads waiting at a
// barrier for a sibling that the kernel has descheduled make a loaded machine 4-8x slower
// instead of the ~2x a fair share would give; one thread per core that is really ours avoids
// the wait. The load is the machine's busy time (/proc/stat) less this process's own
// (/proc/self/stat), sampled at most every 100 ms; where neither file can be read, the default
// count stays.
class IntraOpThreads {
 public:
  // `fixed` > 0: always that many. 0: adaptive, up to `max_threads` (0: omp_get_max_threads()).
  explicit IntraOpThreads(int fixed, int max_threads = 0);

  // Thread count for a Run starting now. Cheap (one clock read) between samples.
  int ForRun();

  // The adaptive rule alone: with `cores` cores of which others keep `others_busy` busy, the
  // threads to use (at least 1, at most `max_threads`).
  static int ThreadsForLoad(int max_threads, int cores, double others_busy);

 private:
  void Sample();

  const int fixed_;
  int max_threads_ = 1;
  std::atomic<int> current_;
  std::atomic<int64_t> next_sample_ns_{0};
  absl::Mutex mu_;
  bool have_sample_ = false;         // guarded by mu_
  uint64_t last_machine_busy_ = 0;   // ticks, all cores
  uint64_t last_machine_total_ = 0;
  uint64_t last_self_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_INTRA_OP_THREADS_H_
