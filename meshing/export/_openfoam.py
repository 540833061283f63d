"""OpenFOAM ``polyMesh`` from a voxel hexahedral mesh of the pore space, written directly
(meshio has no polyMesh writer), plus an optional creeping-flow ``simpleFoam`` case around it,
and :func:`openfoam_permeability`, which turns the finished case's outlet flux into k.

Creeping flow: the pressure drop is chosen from the geometry so that the pore Reynolds
number Re = u d_h / nu is about ``reynolds`` (0.01). With the hydraulic diameter
d_h = 4 V_pore / A_wall and a permeability of the order of phi d_h^2 / 32 (Hagen-Poiseuille
in a tube of that diameter), Re = dp d_h^3 / (32 nu^2 L), so dp = 32 Re nu^2 L / d_h^3
(kinematic, m^2/s^2). At dp = 1 m^2/s^2 a 5 um Berea crop ran at Re ~ 1.3 and its k came out
12-15 % low: inertia, not the mesh.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import numpy as np

from dca import M2_PER_MILLIDARCY, FormatError, InputError, MissingFileError
from dca.io import atomic_path

from .._voxel_mesh import HEX_FACES
from ._registry import register_exporter

__all__ = ["write_openfoam", "write_octree_openfoam", "openfoam_case", "openfoam_permeability", "FoamPermeability",
           "CASE_FILE"]

CASE_FILE = "dca_case.json"  # what the case was built with: the numbers k is computed from

_HEADER = """FoamFile
{{
    version     2.0;
    format      ascii;
    class       {cls};
    location    "{location}";
    object      {obj};
}}
"""


def _foam_file(path, cls, obj, body, location="constant/polyMesh"):
    with open(path, "w") as f:
        f.write(_HEADER.format(cls=cls, obj=obj, location=location))
        f.write(body)


def _face_spanning(mesh, axis):
    """The cells joined face to face to both the inlet and the outlet. Cells that touch the
    rest only along an edge or a corner exchange no flux: left in, they would form a region
    with no fixed pressure, whose singular matrix stops simpleFoam (a floating-point trap)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keep = mesh.spanning(axis)
    if keep.any():
        mesh = mesh.keep_cells(keep)
        _, owner, neighbour = _faces(mesh)
        graph = coo_matrix((np.ones(len(owner)), (owner, neighbour)), shape=(mesh.n_cells,) * 2)
        piece = connected_components(graph, directed=False)[1]
        ends = [set(piece[mesh.facet_cell[mesh.facet_tags == mesh.facet_names[f"{axis}{side}"]]])
                for side in ("min", "max")]
        keep = np.isin(piece, list(ends[0] & ends[1]))
    if not keep.any():
        raise InputError(f"no part of the mesh connects the inlet ({axis}min) to the outlet ({axis}max): "
                         "nothing can flow; check the phase and the axis")
    return mesh.keep_cells(keep)


def _faces(mesh):
    """Internal faces (owner < neighbour, upper-triangular order) and boundary faces by patch."""
    quads = [q for q, _ in HEX_FACES.values()]
    cells = mesh.cells
    n = len(cells)
    faces = np.concatenate([cells[:, list(q)] for q in quads])
    cell = np.tile(np.arange(n), len(quads))
    key = np.sort(faces, axis=1)
    order = np.lexsort(key.T[::-1])
    key, faces, cell = key[order], faces[order], cell[order]
    same = np.all(key[1:] == key[:-1], axis=1)
    first = np.nonzero(same)[0]  # face first..first+1 shared by two cells
    a, b = cell[first], cell[first + 1]
    own_first = a < b
    owner = np.where(own_first, a, b)
    neighbour = np.where(own_first, b, a)
    nodes = np.where(own_first[:, None], faces[first], faces[first + 1])  # outward from the owner
    order = np.lexsort((neighbour, owner))
    return nodes[order], owner[order], neighbour[order]


