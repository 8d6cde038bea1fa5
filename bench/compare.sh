#!/usr/bin/env bash
# netc against its peers on this machine, side by side in one run: PyTorch (Debian's python3-torch with
# OpenBLAS, given its best thread split by ../shared/torch_peer.py) and numpy (OpenBLAS) at equal threads. Prints one
# line per workload with the figures and the ratios: sgemm (JMH GemmBench, with the Vector API kernel and with the
# plain loops), MLP training and single-sample predict. Usage: bench/compare.sh [THREADS...]   (default: 1 2)
# Needs bench/target/benchmarks.jar (mvn -B -o package -DskipTests builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/torch_peer.py}
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
have_torch=0; /usr/bin/python3 -c "import torch" 2>/dev/null && [ -f "$PEER" ] && have_torch=1
[ $have_torch = 1 ] || echo "PyTorch peer not available (apt-get install -y python3-torch libopenblas0-pthread); netc figures only"
json() { python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d$1)"; }
# the peer with its best thread split (torch_peer.run tries intra-op threads and BLAS threads)
peer() { /usr/bin/python3 -c "import json,sys; sys.path.insert(0, '$(dirname "$PEER")'); import torch_peer; print(json.dumps(torch_peer.run('$1', $2)))"; }
JMH=bench/target/benchmarks.jar
# sgemm GFLOP/s of the runtime at SIZE, THREADS, VECTOR (true: the Vector API kernel, false: the loops), from JMH
gemm() {
  local out; out=$(mktemp)
  java -jar "$JMH" GemmBench -p size="$1" -p trans=NN -p threads="$2" -p vector="$3" \
      -wi 3 -i 5 -w 1 -r 1 -rf json -rff "$out" >/dev/null 2>&1 || { echo "?"; rm -f "$out"; return; }
  python3 -c "import json; r=json.load(open('$out'))[0]; m,k,n=map(int,'$1'.split('x')); print(round(2*m*k*n/r['primaryMetric']['score']/1e3, 1))"
  rm -f "$out"
}
numpy_gemm() {
  OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$2 /usr/bin/python3 -c "
import numpy as np, time
m,k,n=map(int,'$1'.split('x')); a=np.random.rand(m,k).astype(np.float32); b=np.random.rand(k,n).astype(np.float32)
for _ in range(3): a@b
reps=max(5,int(4e9/(2*m*k*n))); t=time.perf_counter()
for _ in range(reps): a@b
print(round(2*m*k*n/((time.perf_counter()-t)/reps)/1e9,1))"
}
for t in "${threads[@]}"; do
  if [ -f "$JMH" ]; then
    tg=""; [ $have_torch = 1 ] && tg=$(peer sgemm "$t")
    for size in 128x784x256 1024x1024x1024; do
      v=$(gemm "$size" "$t" true); l=$(gemm "$size" "$t" false); np=$(numpy_gemm "$size" "$t")
      line="threads=$t  sgemm $size GFLOP/s: netc $v (loops $l), numpy $np ($(python3 -c "print(f'{$v/$np:.2f}x')"))"
      if [ -n "$tg" ]; then
        tp=$(echo "$tg" | json "['gflops']['$size']")
        line="$line, PyTorch $tp ($(python3 -c "print(f'{$v/$tp:.2f}x')"))"
      fi
      echo "$line"
    done
  else
    echo "no $JMH: sgemm skipped (mvn -B -o package -DskipTests)"
  fi
  n=$(./netc bench models/fashion_mlp.net --threads "$t" --batch 128 --json | tail -1)
  ns=$(echo "$n" | json "['train_samples_per_s']"); np=$(echo "$n" | json "['predict_us']")
  line="threads=$t  MLP train: netc $ns samples/s"
  if [ $have_torch = 1 ]; then
    ps=$(peer mlp "$t" | json "['samples_per_s']")
    line="$line, PyTorch $ps ($(python3 -c "print(f'{$ns/$ps:.2f}x')"))"
  fi
  echo "$line"
  line="threads=$t  MLP predict (1 sample): netc $np us"
  if [ $have_torch = 1 ] && [ "$t" = 1 ]; then
    pp=$(peer predict 1 | json "['predict_us']")
    line="$line, PyTorch $pp us ($(python3 -c "print(f'{$pp/$np:.2f}x faster')"))"
  fi
  echo "$line"
done
