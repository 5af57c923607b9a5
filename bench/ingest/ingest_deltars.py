"""delta-rs ingest process (tool `delta-rs`, case arrow-2M): the same Arrow
IPC file, read into memory before the clock starts; then, timed, the two
expectations as one pyarrow.compute filter (a row stays only when both are
TRUE, so NULL drops as in DLT) and write_deltalake of the kept rows into a new
table. Same report fields as ingest-tributary.ts.
    argv: <ipcPath> <tablePath>"""
import json
import os
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delta"))
from proc_memory import peak_rss_mb, rss_mb  # noqa: E402


def main() -> None:
    ipc_path, table_path = sys.argv[1:3]
    # Read into memory (not memory-mapped), as the Node process does.
    with pa.OSFile(ipc_path) as f, pa.ipc.open_file(f) as reader:
        data = reader.read_all()
    start_rss = rss_mb()

    c0 = time.process_time()
    t0 = time.perf_counter()
    amount_ok = pc.greater_equal(data["amount"], 0)
    customer_ok = pc.greater(data["customer_id"], 0)
    kept = data.filter(pc.and_kleene(amount_ok, customer_ok))
    write_deltalake(table_path, kept, mode="error")
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0

    table = DeltaTable(table_path)
    print(json.dumps({
        "seconds": seconds,
        "rows": data.num_rows,
        "cpuSeconds": round(cpu, 4),
        "commits": 1,
        "version": table.version(),
        "files": len(table.file_uris()),
        "landed": kept.num_rows,
        "dropped": data.num_rows - kept.num_rows,
        "failed": {
            "non_negative_amount": data.num_rows - pc.sum(amount_ok).as_py(),
            "known_customer": data.num_rows - pc.sum(customer_ok).as_py(),
        },
        "startRssMB": start_rss,
        "peakRssMB": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main()
