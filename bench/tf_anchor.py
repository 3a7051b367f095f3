#!/usr/bin/env python3
"""Anchor timings in TensorFlow, written the way a TensorFlow 1.x user writes them: a
tf.compat.v1 graph with placeholders, one Session.run per step, intra-op 2 / inter-op 1 threads.
The workloads, shapes, optimizers, batch sizes and figure names are those of
../shared/bench/torch_anchor.py (and of sluice_bench). Run with the anchors' environment
(bench/setup_anchors.sh):

    bench/.venv/bin/python bench/tf_anchor.py MNIST_DIR [workload...]

MNIST_DIR holds the IDX files, plain or gzip. Prints 'name value unit' lines."""
import glob
import gzip
import os
import struct
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
tf1.disable_eager_execution()
CONFIG = tf1.ConfigProto(intra_op_parallelism_threads=2, inter_op_parallelism_threads=1)


def idx(path):
    opener = open if os.path.exists(path) else (lambda p, m: gzip.open(p + ".gz", m))
    with opener(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        nd = magic & 0xFF
        dims = struct.unpack(">" + "I" * nd, f.read(4 * nd))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def mnist(d):
    xtr = idx(f"{d}/train-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255
    ytr = idx(f"{d}/train-labels-idx1-ubyte").astype(np.int64)
    xte = idx(f"{d}/t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255
    yte = idx(f"{d}/t10k-labels-idx1-ubyte").astype(np.int64)
    return xtr, ytr, xte, yte


# tf.compat.v1.layers is gone with Keras 3 (TensorFlow >= 2.16); these build what
# tf.layers.dense / conv2d / max_pooling2d built: get_variable with Glorot-uniform kernels, zero
# biases, MatMul or Conv2D + BiasAdd (+ ReLU), MaxPool.
_layer_count = [0]


def dense(x, units, activation=None):
    _layer_count[0] += 1
    with tf1.variable_scope(f"dense_{_layer_count[0]}"):
        k = tf1.get_variable("kernel", [int(x.shape[-1]), units], initializer=tf1.glorot_uniform_initializer())
        b = tf1.get_variable("bias", [units], initializer=tf1.zeros_initializer())
        y = tf.nn.bias_add(tf.matmul(x, k), b)
    return activation(y) if activation else y


def conv2d_relu(x, filters, size):
    _layer_count[0] += 1
    with tf1.variable_scope(f"conv2d_{_layer_count[0]}"):
        k = tf1.get_variable("kernel", [size, size, int(x.shape[-1]), filters],
                             initializer=tf1.glorot_uniform_initializer())
        b = tf1.get_variable("bias", [filters], initializer=tf1.zeros_initializer())
        return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, k, strides=1, padding="SAME"), b))


def max_pool2(x):
    return tf.nn.max_pool2d(x, ksize=2, strides=2, padding="VALID")


def new_graph(seed=0):
    g = tf1.Graph()
    with g.as_default():
        tf1.set_random_seed(seed)
    return g


