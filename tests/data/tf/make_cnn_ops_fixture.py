#!/usr/bin/env python3
"""Writes a tf.compat.v1 graph of the CNN ops of issue 9 and TensorFlow's values of it: the oracle
of CnnOpsTensorFlowGraphTest in tests/batch_norm_test.cc, which imports the GraphDef into sluice,
feeds the same x and compares. Run with the anchors' interpreter from the repository root:

    bench/.venv/bin/python tests/data/tf/make_cnn_ops_fixture.py

Outputs, in tests/data/tf/cnn_ops/ (small, committed):
  model.pb        placeholder x [None, 4, 3, 5]; tf.compat.v1.nn.fused_batch_norm in training
                  (exponential_avg_factor 0.3, running statistics given) and in inference,
                  tf.nn.local_response_normalization, tf.nn.depthwise_conv2d (multiplier 2,
                  SAME), and tf.gradients of a loss of each (FusedBatchNormGradV3 in both modes,
                  LRNGrad, DepthwiseConv2dNativeBackpropInput/Filter); node "out_<name>" is an
                  Identity of each checked value
  x.npy           the fed x (float32 [2, 4, 3, 5])
  want_<name>.npy TensorFlow's value of out_<name>
"""
import os

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn_ops")


def main():
  os.makedirs(OUT, exist_ok=True)
  rng = np.random.RandomState(0)
  x_np = rng.randn(2, 4, 3, 5).astype(np.float32) * 2 + 0.5
  g = tf1.Graph()
  with g.as_default():
    x = tf1.placeholder(tf.float32, [None, 4, 3, 5], name="x")
    gamma = tf.constant(rng.rand(5).astype(np.float32) + 0.5, name="gamma")
    beta = tf.constant(rng.rand(5).astype(np.float32), name="beta")
    moving_mean = tf.constant(rng.rand(5).astype(np.float32), name="moving_mean")
    moving_var = tf.constant(rng.rand(5).astype(np.float32) + 1, name="moving_var")
    y, batch_mean, batch_var = tf1.nn.fused_batch_norm(
        x, gamma, beta, moving_mean, moving_var, epsilon=1e-3, is_training=True,
        exponential_avg_factor=0.3, name="bn")
    y_inference, _, _ = tf1.nn.fused_batch_norm(
        x, gamma, beta, moving_mean, moving_var, epsilon=1e-3, is_training=False, name="bn_inference")
    w = tf.constant(rng.randn(2, 4, 3, 5).astype(np.float32), name="w")
    loss = tf.reduce_sum(y * w) + tf.reduce_sum(y_inference * y_inference)
    dx, dgamma, dbeta = tf.gradients(loss, [x, gamma, beta])
    lrn = tf.nn.local_response_normalization(x, depth_radius=2, bias=1.5, alpha=0.2, beta=0.75, name="lrn")
    dlrn = tf.gradients(tf.reduce_sum(lrn * w), x)[0]
    f = tf.constant(rng.randn(3, 2, 5, 2).astype(np.float32), name="f")
    dw = tf.nn.depthwise_conv2d(x, f, [1, 1, 1, 1], "SAME", name="dw")
    ddw_x, ddw_f = tf.gradients(tf.reduce_sum(dw * dw), [x, f])
    values = {"y": y, "batch_mean": batch_mean, "batch_var": batch_var, "y_inference": y_inference,
              "dx": dx, "dgamma": dgamma, "dbeta": dbeta, "lrn": lrn, "dlrn": dlrn, "dw": dw,
              "ddw_x": ddw_x, "ddw_f": ddw_f}
    outs = {k: tf.identity(v, name="out_" + k) for k, v in values.items()}
    with tf1.Session(graph=g) as s:
      result = s.run(outs, {x: x_np})
  np.save(os.path.join(OUT, "x.npy"), x_np)
  for k, v in result.items():
    np.save(os.path.join(OUT, "want_%s.npy" % k), v)
  with open(os.path.join(OUT, "model.pb"), "wb") as out:
    out.write(g.as_graph_def().SerializeToString())


if __name__ == "__main__":
  main()
