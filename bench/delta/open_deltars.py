"""delta-rs open process: loads the latest version of a table and lists its
files (DeltaTable(path) + file_uris(); deltalake 1.x has no files()). The
first open in the process is the cold one (and the warm-up); `opens` more are
timed and averaged. Same argv and report fields as open-tributary.ts.
    argv: <tablePath> <opens>"""
import json
import sys
import time

from deltalake import DeltaTable

from proc_memory import peak_rss_mb, rss_mb


def open_once(path: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    table = DeltaTable(path)
    files = table.file_uris()
    return time.perf_counter() - t0, table.version(), len(files)


def main() -> None:
    path = sys.argv[1]
    opens = max(1, int(sys.argv[2]))
    start_rss = rss_mb()
    cold, version, files = open_once(path)
    total = 0.0
    c0 = time.process_time()
    for i in range(opens):
        seconds, v, n = open_once(path)
        if (v, n) != (version, files):
            raise SystemExit(f"{path}: open {i + 2} saw version {v} with {n} files, the first saw {version} with {files}")
        total += seconds
    cpu = time.process_time() - c0
    print(json.dumps({
        "seconds": total / opens,
        "coldSeconds": cold,
        "cpuSeconds": round(cpu / opens, 4),
        "opens": opens,
        "version": version,
        "files": files,
        "startRssMB": start_rss,
        "peakRssMB": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main()
