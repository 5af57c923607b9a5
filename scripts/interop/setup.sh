#!/usr/bin/env bash
# Installs the interop oracles: Python deltalake (delta-rs), pyspark + delta-spark,
# duckdb into .venv/interop, and the two Delta jars Spark needs into .tmp/jars
# (fetched with Maven, so Spark never resolves packages through ivy at start-up).
# Idempotent: each step leaves a marker naming its pins and is skipped when the
# marker matches. Everything downloaded stays under .venv/ and .tmp/ (gitignored).
# Progress and timings go to stderr; stdout stays empty.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

# Pins that install together on Python 3.11 (pyspark 4.3 + delta-spark 4.4.1 conflict).
PY_PINS=(deltalake==1.6.6 pyarrow==26.0.1 pyspark==4.2.0 delta-spark==4.4.0 duckdb==2.0.1)
DELTA_VERSION=4.4.0
DELTA_ARTIFACTS=("io.delta:delta-spark_4.2_2.13:${DELTA_VERSION}" "io.delta:delta-storage:${DELTA_VERSION}")
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

VENV=$ROOT/.venv/interop
JARS=$ROOT/.tmp/jars
M2=$ROOT/.tmp/m2
PYTHON=${PYTHON:-python3}

log() { echo "interop-setup: $*" >&2; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

t0=$(now)

# --- Python packages -------------------------------------------------------
py_marker=$VENV/.installed
py_want="${PY_PINS[*]}"
if [[ -f $py_marker && "$(cat "$py_marker")" == "$py_want" && -x $VENV/bin/python ]]; then
  log "python packages already installed ($py_want)"
else
  t=$(now)
  command -v "$PYTHON" >/dev/null || { log "error: $PYTHON not found"; exit 1; }
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # The pip cache lives under .tmp so a re-install after a pin change is quick
  # and nothing is written to the home directory.
  PIP_CACHE_DIR=$ROOT/.tmp/pip-cache "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PINS[@]}" >&2
  "$VENV/bin/python" -c "import deltalake, pyarrow, pyspark, delta, duckdb" >&2
  echo "$py_want" >"$py_marker"
  log "python packages installed in $(took "$t")"
fi

# --- Delta jars --------------------------------------------------------------
jar_marker=$JARS/.installed
jar_want="${DELTA_ARTIFACTS[*]}"
if [[ -f $jar_marker && "$(cat "$jar_marker")" == "$jar_want" ]]; then
  log "delta jars already fetched ($jar_want)"
else
  t=$(now)
  command -v mvn >/dev/null || { log "error: mvn not found (needed to fetch the Delta jars)"; exit 1; }
  rm -rf "$JARS"
  mkdir -p "$JARS" "$M2"
  for a in "${DELTA_ARTIFACTS[@]}"; do
    # Maven's chatter goes to a log, shown only when the fetch fails.
    if ! mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$M2" "$DEP_PLUGIN:copy" \
        -Dartifact="$a" -DoutputDirectory="$JARS" >"$ROOT/.tmp/mvn-fetch.log" 2>&1; then
      cat "$ROOT/.tmp/mvn-fetch.log" >&2
      log "error: could not fetch $a from Maven Central"
      exit 1
    fi
  done
  echo "$jar_want" >"$jar_marker"
  log "delta jars fetched in $(took "$t")"
fi

command -v java >/dev/null || log "warning: no java on PATH; Spark will not start"
log "ready in $(took "$t0"): python=$VENV/bin/python jars=$(ls "$JARS"/*.jar | tr '\n' ' ')"