def mlp_epoch(d):
    xtr, ytr, xte, yte = mnist(d)
    with new_graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 784], name="x")
        y = tf1.placeholder(tf.int64, [None], name="y")
        h = dense(x, 256, activation=tf.nn.relu)
        logits = dense(h, 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
        with tf1.Session(config=CONFIG) as s:
            s.run(tf1.global_variables_initializer())
            batches = [(xtr[i:i + 128], ytr[i:i + 128]) for i in range(0, 60000, 128)]
            t = time.perf_counter()
            for bx, by in batches:
                s.run(train, {x: bx, y: by})
            dt = time.perf_counter() - t
            acc = s.run(accuracy, {x: xte, y: yte})
    print(f"mlp_epoch_s {dt:.3f} s  (test_acc {acc:.4f})")


def lenet_steps(d, steps=100):
    xtr, ytr, _, _ = mnist(d)
    xtr = xtr.reshape(-1, 28, 28, 1)
    with new_graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 28, 28, 1])
        y = tf1.placeholder(tf.int64, [None])
        a = max_pool2(conv2d_relu(x, 32, 5))
        a = max_pool2(conv2d_relu(a, 64, 5))
        a = dense(tf.reshape(a, [-1, 7 * 7 * 64]), 1024, activation=tf.nn.relu)
        logits = dense(a, 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf1.train.AdamOptimizer(1e-4).minimize(loss)
        with tf1.Session(config=CONFIG) as s:
            s.run(tf1.global_variables_initializer())
            t = time.perf_counter()
            for step in range(steps):
                i = (step * 64) % 60000
                s.run(train, {x: xtr[i:i + 64], y: ytr[i:i + 64]})
            dt = time.perf_counter() - t
    print(f"lenet_100_steps_s {dt:.3f} s")


def lstm_cell(units):
    """tf.compat.v1.nn.rnn_cell.LSTMCell (forget_bias 1, Glorot-uniform kernel, zero bias), or,
    where that Keras-era class is gone, the same cell as an RNNCell of its own."""
    try:
        return tf1.nn.rnn_cell.LSTMCell(units, initializer=tf1.glorot_uniform_initializer())
    except (AttributeError, ImportError):
        pass
    from tensorflow.python.ops import rnn_cell_impl  # noqa: E402  (dynamic_rnn's cell base class)

    class Cell(rnn_cell_impl.RNNCell):
        state_size = rnn_cell_impl.LSTMStateTuple(units, units)
        output_size = units

        def __call__(self, x, state, scope=None):
            c, h = state
            with tf1.variable_scope(scope or "lstm_cell", reuse=tf1.AUTO_REUSE):
                k = tf1.get_variable("kernel", [int(x.shape[-1]) + units, 4 * units],
                                     initializer=tf1.glorot_uniform_initializer())
                b = tf1.get_variable("bias", [4 * units], initializer=tf1.zeros_initializer())
            i, j, f, o = tf.split(tf.nn.bias_add(tf.matmul(tf.concat([x, h], 1), k), b), 4, axis=1)
            c = tf.sigmoid(f + 1.0) * c + tf.sigmoid(i) * tf.tanh(j)
            h = tf.sigmoid(o) * tf.tanh(c)
            return h, rnn_cell_impl.LSTMStateTuple(c, h)

    return Cell()


def lstm_steps(d, steps=100):
    """examples/rnn_mnist's model: MNIST rows as 28 steps through a 128-unit LSTM
    (tf.compat.v1.nn.dynamic_rnn), dense 10 from the final h, Adam 1e-3, batch 64."""
    xtr, ytr, _, _ = mnist(d)
    with new_graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 784])
        y = tf1.placeholder(tf.int64, [None])
        _, state = tf1.nn.dynamic_rnn(lstm_cell(128), tf.reshape(x, [-1, 28, 28]), dtype=tf.float32)
        logits = dense(state[1], 10)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
        train = tf1.train.AdamOptimizer(1e-3).minimize(loss)
        with tf1.Session(config=CONFIG) as s:
            s.run(tf1.global_variables_initializer())
            t = time.perf_counter()
            for step in range(steps):
                i = (step * 64) % 60000
                s.run(train, {x: xtr[i:i + 64], y: ytr[i:i + 64]})
            dt = time.perf_counter() - t
    print(f"lstm_100_steps_s {dt:.3f} s")


def autoencoder_epoch(_):
    rng = np.random.default_rng(0)
    data = np.zeros((5953, 3952), np.float32)
    mask = rng.random((5953, 3952)) < 0.04
    data[mask] = rng.integers(1, 6, int(mask.sum())).astype(np.float32)
    with new_graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3952])
        init = tf1.random_normal_initializer(stddev=0.05)
        shapes = [(3952, 128), (128, 128), (128, 128), (128, 3952)]
        w = [tf1.get_variable(f"w{k}", s, initializer=init) for k, s in enumerate(shapes)]
        b = [tf1.get_variable(f"b{k}", [128], initializer=tf1.zeros_initializer()) for k in range(3)]
        a = x
        for k in range(3):
            a = tf.sigmoid(tf.matmul(a, w[k]) + b[k])
        out = tf.matmul(a, w[3])
        m = tf.not_equal(x, 0)
        out = tf1.where(m, out, tf.zeros_like(out))
        loss = tf.reduce_sum(tf.square(out - x)) / tf.reduce_sum(tf.cast(m, tf.float32))
        train = tf1.train.AdamOptimizer(5e-4).minimize(loss)
        with tf1.Session(config=CONFIG) as s:
            s.run(tf1.global_variables_initializer())
            t = time.perf_counter()
            for i in range(0, 5953 - 15, 16):
                s.run(train, {x: data[i:i + 16]})
            dt = time.perf_counter() - t
    print(f"autoencoder_epoch_s {dt:.3f} s")


