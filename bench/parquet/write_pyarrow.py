"""pyarrow writer process for bench/parquet (tool `python`): reads the Arrow
IPC file (untimed) and times pyarrow.parquet.write_table. Same argv and report
line as the TypeScript writer processes."""
import json
import os
import resource
import statistics
import sys
import time

import pyarrow
import pyarrow.ipc as ipc
import pyarrow.parquet as pq


def rss_mb() -> float:
    """Current resident set size in 2^20 bytes (as peakRssMB), like the TypeScript writers' startRssMB/loadedRssMB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def peak_rss_mb() -> float:
    """Peak RSS in 2^20 bytes: VmHWM, since ru_maxrss survives exec and would report the bench parent's RSS."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB


def main() -> None:
    ipc_path, _parquet_path, out_path, codec, reps = sys.argv[1:6]
    start_rss = rss_mb()
    with ipc.open_file(ipc_path) as reader:
        table = reader.read_all()
    loaded_rss = rss_mb()
    times = []
    cpu = []
    for _ in range(max(1, int(reps))):
        if os.path.exists(out_path):
            os.remove(out_path)
        c0 = time.process_time()
        t0 = time.perf_counter()
        pq.write_table(table, out_path, compression=codec)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak_mb = peak_rss_mb()
    print(json.dumps({
        "seconds": statistics.median_low(times),
        "rows": table.num_rows,
        "cpuSeconds": round(statistics.median_low(cpu), 4),
        "threads": 1,
        "pyarrow": pyarrow.__version__,
        "startRssMB": start_rss,
        "loadedRssMB": loaded_rss,
        "overheadMB": round(peak_mb - loaded_rss, 1),
        "peakRssMB": round(peak_mb, 1),
    }))


if __name__ == "__main__":
    main()
