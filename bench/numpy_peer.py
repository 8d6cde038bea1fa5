#!/usr/bin/env python3
"""A hand-written numpy MLP, the peer present on every machine: the same workload as
`netc bench models/fashion_mlp.net --batch 128` (784-256-128-10, relu, softmax cross-entropy,
Adam 1e-3, batch 128), forward and backward written out with numpy's BLAS products.

  numpy_peer.py mlp THREADS [SAMPLES]   -> {"samples_per_s": ..., "test_acc": ...}
  numpy_peer.py sgemm THREADS           -> {"gflops": {"128x784x256": ..., "1024x1024x1024": ...}}

THREADS sets OpenBLAS's thread count (numpy has no other parallelism). Uses Fashion-MNIST
from $FASHION_DIR (default /usr/share/datasets/fashion-mnist) when present, random data otherwise.
Each JSON line names the OpenBLAS kernel that ran ("blas_core", e.g. SkylakeX or Haswell).
"""
import ctypes, gzip, json, os, sys, time

if __name__ == "__main__" and len(sys.argv) > 2:
    # before numpy loads OpenBLAS: its thread count, and the machine's own kernel (some workplaces pin old OpenBLAS
    # builds to the AVX2 kernel with OPENBLAS_CORETYPE, which would handicap this peer on an AVX-512 machine)
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[2]
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ.pop("OPENBLAS_L2_SIZE", None)
import numpy as np


def blas_core():
    """The OpenBLAS kernel this process runs (openblas_get_corename, as Debian's or pip's numpy names it), or None
    for another BLAS."""
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line.lower() and ".so" in line}
    for lib in sorted(libs):
        for name in ("openblas_get_corename", "scipy_openblas_get_corename64_", "scipy_openblas_get_corename"):
            try:
                f = getattr(ctypes.CDLL(lib), name)
            except (OSError, AttributeError):
                continue
            f.restype = ctypes.c_char_p
            return f().decode()
    return None

DATA = os.environ.get("FASHION_DIR", "/usr/share/datasets/fashion-mnist")


def load():
    def idx(name):
        with gzip.open(os.path.join(DATA, name), "rb") as f:
            raw = f.read()
        dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(raw[3])]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * raw[3]).reshape(dims)

    if os.path.exists(os.path.join(DATA, "train-images-idx3-ubyte.gz")):
        xtr = idx("train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
        xte = idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
        return xtr, idx("train-labels-idx1-ubyte.gz").astype(np.int64), xte, idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    rng = np.random.default_rng(0)
    return (rng.random((60000, 784), np.float32), rng.integers(0, 10, 60000),
            rng.random((10000, 784), np.float32), rng.integers(0, 10, 10000))


class Mlp:
    def __init__(self, sizes, rng):
        self.params = []
        for fan_in, fan_out in zip(sizes, sizes[1:]):
            bound = 1 / np.sqrt(fan_in)
            self.params += [rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32),
                            np.zeros(fan_out, np.float32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def forward(self, x):
        acts = [x]
        for i in range(0, len(self.params), 2):
            z = acts[-1] @ self.params[i] + self.params[i + 1]
            acts.append(np.maximum(z, 0, out=z) if i + 2 < len(self.params) else z)
        return acts

    def step(self, x, y, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        acts = self.forward(x)
        logits = acts[-1]
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        d = p / len(y)
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 2, -1, -2):
            grads[i], grads[i + 1] = acts[i // 2].T @ d, d.sum(axis=0)
            if i > 0:
                d = (d @ self.params[i].T) * (acts[i // 2] > 0)
        self.t += 1
        c1, c2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        for p_, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1; m += (1 - b1) * g
            v *= b2; v += (1 - b2) * g * g
            p_ -= lr * (m / c1) / (np.sqrt(v / c2) + eps)


def sgemm():
    out = {}
    for m, k, n in [(128, 784, 256), (1024, 1024, 1024)]:
        a, b = np.random.rand(m, k).astype(np.float32), np.random.rand(k, n).astype(np.float32)
        for _ in range(3):
            a @ b
        reps = max(5, int(4e9 / (2 * m * k * n)))
        t0 = time.perf_counter()
        for _ in range(reps):
            a @ b
        out[f"{m}x{k}x{n}"] = round(2 * m * k * n / ((time.perf_counter() - t0) / reps) / 1e9, 1)
    return out


def main():
    what, threads = sys.argv[1], int(sys.argv[2])
    if what == "sgemm":
        print(json.dumps({"what": what, "threads": threads, "gflops": sgemm(), "numpy": np.__version__,
                          "blas_core": blas_core()}))
        return
    if what != "mlp":
        sys.exit("usage: numpy_peer.py mlp|sgemm THREADS [SAMPLES]")
    xtr, ytr, xte, yte = load()
    n = int(sys.argv[3]) if len(sys.argv) > 3 else len(xtr)
    rng = np.random.default_rng(0)
    net = Mlp([784, 256, 128, 10], rng)
    perm = rng.permutation(len(xtr))[:n]
    net.step(xtr[perm[:128]], ytr[perm[:128]])  # warm-up
    t0 = time.perf_counter()
    for i in range(0, n, 128):
        j = perm[i:i + 128]
        net.step(xtr[j], ytr[j])
    dt = time.perf_counter() - t0
    acc = float((net.forward(xte)[-1].argmax(axis=1) == yte).mean())
    print(json.dumps({"what": what, "threads": threads, "samples": n, "seconds": round(dt, 3),
                      "samples_per_s": round(n / dt), "test_acc": round(acc, 4), "numpy": np.__version__,
                      "blas_core": blas_core()}))


if __name__ == "__main__":
    main()
