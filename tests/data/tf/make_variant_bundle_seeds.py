"""Writes the bundle fuzz target's seeds with a variant entry (tests/fuzz/bundle/):

tf_bundle_variant            a checkpoint TF1's Saver wrote with make_saveable_from_iterator (the
                             iterator's state, a DT_VARIANT tensor, and a float variable)
tf_bundle_variant_bad_crc    the same with a byte of the variant's data flipped
entry_variant2               the entry form (see bundle_fuzzer.cc): a BundleEntryProto of a [2]
                             variant tensor and its data, two VariantTensorDataProtos laid out
                             as TF's WriteVariantTensor lays them out

Each seed is a little-endian uint16 (the length of the first part), the first part (the index, or
the entry), then the data file. Run with TensorFlow: bench/.venv/bin/python this_file.py
"""
import os
import struct
import sys
import tempfile

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf  # noqa: E402
from tensorflow.core.framework import tensor_pb2  # noqa: E402
from tensorflow.core.protobuf import tensor_bundle_pb2  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fuzz", "bundle")


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def seed(name, first, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<H", len(first)) + first + data)


def tf_checkpoint(tmp):
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    ds = tf.data.Dataset.range(20).batch(3)
    it = tf1.data.make_initializable_iterator(ds)
    nxt = it.get_next()
    tf1.get_variable("v", initializer=tf.constant([1.5, 2.5]))
    tf1.add_to_collection(tf1.GraphKeys.SAVEABLE_OBJECTS, tf.data.experimental.make_saveable_from_iterator(it))
    saver = tf1.train.Saver()
    with tf1.Session() as sess:
        sess.run([tf1.global_variables_initializer(), it.initializer])
        sess.run(nxt)
        prefix = saver.save(sess, os.path.join(tmp, "model"))
    with open(prefix + ".index", "rb") as f:
        index = f.read()
    with open(prefix + ".data-00000-of-00001", "rb") as f:
        data = f.read()
    return index, data


def main():
    with tempfile.TemporaryDirectory() as tmp:
        index, data = tf_checkpoint(tmp)
    seed("tf_bundle_variant", index, data)
    bad = bytearray(data)
    bad[len(bad) // 3] ^= 0x10
    seed("tf_bundle_variant_bad_crc", index, bytes(bad))

    elements = []
    for type_name, metadata in ((b"sluice::data::IteratorState", b"\x01k"), (b"other", b"")):
        p = tensor_pb2.VariantTensorDataProto(type_name=type_name, metadata=metadata)
        elements.append(p.SerializeToString())
    body, crc = b"", 0
    for e in elements:
        crc = crc32c(struct.pack("<Q", len(e)), crc)
        crc = crc32c(e, crc)
        checksum = struct.pack("<I", mask(crc))
        crc = crc32c(checksum, crc)
        body += varint(len(e)) + e + checksum
    entry = tensor_bundle_pb2.BundleEntryProto(dtype=tf.variant.as_datatype_enum, offset=0, size=len(body),
                                               crc32c=mask(crc))
    entry.shape.dim.add(size=2)
    seed("entry_variant2", entry.SerializeToString(), body)


if __name__ == "__main__":
    sys.exit(main())
