"""What the benchmark scripts share: the process's memory figures."""


def rss_gb(field: str = "VmHWM") -> float:
    """Resident memory of this process in GB: ``VmHWM`` (peak) or ``VmRSS`` (now), from /proc."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e9
    return float("nan")
