#!/usr/bin/env python3
"""Writes GraphDefs with TF1 (v1) control flow -- Enter, Exit, Switch, Merge, NextIteration,
LoopCond, TensorArrayV3 and stacks -- as TensorFlow 1.x writes them (graph mode,
tf.compat.v1.disable_control_flow_v2()), and TensorFlow's own outputs for them: the oracle of
tests/v1_control_flow_test.cc, which runs the same graphs in sluice without TensorFlow.

Run from the repository root:

    bench/.venv/bin/python tests/data/tf/make_v1_control_flow_fixture.py

Outputs, in tests/data/tf/v1_control_flow/:
  <graph>.pb            GraphDefs: cond, nested_cond, while_counter, while_sum, nested_while,
                        while_tensor_array, cond_grad, nested_while_grad (gradients through a
                        cond and through nested loops), tensor_array_ops (split, concat, reads of
                        a clear_after_read=False array, a dynamic_size array grown in a loop), dynamic_rnn_frozen (an LSTM trained 20 steps, frozen
                        to constants), dynamic_rnn_train (the LSTM with its loss and
                        GradientDescent's minimize: gradients through the loop, TensorArrayGradV3
                        and stacks; resource variables), dynamic_rnn_train_ref (the same with
                        TF1's ref variables, VariableV2)
  <graph>.<case>.<name>.npy  fed values ("feed_<tensor>") and TensorFlow's values ("fetch_<tensor>")
  ../../fuzz/graphdef/v1_while_cond_tensor_array.pb  a seed of the GraphDef fuzz target
  cases.txt             one line per case: "<graph> <case> feeds=<t1>,<t2> fetches=<t1>,<t2>
                        [targets=<n1>,...]" (targets run first, one Run each, in order); tensor names have ':' written as '@' in file names
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
tf1.disable_control_flow_v2()

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "v1_control_flow")
os.makedirs(HERE, exist_ok=True)
cases = []


def fname(t):
    return t.replace(":", "@").replace("/", "#")


def write_graph(name, graph_def):
    with open(os.path.join(HERE, name + ".pb"), "wb") as f:
        f.write(graph_def.SerializeToString(deterministic=True))
    ops = sorted({n.op for n in graph_def.node})
    print(name, len(graph_def.node), "nodes:", " ".join(ops))


def add_case(sess, graph, case, feeds, fetches, targets=()):
    """Runs `targets` with `feeds`, then fetches; saves feeds and fetched values."""
    feed_dict = {sess.graph.get_tensor_by_name(k): v for k, v in feeds.items()}
    for t in targets:  # one run each, in order
        sess.run(sess.graph.get_operation_by_name(t), feed_dict)
    values = sess.run([sess.graph.get_tensor_by_name(t) for t in fetches], feed_dict)
    for k, v in feeds.items():
        np.save(os.path.join(HERE, "%s.%s.feed_%s.npy" % (graph, case, fname(k))), np.asarray(v))
    for k, v in zip(fetches, values):
        np.save(os.path.join(HERE, "%s.%s.fetch_%s.npy" % (graph, case, fname(k))), np.asarray(v))
    line = "%s %s feeds=%s fetches=%s" % (graph, case, ",".join(feeds), ",".join(fetches))
    if targets:
        line += " targets=" + ",".join(targets)
    cases.append(line)


def simple_graphs():
    # tf.cond, both branches by feed.
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None], name="x")
        p = tf1.placeholder(tf.bool, [], name="p")
        y = tf.cond(p, lambda: tf.square(x) + 1.0, lambda: tf.reduce_sum(x) - x)
        tf.identity(y, name="out")
    write_graph("cond", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        xv = np.array([1.5, -2.0, 3.0], np.float32)
        add_case(sess, "cond", "true", {"x:0": xv, "p:0": True}, ["out:0"])
        add_case(sess, "cond", "false", {"x:0": xv, "p:0": False}, ["out:0"])

    # Nested cond: cond inside both branches of a cond.
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [2], name="x")
        p = tf1.placeholder(tf.bool, [], name="p")
        q = tf1.placeholder(tf.bool, [], name="q")
        y = tf.cond(p, lambda: tf.cond(q, lambda: x * 2.0, lambda: x * 3.0),
                    lambda: tf.cond(q, lambda: x + 10.0, lambda: tf.cond(tf.reduce_sum(x) > 0, lambda: -x, lambda: x)))
        tf.identity(y, name="out")
    write_graph("nested_cond", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        xv = np.array([1.0, 2.5], np.float32)
        for pv in (True, False):
            for qv in (True, False):
                add_case(sess, "nested_cond", "p%d_q%d" % (pv, qv), {"x:0": xv, "p:0": pv, "q:0": qv}, ["out:0"])

    # while_loop: a counter to n, and 2^i alongside.
    g = tf.Graph()
    with g.as_default():
        n = tf1.placeholder(tf.int32, [], name="n")
        i, p = tf.while_loop(lambda i, p: i < n, lambda i, p: (i + 1, p * 2.0), (tf.constant(0), tf.constant(1.0)))
        tf.identity(i, name="i")
        tf.identity(p, name="p")
    write_graph("while_counter", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        for nv in (0, 1, 7):
            add_case(sess, "while_counter", "n%d" % nv, {"n:0": np.int32(nv)}, ["i:0", "p:0"])

    # while_loop over a tensor's rows: the sum and a running product, loop invariant x.
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        rows = tf.shape(x)[0]
        _, s, m = tf.while_loop(lambda i, s, m: i < rows,
                                lambda i, s, m: (i + 1, s + x[i], m * tf.reduce_max(x[i])),
                                (tf.constant(0), tf.zeros([3]), tf.constant(1.0)), parallel_iterations=4)
        tf.identity(s, name="sum")
        tf.identity(m, name="prod_max")
    write_graph("while_sum", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        xv = np.arange(15, dtype=np.float32).reshape(5, 3) * 0.25 - 1.0
        add_case(sess, "while_sum", "rows5", {"x:0": xv}, ["sum:0", "prod_max:0"])
        add_case(sess, "while_sum", "rows0", {"x:0": np.zeros([0, 3], np.float32)}, ["sum:0", "prod_max:0"])

    # Nested while: sum over i < n of (sum over j < i of (i * j + a)).
    g = tf.Graph()
    with g.as_default():
        n = tf1.placeholder(tf.int32, [], name="n")
        a = tf1.placeholder(tf.float32, [], name="a")

        def outer_body(i, total):
            def inner_body(j, acc):
                return j + 1, acc + tf.cast(i * j, tf.float32) + a
            _, inner = tf.while_loop(lambda j, acc: j < i, inner_body, (tf.constant(0), tf.constant(0.0)))
            return i + 1, total + inner

        _, total = tf.while_loop(lambda i, t: i < n, outer_body, (tf.constant(0), tf.constant(0.0)))
        tf.identity(total, name="total")
    write_graph("nested_while", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        add_case(sess, "nested_while", "n5", {"n:0": np.int32(5), "a:0": np.float32(0.5)}, ["total:0"])
        add_case(sess, "nested_while", "n1", {"n:0": np.int32(1), "a:0": np.float32(2.0)}, ["total:0"])

    # while_loop with TensorArrays: unstack (scatter), read, write, stack (gather), size.
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        steps = tf.shape(x)[0]
        inp = tf.TensorArray(tf.float32, size=steps).unstack(x)
        out = tf.TensorArray(tf.float32, size=steps)

        def body(i, acc, out):
            v = inp.read(i)
            acc = acc + v
            return i + 1, acc, out.write(i, acc * 2.0)

        _, acc, out = tf.while_loop(lambda i, acc, out: i < steps, body, (tf.constant(0), tf.zeros([2]), out))
        tf.identity(out.stack(), name="stacked")
        tf.identity(out.size(), name="size")
        tf.identity(acc, name="acc")
    write_graph("while_tensor_array", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        xv = np.array([[1, 2], [3, -4], [0.5, 0.25], [2, 2]], np.float32)
        add_case(sess, "while_tensor_array", "steps4", {"x:0": xv}, ["stacked:0", "size:0", "acc:0"])


def more_graphs():
    # Gradients of a cond (Switch/Merge in the backward pass) and of nested while loops (stacks
    # of the inner loop pushed inside the outer one).
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [3], name="x")
        p = tf1.placeholder(tf.bool, [], name="p")
        y = tf.cond(p, lambda: tf.reduce_sum(tf.sin(x) * x), lambda: tf.reduce_sum(tf.exp(x * 0.5)))
        tf.identity(y, name="y")
        tf.identity(tf.gradients(y, x)[0], name="dx")
    write_graph("cond_grad", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        xv = np.array([0.5, -1.25, 2.0], np.float32)
        for pv in (True, False):
            add_case(sess, "cond_grad", "p%d" % pv, {"x:0": xv, "p:0": pv}, ["y:0", "dx:0"])

    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [2], name="x")
        n = tf1.placeholder(tf.int32, [], name="n")

        def outer(i, acc):
            def inner(j, v):
                return j + 1, tf.sin(v * x) + v
            _, v = tf.while_loop(lambda j, v: j < i + 1, inner, (tf.constant(0), acc))
            return i + 1, v * 0.5
        _, out = tf.while_loop(lambda i, acc: i < n, outer, (tf.constant(0), x))
        y = tf.reduce_sum(out * out)
        tf.identity(y, name="y")
        tf.identity(tf.gradients(y, x)[0], name="dx")
    write_graph("nested_while_grad", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        add_case(sess, "nested_while_grad", "n3", {"x:0": np.array([0.3, -0.7], np.float32), "n:0": np.int32(3)},
                 ["y:0", "dx:0"])

    # TensorArray ops outside loops: split/concat, clear_after_read=False (read twice), and a
    # dynamic_size array grown inside a loop.
    g = tf.Graph()
    with g.as_default():
        x = tf1.placeholder(tf.float32, [None, 2], name="x")
        lengths = tf1.placeholder(tf.int64, [None], name="lengths")
        ta = tf.TensorArray(tf.float32, size=tf.size(lengths), clear_after_read=False, infer_shape=False)
        ta = ta.split(x, lengths)
        tf.identity(ta.read(1) + ta.read(1), name="twice")
        tf.identity(ta.concat(), name="concat")
        grow = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        _, grow = tf.while_loop(lambda i, t: i < 5, lambda i, t: (i + 1, t.write(i, tf.cast(i, tf.float32) * x[0])),
                                (tf.constant(0), grow))
        tf.identity(grow.stack(), name="grown")
        tf.identity(grow.size(), name="grown_size")
    write_graph("tensor_array_ops", g.as_graph_def())
    with tf1.Session(graph=g) as sess:
        xv = np.arange(12, dtype=np.float32).reshape(6, 2)
        add_case(sess, "tensor_array_ops", "split", {"x:0": xv, "lengths:0": np.array([1, 3, 2], np.int64)},
                 ["twice:0", "concat:0", "grown:0", "grown_size:0"])


B, T, D, H = 3, 5, 4, 6


def rnn_data():
    rng = np.random.RandomState(1)
    x = rng.randn(B, T, D).astype(np.float32)
    lengths = np.array([5, 2, 4], np.int32)  # unequal
    target = rng.randn(B, H).astype(np.float32)
    return x, lengths, target


class LSTMCell:
    """A TF1 LSTM cell (LSTMCell's math: one kernel [D + H, 4H] and bias, gates i, j, f, o,
    forget_bias 1) for tf.compat.v1.nn.dynamic_rnn; written here because tf.compat.v1's RNN cells
    need Keras 2, which the venv's Keras 3 is not."""

    def __init__(self, units, use_resource=True):
        self.units = units
        self.use_resource = use_resource

    @property
    def state_size(self):
        return (self.units, self.units)

    @property
    def output_size(self):
        return self.units

    def zero_state(self, batch_size, dtype):
        return (tf.zeros([batch_size, self.units], dtype), tf.zeros([batch_size, self.units], dtype))

    def __call__(self, inputs, state, scope=None):
        c, h = state
        with tf1.variable_scope("lstm_cell", reuse=tf1.AUTO_REUSE):
            # Initial values from numpy, not a random op: sluice need not draw TF's random numbers.
            rng = np.random.RandomState(3)
            kernel = tf1.get_variable(
                "kernel", initializer=(rng.randn(D + self.units, 4 * self.units) * 0.4).astype(np.float32),
                use_resource=self.use_resource)
            bias = tf1.get_variable("bias", initializer=(rng.randn(4 * self.units) * 0.1).astype(np.float32),
                                    use_resource=self.use_resource)
        gates = tf.nn.bias_add(tf.matmul(tf.concat([inputs, h], 1), kernel), bias)
        i, j, f, o = tf.split(gates, 4, axis=1)
        new_c = c * tf.sigmoid(f + 1.0) + tf.sigmoid(i) * tf.tanh(j)
        new_h = tf.tanh(new_c) * tf.sigmoid(o)
        return new_h, (new_c, new_h)


