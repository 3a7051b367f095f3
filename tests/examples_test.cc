// The example programs as a user starts them: from any folder, finding the repository's data.
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "ops/saver.h"
#include "runtime/session.h"
#include "runtime/tensor_bundle.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

struct Result {
  int code = -1;
  std::string out, err;
};

// Runs mnist_mlp with `args` in the folder `cwd`.
Result RunMnistMlp(const std::string& cwd, const std::string& args) {
  std::string cmd = absl::StrCat("cd '", cwd, "' && '", MNIST_MLP_PATH, "' ", args, " >out.txt 2>err.txt");
  int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFileToString(cwd + "/out.txt").value_or("");
  r.err = ReadFileToString(cwd + "/err.txt").value_or("");
  return r;
}

bool HaveMnist() {
  const std::string dir = SLUICE_SOURCE_DIR "/data/mnist";
  return FileExists(dir + "/t10k-labels-idx1-ubyte") || FileExists(dir + "/t10k-labels-idx1-ubyte.gz");
}

TEST(ExamplesTest, MnistMlpFindsTheRepositoryDataFromAnyFolder) {
  if (!HaveMnist()) GTEST_SKIP() << "MNIST not in data/mnist (tools/setup.sh fetches it)";
  test::TempDir tmp("examples");
  ASSERT_FALSE(tmp.path().empty());
  Result r = RunMnistMlp(tmp.path(), "--epochs 0 --out model.pb");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("test_accuracy="));
  EXPECT_TRUE(FileExists(tmp.path() + "/model.pb"));
}

// One epoch with --checkpoint_dir: a checkpoint of global step 469 (ceil(60000 / 128) steps),
// holding the layers and Adam's slots, that a Saver of another graph restores.
TEST(ExamplesTest, MnistMlpSavesACheckpointEachEpoch) {
  if (!HaveMnist()) GTEST_SKIP() << "MNIST not in data/mnist (tools/setup.sh fetches it)";
  test::TempDir tmp("examples");
  ASSERT_FALSE(tmp.path().empty());
  Result r = RunMnistMlp(tmp.path(), "--epochs 1 --checkpoint_dir ckpt --out model.pb");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("saved checkpoint ckpt/model-469\n"));
  auto latest = train::LatestCheckpoint(tmp.path() + "/ckpt");
  ASSERT_OK(latest.status());
  EXPECT_EQ(*latest, tmp.path() + "/ckpt/model-469");
  auto reader = BundleReader::Open(*latest);
  ASSERT_OK(reader.status());
  EXPECT_THAT((*reader)->TensorNames(),
              ::testing::IsSupersetOf({"global_step", "hidden/kernel", "hidden/bias", "hidden/kernel/Adam",
                                       "hidden/kernel/Adam_1", "out/kernel", "out/bias"}));
  for (const std::string& name : (*reader)->TensorNames()) ASSERT_OK((*reader)->Verify(name));
  EXPECT_EQ((*reader)->Lookup("global_step")->scalar<int64_t>(), 469);

  Scope root = Scope::NewRootScope();
  Variable kernel(root.WithOpName("k"), Tensor(DT_FLOAT, TensorShape({784, 256})));
  Variable step(root.WithOpName("s"), Tensor::Scalar<int64_t>(0));
  train::Saver saver(root, {{"hidden/kernel", kernel}, {"global_step", step}});
  Session session(root);
  ASSERT_OK(saver.Restore(session, *latest));
  std::vector<Tensor> out;
  ASSERT_OK(session.Run({}, {kernel.value(), step.value()}, &out));
  EXPECT_EQ(out[1].scalar<int64_t>(), 469);
  Tensor saved = *(*reader)->Lookup("hidden/kernel");
  EXPECT_EQ(std::memcmp(out[0].raw_data(), saved.raw_data(), saved.TotalBytes()), 0);
}

TEST(ExamplesTest, MissingDataIsOneLineThatSaysWhatToDo) {
  test::TempDir tmp("examples");
  ASSERT_FALSE(tmp.path().empty());
  Result r = RunMnistMlp(tmp.path(), "--epochs 1 --data no_such_dir");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no_such_dir/train-images-idx3-ubyte"));
  EXPECT_THAT(r.err, HasSubstr("tools/setup.sh"));
  EXPECT_THAT(r.err, HasSubstr("--data DIR"));
}

TEST(ExamplesTest, EmptyDataSetIsAnErrorNotNan) {
  test::TempDir tmp("examples");
  ASSERT_FALSE(tmp.path().empty());
  // Valid IDX files of zero images and labels: a magic number, then the dimensions (big-endian).
  const std::string images("\x00\x00\x08\x03\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x1c", 16);
  const std::string labels("\x00\x00\x08\x01\x00\x00\x00\x00", 8);
  for (const char* split : {"train", "t10k"}) {
    ASSERT_OK(WriteStringToFileAtomic(absl::StrCat(tmp.path(), "/", split, "-images-idx3-ubyte"), images));
    ASSERT_OK(WriteStringToFileAtomic(absl::StrCat(tmp.path(), "/", split, "-labels-idx1-ubyte"), labels));
  }
  Result r = RunMnistMlp(tmp.path(), "--epochs 1 --data .");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is empty"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("nan")));
}

}  // namespace
}  // namespace sluice
