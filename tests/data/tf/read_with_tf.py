#!/usr/bin/env python3
"""Reads files sluice wrote with TensorFlow and prints what TensorFlow saw, one line per item, for
tests/tf_interop_test.cc to compare (it skips when TensorFlow cannot be imported).

    read_with_tf.py tfrecord PATH COMPRESSION [PATH COMPRESSION ...]
        per file: "file PATH", then one line per record: its bytes in hex ("-" for an empty one);
        tf.compat.v1.io.tf_record_iterator and tf.data.TFRecordDataset must agree.
    read_with_tf.py bundle PREFIX
        per tensor of the checkpoint, in name order: "NAME DTYPE SHAPE HEX" where SHAPE is the
        dims joined by "x" ("scalar" for none) and HEX the tensor's little-endian bytes (strings:
        each element's bytes in hex, joined by ","), via tf.train.load_checkpoint.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf


def hexed(b):
    return b.hex() if b else "-"


def tfrecord(args):
    for path, compression in zip(args[::2], args[1::2]):
        compression = "" if compression == "-" else compression
        via_iterator = list(tf.compat.v1.io.tf_record_iterator(
            path, tf.compat.v1.io.TFRecordOptions(compression) if compression else None))
        via_dataset = list(tf.data.TFRecordDataset(path, compression_type=compression).as_numpy_iterator())
        if via_iterator != via_dataset:
            sys.exit(f"{path}: tf_record_iterator and TFRecordDataset disagree")
        print("file", path)
        for r in via_dataset:
            print(hexed(r))


def bundle(prefix):
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    for name in sorted(dtypes):
        value = reader.get_tensor(name)
        shape = "x".join(str(d) for d in np.shape(value)) or "scalar"
        if dtypes[name] == tf.string:
            data = ",".join(hexed(s) for s in np.asarray(value, dtype=object).reshape(-1)) or "-"
        else:
            data = hexed(np.ascontiguousarray(value).astype(np.asarray(value).dtype.newbyteorder("<")).tobytes())
        print(name, dtypes[name].name, shape, data)


if __name__ == "__main__":
    if sys.argv[1] == "tfrecord":
        tfrecord(sys.argv[2:])
    elif sys.argv[1] == "bundle":
        bundle(sys.argv[2])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
