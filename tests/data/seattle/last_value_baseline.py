"""The split and the last-value baseline that tests/examples_test.cc expects of
examples/lstm_timeseries --series seattle (and --series sf), computed independently of sluice.

Seattle's daily maximum temperature (temp_max of data/vega/seattle-weather.csv, which
tools/setup.sh unpacks from the Debian package python3-vega-datasets), split chronologically
70/15/15 by points; a window of 24 days predicts the day after it and belongs to that day's split.
Prints the window counts and the test RMSE of predicting each day by the day before.

    python3 tests/data/seattle/last_value_baseline.py [data/vega/seattle-weather.csv [temp_max]]
    python3 tests/data/seattle/last_value_baseline.py data/vega/sf-temps.csv temp

Output with the files of python3-vega-datasets 0.9+dfsg-1:
    points 1461 train 998 val 219 test 220
    last_value_rmse 2.9513
and for San Francisco's hourly temperatures (sf-temps.csv, column temp):
    points 8759 train 6107 val 1314 test 1314
    last_value_rmse 0.9086
"""
import csv
import sys

import numpy as np

path = sys.argv[1] if len(sys.argv) > 1 else "data/vega/seattle-weather.csv"
column = sys.argv[2] if len(sys.argv) > 2 else "temp_max"
with open(path, newline="") as f:
    temp_max = np.array([float(row[column]) for row in csv.DictReader(f)])
n, window = len(temp_max), 24
train_end, val_end = n * 70 // 100, n * 85 // 100
targets = np.arange(window, n)
print("points", n, "train", np.sum(targets < train_end),
      "val", np.sum((targets >= train_end) & (targets < val_end)), "test", np.sum(targets >= val_end))
test = targets[targets >= val_end]
print("last_value_rmse %.4f" % np.sqrt(np.mean((temp_max[test] - temp_max[test - 1]) ** 2)))
