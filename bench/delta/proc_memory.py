"""Memory figures the Python bench processes report, in MB like the Node ones."""
import os
import re
import resource


def rss_mb() -> float:
    """Current resident set size (second field of /proc/self/statm, in pages)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 1e5) / 10


def rss_mib() -> float:
    """Current resident set size in 2^20 bytes, the unit of peak_rss_mb (rss_mb uses 10^6)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB (2^20 bytes).

    On Linux this is VmHWM: getrusage's ru_maxrss survives exec, so a child
    forked by a large bench process would report its parent's RSS instead."""
    try:
        with open("/proc/self/status") as f:
            m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
        if m:
            return round(int(m.group(1)) / 1024, 1)
    except OSError:
        pass  # not Linux: getrusage below
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
