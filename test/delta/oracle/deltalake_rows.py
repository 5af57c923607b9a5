"""Independent oracle for the conformance test: reads a Delta table with the
Python `deltalake` package and prints its rows as canonical JSON (the same
shape test/delta/conformance.test.ts derives from Tributary's Arrow output).

usage: python deltalake_rows.py <table-dir> [version]
"""
import json
import sys
from decimal import Decimal

import pyarrow as pa
from deltalake import DeltaTable


def canon(arr: pa.Array) -> list:
    t = arr.type
    valid = [not x for x in arr.is_null().to_pylist()] if len(arr) else []
    if pa.types.is_timestamp(t):
        vals = arr.cast(pa.int64()).to_pylist()
        unit = {"s": 1_000_000, "ms": 1000, "us": 1, "ns": None}[t.unit]
        return [None if v is None else str(v * unit if unit else v // 1000) for v in vals]
    if pa.types.is_date32(t):
        return arr.cast(pa.int32()).to_pylist()
    if pa.types.is_decimal(t):
        return [None if v is None else format(v, "f") for v in arr.to_pylist()]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return [None if v is None else v.hex() for v in arr.to_pylist()]
    if pa.types.is_integer(t):
        return [None if v is None else str(v) for v in arr.to_pylist()]
    if pa.types.is_struct(t):
        cols = {t.field(i).name: canon(arr.field(i)) for i in range(t.num_fields)}
        return [({k: cols[k][i] for k in cols} if valid[i] else None) for i in range(len(arr))]
    if pa.types.is_map(t):
        keys = canon(arr.keys)
        items = canon(arr.items)
        offs = arr.offsets.to_pylist()
        out = []
        for i in range(len(arr)):
            if not valid[i]:
                out.append(None)
                continue
            pairs = [[keys[j], items[j]] for j in range(offs[i], offs[i + 1])]
            out.append(sorted(pairs, key=lambda p: json.dumps(p[0])))
        return out
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        flat = canon(arr.values)
        offs = arr.offsets.to_pylist()
        return [(flat[offs[i]:offs[i + 1]] if valid[i] else None) for i in range(len(arr))]
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return arr.to_pylist()
    if pa.types.is_floating(t):
        return [None if v is None else (v if v == v and abs(v) != float("inf") else str(v)) for v in arr.to_pylist()]
    return arr.to_pylist()


def main() -> None:
    path = sys.argv[1]
    version = int(sys.argv[2]) if len(sys.argv) > 2 else None
    dt = DeltaTable(path, version=version) if version is not None else DeltaTable(path)
    try:
        # The DataFusion-based query path supports deletion vectors and column mapping.
        from deltalake import QueryBuilder

        table = pa.RecordBatchReader.from_stream(QueryBuilder().register("t", dt).execute("SELECT * FROM t")).read_all()
    except Exception as first:  # noqa: BLE001 - fall back to the pyarrow dataset path
        try:
            table = dt.to_pyarrow_table()
        except Exception as second:  # noqa: BLE001
            print(f"UNSUPPORTED: {first} / {second}", file=sys.stderr)
            sys.exit(3)
    cols = {name: canon(table.column(name).combine_chunks()) for name in table.column_names}
    rows = [{k: cols[k][i] for k in cols} for i in range(table.num_rows)]
    print(json.dumps({"version": dt.version(), "columns": table.column_names, "rows": rows}))


if __name__ == "__main__":
    main()
