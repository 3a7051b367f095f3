// The parse ops against TensorFlow (label "tf"; skipped without it): TensorFlow writes a TFRecord
// file of Examples and one of SequenceExamples, parses them with tf.io.parse_example /
// parse_sequence_example and saves what it gets; sluice reads the same files and must get the
// same values. Then TensorFlow reads a GZIP TFRecord of Examples that sluice wrote. DecodeCSV and
// StringSplitV2 are compared on the same inputs. Last, a tf.compat.v1 graph of the parsing ops
// (as TF itself builds them: ParseExampleV2, DecodeCSV, ...) runs in sluice to TF's values.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/example_util.h"
#include "core/file_io.h"
#include "core/npy.h"
#include "core/record_io.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/parsing_ops.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

constexpr char kTfWrites[] = R"PY(
import json, sys
import numpy as np
import tensorflow as tf
d = sys.argv[1]
F = tf.train.Feature
def fl(v): return F(float_list=tf.train.FloatList(value=v))
def il(v): return F(int64_list=tf.train.Int64List(value=v))
def bl(v): return F(bytes_list=tf.train.BytesList(value=v))
def ex(**f): return tf.train.Example(features=tf.train.Features(feature=f)).SerializeToString()
records = [ex(x=fl([1.5, 2.5, 3.5]), label=il([7]), tags=bl([b"a", b"bc"]), seq=fl([1, 2, 3, 4])),
           ex(x=fl([0, -1, 2]), tags=bl([]), seq=fl([5, 6])),
           ex(x=fl([9, 8, 7]), label=il([3]), tags=bl([b"z"]))]
with tf.io.TFRecordWriter(d + "/examples.tfrecord") as w:
  for r in records: w.write(r)
features = {"x": tf.io.FixedLenFeature([3], tf.float32),
            "label": tf.io.FixedLenFeature([], tf.int64, default_value=-1),
            "tags": tf.io.VarLenFeature(tf.string),
            "seq": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True, default_value=0.5)}
p = tf.io.parse_example(tf.constant(records), features)
for k in ["x", "label", "seq"]: np.save(d + "/" + k + ".npy", p[k].numpy())
np.save(d + "/tags_indices.npy", p["tags"].indices.numpy())
np.save(d + "/tags_shape.npy", p["tags"].dense_shape.numpy())
print("tags", json.dumps([v.decode() for v in p["tags"].values.numpy()]))

def seq(n):
  s = tf.train.SequenceExample()
  s.context.feature["id"].int64_list.value.append(n)
  for t in range(n):
    s.feature_lists.feature_list["frames"].feature.add().float_list.value.extend([t, 10 * t])
    s.feature_lists.feature_list["words"].feature.add().bytes_list.value.extend([chr(97 + t).encode()] * (t + 1))
  return s.SerializeToString()
seqs = [seq(1), seq(3), seq(0)]
with tf.io.TFRecordWriter(d + "/sequences.tfrecord") as w:
  for s in seqs: w.write(s)
ctx, lists, lengths = tf.io.parse_sequence_example(
    tf.constant(seqs), context_features={"id": tf.io.FixedLenFeature([], tf.int64)},
    sequence_features={"frames": tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True),
                       "words": tf.io.VarLenFeature(tf.string)})
np.save(d + "/id.npy", ctx["id"].numpy())
np.save(d + "/frames.npy", lists["frames"].numpy())
np.save(d + "/frames_lengths.npy", lengths["frames"].numpy())
np.save(d + "/words_indices.npy", lists["words"].indices.numpy())
np.save(d + "/words_shape.npy", lists["words"].dense_shape.numpy())
print("words", json.dumps([v.decode() for v in lists["words"].values.numpy()]))

csv = ['1,"a,""b""",2.5', ',,', '3,"",-1e3', '4,x y,NA']
a, b, c = tf.io.decode_csv(csv, record_defaults=[[-1], ["d"], [0.5]], na_value="NA")
np.save(d + "/csv_a.npy", a.numpy())
np.save(d + "/csv_c.npy", c.numpy())
print("csv_b", json.dumps([v.decode() for v in b.numpy()]))
s = tf.strings.split(["  a  b c ", "1<>2<><>3", ""])
print("split", json.dumps([v.decode() for v in s.flat_values.numpy()]))
s = tf.strings.split(["1<>2<><>3", "<>"], sep="<>", maxsplit=2)
print("split_sep", json.dumps([v.decode() for v in s.flat_values.numpy()]))
)PY";