def mf_epoch(_):
    # u.m + b_u + b_m + b_global with L2: 671 users, 9125 movies, dim 16, 100k synthetic ratings,
    # batch 128, Adam 1e-3 (the recommender slides' model).
    rng = np.random.default_rng(0)
    n = 100000
    users = rng.integers(0, 671, n)
    movies = rng.integers(0, 9125, n)
    ratings = rng.integers(1, 11, n).astype(np.float32) / 2
    with new_graph().as_default():
        u = tf1.placeholder(tf.int64, [None])
        mv = tf1.placeholder(tf.int64, [None])
        r = tf1.placeholder(tf.float32, [None])
        emb = tf1.random_normal_initializer()
        U = tf1.get_variable("U", [671, 16], initializer=emb)
        M = tf1.get_variable("M", [9125, 16], initializer=emb)
        bu = tf1.get_variable("bu", [671, 1], initializer=emb)
        bm = tf1.get_variable("bm", [9125, 1], initializer=emb)
        bg = tf1.get_variable("bg", [1], initializer=tf1.zeros_initializer())
        ue, me = tf.nn.embedding_lookup(U, u), tf.nn.embedding_lookup(M, mv)
        pred = (tf.reduce_sum(ue * me, 1) + tf.squeeze(tf.nn.embedding_lookup(bu, u), 1)
                + tf.squeeze(tf.nn.embedding_lookup(bm, mv), 1) + bg)
        loss = (tf.reduce_mean(tf.square(pred - r))
                + 0.01 * 0.5 * (tf.reduce_sum(tf.square(ue)) + tf.reduce_sum(tf.square(me))) / 128)
        train = tf1.train.AdamOptimizer(1e-3).minimize(loss)
        with tf1.Session(config=CONFIG) as s:
            s.run(tf1.global_variables_initializer())
            t = time.perf_counter()
            for i in range(0, n, 128):
                s.run(train, {u: users[i:i + 128], mv: movies[i:i + 128], r: ratings[i:i + 128]})
            dt = time.perf_counter() - t
    print(f"mf_epoch_s {dt:.3f} s")


def mf_dnn_epoch(_):
    # a smaller form of examples/mf_recsys's dnn model (sluice_bench mf_dnn): no rating-weighted
    # history, narrower layers, less dropout; 100k synthetic ratings of 671 users and 9125
    # movies with 20 random genres and a year each;
    # each user's history is the movies of their ratings, mean-pooled with
    # embedding_lookup_sparse. [user emb, history, movie emb, genres, year] -> dense 64 relu ->
    # dropout 0.2 -> dense 32 relu -> dropout 0.2 -> dense 1, plus (user emb + history) . movie
    # emb + biases; dim 16, batch 128, Adam 1e-3.
    rng = np.random.default_rng(0)
    n, n_users, n_movies, n_genres, dim = 100000, 671, 9125, 20, 16
    users = rng.integers(0, n_users, n)
    movies = rng.integers(0, n_movies, n)
    ratings = rng.integers(1, 11, n).astype(np.float32) / 2
    genres = (rng.random((n_movies, n_genres)) < 0.1).astype(np.float32)
    years = rng.random((n_movies, 1)).astype(np.float32)
    history = [[] for _ in range(n_users)]
    for user, movie in zip(users, movies):
        history[user].append(movie)
    batches = []
    for i in range(0, n, 128):
        bu = users[i:i + 128]
        rows = np.concatenate([np.full(len(history[x]), r) for r, x in enumerate(bu)])
        cols = np.concatenate([np.arange(len(history[x])) for x in bu])
        ids = np.concatenate([history[x] for x in bu]).astype(np.int64)
        sp = tf1.SparseTensorValue(np.stack([rows, cols], 1).astype(np.int64), ids,
                                   np.array([len(bu), cols.max() + 1], np.int64))
        batches.append((bu, movies[i:i + 128], ratings[i:i + 128], sp))
    with new_graph().as_default():
        u = tf1.placeholder(tf.int64, [None])
        mv = tf1.placeholder(tf.int64, [None])
        r = tf1.placeholder(tf.float32, [None])
        hist_ids = tf1.sparse_placeholder(tf.int64)
        emb = tf1.random_normal_initializer(stddev=0.1)
        U = tf1.get_variable("U", [n_users, dim], initializer=emb)
        M = tf1.get_variable("M", [n_movies, dim], initializer=emb)
        H = tf1.get_variable("H", [n_movies, dim], initializer=emb)
        bu = tf1.get_variable("bu", [n_users, 1], initializer=tf1.zeros_initializer())
        bm = tf1.get_variable("bm", [n_movies, 1], initializer=tf1.zeros_initializer())
        bg = tf1.get_variable("bg", [1], initializer=tf1.zeros_initializer())
        ue, me = tf.nn.embedding_lookup(U, u), tf.nn.embedding_lookup(M, mv)
        hist = tf.nn.embedding_lookup_sparse(H, hist_ids, None, combiner="mean")
        x = tf.concat([ue, hist, me, tf.gather(tf.constant(genres), mv), tf.gather(tf.constant(years), mv)], 1)
        h = tf.nn.dropout(dense(x, 64, activation=tf.nn.relu), rate=0.2)
        h = tf.nn.dropout(dense(h, 32, activation=tf.nn.relu), rate=0.2)
        pred = (tf.squeeze(dense(h, 1), 1) + tf.reduce_sum((ue + hist) * me, 1)
                + tf.squeeze(tf.nn.embedding_lookup(bu, u), 1) + tf.squeeze(tf.nn.embedding_lookup(bm, mv), 1) + bg)
        loss = (tf.reduce_mean(tf.square(pred - r))
                + 0.01 * 0.5 * (tf.reduce_sum(tf.square(ue)) + tf.reduce_sum(tf.square(me))
                                + tf.reduce_sum(tf.square(hist))) / 128)
        train = tf1.train.AdamOptimizer(1e-3).minimize(loss)
        with tf1.Session(config=CONFIG) as s:
            s.run(tf1.global_variables_initializer())
            t = time.perf_counter()
            for bu_, bm_, br_, sp in batches:
                s.run(train, {u: bu_, mv: bm_, r: br_, hist_ids: sp})
            dt = time.perf_counter() - t
            last = s.run(loss, {u: bu_, mv: bm_, r: br_, hist_ids: sp})
    print(f"mf_dnn_epoch_s {dt:.3f} s  (last batch loss {last:.3f})")


