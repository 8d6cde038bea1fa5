# Sourced by the launchers (netc, samples/spark-fashion/spark-fashion): installs Debian's Fashion-MNIST package when a
# command needs it and it is missing. Usage: ensure_fashion_mnist PROGRAM ARGS...
FASHION_DIR=/usr/share/datasets/fashion-mnist

ensure_fashion_mnist() {
  local program="$1" wants=0 a
  shift
  for a in "$@"; do
    case "$a" in
      fashion-mnist|--data=fashion-mnist|--test=fashion-mnist) wants=1 ;;
      *.net) [ -f "$a" ] && grep -q '"fashion-mnist"' "$a" && wants=1 ;;
    esac
  done
  if [ "$wants" = 1 ] && [ ! -f "$FASHION_DIR/train-images-idx3-ubyte.gz" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "$program: installing Fashion-MNIST (Debian package dataset-fashion-mnist)..." >&2
      (apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 \
        || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1)) \
        || echo "$program: could not install dataset-fashion-mnist; run: apt-get install dataset-fashion-mnist" >&2
    else
      echo "$program: Fashion-MNIST not found in $FASHION_DIR; install it with: sudo apt-get install dataset-fashion-mnist (or pass --data fashion-mnist:DIR)" >&2
    fi
  fi
}