constexpr char kTfReads[] = R"PY(
import sys
import tensorflow as tf
features = {"x": tf.io.FixedLenFeature([2], tf.float32), "id": tf.io.FixedLenFeature([], tf.int64),
            "name": tf.io.VarLenFeature(tf.string)}
for r in tf.data.TFRecordDataset(sys.argv[1], compression_type="GZIP"):
  p = tf.io.parse_single_example(r, features)
  print(" ".join(str(v) for v in p["x"].numpy()), p["id"].numpy(), ",".join(v.decode() for v in p["name"].values.numpy()))
)PY";

// `values` as Python's json.dumps prints a list of ASCII strings.
std::string Json(const Tensor& values) {
  std::string out = "[";
  for (int64_t i = 0; i < values.NumElements(); ++i) {
    if (i > 0) out += ", ";
    out += '"';
    for (char c : values.data<std::string>()[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "]";
}

// The line of TF's output that starts with "<key> ".
std::string Line(const std::string& out, const std::string& key) {
  for (const std::string& line : test::Lines(out)) {
    if (line.rfind(key + " ", 0) == 0) return line.substr(key.size() + 1);
  }
  ADD_FAILURE() << "no line '" << key << "' in:\n" << out;
  return "";
}

Tensor Records(const std::string& path) {
  auto reader = RecordReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  std::vector<std::string> records;
  std::string r;
  while (reader.ok() && (*reader)->ReadRecord(&r).ok()) records.push_back(r);
  return Tensor::FromVector(records, TensorShape({static_cast<int64_t>(records.size())}));
}

void ExpectNpy(const Tensor& actual, const std::string& path) {
  auto expected = ReadNpy(path);
  ASSERT_TRUE(expected.ok()) << expected.status();
  test::ExpectTensorEqual(actual, *expected);
}

TEST(ParsingOpsTfTest, SluiceParsesWhatTensorFlowWrites) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  const std::string d = tmp.path();
  auto out = test::RunPythonCode(d, kTfWrites, d);
  ASSERT_TRUE(out.ok()) << out.status();

  Scope root = Scope::NewRootScope();
  ops::ParsedFeatures p = ops::ParseExample(
      root, ops::Const(root, Records(d + "/examples.tfrecord")),
      {ops::FixedLenFeature("x", DT_FLOAT, {3}),
       ops::FixedLenFeature("label", DT_INT64, {}, Tensor::Scalar<int64_t>(-1)), ops::VarLenFeature("tags", DT_STRING),
       ops::FixedLenSequenceFeature("seq", DT_FLOAT, {2}, true, Tensor::Scalar<float>(0.5f))});
  ops::ParsedSequenceFeatures s = ops::ParseSequenceExample(
      root, ops::Const(root, Records(d + "/sequences.tfrecord")), {ops::FixedLenFeature("id", DT_INT64, {})},
      {ops::FixedLenSequenceFeature("frames", DT_FLOAT, {2}, true), ops::VarLenFeature("words", DT_STRING)});
  Tensor csv = Tensor::FromVector<std::string>({"1,\"a,\"\"b\"\"\",2.5", ",,", "3,\"\",-1e3", "4,x y,NA"}, {4});
  ops::DecodeCSVOptions na;
  na.na_value = "NA";
  std::vector<Output> cols = ops::DecodeCSV(
      root, ops::Const(root, csv),
      {Tensor::FromVector<int32_t>({-1}), Tensor::FromVector<std::string>({"d"}), Tensor::FromVector<float>({0.5f})},
      na);
  ops::SparseOutput split =
      ops::StringSplitV2(root, ops::Const(root, Tensor::FromVector<std::string>({"  a  b c ", "1<>2<><>3", ""}, {3})));
  ops::SparseOutput split_sep =
      ops::StringSplitV2(root, ops::Const(root, Tensor::FromVector<std::string>({"1<>2<><>3", "<>"}, {2})), "<>", 2);
  ASSERT_TRUE(root.ok()) << root.status();
  auto v = test::RunGraph(root, {},
                          {p.dense.at("x"), p.dense.at("label"), p.dense.at("seq"), p.sparse.at("tags").indices,
                           p.sparse.at("tags").dense_shape, p.sparse.at("tags").values, s.context.dense.at("id"),
                           s.sequence.dense.at("frames"), s.lengths.at("frames"), s.sequence.sparse.at("words").indices,
                           s.sequence.sparse.at("words").dense_shape, s.sequence.sparse.at("words").values, cols[0],
                           cols[1], cols[2], split.values, split_sep.values});
  ASSERT_TRUE(v.ok()) << v.status();
  const std::vector<std::string> npys = {"x", "label", "seq", "tags_indices", "tags_shape"};
  for (size_t i = 0; i < npys.size(); ++i) {
    SCOPED_TRACE(npys[i]);
    ExpectNpy((*v)[i], d + "/" + npys[i] + ".npy");
  }
  EXPECT_EQ(Json((*v)[5]), Line(*out, "tags"));
  const std::vector<std::string> seq_npys = {"id", "frames", "frames_lengths", "words_indices", "words_shape"};
  for (size_t i = 0; i < seq_npys.size(); ++i) {
    SCOPED_TRACE(seq_npys[i]);
    ExpectNpy((*v)[6 + i], d + "/" + seq_npys[i] + ".npy");
  }
  EXPECT_EQ(Json((*v)[11]), Line(*out, "words"));
  ExpectNpy((*v)[12], d + "/csv_a.npy");
  EXPECT_EQ(Json((*v)[13]), Line(*out, "csv_b"));
  ExpectNpy((*v)[14], d + "/csv_c.npy");
  EXPECT_EQ(Json((*v)[15]), Line(*out, "split"));
  EXPECT_EQ(Json((*v)[16]), Line(*out, "split_sep"));
}

TEST(ParsingOpsTfTest, TensorFlowReadsWhatSluiceWrites) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  const std::string path = tmp.path() + "/sluice.tfrecord";
  RecordWriterOptions options;
  options.compression = RecordCompression::kGzip;
  auto writer = RecordWriter::Create(path, options);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)
                  ->WriteRecord(ExampleBuilder()
                                    .AddFloats("x", {1.5f, -2})
                                    .AddInt64s("id", {7})
                                    .AddBytes("name", {"a", "b"})
                                    .SerializeAsString())
                  .ok());
  ASSERT_TRUE((*writer)
                  ->WriteRecord(ExampleBuilder().AddFloats("x", {0.25f, 3}).AddInt64s("id", {-1}).SerializeAsString())
                  .ok());
  ASSERT_TRUE((*writer)->Close().ok());
  auto out = test::RunPythonCode(tmp.path(), kTfReads, path);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(test::Lines(*out), (std::vector<std::string>{"1.5 -2.0 7 a,b", "0.25 3.0 -1 "}));
}