def build_rnn(use_resource=True):
    x = tf1.placeholder(tf.float32, [None, T, D], name="inputs")
    lengths = tf1.placeholder(tf.int32, [None], name="lengths")
    target = tf1.placeholder(tf.float32, [None, H], name="target")
    cell = LSTMCell(H, use_resource)
    outputs, state = tf1.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float32)
    out = tf.identity(outputs, name="outputs")
    h = tf.identity(state[1], name="final_h")
    c = tf.identity(state[0], name="final_c")
    loss = tf.reduce_mean(tf.square(h - target)) + 0.1 * tf.reduce_mean(tf.square(out))
    loss = tf.identity(loss, name="loss")
    train = tf1.train.GradientDescentOptimizer(0.5).minimize(loss, name="train")
    return x, lengths, target, out, h, c, loss, train


def rnn_graphs():
    xv, lv, tv = rnn_data()
    feeds = {"inputs:0": xv, "lengths:0": lv, "target:0": tv}
    for graph, use_resource in (("dynamic_rnn_train", True), ("dynamic_rnn_train_ref", False)):
        rnn_train_graph(graph, use_resource, feeds)
    # Frozen trained model: train 20 steps, freeze to constants, keep inputs/lengths -> outputs.
    g = tf.Graph()
    with g.as_default():
        tf1.set_random_seed(0)
        _, _, _, _, _, _, loss, train = build_rnn()
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            for _ in range(20):
                sess.run(train, {g.get_tensor_by_name(k): v for k, v in feeds.items()})
            frozen = tf1.graph_util.convert_variables_to_constants(sess, g.as_graph_def(),
                                                                   ["outputs", "final_h", "final_c"])
            frozen = tf1.graph_util.extract_sub_graph(frozen, ["outputs", "final_h", "final_c"])
    write_graph("dynamic_rnn_frozen", frozen)
    g = tf.Graph()
    with g.as_default():
        tf.import_graph_def(frozen, name="")
        with tf1.Session(graph=g) as sess:
            add_case(sess, "dynamic_rnn_frozen", "unequal", {"inputs:0": xv, "lengths:0": lv},
                     ["outputs:0", "final_h:0", "final_c:0"])
            add_case(sess, "dynamic_rnn_frozen", "full", {"inputs:0": xv[:2], "lengths:0": np.array([5, 5], np.int32)},
                     ["outputs:0", "final_h:0", "final_c:0"])


