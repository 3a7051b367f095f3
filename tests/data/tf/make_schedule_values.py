"""Prints TensorFlow's learning-rate schedules at global steps 0..12, the expected values in
tests/learning_rate_decay_test.cc (run: bench/.venv/bin/python tests/data/tf/make_schedule_values.py)."""
import tensorflow as tf

v1 = tf.compat.v1
v1.disable_eager_execution()
step = v1.placeholder(tf.int64, [])
schedules = {
    "exponential": v1.train.exponential_decay(0.1, step, 5, 0.5),
    "exponential_staircase": v1.train.exponential_decay(0.1, step, 5, 0.5, staircase=True),
    "inverse_time": v1.train.inverse_time_decay(0.1, step, 4, 0.5),
    "inverse_time_staircase": v1.train.inverse_time_decay(0.1, step, 4, 0.5, staircase=True),
    "polynomial": v1.train.polynomial_decay(0.1, step, 10, end_learning_rate=0.01, power=2.0),
    "polynomial_cycle": v1.train.polynomial_decay(0.1, step, 5, end_learning_rate=0.01, power=0.5, cycle=True),
    "piecewise": v1.train.piecewise_constant(step, [3, 7], [0.1, 0.05, 0.01]),
    "cosine": v1.train.cosine_decay(0.1, step, 10, alpha=0.1),
}
with v1.Session() as sess:
    for name, t in schedules.items():
        vals = [sess.run(t, {step: s}) for s in range(13)]
        print("{\"%s\", {%s}}," % (name, ", ".join(repr(float(v)) for v in vals)))
