"""delta-rs read-back (untimed): for each table given, the latest version,
file count and row aggregates, decoded through DeltaTable.to_pyarrow_table,
as one JSON line. The fields match the DuckDB read-back in index.ts; sums are
exact integers (amount in cents), so the two readers must agree exactly.
    argv: <tablePath>..."""
import json
import os
import sys

import pyarrow.compute as pc
from deltalake import DeltaTable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delta"))
from proc_memory import peak_rss_mb  # noqa: E402


def as_int(x) -> int:
    v = x.as_py()
    return 0 if v is None else int(v)


def summarize(path: str) -> dict:
    table = DeltaTable(path)
    data = table.to_pyarrow_table()
    ts = pc.cast(data["ts"], "int64")
    cents = pc.cast(pc.round(pc.multiply(data["amount"], 100)), "int64")
    bad = pc.or_kleene(pc.less(data["amount"], 0), pc.less_equal(data["customer_id"], 0))
    return {
        "version": table.version(),
        "files": len(table.file_uris()),
        "rows": data.num_rows,
        "sumId": as_int(pc.sum(data["id"])),
        "minId": as_int(pc.min(data["id"])),
        "maxId": as_int(pc.max(data["id"])),
        "sumCustomer": as_int(pc.sum(data["customer_id"])),
        "sumCents": as_int(pc.sum(cents)),
        "minTs": as_int(pc.min(ts)),
        "maxTs": as_int(pc.max(ts)),
        "notes": data.num_rows - data["note"].null_count,
        "statusBytes": as_int(pc.sum(pc.binary_length(data["status"]))),
        "countryBytes": as_int(pc.sum(pc.binary_length(data["country"]))),
        "noteBytes": as_int(pc.sum(pc.binary_length(data["note"]))),
        "violating": as_int(pc.sum(pc.cast(bad, "int64"))),
    }


def main() -> None:
    tables = [summarize(p) for p in sys.argv[1:]]
    print(json.dumps({"seconds": 0, "tables": tables, "peakRssMB": peak_rss_mb()}))


if __name__ == "__main__":
    main()