def rnn_train_graph(graph, use_resource, feeds):
    """Training graph: gradients through the loop, one GradientDescent step; with resource
    variables (what TF2's tf.compat.v1 makes) or TF1's ref variables (VariableV2)."""
    g = tf.Graph()
    with g.as_default():
        tf1.set_random_seed(0)
        _, _, _, _, _, _, loss, train = build_rnn(use_resource)
        init = tf1.global_variables_initializer()
        grads = tf.gradients(loss, tf1.trainable_variables())
        for k, (v, gr) in enumerate(zip(tf1.trainable_variables(), grads)):
            tf.identity(gr, name="grad_%d" % k)
            tf.identity(v, name="var_%d" % k)
        names = [v.op.name for v in tf1.trainable_variables()]
    write_graph(graph, g.as_graph_def())
    print("variables:", names)
    with tf1.Session(graph=g) as sess:
        sess.run(init)
        nvars = len(names)
        # Before the step: the loss and the gradients; then one train step: the variables.
        add_case(sess, graph, "grads", feeds,
                 ["loss:0"] + ["grad_%d:0" % k for k in range(nvars)], targets=[init.name])
        add_case(sess, graph, "step", feeds, ["var_%d:0" % k for k in range(nvars)],
                 targets=[init.name, "train"])