constexpr char kTfGraph[] = R"PY(
import sys
import numpy as np
import tensorflow as tf
d = sys.argv[1]
tf.compat.v1.disable_eager_execution()
F = tf.train.Feature
def fl(v): return F(float_list=tf.train.FloatList(value=v))
def il(v): return F(int64_list=tf.train.Int64List(value=v))
def ex(**f): return tf.train.Example(features=tf.train.Features(feature=f)).SerializeToString()
batch = [ex(x=fl([1, 2, 3]), ids=il([4, 5])), ex(x=fl([6, 7, 8]), label=il([9]), ids=il([]))]
seq = tf.train.SequenceExample()
seq.context.feature["id"].int64_list.value.append(3)
for t in range(2): seq.feature_lists.feature_list["frames"].feature.add().float_list.value.extend([t, -t])
with tf.io.TFRecordWriter(d + "/batch.tfrecord") as w:
  for r in batch: w.write(r)
with tf.io.TFRecordWriter(d + "/one.tfrecord") as w:
  w.write(batch[0])
  w.write(seq.SerializeToString())
g = tf.Graph()
with g.as_default():
  s = tf.compat.v1.placeholder(tf.string, [None], name="serialized")
  one = tf.compat.v1.placeholder(tf.string, [], name="one")
  one_seq = tf.compat.v1.placeholder(tf.string, [], name="one_seq")
  p = tf.io.parse_example(s, {"x": tf.io.FixedLenFeature([3], tf.float32),
                              "label": tf.io.FixedLenFeature([], tf.int64, default_value=-1),
                              "ids": tf.io.VarLenFeature(tf.int64)})
  q = tf.io.parse_single_example(one, {"x": tf.io.FixedLenFeature([3], tf.float32), "ids": tf.io.VarLenFeature(tf.int64)})
  ctx, lists = tf.io.parse_single_sequence_example(
      one_seq, context_features={"id": tf.io.FixedLenFeature([], tf.int64)},
      sequence_features={"frames": tf.io.FixedLenSequenceFeature([2], tf.float32)})
  csv = tf.io.decode_csv(tf.constant(["1,2.5", ",7"]), [[0], [1.0]])
  split = tf.compat.v1.string_split(tf.constant(["a b", "c"]))
  fetch = {"px": p["x"], "plabel": p["label"], "pids_values": p["ids"].values, "pids_indices": p["ids"].indices,
           "pids_shape": p["ids"].dense_shape, "qx": q["x"], "qids_indices": q["ids"].indices, "ctx_id": ctx["id"],
           "frames": lists["frames"], "csv0": csv[0], "csv1": csv[1], "split_indices": split.indices,
           "raw": tf.io.decode_raw(tf.constant([b"\x01\x00\x02\x00"]), tf.int16),
           "num": tf.strings.to_number(tf.constant(["1.5", "-2"]), tf.float64)}
  tf.io.write_graph(g.as_graph_def(), d, "graph.pb", as_text=False)
  with tf.compat.v1.Session(graph=g) as sess:
    vals = sess.run(fetch, {s: batch, one: batch[0], one_seq: seq.SerializeToString()})
