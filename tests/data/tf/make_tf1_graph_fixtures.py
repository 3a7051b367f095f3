#!/usr/bin/env python3
"""Writes TF1 training graphs made by TensorFlow's tf.compat.v1 (v2 behaviour disabled: VariableV2
ref variables, Apply* update ops, TF1 losses and optimizers), and TensorFlow's own losses for them:
the oracle of tests/tf1_graph_test.cc, which imports each GraphDef into sluice, runs the same
steps and compares. Run with the anchors' interpreter from the repository root:

    bench/.venv/bin/python tests/data/tf/make_tf1_graph_fixtures.py

Outputs, in tests/data/tf/tf1_graphs/ (small, committed; GraphDefs gzipped, their long gradient
node names compress about tenfold):
  <optimizer>.pb.gz      an MLP 20-8-3 with tf.compat.v1.losses.sparse_softmax_cross_entropy,
                        variables, batch and labels initialized from Const nodes; nodes "init",
                        "total_loss", "train" (minimize with global_step), "global_step"
  losses.pb.gz          the same with GradientDescent and the sum of every tf.compat.v1.losses
                        loss (weighted) as total_loss, and "accuracy" (argmax/equal), "in_top_2"
                        (tf.nn.in_top_k, k=2), "checks" (tf.debugging asserts and tf.Assert
                        that hold; "train" depends on them)
  <name>.losses.npy     float32 [K+1]: total_loss before each of K train steps, and after
  losses.accuracy.npy, losses.in_top_k.npy  "accuracy" (float32 scalar) and "in_top_2" (as
                        int32 [N]) after "init"
  dropout.pb.gz         the sparse-cross-entropy MLP with tf.nn.dropout(keep_prob) on the hidden
                        layer, keep_prob a placeholder_with_default(1.0), GradientDescent: loads
                        and trains (random, so no expected values)
  ops_oracle.pb.gz      TF1 slicing and the array/math ops of issue 9 (x[:, tf.newaxis], x[..., 0],
                        Keras's Flatten chain, split, cumsum, where, floormod, pow, batch
                        matmul, mirror pad, ...) on a placeholder_with_default x of shape
                        [None, 3, 4], and TensorFlow's gradient of them; node "expected/names"
                        lists the outputs checked, "expected/<name>" holds TensorFlow's value of
                        "out/<name>"
  ops.txt               every op type the graphs contain, one per line
"""
import gzip
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf1_graphs")
K = 5
N, D, H, C = 6, 20, 8, 3

OPTIMIZERS = {
    "gradient_descent": lambda: tf1.train.GradientDescentOptimizer(0.1),
    "adam": lambda: tf1.train.AdamOptimizer(0.01),
    "momentum": lambda: tf1.train.MomentumOptimizer(0.05, 0.9),
    "nesterov": lambda: tf1.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
    "rmsprop": lambda: tf1.train.RMSPropOptimizer(0.01),
    "rmsprop_momentum": lambda: tf1.train.RMSPropOptimizer(0.01, momentum=0.5),
    "adagrad": lambda: tf1.train.AdagradOptimizer(0.1),
}


def data():
    rng = np.random.RandomState(0)
    return dict(
        x=rng.randn(N, D).astype(np.float32),
        labels=rng.randint(0, C, size=N).astype(np.int64),
        w1=(rng.randn(D, H) * 0.3).astype(np.float32),
        b1=(rng.randn(H) * 0.1).astype(np.float32),
        w2=(rng.randn(H, C) * 0.3).astype(np.float32),
        b2=(rng.randn(C) * 0.1).astype(np.float32),
        weights=rng.uniform(0.5, 1.5, size=[N, 1]).astype(np.float32),
        targets=rng.uniform(0, 1, size=[N, C]).astype(np.float32),
    )


