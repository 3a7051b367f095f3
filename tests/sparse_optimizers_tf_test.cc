// TensorFlow as the oracle of the sparse optimizer steps: TF1's optimizers (tf.compat.v1.train,
// graph mode) train a 6 x 3 table used through tf.gather for two steps with duplicate ids and
// different rows per step, on ref and on resource variables; sluice's tables must match. This
// checks what the dense comparisons cannot: rows a step does not gather keep their value even
// where the dense update would move them (momentum), duplicates are summed first, and Adam's
// sparse step updates whole slots (TF1's _apply_sparse_shared). Skips without TensorFlow.
#include <functional>
#include <map>
#include <memory>
#include <sstream>

#include "core/graph_file.h"
#include "gtest/gtest.h"
#include "sluice.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

const std::vector<float> kInitial = {0.5f, -1, 2, 1.5f, 0.25f, -0.75f, 3, 1, -2, 0.1f, 0.9f, -0.3f, 0.2f, 0.4f, -0.6f,
                                     1.1f, -1.2f, 0.7f};
const std::vector<std::vector<int32_t>> kSteps = {{1, 4, 1}, {4, 0}};

struct Case {
  std::string name;
  std::string tf;  // the TF1 optimizer, given `gs` (the global step)
  std::function<std::unique_ptr<train::Optimizer>(const Variable& step)> make;
};

std::vector<Case> Cases() {
  using namespace train;  // NOLINT
  return {
      {"GradientDescent", "tf.compat.v1.train.GradientDescentOptimizer(0.1)",
       [](const Variable&) { return std::make_unique<GradientDescentOptimizer>(0.1f); }},
      {"Momentum", "tf.compat.v1.train.MomentumOptimizer(0.1, 0.9)",
       [](const Variable&) { return std::make_unique<MomentumOptimizer>(0.1f, 0.9f); }},
      {"Nesterov", "tf.compat.v1.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)",
       [](const Variable&) { return std::make_unique<MomentumOptimizer>(0.1f, 0.9f, true); }},
      {"Adagrad", "tf.compat.v1.train.AdagradOptimizer(0.1)",
       [](const Variable&) { return std::make_unique<AdagradOptimizer>(0.1f); }},
      {"RMSProp", "tf.compat.v1.train.RMSPropOptimizer(0.01, decay=0.9, momentum=0.5)",
       [](const Variable&) { return std::make_unique<RMSPropOptimizer>(0.01f, 0.9f, 0.5f); }},
      {"Adadelta", "tf.compat.v1.train.AdadeltaOptimizer(1.0, 0.95, 1e-6)",
       [](const Variable&) { return std::make_unique<AdadeltaOptimizer>(1.0f, 0.95f, 1e-6f); }},
      {"Ftrl", "tf.compat.v1.train.FtrlOptimizer(0.1, -0.5, 0.1, 0.01, 0.02)",
       [](const Variable&) { return std::make_unique<FtrlOptimizer>(0.1f, -0.5f, 0.1f, 0.01f, 0.02f); }},
      {"FtrlV2", "tf.compat.v1.train.FtrlOptimizer(0.1, -0.6, 0.1, 0.01, 0.02, l2_shrinkage_regularization_strength=0.1)",
       [](const Variable&) { return std::make_unique<FtrlOptimizer>(0.1f, -0.6f, 0.1f, 0.01f, 0.02f, 0.1f); }},
      {"ProximalGradientDescent", "tf.compat.v1.train.ProximalGradientDescentOptimizer(0.1, 0.01, 0.02)",
       [](const Variable&) { return std::make_unique<ProximalGradientDescentOptimizer>(0.1f, 0.01f, 0.02f); }},
      {"ProximalAdagrad", "tf.compat.v1.train.ProximalAdagradOptimizer(0.1, 0.1, 0.01, 0.02)",
       [](const Variable&) { return std::make_unique<ProximalAdagradOptimizer>(0.1f, 0.1f, 0.01f, 0.02f); }},
      {"AdagradDA", "tf.compat.v1.train.AdagradDAOptimizer(0.1, gs, 0.1, 0.01, 0.02)",
       [](const Variable& step) { return std::make_unique<AdagradDAOptimizer>(0.1f, step, 0.1f, 0.01f, 0.02f); }},
      {"Adam", "tf.compat.v1.train.AdamOptimizer(0.01)",
       [](const Variable&) { return std::make_unique<AdamOptimizer>(0.01f); }},
  };
}

