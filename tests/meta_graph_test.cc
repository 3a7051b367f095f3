// Meta graphs (ops/meta_graph.h) and graph files (core/graph_file.h): what ExportMetaGraph
// writes, importing it back to restore and go on training, TF-written meta graphs
// (tests/data/tf/meta, made by make_meta_fixtures.py) trained to TensorFlow's losses, and the
// errors for bad files.
#include "ops/meta_graph.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/file_io.h"
#include "core/graph_file.h"
#include "core/npy.h"
#include "core/op_registry.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/layers.h"
#include "ops/math_ops.h"
#include "ops/metrics.h"
#include "ops/nn_ops.h"
#include "ops/state_ops.h"
#include "ops/training.h"
#include "tests/util/test_util.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kTfMeta = std::string(SLUICE_SOURCE_DIR) + "/tests/data/tf/meta";

// A 4-8-3 MLP trained by `optimizer` on a mean sparse softmax cross entropy, with a Saver.
struct Mlp {
  explicit Mlp(train::Optimizer&& optimizer, bool resource = false) {
    x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 4});
    y = ops::Placeholder(root.WithOpName("y"), DT_INT64, {-1});
    if (resource) {
      Scope hidden = root.NewSubScope("hidden");
      ResourceVariable w(hidden.WithOpName("kernel"), {4, 8}, init::GlorotUniform(3));
      ResourceVariable b(hidden.WithOpName("bias"), {8}, init::Zeros());
      h = ops::Relu(hidden, ops::MatMul(hidden, x, w.value()) + b.value());
    } else {
      h = layers::Dense(root.NewSubScope("hidden"), x, 8, ops::Relu, init::GlorotUniform(3));
    }
    logits = ops::Identity(root.WithOpName("logits"), layers::Dense(root.NewSubScope("out"), h, 3));
    loss = ops::ReduceMean(root.WithOpName("loss"),
                           ops::SparseSoftmaxCrossEntropyWithLogits(root, logits, y).loss, {0});
    root.AddToCollection("losses", loss.name());
    train = optimizer.Minimize(root.WithOpName("train"), loss);
    init = ops::GlobalVariablesInitializer(root);
    saver = std::make_unique<train::Saver>(root);
  }
  Scope root = Scope::NewRootScope();
  Output x, y, h, logits, loss;
  Operation train, init;
  std::unique_ptr<train::Saver> saver;
};

Tensor BatchX() {
  return Tensor::FromVector<float>({0.1f, -0.4f, 0.9f, 0.3f, -0.7f, 0.2f, 0.5f, -0.1f, 0.8f, 0.6f, -0.3f, -0.9f},
                                   {3, 4});
}
Tensor BatchY() { return Tensor::FromVector<int64_t>({2, 0, 1}); }

std::vector<VariableDef> VariableDefs(const MetaGraphDef& meta, const std::string& key) {
  std::vector<VariableDef> out;
  for (const std::string& bytes : meta.collection_def().at(key).bytes_list().value()) {
    VariableDef def;
    EXPECT_TRUE(def.ParseFromString(bytes));
    out.push_back(def);
  }
  return out;
}

