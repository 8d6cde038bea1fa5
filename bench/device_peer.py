#!/usr/bin/env python3
"""netc's peers on the device machine (a 16-core Xeon with PyTorch 2.x and ONNX Runtime), on synthetic data as
`netc bench` trains and predicts: see bench/device.sh and DEVELOPERS.md.

  device_peer.py torch mlp|lenet THREADS  -> {"train_samples_per_s", "predict_us", "infer_samples_per_s"}
                                             (each the best of two thread splits, see best_split)
  device_peer.py ort MODEL.onnx THREADS   -> {"predict_us", "infer_samples_per_s"}

Training: batch 128, Adam 1e-3, cross-entropy, as bench/mlp.net and models/lenet.net (at batch 128). Prediction: one
sample, the median of rounds after a warm-up. Inference: batch 128, the outputs only.
"""
import json, os, statistics, sys, time

BATCH = 128


def timed(fn, seconds):
    """Calls per second of fn over about `seconds`, after a warm-up of a fifth of that."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds / 5:
        fn()
    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        calls += 1
    return calls / (time.perf_counter() - t0)


def latency_us(fn, rounds=7, seconds=0.2):
    """The median over rounds of one call's mean time, in microseconds."""
    for _ in range(2000):
        fn()
    per_round = max(1, int(seconds * timed(fn, 0.2)))
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            fn()
        times.append((time.perf_counter() - t0) / per_round * 1e6)
    return statistics.median(times)


def torch_peer(what, threads):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    # glibc maps every allocation above its mmap threshold afresh (page faults on each step's tensors) until a freed
    # mapping raises the threshold: a peer that loads a data set first gets that for free (4x on the MLP here)
    big = torch.empty(16 << 20, dtype=torch.uint8)
    del big
    if what == "mlp":
        model, shape = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)), (784,)
    else:
        model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        shape = (1, 28, 28)
    x, y = torch.rand(BATCH, *shape), torch.randint(0, 10, (BATCH,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    train = BATCH * timed(step, 3)
    model.eval()
    one = torch.rand(1, *shape)
    with torch.inference_mode():
        predict = latency_us(lambda: torch.softmax(model(one), 1))
        infer = BATCH * timed(lambda: torch.softmax(model(x), 1), 1)
    return {"peer": f"PyTorch {torch.__version__}", "threads": threads, "train_samples_per_s": round(train),
            "predict_us": round(predict, 2), "infer_samples_per_s": round(infer)}


def ort_peer(path, threads):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    inp = sess.get_inputs()[0]
    sample = [d for d in inp.shape[1:]]
    rng = np.random.default_rng(0)
    one = rng.random((1, *sample), dtype=np.float32)
    batch = rng.random((BATCH, *sample), dtype=np.float32)
    predict = latency_us(lambda: sess.run(None, {inp.name: one}))
    infer = BATCH * timed(lambda: sess.run(None, {inp.name: batch}), 1)
    return {"peer": f"ONNX Runtime {ort.__version__}", "threads": threads, "predict_us": round(predict, 2),
            "infer_samples_per_s": round(infer)}


def best_split(what, threads):
    """PyTorch at the better of two thread splits, each figure its best: OpenMP and BLAS both at `threads`, or BLAS at
    one (an OpenBLAS build ignores torch.set_num_threads, and the two pools then oversubscribe the cores)."""
    import subprocess
    best = None
    for blas in sorted({threads, 1}):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(blas))
        for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # a workplace's settings for old builds, not this one's
            env.pop(v, None)
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "torch-child", what, str(threads)], env=env,
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise SystemExit(f"PyTorch peer {what} failed: {p.stderr.strip()[-300:]}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
        if best is None:
            best = r
        else:
            best["train_samples_per_s"] = max(best["train_samples_per_s"], r["train_samples_per_s"])
            best["predict_us"] = min(best["predict_us"], r["predict_us"])
            best["infer_samples_per_s"] = max(best["infer_samples_per_s"], r["infer_samples_per_s"])
    return best


if __name__ == "__main__":
    kind, what, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "torch":
        print(json.dumps(best_split(what, threads)))
    elif kind == "torch-child":
        print(json.dumps(torch_peer(what, threads)))
    else:
        print(json.dumps(ort_peer(what, threads)))
