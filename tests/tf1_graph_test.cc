// TF1 training graphs that TensorFlow's tf.compat.v1 wrote (tests/data/tf/make_tf1_graph_fixtures.py:
// an MLP 20-8-3 with VariableV2 variables, tf.compat.v1.losses, tf.nn.in_top_k, tf.debugging
// asserts and the TF1 optimizers' minimize with a global step), imported into sluice,
// initialized by their own "init" op and trained: the losses of K steps must be TensorFlow's.
// The fixtures are committed, so this runs without TensorFlow.
#include <zlib.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/npy.h"
#include "gtest/gtest.h"
#include "runtime/session.h"

namespace sluice {
namespace {

const std::string kDir = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/tf1_graphs/";
constexpr int kSteps = 5;  // K of the script

GraphDef ReadGzippedGraph(const std::string& name) {
  GraphDef graph_def;
  const std::string path = kDir + name + ".pb.gz";
  gzFile f = gzopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) return graph_def;
  std::string bytes;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) bytes.append(buf, n);
  gzclose(f);
  EXPECT_TRUE(graph_def.ParseFromString(bytes)) << path;
  return graph_def;
}

std::vector<float> ReadFloats(const std::string& file) {
  auto t = ReadNpy(kDir + file);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return {};
  return std::vector<float>(t->data<float>(), t->data<float>() + t->NumElements());
}

float FetchScalar(Session& session, const std::string& name,
                  const std::vector<std::pair<std::string, Tensor>>& feeds = {}) {
  std::vector<Tensor> out;
  Status s = session.Run(feeds, {name}, {}, &out);
  EXPECT_TRUE(s.ok()) << s;
  return s.ok() ? out[0].scalar<float>() : NAN;
}

// Runs "init", then K times: fetch total_loss, run "train"; then fetches total_loss once more.
// Compares with TensorFlow's values, and checks that the global step counted the steps.
void ExpectTrainsLikeTensorFlow(const std::string& graph, const std::string& expected_losses,
                                const std::vector<std::pair<std::string, Tensor>>& feeds = {}) {
  auto session = Session::Create(ReadGzippedGraph(graph));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Run({}, {}, {"init"}).ok());
  std::vector<float> expected = ReadFloats(expected_losses + ".losses.npy");
  ASSERT_EQ(expected.size(), kSteps + 1u);
  for (int step = 0; step <= kSteps; ++step) {
    float loss = FetchScalar(**session, "total_loss:0", feeds);
    EXPECT_NEAR(loss, expected[step], 2e-5 * std::max(1.0f, std::abs(expected[step])))
        << graph << " before step " << step;
    if (step < kSteps) {
      Status s = (*session)->Run(feeds, {}, {"train"});
      ASSERT_TRUE(s.ok()) << s;
    }
  }
  std::vector<Tensor> out;
  ASSERT_TRUE((*session)->Run({}, {"global_step:0"}, {}, &out).ok());
  EXPECT_EQ(out[0].scalar<int64_t>(), kSteps);
}

class Tf1OptimizerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(Tf1OptimizerTest, TrainsLikeTensorFlow) { ExpectTrainsLikeTensorFlow(GetParam(), GetParam()); }

INSTANTIATE_TEST_SUITE_P(Optimizers, Tf1OptimizerTest,
                         ::testing::Values("gradient_descent", "adam", "momentum", "nesterov",
                                           "rmsprop", "rmsprop_momentum", "adagrad"));

// Every tf.compat.v1.losses loss, weighted, summed; the train op depends on the asserts.
TEST(Tf1GraphTest, AllLossesTrainLikeTensorFlow) { ExpectTrainsLikeTensorFlow("losses", "losses"); }

TEST(Tf1GraphTest, AccuracyAndInTopKAreTensorFlows) {
  auto session = Session::Create(ReadGzippedGraph("losses"));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Run({}, {}, {"init"}).ok());
  std::vector<Tensor> out;
  Status s = (*session)->Run({}, {"accuracy:0", "in_top_2:0"}, {"checks"}, &out);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_FLOAT_EQ(out[0].scalar<float>(), ReadFloats("losses.accuracy.npy")[0]);
  auto expected = ReadNpy(kDir + "losses.in_top_k.npy");
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(out[1].NumElements(), expected->NumElements());
  for (int64_t i = 0; i < expected->NumElements(); ++i) {
    EXPECT_EQ(out[1].data<bool>()[i], expected->data<int32_t>()[i] != 0) << "row " << i;
  }
}

