#!/usr/bin/env bash
# The interop suite: Tributary's tables read by independent engines (Python
# deltalake, pyspark + delta-spark) and theirs read by Tributary. Installs what
# it needs into .venv/ and .tmp/ (ignored by git) and runs test/interop/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls test/interop/*.test.ts >/dev/null 2>&1; then
  echo "interop: no interop tests yet"; exit 0
fi
node scripts/run-tests.mjs --interop
