#!/usr/bin/env bash
# netc against its peers on this machine, side by side in one run, at equal threads:
#  - numpy (bench/numpy_peer.py: sgemm, and a hand-written MLP; numpy is on every machine here);
#  - PyTorch (Debian's python3-torch with OpenBLAS, given its best thread split by
#    ../shared/torch_peer.py), where installed.
# Prints one line per workload with the figures and netc's ratio to each peer: sgemm (JMH GemmBench, with
# the Vector API kernel and with the plain loops), MLP training, single-sample predict, LeNet training.
# Usage: bench/compare.sh [THREADS...]   (default: 1 2)
# Needs bench/target/benchmarks.jar for sgemm (mvn -B -o package -DskipTests builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/torch_peer.py}
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
have_torch=0; /usr/bin/python3 -c "import torch" 2>/dev/null && [ -f "$PEER" ] && have_torch=1
[ $have_torch = 1 ] || echo "PyTorch peer not available (apt-get install -y python3-torch libopenblas0-pthread); numpy peer only"
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])$1)"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
# the PyTorch peer with its best thread split (torch_peer.run tries intra-op threads and BLAS threads)
torch_peer() { /usr/bin/python3 -c "import json,sys; sys.path.insert(0, '$(dirname "$PEER")'); import torch_peer; print(json.dumps(torch_peer.run('$1', $2)))"; }
JMH=bench/target/benchmarks.jar
# sgemm GFLOP/s of the runtime at SIZE, THREADS, VECTOR (true: the Vector API kernel, false: the loops), from JMH
gemm() {
  local out; out=$(mktemp)
  java -jar "$JMH" GemmBench -p size="$1" -p trans=NN -p threads="$2" -p vector="$3" \
      -wi 3 -i 5 -w 1 -r 1 -rf json -rff "$out" >/dev/null 2>&1 || { echo "?"; rm -f "$out"; return; }
  python3 -c "import json; r=json.load(open('$out'))[0]; m,k,n=map(int,'$1'.split('x')); print(round(2*m*k*n/r['primaryMetric']['score']/1e3, 1))"
  rm -f "$out"
}
for t in "${threads[@]}"; do
  if [ -f "$JMH" ]; then
    ng=$(python3 bench/numpy_peer.py sgemm "$t")
    tg=""; [ $have_torch = 1 ] && tg=$(torch_peer sgemm "$t")
    for size in 128x784x256 1024x1024x1024; do
      v=$(gemm "$size" "$t" true); l=$(gemm "$size" "$t" false); np=$(echo "$ng" | field "['gflops']['$size']")
      line="threads=$t  sgemm $size GFLOP/s: netc $v (loops $l), numpy $np ($(ratio "$v" "$np"))"
      [ -n "$tg" ] && { tp=$(echo "$tg" | field "['gflops']['$size']"); line="$line, PyTorch $tp ($(ratio "$v" "$tp"))"; }
      echo "$line"
    done
  else
    echo "no $JMH: sgemm skipped (mvn -B -o package -DskipTests)"
  fi
  n=$(./netc bench bench/mlp.net --threads "$t" --json | tail -1)
  ns=$(echo "$n" | field "['train_samples_per_s']"); np=$(echo "$n" | field "['predict_us']")
  nps=$(python3 bench/numpy_peer.py mlp "$t" | field "['samples_per_s']")
  line="threads=$t  MLP train: netc $ns samples/s, numpy $nps ($(ratio "$ns" "$nps"))"
  [ $have_torch = 1 ] && { ps=$(torch_peer mlp "$t" | field "['samples_per_s']"); line="$line, PyTorch $ps ($(ratio "$ns" "$ps"))"; }
  echo "$line"
  line="threads=$t  MLP predict (1 sample): netc $np us"
  [ $have_torch = 1 ] && [ "$t" = 1 ] && { pp=$(torch_peer predict 1 | field "['predict_us']"); line="$line, PyTorch $pp us ($(ratio "$pp" "$np") faster)"; }
  echo "$line"
  l=$(./netc bench models/lenet.net --threads "$t" --batch 128 --json | tail -1)
  ls=$(echo "$l" | field "['train_samples_per_s']")
  line="threads=$t  LeNet train: netc $ls samples/s"
  [ $have_torch = 1 ] && { ps=$(torch_peer lenet "$t" 20000 | field "['samples_per_s']"); line="$line, PyTorch $ps ($(ratio "$ls" "$ps"))"; }
  echo "$line"
done
