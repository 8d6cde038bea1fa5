#!/usr/bin/python3
"""PyTorch eager training models/cnn_bn.net's network, the peer of `netc bench models/cnn_bn.net`.

The same layers: conv 3×3 (8, no bias) → batch norm → relu → max-pool, conv 3×3 (16, no bias) → batch norm → relu →
max-pool, dropout 0.25, dense 64 + relu, dropout 0.25, dense 10; cross-entropy, Adam 2e-3; random inputs and
labels, batch 128 as `netc bench --batch 128`.

  cnn_bn_peer.py THREADS [BATCH] [SECONDS]   -> {"samples_per_s": ...} (its faster thread split)
"""
import json, os, sys

from peer_split import best_split, samples_per_s


def main(threads, batch, seconds):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", threads)))
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    print(json.dumps({"threads": threads, "batch": batch, "samples_per_s": samples_per_s(step, batch, seconds, 20),
                      "torch": torch.__version__}))


def run(threads, batch=128, seconds=5.0):
    """Both thread splits (intra-op threads or BLAS threads, see peer_split.py); the faster."""
    return best_split(__file__, threads, [batch, seconds])


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        a = sys.argv[1:]
        print(json.dumps(run(*(kind(x) for kind, x in zip([int, int, float], a)))))
