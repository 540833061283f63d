"""Runner stages of meshing: a mesh with its exports and quality, and the CalculiX compression."""

from __future__ import annotations

import shutil

from .._errors import InputError
from ..io import save_figure
from ._engine import Output, stage
from ._report import save_scene


@stage("mesh", needs=("segment",), title="mesh",
       keys=("kind", "phase", "formats", "coarsen", "sigma", "smoothing", "axis", "graded", "order"))
def mesh_stage(ctx, params, segment):
    """``kind``: surface | hex | tet; ``phase`` (one name, or a list for volume meshes);
    ``formats``: extensions to write (stl, vtu, vtp, xdmf, msh, inp) and/or "openfoam" (a
    creeping-flow simpleFoam case of the pore space, ``openfoam/``);
    ``coarsen``; ``sigma`` / ``smoothing`` for surfaces; ``graded = true`` for a graded mesh
    (tet: ``meshing.graded_tet_mesh``, smooth interfaces; hex: ``meshing.octree_hex_mesh``;
    openfoam: the octree polyMesh), ``order = 2`` for 10-node tetrahedra."""
    from meshing import graded_tet_mesh, hex_mesh, octree_hex_mesh, openfoam_case, surface, surface_check, tet_mesh

    kind = params.get("kind", "surface")
    phase = params.get("phase")
    if kind == "surface" and segment.is_lazy:
        return _streamed_surface(ctx, params, segment)
    if kind == "surface":
        mesh = surface(segment, phase=phase, sigma=float(params.get("sigma", 0.8)),
                       smoothing=int(params.get("smoothing", 0)))
        check = surface_check(mesh)
        numbers = {"surface_triangles": (mesh.n_cells, "1"), "surface_watertight": (bool(check["watertight"]), "1"),
                   "surface_enclosed_volume_m3": (mesh.enclosed_volume(), "m^3"),
                   "surface_voxel_volume_m3": (mesh.attrs["voxel_volume_m3"], "m^3")}
        table = [{"kind": "surface", "triangles": mesh.n_cells, "watertight": check["watertight"],
                  "volume error": f"{mesh.enclosed_volume() / mesh.attrs['voxel_volume_m3'] - 1:+.2%}",
                  "patches": ", ".join(mesh.cell_names)}]
    else:
        if params.get("graded"):
            mesh = (graded_tet_mesh if kind == "tet" else octree_hex_mesh)(segment, phases=phase)
        else:
            build = hex_mesh if kind == "hex" else tet_mesh
            mesh = build(segment, phases=phase, coarsen=int(params.get("coarsen", 1)))
        if int(params.get("order", 1)) == 2:
            mesh = mesh.quadratic()
        q = mesh.quality()
        t = q.table()
        numbers = {f"{kind}_cells": (mesh.n_cells, "1"), f"{kind}_points": (mesh.n_points, "1"),
                   f"{kind}_min_scaled_jacobian": (t["scaled_jacobian"]["min"], "1"),
                   f"{kind}_min_dihedral_deg": (t["min_dihedral_deg"]["min"], "deg")}
        numbers.update({f"{kind}_volume_{n}_m3": (v, "m^3") for n, v in mesh.region_volumes().items()})
        table = [{"kind": kind, "cells": mesh.n_cells, "points": mesh.n_points, "quality ok": q.ok,
                  "min dihedral (deg)": f"{t['min_dihedral_deg']['min']:.1f}",
                  "min scaled Jacobian": f"{t['scaled_jacobian']['min']:.3f}",
                  "regions": ", ".join(mesh.cell_names), "boundaries": ", ".join(mesh.facet_names)}]
    files = []
    for fmt in params.get("formats", ["vtu"] if kind != "surface" else ["stl"]):
        if fmt == "openfoam":  # the pore space with dca's Stokes boundary model, whatever the [mesh] kind
            files += openfoam_case(segment, ctx.path("openfoam"), axis=params.get("axis", "x"),
                                   graded=bool(params.get("graded", False)))
        else:
            files += mesh.write(ctx.path(f"{kind}.{fmt}"))
    figures = {}
    render = save_scene(mesh.plot, ctx.path(f"{kind}_mesh.png"))
    if render:
        figures[f"The {kind} mesh"] = render
    if kind != "surface":
        figures[f"Element quality of the {kind} mesh"] = save_figure(q.plot(), ctx.path(f"{kind}_quality.png"))
    if mesh.attrs.get("graded"):
        from meshing import plot_size_field

        figures["Size field of the graded mesh"] = save_figure(plot_size_field(mesh), ctx.path("size_field.png"))
        numbers.update({f"tet_volume_error_{n}": (e, "1") for n, e in mesh.attrs["volume_error"].items()
                        if n in mesh.cell_names})
    return Output(value=mesh, numbers=numbers, files=files, figures=figures, tables={f"{kind} mesh": table})


