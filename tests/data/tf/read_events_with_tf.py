#!/usr/bin/env python3
"""TensorBoard and TensorFlow read what sluice's summary ops and summary::FileWriter wrote, and
TensorFlow computes the same summaries, one line per item, for tests/summary_tf_test.cc to
compare (it skips when TensorFlow cannot be imported). Floats are printed with repr (they
round-trip exactly).

    read_events_with_tf.py events LOGDIR
        what tensorboard's EventAccumulator finds in LOGDIR:
        "scalar TAG STEP VALUE", "histogram TAG STEP MIN MAX NUM SUM SUM_SQUARES LIMITS COUNTS"
        (LIMITS and COUNTS joined by ","), "image TAG STEP WIDTH HEIGHT PIXELS_HEX" (the PNG
        decoded by tf.io.decode_png), "graph NODE,NODE,..." and "file_version VERSION".
    read_events_with_tf.py histogram VALUES.npy
        the bucket limits and counts of tf.raw_ops.HistogramSummary on the values:
        "histogram MIN MAX NUM SUM SUM_SQUARES LIMITS COUNTS".
    read_events_with_tf.py image VALUES.npy MAX_IMAGES
        per image of tf.raw_ops.ImageSummary on the values: "image TAG WIDTH HEIGHT PIXELS_HEX".
    read_events_with_tf.py run GRAPH.pb FETCH
        imports the GraphDef into TensorFlow, runs the string tensor FETCH (a serialized Summary)
        and prints per value: "scalar TAG VALUE", "histogram TAG MIN ... COUNTS" or
        "image TAG WIDTH HEIGHT PIXELS_HEX".
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2
from tensorboard.backend.event_processing import event_accumulator


def joined(values):
    return ",".join(repr(float(v)) for v in values) or "-"


def histo_line(h):
    return " ".join([repr(h.min), repr(h.max), repr(h.num), repr(h.sum), repr(h.sum_squares),
                     joined(h.bucket_limit), joined(h.bucket)])


def pixels(png):
    return tf.io.decode_png(png).numpy().tobytes().hex() or "-"


def events(logdir):
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0, event_accumulator.IMAGES: 0})
    acc.Reload()
    tags = acc.Tags()
    print("file_version", acc.file_version)
    for tag in sorted(tags["scalars"]):
        for e in acc.Scalars(tag):
            print("scalar", tag, e.step, repr(e.value))
    for tag in sorted(tags["histograms"]):
        for e in acc.Histograms(tag):
            print("histogram", tag, e.step, histo_line(e.histogram_value))
    for tag in sorted(tags["images"]):
        for e in acc.Images(tag):
            print("image", tag, e.step, e.width, e.height, pixels(e.encoded_image_string))
    if tags["graph"]:
        print("graph", ",".join(sorted(n.name for n in acc.Graph().node)))


def histogram(path):
    summary = summary_pb2.Summary.FromString(
        tf.raw_ops.HistogramSummary(tag="h", values=np.load(path)).numpy())
    print("histogram", histo_line(summary.value[0].histo))


def image(path, max_images):
    # In a graph: eager execution cannot pass ImageSummary's tensor-valued attr bad_color.
    with tf.Graph().as_default():
        op = tf.raw_ops.ImageSummary(tag="img", tensor=np.load(path), max_images=int(max_images))
        with tf.compat.v1.Session() as session:
            summary = summary_pb2.Summary.FromString(session.run(op))
    for v in summary.value:
        print("image", v.tag, v.image.width, v.image.height, pixels(v.image.encoded_image_string))


def run(path, fetch):
    graph_def = tf.compat.v1.GraphDef()
    with open(path, "rb") as f:
        graph_def.ParseFromString(f.read())
    with tf.Graph().as_default() as graph:
        tf.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as session:
            summary = summary_pb2.Summary.FromString(session.run(fetch))
    for v in summary.value:
        kind = v.WhichOneof("value")
        if kind == "simple_value":
            print("scalar", v.tag, repr(v.simple_value))
        elif kind == "histo":
            print("histogram", v.tag, histo_line(v.histo))
        elif kind == "image":
            print("image", v.tag, v.image.width, v.image.height, pixels(v.image.encoded_image_string))
        else:
            print("other", v.tag, kind)


if __name__ == "__main__":
    if sys.argv[1] == "events":
        events(sys.argv[2])
    elif sys.argv[1] == "histogram":
        histogram(sys.argv[2])
    elif sys.argv[1] == "image":
        image(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
