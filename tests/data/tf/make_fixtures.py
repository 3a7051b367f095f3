#!/usr/bin/env python3
"""Writes the TensorFlow-made fixtures next to this script: the independent truth the reading
tests of sluice's TFRecord and checkpoint-bundle code compare against (they run without
TensorFlow; this script needs it). Run it with the anchors' interpreter from the repository root:

    bench/.venv/bin/python tests/data/tf/make_fixtures.py

Outputs (small, committed):
  records.tfrecord, records_zlib.tfrecord, records_gzip.tfrecord  the RECORDS below, by tf.io.TFRecordWriter
  bundle/model.ckpt.index, bundle/model.ckpt.data-00000-of-00001  the TENSORS below, by tf.raw_ops.SaveV2
"""
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))

# Kept in step with kTfRecords in tests/record_io_test.cc.
RECORDS = [b"", b"a", b"TensorFlow record 2", bytes(range(256)) * 4]


def tensors():
    """Kept in step with the expectations of tests/tensor_bundle_test.cc."""
    return {
        "dense/kernel": np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5,
        "dense/bias": np.array([1.5, -2.25], dtype=np.float64),
        "counts": np.array([1, -2, 3, 2147483647], dtype=np.int32),
        "global_step": np.array(1999, dtype=np.int64),
        "mask": np.array([True, False, True]),
        "small": np.array([[7, 255]], dtype=np.uint8),
        "vocab": np.array([b"the", b"", "caf\u00e9".encode(), b"x" * 200], dtype=object),
        "empty": np.zeros([0, 4], dtype=np.float32),
    }


def main():
    for name, compression in [("records.tfrecord", None), ("records_zlib.tfrecord", "ZLIB"),
                              ("records_gzip.tfrecord", "GZIP")]:
        path = os.path.join(HERE, name)
        with tf.io.TFRecordWriter(path, options=compression) as w:
            for r in RECORDS:
                w.write(r)
        got = list(tf.data.TFRecordDataset(path, compression_type=compression or "").as_numpy_iterator())
        assert got == RECORDS, name

    bundle = os.path.join(HERE, "bundle")
    shutil.rmtree(bundle, ignore_errors=True)
    os.makedirs(bundle)
    values = tensors()
    names = sorted(values)
    tf.raw_ops.SaveV2(prefix=os.path.join(bundle, "model.ckpt"), tensor_names=names,
                      shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(values[n]) for n in names])
    reader = tf.train.load_checkpoint(os.path.join(bundle, "model.ckpt"))
    for n in names:
        assert np.array_equal(reader.get_tensor(n), values[n]), n
    print("wrote", sorted(os.listdir(HERE)), sorted(os.listdir(bundle)), "with TensorFlow", tf.__version__,
          file=sys.stderr)


if __name__ == "__main__":
    main()
