"""Graded meshes against voxel meshes with the real solvers (issue 18).

    python benchmarks/bench_graded.py foam [N]        # CalculiX compression of an open-cell foam, 4 meshes
    python benchmarks/bench_graded.py berea [N]       # simpleFoam on a Berea crop: octree vs voxel polyMesh
    python benchmarks/bench_graded.py electrode [N]   # graded mesh of a three-phase electrode: time, memory

Each case prints one JSON line per mesh. Run each in a fresh process; peak memory is the
process's own (VmHWM). The figures in README.md ("Graded meshes") came from these cases.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from _measure import rss_gb

import dca
import meshing

HERE = os.path.dirname(os.path.abspath(__file__))


def foam(n: int = 64):
    v = dca.samples.open_cell_foam(n, cell_size=24.0, porosity=0.85, voxel_size=20e-6, seed=0)
    builds = {"graded_tet": lambda: meshing.graded_tet_mesh(v, phases="solid"),
              "graded_tet_min1": lambda: meshing.graded_tet_mesh(v, phases="solid", min_size=1),
              "voxel_hex": lambda: meshing.hex_mesh(v, phases="solid"),
              "voxel_tet": lambda: meshing.tet_mesh(v, phases="solid")}
    for name, build in builds.items():
        t = time.perf_counter()
        mesh = build()
        t_mesh = time.perf_counter() - t
        t = time.perf_counter()
        r = meshing.uniaxial_compression(mesh, axis="z", strain=0.01, youngs_modulus=1e9, poisson_ratio=0.35)
        print(json.dumps({"case": f"foam{n}", "mesh": name, "elements": mesh.n_cells, "mesh_s": round(t_mesh, 2),
                          "calculix_s": round(time.perf_counter() - t, 1), "modulus_pa": r.effective_modulus,
                          "solid_m3": mesh.region_volumes()["solid"]}), flush=True)


def berea(n: int = 48, grading: float = 1.0, max_size: int = 8):
    import flow

    sys.path.insert(0, os.path.join(HERE, "..", "tests", "meshing"))
    from test_real_tools import _foam_env

    v = dca.read(os.path.join(HERE, "..", "..", "shared", "data", "berea_200.npz"), voxel_size=5.345e-6)[:n, :n, :n]
    env = _foam_env()
    root = tempfile.mkdtemp()
    try:
        for graded in (True, False):
            case = os.path.join(root, f"case{int(graded)}")
            t = time.perf_counter()
            meshing.openfoam_case(v, case, axis="x", graded=graded, grading=grading, max_size=max_size,
                                  iterations=3000)
            t_mesh = time.perf_counter() - t
            check = subprocess.run(["checkMesh", "-case", case], capture_output=True, text=True, env=env)
            t = time.perf_counter()
            subprocess.run(["simpleFoam", "-case", case], capture_output=True, text=True, env=env, check=True)
            k = meshing.openfoam_permeability(case)
            cells = json.load(open(os.path.join(case, meshing.export.CASE_FILE))).get("cells")
            print(json.dumps({"case": f"berea{n}", "mesh": "octree" if graded else "voxel", "cells": cells,
                              "checkMesh_ok": "Mesh OK." in check.stdout, "mesh_s": round(t_mesh, 2),
                              "simpleFoam_s": round(time.perf_counter() - t, 1), "k_mD": k.k_mD}), flush=True)
        print(json.dumps({"case": f"berea{n}", "mesh": "voxel Stokes (dca)",
                          "k_mD": flow.stokes(v, axis="x").permeability.k_mD}))
    finally:
        shutil.rmtree(root)


def electrode(n: int = 200):
    v = dca.samples.electrode(n, particle_radius=7.0, seed=0)
    t = time.perf_counter()
    mesh = meshing.graded_tet_mesh(v)
    seconds = time.perf_counter() - t
    names, h3 = dca.util.phase_names(v), float(np.prod(v.voxel_size))
    volumes = mesh.region_volumes()
    table = mesh.quality().table()
    print(json.dumps({"case": f"electrode{n}", "seconds": round(seconds, 1), "tets": mesh.n_cells,
                      "voxel_tets": 6 * n ** 3, "peak_gb": round(rss_gb(), 2),
                      "volume_error": {k: volumes[k] / (np.count_nonzero(v.to_numpy() == names[k]) * h3) - 1
                                       for k in mesh.cell_names},
                      "min_dihedral": table["min_dihedral_deg"]["min"],
                      "radius_ratio_p99": table["radius_ratio"]["p99"],
                      "scaled_jacobian_min": table["scaled_jacobian"]["min"]}))


if __name__ == "__main__":
    case = sys.argv[1]
    args = [int(a) for a in sys.argv[2:]]
    {"foam": foam, "berea": berea, "electrode": electrode}[case](*args)