def fuzz_seeds():
    """Seeds of tests/fuzz/graphdef (which runs every node with no feeds): v1 loops and conds
    whose inputs are constants, so that the loops run."""
    seeds = os.path.join(os.path.dirname(HERE), "..", "..", "fuzz", "graphdef")
    g = tf.Graph()
    with g.as_default():
        x = tf.constant([1.0, -2.0, 3.0])
        _, s, ta = tf.while_loop(lambda i, s, ta: i < 4,
                                 lambda i, s, ta: (i + 1, s + x * tf.cast(i, tf.float32), ta.write(i, s)),
                                 (tf.constant(0), tf.zeros([3]), tf.TensorArray(tf.float32, size=4)))
        tf.identity(ta.stack(), name="stacked")
        tf.identity(tf.cond(tf.reduce_sum(s) > 0, lambda: s * 2.0, lambda: -s), name="cond")
    with open(os.path.join(seeds, "v1_while_cond_tensor_array.pb"), "wb") as f:
        f.write(g.as_graph_def().SerializeToString(deterministic=True))
    print("fuzz seed:", len(g.as_graph_def().node), "nodes")


simple_graphs()
more_graphs()
fuzz_seeds()
rnn_graphs()
with open(os.path.join(HERE, "cases.txt"), "w") as f:
    f.write("\n".join(cases) + "\n")
print("tf", tf.__version__, len(cases), "cases")
