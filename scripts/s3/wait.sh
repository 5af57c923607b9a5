#!/usr/bin/env bash
# Waits until the server started by start.sh answers HTTP (S3_WAIT_S seconds,
# default 30). Exits non-zero, showing the end of its log, if it died or never
# answered. Env: S3_DIR (default .tmp/s3), S3_WAIT_S.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${S3_DIR:-$ROOT/.tmp/s3}
end=$((SECONDS + ${S3_WAIT_S:-30}))
while :; do
  pid=$(cat "$DIR/s3.pid" 2>/dev/null || true)
  if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
    echo "s3: server is not running (no live pid in $DIR/s3.pid)" >&2
    tail -20 "$DIR/s3.log" >&2 2>/dev/null || true
    exit 1
  fi
  ep=$(cat "$DIR/endpoint")
  if curl -fsS -o /dev/null --max-time 2 "$ep/moto-api/data.json" 2>/dev/null; then
    echo "s3 ready at $ep" >&2
    exit 0
  fi
  if ((SECONDS >= end)); then
    echo "s3: not ready at $ep after ${S3_WAIT_S:-30} s" >&2
    tail -20 "$DIR/s3.log" >&2 || true
    exit 1
  fi
  sleep 0.2
done