TEST(MetaGraphTest, ExportHasTf1sLayout) {
  Mlp m(train::GradientDescentOptimizer(0.5f));
  m.root.AddToCollection("my_outputs", m.logits.name());
  MetaGraphDef meta;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &meta));

  const SaverDef& s = meta.saver_def();
  EXPECT_EQ(s.filename_tensor_name(), "save/Const:0");
  EXPECT_EQ(s.save_tensor_name(), "save/control_dependency:0");
  EXPECT_EQ(s.restore_op_name(), "save/restore_all");
  EXPECT_EQ(s.max_to_keep(), 5);
  EXPECT_FLOAT_EQ(s.keep_checkpoint_every_n_hours(), 10000.0f);
  EXPECT_EQ(s.version(), SaverDef::V2);
  EXPECT_FALSE(s.sharded());

  std::vector<VariableDef> vars = VariableDefs(meta, "variables");
  ASSERT_EQ(vars.size(), 4u);
  EXPECT_EQ(vars[0].variable_name(), "hidden/kernel:0");
  EXPECT_EQ(vars[0].initializer_name(), "hidden/kernel/Assign");
  EXPECT_EQ(vars[0].snapshot_name(), "hidden/kernel/read:0");
  EXPECT_THAT(vars[0].initial_value_name(), HasSubstr("hidden/kernel/Initializer"));
  EXPECT_TRUE(vars[0].trainable());
  EXPECT_FALSE(vars[0].is_resource());
  EXPECT_EQ(VariableDefs(meta, "trainable_variables").size(), 4u);

  EXPECT_THAT(meta.collection_def().at("train_op").node_list().value(), ElementsAre("train"));
  EXPECT_THAT(meta.collection_def().at("losses").node_list().value(), ElementsAre("loss:0"));
  EXPECT_THAT(meta.collection_def().at("my_outputs").node_list().value(), ElementsAre("logits:0"));

  // Each op once, sorted, with its registered signature.
  std::vector<std::string> names;
  for (const OpDef& op : meta.meta_info_def().stripped_op_list().op()) names.push_back(op.name());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (const char* op : {"MatMul", "VariableV2", "Assign", "SaveV2", "RestoreV2", "ApplyGradientDescent"}) {
    EXPECT_THAT(names, ::testing::Contains(op));
  }
  // The optimizer gates each op's input gradients as TF1's GATE_OP does.
  absl::flat_hash_set<std::string> nodes;
  for (const NodeDef& n : meta.graph_def().node()) nodes.insert(n.name());
  for (const char* name : {"gradients/out/MatMul_grad/tuple/group_deps", "gradients/out/MatMul_grad/tuple/control_dependency",
                           "gradients/out/MatMul_grad/tuple/control_dependency_1"}) {
    EXPECT_TRUE(nodes.contains(name)) << name;
  }

  absl::flat_hash_set<std::string> used;
  for (const NodeDef& n : meta.graph_def().node()) used.insert(n.op());
  EXPECT_EQ(used.size(), names.size());
}

TEST(MetaGraphTest, ResourceVariablesAreMarked) {
  Mlp m(train::GradientDescentOptimizer(0.5f), /*resource=*/true);
  MetaGraphDef meta;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &meta));
  std::vector<VariableDef> vars = VariableDefs(meta, "variables");
  ASSERT_GE(vars.size(), 1u);
  EXPECT_EQ(vars[0].variable_name(), "hidden/kernel:0");
  EXPECT_TRUE(vars[0].is_resource());
  EXPECT_EQ(vars[0].snapshot_name(), "hidden/kernel/Read/ReadVariableOp:0");
}

TEST(MetaGraphTest, StripDefaultAttrs) {
  Mlp m(train::GradientDescentOptimizer(0.5f));
  MetaGraphDef meta;
  MetaGraphExportOptions options;
  options.strip_default_attrs = true;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &meta, options));
  EXPECT_TRUE(meta.meta_info_def().stripped_default_attrs());
  for (const NodeDef& n : meta.graph_def().node()) {
    // MatMul's transpose_a defaults to false; the gradient's MatMuls that transpose keep it.
    if (n.op() == "MatMul" && n.attr().contains("transpose_a")) {
      EXPECT_TRUE(n.attr().at("transpose_a").b()) << n.name();
    }
  }
}

