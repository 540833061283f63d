"""Graded meshes against voxel meshes with the real solvers (issue 18).

    python benchmarks/bench_graded.py foam [N]        # CalculiX compression of an open-cell foam, 4 meshes
    python benchmarks/bench_graded.py berea [N]       # simpleFoam on a Berea crop: octree vs voxel polyMesh
    python benchmarks/bench_graded.py snappy [N]      # the same with blockMesh + snappyHexMesh on our STL
    python benchmarks/bench_graded.py electrode [N]   # graded mesh of a three-phase electrode: time, memory
    DCA_MEMORY_LIMIT=8GB python benchmarks/bench_graded.py scale [N]
                                                      # N^3 blobs from a Zarr store, streamed block by block

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
    fine = dca.Volume(np.repeat(np.repeat(np.repeat(v.to_numpy(), 2, 0), 2, 1), 2, 2),
                      voxel_size=tuple(h / 2 for h in v.voxel_size))
    builds = {"graded_tet10": lambda: meshing.graded_tet_mesh(v, phases="solid").quadratic(),
              "graded_tet": lambda: meshing.graded_tet_mesh(v, phases="solid"),
              "voxel_tet": lambda: meshing.tet_mesh(v, phases="solid"),
              "voxel_hex": lambda: meshing.hex_mesh(v, phases="solid"),
              "voxel_hex_halved": lambda: meshing.hex_mesh(fine, phases="solid")}  # each voxel as 8 bricks
    only = sys.argv[3].split(",") if len(sys.argv) > 3 else list(builds)
    for name in only:
        build = builds[name]
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


_SNAPPY = """FoamFile {{ version 2.0; format ascii; class dictionary; object snappyHexMeshDict; }}
castellatedMesh true; snap true; addLayers false;
geometry {{ pore.stl {{ type triSurfaceMesh; name pore; }} }}
castellatedMeshControls
{{
    maxLocalCells 10000000; maxGlobalCells 100000000; minRefinementCells 0; maxLoadUnbalance 0.1;
    nCellsBetweenLevels 2; features ();
    refinementSurfaces {{ pore {{ level ({level} {level}); }} }}
    resolveFeatureAngle 30; refinementRegions {{}};
    locationInMesh ({inside}); allowFreeStandingZoneFaces true;
}}
snapControls {{ nSmoothPatch 3; tolerance 2.0; nSolveIter 30; nRelaxIter 5; nFeatureSnapIter 10;
               implicitFeatureSnap true; explicitFeatureSnap false; multiRegionFeatureSnap false; }}
addLayersControls {{ relativeSizes true; layers {{}}; expansionRatio 1; finalLayerThickness 0.3; minThickness 0.1;
                    nGrow 0; featureAngle 60; nRelaxIter 3; nSmoothSurfaceNormals 1; nSmoothNormals 3;
                    nSmoothThickness 10; maxFaceThicknessRatio 0.5; maxThicknessToMedialRatio 0.3;
                    minMedialAxisAngle 90; nBufferCellsNoExtrude 0; nLayerIter 50; }}
meshQualityControls
{{
    maxNonOrtho 65; maxBoundarySkewness 20; maxInternalSkewness 4; maxConcave 80; minVol 1e-30;
    minTetQuality 1e-15; minArea -1; minTwist 0.02; minDeterminant 0.001; minFaceWeight 0.05;
    minVolRatio 0.01; minTriangleTwist -1; nSmoothScale 4; errorReduction 0.75;
}}
mergeTolerance 1e-6;
"""

_BLOCK = """FoamFile {{ version 2.0; format ascii; class dictionary; object blockMeshDict; }}
convertToMeters 1;
vertices ( ({a0} {b0} {c0}) ({a1} {b0} {c0}) ({a1} {b1} {c0}) ({a0} {b1} {c0})
           ({a0} {b0} {c1}) ({a1} {b0} {c1}) ({a1} {b1} {c1}) ({a0} {b1} {c1}) );
