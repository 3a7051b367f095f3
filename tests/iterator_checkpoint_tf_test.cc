// Checkpoints with iterator state against TensorFlow (label "tf": skipped where TensorFlow is not
// importable). TF's BundleReader lists the iterator key of a checkpoint train::Saver writes, as a
// variant, and reads its other tensors; sluice's BundleReader reads, CRCs checked element by
// element, the variant entry of a checkpoint TF1's Saver writes with make_saveable_from_iterator
// (so both follow TF's WriteVariantTensor layout), and refuses to restore TF's iterator state
// into a sluice iterator with an error naming its type.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/dataset.h"
#include "core/variant.h"
#include "gtest/gtest.h"
#include "ops/data_ops.h"
#include "ops/saver.h"
#include "ops/state_ops.h"
#include "runtime/session.h"
#include "runtime/tensor_bundle.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

TEST(IteratorCheckpointTfTest, TensorFlowListsTheIteratorKeyAndReadsTheOtherTensors) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  Scope root = Scope::NewRootScope();
  Variable w(root.WithOpName("w"), Tensor::FromVector<float>({0.5f, -1.25f, 3.f}));
  Variable step(root.WithOpName("global_step"), Tensor::Scalar<int64_t>(41), /*trainable=*/false);
  data::Iterator it = data::RangeDataset(root, 0, 100).Shuffle(10, 3).Batch(4).MakeInitializableIterator();
  auto next = it.GetNext();
  train::Saver saver(root, {.iterators = {it}});
  ASSERT_OK(saver.status());
  Session session(root);
  ASSERT_OK(session.Run({}, {}, {ops::GlobalVariablesInitializer(root), it.initializer}));
  std::vector<Tensor> out;
  for (int i = 0; i < 3; ++i) ASSERT_OK(session.Run({}, {next[0]}, {}, &out));
  std::string path;
  ASSERT_OK(saver.Save(session, tmp.path() + "/model", 3, &path));
  const std::string key = absl::StrCat(it.handle.node()->name(), ":0_STATE");

  auto printed = test::RunPythonCode(tmp.path(),
                                        "import os, sys\n"
                                        "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                                        "import tensorflow as tf\n"
                                        "r = tf.train.load_checkpoint(sys.argv[1])\n"
                                        "dtypes = r.get_variable_to_dtype_map()\n"
                                        "shapes = r.get_variable_to_shape_map()\n"
                                        "for k in sorted(dtypes): print(k, dtypes[k].name, shapes[k])\n"
                                        "print('w', ' '.join(repr(float(x)) for x in r.get_tensor('w')))\n"
                                        "print('global_step', int(r.get_tensor('global_step')))\n"
                                        "try:\n"
                                        "  r.get_tensor(sys.argv[2])\n"
                                        "  print('decoded')\n"
                                        "except Exception as e:\n"
                                        "  print('not decoded:', type(e).__name__, str(e).splitlines()[0])\n",
                                        path + " " + key);
  ASSERT_OK(printed.status());
  std::vector<std::string> lines = test::Lines(*printed);
  ASSERT_EQ(lines.size(), 6u) << *printed;
  EXPECT_EQ(lines[0], key + " variant []") << *printed;
  EXPECT_EQ(lines[1], "global_step int64 []");
  EXPECT_EQ(lines[2], "w float32 [3]");
  EXPECT_EQ(lines[3], "w 0.5 -1.25 3.0");
  EXPECT_EQ(lines[4], "global_step 41");
  // TF parses the element (its length, its proto) and then has no decoder for sluice's type: not
  // a DataLoss of a layout it does not know.
  EXPECT_NE(lines[5].find("not decoded"), std::string::npos) << *printed;
  EXPECT_NE(lines[5].find("sluice::data::IteratorState"), std::string::npos) << *printed;
  EXPECT_EQ(lines[5].find("DataLoss"), std::string::npos) << *printed;
}

TEST(IteratorCheckpointTfTest, SluiceReadsTheVariantEntryOfATensorFlowCheckpoint) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir tmp;
  auto printed = test::RunPythonCode(tmp.path(),
                                        "import os, sys\n"
                                        "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
                                        "import tensorflow as tf\n"
                                        "tf1 = tf.compat.v1\n"
                                        "tf1.disable_eager_execution()\n"
                                        "ds = tf.data.Dataset.range(50).shuffle(8, seed=1).batch(3)\n"
                                        "it = tf1.data.make_initializable_iterator(ds)\n"
                                        "nxt = it.get_next()\n"
                                        "v = tf1.get_variable('v', initializer=tf.constant([1.5, 2.5]))\n"
                                        "s = tf.data.experimental.make_saveable_from_iterator(it)\n"
                                        "tf1.add_to_collection(tf1.GraphKeys.SAVEABLE_OBJECTS, s)\n"
                                        "saver = tf1.train.Saver()\n"
                                        "with tf1.Session() as sess:\n"
                                        "  sess.run([tf1.global_variables_initializer(), it.initializer])\n"
                                        "  sess.run(nxt)\n"
                                        "  print(saver.save(sess, sys.argv[1] + '/tf_model'))\n"
                                        "print(s.name + '_STATE')\n",
                                        tmp.path());
  ASSERT_OK(printed.status());
  std::vector<std::string> lines = test::Lines(*printed);
  ASSERT_EQ(lines.size(), 2u) << *printed;
  const std::string& prefix = lines[0];
  const std::string& key = lines[1];
  auto reader = BundleReader::Open(prefix);
  ASSERT_OK(reader.status());
  ASSERT_TRUE((*reader)->Contains(key)) << key;
  EXPECT_EQ((*reader)->Entry(key)->dtype(), DT_VARIANT);
  ASSERT_OK((*reader)->Verify(key));
  auto state = (*reader)->Lookup(key);
  ASSERT_OK(state.status());
  ASSERT_GE(state->NumElements(), 1);
  for (int64_t i = 0; i < state->NumElements(); ++i) {
    const auto* proto = state->data<Variant>()[i].get<VariantTensorDataProto>();
    ASSERT_NE(proto, nullptr);
    EXPECT_EQ(proto->type_name(), "tensorflow::Iterator");
  }
  auto v = (*reader)->Lookup("v");
  ASSERT_OK(v.status());
  EXPECT_EQ(v->DebugString(), Tensor::FromVector<float>({1.5f, 2.5f}).DebugString());
  // Written again by sluice, the entry is byte for byte what TF wrote (its CRC included).
  const std::string copy = tmp.path() + "/copy";
  {
    auto writer = BundleWriter::Create(copy);
    ASSERT_OK(writer.status());
    ASSERT_OK((*writer)->Add(key, *state));
    ASSERT_OK((*writer)->Finish());
  }
  auto reread = BundleReader::Open(copy);
  ASSERT_OK(reread.status());
  EXPECT_EQ((*reread)->Entry(key)->crc32c(), (*reader)->Entry(key)->crc32c());
  EXPECT_EQ((*reread)->Entry(key)->size(), (*reader)->Entry(key)->size());
  // TF's iterator state is not a sluice iterator's.
  auto parsed = data::IteratorStateFromTensor(*state);
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status())) << parsed.status();
  if (state->NumElements() == 1) {
    EXPECT_NE(parsed.status().message().find("tensorflow::Iterator"), std::string::npos) << parsed.status();
  }
}

}  // namespace
}  // namespace sluice
