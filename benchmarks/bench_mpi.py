"""The Stokes solve over MPI ranks on this machine: the 256^3 blobs of bench_direct.py
(porosity 0.3, flow along z, across the slabs) on 1, 2 and 4 ranks, one numba thread per
rank, bound to a core where there are enough (``mpiexec -bind-to core``; 4 ranks on 2 cores
run unbound, to check k only). Each rank count runs as a fresh ``mpiexec``; peak memory is
the sum of every rank's VmHWM.

Run: python benchmarks/bench_mpi.py [--size 256] [--ranks 1 2 4]
Prints one JSON line per rank count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _measure import rss_gb


def child(n: int) -> None:
    import numpy as np
    from bench_direct import blobs

    import flow

    comm = flow.world()
    im = blobs(n)
    flow.stokes(np.ones((8, 8, 8), bool), axis="z", voxel_size=1e-6, solver="multigrid", comm=comm)  # compile
    if comm is not None:
        comm.Barrier()
    start = time.perf_counter()
    r = flow.stokes(im, axis="z", voxel_size=1e-6, solver="multigrid", comm=comm)
    seconds = time.perf_counter() - start
    ranks = comm.Get_size() if comm is not None else 1
    peak = comm.allreduce(rss_gb("VmHWM")) if comm is not None else rss_gb("VmHWM")
    if comm is None or comm.Get_rank() == 0:
        print(json.dumps({"size": n, "ranks": ranks, "seconds": round(seconds, 2), "k_mD": r.k_mD,
                          "iterations": r.iterations, "residual": r.residual, "peak_rss_gb_all_ranks": round(peak, 3)}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    for ranks in args.ranks:
        bind = ["-bind-to", "core"] if ranks <= (os.cpu_count() or 1) else []
        command = [mpiexec, *bind, "-n", str(ranks), sys.executable, __file__, "--child", str(args.size)]
        out = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NUMBA_NUM_THREADS": "1"})
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
            continue
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
