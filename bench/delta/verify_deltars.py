"""delta-rs read-back (untimed): the latest version, file count and row
aggregates of each table given, as one JSON line with the fields of
verify-tributary.ts. Data is read through DeltaTable.to_pyarrow_table, so
the files are decoded, not just their statistics summed.
    argv: <tablePath>..."""
import json
import sys

import pyarrow.compute as pc
from deltalake import DeltaTable

from proc_memory import peak_rss_mb


def summarize(path: str) -> dict:
    table = DeltaTable(path)
    data = table.to_pyarrow_table(columns=["id", "amount", "ts", "note"])
    ts = pc.cast(data["ts"], "int64")
    return {
        "version": table.version(),
        "files": len(table.file_uris()),
        "rows": data.num_rows,
        "sumId": pc.sum(data["id"]).as_py(),
        "minId": pc.min(data["id"]).as_py(),
        "maxId": pc.max(data["id"]).as_py(),
        "notes": data.num_rows - data["note"].null_count,
        "sumAmount": pc.sum(data["amount"]).as_py(),
        "minTs": pc.min(ts).as_py(),
        "maxTs": pc.max(ts).as_py(),
    }


def main() -> None:
    tables = [summarize(p) for p in sys.argv[1:]]
    print(json.dumps({"seconds": 0, "tables": tables, "peakRssMB": peak_rss_mb()}))


if __name__ == "__main__":
    main()
