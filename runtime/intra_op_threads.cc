#include "runtime/intra_op_threads.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace sluice {

namespace {

constexpr int64_t kSampleIntervalNs = 100'000'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Busy and total ticks of all cores, and the number of cores, from /proc/stat.
bool ReadMachineTicks(uint64_t* busy, uint64_t* total, int* cores) {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (f == nullptr) return false;
  char line[512];
  bool ok = false;
  int n = 0;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, "cpu ", 4) == 0) {
      unsigned long long v[8] = {};  // user nice system idle iowait irq softirq steal
      if (std::sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                      &v[4], &v[5], &v[6], &v[7]) >= 4) {
        *busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        *total = *busy + v[3] + v[4];
        ok = true;
      }
    } else if (std::strncmp(line, "cpu", 3) == 0) {
      ++n;
    } else if (ok) {
      break;
    }
  }
  std::fclose(f);
  *cores = std::max(n, 1);
  return ok;
}

// This process's user + system ticks (all its threads), from /proc/self/stat.
bool ReadSelfTicks(uint64_t* ticks) {
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (f == nullptr) return false;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // Fields after the command name (which may hold spaces) start behind the last ')'.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return false;
  unsigned long long utime = 0, stime = 0;
  // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    return false;
  }
  *ticks = utime + stime;
  return true;
}

}  // namespace

ScopedOmpThreads::ScopedOmpThreads(int n) {
  if (n <= 0) return;
  const int current = omp_get_max_threads();
  if (current == n) return;
  previous_ = current;
  omp_set_num_threads(n);
}

ScopedOmpThreads::~ScopedOmpThreads() {
  if (previous_ > 0) omp_set_num_threads(previous_);
}

IntraOpThreads::IntraOpThreads(int fixed, int max_threads) : fixed_(fixed) {
  max_threads_ = fixed > 0 ? fixed : (max_threads > 0 ? max_threads : omp_get_max_threads());
  current_.store(max_threads_, std::memory_order_relaxed);
}

int IntraOpThreads::ThreadsForLoad(int max_threads, int cores, double others_busy) {
  const int free_cores = cores - static_cast<int>(std::lround(std::max(0.0, others_busy)));
  return std::clamp(free_cores, 1, std::max(max_threads, 1));
}

int IntraOpThreads::ForRun() {
  if (fixed_ > 0 || max_threads_ == 1) return max_threads_;
  const int64_t now = NowNs();
  if (now >= next_sample_ns_.load(std::memory_order_relaxed)) {
    absl::MutexLock lock(&mu_);
    if (now >= next_sample_ns_.load(std::memory_order_relaxed)) {
      next_sample_ns_.store(now + kSampleIntervalNs, std::memory_order_relaxed);
      Sample();
    }
  }
  return current_.load(std::memory_order_relaxed);
}

void IntraOpThreads::Sample() {
  uint64_t busy = 0, total = 0, self = 0;
  int cores = 1;
  if (!ReadMachineTicks(&busy, &total, &cores) || !ReadSelfTicks(&self)) return;
  if (have_sample_ && total > last_machine_total_) {
    // Cores' worth of busy time that was not ours over the interval.
    const double interval_cores = static_cast<double>(total - last_machine_total_) / cores;
    const double busy_ticks = static_cast<double>(busy - last_machine_busy_);
    const double self_ticks = static_cast<double>(self >= last_self_ ? self - last_self_ : 0);
    const double others = (busy_ticks - self_ticks) / interval_cores;
    current_.store(ThreadsForLoad(max_threads_, cores, others), std::memory_order_relaxed);
  }
  have_sample_ = true;
  last_machine_busy_ = busy;
  last_machine_total_ = total;
  last_self_ = self;
}

}  // namespace sluice
