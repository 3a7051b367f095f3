// train::Saver when the process dies or the disk fills in the middle of a Save: a child process
// (this test program again, running CheckpointCrashChild.SavesUntilKilled) saves a 60 MB model
// in a loop and is killed with SIGKILL at eight points spread over a save, or by SIGXFSZ at fixed
// byte offsets of the data file; afterwards the previous checkpoint must restore bit for bit, the
// state file must parse and name it, and every index in the directory must be a complete
// checkpoint. A full disk is a file size limit (RLIMIT_FSIZE with SIGXFSZ ignored, so writes fail
// with EFBIG), in such a child and, for the index and the state file, in this process.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/saver.h"
#include "ops/state_ops.h"
#include "runtime/session.h"
#include "runtime/tensor_bundle.h"
#include "tests/util/test_util.h"

extern char** environ;

namespace sluice {
namespace {

using ::testing::HasSubstr;

// A system call of the test harness itself that must not fail.
#define CHECK_SYS(cond)                                                   \
  do {                                                                    \
    if (!(cond)) {                                                        \
      std::perror(#cond);                                                 \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

constexpr int64_t kElements = 3 << 20;  // per variable: 60 MB in all

// Four variables (float, int32, double; a resource variable) whose values after `step` bumps are
// known: the initial pattern plus `step` (exact in every dtype for the steps a test takes). The
// graph computes the patterns (Range, Tile) rather than holding them as 60 MB of constants.
struct BigModel {
  // What the variables hold after `step` bumps (computed here, not by the graph).
  static Tensor Pattern(DataType dt, int64_t step) {
    Tensor t(dt, TensorShape({kElements}));
    for (int64_t i = 0; i < kElements; ++i) {
      if (dt == DT_FLOAT) t.data<float>()[i] = static_cast<float>(i % 4096) + static_cast<float>(step);
      if (dt == DT_INT32) t.data<int32_t>()[i] = static_cast<int32_t>(i * 3 + step);
      if (dt == DT_DOUBLE) t.data<double>()[i] = static_cast<double>(i % 1024) * 0.5 + static_cast<double>(step);
    }
    return t;
  }
  // The step-0 pattern of `shape` and `dtype`, as ops.
  static Output PatternOp(const Scope& s, const TensorShape& shape, DataType dtype) {
    const int64_t n = shape.dim(0);
    if (dtype == DT_INT32) return ops::Range(s, 0, static_cast<int32_t>(3 * n), 3);
    if (dtype == DT_DOUBLE) {
      Output halves = ops::Range(s, Tensor::Scalar<double>(0), Tensor::Scalar<double>(512), Tensor::Scalar<double>(0.5));
      return ops::Tile(s, halves, {n / 1024});
    }
    return ops::Tile(s, ops::Range(s, 0.0f, 4096.0f, 1.0f), {n / 4096});
  }
  Output Ones(DataType dt) {
    Output one = dt == DT_FLOAT   ? ops::Const(root, Tensor::Scalar<float>(1))
                 : dt == DT_INT32 ? ops::Const(root, Tensor::Scalar<int32_t>(1))
                                  : ops::Const(root, Tensor::Scalar<double>(1));
    return ops::Fill(root, {kElements}, one);
  }

  Scope root = Scope::NewRootScope();
  Variable a{root.WithOpName("a"), TensorShape({kElements}), PatternOp, DT_FLOAT};
  Variable b{root.WithOpName("b"), TensorShape({kElements}), PatternOp, DT_INT32};
  Variable c{root.WithOpName("c"), TensorShape({kElements}), PatternOp, DT_DOUBLE};
  ResourceVariable r{root.WithOpName("r"), TensorShape({kElements}), PatternOp, DT_FLOAT};
  Operation init = ops::GlobalVariablesInitializer(root);
  Operation bump = ops::Group(root, {ops::AssignAdd(root, a.ref(), Ones(DT_FLOAT)).op(),
                                     ops::AssignAdd(root, b.ref(), Ones(DT_INT32)).op(),
                                     ops::AssignAdd(root, c.ref(), Ones(DT_DOUBLE)).op(),
                                     ops::AssignAddVariableOp(root, r.handle(), Ones(DT_FLOAT))});

  // Empty when the variables hold the values of `step`, else what differs.
  std::string Mismatch(Session& session, int64_t step) {
    std::vector<Tensor> out;
    Status s = session.Run({}, {a.value(), b.value(), c.value(), r.value()}, &out);
    if (!s.ok()) return std::string(s.message());
    const DataType dtypes[] = {DT_FLOAT, DT_INT32, DT_DOUBLE, DT_FLOAT};
    for (int i = 0; i < 4; ++i) {
      Tensor want = Pattern(dtypes[i], step);
      if (out[i].dtype() != want.dtype() || out[i].shape() != want.shape() ||
          std::memcmp(out[i].raw_data(), want.raw_data(), want.TotalBytes()) != 0) {
        return absl::StrCat("variable ", i, " does not hold the values of step ", step);
      }
    }
    return "";
  }
};

int64_t StepOf(const std::string& path) {
  int64_t step = -1;
  size_t dash = path.rfind('-');
  if (dash == std::string::npos || !absl::SimpleAtoi(path.substr(dash + 1), &step)) return -1;
  return step;
}

// The child: restores the latest checkpoint of $SLUICE_CRASH_DIR (checking its values) or
// initializes, then bumps and saves steps one after the other, writing "saved <step>\n" to the
// file descriptor $SLUICE_CRASH_FD once each Save has returned. With $SLUICE_CRASH_FSIZE it sets
// that file size limit before its first Save, so that SIGXFSZ kills it when a file would grow
// past it; with $SLUICE_CRASH_FULL_DISK too, SIGXFSZ is ignored, so the write fails (EFBIG, as on
// a full disk) and the child writes "failed <message>\n" and ends. Otherwise it never ends on its
// own before 100 steps: the parent kills it.
TEST(CheckpointCrashChild, SavesUntilKilled) {
  const char* dir = std::getenv("SLUICE_CRASH_DIR");
  const char* fd_text = std::getenv("SLUICE_CRASH_FD");
  if (dir == nullptr || fd_text == nullptr) GTEST_SKIP() << "the child of the tests below";
  const int fd = std::atoi(fd_text);
  BigModel m;
  train::Saver saver(m.root, train::SaverOptions{.max_to_keep = 3});
  ASSERT_OK(saver.status());
  Session session(m.root);
  int64_t step = 0;
  auto latest = train::LatestCheckpoint(dir);
  if (latest.ok()) {
    step = StepOf(*latest);
    ASSERT_OK(saver.Restore(session, *latest));
    std::string mismatch = m.Mismatch(session, step);
    ASSERT_EQ(mismatch, "") << *latest;
    saver.RecoverLastCheckpoints(train::ReadCheckpointState(dir)->all_model_checkpoint_paths);
  } else {
    ASSERT_OK(session.Run({}, {}, {m.init}));
  }
  if (const char* fsize = std::getenv("SLUICE_CRASH_FSIZE")) {
    struct rlimit core = {0, 0};
    ::setrlimit(RLIMIT_CORE, &core);
    // SIG_DFL: an ignored signal would be inherited.
    ::signal(SIGXFSZ, std::getenv("SLUICE_CRASH_FULL_DISK") != nullptr ? SIG_IGN : SIG_DFL);
    struct rlimit limit = {static_cast<rlim_t>(std::atoll(fsize)), RLIM_INFINITY};
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK(session.Run({}, {}, {m.bump}));
    ++step;
    Status saved = saver.Save(session, absl::StrCat(dir, "/model"), step);
    if (!saved.ok() && std::getenv("SLUICE_CRASH_FULL_DISK") != nullptr) {
      std::string line = absl::StrCat("failed ", saved.message(), "\n");
      ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
      return;
    }
    ASSERT_OK(saved);
    std::string line = absl::StrCat("saved ", step, "\n");
    ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }
}

class CheckpointCrashTest : public ::testing::Test {
 protected:
  struct Child {
    pid_t pid = -1;
    int fd = -1;  // the read end of its "saved" lines
  };

  // Starts this program as CheckpointCrashChild.SavesUntilKilled over dir_ (with a file size limit if > 0).
  // Full disk: SIGXFSZ ignored (see the child).
  Child Spawn(int64_t fsize_limit = 0, bool full_disk = false) {
    int fds[2];
    CHECK_SYS(::pipe(fds) == 0);
    ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    std::vector<std::string> env_strings = {absl::StrCat("SLUICE_CRASH_DIR=", dir_.path()),
                                            absl::StrCat("SLUICE_CRASH_FD=", fds[1])};
    if (fsize_limit > 0) env_strings.push_back(absl::StrCat("SLUICE_CRASH_FSIZE=", fsize_limit));
    if (full_disk) env_strings.push_back("SLUICE_CRASH_FULL_DISK=1");
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
    for (std::string& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    std::string self = "/proc/self/exe";
    std::string filter = "--gtest_filter=CheckpointCrashChild.SavesUntilKilled";
    char* argv[] = {self.data(), filter.data(), nullptr};
    // Under a file size limit the child's output goes nowhere: were it a regular file (a log),
    // writing it could be what passes the limit.
    posix_spawn_file_actions_t actions;
    CHECK_SYS(::posix_spawn_file_actions_init(&actions) == 0);
    if (fsize_limit > 0) {
      CHECK_SYS(::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) == 0);
      CHECK_SYS(::posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) == 0);
    }
    Child child;
    CHECK_SYS(::posix_spawn(&child.pid, self.c_str(), &actions, nullptr, argv, env.data()) == 0);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    child.fd = fds[0];
    return child;
  }

  // Reads one "saved <step>" line (blocking): the step; -1 at the end of the pipe, or for a
  // "failed <message>" line (the message goes to *failure).
  static int64_t ReadSaved(const Child& child, std::string* failure = nullptr) {
    std::string line;
    char ch;
    while (::read(child.fd, &ch, 1) == 1) {
      if (ch == '\n') {
        int64_t step = -1;
        if (line.starts_with("failed ") && failure != nullptr) *failure = line.substr(7);
        return line.starts_with("saved ") && absl::SimpleAtoi(line.substr(6), &step) ? step : -1;
      }
      line += ch;
    }
    return -1;
  }

  // Waits for the child; returns the signal that ended it (0 if it exited), and the last step
  // it reported saved in *last_saved (and a failure it reported in *failure).
  static int Reap(Child& child, int64_t* last_saved, std::string* failure = nullptr) {
    for (int64_t s; (s = ReadSaved(child, failure)) >= 0;) *last_saved = s;
    ::close(child.fd);
    int status = 0;
    CHECK_SYS(::waitpid(child.pid, &status, 0) == child.pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }

  // What a crash may leave: the state file parses and names an existing checkpoint no older
  // than the last one reported saved, which restores bit for bit; every index in the directory
  // is a complete checkpoint; everything else is a data file or a writer's temporary file.
  void ExpectIntact(int64_t last_saved) {
    auto state = train::ReadCheckpointState(dir_.path());
    ASSERT_OK(state.status());
    const int64_t latest = StepOf(state->model_checkpoint_path);
    EXPECT_GE(latest, last_saved) << state->model_checkpoint_path;
    EXPECT_LE(latest, last_saved + 1) << state->model_checkpoint_path;
    for (const std::string& p : state->all_model_checkpoint_paths) EXPECT_TRUE(FileExists(p + ".index")) << p;
    auto children = GetChildren(dir_.path());
    ASSERT_OK(children.status());
    for (const std::string& name : *children) {
      const std::string path = dir_.path() + "/" + name;
      if (name.ends_with(".index")) {
        auto reader = BundleReader::Open(path.substr(0, path.size() - 6));
        ASSERT_OK(reader.status());
        ASSERT_EQ((*reader)->TensorNames(), (std::vector<std::string>{"a", "b", "c", "r"})) << name;
        for (const std::string& t : (*reader)->TensorNames()) EXPECT_OK((*reader)->Verify(t));
      } else if (name != "checkpoint") {
        // A data file (complete: renamed into place before its index) or a killed writer's
        // temporary file, which no reader takes for a checkpoint.
        EXPECT_TRUE(name.ends_with(".data-00000-of-00001") || name.find(".tmp.") != std::string::npos) << name;
      }
    }
    Session session(model_.root);
    ASSERT_OK(saver_.Restore(session, state->model_checkpoint_path));
    EXPECT_EQ(model_.Mismatch(session, latest), "");
  }

  test::TempDir dir_{"crash"};
  BigModel model_;
  train::Saver saver_{model_.root};
};

TEST_F(CheckpointCrashTest, KilledAtPointsSpreadOverASave) {
  int64_t last_saved = 0;
  for (double fraction : {0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 0.98}) {
    Child child = Spawn();
    // Two saves give the time one takes; the kill falls into the third.
    int64_t first = ReadSaved(child);
    auto t1 = std::chrono::steady_clock::now();
    int64_t second = ReadSaved(child);
    auto t2 = std::chrono::steady_clock::now();
    ASSERT_GT(first, 0) << "the child died before saving";
    ASSERT_EQ(second, first + 1);
    std::printf("a save takes %.0f ms; killing after %.0f ms\n",
                std::chrono::duration<double, std::milli>(t2 - t1).count(),
                std::chrono::duration<double, std::milli>(t2 - t1).count() * fraction);
    std::this_thread::sleep_for((t2 - t1) * fraction);
    ::kill(child.pid, SIGKILL);
    last_saved = second;
    EXPECT_EQ(Reap(child, &last_saved), SIGKILL) << "the child ended on its own";
    SCOPED_TRACE(absl::StrCat("killed ", fraction, " of a save after step ", last_saved));
    ExpectIntact(last_saved);
    if (HasFatalFailure()) return;
  }
}

TEST_F(CheckpointCrashTest, KilledAtByteOffsetsOfTheDataFile) {
  // A first checkpoint, then saves killed (SIGXFSZ) when the data file would pass each offset.
  Child first = Spawn();
  ASSERT_EQ(ReadSaved(first), 1);
  ::kill(first.pid, SIGKILL);
  int64_t last_saved = 1;
  Reap(first, &last_saved);
  ExpectIntact(last_saved);
  const int64_t data_bytes = kElements * (4 + 4 + 8 + 4);  // a, b, r: 12 MB each; c: 24 MB
  for (int64_t limit :
       {int64_t{1}, int64_t{64} << 10, int64_t{1} << 20, data_bytes / 3, data_bytes / 2, data_bytes - 1}) {
    Child child = Spawn(limit);
    EXPECT_EQ(Reap(child, &last_saved), SIGXFSZ) << "limit " << limit;
    SCOPED_TRACE(absl::StrCat("file size limit ", limit));
    // It died writing the data file of the next step, filled up to the limit (the write that
    // passes it writes up to it, the next one raises the signal).
    const std::string temporary = absl::StrCat(dir_.path(), "/model-", last_saved + 1, ".data-00000-of-00001.tmp.",
                                               child.pid, ".");
    int found = 0;
    for (const std::string& name : GetChildren(dir_.path()).value_or(std::vector<std::string>{})) {
      const std::string path = dir_.path() + "/" + name;
      if (!path.starts_with(temporary)) continue;
      ++found;
      EXPECT_EQ(GetFileSize(path).value_or(0), static_cast<uint64_t>(limit)) << name;
    }
    EXPECT_EQ(found, 1) << temporary;
    ExpectIntact(last_saved);
    if (HasFatalFailure()) return;
  }
}

TEST_F(CheckpointCrashTest, FullDiskInTheChild) {
  Child first = Spawn();
  ASSERT_EQ(ReadSaved(first), 1);
  ::kill(first.pid, SIGKILL);
  int64_t last_saved = 1;
  Reap(first, &last_saved);
  ExpectIntact(last_saved);
  const std::string state = ReadFileToString(dir_.path() + "/checkpoint").value_or("");
  const int64_t data_bytes = kElements * (4 + 4 + 8 + 4);
  for (int64_t limit : {int64_t{64} << 10, data_bytes / 2}) {
    std::vector<std::string> files = GetChildren(dir_.path()).value_or(std::vector<std::string>{});
    Child child = Spawn(limit, /*full_disk=*/true);
    std::string failure;
    EXPECT_EQ(Reap(child, &last_saved, &failure), 0) << "limit " << limit;
    SCOPED_TRACE(absl::StrCat("file size limit ", limit));
    EXPECT_THAT(failure, HasSubstr(absl::StrCat("'", dir_.path(), "/model-", last_saved + 1, ".data-00000-of-00001'")));
    EXPECT_THAT(failure, HasSubstr("File too large"));
    // The failed Save left nothing behind, and the state file as it was.
    EXPECT_EQ(GetChildren(dir_.path()).value_or(std::vector<std::string>{}), files);
    EXPECT_EQ(ReadFileToString(dir_.path() + "/checkpoint").value_or(""), state);
    ExpectIntact(last_saved);
    if (HasFatalFailure()) return;
  }
}

// Sets the file size limit of this process to `bytes` while it lives (SIGXFSZ ignored: a write
// past it fails with EFBIG, as on a full disk).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    CHECK_SYS(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {bytes, saved_.rlim_max};
    CHECK_SYS(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, old_handler_);
  }

 private:
  struct rlimit saved_;
  sighandler_t old_handler_;
};

class CheckpointFullDiskTest : public ::testing::Test {
 protected:
  std::vector<std::string> Files() { return GetChildren(dir_.path()).value_or(std::vector<std::string>{"?"}); }

  // Save fails naming the file it could not write (quoted: `file` itself, not only its
  // temporary); the state file, the files and the saver are as before.
  void ExpectFailedSaveChangedNothing(const Status& s, const std::string& file, const std::string& state_before,
                                      const std::vector<std::string>& files_before,
                                      const std::vector<std::string>& kept_before, const train::Saver& saver) {
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_THAT(s.message(), HasSubstr("'" + dir_.path() + "/" + file + "'"));
    EXPECT_THAT(s.message(), HasSubstr("File too large"));
    EXPECT_EQ(std::string(s.message()).find('\n'), std::string::npos);
    EXPECT_EQ(ReadFileToString(dir_.path() + "/checkpoint").value_or(""), state_before);
    EXPECT_EQ(Files(), files_before);  // nothing new, no temporary file
    EXPECT_EQ(saver.last_checkpoints(), kept_before);
  }

  test::TempDir dir_{"full_disk"};
};

TEST_F(CheckpointFullDiskTest, DataFileTooLarge) {
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("w"), test::Floats(TensorShape({1 << 20})));  // 4 MB
  Variable n(root.WithOpName("n"), Tensor::FromVector<int64_t>({7, 8}));
  Operation change = ops::Assign(root, w.ref(), test::Floats(TensorShape({1 << 20}), 2.0)).op();
  train::Saver saver(root);
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::string first;
  ASSERT_OK(saver.Save(session, dir_.path() + "/model", 1, &first));
  std::vector<Tensor> saved;
  ASSERT_OK(session.Run({}, {w.value(), n.value()}, &saved));
  const std::string state = ReadFileToString(dir_.path() + "/checkpoint").value_or("");
  const std::vector<std::string> files = Files();
  ASSERT_OK(session.Run({}, {}, {change}));
  for (rlim_t limit : {rlim_t{0}, rlim_t{100} << 10, rlim_t{3} << 20}) {
    Status s;
    {
      FileSizeLimit full(limit);
      s = saver.Save(session, dir_.path() + "/model", 2);
    }
    SCOPED_TRACE(absl::StrCat("limit ", limit));
    ExpectFailedSaveChangedNothing(s, "model-2.data-00000-of-00001", state, files, {first}, saver);
  }
  Session fresh(root);
  ASSERT_OK(saver.Restore(fresh, first));
  std::vector<Tensor> restored;
  ASSERT_OK(fresh.Run({}, {w.value(), n.value()}, &restored));
  test::ExpectTensorEqual(restored[0], saved[0]);
  test::ExpectTensorEqual(restored[1], saved[1]);
  // With room again, the same Save succeeds.
  ASSERT_OK(saver.Save(session, dir_.path() + "/model", 2));
  EXPECT_EQ(saver.last_checkpoints().size(), 2u);
}

TEST_F(CheckpointFullDiskTest, IndexTooLarge) {
  // 300 names for one small variable: 1.2 KB of data, an index of tens of KB.
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1.5f}));
  std::map<std::string, Variable> names;
  for (int i = 0; i < 300; ++i) names[absl::StrCat(i * 7919 % 1000, "/", std::string(150, 'a' + i % 26), i)] = v;
  train::Saver saver(root, names);
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  std::string first;
  ASSERT_OK(saver.Save(session, dir_.path() + "/model", 1, &first));
  ASSERT_GT(GetFileSize(first + ".index").value_or(0), uint64_t{16} << 10);
  const std::string state = ReadFileToString(dir_.path() + "/checkpoint").value_or("");
  const std::vector<std::string> files = Files();
  Status s;
  {
    FileSizeLimit full(16 << 10);
    s = saver.Save(session, dir_.path() + "/model", 2);
  }
  ExpectFailedSaveChangedNothing(s, "model-2.index", state, files, {first}, saver);
}

TEST_F(CheckpointFullDiskTest, StateFileTooLarge) {
  // Checkpoints of a few bytes, kept forever, under long names: the state file is the largest.
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Tensor::FromVector<float>({1.5f}));
  train::Saver saver(root, train::SaverOptions{.max_to_keep = 0});
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}));
  const std::string prefix = dir_.path() + "/" + std::string(120, 'm');
  for (int step = 1; step <= 40; ++step) ASSERT_OK(saver.Save(session, prefix, step));
  ASSERT_GT(GetFileSize(dir_.path() + "/checkpoint").value_or(0), uint64_t{8} << 10);
  const std::string state = ReadFileToString(dir_.path() + "/checkpoint").value_or("");
  const std::vector<std::string> files = Files();
  const std::vector<std::string> kept = saver.last_checkpoints();
  Status s;
  {
    FileSizeLimit full(4 << 10);
    s = saver.Save(session, prefix, 41);
  }
  ExpectFailedSaveChangedNothing(s, "checkpoint", state, files, kept, saver);
}

}  // namespace
}  // namespace sluice