blocks ( hex (0 1 2 3 4 5 6 7) ({na} {nb} {nc}) simpleGrading (1 1 1) );
edges (); boundary (); mergePatchPairs ();
"""


def snappy(n: int = 48, cell: int = 2, level: int = 1):
    """blockMesh + snappyHexMesh on our STL of the same pore space (with the same reservoirs),
    then simpleFoam: the route CFD users run, beside our octree polyMesh (``berea``)."""
    import re

    sys.path.insert(0, os.path.join(HERE, "..", "tests", "meshing"))
    from test_real_tools import _foam_env

    from meshing.export._openfoam import _case_files

    v = dca.read(os.path.join(HERE, "..", "..", "shared", "data", "berea_200.npz"), voxel_size=5.345e-6)[:n, :n, :n]
    h, reservoir = v.voxel_size[2], 3
    fluid = dca.Volume(np.pad(v.to_numpy(), [(0, 0), (0, 0), (reservoir, reservoir)], constant_values=True),
                       voxel_size=v.voxel_size, origin=(0.0, 0.0, -reservoir * h))
    env = _foam_env()
    root = tempfile.mkdtemp()
    try:
        t0 = time.perf_counter()
        os.makedirs(os.path.join(root, "constant", "triSurface"))
        os.makedirs(os.path.join(root, "system"))
        meshing.surface(fluid).write(os.path.join(root, "constant", "triSurface", "pore.stl"), patches=True)
        lo = np.array([-(reservoir + 0.5) * h, -0.5 * h, -0.5 * h])  # x, y, z of the box corner
        hi = lo + np.array([(n + 2 * reservoir) * h, n * h, n * h])
        pad = cell * h
        counts = np.ceil((hi - lo + 2 * pad) / (cell * h)).astype(int)
        a0, b0, c0 = lo - pad
        a1, b1, c1 = lo - pad + counts * cell * h
        with open(os.path.join(root, "system", "blockMeshDict"), "w") as f:
            f.write(_BLOCK.format(a0=a0, b0=b0, c0=c0, a1=a1, b1=b1, c1=c1, na=counts[0], nb=counts[1], nc=counts[2]))
        inside = (lo + np.array([1.37 * h, 0.5 * n * h + 0.113 * h, 0.5 * n * h + 0.071 * h]))
        with open(os.path.join(root, "system", "snappyHexMeshDict"), "w") as f:
            f.write(_SNAPPY.format(level=level, inside=" ".join(f"{c:.9g}" for c in inside)))
        _case_files(root, 1.0, 1e-6, 3000)  # controlDict, schemes, solution; 0/ is rewritten below
        for tool in (["blockMesh"], ["snappyHexMesh", "-overwrite"]):
            run = subprocess.run(tool + ["-case", root], capture_output=True, text=True, env=env)
            if run.returncode:
                raise RuntimeError(run.stdout[-3000:] + run.stderr[-2000:])
        t_mesh = time.perf_counter() - t0
        check = subprocess.run(["checkMesh", "-case", root], capture_output=True, text=True, env=env)
        cells = int(re.search(r"cells:\s+(\d+)", check.stdout).group(1))
        length, area = n * h, (n * h) ** 2
        pore = float(v.to_numpy().mean())
        wall = meshing.surface(v).region_volumes()  # area per patch (m^2)
        d_h = 4 * pore * length * area / wall.get("wall", 1.0)
        dp = 32 * 0.01 * 1e-12 * length / d_h ** 3
        for name, cls, body in (
                ("U", "volVectorField", 'dimensions [0 1 -1 0 0 0 0]; internalField uniform (0 0 0);\n'
                 'boundaryField { pore_xmin { type zeroGradient; } pore_xmax { type zeroGradient; } '
                 '".*" { type noSlip; } }\n'),
                ("p", "volScalarField", f'dimensions [0 2 -2 0 0 0 0]; internalField uniform 0;\n'
                 f'boundaryField {{ pore_xmin {{ type fixedValue; value uniform {dp:.12g}; }} '
                 f'pore_xmax {{ type fixedValue; value uniform 0; }} ".*" {{ type zeroGradient; }} }}\n')):
            with open(os.path.join(root, "0", name), "w") as f:
                f.write(f"FoamFile {{ version 2.0; format ascii; class {cls}; object {name}; }}\n{body}")
        t = time.perf_counter()
        subprocess.run(["simpleFoam", "-case", root], capture_output=True, text=True, env=env, check=True)
        last = max((d for d in os.listdir(root) if d.isdigit() and int(d) > 0), key=int)
        phi = open(os.path.join(root, last, "phi")).read()
        block = re.search(r"pore_xmax\s*\{[^}]*?value\s+nonuniform\s+List<scalar>\s*\d+\s*\(([^)]*)\)", phi, re.S)
        flux = float(np.array(block.group(1).split(), float).sum())
        k = flux * 1e-6 * length / (area * dp)
        print(json.dumps({"case": f"berea{n}", "mesh": f"snappyHexMesh (background {cell} voxels, level {level})",
                          "cells": cells, "checkMesh_ok": "Mesh OK." in check.stdout, "mesh_s": round(t_mesh, 1),
                          "simpleFoam_s": round(time.perf_counter() - t, 1),
                          "k_mD": k / dca.M2_PER_MILLIDARCY}), flush=True)
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


def scale(n: int = 512):
    """The graded mesh of an n^3 two-phase volume read lazily from Zarr, streamed to XDMF block by
    block (meshing.write_graded_mesh); the volume is written by a child process first, so that
    this one's peak memory is the mesher's alone."""
    root = tempfile.mkdtemp(prefix="dca_scale_")
    try:
        store = os.path.join(root, "blobs.zarr")
        subprocess.run([sys.executable, "-c", f"import dca; dca.write(dca.samples.blobs({n}, porosity=0.3, "
                                              f"blobiness={n / 128}, seed=0), {store!r})"], check=True)
        v = dca.read(store, lazy=True)
        t = time.perf_counter()
        out = meshing.write_graded_mesh(v, os.path.join(root, "mesh.xdmf"))
        seconds = time.perf_counter() - t
        size = sum(os.path.getsize(f) for f in out.files)
        print(json.dumps({"case": f"scale{n}", "seconds": round(seconds, 1), "tets": out.cells, "nodes": out.points,
                          "voxel_tets": 6 * n ** 3, "blocks": out.blocks, "block_shape": out.block_shape,
                          "peak_gb": round(rss_gb(), 2), "memory_limit": os.environ.get("DCA_MEMORY_LIMIT"),
                          "files_gb": round(size / 1e9, 2), "volume_error": out.volume_error,
                          "quality": out.quality, "facets": out.facets_per_tag}), flush=True)
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    case = sys.argv[1]
    args = [int(a) for a in sys.argv[2:3]]
    {"foam": foam, "berea": berea, "snappy": snappy, "electrode": electrode, "scale": scale}[case](*args)
