// libFuzzer target: the "checkpoint" state file from outside bytes (train::ReadCheckpointState,
// then LatestCheckpoint). The input is the file; it goes to a per-process temporary directory.
// Errors must be one line, never a crash; a state file that parses must write back and parse
// again to the same state. The directory is removed at exit.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ops/saver.h"

namespace {
std::string* fuzz_dir = nullptr;

void RemoveFuzzDir() {
  std::remove((*fuzz_dir + "/checkpoint").c_str());
  ::rmdir(fuzz_dir->c_str());
}

void CheckOneLine(const sluice::Status& s) {
  if (s.message().find('\n') != std::string::npos) std::abort();
}

bool SameNumber(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

void WriteFile(const std::string& path, const uint8_t* data, size_t n) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (n > 0 && std::fwrite(data, 1, n, f) != n) std::abort();
  std::fclose(f);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    char d[] = "/tmp/sluice_state_fuzz_XXXXXX";
    if (::mkdtemp(d) == nullptr) std::abort();
    fuzz_dir = new std::string(d);
    std::atexit(RemoveFuzzDir);
    return *fuzz_dir;
  }();
  WriteFile(dir + "/checkpoint", data, size);
  auto state = sluice::train::ReadCheckpointState(dir);
  if (!state.ok()) {
    CheckOneLine(state.status());
    return 0;
  }
  auto latest = sluice::train::LatestCheckpoint(dir);
  if (!latest.ok()) CheckOneLine(latest.status());
  if (!sluice::train::WriteCheckpointState(dir, *state).ok()) std::abort();
  auto again = sluice::train::ReadCheckpointState(dir);
  if (!again.ok() || again->model_checkpoint_path != state->model_checkpoint_path ||
      again->all_model_checkpoint_paths != state->all_model_checkpoint_paths ||
      !SameNumber(again->last_preserved_timestamp, state->last_preserved_timestamp)) {
    std::abort();
  }
  return 0;
}
