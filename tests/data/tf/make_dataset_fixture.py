#!/usr/bin/env python3
"""Writes a tf.data input pipeline made by TensorFlow in graph mode (tf.compat.v1), and the
elements TensorFlow's iterators yield: the oracle of tests/dataset_tf_test.cc, which loads the
GraphDef into sluice, runs the same iterators and compares. Run with the anchors' interpreter
from the repository root:

    bench/.venv/bin/python tests/data/tf/make_dataset_fixture.py

Outputs, in tests/data/tf/datasets/:
  pipelines.pb     x = float32 [10, 2], y = int64 [10] as Const nodes, and three initializable
                   iterators over from_tensor_slices((x, y)):
                     "shuffled": .shuffle(5, seed=7).repeat(2).batch(3).prefetch(1)
                     "fixed":    .shuffle(4, seed=3, reshuffle_each_iteration=False).repeat(2).batch(4)
                     "plain":    .repeat(2).batch(3, drop_remainder=True).prefetch(2)
                   each with nodes "<name>/init" (its initializer) and "<name>/x", "<name>/y"
                   (identities of its get_next)
  <name>.txt       one line per element TensorFlow gives: "x: v v ...; y: v v ..." (flattened)
  ops.txt          every op type the graph contains, one per line
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "datasets")


def main():
    os.makedirs(OUT, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(np.arange(20, dtype=np.float32).reshape(10, 2) * 0.5, name="x")
        y = tf.constant(np.arange(10, dtype=np.int64) * 10, name="y")
        base = tf.data.Dataset.from_tensor_slices((x, y))
        pipelines = {
            "shuffled": base.shuffle(5, seed=7).repeat(2).batch(3).prefetch(1),
            "fixed": base.shuffle(4, seed=3, reshuffle_each_iteration=False).repeat(2).batch(4),
            "plain": base.repeat(2).batch(3, drop_remainder=True).prefetch(2),
        }
        fetches = {}
        for name, ds in pipelines.items():
            with tf1.name_scope(name):
                it = tf1.data.make_initializable_iterator(ds)
                nx, ny = it.get_next()
                fetches[name] = (it.initializer,
                                 tf.identity(nx, name="x"), tf.identity(ny, name="y"))
        # The initializers under stable names.
        for name, (init, _, _) in fetches.items():
            with tf1.control_dependencies([init]):
                tf.no_op(name=name + "/init")
        graph_def = graph.as_graph_def()
        with tf1.Session(graph=graph) as sess:
            for name, (init, fx, fy) in fetches.items():
                sess.run(init)
                lines = []
                while True:
                    try:
                        vx, vy = sess.run([fx, fy])
                    except tf.errors.OutOfRangeError:
                        break
                    lines.append("x: " + " ".join(repr(float(v)) for v in vx.ravel()) + "; y: " +
                                 " ".join(str(int(v)) for v in vy.ravel()))
                with open(os.path.join(OUT, name + ".txt"), "w") as f:
                    f.write("\n".join(lines) + "\n")
    with open(os.path.join(OUT, "pipelines.pb"), "wb") as f:
        f.write(graph_def.SerializeToString())
    with open(os.path.join(OUT, "ops.txt"), "w") as f:
        f.write("\n".join(sorted({n.op for n in graph_def.node})) + "\n")


if __name__ == "__main__":
    main()
