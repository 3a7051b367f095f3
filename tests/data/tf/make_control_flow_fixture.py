"""Writes while_cond_grad.pb: a TF2 graph with a StatelessWhile (x^5 by repeated multiplication),
a StatelessIf on sum(x) > 0 (2p or -p), and TensorFlow's own gradient of both (tf.gradients:
while_v2's rewritten forward loop with EmptyTensorList accumulators and its backward loop).

Run with TensorFlow installed (bench/setup_anchors.sh makes bench/.venv):
  bench/.venv/bin/python tests/data/tf/make_control_flow_fixture.py
control_flow_test reads the file and checks y = 2x^5 and dy/dx = 10x^4 for x = [2, -1, 0.5]."""
import os

import tensorflow as tf


@tf.function(input_signature=[tf.TensorSpec([3], tf.float32, name="x")])
def f(x):
    _, p, _ = tf.while_loop(lambda i, p, x: i < 5, lambda i, p, x: (i + 1, p * x, x), (0, tf.ones_like(x), x))
    y = tf.cond(tf.reduce_sum(x) > 0, lambda: p * 2.0, lambda: -p)
    g = tf.gradients(y, x)[0]
    return tf.identity(y, name="y"), tf.identity(g, name="g")


graph_def = f.get_concrete_function().graph.as_graph_def()
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "while_cond_grad.pb")
with open(out, "wb") as fh:
    fh.write(graph_def.SerializeToString())
print(out, len(graph_def.node), "nodes,", len(graph_def.library.function), "functions; tf", tf.__version__)