def openfoam_case(volume, folder, *, axis: str = "x", phase=None, reservoir: int = 3, coarsen: int = 1,
                  graded: bool = False, max_size: int = 8, grading: float = 1.0,
                  pressure_drop: float | None = None, viscosity: float = 1e-6, reynolds: float = 0.01,
                  iterations: int = 5000, voxel_size=None) -> list[str]:
    """A creeping-flow simpleFoam case of the pore space of ``volume``, with the boundary
    model of :func:`flow.stokes`: ``reservoir`` slices of free fluid before and after the
    sample along ``axis`` (the pressure is held on their outer faces), no-slip on every voxel
    face, sealed sides, and the pore voxels as they are (no pinch removal, outside the
    field-of-view mask is solid), so its k compares with the voxel Stokes solver's.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    folder : str or path-like
        The case folder (written atomically).
    axis : {"x", "y", "z"}
    phase : name or label, optional
        The fluid phase (default pore / True).
    reservoir : int
        Free-fluid slices at each end; 0 holds the pressure on the sample's own faces.
    graded : bool
        An octree mesh instead of one cell per voxel: cubes of one voxel at the walls,
        growing with the distance to the nearest wall (``grading`` times it, up to
        ``max_size`` voxels) in the middle of the pores, 2:1 balanced. A cube next to
        smaller ones keeps one face per neighbour (a polyhedral cell, as snappyHexMesh makes).
        The walls are the same voxel faces, so k compares with the voxel mesh's.
    coarsen, pressure_drop, viscosity, reynolds, iterations
        As in :func:`hex_mesh` and :func:`write_openfoam`.

    Returns
    -------
    list of str
        The folder.
    """
    from dca import Volume
    from dca.util import as_volume, check_axis, field_of_view, phase_mask

    from .._voxel_mesh import hex_mesh

    volume = as_volume(volume, voxel_size=voxel_size)
    a = check_axis(axis)
    if int(reservoir) != reservoir or reservoir < 0:
        raise InputError(f"reservoir must be a whole number of slices >= 0, got {reservoir!r}")
    pore = phase_mask(volume, phase)
    fov = field_of_view(volume)
    if fov is not None:
        pore = pore & fov
    pad = [(0, 0)] * 3
    pad[a] = (int(reservoir), int(reservoir))
    origin = list(volume.origin)
    origin[a] -= reservoir * volume.voxel_size[a]
    fluid = Volume(np.pad(pore, pad, constant_values=True), voxel_size=volume.voxel_size, origin=tuple(origin))
    if graded:
        return write_octree_openfoam(fluid, folder, axis="zyx"[a], max_size=max_size, grading=grading,
                                     pressure_drop=pressure_drop, viscosity=viscosity, reynolds=reynolds,
                                     iterations=iterations, length=volume.extent[a])
    mesh = hex_mesh(fluid, phases="pore", coarsen=coarsen, pinches="keep")
    return write_openfoam(mesh, folder, axis="zyx"[a], pressure_drop=pressure_drop, viscosity=viscosity,
                          reynolds=reynolds, iterations=iterations, length=volume.extent[a])


