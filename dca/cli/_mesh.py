"""The ``dca mesh`` command (loaded by ``dca.cli``)."""

from __future__ import annotations

import os

from ._common import add_reader_options, emit, phase_arg, reader_options
from ._network import load_image

SURFACE_SUFFIXES = (".stl", ".vtp", ".pvtp")


def add_parser(sub) -> None:
    parser = sub.add_parser("mesh", help="surface, tetrahedral or hexahedral mesh with tags, for FEM/CFD tools",
                            description="Mesh a segmented volume: a watertight surface, a conforming tetrahedral "
                                        "mesh or a voxel hexahedral mesh, with a tag per phase and per boundary, "
                                        "written as STL, VTU/VTP, XDMF (FEniCS), MSH 4.1 (Gmsh), INP (Abaqus/"
                                        "CalculiX) or an OpenFOAM polyMesh folder.")
    parser.add_argument("path", help="segmented image")
    parser.add_argument("-o", "--output", required=True,
                        help="OUT.stl|.vtp|.pvtp|.vtu|.xdmf|.msh|.inp, or a case folder with --format openfoam; a "
                             "volume too big for memory streams its surface to .stl or .pvtp (VTP pieces)")
    parser.add_argument("--format", dest="mesh_format", choices=("openfoam",),
                        help="openfoam: a creeping-flow simpleFoam case in OUTPUT (constant/polyMesh, system, 0, "
                             "README.txt) with the boundary model of dca's Stokes solver; run it, then "
                             "'dca permeability OUTPUT' gives k")
    parser.add_argument("--reservoir", type=int, default=3,
                        help="openfoam: free-fluid slices before and after the sample (default 3, as dca's Stokes)")
    parser.add_argument("--kind", choices=("surface", "tet", "hex"),
                        help="default: surface for .stl/.vtp, hex for openfoam, tet otherwise")
    parser.add_argument("--phase", nargs="+", help="phases to mesh, names or labels (default: all; surface: pore)")
    parser.add_argument("--coarsen", type=int, default=1, help="tet/hex: merge N^3 voxels per element (default 1)")
    parser.add_argument("--graded", action="store_true",
                        help="tet: graded mesh, fine at interfaces and coarse inside, interfaces moved onto the "
                             "smoothed phase boundaries; hex: octree bricks, hanging nodes tied by *EQUATION in "
                             ".inp; openfoam: octree cells, one voxel at the walls")
    parser.add_argument("--order", type=int, choices=(1, 2), default=1,
                        help="tet: 2 for 10-node tetrahedra (C3D10), which bend where linear ones lock (default 1)")
    parser.add_argument("--min-size", type=int, default=1,
                        help="graded tet: smallest element cube in voxels, a power of two (default 1)")
    parser.add_argument("--max-size", type=int, default=16,
                        help="graded: largest element cube in voxels, a power of two (default 16)")
    parser.add_argument("--block", type=int,
                        help="graded tet of a volume too big for memory: block edge in voxels, a multiple of "
                             "--max-size (default: the largest that fits); such a mesh is streamed to OUT.xdmf")
    parser.add_argument("--grading", type=float,
                        help="graded: growth of the element size per voxel of distance to the nearest "
                             "interface (tet, default 0.5) or wall (openfoam, default 1)")
    parser.add_argument("--sigma", type=float, default=0.8, help="surface: Gaussian blur in voxels (default 0.8)")
    parser.add_argument("--smoothing", type=int, default=0, help="surface: Taubin iterations (default 0)")
    parser.add_argument("--decimate", type=float, help="surface: keep about this fraction of the triangles")
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"),
                        help="openfoam: flow axis, its min/max faces become inlet/outlet (default x)")
    parser.add_argument("--patches", action="store_true", help="stl: one named ASCII solid per patch")
    parser.add_argument("--unit", default="m", choices=("m", "mm", "um"),
                        help="length unit of the written coordinates (default m; OpenFOAM needs m). At micrometre "
                             "voxels, tools with an absolute merge tolerance (trimesh: 1e-8) need um or mm")
    parser.add_argument("--keep-floating", action="store_true",
                        help="inp: keep pieces that touch no box face (dropped by default: no boundary condition "
                             "holds them, and CalculiX solves such a deck without a word)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    add_reader_options(parser, format_flag="--input-format")
    parser.set_defaults(run=run_mesh)


def _phases(values):
    if not values:
        return None
    return [phase_arg(v) for v in values]


def _openfoam(args, volume, phases) -> int:
    """A creeping-flow case with dca's Stokes boundary model; prints its numbers (dca_case.json)."""
    import json

    from meshing import openfoam_case
    from meshing.export import CASE_FILE

    from .. import InputError

    if phases is not None and len(phases) != 1:
        raise InputError(f"an OpenFOAM case holds one fluid phase; got --phase {' '.join(map(str, phases))}")
    if args.unit != "m":
        raise InputError(f"OpenFOAM works in metres (SI); drop --unit {args.unit}")
    graded = {}
    if args.graded:
        graded = {"graded": True, "max_size": args.max_size, "grading": 1.0 if args.grading is None else args.grading}
    files = openfoam_case(volume, args.output, axis=args.axis, phase=phases[0] if phases else None,
                          reservoir=args.reservoir, coarsen=args.coarsen, **graded)
    with open(os.path.join(args.output, CASE_FILE), encoding="utf-8") as fh:
        facts = json.load(fh)
    result = {"source": args.path, "kind": "octree" if args.graded else "hex", "files": files, **facts,
              "next": f"simpleFoam -case {args.output}; then dca permeability {args.output}"}
    emit(result, as_json=args.json)
    return 0


def _streamed(args, volume, phase) -> int:
    """The surface of a volume too big for memory, written slab by slab (meshing.write_surface)."""
    from meshing import write_surface

    from ..util import dask_progress

    with dask_progress("meshing", enabled=not args.json):
        written = write_surface(volume, args.output, phase=phase, sigma=args.sigma, unit=args.unit,
                                progress=not args.json)
    result = {"source": args.path, "kind": "surface", "streamed": True, "files": written.files[:1],
              "pieces": len(written.files) - 1, "unit": args.unit, "triangles": written.triangles,
              "level": written.level, "enclosed_volume_m3": written.enclosed_volume_m3,
              "voxel_volume_m3": written.voxel_volume_m3}
    table = [(k, str(v)) for k, v in result.items()] + [(f"cells {n}", str(c))
                                                        for n, c in written.cells_per_tag.items()]
    emit({**result, "cells_per_tag": written.cells_per_tag}, as_json=args.json, table=table)
    return 0


def _streamed_graded(args, volume, phases, ext) -> int:
    """The graded mesh of a volume too big for memory, block by block (meshing.write_graded_mesh)."""
    from meshing import write_graded_mesh

    from .. import InputError

    if ext != ".xdmf" or args.order != 1:
        raise InputError(f"a volume too big for one graded mesh in memory is meshed block by block and streamed "
                         f"to XDMF with 4-node tetrahedra; got -o {args.output}"
                         f"{' --order 2' if args.order != 1 else ''}: write OUT.xdmf (first order), or crop it")
    written = write_graded_mesh(volume, args.output, phases=phases, min_size=args.min_size, max_size=args.max_size,
                                grading=0.5 if args.grading is None else args.grading,
                                block=args.block, unit=args.unit, progress=not args.json)
    result = {"source": args.path, "kind": "tet", "graded": True, "streamed": True, "files": written.files,
              "unit": args.unit, "cell_type": "tetra", "points": written.points, "cells": written.cells,
              "blocks": written.blocks, "block_shape": list(written.block_shape), "seconds": written.seconds,
              "cells_per_tag": written.cells_per_region, "facets_per_tag": written.facets_per_tag,
              "volume_error": written.volume_error, "quality": written.quality}
    table = [(k, str(v)) for k, v in result.items() if not isinstance(v, dict)]
    table += [(f"cells {n}", str(c)) for n, c in written.cells_per_region.items()]
    table += [(f"volume error {n}", f"{e:+.2%}") for n, e in written.volume_error.items()]
    emit(result, as_json=args.json, table=table)
    return 0


def run_mesh(args) -> int:
    from dca import InputError, read
    from meshing import graded_tet_mesh, hex_mesh, octree_hex_mesh, surface, surface_check, surfaces, tet_mesh

    phases = _phases(args.phase)
    args.phase = None  # --phase here names the phases to mesh, not the one load_image picks
    volume, _ = load_image(args, lazy=None)
    ext = os.path.splitext(args.output)[1].lower()
    kind = args.kind or ("hex" if args.mesh_format == "openfoam" else "surface" if ext in SURFACE_SUFFIXES else "tet")
    if kind == "surface" and ext in (".stl", ".pvtp") and (volume.is_lazy or ext == ".pvtp") and not args.smoothing \
            and not args.decimate and not args.patches and (phases is None or len(phases) == 1):
        return _streamed(args, volume, phases[0] if phases else None)
    if args.graded and kind == "tet" and args.mesh_format is None:
        from ..util import fits_in_memory

        if volume.is_lazy or not fits_in_memory(volume.size, "graded mesh"):
            return _streamed_graded(args, volume, phases, ext)
    if volume.is_lazy:  # the other meshes are built in memory: if the machine has room for them
        from ..util import require_memory

        require_memory(volume.size, "surface mesh" if kind == "surface" else "voxel mesh", shape=volume.shape)
        volume = read(args.path, lazy=False, **reader_options(args))
    if args.graded and kind not in ("tet", "hex"):
        raise InputError(f"--graded makes tetrahedra (--kind tet), octree bricks (--kind hex) or an OpenFOAM octree "
                         f"(--format openfoam); got --kind {kind}")
    if args.mesh_format == "openfoam" and kind != "hex":
        raise InputError("OpenFOAM export takes the voxel hex mesh of one phase: use --kind hex (the default)")
    if args.mesh_format == "openfoam":
        return _openfoam(args, volume, phases)
    options = {}
    if kind == "surface":
        if phases is not None and len(phases) > 1:
            mesh = surfaces(volume, phases=phases, smoothing=args.smoothing)
        else:
            mesh = surface(volume, phase=phases[0] if phases else None, sigma=args.sigma, smoothing=args.smoothing,
                           decimate=args.decimate)
        if ext == ".stl":
            options["patches"] = args.patches
    elif args.graded and kind == "hex":
        mesh = octree_hex_mesh(volume, phases=phases, max_size=args.max_size,
                               grading=1.0 if args.grading is None else args.grading)
    elif args.graded:
        mesh = graded_tet_mesh(volume, phases=phases, min_size=args.min_size, max_size=args.max_size,
                               grading=0.5 if args.grading is None else args.grading)
    else:
        build = hex_mesh if kind == "hex" else tet_mesh
        mesh = build(volume, phases=phases, coarsen=args.coarsen)
    if args.order == 2:
        if mesh.cell_type != "tetra":
            raise InputError(f"--order 2 makes 10-node tetrahedra: use --kind tet, not --kind {kind}")
        mesh = mesh.quadratic()
    floating = None
    if ext == ".inp" and not mesh.is_surface:
        options["floating"] = "keep" if args.keep_floating else "drop"
        loose = mesh.floating()
        floating = {"pieces": int(len(set(mesh.pieces()[loose].tolist()))), "elements": int(loose.sum()),
                    "written": bool(args.keep_floating)}
    files = mesh.write(args.output, format=args.mesh_format, unit=args.unit, **options)
    result = {"source": args.path, "kind": kind, "files": files, "unit": args.unit, **mesh.counts(),
              "floating_pieces": floating,
              "volumes_m3": mesh.region_volumes() if not mesh.is_surface else None}
    if mesh.is_surface:
        result["check"] = surface_check(mesh)
        if "voxel_volume_m3" in mesh.attrs:
            result["enclosed_volume_m3"] = mesh.enclosed_volume()
            result["voxel_volume_m3"] = mesh.attrs["voxel_volume_m3"]
    else:
        result["quality"] = mesh.quality().to_dict()
        result["voxels_changed_for_pinches"] = mesh.attrs.get("voxels_changed_for_pinches", 0)
        if mesh.attrs.get("graded"):
            result["size_field"] = {k: mesh.attrs[k] for k in ("cubes_per_size_voxels", "interface_nodes",
                                                                 "interface_nodes_moved_fully", "seconds")}
            result["volume_error"] = {n: e for n, e in mesh.attrs["volume_error"].items() if n in mesh.cell_names}
    result = {k: v for k, v in result.items() if v is not None}
    table = [(k, str(v)) for k, v in result.items() if not isinstance(v, dict)]
    if floating and floating["pieces"]:
        table.append(("floating pieces", f"{floating['pieces']} ({floating['elements']} elements) touch no box face: "
                                         + ("written (--keep-floating)" if floating["written"] else "left out")))
    table += [(f"cells {n}", str(c)) for n, c in result["cells_per_tag"].items()]
    emit(result, as_json=args.json, table=table)
    return 0