def _streamed_surface(ctx, params, segment):
    """The surface of a volume too big for memory, streamed to each of ``formats`` (stl, and
    vtp as VTP pieces with a .pvtp index); the same triangles as in memory."""
    from meshing import write_surface

    if int(params.get("smoothing", 0)):
        raise InputError("[mesh] smoothing needs the whole surface in memory; this segmentation is lazy (too big): "
                         "drop smoothing (sigma still smooths the surface)")
    files, made = [], None
    for fmt in params.get("formats", ["stl"]):
        if fmt not in ("stl", "vtp"):
            raise InputError(f"[mesh] of a lazy (too big for memory) volume streams stl or vtp, got {fmt!r}")
        made = write_surface(segment, ctx.path("surface.stl" if fmt == "stl" else "surface.pvtp"),
                             phase=params.get("phase"), sigma=float(params.get("sigma", 0.8)))
        files += made.files
    if made is None:
        raise InputError("[mesh] formats is empty; give stl and/or vtp")
    numbers = {"surface_triangles": (made.triangles, "1"),
               "surface_enclosed_volume_m3": (made.enclosed_volume_m3, "m^3"),
               "surface_voxel_volume_m3": (made.voxel_volume_m3, "m^3")}
    table = [{"kind": "surface (streamed)", "triangles": made.triangles,
              "volume error": f"{made.enclosed_volume_m3 / made.voxel_volume_m3 - 1:+.2%}",
              "patches": ", ".join(made.cells_per_tag)}]
    return Output(value=made, numbers=numbers, files=files, tables={"surface mesh": table})


@stage("compression", needs=("mesh",), title="compression (CalculiX)",
       keys=("axis", "strain", "youngs_modulus", "poisson_ratio"))
def compression_stage(ctx, params, mesh):
    """Uniaxial compression of the [mesh] (a volume mesh of the solid) along ``axis`` in
    CalculiX (``youngs_modulus`` Pa, ``poisson_ratio``, ``strain``), compared with the
    Gibson-Ashby scaling E*/Es = C (rho*/rho_s)^2, C ~ 1. Skipped where CalculiX is absent."""
    from meshing import uniaxial_compression

    if shutil.which("ccx") is None:
        return Output(value=None, tables={"compression": [{"status": "skipped: CalculiX (ccx) is not installed"}]})
    es = float(params.get("youngs_modulus", 1e9))
    r = uniaxial_compression(mesh, axis=params.get("axis", "z"), strain=float(params.get("strain", 0.01)),
                             youngs_modulus=es, poisson_ratio=float(params.get("poisson_ratio", 0.3)))
    c = r.relative_modulus / r.solid_fraction ** 2
    numbers = {"effective_modulus_pa": (r.effective_modulus, "Pa"), "relative_modulus": (r.relative_modulus, "1"),
               "relative_density": (r.solid_fraction, "1"), "gibson_ashby_c": (c, "1")}
    row = {"E* (MPa)": f"{r.effective_modulus / 1e6:.4g}", "E*/Es": f"{r.relative_modulus:.4g}",
           "rho*/rho_s": f"{r.solid_fraction:.4g}", "Gibson-Ashby C = (E*/Es)/(rho*/rho_s)^2": f"{c:.3g}",
           "elements": r.elements, "dropped (not load-bearing)": r.elements_dropped}
    return Output(value=r, numbers=numbers, tables={"compression": [row]})


