#!/usr/bin/env bash
# Starts moto_server, an S3-compatible server, on 127.0.0.1 and a free port for
# the S3 interop tests. Installs moto into .venv/moto on first use (pinned;
# moto[s3] plus flask is all moto_server needs for S3). Idempotent: when the
# server in the state dir is alive it only prints its endpoint.
# Prints the endpoint (http://127.0.0.1:PORT) on stdout; writes s3.pid,
# endpoint and s3.log to the state dir. Install chatter goes to stderr.
# State is in memory: stopping the server loses every bucket.
# Env: S3_DIR (state, default .tmp/s3), S3_VENV (default .venv/moto),
#      S3_PORT (default: a free port), MOTO_SPEC (pip requirement list).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${S3_DIR:-$ROOT/.tmp/s3}
VENV=${S3_VENV:-$ROOT/.venv/moto}
SPEC=${MOTO_SPEC:-moto[s3]==5.2.5 flask flask-cors}
PYTHON=${PYTHON:-python3}
mkdir -p "$DIR"

pid=$(cat "$DIR/s3.pid" 2>/dev/null || true)
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ -f $DIR/endpoint ]]; then
  cat "$DIR/endpoint"
  exit 0
fi

# The marker records the spec, so a changed pin reinstalls.
marker=$VENV/.installed
if [[ ! -x $VENV/bin/moto_server || ! -f $marker || "$(cat "$marker")" != "$SPEC" ]]; then
  echo "s3: installing $SPEC into $VENV" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # shellcheck disable=SC2086 # SPEC is a list of requirements
  PIP_CACHE_DIR=$ROOT/.tmp/pip-cache "$VENV/bin/pip" install -q --disable-pip-version-check $SPEC >&2
  echo "$SPEC" >"$marker"
fi

# A free port: bind port 0 on loopback and take what the kernel chose.
PORT=${S3_PORT:-$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
# moto_server.py: moto_server with conditional writes made atomic, as on S3 (see the file).
nohup "$VENV/bin/python" "$ROOT/scripts/s3/moto_server.py" -H 127.0.0.1 -p "$PORT" >"$DIR/s3.log" 2>&1 </dev/null &
echo $! >"$DIR/s3.pid"
echo "http://127.0.0.1:$PORT" >"$DIR/endpoint"
cat "$DIR/endpoint"