def write_openfoam(mesh, folder, *, axis: str = "x", case: bool = True, pressure_drop: float | None = None,
                   viscosity: float = 1e-6, reynolds: float = 0.01, iterations: int = 5000,
                   length: float | None = None):
    """Write ``folder/constant/polyMesh`` (points, faces, owner, neighbour, boundary).

    Patches: ``inlet`` and ``outlet`` are the box faces at the low and high end of ``axis``,
    ``walls`` the rest (the pore walls and the four sealed sides). Cells not connected to
    both the inlet and the outlet carry no flow and are left out. Only a one-region
    hexahedral mesh (``meshing.hex_mesh(volume, phases="pore")``) fits a single-phase flow case.

    With ``case=True``, also ``system/`` and ``0/`` for steady creeping flow with
    ``simpleFoam``: kinematic pressure ``pressure_drop`` (m^2/s^2) at the inlet, 0 at the
    outlet, no-slip walls, kinematic viscosity ``viscosity`` (m^2/s). By default the pressure
    drop is chosen for a pore Reynolds number of about ``reynolds`` (see the module notes).
    ``README.txt`` in the case says how to run it and gives Re and the formula for k;
    ``dca_case.json`` keeps the numbers, so :func:`openfoam_permeability` (or
    ``dca permeability CASE``) turns the outlet flux Q into k = Q nu L / (A dp), L the
    mesh's length along ``axis`` unless ``length`` (the sample's, without reservoirs) is given.
    """
    if mesh.cell_type != "hexahedron" or len(mesh.cell_names) != 1:
        raise InputError("OpenFOAM export takes a one-region hexahedral mesh: "
                         "meshing.hex_mesh(volume, phases='pore') (one phase); got "
                         f"{mesh.cell_type} cells in regions {sorted(mesh.cell_names)}")
    if axis not in ("x", "y", "z"):
        raise InputError(f"axis must be x, y or z, got {axis!r}")
    mesh = _face_spanning(mesh, axis)
    nodes, owner, neighbour = _faces(mesh)
    by_name = {tag: name for name, tag in mesh.facet_names.items()}
    tag_patch = {tag: ("inlet" if name == f"{axis}min" else "outlet" if name == f"{axis}max" else "walls")
                 for tag, name in by_name.items()}
    patch_faces = {}
    for patch in ("inlet", "outlet", "walls"):
        tags = [t for t, p in tag_patch.items() if p == patch]
        sel = np.isin(mesh.facet_tags, tags)
        o = mesh.facet_cell[sel]
        order = np.argsort(o, kind="stable")
        patch_faces[patch] = (mesh.facets[sel][order], o[order])
    all_faces = np.concatenate([nodes] + [patch_faces[p][0] for p in ("inlet", "outlet", "walls")])
    all_owner = np.concatenate([owner] + [patch_faces[p][1] for p in ("inlet", "outlet", "walls")])
    counts = {p: len(patch_faces[p][0]) for p in ("inlet", "outlet", "walls")}
    facts = (_creeping(mesh, axis, patch_faces["walls"][0], viscosity, reynolds, pressure_drop, length)
             if case else None)
    return _write_case(folder, mesh.points, all_faces, all_owner, neighbour, counts, mesh.n_cells, facts,
                       viscosity, iterations)


def _write_case(folder, points, faces, owner, neighbour, counts, n_cells, facts, viscosity, iterations):
    """Write constant/polyMesh (faces as rows of point ids, -1 padding a shorter polygon;
    internal faces first, then the patches in ``counts`` order), and the case around it."""
    folder = os.fspath(folder)
    with atomic_path(folder) as tmp:
        poly = os.path.join(tmp, "constant", "polyMesh")
        os.makedirs(poly)
        note = (f'    note        "nPoints:{len(points)} nCells:{n_cells} nFaces:{len(faces)} '
                f'nInternalFaces:{len(neighbour)}";\n')
        with open(os.path.join(poly, "points"), "w") as f:
            f.write(_HEADER.format(cls="vectorField", location="constant/polyMesh", obj="points"))
            f.write(f"{len(points)}\n(\n")
            np.savetxt(f, points, fmt="(%.12g %.12g %.12g)")
            f.write(")\n")
        with open(os.path.join(poly, "faces"), "w") as f:
            f.write(_HEADER.format(cls="faceList", location="constant/polyMesh", obj="faces"))
            f.write(f"{len(faces)}\n(\n")
            if (faces >= 0).all():
                np.savetxt(f, faces, fmt=f"{faces.shape[1]}(" + " ".join(["%d"] * faces.shape[1]) + ")")
            else:
                for row in faces:
                    row = row[row >= 0]
                    f.write(f"{len(row)}(" + " ".join(map(str, row)) + ")\n")
            f.write(")\n")
        for obj, values in (("owner", owner), ("neighbour", neighbour)):
            with open(os.path.join(poly, obj), "w") as f:
                f.write(_HEADER.format(cls="labelList", location="constant/polyMesh", obj=obj)
                        .replace("    object", note + "    object"))
                f.write(f"{len(values)}\n(\n")
                np.savetxt(f, values, fmt="%d")
                f.write(")\n")
        start = len(neighbour)
        entries = []
        for patch, count in counts.items():
            kind = "wall" if patch == "walls" else "patch"
            entries.append(f"    {patch}\n    {{\n        type            {kind};\n"
                           f"        nFaces          {count};\n        startFace       {start};\n    }}\n")
            start += count
        _foam_file(os.path.join(poly, "boundary"), "polyBoundaryMesh", "boundary",
                   f"{len(counts)}\n(\n{''.join(entries)})\n")
        if facts is not None:
            _case_files(tmp, facts["pressure_drop_m2_s2"], viscosity, iterations)
            with open(os.path.join(tmp, CASE_FILE), "w") as f:
                json.dump(facts, f, indent=2)
            with open(os.path.join(tmp, "README.txt"), "w") as f:
                f.write(_README.format(**facts))
    return [folder]