// Train, save, export; a second session over the imported graph restores and takes the same
// steps to the same values.
void RoundTrip(train::Optimizer&& optimizer, const std::string& file_name) {
  test::TempDir dir;
  Mlp m(std::move(optimizer));
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  ASSERT_OK(session.Run({{m.x, BatchX()}, {m.y, BatchY()}}, {}, {m.train}));
  ASSERT_OK(m.saver->Save(session, dir.path() + "/model", 1));
  const std::string path = dir.path() + "/" + file_name;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), path));

  auto meta = ImportMetaGraph(path);
  ASSERT_OK(meta.status());
  EXPECT_TRUE(meta->has_saver_def());
  EXPECT_THAT(meta->GetCollection("train_op"), ElementsAre("train"));
  EXPECT_THAT(meta->GetCollection("losses"), ElementsAre("loss:0"));
  EXPECT_THAT(meta->GetCollection("trainable_variables"),
              ElementsAre("hidden/kernel:0", "hidden/bias:0", "out/kernel:0", "out/bias:0"));
  auto reloaded = meta->CreateSession();
  ASSERT_OK(reloaded.status());
  ASSERT_OK(meta->Restore(**reloaded, dir.path()));  // the directory's latest

  std::vector<Tensor> want, got;
  ASSERT_OK(session.Run({{m.x, BatchX()}}, {m.logits}, &want));
  ASSERT_OK((*reloaded)->Run({{"x:0", BatchX()}}, {"logits:0"}, {}, &got));
  test::ExpectTensorEqual(got[0], want[0]);
  for (int step = 0; step < 3; ++step) {
    ASSERT_OK(session.Run({{m.x, BatchX()}, {m.y, BatchY()}}, {m.loss}, {m.train}, &want));
    ASSERT_OK((*reloaded)->Run({{"x:0", BatchX()}, {"y:0", BatchY()}}, {"loss:0"}, meta->GetCollection("train_op"),
                               &got));
    test::ExpectTensorEqual(got[0], want[0]);
  }

  // Saving through the SaverDef: a third session restores what the second one saved.
  std::string saved;
  ASSERT_OK(meta->Save(**reloaded, dir.path() + "/model", 4, &saved));
  EXPECT_EQ(saved, dir.path() + "/model-4");
  auto latest = train::LatestCheckpoint(dir.path());
  ASSERT_OK(latest.status());
  EXPECT_EQ(*latest, saved);
  auto third = meta->CreateSession();
  ASSERT_OK(third.status());
  ASSERT_OK(meta->Restore(**third, saved));
  ASSERT_OK((*reloaded)->Run({{"x:0", BatchX()}}, {"logits:0"}, {}, &want));
  ASSERT_OK((*third)->Run({{"x:0", BatchX()}}, {"logits:0"}, {}, &got));
  test::ExpectTensorEqual(got[0], want[0]);
}

TEST(MetaGraphTest, RoundTripGradientDescentBinary) { RoundTrip(train::GradientDescentOptimizer(0.5f), "m.meta"); }
TEST(MetaGraphTest, RoundTripAdamText) { RoundTrip(train::AdamOptimizer(0.01f), "m.meta.pbtxt"); }

TEST(MetaGraphTest, InitializeVariablesRunsEachInitializer) {
  Mlp m(train::AdamOptimizer(0.01f));
  MetaGraphDef def;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &def));
  auto meta = MetaGraph::FromProto(def);
  ASSERT_OK(meta.status());
  auto session = meta->CreateSession();
  ASSERT_OK(session.status());
  std::vector<Tensor> out;
  EXPECT_FALSE((*session)->Run({{"x:0", BatchX()}}, {"logits:0"}, {}, &out).ok());
  ASSERT_OK(meta->InitializeVariables(**session));
  ASSERT_OK((*session)->Run({{"x:0", BatchX()}, {"y:0", BatchY()}}, {"loss:0"}, {"train"}, &out));
}

TEST(MetaGraphTest, GraphDefWithDefaultSaverNodesRestores) {
  test::TempDir dir;
  Mlp m(train::GradientDescentOptimizer(0.5f));
  Session session(m.root);
  ASSERT_OK(session.Run({}, {}, {m.init}));
  ASSERT_OK(m.saver->Save(session, dir.path() + "/ckpt"));
  GraphDef graph;
  ASSERT_OK(m.root.ToGraphDef(&graph));
  for (const char* name : {"/model.pb", "/model.pbtxt"}) {
    ASSERT_OK(WriteGraphFile(graph, dir.path() + name));
    auto meta = ImportMetaGraph(dir.path() + name);
    ASSERT_OK(meta.status());
    EXPECT_TRUE(meta->has_saver_def());
    EXPECT_EQ(meta->saver_def().restore_op_name(), "save/restore_all");
    auto reloaded = meta->CreateSession();
    ASSERT_OK(reloaded.status());
    ASSERT_OK(meta->Restore(**reloaded, dir.path() + "/ckpt"));
    std::vector<Tensor> want, got;
    ASSERT_OK(session.Run({{m.x, BatchX()}}, {m.logits}, &want));
    ASSERT_OK((*reloaded)->Run({{"x:0", BatchX()}}, {"logits:0"}, {}, &got));
    test::ExpectTensorEqual(got[0], want[0]);
  }
}

