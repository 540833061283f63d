"""The streamed image stages on big synthetic scans (issue 16): time and peak memory.

Run: python benchmarks/bench_scale.py [--sizes 256 512 1024] [--chunk 128] [--workers 0]

A uint16 scan of SIZE^3 is generated chunk by chunk straight into a Zarr store (a smooth
random field of pores and grains plus noise; never whole in memory). Then, in a fresh
process each, the streamed stages run on it as a user's commands would: median filter,
Otsu, porosity, connected porosity along x, specific surface (dca segment + dca metrics'
streamed numbers). Peak memory is sampled every 50 ms over the whole process tree (dask
worker processes included, with --workers N for a LocalCluster). Prints one JSON line per
size and stage: seconds, peak GB, bytes per voxel, seconds per Gvoxel.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

STAGES = ("median", "otsu", "porosity", "connected_porosity", "specific_surface")


def make_scan(path: str, n: int, chunk: int) -> None:
    """A SIZE^3 uint16 scan written chunk by chunk: pores where a smoothed random field is low."""
    import dask.array as da
    import numpy as np
    from scipy import ndimage

    import dca

    def block(block_info=None):
        loc = block_info[None]["array-location"]
        shape = tuple(b - a for a, b in loc)
        rng = np.random.default_rng([loc[0][0], loc[1][0], loc[2][0]])
        # the field from the global coordinates, so it is seamless across chunks
        z, y, x = np.meshgrid(*(np.arange(a, b, dtype=np.float32) for a, b in loc), indexing="ij")
        field = np.sin(z / 7.0) * np.sin(y / 9.0 + 1) * np.sin(x / 11.0 + 2) + 0.5 * np.sin((x + y + z) / 5.0)
        grey = 1000 + 400 * (field > 0.1) + rng.normal(0, 60, shape)
        return ndimage.uniform_filter(grey, 1).astype(np.uint16)

    data = da.map_blocks(block, dtype=np.uint16, chunks=((chunk,) * (n // chunk),) * 3)
    dca.write(dca.Volume(data, voxel_size=2e-6), path)


def run_stage(path: str, stage: str, workers: int) -> dict:
    import dca

    t0 = time.perf_counter()
    with dca.compute.compute("local" if workers else None, workers=workers or None):
        scan = dca.read(path, lazy=True)
        grey = dca.filters.median(scan)
        labels = dca.segment.otsu(grey)
        if stage == "median":
            out = float(grey.data.mean().compute())
        elif stage == "otsu":
            out = dca.segment.otsu_level(grey)
        elif stage == "porosity":
            out = dca.metrics.porosity(labels)
        elif stage == "connected_porosity":
            out = dca.metrics.connected_porosity(labels, axis="x")
        else:
            out = dca.metrics.specific_surface(labels)
    return {"value": out, "seconds": time.perf_counter() - t0, "voxels": scan.size}


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def measure(path: str, stage: str, workers: int) -> dict:
    """The stage in a fresh process; peak memory of its whole process tree."""
    child = subprocess.Popen([sys.executable, __file__, "--child", path, stage, str(workers)],
                             stdout=subprocess.PIPE, text=True)
    peak = 0

    def watch():
        nonlocal peak
        while child.poll() is None:
            peak = max(peak, _tree_rss(child.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out, _ = child.communicate()
    watcher.join()
    result = json.loads(out.strip().splitlines()[-1])
    n = result["voxels"]
    return {**result, "stage": stage, "peak_gb": peak / 1e9, "bytes_per_voxel": peak / n,
            "seconds_per_gvoxel": result["seconds"] / (n / 1e9), "workers": workers}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(run_stage(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--chunk", type=int, default=128)
    parser.add_argument("--workers", type=int, default=0, help="LocalCluster worker processes (0: threads)")
    parser.add_argument("--stages", nargs="+", default=list(STAGES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        for n in args.sizes:
            path = os.path.join(tmp, f"scan{n}.zarr")
            t0 = time.perf_counter()
            make_scan(path, n, args.chunk)
            print(json.dumps({"size": n, "made_in_s": round(time.perf_counter() - t0, 1)}), flush=True)
            for stage in args.stages:
                print(json.dumps({"size": n, **measure(path, stage, args.workers)}), flush=True)


if __name__ == "__main__":
    main()
