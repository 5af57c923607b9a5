#!/usr/bin/env python3
"""Independent Delta Lake engines as test oracles for Tributary.

Reads and writes Delta tables with Python `deltalake` (delta-rs) and with
pyspark + delta-spark, printing JSON lines that tests compare with Tributary.

  oracle.py deltalake-read <table> [--version N]
  oracle.py spark-read     <table> [--version N]
  oracle.py deltalake-write <table> <spec.json | inline JSON>
  oracle.py spark-write     <table> <spec.json | inline JSON>
  oracle.py spark-history  <table>
  oracle.py spark-sql      <statement>      (e.g. DELETE FROM delta.`/t` WHERE id = 1)
  oracle.py spark-server                    (one command per stdin line, see serve())

A read prints a header line {"version", "schema", "numRows"} and then one
object per row, in schema order, sorted by the row's JSON text. Values are
normalised so both engines print the same text for the same data:
  long -> decimal string (JSON numbers lose precision past 2^53 in JavaScript)
  decimal -> plain string with the type's scale, binary -> lowercase hex,
  date -> YYYY-MM-DD, timestamp -> YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC),
  timestamp_ntz -> the same without Z, float NaN/±inf -> "NaN"/"Infinity"/"-Infinity",
  map -> [[key, value], ...] sorted by the key's JSON, struct -> object.

A write spec is {"schema": [{"name", "type", "nullable"?}], "rows": [...],
"partitionBy"?: [...], "mode"?: "append" | "overwrite", "properties"?: {...},
"replaceWhere"?: "<predicate>"}; types use Delta's schema JSON ("long",
"decimal(10,2)", {"type": "array", ...}); values use the normalised forms above
(numbers are accepted for long too).
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import os
import sys
import time
import traceback
from typing import Any, Callable

# Spark hands TIMESTAMP values to Python as naive datetimes in the process's
# local zone; pin every clock to UTC so they mean the same instant everywhere.
os.environ["TZ"] = "UTC"
time.tzset()

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

Json = Any
DType = Any  # a Delta schema type: a name such as "long", or a dict for struct/array/map

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class OracleError(Exception):
    """A bad command or spec; reported without a Python traceback."""


# --------------------------------------------------------------------------
# Normalisation: engine values -> JSON, driven by the Delta type.


def _iso_date(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _iso_time(t: dt.datetime) -> str:
    return f"{_iso_date(t)}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{t.microsecond:06d}"


def _json_key(v: Json) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _struct_get(value: Any, name: str, index: int) -> Any:
    # pyarrow gives dicts, Spark gives Row (a tuple with field names).
    if isinstance(value, dict):
        return value.get(name)
    return value[index]


def normalise(value: Any, t: DType) -> Json:
    if value is None:
        return None
    if isinstance(t, dict):
        kind = t["type"]
        if kind == "struct":
            return {f["name"]: normalise(_struct_get(value, f["name"], i), f["type"]) for i, f in enumerate(t["fields"])}
        if kind == "array":
            return [normalise(v, t["elementType"]) for v in value]
        if kind == "map":
            items = value.items() if isinstance(value, dict) else value
            pairs = [[normalise(k, t["keyType"]), normalise(v, t["valueType"])] for k, v in items]
            return sorted(pairs, key=lambda p: _json_key(p[0]))
        raise OracleError(f"unknown complex type {kind!r}")
    if t in ("byte", "short", "integer"):
        return int(value)
    if t == "long":
        return str(int(value))
    if t in ("float", "double"):
        f = float(value)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "Infinity" if f > 0 else "-Infinity"
        return f
    if t == "boolean":
        return bool(value)
    if t == "string":
        return str(value)
    if t == "binary":
        return bytes(value).hex()
    if t == "date":
        return _iso_date(value)
    if t == "timestamp":
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        return _iso_time(value) + "Z"
    if t == "timestamp_ntz":
        return _iso_time(value.replace(tzinfo=None))
    if t.startswith("decimal"):
        # Engines hand back decimals with varying exponents (Spark: 1.00E-10 for
        # 1E-10); print every value with exactly the type's scale.
        scale = int(t[t.index(",") + 1:-1])
        exact = decimal.Context(prec=80)
        return format(exact.quantize(decimal.Decimal(value), decimal.Decimal(1).scaleb(-scale)), "f")
    raise OracleError(f"unsupported type {t!r}")


def strip_metadata(t: DType) -> DType:
    """The schema without per-field metadata (column mapping ids, comments), for comparing engines."""
    if isinstance(t, dict):
        kind = t["type"]
        if kind == "struct":
            return {"type": "struct", "fields": [
                {"name": f["name"], "type": strip_metadata(f["type"]), "nullable": f["nullable"]} for f in t["fields"]]}
        if kind == "array":
            return {"type": "array", "elementType": strip_metadata(t["elementType"]), "containsNull": t["containsNull"]}
        if kind == "map":
            return {"type": "map", "keyType": strip_metadata(t["keyType"]), "valueType": strip_metadata(t["valueType"]),
                    "valueContainsNull": t["valueContainsNull"]}
    return t


def table_lines(version: int, schema: DType, rows: list[Any]) -> list[Json]:
    out = [{f["name"]: normalise(_struct_get(r, f["name"], i), f["type"]) for i, f in enumerate(schema["fields"])}
           for r in rows]
    out.sort(key=_json_key)
    return [{"version": version, "schema": strip_metadata(schema), "numRows": len(out)}, *out]


# --------------------------------------------------------------------------
# Denormalisation: JSON spec values -> Python values both engines accept.


def _parse_time(s: str, utc: bool) -> dt.datetime:
    t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    if utc:
        t = t.astimezone(dt.timezone.utc) if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
        return t
    return t.replace(tzinfo=None)


def denormalise(value: Json, t: DType, where: str) -> Any:
    if value is None:
        return None
    try:
        if isinstance(t, dict):
            kind = t["type"]
            if kind == "struct":
                if not isinstance(value, dict):
                    raise OracleError(f"{where}: expected an object for a struct, got {value!r}")
                return {f["name"]: denormalise(value.get(f["name"]), f["type"], f"{where}.{f['name']}") for f in t["fields"]}
            if kind == "array":
                return [denormalise(v, t["elementType"], f"{where}[{i}]") for i, v in enumerate(value)]
            if kind == "map":
                pairs = value.items() if isinstance(value, dict) else value
                return [(denormalise(k, t["keyType"], f"{where}.key"), denormalise(v, t["valueType"], f"{where}[{k!r}]"))
                        for k, v in pairs]
        if t in ("byte", "short", "integer", "long"):
            return int(value)
        if t in ("float", "double"):
            return float(value)  # float("NaN") / float("Infinity") parse too
        if t == "boolean":
            if not isinstance(value, bool):
                raise OracleError(f"{where}: expected true/false, got {value!r}")
            return value
        if t == "string":
            return str(value)
        if t == "binary":
            return bytes.fromhex(value)
        if t == "date":
            return dt.date.fromisoformat(value)
        if t == "timestamp":
            return _parse_time(value, utc=True)
        if t == "timestamp_ntz":
            return _parse_time(value, utc=False)
        if isinstance(t, str) and t.startswith("decimal"):
            return decimal.Decimal(str(value))
    except OracleError:
        raise
    except (ValueError, TypeError, decimal.InvalidOperation) as e:
        raise OracleError(f"{where}: cannot read {value!r} as {t}: {e}") from None
    raise OracleError(f"{where}: unsupported type {t!r}")


def load_spec(arg: str) -> dict:
    text = arg if arg.lstrip().startswith("{") else open(arg, encoding="utf-8").read()
    spec = json.loads(text)
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), list):
        raise OracleError("spec needs a 'schema' list of {name, type, nullable}")
    mode = spec.get("mode", "append")
    if mode not in ("append", "overwrite"):
        raise OracleError(f"spec mode must be append or overwrite, got {mode!r}")
    return spec


def spec_struct(spec: dict) -> dict:
    return {"type": "struct", "fields": [
        {"name": f["name"], "type": f["type"], "nullable": f.get("nullable", True), "metadata": {}} for f in spec["schema"]]}


def spec_rows(spec: dict) -> list[dict]:
    struct = spec_struct(spec)
    names = {f["name"] for f in struct["fields"]}
    rows = []
    for i, r in enumerate(spec.get("rows", [])):
        extra = set(r) - names
        if extra:
            raise OracleError(f"row {i}: columns {sorted(extra)} are not in the schema")
        rows.append({f["name"]: denormalise(r.get(f["name"]), f["type"], f"row {i}.{f['name']}") for f in struct["fields"]})
    return rows


# --------------------------------------------------------------------------
# deltalake (delta-rs)


def _arrow_type(t: DType):
    import pyarrow as pa

    if isinstance(t, dict):
        kind = t["type"]
        if kind == "struct":
            return pa.struct([pa.field(f["name"], _arrow_type(f["type"]), f.get("nullable", True)) for f in t["fields"]])
        if kind == "array":
            return pa.list_(pa.field("element", _arrow_type(t["elementType"]), t.get("containsNull", True)))
        if kind == "map":
            return pa.map_(_arrow_type(t["keyType"]),
                           pa.field("value", _arrow_type(t["valueType"]), t.get("valueContainsNull", True)))
    simple = {
        "byte": pa.int8(), "short": pa.int16(), "integer": pa.int32(), "long": pa.int64(),
        "float": pa.float32(), "double": pa.float64(), "boolean": pa.bool_(), "string": pa.string(),
        "binary": pa.binary(), "date": pa.date32(), "timestamp": pa.timestamp("us", "UTC"),
        "timestamp_ntz": pa.timestamp("us"),
    }
    if t in simple:
        return simple[t]
    if isinstance(t, str) and t.startswith("decimal(") and t.endswith(")"):
        p, s = (int(x) for x in t[len("decimal("):-1].split(","))
        return pa.decimal128(p, s)
    raise OracleError(f"unsupported type {t!r}")


def deltalake_read(path: str, version: int | None) -> list[Json]:
    from deltalake import DeltaTable

    table = DeltaTable(path, version=version)
    schema = json.loads(table.schema().to_json())
    data = table.to_pyarrow_table()
    return table_lines(table.version(), schema, data.to_pylist())


def deltalake_write(path: str, spec: dict) -> list[Json]:
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    struct = spec_struct(spec)
    schema = pa.schema([pa.field(f["name"], _arrow_type(f["type"]), f["nullable"]) for f in struct["fields"]])
    data = pa.Table.from_pylist(spec_rows(spec), schema=schema)
    write_deltalake(
        path, data, mode=spec.get("mode", "append"), partition_by=spec.get("partitionBy") or None,
        configuration=spec.get("properties") or None, predicate=spec.get("replaceWhere"))
    return [{"version": DeltaTable(path).version()}]


# --------------------------------------------------------------------------
# Spark + delta-spark


_spark = None


def spark_session():
    """One local session per process; the first call pays the JVM start (~8 s)."""
    global _spark
    if _spark is not None:
        return _spark
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    jars = os.environ.get("TRIBUTARY_SPARK_JARS") or ",".join(
        os.path.join(ROOT, ".tmp", "jars", j) for j in sorted(os.listdir(os.path.join(ROOT, ".tmp", "jars")))
        if j.endswith(".jar")) if os.path.isdir(os.path.join(ROOT, ".tmp", "jars")) else ""
    if not jars:
        raise OracleError("no Delta jars: run scripts/interop/setup.sh or set TRIBUTARY_SPARK_JARS")
    scratch = os.path.join(ROOT, ".tmp", "spark")
    os.makedirs(scratch, exist_ok=True)
    from pyspark.sql import SparkSession

    _spark = (
        SparkSession.builder.master("local[2]").appName("tributary-oracle")
        .config("spark.jars", jars)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # C1-only JIT and the serial collector: the oracle runs many tiny queries
        # in a short-lived JVM, where C2 compilation only costs CPU.
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC " + os.environ.get(
            "TRIBUTARY_SPARK_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"))
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "2")
        # Tiny tables: compiling generated code and re-planning cost more than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.default.parallelism", "2")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "warehouse"))
        .getOrCreate()
    )
    _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def _quote_path(path: str) -> str:
    return "delta.`" + os.path.abspath(path).replace("`", "``") + "`"


def _spark_version(path: str) -> int:
    spark = spark_session()
    return int(spark.sql(f"DESCRIBE HISTORY {_quote_path(path)} LIMIT 1").collect()[0]["version"])


def spark_read(path: str, version: int | None) -> list[Json]:
    spark = spark_session()
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    df = reader.load(os.path.abspath(path))
    schema = json.loads(df.schema.json())
    rows = df.collect()
    return table_lines(version if version is not None else _spark_version(path), schema, rows)


def _delta_exists(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "_delta_log")) and any(
        n.endswith(".json") for n in os.listdir(os.path.join(path, "_delta_log")))


def _sql_string(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def spark_write(path: str, spec: dict) -> list[Json]:
    from pyspark.sql.types import StructType

    spark = spark_session()
    struct = StructType.fromJson(spec_struct(spec))
    rows = spec_rows(spec)
    for r in rows:  # Spark wants naive datetimes (UTC here) and dicts for maps
        _spark_ready(r, spec_struct(spec))
    df = spark.createDataFrame([tuple(r[f.name] for f in struct.fields) for r in rows], schema=struct)
    props = spec.get("properties") or {}
    if props and not _delta_exists(path):
        # Table properties belong to the table, not to one write: create it first
        # with them (version 0), so the data lands with e.g. deletion vectors on.
        from delta.tables import DeltaTable

        builder = DeltaTable.create(spark).location(os.path.abspath(path)).addColumns(struct)
        if spec.get("partitionBy"):
            builder = builder.partitionedBy(*spec["partitionBy"])
        for k, v in props.items():
            builder = builder.property(k, str(v))
        builder.execute()
    elif props:
        assignments = ", ".join(f"{_sql_string(k)} = {_sql_string(str(v))}" for k, v in props.items())
        spark.sql(f"ALTER TABLE {_quote_path(path)} SET TBLPROPERTIES ({assignments})")
    writer = df.write.format("delta").mode(spec.get("mode", "append"))
    if spec.get("partitionBy"):
        writer = writer.partitionBy(*spec["partitionBy"])
    if spec.get("replaceWhere"):
        writer = writer.option("replaceWhere", spec["replaceWhere"])
    writer.save(os.path.abspath(path))
    return [{"version": _spark_version(path)}]


def _spark_ready(row: dict, struct: dict) -> None:
    def fix(v: Any, t: DType) -> Any:
        if v is None:
            return None
        if isinstance(t, dict):
            kind = t["type"]
            if kind == "struct":
                return tuple(fix(v.get(f["name"]), f["type"]) for f in t["fields"])
            if kind == "array":
                return [fix(x, t["elementType"]) for x in v]
            if kind == "map":
                return {fix(k, t["keyType"]): fix(x, t["valueType"]) for k, x in v}
        if t == "timestamp":
            return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        if t == "binary":
            return bytearray(v)
        return v

    for f in struct["fields"]:
        row[f["name"]] = fix(row[f["name"]], f["type"])


def _plain(v: Any) -> Json:
    """Spark result values -> JSON (for SQL results and history, which have no Delta schema)."""
    from pyspark.sql import Row

    if isinstance(v, Row):
        return {k: _plain(x) for k, x in v.asDict(recursive=False).items()}
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dt.datetime):
        return _iso_time(v) + "Z"
    if isinstance(v, dt.date):
        return _iso_date(v)
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def spark_history(path: str) -> list[Json]:
    rows = spark_session().sql(f"DESCRIBE HISTORY {_quote_path(path)}").collect()
    return sorted((_plain(r) for r in rows), key=lambda r: r["version"])


def spark_sql(statement: str) -> list[Json]:
    return [_plain(r) for r in spark_session().sql(statement).collect()]


# --------------------------------------------------------------------------
# Command line and server


def _version_arg(args: list[str]) -> int | None:
    if "--version" in args:
        i = args.index("--version")
        if i + 1 >= len(args):
            raise OracleError("--version needs a number")
        return int(args[i + 1])
    return None


def run(argv: list[str]) -> list[Json]:
    if not argv:
        raise OracleError("usage: oracle.py <command> ...  (see the module docstring)")
    cmd, args = argv[0], argv[1:]
    need = {"deltalake-read": 1, "spark-read": 1, "deltalake-write": 2, "spark-write": 2,
            "spark-history": 1, "spark-sql": 1}
    if cmd not in need:
        raise OracleError(f"unknown command {cmd!r}; one of {', '.join(need)} or spark-server")
    if len([a for a in args if not a.startswith("--")]) < need[cmd]:
        raise OracleError(f"{cmd} needs {need[cmd]} argument(s)")
    if cmd == "deltalake-read":
        return deltalake_read(args[0], _version_arg(args))
    if cmd == "spark-read":
        return spark_read(args[0], _version_arg(args))
    if cmd == "deltalake-write":
        return deltalake_write(args[0], load_spec(args[1]))
    if cmd == "spark-write":
        return spark_write(args[0], load_spec(args[1]))
    if cmd == "spark-history":
        return spark_history(args[0])
    return spark_sql(args[0])


def _error_text(e: BaseException) -> str:
    if isinstance(e, OracleError):
        return str(e)
    # Py4J errors carry the whole JVM stack; its first lines name the cause.
    text = f"{type(e).__name__}: {e}"
    return "\n".join(text.splitlines()[:12])


def serve() -> None:
    """Answers one JSON request per stdin line: {"id", "argv": [...]} ->
    {"id", "ok": true, "lines": [...]} or {"id", "ok": false, "error": "..."}.
    A spec may be given inline as an argv element. Spark starts on the first
    spark-* request and stays up until stdin closes."""
    # Keep stdout for answers only: anything else (the JVM, py4j) goes to stderr.
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            started = time.monotonic()
            reply = {"id": req_id, "ok": True, "lines": run([str(a) for a in req["argv"]])}
            print(f"oracle: {req['argv'][0]} {str(req['argv'][1:2])[:80]} took {time.monotonic() - started:.2f} s",
                  file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - every failure is reported to the caller
            if not isinstance(e, OracleError):
                traceback.print_exc(file=sys.stderr)
            reply = {"id": req_id, "ok": False, "error": _error_text(e)}
        answers.write(json.dumps(reply, ensure_ascii=False) + "\n")
        answers.flush()
    if _spark is not None:
        _spark.stop()


def main() -> int:
    argv = sys.argv[1:]
    if argv[:1] == ["spark-server"]:
        serve()
        return 0
    try:
        lines = run(argv)
    except Exception as e:  # noqa: BLE001
        if not isinstance(e, OracleError):
            traceback.print_exc(file=sys.stderr)
        print(f"oracle: {_error_text(e)}", file=sys.stderr)
        return 1
    finally:
        if _spark is not None:
            _spark.stop()
    for line in lines:
        print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
