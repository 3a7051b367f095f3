#!/usr/bin/python3
"""The lstm workload in PyTorch (CPU, 2 threads), beside ../shared/bench/torch_anchor.py's (which
has no lstm): examples/rnn_mnist's model, MNIST rows as 28 steps through torch.nn.LSTM(28, 128),
Linear(128, 10) from the final h, cross-entropy, Adam 1e-3, 100 steps of batch 64 in data order.
Usage: torch_lstm_anchor.py MNIST_DIR [lstm]; prints 'lstm_100_steps_s value s'."""
import gzip
import os
import struct
import sys
import time

import numpy as np
import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def idx(path):
    opener = open if os.path.exists(path) else (lambda p, m: gzip.open(p + ".gz", m))
    with opener(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        nd = magic & 0xFF
        dims = struct.unpack(">" + "I" * nd, f.read(4 * nd))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def lstm_steps(d, steps=100):
    xtr = torch.from_numpy(idx(f"{d}/train-images-idx3-ubyte").reshape(-1, 28, 28).astype(np.float32) / 255)
    ytr = torch.from_numpy(idx(f"{d}/train-labels-idx1-ubyte").astype(np.int64))
    lstm, out = torch.nn.LSTM(28, 128), torch.nn.Linear(128, 10)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(out.parameters()), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    t = time.perf_counter()
    for s in range(steps):
        i = (s * 64) % 60000
        _, (h, _) = lstm(xtr[i:i + 64].transpose(0, 1))  # time-major [28, 64, 28]
        loss = lossf(out(h[0]), ytr[i:i + 64])
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"lstm_100_steps_s {time.perf_counter() - t:.3f} s")


if __name__ == "__main__":
    if len(sys.argv) < 2 or any(w != "lstm" for w in sys.argv[2:]):
        sys.exit(__doc__)
    lstm_steps(sys.argv[1])
