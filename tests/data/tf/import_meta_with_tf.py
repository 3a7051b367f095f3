#!/usr/bin/env python3
"""TensorFlow's side of tests/meta_graph_tf_test.cc: imports a meta graph sluice wrote with
tf.compat.v1.train.import_meta_graph, restores a sluice checkpoint through the imported saver,
and trains it.

    import_meta_with_tf.py META CKPT_PREFIX X.npy Y.npy OUT_DIR STEPS

Writes OUT_DIR/logits.npy ("logits:0" for X after the restore) and OUT_DIR/losses.npy (the
"loss:0" of each of STEPS runs of the train_op collection's op on X, Y), and prints the names of
the global, then the trainable variables the import recreated, one line each.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()


def main():
    meta, ckpt, x_file, y_file, out_dir, steps = sys.argv[1:7]
    x, y = np.load(x_file), np.load(y_file)
    graph = tf.Graph()
    with graph.as_default():
        saver = tf1.train.import_meta_graph(meta)
        with tf1.Session(graph=graph) as sess:
            saver.restore(sess, ckpt)
            np.save(os.path.join(out_dir, "logits.npy"), sess.run("logits:0", {"x:0": x}))
            train_op = tf1.get_collection("train_op")[0]
            losses = [sess.run(["loss:0", train_op], {"x:0": x, "y:0": y})[0] for _ in range(int(steps))]
            np.save(os.path.join(out_dir, "losses.npy"), np.array(losses, dtype=np.float32))
            print(" ".join(v.name for v in tf1.global_variables()))
            print(" ".join(v.name for v in tf1.trainable_variables()))


if __name__ == "__main__":
    main()
