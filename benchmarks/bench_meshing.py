"""Meshing speed and quality, ours against the plain scikit-image + repair route (2 cores).

Run: python benchmarks/bench_meshing.py [--cases berea_surface berea_hex foam_tet]
     [--peer-python PATH]   # an interpreter with pymeshfix (GPL, so not a dependency of ours)

- ``berea_surface``: watertight pore surface of the 200^3 Berea crop (../shared/data).
  Ours: ``meshing.surface`` (volume-matched smoothed marching cubes, caps on the box faces).
  Peer: ``skimage.measure.marching_cubes`` at level 0.5 of the zero-padded binary image,
  then ``pymeshfix.MeshFix.repair()`` (the route users stitch by hand). Both are checked with
  ``meshing.surface_check`` and their enclosed volume is compared with the voxel volume.
  On this machine the peer did not finish the 200^3 crop in 25 minutes; ``berea100_surface``
  runs both on its first 100^3 octant.
- ``berea_hex``: voxel hexahedral mesh of the Berea pore space (``meshing.hex_mesh``).
- ``foam_tet``: two-phase tetrahedral mesh of a 128^3 open-cell foam (``meshing.tet_mesh``),
  at full resolution and coarsened 2x, with its quality table.

Each tool runs in a fresh subprocess (peak memory = its VmHWM). One JSON line per case and tool.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _measure import rss_gb

HERE = os.path.dirname(os.path.abspath(__file__))
BEREA = os.path.join(HERE, "..", "..", "shared", "data", "berea_200.npz")




def berea(n=200):
    import numpy as np

    import dca

    return dca.Volume(np.ascontiguousarray(np.load(BEREA)["im"][:n, :n, :n]), voxel_size=5.345e-6)


def _surface_figures(mesh, voxels_m3):
    import meshing

    check = meshing.surface_check(mesh)
    return {"triangles": mesh.n_cells, "watertight": check["watertight"], "open_edges": check["open_edges"],
            "nonmanifold_edges": check["nonmanifold_edges"], "nonmanifold_vertices": check["nonmanifold_vertices"],
            "components": check["components"],
            "volume_error": round(abs(mesh.enclosed_volume()) / voxels_m3 - 1, 5),  # whichever way it faces
            "outward": mesh.enclosed_volume() > 0}


def ours_surface(n=200):
    import meshing

    v = berea(n)
    start = time.perf_counter()
    s = meshing.surface(v)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, **_surface_figures(s, s.attrs["voxel_volume_m3"])}


def peer_surface(n=200):
    import numpy as np
    import pymeshfix
    from skimage.measure import marching_cubes

    import meshing

    v = berea(n)
    im = v.to_numpy()
    start = time.perf_counter()
    verts, faces, _, _ = marching_cubes(np.pad(im, 1).astype(np.float32), 0.5, spacing=v.voxel_size)
    fix = pymeshfix.MeshFix(verts[:, ::-1].copy(), faces[:, ::-1].astype(np.int32).copy())
    fix.repair()
    seconds = time.perf_counter() - start
    points, faces = (fix.points, fix.faces) if hasattr(fix, "points") else (fix.v, fix.f)
    mesh = meshing.Mesh(points, faces, "triangle", np.ones(len(faces), np.int32), {"wall": 1})
    return {"seconds": seconds, **_surface_figures(mesh, im.sum() * np.prod(v.voxel_size))}


def ours_hex():
    import meshing

    v = berea()
    start = time.perf_counter()
    m = meshing.hex_mesh(v, phases="pore")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "hexahedra": m.n_cells, "points": m.n_points, "facets": len(m.facets),
            "voxels_changed_for_pinches": m.attrs["voxels_changed_for_pinches"]}


def ours_tet(coarsen):
    import dca
    import meshing

    foam = dca.samples.open_cell_foam(128, porosity=0.85)
    start = time.perf_counter()
    m = meshing.tet_mesh(foam, coarsen=coarsen)
    seconds = time.perf_counter() - start
    q = m.quality().table()
    return {"seconds": seconds, "tetrahedra": m.n_cells, "cells_per_tag": m.counts()["cells_per_tag"],
            "min_dihedral_deg": q["min_dihedral_deg"]["min"], "max_dihedral_deg": q["max_dihedral_deg"]["max"],
            "min_scaled_jacobian": q["scaled_jacobian"]["min"]}


TOOLS = {
    "berea_surface": {"dca": ours_surface, "skimage+pymeshfix": peer_surface},
    "berea100_surface": {"dca": lambda: ours_surface(100), "skimage+pymeshfix": lambda: peer_surface(100)},
    "berea_hex": {"dca": ours_hex},
    "foam_tet": {"dca": lambda: ours_tet(1), "dca_coarsen2": lambda: ours_tet(2)},
}
PEERS = {"skimage+pymeshfix"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=list(TOOLS))
    parser.add_argument("--peer-python", default=sys.executable, help="interpreter that has pymeshfix")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per tool before it counts as not finished")
    parser.add_argument("--tools", nargs="+", help="only these tools (default: all)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = TOOLS[args.child[0]][args.child[1]]()
        result["peak_rss_gb"] = rss_gb()
        print(json.dumps(result))
        return
    for case in args.cases:
        for tool in TOOLS[case]:
            if args.tools and tool not in args.tools:
                continue
            python = args.peer_python if tool in PEERS else sys.executable
            try:
                out = subprocess.run([python, __file__, "--child", case, tool], capture_output=True, text=True,
                                     env={**os.environ, "OMP_NUM_THREADS": "2"}, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(json.dumps({"case": case, "tool": tool, "failed": f"not finished in {args.timeout:.0f} s"}),
                      flush=True)
                continue
            if out.returncode:
                print(json.dumps({"case": case, "tool": tool,
                                  "failed": (out.stderr.strip().splitlines() or ["?"])[-1]}), flush=True)
                continue
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({"case": case, "tool": tool, **{k: round(v, 4) if isinstance(v, float) else v
                                                              for k, v in row.items()}}), flush=True)


if __name__ == "__main__":
    main()
