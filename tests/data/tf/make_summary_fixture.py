#!/usr/bin/env python3
"""Writes summary_graph.pb, a TF1 graph with TensorFlow's summary ops, and
summary_graph_expected.pb, the serialized Summary that TensorFlow computes when it runs the graph's
"Merge/Merge" node (a MergeSummary): tests/summary_test.cc loads the graph in sluice (without TensorFlow),
runs it, and compares. Run it with the anchors' interpreter from the repository root:

    bench/.venv/bin/python tests/data/tf/make_summary_fixture.py
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    tf.compat.v1.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(np.linspace(-3.0, 5.0, 24, dtype=np.float32).reshape(2, 3, 4, 1), name="x")
        with tf.name_scope("train"):
            tf.compat.v1.summary.scalar("mean", tf.reduce_mean(x))
            tf.compat.v1.summary.histogram("values", x)
        tf.compat.v1.summary.image("images", x, max_outputs=2)
        tf.compat.v1.summary.scalar("count", tf.size(x))
        merged = tf.compat.v1.summary.merge_all(name="Merge")
        with tf.compat.v1.Session() as session:
            expected = session.run(merged)
    with open(os.path.join(HERE, "summary_graph.pb"), "wb") as f:
        f.write(graph.as_graph_def().SerializeToString())
    with open(os.path.join(HERE, "summary_graph_expected.pb"), "wb") as f:
        f.write(expected)
    print(merged.name)


if __name__ == "__main__":
    main()