def write_octree_openfoam(fluid, folder, *, axis: str = "x", max_size: int = 8, grading: float = 1.0,
                          case: bool = True, pressure_drop: float | None = None, viscosity: float = 1e-6,
                          reynolds: float = 0.01, iterations: int = 5000, length: float | None = None):
    """Octree polyMesh of the True voxels of ``fluid`` (a boolean Volume), and its case; see
    :func:`openfoam_case` (``graded=True``), which adds the reservoirs. Returns the folder,
    and ``dca_case.json`` records the cell count of each cube size."""
    import edt
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from .._octree import allowed_levels, face_polygons, octree

    if int(max_size) != max_size or max_size < 1 or (int(max_size) & (int(max_size) - 1)):
        raise InputError(f"max_size must be a power of two (voxels), got {max_size!r}")
    a = "zyx".index(axis)
    pore = np.asarray(fluid.to_numpy(), bool)
    top = int(np.log2(max_size))
    distance = edt.edt(pore, black_border=False, parallel=0)  # voxels to the nearest solid voxel
    tree = octree(pore.astype(np.int32), allowed_levels(distance - 0.5, grading=grading, max_level=top),
                  max_level=top)
    f = tree.faces
    inner = f[:, 8] == 0
    # keep the leaves joined face to face to both the inlet and the outlet
    graph = coo_matrix((np.ones(inner.sum()), (f[inner, 0], f[inner, 1])), shape=(tree.n_leaves,) * 2)
    piece = connected_components(graph, directed=False)[1]
    box = f[:, 8] == 1
    ends = [set(piece[f[box & (f[:, 2] == a) & (f[:, 3] == high), 0]]) for high in (0, 1)]
    keep = np.isin(piece, list(ends[0] & ends[1]))
    if not keep.any():
        raise InputError(f"no part of the pore space connects the inlet ({axis}min) to the outlet ({axis}max): "
                         "nothing can flow; check the phase and the axis")
    new_id = np.cumsum(keep) - 1
    doubled, poly = face_polygons(tree)
    fk = keep[f[:, 0]]
    f, poly = f[fk], poly[fk]
    inner = f[:, 8] == 0
    h = np.array(fluid.voxel_size, float)
    x = (np.array(fluid.origin) + (doubled / 2 - 0.5) * h)[:, ::-1]
    # orient: the emitting leaf's outward normal is +/- its axis; owner = the lower cell id
    cell_a = new_id[f[:, 0]]
    cell_b = np.where(inner, new_id[np.maximum(f[:, 1], 0)], -1)
    owner = np.where(inner, np.minimum(cell_a, cell_b), cell_a)
    neighbour = np.where(inner, np.maximum(cell_a, cell_b), -1)
    outward = np.where(f[:, 3] == 1, 1.0, -1.0) * np.where(owner == cell_a, 1.0, -1.0)
    p = x[poly[:, [0, 2, 4]]]
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    frame_axis = 2 - f[:, 2]  # array axis -> x, y, z column
    flip = np.sign(normal[np.arange(len(f)), frame_axis]) != outward
    poly[flip] = poly[flip][:, ::-1]
    patch = np.full(len(f), 2)  # walls: ghosts (solid voxels) and the sealed sides
    patch[(f[:, 8] == 1) & (f[:, 2] == a)] = f[(f[:, 8] == 1) & (f[:, 2] == a), 3]
    patch[inner] = -1
    order = np.lexsort((neighbour, owner, patch))  # internal (-1) first, upper triangular; then by patch, owner
    f, poly, owner, neighbour, patch = f[order], poly[order], owner[order], neighbour[order], patch[order]
    used = np.unique(poly[poly >= 0])
    renum = np.full(len(x), -1)
    renum[used] = np.arange(len(used))
    poly = np.where(poly >= 0, renum[np.maximum(poly, 0)], -1)
    x = x[used]
    n_internal = int(np.count_nonzero(patch == -1))
    counts = {name: int(np.count_nonzero(patch == k)) for k, name in enumerate(("inlet", "outlet", "walls"))}
    facts = None
    if case:
        size = tree.size[keep]
        pore_volume = float((size.astype(float) ** 3).sum() * np.prod(h))
        wall = f[patch == 2]
        wall_area = sum(float((wall[wall[:, 2] == ax, 7].astype(float) ** 2).sum()) * float(np.prod(np.delete(h, ax)))
                        for ax in range(3))
        facts = _case_numbers(x.min(axis=0), x.max(axis=0), pore_volume, wall_area, axis, viscosity, reynolds,
                              pressure_drop, length)
        facts["cells"] = int(keep.sum())
        facts["cells_per_size_voxels"] = {str(2 ** k): int(c) for k, c in
                                          enumerate(np.bincount(tree.level[keep], minlength=top + 1))}
        facts["voxel_cells"] = int(pore.sum())
    return _write_case(folder, x, poly, owner, neighbour[:n_internal], counts, int(keep.sum()), facts,
                       viscosity, iterations)