TEST(MetaGraphTest, RestoreErrorsNameTheCheckpoint) {
  test::TempDir dir;
  Mlp m(train::GradientDescentOptimizer(0.5f));
  MetaGraphDef def;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &def));
  auto meta = MetaGraph::FromProto(def);
  ASSERT_OK(meta.status());
  auto session = meta->CreateSession();
  ASSERT_OK(session.status());
  Status s = meta->Restore(**session, dir.path() + "/nope");
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("nope"));
  s = meta->Restore(**session, dir.path());
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("no 'checkpoint' state file"));

  GraphDef bare;
  *bare.add_node() = def.graph_def().node(0);
  MetaGraphDef no_saver;
  *no_saver.mutable_graph_def() = bare;
  auto plain = MetaGraph::FromProto(no_saver);
  ASSERT_OK(plain.status());
  EXPECT_FALSE(plain->has_saver_def());
  EXPECT_TRUE(absl::IsFailedPrecondition(plain->Restore(**session, dir.path())));
}

TEST(MetaGraphTest, BadCollectionsAreRejected) {
  Mlp m(train::GradientDescentOptimizer(0.5f));
  MetaGraphDef def;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &def));
  MetaGraphDef bad = def;
  (*bad.mutable_collection_def())["variables"].mutable_bytes_list()->set_value(0, "\xff\xff\xff");
  Status s = MetaGraph::FromProto(bad).status();
  EXPECT_THAT(s.message(), HasSubstr("'variables' is not a VariableDef"));
  bad = def;
  (*bad.mutable_collection_def())["train_op"].mutable_node_list()->set_value(0, "no_such_op");
  s = MetaGraph::FromProto(bad).status();
  EXPECT_THAT(s.message(), HasSubstr("collection 'train_op' names 'no_such_op'"));
}

// Metric state is local variables (not global): exported as VariableDefs in "local_variables" and
// "metric_variables", initialized by MetaGraph after an import, and streaming there as before.
TEST(MetaGraphTest, MetricLocalVariablesExportAndInitialize) {
  Scope root = Scope::NewRootScope();
  auto labels = ops::Placeholder(root.WithOpName("labels"), DT_INT64, {-1});
  auto predictions = ops::Placeholder(root.WithOpName("predictions"), DT_INT64, {-1});
  metrics::MetricResult acc = metrics::Accuracy(root, labels, predictions);
  ASSERT_OK(root.status());
  MetaGraphDef def;
  ASSERT_OK(ExportMetaGraph(root, nullptr, &def));
  for (const char* key : {"local_variables", "metric_variables"}) {
    ASSERT_TRUE(def.collection_def().contains(key)) << key;
    std::vector<std::string> names;
    for (const std::string& bytes : def.collection_def().at(key).bytes_list().value()) {
      VariableDef v;
      ASSERT_TRUE(v.ParseFromString(bytes));
      names.push_back(v.variable_name());
      EXPECT_EQ(v.initializer_name(), absl::StrCat(v.variable_name().substr(0, v.variable_name().size() - 2), "/Assign"));
      EXPECT_FALSE(v.trainable());
    }
    EXPECT_THAT(names, ElementsAre("accuracy/total:0", "accuracy/count:0")) << key;
  }
  EXPECT_FALSE(def.collection_def().contains("variables"));
  auto meta = MetaGraph::FromProto(def);
  ASSERT_OK(meta.status());
  auto session = meta->CreateSession();
  ASSERT_OK(session.status());
  ASSERT_OK(meta->InitializeVariables(**session));
  std::vector<Tensor> out;
  auto feed = [](std::vector<int64_t> l, std::vector<int64_t> p) {
    return std::vector<std::pair<std::string, Tensor>>{{"labels:0", Tensor::FromVector<int64_t>(l)},
                                                       {"predictions:0", Tensor::FromVector<int64_t>(p)}};
  };
  ASSERT_OK((*session)->Run(feed({1, 2, 3, 4}, {1, 2, 0, 0}), {acc.update_op.name()}, {}, &out));
  ASSERT_OK((*session)->Run(feed({5, 6}, {5, 6}), {acc.update_op.name()}, {}, &out));
  EXPECT_FLOAT_EQ(out[0].flat<float>()[0], 4.0f / 6.0f);
}

