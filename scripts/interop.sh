#!/usr/bin/env bash
# The interop suite: Tributary's tables read by independent engines (Python
# deltalake, pyspark + delta-spark) and theirs read by Tributary. Installs what
# it needs into .venv/interop and .tmp/ (ignored by git; see
# scripts/interop/setup.sh), then runs test/interop/ through the test runner,
# whose closing `N passed, N failed` line is the last thing printed.
#   bash scripts/interop.sh [filter...]     (filters as for npm test)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/interop/setup.sh

export TRIBUTARY_PYTHON="$PWD/.venv/interop/bin/python"
TRIBUTARY_SPARK_JARS=$(ls "$PWD"/.tmp/jars/*.jar | paste -sd, -)
export TRIBUTARY_SPARK_JARS
export SPARK_LOCAL_IP=127.0.0.1

# exec: the runner's exit code is the script's, and its count line is the last output.
exec node scripts/run-tests.mjs --interop "$@"