def _creeping(mesh, axis, wall_faces, nu, reynolds, pressure_drop, sample_length) -> dict:
    """The case's numbers: length, cross-section, porosity, hydraulic diameter, and the
    pressure drop for creeping flow (or the one given) with the Reynolds number it gives."""
    q = mesh.points[wall_faces]
    wall = float(np.linalg.norm(np.cross(q[:, 2] - q[:, 0], q[:, 3] - q[:, 1]), axis=1).sum() / 2)
    return _case_numbers(mesh.points.min(axis=0), mesh.points.max(axis=0), float(mesh.cell_volumes().sum()), wall,
                         axis, nu, reynolds, pressure_drop, sample_length)


def _case_numbers(lo, hi, pore, wall, axis, nu, reynolds, pressure_drop, sample_length) -> dict:
    a = "xyz".index(axis)
    length, area = float(hi[a] - lo[a]), float(np.prod(np.delete(hi - lo, a)))
    reservoirs = length - sample_length if sample_length is not None else 0.0
    length = length - reservoirs
    d_h = 4 * pore / wall
    estimate = lambda dp: dp * d_h ** 3 / (32 * nu ** 2 * length)  # noqa: E731  (module notes)
    dp = 32 * reynolds * nu ** 2 * length / d_h ** 3 if pressure_drop is None else float(pressure_drop)
    if not (np.isfinite(dp) and dp > 0):
        raise InputError(f"pressure_drop must be a positive number (m^2/s^2), got {pressure_drop!r}")
    return {"axis": axis, "length_m": length, "reservoirs_m": reservoirs, "area_m2": area,
            "porosity": pore / ((length + reservoirs) * area),
            "hydraulic_diameter_m": d_h, "viscosity_m2_s": nu, "pressure_drop_m2_s2": dp,
            "reynolds_estimate": estimate(dp), "formula": "k = Q nu L / (A dp)"}