TEST(MetaGraphTest, VariableCollectionsMustNameVariables) {
  Scope root = Scope::NewRootScope();
  auto c = ops::Const(root.WithOpName("c"), 1.0f);
  root.AddToCollection("local_variables", "c");
  MetaGraphDef def;
  Status s = ExportMetaGraph(root, nullptr, &def);
  EXPECT_THAT(s.message(), HasSubstr("'c' of collection 'local_variables' is not a variable"));
}

TEST(MetaGraphTest, CollectionsOfEveryKind) {
  MetaGraphDef def;
  NodeDef* node = def.mutable_graph_def()->add_node();
  node->set_name("c");
  node->set_op("NoOp");
  auto& c = *def.mutable_collection_def();
  c["steps"].mutable_int64_list()->add_value(-3);
  c["rates"].mutable_float_list()->add_value(0.5f);
  c["blobs"].mutable_bytes_list()->add_value("ab");
  c["ops"].mutable_node_list()->add_value("^c");
  auto meta = MetaGraph::FromProto(def);
  ASSERT_OK(meta.status());
  EXPECT_THAT(meta->CollectionKeys(), ElementsAre("blobs", "ops", "rates", "steps"));
  EXPECT_THAT(meta->GetCollection("steps"), ElementsAre("-3"));
  EXPECT_THAT(meta->GetCollection("rates"), ElementsAre("0.5"));
  EXPECT_THAT(meta->GetCollection("blobs"), ElementsAre("ab"));
  EXPECT_THAT(meta->GetCollection("ops"), ElementsAre("^c"));
  EXPECT_TRUE(meta->GetCollection("absent").empty());
  EXPECT_FALSE(meta->has_saver_def());
}

TEST(MetaGraphTest, ExportWithoutSaverHasNoSaverDef) {
  Scope root = Scope::NewRootScope();
  Variable v(root.WithOpName("v"), Input({1.0f, 2.0f}), /*trainable=*/false);
  MetaGraphDef def;
  ASSERT_OK(ExportMetaGraph(root, nullptr, &def));
  EXPECT_FALSE(def.has_saver_def());
  EXPECT_EQ(VariableDefs(def, "variables").size(), 1u);
  EXPECT_FALSE(VariableDefs(def, "variables")[0].trainable());
  EXPECT_FALSE(def.collection_def().contains("trainable_variables"));
  test::TempDir dir;
  Status s = ExportMetaGraph(root, nullptr, dir.path() + "/model.pb");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("a meta graph goes to a .meta or .meta.pbtxt file"));
}

// TF-written meta graphs: restore TF's checkpoint, take TF's steps, get TF's losses.
void TrainTfFixture(const std::string& name) {
  auto meta = ImportMetaGraph(kTfMeta + "/" + name + ".meta");
  ASSERT_OK(meta.status());
  ASSERT_TRUE(meta->has_saver_def());
  EXPECT_THAT(meta->GetCollection("losses"), ElementsAre("loss:0"));
  std::vector<std::string> train_op = meta->GetCollection("train_op");
  ASSERT_EQ(train_op.size(), 1u);
  auto session = meta->CreateSession();
  ASSERT_OK(session.status());
  ASSERT_OK(meta->Restore(**session, kTfMeta + "/" + name));
  auto x = ReadNpy(kTfMeta + "/x.npy");
  auto y = ReadNpy(kTfMeta + "/y.npy");
  auto losses = ReadNpy(kTfMeta + "/" + name + "/losses.npy");
  ASSERT_OK(x.status());
  ASSERT_OK(y.status());
  ASSERT_OK(losses.status());
  for (int64_t step = 0; step < losses->NumElements(); ++step) {
    std::vector<Tensor> out;
    ASSERT_OK((*session)->Run({{"x:0", *x}, {"y:0", *y}}, {"loss:0"}, train_op, &out));
    EXPECT_NEAR(out[0].scalar<float>(), losses->data<float>()[step], 2e-5) << name << " step " << step;
  }
}

TEST(MetaGraphTest, TrainsTfGraphGradientDescent) { TrainTfFixture("mlp_sgd"); }
TEST(MetaGraphTest, TrainsTfGraphAdam) { TrainTfFixture("mlp_adam"); }

