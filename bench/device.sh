#!/usr/bin/env bash
# netc against PyTorch 2.x and ONNX Runtime at 1 to 16 threads, on the device machine (a 16-core Xeon with AVX-512 and
# AMX, PyTorch and ONNX Runtime installed, no Java): the table of DEVELOPERS.md "Measuring on the device machine".
#
#   bench/device.sh --prepare      here: a small JRE in .jre (jlink), compiler/target/netc.jar, and the MLP and LeNet
#                                  exported as ONNX into .device/ (netc export, weights from the default seed)
#   bench/device.sh                there: for each thread count, netc bench of bench/mlp.net and models/lenet.net
#                                  (batch 128), bench/device_peer.py's PyTorch (the same models and batch, synthetic
#                                  data) and ONNX Runtime (the exported files); a line per workload with the ratios,
#                                  and every figure as JSON lines in $OUT/device.jsonl when $OUT is set
# THREADS="1 2 4 8 16" and SECONDS_EACH=2 (netc bench's --seconds) set what is measured.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --prepare ]; then
  set -e
  JLINK=${JLINK:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/jlink}
  [ -d .jre ] || "$JLINK" --add-modules java.base,java.compiler,java.logging,java.management,jdk.incubator.vector,jdk.unsupported \
      --strip-debug --no-man-pages --no-header-files --compress=zip-6 --strip-native-debug-symbols=objcopy=/usr/bin/objcopy --output .jre
  [ -f compiler/target/netc.jar ] || mvn -B -q -o package -DskipTests -pl runtime,compiler -am
  mkdir -p .device
  ./netc export bench/mlp.net -o .device/mlp.onnx
  ./netc export models/lenet.net -o .device/lenet.onnx
  echo "carry: .jre compiler/target/netc.jar .device"
  exit 0
fi
JAVA=${JAVA:-.jre/bin/java}
PY=${PY:-python3}
THREADS=${THREADS:-1 2 4 8 16}
SECONDS_EACH=${SECONDS_EACH:-2}
log=${OUT:+$OUT/device.jsonl}
netc() { "$JAVA" --add-modules jdk.incubator.vector -jar compiler/target/netc.jar "$@" 2>/dev/null | tail -1; }
get() { $PY -c "import json,sys; d=json.loads(sys.argv[1]); print(d.get('$2', 'nan'))" "$1" 2>/dev/null || echo nan; }
ratio() { $PY -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}x' if a==a and b==b and b>0 else '?')" "$1" "$2"; }
record() { [ -n "$log" ] && echo "$1" >> "$log"; true; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores$(grep -q avx512f /proc/cpuinfo && echo ', AVX-512')$(grep -q amx_tile /proc/cpuinfo && echo ', AMX')"
echo "netc: $("$JAVA" -version 2>&1 | head -1), kernels $(netc bench --sgemm 64x64x64 --seconds 0.1 --json | $PY -c "import json,sys; print(json.load(sys.stdin)['vector_bits'])")-bit"
echo "peers: $($PY -c "import torch; print('PyTorch', torch.__version__)" 2>&1 | tail -1); $($PY -c "import onnxruntime; print('ONNX Runtime', onnxruntime.__version__)" 2>&1 | tail -1)"
for t in $THREADS; do
  for model in mlp lenet; do
    net=bench/mlp.net; [ $model = lenet ] && net=models/lenet.net
    n=$(netc bench $net --threads "$t" --batch 128 --seconds "$SECONDS_EACH" --json)
    p=$($PY bench/device_peer.py torch $model "$t" 2>&1 | tail -1)
    o=$($PY bench/device_peer.py ort .device/$model.onnx "$t" 2>&1 | tail -1)
    record "{\"threads\": $t, \"model\": \"$model\", \"netc\": ${n:-null}, \"torch\": $(get "$p" threads >/dev/null && echo "$p" | grep '^{' || echo null), \"ort\": $(echo "$o" | grep '^{' || echo null)}"
    nt=$(get "$n" train_samples_per_s); pt=$(get "$p" train_samples_per_s)
    np_=$(get "$n" predict_us); pp=$(get "$p" predict_us); op=$(get "$o" predict_us)
    ni=$(get "$n" infer_samples_per_s); pi=$(get "$p" infer_samples_per_s); oi=$(get "$o" infer_samples_per_s)
    echo "threads=$t $model train: netc $nt, PyTorch $pt ($(ratio "$nt" "$pt")) | predict us: netc $np_, PyTorch $pp, ORT $op (ORT/netc $(ratio "$op" "$np_")) | infer batch 128: netc $ni, PyTorch $pi, ORT $oi (netc/ORT $(ratio "$ni" "$oi"))"
  done
done
