#!/usr/bin/env bash
# Installs the Python delta-rs bindings bench/delta compares against into
# .venv/bench (gitignored). The bench runs this only when no Python with
# deltalake 1.6.6 is found (.venv/interop from scripts/interop/setup.sh serves
# too). Idempotent: a marker naming the pins skips a finished install.
# Progress goes to stderr; stdout stays empty.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PINS=(deltalake==1.6.6 pyarrow==26.0.1)
VENV=${TRIBUTARY_BENCH_VENV:-$ROOT/.venv/bench}
PYTHON=${PYTHON:-python3}
marker=$VENV/.installed
want="${PINS[*]}"

if [[ -f $marker && "$(cat "$marker")" == "$want" && -x $VENV/bin/python ]]; then
  echo "bench/delta setup: already installed in $VENV ($want)" >&2
  exit 0
fi
command -v "$PYTHON" >/dev/null || { echo "bench/delta setup: error: $PYTHON not found" >&2; exit 1; }
echo "bench/delta setup: creating $VENV with $want" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
PIP_CACHE_DIR=$ROOT/.tmp/pip-cache "$VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}" >&2
echo "$want" >"$marker"
echo "bench/delta setup: ready: $VENV/bin/python" >&2