// The table after the steps, trained by sluice.
std::vector<float> TrainInSluice(const Case& c, bool resource) {
  Scope root = Scope::NewRootScope();
  Tensor initial = Tensor::FromVector(kInitial, {6, 3});
  Variable table =
      resource ? ResourceVariable(root.WithOpName("table"), initial) : Variable(root.WithOpName("table"), initial);
  Variable step = train::CreateGlobalStep(root);
  auto ids = ops::Placeholder(root.WithOpName("ids"), DT_INT32, {-1});
  Output rows = resource ? ops::ResourceGather(root, table.handle(), ids) : ops::Gather(root, table.value(), ids);
  Output loss = ops::Sum(
      root, ops::Add(root, ops::Mul(root, ops::Square(root, rows), 0.5f), ops::Mul(root, rows, 0.3f)), {0, 1});
  std::unique_ptr<train::Optimizer> opt = c.make(step);
  Operation train_op = opt->Minimize(root, loss, {table}, &step);
  EXPECT_TRUE(root.ok()) << root.status();
  Session session(root);
  std::vector<Tensor> out;
  EXPECT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root)}, &out));
  for (const auto& s : kSteps) {
    EXPECT_OK(session.Run({{ids, Tensor::FromVector(s, {static_cast<int64_t>(s.size())})}}, {}, {train_op}, &out));
  }
  EXPECT_OK(session.Run({}, {table.value()}, {}, &out));
  if (out.empty()) return {};
  return std::vector<float>(out[0].data<float>(), out[0].data<float>() + 18);
}

TEST(SparseOptimizersTfTest, TablesMatchTensorFlow) {
  SLUICE_SKIP_WITHOUT_TF();
  std::ostringstream code;
  code << "import numpy as np\nimport tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n"
       << "initial = np.array([" ;
  for (float v : kInitial) code << v << ", ";
  code << "], np.float32).reshape(6, 3)\nsteps = [";
  for (const auto& s : kSteps) {
    code << "[";
    for (int32_t i : s) code << i << ", ";
    code << "], ";
  }
  code << "]\ncases = {\n";
  for (const Case& c : Cases()) code << "  '" << c.name << "': lambda gs: " << c.tf << ",\n";
  code << "}\n"
          "for name, make in cases.items():\n"
          "  for resource in (0, 1):\n"
          "    g = tf.Graph()\n"
          "    with g.as_default():\n"
          "      table = tf.compat.v1.Variable(initial, name='table', use_resource=bool(resource))\n"
          "      gs = tf.compat.v1.train.get_or_create_global_step()\n"
          "      ids = tf.compat.v1.placeholder(tf.int32, [None])\n"
          "      rows = tf.gather(table, ids)\n"
          "      loss = tf.reduce_sum(0.5 * tf.square(rows) + 0.3 * rows)\n"
          "      train = make(gs).minimize(loss, global_step=gs)\n"
          "      with tf.compat.v1.Session(graph=g) as sess:\n"
          "        sess.run(tf.compat.v1.global_variables_initializer())\n"
          "        for s in steps: sess.run(train, {ids: s})\n"
          "        t = sess.run(table)\n"
          "    print(name, resource, ' '.join('%.9g' % v for v in t.reshape(-1)))\n";
  test::TempDir dir("sparse_tf");
  auto out = test::RunPythonCode(dir.path(), code.str(), "");
  ASSERT_TRUE(out.ok()) << out.status();
  std::map<std::pair<std::string, int>, std::vector<float>> tf_tables;
  for (const std::string& line : test::Lines(*out)) {
    std::istringstream in(line);
    std::string name;
    int resource = 0;
    in >> name >> resource;
    std::vector<float> values;
    float v;
    while (in >> v) values.push_back(v);
    tf_tables[{name, resource}] = values;
  }
  for (const Case& c : Cases()) {
    for (int resource : {0, 1}) {
      SCOPED_TRACE(c.name + (resource ? " (resource)" : " (ref)"));
      const std::vector<float>& expected = tf_tables[{c.name, resource}];
      ASSERT_EQ(expected.size(), 18u) << *out;
      std::vector<float> actual = TrainInSluice(c, resource);
      ASSERT_EQ(actual.size(), 18u);
      for (int i = 0; i < 18; ++i) EXPECT_NEAR(actual[i], expected[i], 2e-6) << "element " << i;
    }
  }
}

