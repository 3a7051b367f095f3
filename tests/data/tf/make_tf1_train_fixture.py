#!/usr/bin/env python3
"""Writes a TF1 training graph as TensorFlow's tf.compat.v1 builds it, with its checkpoint, a
batch and TensorFlow's losses and accuracies training it: the oracle of `sluice train` in
tests/cli_test.cc (CliTest.TrainsTheTf1TrainingGraphLikeTensorFlow), which runs without
TensorFlow. Run with the anchors' interpreter from the repository root:

    bench/.venv/bin/python tests/data/tf/make_tf1_train_fixture.py

The graph: an MLP 4-8-3 (ReLU) with a batch dimension of None, loss "total_loss" =
tf.compat.v1.losses.sparse_softmax_cross_entropy + 1e-3 * the L2 of both kernels,
"batch_accuracy" = the mean of tf.compat.v1.nn.in_top_k(logits, y, 1),
tf.compat.v1.summary.scalar of both (tags "loss" and "accuracy") merged by
tf.compat.v1.summary.merge_all() ("summaries/merged"), the global_step variable,
AdamOptimizer(0.01).minimize(loss, global_step) as "train" in the train_op collection, and a
tf.compat.v1.train.Saver. Outputs, in tests/data/tf/tf1_train/:
  model.meta                                  saver.export_meta_graph (binary)
  ckpt/model.ckpt-0.{index,data-00000-of-00001}, ckpt/checkpoint   the variables before training
  x.npy (float32 [8,4]), y.npy (int64 [8])   the batch every step feeds
  losses.npy, accuracy.npy                   float32 [2*K]: "total_loss" and "batch_accuracy" of
                                              each of 2*K train steps (K = 5), run with the train op
"""
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf1_train")
STEPS = 10


def main():
    shutil.rmtree(HERE, ignore_errors=True)
    os.makedirs(os.path.join(HERE, "ckpt"))
    rng = np.random.RandomState(11)
    x_value = rng.uniform(-1, 1, size=(8, 4)).astype(np.float32)
    y_value = np.array([0, 1, 2, 1, 0, 2, 2, 1], dtype=np.int64)
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(3)
        x = tf1.placeholder(tf.float32, [None, 4], name="x")
        y = tf1.placeholder(tf.int64, [None], name="y")
        with tf1.variable_scope("hidden"):
            w1 = tf1.get_variable("kernel", [4, 8], initializer=tf1.glorot_uniform_initializer())
            b1 = tf1.get_variable("bias", [8], initializer=tf1.constant_initializer(0.1))
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
        with tf1.variable_scope("out"):
            w2 = tf1.get_variable("kernel", [8, 3], initializer=tf1.glorot_uniform_initializer())
            b2 = tf1.get_variable("bias", [3], initializer=tf1.zeros_initializer())
            logits = tf.add(tf.matmul(h, w2), b2, name="logits")
        xent = tf1.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
        l2 = 1e-3 * tf.add_n([tf.nn.l2_loss(w1), tf.nn.l2_loss(w2)])
        loss = tf.add(xent, l2, name="total_loss")
        correct = tf1.nn.in_top_k(predictions=logits, targets=y, k=1)
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="batch_accuracy")
        tf1.summary.scalar("loss", loss)
        tf1.summary.scalar("accuracy", accuracy)
        with tf1.name_scope("summaries"):
            merged = tf1.summary.merge_all(name="merged")
        global_step = tf1.train.get_or_create_global_step()
        train_op = tf1.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step, name="train")
        if train_op not in tf1.get_collection("train_op"):
            tf1.add_to_collection("train_op", train_op)
        saver = tf1.train.Saver()
        init = tf1.global_variables_initializer()
    assert merged is not None
    with tf1.Session(graph=graph) as sess:
        sess.run(init)
        saver.save(sess, os.path.join(HERE, "ckpt", "model.ckpt"), global_step=0, write_meta_graph=False)
        # Relative paths in the state file, so the fixture works from any checkout.
        with open(os.path.join(HERE, "ckpt", "checkpoint"), "w") as f:
            f.write('model_checkpoint_path: "model.ckpt-0"\nall_model_checkpoint_paths: "model.ckpt-0"\n')
        saver.export_meta_graph(os.path.join(HERE, "model.meta"))
        tags = [v.tag for v in tf1.Summary.FromString(sess.run(merged, {x: x_value, y: y_value})).value]
        assert tags == ["loss", "accuracy"], tags
        losses, accuracies = [], []
        for _ in range(STEPS):
            l, a, _ = sess.run([loss, accuracy, train_op], {x: x_value, y: y_value})
            losses.append(l)
            accuracies.append(a)
    np.save(os.path.join(HERE, "x.npy"), x_value)
    np.save(os.path.join(HERE, "y.npy"), y_value)
    np.save(os.path.join(HERE, "losses.npy"), np.array(losses, dtype=np.float32))
    np.save(os.path.join(HERE, "accuracy.npy"), np.array(accuracies, dtype=np.float32))
    print("losses", losses)
    print("accuracy", accuracies)


if __name__ == "__main__":
    main()
