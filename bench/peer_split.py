"""What the PyTorch peers share: the thread split they run with, intra-op threads or BLAS threads, whichever is
faster; and their timing loop.

Debian's PyTorch uses OpenBLAS, which ignores torch.set_num_threads; OpenMP and OpenBLAS both at t threads
oversubscribe the cores, so a peer runs once with (t, 1) and once with (1, t) threads and reports the faster, as
../shared/torch_peer.py does. The workplace's OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (meant for old OpenBLAS builds)
are dropped, so that OpenBLAS picks this machine's own kernel.
"""
import json, os, subprocess


def best_split(script, threads, args):
    """Runs `script --child THREADS ARGS...` under both splits; returns the JSON of the faster (its last line)."""
    best = None
    for omp, blas in sorted({(threads, 1), (1, threads)}):
        env = dict(os.environ, OMP_NUM_THREADS=str(omp), MKL_NUM_THREADS=str(omp), OPENBLAS_NUM_THREADS=str(blas))
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
        p = subprocess.run(["/usr/bin/python3", os.path.abspath(script), "--child", str(threads)] + [str(a) for a in args],
                           env=env, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"{os.path.basename(script)} failed: {p.stderr.strip()[-300:]}")
        r = json.loads(p.stdout.strip().splitlines()[-1])
        r["split"] = f"omp{omp}/blas{blas}"
        if best is None or r["samples_per_s"] > best["samples_per_s"]:
            best = r
    return best


def samples_per_s(step, batch, seconds, warmup):
    """Runs step() warmup times, then as many times as fit in `seconds`; the samples (batch per step) a second."""
    import time
    for _ in range(warmup):
        step()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        steps += 1
    return round(steps * batch / (time.perf_counter() - t0), 1)