// TF1's own training graphs of an embedding (its IndexedSlices gradient machinery, Unique,
// SparseApply*, ScatterSub, ResourceGather, ResourceScatterAdd...) load and train in sluice to
// TensorFlow's values.
TEST(SparseOptimizersTfTest, TensorFlowsSparseTrainingGraphsRunInSluice) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir dir("sparse_tf_graphs");
  const std::string code = R"(import sys
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
out = sys.argv[1]
initial = np.arange(18, dtype=np.float32).reshape(6, 3) / 10 - 0.8
cases = {
  'gd': lambda: tf.compat.v1.train.GradientDescentOptimizer(0.1),
  'adagrad': lambda: tf.compat.v1.train.AdagradOptimizer(0.1),
  'momentum': lambda: tf.compat.v1.train.MomentumOptimizer(0.1, 0.9),
  'adam': lambda: tf.compat.v1.train.AdamOptimizer(0.01),
  'ftrl': lambda: tf.compat.v1.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01),
}
for name, make in cases.items():
  for resource in (0, 1):
    g = tf.Graph()
    with g.as_default():
      table = tf.compat.v1.Variable(initial, name='table', use_resource=bool(resource))
      ids = tf.compat.v1.placeholder(tf.int32, [None], name='ids')
      rows = tf.gather(table, ids)
      loss = tf.reduce_sum(0.5 * tf.square(rows) + 0.3 * rows)
      train = make().minimize(loss, name='train')
      init = tf.compat.v1.global_variables_initializer()
      value = tf.identity(table, name='value')
      tf.io.write_graph(g.as_graph_def(), out, '%s_%d.pb' % (name, resource), as_text=False)
      with tf.compat.v1.Session(graph=g) as sess:
        sess.run(init)
        for s in ([1, 4, 1], [4, 0]): sess.run(train, {ids: s})
        t = sess.run(value)
    print(name, resource, init.name, ' '.join('%.9g' % v for v in t.reshape(-1)))
)";
  auto out = test::RunPythonCode(dir.path(), code, dir.path());
  ASSERT_TRUE(out.ok()) << out.status();
  int cases = 0;
  for (const std::string& line : test::Lines(*out)) {
    std::istringstream in(line);
    std::string name, init;
    int resource = 0;
    in >> name >> resource >> init;
    std::vector<float> expected;
    float v;
    while (in >> v) expected.push_back(v);
    SCOPED_TRACE(line);
    ASSERT_EQ(expected.size(), 18u);
    auto file = ReadGraphFile(dir.path() + "/" + name + "_" + std::to_string(resource) + ".pb");
    ASSERT_OK(file.status());
    bool sparse_update = false;
    for (const NodeDef& n : file->meta_graph.graph_def().node()) {
      sparse_update |= n.op().find("SparseApply") != std::string::npos || n.op().find("Scatter") != std::string::npos;
    }
    EXPECT_TRUE(sparse_update) << "TensorFlow's graph has no sparse update";
    auto session = Session::Create(file->meta_graph.graph_def());
    ASSERT_OK(session.status());
    ASSERT_OK((*session)->Run({}, {}, {init}));
    for (const std::vector<int32_t>& s : kSteps) {
      Tensor ids = Tensor::FromVector(s, {static_cast<int64_t>(s.size())});
      ASSERT_OK((*session)->Run({{"ids", ids}}, {}, {"train"}));
    }
    std::vector<Tensor> table;
    ASSERT_OK((*session)->Run({}, {"value"}, {}, &table));
    for (int i = 0; i < 18; ++i) EXPECT_NEAR(table[0].data<float>()[i], expected[i], 2e-6) << "element " << i;
    ++cases;
  }
  EXPECT_EQ(cases, 10);
}

}  // namespace
}  // namespace sluice
