"""The image pipeline on big synthetic scans (issue 16): time and peak memory per stage,
in memory and chunked.

Run: python benchmarks/bench_scale.py [--sizes 256 512 1024] [--chunk 128] [--workers 0]
                                      [--memory-limit 1.5GB] [--modes memory chunked] [--stages ...]

A uint16 scan of SIZE^3 is generated chunk by chunk straight into a Zarr store (a smooth
random field of pores and grains plus noise; never whole in memory). Then, in a fresh
process each, the stages a user runs, on the volume opened in memory (``lazy=False``) or
chunked (``lazy=True``):

- segment: median filter, Otsu, islands removed, labels written to Zarr (the chunked run's
  labels are the input of the stages below, in both modes);
- metrics: ``dca.metrics.summary`` (porosity, connected porosity, specific surface,
  Minkowski functionals, local-thickness PSD, chords);
- thickness: the local-thickness PSD alone;
- network: SNOW extraction;
- surface: the watertight pore surface, written as binary STL.

Peak memory is sampled every 50 ms over the whole process tree (dask worker processes
included, with --workers N for a LocalCluster). Prints one JSON line per size, mode and
stage (seconds, peak GB, bytes per voxel, seconds per Gvoxel), then the growth exponent of
time and memory with size (the slope of log y on log voxels) per mode and stage.
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

STAGES = ("segment", "metrics", "thickness", "network", "surface")
MODES = ("memory", "chunked")


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


def run_stage(folder: str, stage: str, mode: str, workers: int) -> dict:
    import dca
    import meshing

    lazy = mode == "chunked"
    scan_path, labels_path = os.path.join(folder, "scan.zarr"), os.path.join(folder, "labels.zarr")
    t0 = time.perf_counter()
    limit = os.environ.get("BENCH_MEMORY_LIMIT")  # per worker, with --workers
    with dca.compute.compute("local" if workers else None, workers=workers or None, memory_limit=limit):
        if stage == "segment":
            scan = dca.read(scan_path, lazy=lazy)
            labels = dca.segment.remove_islands(dca.segment.otsu(dca.filters.median(scan)))
            target = labels_path if lazy else os.path.join(folder, "labels_memory.zarr")
            dca.write(labels, target)
            out, voxels = target, scan.size
        else:
            labels = dca.read(labels_path, lazy=lazy)
            voxels = labels.size
            if stage == "metrics":
                out = dca.metrics.summary(labels)["porosity"]
            elif stage == "thickness":
                out = dca.metrics.pore_size_distribution(labels).summary["mean"]
            elif stage == "network":
                out = len(dca.network.extract(labels).pores)
            elif lazy:
                out = meshing.write_surface(labels, os.path.join(folder, "surface.stl")).triangles
            else:
                mesh = meshing.surface(labels)
                mesh.write(os.path.join(folder, "surface.stl"))
                out = len(mesh.cells)
    return {"value": out, "seconds": time.perf_counter() - t0, "voxels": voxels}


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def measure(folder: str, stage: str, mode: str, workers: int) -> dict:
    """The stage in a fresh process; peak memory of its whole process tree."""
    child = subprocess.Popen([sys.executable, __file__, "--child", folder, stage, mode, str(workers)],
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
    if child.returncode:
        return {"stage": stage, "mode": mode, "failed": child.returncode, "peak_gb": peak / 1e9}
    result = json.loads(out.strip().splitlines()[-1])
    n = result["voxels"]
    return {**result, "stage": stage, "mode": mode, "peak_gb": peak / 1e9, "bytes_per_voxel": peak / n,
            "seconds_per_gvoxel": result["seconds"] / (n / 1e9), "workers": workers}


def growth(rows: list) -> list:
    """Slope of log(seconds) and log(peak) on log(voxels), per mode and stage."""
    import numpy as np

    out = []
    for mode in MODES:
        for stage in STAGES:
            got = [r for r in rows if r.get("mode") == mode and r.get("stage") == stage and "seconds" in r]
            if len(got) >= 2:
                v = np.log([r["voxels"] for r in got])
                out.append({"mode": mode, "stage": stage,
                            "time_exponent": float(np.polyfit(v, np.log([r["seconds"] for r in got]), 1)[0]),
                            "memory_exponent": float(np.polyfit(v, np.log([r["peak_gb"] for r in got]), 1)[0])})
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(run_stage(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--chunk", type=int, default=128)
    parser.add_argument("--workers", type=int, default=0, help="LocalCluster worker processes (0: threads)")
    parser.add_argument("--memory-limit", help="with --workers: each worker's memory limit (e.g. 1.5GB)")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES)
    parser.add_argument("--memory-up-to", type=int, default=512, help="largest size also run in memory")
    args = parser.parse_args()
    if args.memory_limit:
        os.environ["BENCH_MEMORY_LIMIT"] = args.memory_limit
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as folder:
            t0 = time.perf_counter()
            make_scan(os.path.join(folder, "scan.zarr"), n, args.chunk)
            print(json.dumps({"size": n, "made_in_s": round(time.perf_counter() - t0, 1)}), flush=True)
            modes = ["chunked"] + [m for m in args.modes if m == "memory" and n <= args.memory_up_to]
            for stage in args.stages:
                for mode in modes:  # chunked first: its labels are every later stage's input
                    rows.append({"size": n, **measure(folder, stage, mode, args.workers)})
                    print(json.dumps(rows[-1]), flush=True)
    for row in growth(rows):
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