_README = """A steady creeping-flow case for simpleFoam, written by dca.

Run it:        simpleFoam -case .        (after sourcing OpenFOAM's etc/bashrc)
Permeability:  dca permeability .        (or meshing.openfoam_permeability(".") in Python)

Flow along {axis}: kinematic pressure {pressure_drop_m2_s2:.6g} m^2/s^2 on the inlet patch, 0 on the outlet,
no-slip walls, nu = {viscosity_m2_s:.6g} m^2/s. Lengths are in metres. Free-fluid reservoirs of
{reservoirs_m:.6g} m in all lie before and after the sample (dca's Stokes solver does the same).

The pressure drop was chosen for creeping flow: the pore Reynolds number Re = u d_h / nu is
about {reynolds_estimate:.3g} (d_h = 4 V_pore / A_wall = {hydraulic_diameter_m:.6g} m; u ~ k dp / (nu L phi) with
k ~ phi d_h^2 / 32). Permeability needs Re << 1: at Re ~ 1 inertia already lowers k by 10-15 %.

k = Q nu L / (A dp), with Q the volume flux through the outlet patch (m^3/s, the sum of phi
there), L = {length_m:.6g} m the sample's length along {axis} (without the reservoirs, as dca's
Stokes solver counts it), A = {area_m2:.6g} m^2 its cross-section
and dp the kinematic pressure drop. dca_case.json holds these numbers.
"""


@dataclass(frozen=True)
class FoamPermeability:
    """Permeability from a finished simpleFoam case written by dca."""

    k_m2: float
    flow_rate_m3_s: float
    reynolds: float  # pore Reynolds number reached: (Q / (A phi)) d_h / nu
    time: str  # the OpenFOAM time folder read
    case: dict

    @property
    def k_mD(self) -> float:
        return self.k_m2 / M2_PER_MILLIDARCY

    def to_dict(self) -> dict:
        return {"method": "openfoam (simpleFoam)", "k_m2": self.k_m2, "k_mD": self.k_mD,
                "flow_rate_m3_s": self.flow_rate_m3_s, "reynolds": self.reynolds, "time": self.time, **self.case}

    def __repr__(self) -> str:
        return (f"<FoamPermeability {self.case['axis']}: {self.k_m2:.4g} m^2 = {self.k_mD:.4g} mD, "
                f"Re {self.reynolds:.2g}>")


