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


def main() -> None:
    ipc_path, _parquet_path, out_path, codec, reps = sys.argv[1:6]
    with ipc.open_file(ipc_path) as reader:
        table = reader.read_all()
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
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({
        "seconds": statistics.median_low(times),
        "rows": table.num_rows,
        "cpuSeconds": round(statistics.median_low(cpu), 4),
        "threads": 1,
        "pyarrow": pyarrow.__version__,
        "peakRssMB": round(peak_mb, 1),
    }))


if __name__ == "__main__":
    main()