// A batch size of 4 fed for tf.shape(x)[0] (node "strided_slice") breaks
// tf.debugging.assert_equal(tf.shape(x)[0], 6).
TEST(Tf1GraphTest, FailingAssertStopsTheStep) {
  auto session = Session::Create(ReadGzippedGraph("losses"));
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor n(DT_INT32, TensorShape{});
  n.scalar<int32_t>() = 4;
  ASSERT_TRUE((*session)->Run({}, {}, {"init"}).ok());
  Status s = (*session)->Run({{"strided_slice", n}}, {}, {"checks"});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("assertion failed"), std::string::npos) << s;
}

// With keep_prob at its default 1.0 dropout keeps everything: the plain GradientDescent run.
TEST(Tf1GraphTest, DropoutGraphAtKeepProbOneTrainsLikeTensorFlow) {
  ExpectTrainsLikeTensorFlow("dropout", "gradient_descent");
}

TEST(Tf1GraphTest, DropoutGraphTrainsWithKeepProbHalf) {
  auto session = Session::Create(ReadGzippedGraph("dropout"));
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Run({}, {}, {"init"}).ok());
  Tensor half(DT_FLOAT, TensorShape{});
  half.scalar<float>() = 0.5f;
  const float before = FetchScalar(**session, "total_loss:0");
  for (int step = 0; step < 30; ++step) {
    Status s = (*session)->Run({{"keep_prob", half}}, {}, {"train"});
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_TRUE(std::isfinite(FetchScalar(**session, "total_loss:0", {{"keep_prob", half}})));
  }
  EXPECT_LT(FetchScalar(**session, "total_loss:0"), before);
}

// TF1 slicing (x[:, tf.newaxis], x[..., 0], negative strides, Keras's Flatten chain) and the
// array and math ops of issue 9, with TensorFlow's gradient through them: every output
// "out/<name>" must equal TensorFlow's value "expected/<name>" held in the same graph.
TEST(Tf1GraphTest, OpsMatchTensorFlow) {
  auto session = Session::Create(ReadGzippedGraph("ops_oracle"));
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> names;
  ASSERT_TRUE((*session)->Run({}, {"expected/names:0"}, {}, &names).ok());
  ASSERT_GT(names[0].NumElements(), 30);
  for (int64_t i = 0; i < names[0].NumElements(); ++i) {
    const std::string name = names[0].data<std::string>()[i];
    std::vector<Tensor> out;
    Status s = (*session)->Run({}, {"out/" + name + ":0", "expected/" + name + ":0"}, {}, &out);
    ASSERT_TRUE(s.ok()) << name << ": " << s;
    const Tensor& got = out[0];
    const Tensor& want = out[1];
    ASSERT_EQ(got.dtype(), want.dtype()) << name;
    ASSERT_EQ(got.shape(), want.shape()) << name;
    for (int64_t k = 0; k < want.NumElements(); ++k) {
      switch (want.dtype()) {
        case DT_FLOAT: {
          const float a = got.data<float>()[k], b = want.data<float>()[k];
          if (std::isnan(b)) {
            EXPECT_TRUE(std::isnan(a)) << name << " element " << k;
          } else {
            EXPECT_NEAR(a, b, 1e-5 * std::max(1.0f, std::abs(b))) << name << " element " << k;
          }
          break;
        }
        case DT_INT32: EXPECT_EQ(got.data<int32_t>()[k], want.data<int32_t>()[k]) << name << " element " << k; break;
        case DT_INT64: EXPECT_EQ(got.data<int64_t>()[k], want.data<int64_t>()[k]) << name << " element " << k; break;
        case DT_BOOL: EXPECT_EQ(got.data<bool>()[k], want.data<bool>()[k]) << name << " element " << k; break;
        default: ADD_FAILURE() << name << ": unexpected dtype " << DataTypeString(want.dtype());
      }
    }
  }
}

}  // namespace
}  // namespace sluice
