"""delta-rs commit process (tool `delta-rs`): creates a table (untimed) with
delta.checkpointInterval = 10, then appends every batch of the IPC file as its
own commit with write_deltalake on one DeltaTable handle (its post-commit
hook writes the checkpoints), timing all the appends together. Same argv
and report fields as commit-tributary.ts.
    argv: <ipcPath> <tablePath>"""
import json
import math
import sys
import time

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from proc_memory import peak_rss_mb, rss_mb


def quantile_ms(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    rank = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return round(ordered[rank] * 1e5) / 100


def main() -> None:
    ipc_path, table_path = sys.argv[1:3]
    # Read into memory (not memory-mapped), as the Node process does.
    with pa.OSFile(ipc_path) as f, pa.ipc.open_file(f) as reader:
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        schema = reader.schema
    start_rss = rss_mb()
    table = DeltaTable.create(table_path, schema, configuration={"delta.checkpointInterval": "10"})

    per_commit = []
    c0 = time.process_time()
    t0 = time.perf_counter()
    for batch in batches:
        s = time.perf_counter()
        write_deltalake(table, batch, mode="append")
        per_commit.append(time.perf_counter() - s)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({
        "seconds": seconds,
        "rows": sum(b.num_rows for b in batches),
        "cpuSeconds": round(cpu, 4),
        "commits": len(per_commit),
        "msP50": quantile_ms(per_commit, 0.5),
        "msP95": quantile_ms(per_commit, 0.95),
        "version": table.version(),
        "startRssMB": start_rss,
        "peakRssMB": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main()
