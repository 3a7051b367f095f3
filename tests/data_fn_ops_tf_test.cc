// The file and function datasets against TensorFlow (label "tf"; skipped without it): TensorFlow
// writes TFRecord files of Examples (plain, GZIP, ZLIB) and a tf.compat.v1 graph-mode pipeline per
// file, TFRecordDataset (a FlatMap of the file names) -> map(parse_single_example) -> batch(4) ->
// make_initializable_iterator,
// and runs it, saving every batch; sluice loads TF's GraphDef and yields the same batches in the
// same order, then OutOfRange.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "gtest/gtest.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

constexpr char kTfPipeline[] = R"PY(
import sys
import numpy as np
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
d = sys.argv[1]
F = tf.train.Feature
def ex(i):
  f = {"x": F(float_list=tf.train.FloatList(value=[i, i * 0.5, -i])),
       "label": F(int64_list=tf.train.Int64List(value=[100 + i]))}
  if i % 3: f["name"] = F(bytes_list=tf.train.BytesList(value=[b"n%d" % i]))
  return tf.train.Example(features=tf.train.Features(feature=f)).SerializeToString()
features = {"x": tf.io.FixedLenFeature([3], tf.float32), "label": tf.io.FixedLenFeature([], tf.int64),
            "name": tf.io.FixedLenFeature([], tf.string, default_value="none")}
g = tf.Graph()
with g.as_default():
  for kind, comp in [("plain", ""), ("gzip", "GZIP"), ("zlib", "ZLIB")]:
    path = d + "/" + kind + ".tfrecord"
    with tf.io.TFRecordWriter(path, options=tf.io.TFRecordOptions(compression_type=comp)) as w:
      for i in range(10): w.write(ex(i + (kind == "gzip") * 20))
    with tf.name_scope(kind):
      ds = tf.data.TFRecordDataset([path, path], compression_type=comp)
      ds = ds.map(lambda r: tf.io.parse_single_example(r, features)).batch(4)
      it = tf.compat.v1.data.make_initializable_iterator(ds)
      nxt = it.get_next()
    print(kind, it.initializer.name, nxt["x"].name, nxt["label"].name, nxt["name"].name)
    with tf.compat.v1.Session(graph=g) as sess:
      sess.run(it.initializer)
      b = 0
      while True:
        try: v = sess.run(nxt)
        except tf.errors.OutOfRangeError: break
        np.save("%s/%s_%d_x.npy" % (d, kind, b), v["x"])
        np.save("%s/%s_%d_label.npy" % (d, kind, b), v["label"])
        with open("%s/%s_%d_name.txt" % (d, kind, b), "wb") as f: f.write(b"\n".join(v["name"]))
        b += 1
    print(kind + "_batches", b)
  tf.io.write_graph(g.as_graph_def(), d, "pipeline.pb", as_text=False)
gd = g.as_graph_def()
print("ops", " ".join(sorted({n.op for n in gd.node} | {n.op for f in gd.library.function for n in f.node_def})))
)PY";

std::string Line(const std::string& out, const std::string& key) {
  for (const std::string& line : test::Lines(out)) {
    if (line.rfind(key + " ", 0) == 0) return line.substr(key.size() + 1);
  }
  return "";
}

TEST(DataFnOpsTfTest, TensorFlowPipelineGraphYieldsTheSameBatches) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  const std::string d = tmp.path();
  auto out = test::RunPythonCode(d, kTfPipeline, d);
  ASSERT_TRUE(out.ok()) << out.status();
  GraphDef graph;
  ASSERT_OK(ReadBinaryProto(d + "/pipeline.pb", &graph));
  auto session = Session::Create(graph);
  ASSERT_TRUE(session.ok()) << session.status();
  const std::string ops = Line(*out, "ops");
  // TF reads the files in a FlatMapDataset over their names, whose function makes a TFRecordDataset.
  for (const char* op : {"TFRecordDataset", "FlatMapDataset", "MapDataset", "BatchDatasetV2"}) {
    EXPECT_NE(ops.find(op), std::string::npos) << op << " is not in TF's graph: " << ops;
  }
  for (const std::string kind : {"plain", "gzip", "zlib"}) {
    SCOPED_TRACE(kind);
    std::vector<std::string> names = absl::StrSplit(Line(*out, kind), ' ');
    ASSERT_EQ(names.size(), 4u) << *out;
    const int batches = std::stoi(Line(*out, kind + "_batches"));
    EXPECT_EQ(batches, 5);  // 20 records in batches of 4
    ASSERT_OK((*session)->Run({}, {}, {names[0]}));
    for (int b = 0; b < batches; ++b) {
      std::vector<Tensor> v;
      ASSERT_OK((*session)->Run({}, {names[1], names[2], names[3]}, {}, &v));
      const std::string prefix = absl::StrCat(d, "/", kind, "_", b);
      test::ExpectTensorEqual(v[0], ReadNpy(prefix + "_x.npy").value());
      test::ExpectTensorEqual(v[1], ReadNpy(prefix + "_label.npy").value());
      std::vector<std::string> want = absl::StrSplit(ReadFileToString(prefix + "_name.txt").value(), '\n');
      ASSERT_EQ(v[2].NumElements(), static_cast<int64_t>(want.size()));
      for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(v[2].data<std::string>()[i], want[i]);
    }
    std::vector<Tensor> v;
    Status end = (*session)->Run({}, {names[1]}, {}, &v);
    EXPECT_TRUE(absl::IsOutOfRange(end)) << end;
  }
}

}  // namespace
}  // namespace sluice