def build(optimizer, all_losses=False, keep_prob=None):
    """The MLP, its loss "total_loss" (the sparse softmax cross-entropy, or with all_losses the
    sum of every tf.compat.v1.losses loss and more), "train", "init" and, with all_losses,
    "accuracy", "in_top_2" and "checks", on the default graph."""
    d = data()
    x = tf.constant(d["x"], name="x")
    labels = tf.constant(d["labels"], name="labels")
    with tf1.variable_scope("hidden"):
        w1 = tf1.get_variable("kernel", initializer=d["w1"])
        b1 = tf1.get_variable("bias", initializer=d["b1"])
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w1), b1))
    if keep_prob is not None:
        h = tf1.nn.dropout(h, keep_prob=keep_prob)
    with tf1.variable_scope("out"):
        w2 = tf1.Variable(d["w2"], name="kernel")
        b2 = tf1.Variable(d["b2"], name="bias")
        logits = tf.nn.bias_add(tf.matmul(h, w2), b2, name="logits")
    losses = tf1.losses
    checks = []
    if not all_losses:
        total = tf.identity(losses.sparse_softmax_cross_entropy(labels, logits), name="total_loss")
    else:
        onehot = tf.one_hot(labels, C, name="onehot")
        weights = tf.constant(d["weights"], name="weights")
        targets = tf.constant(d["targets"], name="targets")
        probs = tf.nn.softmax(logits, name="probs")
        sig = tf.sigmoid(logits)
        terms = [
            losses.sparse_softmax_cross_entropy(labels, logits, weights=weights),
            losses.softmax_cross_entropy(onehot, logits, weights=2.0, label_smoothing=0.1),
            losses.sigmoid_cross_entropy(onehot, logits, weights=weights, label_smoothing=0.05),
            losses.mean_squared_error(targets, probs, weights=weights),
            losses.absolute_difference(targets, probs, weights=0.5),
            losses.huber_loss(targets, logits, weights=weights, delta=0.5),
            losses.log_loss(targets, sig, weights=weights),
            losses.hinge_loss(onehot, logits, weights=weights),
            tf.reduce_mean(tf1.nn.softmax_cross_entropy_with_logits_v2(
                labels=tf.stop_gradient(probs), logits=logits)),
        ]
        total = tf.add_n(terms, name="total_loss")
        correct = tf.equal(tf.argmax(logits, 1), labels)
        tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
        tf.identity(tf1.nn.in_top_k(logits, tf.cast(labels, tf.int32), 2), name="in_top_2")
        n = tf.shape(x)[0]
        checks = [
            tf.debugging.assert_equal(n, N),
            tf.debugging.assert_positive(tf.shape(x)),
            tf.debugging.assert_less(tf.cast(labels, tf.int32), C),
            tf.debugging.assert_non_negative(tf.cast(labels, tf.int32)),
            tf.Assert(tf.reduce_all(tf.math.is_finite(total)), ["total_loss is not finite", n]),
        ]
        tf.group(*checks, name="checks")
    global_step = tf1.train.get_or_create_global_step()
    with tf.control_dependencies(checks):
        optimizer.minimize(total, global_step=global_step, name="train")
    tf.group(tf1.global_variables_initializer(), name="init")