def tiny_run(_):
    with new_graph().as_default():
        a = tf1.placeholder(tf.float32, [])
        b = tf1.placeholder(tf.float32, [])
        c = tf1.placeholder(tf.float32, [])
        y = a * b + c
        with tf1.Session(config=CONFIG) as s:
            feed = {a: 1.0, b: 2.0, c: 3.0}
            for _ in range(1000):
                s.run(y, feed)
            n = 20000
            t = time.perf_counter()
            for _ in range(n):
                v = s.run(y, feed)
            dt = time.perf_counter() - t
    assert v == 5.0, v
    print(f"tiny_run_us {dt / n * 1e6:.2f} us")


# The files sluice_bench pipeline writes (and reads): 100 000 Examples of 3 952 floats.
PIPELINE_DIR = os.environ.get("SLUICE_PIPELINE_DIR", "build/bench_pipeline")
PIPELINE_WIDTH = 3952


def pipeline_records(_):
    """tf.data the TF1 way: TFRecordDataset -> map(parse_single_example) -> shuffle(500) -> batch(16)
    -> prefetch(1), an initializable iterator, one Session.run per batch fetching the batch's sum and size."""
    files = sorted(glob.glob(f"{PIPELINE_DIR}/*.tfrecord"))
    if not files:
        sys.exit(f"tf_anchor: no {PIPELINE_DIR}/*.tfrecord (build/bin/sluice_bench pipeline writes them)")
    feature = {"movie_ratings": tf1.FixedLenFeature([PIPELINE_WIDTH], tf.float32)}
    with new_graph().as_default():
        ds = tf1.data.TFRecordDataset(files)
        ds = ds.map(lambda r: tf1.parse_single_example(r, feature)["movie_ratings"])
        ds = ds.shuffle(500, seed=1).batch(16).prefetch(1)
        it = tf1.data.make_initializable_iterator(ds)
        batch = it.get_next()
        fetch = [tf.reduce_sum(batch), tf.shape(batch)[0]]
        with tf1.Session(config=CONFIG) as s:
            s.run(it.initializer)
            t = time.perf_counter()
            records = 0
            try:
                while True:
                    records += s.run(fetch)[1]
            except tf.errors.OutOfRangeError:
                pass
            dt = time.perf_counter() - t
    print(f"pipeline_records_per_s {records / dt:.0f} records/s  ({records} records in {dt:.2f} s)")


W = dict(mlp=mlp_epoch, lenet=lenet_steps, lstm=lstm_steps, autoencoder=autoencoder_epoch, mf=mf_epoch, mf_dnn=mf_dnn_epoch,
         tiny=tiny_run, pipeline=pipeline_records)
if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[2:] or W:
        W[name](sys.argv[1])