// TF's gradient of a mean over a `None` batch computes the batch size with GatherV2 and FloorMod.
TEST(MetaGraphTest, TrainsTfGraphAdamWithDynamicBatch) { TrainTfFixture("mlp_adam_dynamic"); }

TEST(GraphFileTest, FormatsByName) {
  EXPECT_EQ(GraphFileFormatForPath("a.pb"), GraphFileFormat::kBinaryGraphDef);
  EXPECT_EQ(GraphFileFormatForPath("a.pbtxt"), GraphFileFormat::kTextGraphDef);
  EXPECT_EQ(GraphFileFormatForPath("a.meta"), GraphFileFormat::kBinaryMetaGraph);
  EXPECT_EQ(GraphFileFormatForPath("a.meta.pbtxt"), GraphFileFormat::kTextMetaGraph);
  EXPECT_EQ(GraphFileFormatForPath("graph"), GraphFileFormat::kBinaryGraphDef);
}

TEST(GraphFileTest, RoundTripsAndSniffsContent) {
  test::TempDir dir;
  Mlp m(train::GradientDescentOptimizer(0.5f));
  MetaGraphDef meta;
  ASSERT_OK(ExportMetaGraph(m.root, m.saver.get(), &meta));
  ASSERT_OK(WriteGraphFile(meta.graph_def(), dir.path() + "/g.pbtxt"));
  ASSERT_OK(WriteGraphFile(meta.graph_def(), dir.path() + "/g.pb"));
  ASSERT_OK(WriteGraphFile(meta, dir.path() + "/m.meta"));
  ASSERT_OK(WriteGraphFile(meta, dir.path() + "/m.meta.pbtxt"));
  auto text = ReadFileToString(dir.path() + "/g.pbtxt");
  ASSERT_OK(text.status());
  EXPECT_THAT(*text, HasSubstr("node {"));
  for (const auto& [name, format] : std::vector<std::pair<std::string, GraphFileFormat>>{
           {"g.pbtxt", GraphFileFormat::kTextGraphDef},
           {"g.pb", GraphFileFormat::kBinaryGraphDef},
           {"m.meta", GraphFileFormat::kBinaryMetaGraph},
           {"m.meta.pbtxt", GraphFileFormat::kTextMetaGraph}}) {
    auto file = ReadGraphFile(dir.path() + "/" + name);
    ASSERT_OK(file.status());
    EXPECT_EQ(file->format, format) << name;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(file->meta_graph.graph_def(), meta.graph_def()))
        << name;
  }
  // Misnamed files: a text meta graph named .pbtxt, a binary one named .pb, text named .pb.
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/mm.pbtxt", *ReadFileToString(dir.path() + "/m.meta.pbtxt")));
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/mm.pb", *ReadFileToString(dir.path() + "/m.meta")));
  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/gt.pb", *text));
  EXPECT_EQ(ReadGraphFile(dir.path() + "/mm.pbtxt")->format, GraphFileFormat::kTextMetaGraph);
  EXPECT_EQ(ReadGraphFile(dir.path() + "/gt.pb")->format, GraphFileFormat::kTextGraphDef);
  auto mm = ReadGraphFile(dir.path() + "/mm.pb");
  ASSERT_OK(mm.status());
  EXPECT_EQ(mm->meta_graph.saver_def().restore_op_name(), "save/restore_all");
}

TEST(GraphFileTest, ErrorsNameTheFileAndPosition) {
  test::TempDir dir;
  Status s = ReadGraphFile(dir.path() + "/missing.pb").status();
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("missing.pb"));

  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/bad.pbtxt", "node {\n  name: \"a\"\n  opp: \"Const\"\n}\n"));
  s = ReadGraphFile(dir.path() + "/bad.pbtxt").status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("bad.pbtxt':3:"));
  EXPECT_THAT(s.message(), HasSubstr("opp"));

  ASSERT_OK(WriteStringToFileAtomic(dir.path() + "/bad.meta", std::string("\x0a\xff\xff\xff\x0f", 5)));
  s = ReadGraphFile(dir.path() + "/bad.meta").status();
  EXPECT_TRUE(absl::IsDataLoss(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("'" + dir.path() + "/bad.meta' is not a valid sluice.MetaGraphDef"));
}

}  // namespace
}  // namespace sluice
