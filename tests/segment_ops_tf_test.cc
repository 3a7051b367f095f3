// TensorFlow's own graphs of tf.nn.embedding_lookup(_sparse) and of the segment ops, with the
// gradients tf.gradients builds for them, loaded from a GraphDef and run in sluice: every fetch
// matches what TensorFlow computed (TensorFlow 2's lookups of one unweighted table differentiate
// with the SparseSegment*GradV2 ops). Skips where TensorFlow is not installed.
#include <string>
#include <vector>

#include "core/graph_file.h"
#include "core/npy.h"
#include "gtest/gtest.h"
#include "runtime/session.h"
#include "tests/util/test_util.h"
#include "tests/util/tf_python.h"

namespace sluice {
namespace {

// Builds the graph in TF1 graph mode, writes it to model.pb and each fetch's value to
// <fetch>.npy, and prints the fetch names.
constexpr char kScript[] = R"py(
import os, sys
import numpy as np
import tensorflow as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
out_dir = sys.argv[1]
g = tf1.Graph()
with g.as_default():
    table = np.array([[10 * i + 1, 10 * i + 2] for i in range(7)], np.float32)
    mod = [tf1.constant(table[[0, 3, 6]]), tf1.constant(table[[1, 4]]), tf1.constant(table[[2, 5]])]
    div = [tf1.constant(table[0:3]), tf1.constant(table[3:5]), tf1.constant(table[5:7])]
    one = [tf1.constant(table)]
    idx = tf1.constant([[0, 0], [0, 1], [2, 0], [2, 1], [2, 2], [3, 0]], tf.int64)
    shape = tf1.constant([5, 3], tf.int64)
    sp = tf1.SparseTensor(idx, tf1.constant([1, 3, 4, 1, 6, 2], tf.int64), shape)
    w = tf1.SparseTensor(idx, tf1.constant([2, 1, 0.5, 1, 3, 0.25], tf.float32), shape)
    data = tf1.constant([[1., -2], [3, 4], [5, 6], [-7, 8], [0.5, 2]])
    fetches = {
        'lookup_mod': tf1.nn.embedding_lookup(mod, tf1.constant([[6, 0], [3, 5]]), partition_strategy='mod'),
        'lookup_div_norm': tf1.nn.embedding_lookup(div, tf1.constant([[6, 0], [3, 5]]), partition_strategy='div',
                                                   max_norm=20.0),
        'lookup_one': tf1.nn.embedding_lookup(one, tf1.constant([4, 4, 1], tf.int64)),
        'sparse_sum_mod': tf1.nn.embedding_lookup_sparse(mod, sp, None, combiner='sum', partition_strategy='mod'),
        'sparse_mean_div': tf1.nn.embedding_lookup_sparse(div, sp, None, combiner='mean', partition_strategy='div'),
        'sparse_sqrtn_one': tf1.nn.embedding_lookup_sparse(one, sp, None, combiner='sqrtn'),
        'sparse_mean_one': tf1.nn.embedding_lookup_sparse(one, sp, None, combiner='mean'),
        'sparse_sum_one_norm': tf1.nn.embedding_lookup_sparse(one, sp, None, combiner='sum', max_norm=100.0),
        'sparse_wsum_div': tf1.nn.embedding_lookup_sparse(div, sp, w, combiner='sum', partition_strategy='div'),
        'sparse_wmean_mod': tf1.nn.embedding_lookup_sparse(mod, sp, w, combiner='mean', partition_strategy='mod'),
        'sparse_wsqrtn_one': tf1.nn.embedding_lookup_sparse(one, sp, w, combiner='sqrtn', max_norm=30.0),
        'unsorted_max': tf1.math.unsorted_segment_max(data, tf1.constant([1, -1, 1, 0, 3]), 4),
        'unsorted_min': tf1.math.unsorted_segment_min(data, tf1.constant([1, -1, 1, 0, 3]), 4),
        'unsorted_prod': tf1.math.unsorted_segment_prod(data, tf1.constant([1, -1, 1, 0, 1], tf.int64), 3),
        'segment_max': tf1.math.segment_max(data, tf1.constant([0, 0, 2, 2, 3])),
        'segment_mean': tf1.math.segment_mean(data, tf1.constant([0, 0, 2, 2, 3])),
        'segment_prod': tf1.math.segment_prod(data, tf1.constant([0, 0, 2, 2, 3], tf.int64)),
        'sparse_segment_mean': tf1.sparse.segment_mean(data, tf1.constant([4, 0, 0, 2]), tf1.constant([0, 0, 1, 3])),
    }
    parts = tf1.dynamic_partition(data, tf1.constant([2, 0, 2, 1, 0]), 3)
    fetches['stitched'] = tf1.dynamic_stitch([tf1.constant([4, 1]), tf1.constant([0]), tf1.constant([3, 2])], parts)
    loss = tf1.add_n([tf1.reduce_sum(tf1.square(v)) for k, v in sorted(fetches.items())
                      if k.startswith('sparse_') or k.startswith('lookup')])
    for name, params in [('mod', mod), ('div', div), ('one', one)]:
        for i, gr in enumerate(tf1.gradients(loss, params)):
            fetches['grad_%s_%d' % (name, i)] = tf1.convert_to_tensor(gr)
    seg_loss = tf1.add_n([tf1.reduce_sum(tf1.sin(v)) for k, v in sorted(fetches.items())
                          if k.startswith('unsorted') or k.startswith('segment') or k == 'stitched'
                          or k == 'sparse_segment_mean'])
    fetches['grad_data'] = tf1.gradients(seg_loss, data)[0]
    names = {}
    for k, v in fetches.items():
        names[k] = tf1.identity(v, name=k).name
    with tf1.Session(graph=g) as s:
        values = s.run(names)
    tf1.io.write_graph(g.as_graph_def(), out_dir, 'model.pb', as_text=False)
    for k, v in values.items():
        np.save(os.path.join(out_dir, k + '.npy'), v)
        print(k)
)py";

TEST(SegmentOpsTfTest, TensorFlowGraphsOfLookupsAndSegmentOpsRunAsInTensorFlow) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir dir;
  auto out = test::RunPythonCode(dir.path(), kScript, dir.path());
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<std::string> names = test::Lines(*out);
  ASSERT_GE(names.size(), 20u) << *out;
  auto file = ReadGraphFile(dir.path() + "/model.pb");
  ASSERT_TRUE(file.ok()) << file.status();
  auto session = Session::Create(file->meta_graph.graph_def());
  ASSERT_TRUE(session.ok()) << session.status();
  std::vector<Tensor> values;
  const Status run = (*session)->Run(std::vector<std::pair<std::string, Tensor>>{}, names,
                                     std::vector<std::string>{}, &values);
  ASSERT_TRUE(run.ok()) << run;
  ASSERT_EQ(values.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    auto expected = ReadNpy(dir.path() + "/" + names[i] + ".npy");
    ASSERT_TRUE(expected.ok()) << expected.status();
    test::ExpectTensorNear(values[i], *expected, 1e-5);
  }
}

}  // namespace
}  // namespace sluice
