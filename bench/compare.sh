#!/usr/bin/env bash
# netc against its peers on this machine, side by side in one run, at equal threads:
#  - numpy (bench/numpy_peer.py: sgemm, and a hand-written MLP; numpy is on every machine here);
#  - PyTorch (Debian's python3-torch with OpenBLAS, given its best thread split by
#    ../shared/torch_peer.py), where installed.
# Prints one line per workload with the figures and netc's ratio to each peer: sgemm (JMH GemmBench, with
# the Vector API kernel and with the plain loops), MLP training, single-sample predict, LeNet training.
# Every figure of netc and of its peers is that side's best of REPEAT (default 3) rounds taken in turn (the loops
# kernel's: one round), so that a burst of load from other tenants of the machine does not decide a ratio; netc's
# sgemm round is JMH's fastest one-second iteration, as numpy's and PyTorch's are a timed window of a few products.
# Usage: [REPEAT=N] bench/compare.sh [THREADS...]   (default: 1 2)
# Needs bench/target/benchmarks.jar for sgemm (mvn -B -o package -DskipTests builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/torch_peer.py}
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
have_torch=0; /usr/bin/python3 -c "import torch" 2>/dev/null && [ -f "$PEER" ] && have_torch=1
[ $have_torch = 1 ] || echo "PyTorch peer not available (apt-get install -y python3-torch libopenblas0-pthread); numpy peer only"
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])$1)"; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
best() { python3 -c "print(max($1, $2))"; }   # the larger of two figures (throughput)
least() { python3 -c "print(min($1, $2))"; }  # the smaller (latency)
REPEAT=${REPEAT:-3}
# the PyTorch peer with its best thread split (torch_peer.run tries intra-op threads and BLAS threads)
torch_peer() { /usr/bin/python3 -c "import json,sys; sys.path.insert(0, '$(dirname "$PEER")'); import torch_peer; print(json.dumps(torch_peer.run('$1', $2)))"; }
JMH=bench/target/benchmarks.jar
# sgemm GFLOP/s of the runtime at SIZE, THREADS, VECTOR (true: the Vector API kernel, false: the loops), from JMH's
# fastest iteration
gemm() {
  local out; out=$(mktemp)
  java -jar "$JMH" GemmBench -p size="$1" -p trans=NN -p threads="$2" -p vector="$3" \
      -wi 3 -i 5 -w 1 -r 1 -rf json -rff "$out" >/dev/null 2>&1 || { echo "?"; rm -f "$out"; return; }
  # the best one-second iteration (numpy's figure is a window of five products, some tens of milliseconds)
  python3 -c "import json; r=json.load(open('$out'))[0]; m,k,n=map(int,'$1'.split('x')); t=min(min(f) for f in r['primaryMetric']['rawData']); print(round(2*m*k*n/t/1e3, 1))"
  rm -f "$out"
}
for t in "${threads[@]}"; do
  if [ -f "$JMH" ]; then
    for size in 128x784x256 1024x1024x1024; do
      v=0; np=0; tp=0; l=$(gemm "$size" "$t" false)
      for _ in $(seq "$REPEAT"); do
        v=$(best "$v" "$(gemm "$size" "$t" true)")
        np=$(best "$np" "$(python3 bench/numpy_peer.py sgemm "$t" | field "['gflops']['$size']")")
        [ $have_torch = 1 ] && tp=$(best "$tp" "$(torch_peer sgemm "$t" | field "['gflops']['$size']")")
      done
      line="threads=$t  sgemm $size GFLOP/s: netc $v (loops $l), numpy $np ($(ratio "$v" "$np"))"
      [ $have_torch = 1 ] && line="$line, PyTorch $tp ($(ratio "$v" "$tp"))"
      echo "$line"
    done
  else
    echo "no $JMH: sgemm skipped (mvn -B -o package -DskipTests)"
  fi
  # training and predict: netc and its peers take turns, REPEAT rounds, and each keeps its best figure
  ns=0; np=1e9; nps=0; ps=0; pp=1e9; ls=0; pls=0
  for _ in $(seq "$REPEAT"); do
    n=$(./netc bench bench/mlp.net --threads "$t" --json | tail -1)
    ns=$(best "$ns" "$(echo "$n" | field "['train_samples_per_s']")"); np=$(least "$np" "$(echo "$n" | field "['predict_us']")")
    nps=$(best "$nps" "$(python3 bench/numpy_peer.py mlp "$t" | field "['samples_per_s']")")
    if [ $have_torch = 1 ]; then
      ps=$(best "$ps" "$(torch_peer mlp "$t" | field "['samples_per_s']")")
      [ "$t" = 1 ] && pp=$(least "$pp" "$(torch_peer predict 1 | field "['predict_us']")")
    fi
    ls=$(best "$ls" "$(./netc bench models/lenet.net --threads "$t" --batch 128 --json | tail -1 | field "['train_samples_per_s']")")
    [ $have_torch = 1 ] && pls=$(best "$pls" "$(torch_peer lenet "$t" 20000 | field "['samples_per_s']")")
  done
  line="threads=$t  MLP train: netc $ns samples/s, numpy $nps ($(ratio "$ns" "$nps"))"
  [ $have_torch = 1 ] && line="$line, PyTorch $ps ($(ratio "$ns" "$ps"))"
  echo "$line"
  line="threads=$t  MLP predict (1 sample): netc $np us"
  [ $have_torch = 1 ] && [ "$t" = 1 ] && line="$line, PyTorch $pp us ($(ratio "$pp" "$np") faster)"
  echo "$line"
  line="threads=$t  LeNet train: netc $ls samples/s"
  [ $have_torch = 1 ] && line="$line, PyTorch $pls ($(ratio "$ls" "$pls"))"
  echo "$line"
done