for k, t in fetch.items():
  np.save(d + "/" + k + ".npy", vals[k])
  print(k, t.name)
print("ops", " ".join(sorted({n.op for n in g.as_graph_def().node})))
)PY";

TEST(ParsingOpsTfTest, TensorFlowGraphOfParsingOpsRuns) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  const std::string d = tmp.path();
  auto out = test::RunPythonCode(d, kTfGraph, d);
  ASSERT_TRUE(out.ok()) << out.status();
  GraphDef graph;
  ASSERT_TRUE(ReadBinaryProto(d + "/graph.pb", &graph).ok());
  auto session = Session::Create(graph);
  ASSERT_TRUE(session.ok()) << session.status();
  Tensor batch = Records(d + "/batch.tfrecord");
  Tensor one = Records(d + "/one.tfrecord");
  ASSERT_EQ(one.NumElements(), 2);
  std::vector<std::string> keys, names;
  for (const std::string& line : test::Lines(*out)) {
    const size_t space = line.find(' ');
    if (line.rfind("ops ", 0) == 0 || space == std::string::npos) continue;
    keys.push_back(line.substr(0, space));
    names.push_back(line.substr(space + 1));
  }
  ASSERT_EQ(keys.size(), 14u) << *out;
  for (const char* op :
       {"ParseExampleV2", "ParseSequenceExampleV2", "DecodeCSV", "StringSplit", "DecodeRaw", "StringToNumber"}) {
    EXPECT_NE(Line(*out, "ops").find(op), std::string::npos) << op << " is not in TF's graph: " << Line(*out, "ops");
  }
  std::vector<Tensor> values;
  ASSERT_TRUE((*session)
                  ->Run({{"serialized", batch},
                         {"one", Tensor::Scalar<std::string>(one.data<std::string>()[0])},
                         {"one_seq", Tensor::Scalar<std::string>(one.data<std::string>()[1])}},
                        names, {}, &values)
                  .ok())
      << "TF's graph has ops " << Line(*out, "ops");
  for (size_t i = 0; i < keys.size(); ++i) {
    SCOPED_TRACE(keys[i] + " (" + names[i] + ")");
    ExpectNpy(values[i], d + "/" + keys[i] + ".npy");
  }
}

}  // namespace
}  // namespace sluice