def openfoam_permeability(case) -> FoamPermeability:
    """k of a finished case written by :func:`write_openfoam`: k = Q nu L / (A dp), Q the
    outlet flux of the latest time folder's ``phi``.

    Raises
    ------
    MissingFileError
        ``case`` is not a case dca wrote, or simpleFoam has not written a result yet.
    FormatError
        The ``phi`` file has no outlet flux.
    """
    case = os.fspath(case)
    info = os.path.join(case, CASE_FILE)
    if not os.path.isfile(info):
        raise MissingFileError(f"{case!r} is not an OpenFOAM case written by dca (no {CASE_FILE}); write one with "
                               "dca mesh IN -o CASE --format openfoam")
    with open(info, encoding="utf-8") as f:
        facts = json.load(f)
    times = [d for d in os.listdir(case) if re.fullmatch(r"\d+(\.\d+)?(e[-+]?\d+)?", d) and float(d) > 0
             and os.path.isfile(os.path.join(case, d, "phi"))]
    if not times:
        raise MissingFileError(f"{case!r} holds no result with a phi field yet: run simpleFoam -case {case} first")
    last = max(times, key=float)
    with open(os.path.join(case, last, "phi"), encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"\boutlet\s*\{[^}]*?value\s+(uniform\s+(\S+?);|nonuniform\s+List<scalar>\s*(\d+)\s*\(([^)]*)\))",
                      text, re.S)
    if match is None:
        raise FormatError(f"{os.path.join(case, last, 'phi')} has no value on the outlet patch")
    n_faces = None
    if match.group(2) is not None:
        flux = float(match.group(2)) * _count_faces(case, "outlet")
    else:
        values = np.array(match.group(4).split(), float)
        n_faces = int(match.group(3))
        if len(values) != n_faces:
            raise FormatError(f"{last}/phi lists {len(values)} outlet values, announces {n_faces}")
        flux = float(values.sum())
    nu, dp = facts["viscosity_m2_s"], facts["pressure_drop_m2_s2"]
    k = flux * nu * facts["length_m"] / (facts["area_m2"] * dp)
    velocity = flux / (facts["area_m2"] * facts["porosity"])
    return FoamPermeability(k_m2=k, flow_rate_m3_s=flux, reynolds=velocity * facts["hydraulic_diameter_m"] / nu,
                            time=last, case=facts)


def _count_faces(case, patch) -> int:
    with open(os.path.join(case, "constant", "polyMesh", "boundary"), encoding="utf-8") as f:
        block = f.read().split(patch, 1)[1]
    return int(re.search(r"nFaces\s+(\d+);", block).group(1))


def _case_files(root, dp, nu, iterations):
    for d in ("system", "0"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    files = {
        ("system", "controlDict", "dictionary"): f"""application     simpleFoam;
startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         {iterations};
deltaT          1;
writeControl    timeStep;
writeInterval   {iterations};
purgeWrite      1;
writeFormat     ascii;
writePrecision  12;
runTimeModifiable false;
""",
        ("system", "fvSchemes", "dictionary"): """ddtSchemes { default steadyState; }
gradSchemes { default Gauss linear; }
divSchemes
{
    default         none;
    div(phi,U)      bounded Gauss linear;
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}
laplacianSchemes { default Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes { default corrected; }
""",
        ("system", "fvSolution", "dictionary"): """solvers
{
    p { solver GAMG; smoother GaussSeidel; tolerance 1e-10; relTol 0.05; }
    U { solver smoothSolver; smoother symGaussSeidel; tolerance 1e-12; relTol 0.05; }
}
SIMPLE
{
    nNonOrthogonalCorrectors 0;
    consistent      yes;
    residualControl { p 1e-7; U 1e-8; }
}
relaxationFactors { equations { U 0.9; } fields { p 1; } }
""",
        ("constant", "transportProperties", "dictionary"): f"transportModel  Newtonian;\nnu              {nu:.12g};\n",
        ("constant", "turbulenceProperties", "dictionary"): "simulationType  laminar;\n",
        ("constant", "momentumTransport", "dictionary"): "simulationType  laminar;\n",
        ("0", "U", "volVectorField"): """dimensions      [0 1 -1 0 0 0 0];
internalField   uniform (0 0 0);
boundaryField
{
    inlet  { type zeroGradient; }
    outlet { type zeroGradient; }
    walls  { type noSlip; }
}
""",
        ("0", "p", "volScalarField"): f"""dimensions      [0 2 -2 0 0 0 0];
internalField   uniform 0;
boundaryField
{{
    inlet  {{ type fixedValue; value uniform {dp:.12g}; }}
    outlet {{ type fixedValue; value uniform 0; }}
    walls  {{ type zeroGradient; }}
}}
""",
    }
    for (d, name, cls), body in files.items():
        _foam_file(os.path.join(root, d, name), cls, name, body, location=d)


register_exporter("openfoam", writer=write_openfoam, folder=True, metres_only=True,
                  description="OpenFOAM case folder: constant/polyMesh and a creeping-flow simpleFoam case")
