#!/usr/bin/env bash
# Stops the server started by start.sh: SIGTERM, then SIGKILL after 5 s.
# Idempotent. Env: S3_DIR (default .tmp/s3).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${S3_DIR:-$ROOT/.tmp/s3}
pid=$(cat "$DIR/s3.pid" 2>/dev/null || true)
if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi
rm -f "$DIR/s3.pid" "$DIR/endpoint"
echo "s3 stopped" >&2
