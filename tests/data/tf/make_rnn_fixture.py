#!/usr/bin/env python3
"""Writes TF1 recurrent models, their V2 checkpoints and TensorFlow's outputs on a fixed input:
the oracle of tests/rnn_tf_test.cc, which builds the same models with sluice's cells, restores the
checkpoints with train::Saver and compares. tf.compat.v1.nn.rnn_cell needs the legacy Keras
(tf_keras) with TensorFlow >= 2.16. Run from the repository root with the anchors' interpreter:

    TF_USE_LEGACY_KERAS=1 bench/.venv/bin/python tests/data/tf/make_rnn_fixture.py

(with tf_keras importable, e.g. `pip install --target DIR tf-keras` and PYTHONPATH=DIR).

Outputs, in tests/data/tf/rnn/ (small, committed), for each model NAME:
  NAME/model.*                    the V2 checkpoint of the model's variables (random values)
  NAME/x.npy, NAME/len.npy        the fed inputs (float32 [3, 5, 4]) and sequence lengths (int32)
  NAME/want_outputs.npy           dynamic_rnn's outputs
  NAME/want_state_<i>.npy         the final state's parts, flattened in order (LSTM: c, h)
Models:
  lstm   LSTMCell(6, use_peepholes, cell_clip=1.5, num_proj=3, proj_clip=0.8), batch-major
  gru    GRUCell(5), time_major
  multi  MultiRNNCell([BasicLSTMCell(4), GRUCell(3)]), batch-major
  bidi   bidirectional_dynamic_rnn(LSTMCell(3), BasicRNNCell(2)): want_outputs_fw/bw,
         want_state_fw_<i>, want_state_bw_<i>
"""
import os

import numpy as np
import tensorflow as tf

tf1 = tf.compat.v1
tf1.disable_eager_execution()
rnn_cell = tf1.nn.rnn_cell
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn")
LENGTHS = np.array([5, 0, 3], np.int32)


def flat_state(state):
  return list(tf.nest.flatten(state))


def run(name, build, time_major=False):
  out_dir = os.path.join(OUT, name)
  os.makedirs(out_dir, exist_ok=True)
  rng = np.random.RandomState(len(name))
  x_np = rng.randn(3, 5, 4).astype(np.float32)
  g = tf1.Graph()
  with g.as_default():
    x = tf1.placeholder(tf.float32, [None, None, 4], name="x")
    length = tf1.placeholder(tf.int32, [None], name="len")
    fetches = build(tf.transpose(x, [1, 0, 2]) if time_major else x, length)
    # Random values rather than the initializers' so that biases and peepholes matter.
    assigns = [v.assign(rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32))
               for v in tf1.global_variables()]
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
      sess.run(assigns)
      values = sess.run(fetches, {x: x_np, length: LENGTHS})
      saver.save(sess, os.path.join(out_dir, "model"), write_meta_graph=False)
    os.remove(os.path.join(out_dir, "checkpoint"))  # it holds absolute paths; the test reads "model"
    print(name, sorted(v.name for v in tf1.global_variables()))
  np.save(os.path.join(out_dir, "x.npy"), x_np)
  np.save(os.path.join(out_dir, "len.npy"), LENGTHS)
  for key, value in values.items():
    if key.startswith("outputs") and time_major:
      value = np.transpose(value, [1, 0, 2])
    np.save(os.path.join(out_dir, "want_%s.npy" % key), value)


def single(cell_fn, time_major=False):
  def build(x, length):
    outputs, state = tf1.nn.dynamic_rnn(cell_fn(), x, sequence_length=length, dtype=tf.float32,
                                        time_major=time_major)
    fetches = {"outputs": outputs}
    for i, s in enumerate(flat_state(state)):
      fetches["state_%d" % i] = s
    return fetches
  return build


def bidi(x, length):
  (out_fw, out_bw), (st_fw, st_bw) = tf1.nn.bidirectional_dynamic_rnn(
      rnn_cell.LSTMCell(3), rnn_cell.BasicRNNCell(2), x, sequence_length=length, dtype=tf.float32)
  fetches = {"outputs_fw": out_fw, "outputs_bw": out_bw}
  for i, s in enumerate(flat_state(st_fw)):
    fetches["state_fw_%d" % i] = s
  for i, s in enumerate(flat_state(st_bw)):
    fetches["state_bw_%d" % i] = s
  return fetches


def main():
  run("lstm", single(lambda: rnn_cell.LSTMCell(6, use_peepholes=True, cell_clip=1.5, num_proj=3,
                                               proj_clip=0.8)))
  run("gru", single(lambda: rnn_cell.GRUCell(5), time_major=True), time_major=True)
  run("multi", single(lambda: rnn_cell.MultiRNNCell([rnn_cell.BasicLSTMCell(4), rnn_cell.GRUCell(3)])))
  run("bidi", bidi)


if __name__ == "__main__":
  main()
