// TensorFlow as the oracle of the tf.data runtime: tests/data/tf/make_dataset_fixture.py made a
// GraphDef of three input pipelines in graph mode (tf.compat.v1) and recorded the elements
// TensorFlow's iterators gave; sluice loads the GraphDef and must give the same elements in the
// same order, shuffled ones included (sluice's shuffle draws TF's Philox stream).
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/graph_file.h"
#include "gtest/gtest.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

const std::string kDir = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/datasets/";

// Every element of iterator `name`, formatted as the fixture script writes them.
std::vector<std::string> SluiceElements(Session& session, const std::string& name) {
  std::vector<std::string> lines;
  Status init = session.Run({}, {}, {name + "/init"});
  EXPECT_TRUE(init.ok()) << init;
  if (!init.ok()) return lines;
  while (lines.size() < 1000) {
    std::vector<Tensor> out;
    Status s = session.Run({}, {name + "/x:0", name + "/y:0"}, {}, &out);
    if (absl::IsOutOfRange(s)) break;
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok()) break;
    std::vector<std::string> xs, ys;
    for (float v : out[0].flat<float>()) xs.push_back(absl::StrFormat("%.1f", v));
    for (int64_t v : out[1].flat<int64_t>()) ys.push_back(absl::StrCat(v));
    lines.push_back(absl::StrCat("x: ", absl::StrJoin(xs, " "), "; y: ", absl::StrJoin(ys, " ")));
  }
  return lines;
}

std::vector<std::string> TfElements(const std::string& name) {
  std::ifstream in(kDir + name + ".txt");
  EXPECT_TRUE(in.good()) << "missing fixture " << name << ".txt";
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class DatasetTfTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DatasetTfTest, SameElementsInTheSameOrderAsTensorFlow) {
  auto file = ReadGraphFile(kDir + "pipelines.pb");
  ASSERT_OK(file.status());
  auto session = Session::Create(file->meta_graph.graph_def());
  ASSERT_OK(session.status());
  const std::vector<std::string> expected = TfElements(GetParam());
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(SluiceElements(**session, GetParam()), expected);
  // Re-initializing gives the same sequence again.
  EXPECT_EQ(SluiceElements(**session, GetParam()), expected);
}

INSTANTIATE_TEST_SUITE_P(Pipelines, DatasetTfTest, ::testing::Values("shuffled", "fixed", "plain"));

}  // namespace
}  // namespace sluice
