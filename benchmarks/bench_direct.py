"""Direct (voxel) solvers against the peer libraries, side by side in one run (2 cores).

Run: python benchmarks/bench_direct.py [--cases stokes64 berea stokes256 stokes512 tau128 tau256 tube]
     [--peer-python PATH]   # an interpreter with taufactor (needs torch) / pumapy installed

- ``stokes64``: Stokes permeability of ``porespy.generators.blobs(shape=[64]*3, porosity=0.3,
  blobiness=1, seed=42)`` at 1 um along array axis 0 (pumapy's and porespy's x), ours against
  NASA pumapy's ``compute_permeability`` (FE, MINRES, tol 1e-8). pumapy ships through conda
  only; where it cannot be imported the recorded figure of ../shared/notes/baselines.md on
  the same image is printed instead (178 s on a quiet machine, k_xx 44.6 mD). Ours is also run
  on the same geometry refined 2x (each voxel split in 8), which tells the discretisation
  error of each answer: the refined value is closer to the exact Stokes permeability of
  that voxel geometry.
- ``berea``: the 200^3 Berea crop along x, the assembled (AMG) and the matrix-free multigrid
  solver: time, peak memory, memory per fluid voxel.
- ``stokes256`` / ``stokes512``: the matrix-free multigrid Stokes solver on the blobs of the
  tortuosity cases along z (256^3 on 2 threads and on 1); the AMG solver does not fit there.
- ``tau128`` / ``tau256`` / ``tau512``: tortuosity of the same kind of blobs at 128^3 / 256^3 /
  512^3, ours against ``taufactor.Solver(..., device='cpu')`` (its default convergence, 1 %
  flux spread); at 256^3 ours also on one thread (``NUMBA_NUM_THREADS=1``); bytes per voxel =
  the rise of the peak resident memory over the solve / voxels.
- ``tube``: Hagen-Poiseuille convergence, tube radius 5 to 40 voxels (periodic along x).

Each tool runs in a fresh subprocess (peak memory = its VmHWM); memory per fluid voxel is the
rise of the resident memory over the solve divided by the voxels the solver used.
Prints one JSON line per case and tool.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _measure import rss_gb

RECORDED_PUMAPY_64 = {"seconds": 178.0, "k_mD": 44.6, "iterations": 1192, "recorded": True}
RECORDED_TAUFACTOR = {128: {"seconds": 3.8, "tau": 3.881}, 256: {"seconds": 331.0, "tau": 3.593}}


CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache")


def blobs(n, refine=1):
    """The image, made once per size by a separate process and kept in benchmarks/.cache, so
    that a tool's peak memory is its own, not that of porespy's generator (float64 fields)."""
    import numpy as np

    path = os.path.join(CACHE, f"blobs_{n}_seed42.npy")
    if not os.path.exists(path):
        subprocess.run([sys.executable, __file__, "--make", str(n)], check=True)
    im = np.load(path)
    if refine > 1:
        im = im.repeat(refine, 0).repeat(refine, 1).repeat(refine, 2)
    return np.ascontiguousarray(im, dtype=bool)


def make_blobs(n):
    import numpy as np
    import porespy as ps

    os.makedirs(CACHE, exist_ok=True)
    im = ps.generators.blobs(shape=[n] * 3, porosity=0.3, blobiness=1, seed=42)
    tmp = os.path.join(CACHE, f".blobs_{n}.npy")
    np.save(tmp, np.ascontiguousarray(im, dtype=bool))
    os.replace(tmp, os.path.join(CACHE, f"blobs_{n}_seed42.npy"))




def ours_stokes(case, solver="amg"):
    import numpy as np

    import flow

    if case == "berea":
        im, voxel, axis = np.load("../shared/data/berea_200.npz")["im"], 5.345e-6, "x"
    elif case.startswith("stokes64"):
        refine = 2 if case.endswith("x2") else 1
        im, voxel, axis = blobs(64, refine), 1e-6 / refine, "z"
    else:  # stokes256, stokes512
        im, voxel, axis = blobs(int(case[6:])), 1e-6, "z"
    flow.stokes(np.ones((8, 8, 8), bool), axis=axis, voxel_size=voxel, solver=solver)  # numba compilation, not timed
    before = rss_gb("VmRSS")
    start = time.perf_counter()
    r = flow.stokes(im, axis=axis, voxel_size=voxel, solver=solver)
    seconds = time.perf_counter() - start
    used = r.permeability.extra["voxels_used"]
    peak = rss_gb("VmHWM")
    return {"seconds": seconds, "k_mD": r.k_mD, "iterations": r.iterations, "residual": r.residual,
            "mass_balance": r.permeability.mass_balance, "fluid_voxels": used,
            "bytes_per_fluid_voxel": peak * 1e9 / used, "solve_bytes_per_fluid_voxel": (peak - before) * 1e9 / used}


def pumapy_stokes(case):
    import pumapy as puma

    im = blobs(64)
    ws = puma.Workspace.from_array((~im).astype("uint16"))
    ws.voxel_length = 1e-6
    start = time.perf_counter()
    keff, *_ = puma.compute_permeability(ws, (1, 1), direction="x", solver_type="minres", matrix_free=True)
    return {"seconds": time.perf_counter() - start, "k_mD": float(keff[0, 0]) / 9.869233e-16}


def ours_tau(n):
    import numpy as np

    import flow

    im = blobs(n)
    flow.tortuosity(np.ones((16, 16, 16), bool), axis="z", voxel_size=1e-6)  # numba compilation, not timed
    before = rss_gb("VmRSS")
    start = time.perf_counter()
    t = flow.tortuosity(im, axis="z", voxel_size=1e-6)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "tau": t.tau, "iterations": t.iterations, "mass_balance": t.mass_balance,
            "bytes_per_voxel": (rss_gb("VmHWM") - before) * 1e9 / im.size}


def taufactor_tau(n):
    import numpy as np
    import taufactor as tau

    im = blobs(n)
    start = time.perf_counter()
    solver = tau.Solver(im.astype(np.uint8), device="cpu")
    solver.solve(verbose=False)
    return {"seconds": time.perf_counter() - start, "tau": float(np.squeeze(solver.tau)), "iterations": solver.iter}


def tube_convergence():
    import numpy as np

    import flow

    rows = []
    for radius in (5, 10, 20, 40):
        n = 2 * radius + 2
        yy, xx = np.mgrid[:n, :n] - (n - 1) / 2
        tube = np.repeat((yy ** 2 + xx ** 2 <= radius ** 2)[:, :, None], 2, axis=2)
        r = flow.stokes(tube, axis="x", voxel_size=1e-6, inlet="periodic")
        k_hp = np.pi * (radius * 1e-6) ** 4 / (8 * (n * 1e-6) ** 2)
        rows.append({"radius_voxels": radius, "k_over_hagen_poiseuille": round(r.k_m2 / k_hp, 5)})
    return rows


TOOLS = {
    "stokes64": {"dca": lambda: ours_stokes("stokes64"), "dca_refined_2x": lambda: ours_stokes("stokes64x2"),
                 "pumapy": lambda: pumapy_stokes("stokes64")},
    "berea": {"dca": lambda: ours_stokes("berea"), "dca_multigrid": lambda: ours_stokes("berea", "multigrid")},
    "stokes256": {"dca_multigrid": lambda: ours_stokes("stokes256", "multigrid"),
                  "dca_multigrid_1_thread": lambda: ours_stokes("stokes256", "multigrid")},
    "stokes512": {"dca_multigrid": lambda: ours_stokes("stokes512", "multigrid")},
    "tau128": {"dca": lambda: ours_tau(128), "taufactor": lambda: taufactor_tau(128)},
    "tau256": {"dca": lambda: ours_tau(256), "dca_1_thread": lambda: ours_tau(256),
               "taufactor": lambda: taufactor_tau(256)},
    "tau512": {"dca": lambda: ours_tau(512)},
}
ENV = {"dca_1_thread": {"NUMBA_NUM_THREADS": "1"}, "dca_multigrid_1_thread": {"NUMBA_NUM_THREADS": "1"}}
PEERS = {"pumapy", "taufactor"}


def child(case, tool):
    result = TOOLS[case][tool]()
    result["peak_rss_gb"] = rss_gb("VmHWM")
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=["stokes64", "berea", "tau128", "tau256", "tube"])
    parser.add_argument("--peer-python", default=sys.executable, help="interpreter that has taufactor / pumapy")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--make", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_blobs(args.make)
        return
    if args.child:
        child(*args.child)
        return
    for case in args.cases:
        if case == "tube":
            print(json.dumps({"case": "tube", "convergence": tube_convergence()}), flush=True)
            continue
        rows = {}
        for tool in TOOLS[case]:
            python = args.peer_python if tool in PEERS else sys.executable
            out = subprocess.run([python, __file__, "--child", case, tool], capture_output=True, text=True,
                                 env={**os.environ, "OMP_NUM_THREADS": "2", **ENV.get(tool, {})})
            if out.returncode:
                last = (out.stderr.strip().splitlines() or ["?"])[-1]
                if tool == "pumapy":
                    rows[tool] = dict(RECORDED_PUMAPY_64, why=last)
                elif tool == "taufactor":
                    rows[tool] = dict(RECORDED_TAUFACTOR[int(case[3:])], recorded=True, why=last)
                else:
                    print(out.stderr[-2000:], file=sys.stderr)
                    continue
            else:
                rows[tool] = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({"case": case, "tool": tool, **{k: round(v, 6) if isinstance(v, float) else v
                                                              for k, v in rows[tool].items()}}), flush=True)
        for peer in PEERS & set(rows):
            if "dca" in rows:
                key = "k_mD" if "k_mD" in rows["dca"] else "tau"
                print(json.dumps({"case": case, "against": peer,
                                  "speedup": round(rows[peer]["seconds"] / rows["dca"]["seconds"], 2),
                                  f"{key}_ratio": round(rows["dca"][key] / rows[peer][key], 4)}), flush=True)


if __name__ == "__main__":
    main()
