#!/usr/bin/env bash
# netc against its peers on this machine, side by side in one run, at equal threads:
#  - PyTorch (Debian's python3-torch with OpenBLAS, given its best thread split by ../shared/torch_peer.py), where
#    installed: apt-get install -y python3-torch libopenblas0-pthread;
#  - numpy (bench/numpy_peer.py: sgemm and a hand-written MLP, OpenBLAS on the machine's own kernel).
# First prints the machine: CPU model, cores, the widest vectors it has and the width netc's kernels run with.
# Then one line per workload with the figures and netc's ratio to each peer: sgemm (`netc bench --sgemm`), MLP
# training (steady, `netc bench`), MLP training for one epoch from a cold JVM (`netc train`, against PyTorch's one
# epoch), single-sample predict and batch-128 inference, LeNet training and predict, a CNN with batch norm
# (models/cnn_bn.net against bench/cnn_bn_peer.py) and the transformer's training step (bench/transformer.net against
# bench/transformer_peer.py), the PyTorch peers of both the same model in PyTorch eager.
# Every figure of netc and of its peers is that side's best of REPEAT (default 3) rounds taken in turn, so that a
# burst of load from other tenants of the machine does not decide a ratio.
# Usage: [REPEAT=N] [PEER=path/to/torch_peer.py] bench/compare.sh [THREADS...]   (default: 1 2)
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
torch_peer() { /usr/bin/python3 -c "import json,sys; sys.path.insert(0, '$(dirname "$PEER")'); import torch_peer; print(json.dumps(torch_peer.run('$1', $2${3:+, $3})))"; }

# netc's training rate on a model ($2: netc bench's arguments) against a PyTorch peer's ($3: a script in bench/ and its
# arguments, printing {"samples_per_s": ...}), each the best of REPEAT rounds, printed after the label $1
versus() {
  local n=0 p=0 line
  for _ in $(seq "$REPEAT"); do
    n=$(best "$n" "$(./netc bench $2 --json | field "['train_samples_per_s']")")
    [ $have_torch = 1 ] && p=$(best "$p" "$(/usr/bin/python3 $3 | field "['samples_per_s']")")
  done
  line="$1: netc $n samples/s"
  [ $have_torch = 1 ] && line="$line, PyTorch $p ($(ratio "$n" "$p"))"
  echo "$line"
}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
isa=AVX2; grep -q avx512f /proc/cpuinfo && isa=AVX-512; grep -q avx2 /proc/cpuinfo || isa="no AVX2"
bits=$(./netc bench --sgemm 64x64x64 --seconds 0.1 --json | field "['vector_bits']")
kernels="netc kernels ${bits}-bit"; [ "$bits" = 0 ] && kernels="netc kernels: plain loops (no Vector API)"
echo "machine: $cpu (family $(lscpu | sed -n 's/^CPU family: *//p')), $(nproc) cores, $isa; $kernels; JDK $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
echo "numpy's OpenBLAS kernel: $(python3 bench/numpy_peer.py sgemm 1 | field "['blas_core']")"

for t in "${threads[@]}"; do
  for size in 128x784x256 1024x1024x1024; do
    v=0; np=0; tp=0
    for _ in $(seq "$REPEAT"); do
      v=$(best "$v" "$(./netc bench --sgemm "$size" --threads "$t" --json | field "['sgemm_gflops']")")
      np=$(best "$np" "$(python3 bench/numpy_peer.py sgemm "$t" | field "['gflops']['$size']")")
      [ $have_torch = 1 ] && tp=$(best "$tp" "$(torch_peer sgemm "$t" | field "['gflops']['$size']")")
    done
    line="threads=$t  sgemm $size GFLOP/s: netc $v, numpy $np ($(ratio "$v" "$np"))"
    [ $have_torch = 1 ] && line="$line, PyTorch $tp ($(ratio "$v" "$tp"))"
    echo "$line"
  done
  # training, predict, inference: netc and its peers take turns, REPEAT rounds, and each keeps its best figure
  ns=0; np=1e9; ni=0; nps=0; ps=0; pp=1e9; ne=0; ls=0; lp=1e9; pls=0
  for _ in $(seq "$REPEAT"); do
    n=$(./netc bench bench/mlp.net --threads "$t" --json | tail -1)
    ns=$(best "$ns" "$(echo "$n" | field "['train_samples_per_s']")"); np=$(least "$np" "$(echo "$n" | field "['predict_us']")")
    ni=$(best "$ni" "$(echo "$n" | field "['infer_samples_per_s']")")
    ne=$(best "$ne" "$(./netc train bench/mlp.net --epochs 1 --threads "$t" --json | field "['samples_per_s']")")
    nps=$(best "$nps" "$(python3 bench/numpy_peer.py mlp "$t" | field "['samples_per_s']")")
    if [ $have_torch = 1 ]; then
      ps=$(best "$ps" "$(torch_peer mlp "$t" | field "['samples_per_s']")")
      [ "$t" = 1 ] && pp=$(least "$pp" "$(torch_peer predict 1 | field "['predict_us']")")
    fi
    l=$(./netc bench models/lenet.net --threads "$t" --batch 128 --json | tail -1)
    ls=$(best "$ls" "$(echo "$l" | field "['train_samples_per_s']")"); lp=$(least "$lp" "$(echo "$l" | field "['predict_us']")")
    [ $have_torch = 1 ] && pls=$(best "$pls" "$(torch_peer lenet "$t" 20000 | field "['samples_per_s']")")
  done
  line="threads=$t  MLP train (steady): netc $ns samples/s, numpy $nps ($(ratio "$ns" "$nps"))"
  [ $have_torch = 1 ] && line="$line, PyTorch $ps ($(ratio "$ns" "$ps"))"
  echo "$line"
  line="threads=$t  MLP train (one epoch, cold JVM): netc $ne samples/s ($(ratio "$ne" "$ns") of netc's steady rate)"
  [ $have_torch = 1 ] && line="$line, PyTorch's epoch $ps ($(ratio "$ne" "$ps"))"
  echo "$line"
  line="threads=$t  MLP predict (1 sample): netc $np us"
  [ $have_torch = 1 ] && [ "$t" = 1 ] && line="$line, PyTorch $pp us ($(ratio "$pp" "$np") faster)"
  echo "$line; batch-128 inference: netc $ni samples/s"
  line="threads=$t  LeNet train: netc $ls samples/s"
  [ $have_torch = 1 ] && line="$line, PyTorch $pls ($(ratio "$ls" "$pls"))"
  echo "$line; predict (1 sample): netc $lp us"
  # a CNN with batch norm, and the transformer block's training step, each against the same model in PyTorch eager
  versus "threads=$t  CNN with batch norm (models/cnn_bn.net, batch 128) train" \
    "models/cnn_bn.net --threads $t --batch 128" "bench/cnn_bn_peer.py $t 128 5"
  versus "threads=$t  transformer train (4 blocks of width 128, batch 32, seq 64)" \
    "bench/transformer.net --threads $t --seconds 5" "bench/transformer_peer.py $t 32 64 5"
done
