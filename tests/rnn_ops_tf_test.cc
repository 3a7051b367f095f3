// TensorFlow's own graphs of tf.raw_ops.BlockLSTM and BlockLSTMV2 with the gradients
// tf.gradients builds for them (BlockLSTMGrad, BlockLSTMGradV2), and of LSTMBlockCell and
// LSTMBlockCellGrad, loaded from a GraphDef and run in sluice: every fetch matches what
// TensorFlow computed to 1e-5.
// Skips where TensorFlow is not installed.
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

constexpr char kScript[] = R"py(
import os, sys
import numpy as np
import tensorflow as tf
tf1 = tf.compat.v1
tf1.disable_eager_execution()
out_dir = sys.argv[1]
T, B, I, C = 5, 3, 4, 6
def vals(shape, scale, offset):
    n = int(np.prod(shape))
    return (offset + scale * np.sin(1.3 * np.arange(n) + 0.4)).reshape(shape).astype(np.float32)
g = tf1.Graph()
fetches = {}
with g.as_default():
    x = tf1.constant(vals([T, B, I], 1.0, 0.1))
    cs0 = tf1.constant(vals([B, C], 0.8, -0.2))
    h0 = tf1.constant(vals([B, C], 0.6, 0.1))
    w = tf1.constant(vals([I + C, 4 * C], 0.7, 0.05))
    wci = tf1.constant(vals([C], 0.5, 0.1))
    wcf = tf1.constant(vals([C], 0.4, -0.1))
    wco = tf1.constant(vals([C], 0.3, 0.2))
    b = tf1.constant(vals([4 * C], 0.5, 0.1))
    wc = tf1.constant(vals([T, B, C], 1.0, 0.3))
    wh = tf1.constant(vals([T, B, C], -0.9, 0.5))
    params = {'x': x, 'cs0': cs0, 'h0': h0, 'w': w, 'wci': wci, 'wcf': wcf, 'wco': wco, 'b': b}
    cases = {
        'v1': lambda: tf1.raw_ops.BlockLSTM(seq_len_max=tf1.constant(3, tf.int64), x=x, cs_prev=cs0, h_prev=h0,
                                            w=w, wci=wci, wcf=wcf, wco=wco, b=b, forget_bias=0.8, cell_clip=0.9,
                                            use_peephole=True),
        'v1_plain': lambda: tf1.raw_ops.BlockLSTM(seq_len_max=tf1.constant(T, tf.int64), x=x, cs_prev=cs0,
                                                  h_prev=h0, w=w, wci=wci, wcf=wcf, wco=wco, b=b),
        'v2': lambda: tf1.raw_ops.BlockLSTMV2(seq_len_max=tf1.constant(4, tf.int64), x=x, cs_prev=cs0, h_prev=h0,
                                              w=w, wci=wci, wcf=wcf, wco=wco, b=b, cell_clip=0.0,
                                              use_peephole=True),
    }
    for name, make in cases.items():
        r = make()
        fetches[name + '_cs'] = r.cs
        fetches[name + '_h'] = r.h
        loss = tf1.reduce_sum(r.cs * wc) + tf1.reduce_sum(r.h * wh)
        for (pname, p), gr in zip(params.items(), tf1.gradients(loss, list(params.values()))):
            fetches['%s_grad_%s' % (name, pname)] = gr
    cell = tf1.raw_ops.LSTMBlockCell(x=x[0], cs_prev=cs0, h_prev=h0, w=w, wci=wci, wcf=wcf, wco=wco, b=b,
                                     forget_bias=1.0, cell_clip=0.5, use_peephole=True)
    for k in ['i', 'cs', 'f', 'o', 'ci', 'co', 'h']:
        fetches['cell_' + k] = getattr(cell, k)
    # TensorFlow 2 registers no gradient for LSTMBlockCell (TF1's was in contrib): its Grad op
    # directly, on given gradients of cs and h.
    cell_grad = tf1.raw_ops.LSTMBlockCellGrad(x=x[0], cs_prev=cs0, h_prev=h0, w=w, wci=wci, wcf=wcf, wco=wco, b=b,
                                              i=cell.i, cs=cell.cs, f=cell.f, o=cell.o, ci=cell.ci, co=cell.co,
                                              cs_grad=wc[0], h_grad=wh[1], use_peephole=True)
    for k in ['cs_prev_grad', 'dicfo', 'wci_grad', 'wcf_grad', 'wco_grad']:
        fetches['cell_' + k] = getattr(cell_grad, k)
    names = {k: tf1.identity(v, name=k).name for k, v in fetches.items()}
    with tf1.Session(graph=g) as s:
        values = s.run(names)
    tf1.io.write_graph(g.as_graph_def(), out_dir, 'model.pb', as_text=False)
    for k, v in values.items():
        np.save(os.path.join(out_dir, k + '.npy'), v)
        print(k)
)py";

TEST(RnnOpsTfTest, TensorFlowGraphsOfTheFusedLstmOpsAndTheirGradientsRunAsInTensorFlow) {
  SLUICE_SKIP_WITHOUT_TF();
  test::TempDir dir;
  auto out = test::RunPythonCode(dir.path(), kScript, dir.path());
  ASSERT_TRUE(out.ok()) << out.status();
  const std::vector<std::string> names = test::Lines(*out);
  ASSERT_GE(names.size(), 40u) << *out;
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