def build_ops_oracle():
    """The ops oracle graph on the default graph; returns the names of the outputs to check."""
    values = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = tf1.placeholder_with_default(values, [None, 3, 4], name="x")
    outs = {
        # Keras's Flatten where the non-batch dims are not static: Shape, StridedSlice, Prod, Pack.
        "flatten": tf.reshape(x, tf.stack([tf.shape(x)[0], tf.reduce_prod(tf.shape(x)[1:])])),
        "newaxis": x[:, tf.newaxis],
        "ellipsis": x[..., 0],
        "strided": x[::-1, 1:, ::2],
        "index": x[1, -1],
        "negative": x[:, -2:, -3:-1],
        "split": tf.split(x, 2, axis=2)[1],
        "splitv": tf.split(x, [1, 2], axis=1)[1],
        "concat_v1": tf.raw_ops.Concat(concat_dim=1, values=[x, x * 2]),
        "cumsum": tf.cumsum(x, axis=1, exclusive=True, reverse=True),
        "cumprod": tf.math.cumprod(x * 0.1 + 1, axis=2),
        "where": tf.where(x > 17.5),
        "clip": tf.raw_ops.ClipByValue(t=x, clip_value_min=tf.constant(3.0), clip_value_max=tf.constant(17.0)),
        "floormod": tf.math.floormod(x - 12, 5.0),
        "floordiv": tf.math.floordiv(x - 12, 5.0),
        "mod_int": tf.raw_ops.Mod(x=tf.cast(x, tf.int32) - 12, y=tf.constant(5)),
        "pow": tf.pow(x * 0.1, 1.5),
        "bmm": tf.matmul(x, x, transpose_b=True),
        "reverse": tf.reverse(x, [1]),
        "mirror": tf.pad(x, [[0, 0], [1, 1], [2, 2]], mode="REFLECT"),
        "symmetric": tf.pad(x, [[1, 0], [0, 0], [0, 3]], mode="SYMMETRIC"),
        "padv2": tf.pad(x, [[0, 0], [1, 0], [0, 1]], constant_values=7.0),
        "round": tf.round(x * 0.25),
        "floor": tf.floor(x * 0.3),
        "ceil": tf.math.ceil(x * 0.3),
        "selu": tf.nn.selu(x * 0.1 - 1),
        "softsign": tf.nn.softsign(x - 12),
        "l2_normalize": tf.math.l2_normalize(x, axis=-1),
        "any": tf.reduce_any(x > 20, axis=1),
        "all": tf.reduce_all(x > 2, axis=2),
        "log1p": tf.math.log1p(x * 1e-3),
        "div_no_nan": tf.math.divide_no_nan(x, x - 5),
        "is_nan": tf.math.is_nan(tf.math.log(x - 3)),
    }
    loss = tf.add_n([tf.reduce_sum(tf.square(tf.cast(outs[k], tf.float32))) for k in
                     ["newaxis", "ellipsis", "strided", "index", "negative", "split", "splitv", "concat_v1",
                      "cumsum", "cumprod", "clip", "floormod", "pow", "bmm", "reverse", "mirror",
                      "symmetric", "padv2", "selu", "softsign", "l2_normalize", "log1p", "div_no_nan"]])
    outs["gradient"] = tf1.gradients(loss, x)[0]
    with tf.name_scope("out"):
        for k, v in outs.items():
            tf.identity(v, name=k)
    return sorted(outs)


def write(name, graph_def):
    with gzip.GzipFile(os.path.join(HERE, name + ".pb.gz"), "wb", compresslevel=9, mtime=0) as f:
        f.write(graph_def.SerializeToString(deterministic=True))
    return {n.op for n in graph_def.node}


def main():
    tf1.disable_v2_behavior()
    os.makedirs(HERE, exist_ok=True)
    op_types = set()
    cases = [(name, make, False) for name, make in OPTIMIZERS.items()]
    cases.append(("losses", OPTIMIZERS["gradient_descent"], True))
    for name, make, all_losses in cases:
        graph = tf.Graph()
        with graph.as_default():
            build(make(), all_losses=all_losses)
            graph_def = graph.as_graph_def()
            with tf1.Session(graph=graph) as sess:
                sess.run("init")
                if all_losses:
                    accuracy, in_top_k = sess.run(["accuracy:0", "in_top_2:0"])
                    np.save(os.path.join(HERE, name + ".accuracy.npy"), np.array(accuracy, np.float32))
                    np.save(os.path.join(HERE, name + ".in_top_k.npy"), in_top_k.astype(np.int32))
                values = []
                for _ in range(K):
                    values.append(sess.run("total_loss:0"))
                    sess.run("train")
                values.append(sess.run("total_loss:0"))
                assert sess.run("global_step:0") == K
        op_types |= write(name, graph_def)
        np.save(os.path.join(HERE, name + ".losses.npy"), np.array(values, dtype=np.float32))
        print(name, len(graph_def.node), "nodes, losses", values, file=sys.stderr)
    graph = tf.Graph()
    with graph.as_default():
        keep_prob = tf1.placeholder_with_default(1.0, [], name="keep_prob")
        build(tf1.train.GradientDescentOptimizer(0.1), keep_prob=keep_prob)
        op_types |= write("dropout", graph.as_graph_def())
    graph = tf.Graph()
    with graph.as_default():
        names = build_ops_oracle()
        with tf1.Session(graph=graph) as sess:
            values = sess.run(["out/" + n + ":0" for n in names])
        with tf.name_scope("expected"):
            for n, v in zip(names, values):
                tf.constant(v, name=n)
            tf.constant(np.array(names, dtype=object), name="names")
        op_types |= write("ops_oracle", graph.as_graph_def())
    with open(os.path.join(HERE, "ops.txt"), "w") as f:
        f.write("".join(t + "\n" for t in sorted(op_types)))
    print("ops:", " ".join(sorted(op_types)), "with TensorFlow", tf.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
