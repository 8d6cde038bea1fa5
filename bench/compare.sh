#!/usr/bin/env bash
# netc against its peers on this machine, side by side in one run: PyTorch (Debian's python3-torch with
# OpenBLAS, given its best thread split by ../shared/torch_peer.py) at equal threads. Prints one line per
# workload with both figures and the ratio. Usage: bench/compare.sh [THREADS...]   (default: 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/torch_peer.py}
threads=("$@"); [ ${#threads[@]} -gt 0 ] || threads=(1 2)
have_torch=0; /usr/bin/python3 -c "import torch" 2>/dev/null && [ -f "$PEER" ] && have_torch=1
[ $have_torch = 1 ] || echo "PyTorch peer not available (apt-get install -y python3-torch libopenblas0-pthread); netc figures only"
json() { python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d$1)"; }
# the peer with its best thread split (torch_peer.run tries intra-op threads and BLAS threads)
peer() { /usr/bin/python3 -c "import json,sys; sys.path.insert(0, '$(dirname "$PEER")'); import torch_peer; print(json.dumps(torch_peer.run('$1', $2)))"; }
for t in "${threads[@]}"; do
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
