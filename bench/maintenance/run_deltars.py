"""delta-rs maintenance process (tool `delta-rs`): runs one case with Python
deltalake on a table and reports the time of the operation alone, its CPU time
(all threads) and the RSS right before it starts (after imports).
    argv: <case compact|zorder|vacuum|vacuum-lite> <tablePath> <targetBytes>"""
import json
import os
import sys
import time

from deltalake import DeltaTable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "delta"))
from proc_memory import peak_rss_mb, rss_mib  # noqa: E402


def main() -> None:
    kind, table_path, target_arg = sys.argv[1:4]
    target = int(target_arg)
    baseline = rss_mib()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    dt = DeltaTable(table_path)
    extra = {}
    if kind == "compact":
        m = dt.optimize.compact(target_size=target)
        extra = {"filesAdded": m["numFilesAdded"], "filesRemoved": m["numFilesRemoved"]}
    elif kind == "zorder":
        m = dt.optimize.z_order(["customer_id", "ts"], target_size=target)
        extra = {"filesAdded": m["numFilesAdded"], "filesRemoved": m["numFilesRemoved"]}
    elif kind in ("vacuum", "vacuum-lite"):
        # full=True lists the table (as Spark's VACUUM); full=False, delta-rs's default, is lite.
        files = dt.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False, full=kind == "vacuum")
        extra = {"filesDeleted": len(files)}
    else:
        raise SystemExit(f"bench/maintenance: unknown case {kind!r}")
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - cpu0
    print(json.dumps({"seconds": seconds, "cpuSeconds": cpu_seconds, "baselineRssMB": baseline, "peakRssMB": peak_rss_mb(), **extra}))


if __name__ == "__main__":
    main()
