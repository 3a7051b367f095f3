// Peak memory (ru_maxrss) of saving and of restoring a large checkpoint with train::Saver, one
// process per measurement (docs/BENCHMARKS.md, "Checkpoints"):
//
//   build/bin/checkpoint_rss save DIR [--variables 8] [--mb 256]      # writes DIR/model-1
//   build/bin/checkpoint_rss restore DIR [...]   # Saver::Restore into a fresh session
//   build/bin/checkpoint_rss resume DIR [...]    # Saver::Restore over initialized variables
//   build/bin/checkpoint_rss restore-op DIR [...]  # over initialized variables, the graph's
//                       # save/restore_all in one Run: every tensor read before any is assigned,
//                       # as Saver::Restore did before it streamed
//
// Each prints the model's size, the peak resident memory of the process and the seconds the
// save or restore took. Not run in CI: it needs (variables x mb) MB of disk and twice that of
// memory for restore-op.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "sluice.h"

namespace sluice {
namespace {

double PeakRssMb() {
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

int Main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: checkpoint_rss save|restore|resume|restore-op DIR [--variables N] [--mb MB]\n");
    return 2;
  }
  const std::string mode = argv[1], dir = argv[2];
  int variables = 8;
  int64_t mb = 256;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--variables") == 0 && absl::SimpleAtoi(argv[i + 1], &variables)) continue;
    if (std::strcmp(argv[i], "--mb") == 0 && absl::SimpleAtoi(argv[i + 1], &mb)) continue;
    std::fprintf(stderr, "checkpoint_rss: bad argument '%s'\n", argv[i]);
    return 2;
  }
  Scope root = Scope::NewRootScope();
  std::vector<Variable> vars;
  for (int i = 0; i < variables; ++i) {
    vars.emplace_back(root.WithOpName(absl::StrCat("v", i)), TensorShape({mb << 18}), init::Constant(0.5f + i));
  }
  Operation init = ops::GlobalVariablesInitializer(root);
  train::Saver saver(root);
  SLUICE_CHECK_OK(saver.status());
  Session session(root);
  const std::string path = dir + "/model-1";
  const double before_mb = PeakRssMb();
  auto start = std::chrono::steady_clock::now();
  if (mode == "save") {
    SLUICE_CHECK_OK(session.Run({}, {}, {init}));
    start = std::chrono::steady_clock::now();
    SLUICE_CHECK_OK(saver.Save(session, dir + "/model", 1));
  } else if (mode == "restore") {
    SLUICE_CHECK_OK(saver.Restore(session, path));
  } else if (mode == "resume") {
    SLUICE_CHECK_OK(session.Run({}, {}, {init}));
    start = std::chrono::steady_clock::now();
    SLUICE_CHECK_OK(saver.Restore(session, path));
  } else if (mode == "restore-op") {
    SLUICE_CHECK_OK(session.Run({}, {}, {init}));
    start = std::chrono::steady_clock::now();
    std::vector<Tensor> none;
    SLUICE_CHECK_OK(session.Run({{saver.filename_tensor_name(), Tensor::Scalar<std::string>(path)}}, {},
                                {saver.restore_op_name()}, &none));
  } else {
    std::fprintf(stderr, "checkpoint_rss: unknown mode '%s'\n", mode.c_str());
    return 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Every variable holds its value: the checkpoint's (or, for save, the initializer's).
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {vars.back().value()}, &out));
  if (out[0].data<float>()[0] != 0.5f + (variables - 1)) {
    std::fprintf(stderr, "checkpoint_rss: wrong value after %s\n", mode.c_str());
    return 1;
  }
  std::printf("%s: model %lld MB (%d x %lld MB), peak RSS %.0f MB (%.0f MB before), %.2f s\n", mode.c_str(),
              static_cast<long long>(variables * mb), variables, static_cast<long long>(mb), PeakRssMb(), before_mb,
              seconds);
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
