#!/usr/bin/env python3
"""Writes TensorFlow-made meta graphs of TF1 training graphs, with checkpoints and the losses TF
computes training them, next to this script in meta/: the truth tests/meta_graph_test.cc checks
sluice's ImportMetaGraph against (it runs without TensorFlow; this script needs it). Run it with
the anchors' interpreter from the repository root:

    bench/.venv/bin/python tests/data/tf/make_meta_fixtures.py

For each graph NAME (a 4-8-3 MLP, plain MatMul + bias with a ReLU, trained by a
tf.compat.v1.train optimizer's minimize on the mean of tf.nn.sparse_softmax_cross_entropy_with_logits):
  meta/NAME.meta                                         saver.export_meta_graph (binary)
  meta/NAME/model.ckpt-0.{index,data-00000-of-00001}     the variables before training (tf.train.Saver)
  meta/NAME/checkpoint                                   its state file
  meta/NAME/losses.npy                                   the loss of each of STEPS train steps (float32)
and meta/x.npy (float32 [8,4]), meta/y.npy (int64 [8]), the batch every step feeds.

  mlp_sgd      GradientDescentOptimizer(0.5), tf.nn.sparse_softmax_cross_entropy_with_logits
  mlp_adam     AdamOptimizer(0.01), tf.nn.sparse_softmax_cross_entropy_with_logits
  mlp_adam_dynamic  mlp_adam with a batch dimension of None: TF's gradient of the mean then
               computes shapes at run time, with GatherV2 and FloorMod
The other graphs' placeholders have the batch size, 8, so their gradients use constant shapes.
"""
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_v2_behavior()  # TF1 graphs: ref variables (VariableV2), as TF 1.x wrote them

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "meta")
STEPS = 5


def batch():
    rng = np.random.RandomState(7)
    x = rng.uniform(-1, 1, size=(8, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0, 2, 2, 1], dtype=np.int64)
    return x, y


def build(name, x_value, y_value):
    graph = tf.Graph()
    with graph.as_default():
        tf1.set_random_seed(1)
        batch_size = None if name.endswith("_dynamic") else 8
        x = tf1.placeholder(tf.float32, [batch_size, 4], name="x")
        y = tf1.placeholder(tf.int64, [batch_size], name="y")
        with tf1.variable_scope("hidden"):
            w1 = tf1.get_variable("kernel", [4, 8], initializer=tf1.glorot_uniform_initializer())
            b1 = tf1.get_variable("bias", [8], initializer=tf1.constant_initializer(0.1))
            h = tf.nn.relu(tf.matmul(x, w1) + b1)
        with tf1.variable_scope("out"):
            w2 = tf1.get_variable("kernel", [8, 3], initializer=tf1.glorot_uniform_initializer())
            b2 = tf1.get_variable("bias", [3], initializer=tf1.zeros_initializer())
            logits = tf.add(tf.matmul(h, w2), b2, name="logits")
        xent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.reduce_mean(xent, name="loss")
        tf1.add_to_collection("losses", loss)
        if name.startswith("mlp_adam"):
            optimizer = tf1.train.AdamOptimizer(0.01)
        else:
            optimizer = tf1.train.GradientDescentOptimizer(0.5)
        optimizer.minimize(loss, name="train")
        saver = tf1.train.Saver()
        init = tf1.global_variables_initializer()

    out_dir = os.path.join(HERE, name)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    with tf1.Session(graph=graph) as sess:
        sess.run(init)
        saver.save(sess, os.path.join(out_dir, "model.ckpt"), global_step=0, write_meta_graph=False)
        # Relative paths in the state file, so the fixture works from any checkout.
        with open(os.path.join(out_dir, "checkpoint"), "w") as f:
            f.write('model_checkpoint_path: "model.ckpt-0"\nall_model_checkpoint_paths: "model.ckpt-0"\n')
        saver.export_meta_graph(os.path.join(HERE, name + ".meta"))
        train_op = graph.get_collection("train_op")[0]
        losses = []
        for _ in range(STEPS):
            l, _ = sess.run([loss, train_op], {x: x_value, y: y_value})
            losses.append(l)
    np.save(os.path.join(out_dir, "losses.npy"), np.array(losses, dtype=np.float32))
    print(name, losses)


def main():
    os.makedirs(HERE, exist_ok=True)
    x, y = batch()
    np.save(os.path.join(HERE, "x.npy"), x)
    np.save(os.path.join(HERE, "y.npy"), y)
    for name in ("mlp_sgd", "mlp_adam", "mlp_adam_dynamic"):
        build(name, x, y)


if __name__ == "__main__":
    main()