@stage("compression_series", needs=("input",), title="compression series (the experiment-model loop)",
       keys=("strains", "stresses_pa", "strain", "youngs_modulus", "poisson_ratio"))
def compression_series_stage(ctx, params, input):
    """A foam scanned at several load steps, and the model checked against the next scan.

    Step i is the [input] foam (an ``open_cell_foam`` sample) compressed by ``strains[i]``
    along z with its solid volume kept (``dca.samples.open_cell_foam(compression=...)``).
    Each step's scan gives its strain through the solid fraction, eps = 1 - rho_0 / rho_i
    (no lateral strain), and its hex mesh gives, in CalculiX, its tangent modulus E*_i. The
    loop: from step i the model predicts the next strain, eps_i + (sigma_i+1 - sigma_i) / E*_i,
    with ``stresses_pa`` the load cell's readings; the next scan measures it. Skipped where
    CalculiX is absent.
    """
    from meshing import hex_mesh, uniaxial_compression

    from ._stages import make_sample, reduced_size

    if shutil.which("ccx") is None:
        return Output(value=None, tables={"compression series": [{"status": "skipped: CalculiX is not installed"}]})
    foam = ctx.sections["input"].get("sample", {})
    if foam.get("generator") != "open_cell_foam":
        raise InputError("[compression_series] rebuilds the steps from [input] sample = {generator = 'open_cell_foam'}")
    strains = [float(e) for e in params["strains"]]
    stresses = [float(s) for s in params["stresses_pa"]]
    if len(strains) != len(stresses) or len(strains) < 2:
        raise InputError("give one stress per strain step, and at least two steps")
    es, nu = float(params.get("youngs_modulus", 1e9)), float(params.get("poisson_ratio", 0.3))
    fractions, moduli = [], []
    for eps in strains:
        _, scan = make_sample(ctx, "compression_series", {**foam, "compression": eps}, shape=reduced_size(ctx))
        fractions.append(1 - float(scan.to_numpy().mean()))
        r = uniaxial_compression(hex_mesh(scan, phases="solid"), axis="z", strain=float(params.get("strain", 0.005)),
                                 youngs_modulus=es, poisson_ratio=nu)
        moduli.append(r.effective_modulus)
    measured = [1 - fractions[0] / f for f in fractions]
    rows, numbers = [], {}
    for i in range(len(strains)):
        row = {"step": i, "stress (kPa)": f"{stresses[i] / 1e3:.4g}", "strain from the scan": f"{measured[i]:.4f}",
               "rho*/rho_s": f"{fractions[i]:.4f}", "E* (MPa)": f"{moduli[i] / 1e6:.4g}"}
        numbers[f"step{i}_measured_strain"] = (measured[i], "1")
        numbers[f"step{i}_modulus_pa"] = (moduli[i], "Pa")
        if i:
            predicted = measured[i - 1] + (stresses[i] - stresses[i - 1]) / moduli[i - 1]
            ratio = (measured[i] - measured[i - 1]) / (predicted - measured[i - 1])
            row.update({"predicted from the step before": f"{predicted:.4f}",
                        "measured / predicted increment": f"{ratio:.3f}"})
            numbers[f"step{i}_predicted_strain"] = (predicted, "1")
            numbers[f"step{i}_increment_ratio"] = (ratio, "1")
        rows.append(row)
    return Output(value=None, numbers=numbers, tables={"load steps: scan, model, next scan": rows})
