"""OpenFOAM ``polyMesh`` from a voxel hexahedral mesh of the pore space, written directly
(meshio has no polyMesh writer), plus an optional creeping-flow ``simpleFoam`` case around it."""

from __future__ import annotations

import os

import numpy as np

from dca import InputError
from dca.io import atomic_path

from .._voxel_mesh import HEX_FACES
from ._registry import register_exporter

__all__ = ["write_openfoam"]

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


def write_openfoam(mesh, folder, *, axis: str = "x", case: bool = True, pressure_drop: float = 1.0,
                   viscosity: float = 1e-6, iterations: int = 5000):
    """Write ``folder/constant/polyMesh`` (points, faces, owner, neighbour, boundary).

    Patches: ``inlet`` and ``outlet`` are the box faces at the low and high end of ``axis``,
    ``walls`` the rest (the pore walls and the four sealed sides). Cells not connected to
    both the inlet and the outlet carry no flow and are left out. Only a one-region
    hexahedral mesh (``meshing.hex_mesh(volume, phases="pore")``) fits a single-phase flow case.

    With ``case=True``, also ``system/`` and ``0/`` for steady creeping flow with
    ``simpleFoam``: kinematic pressure ``pressure_drop`` (m^2/s^2) at the inlet, 0 at the
    outlet, no-slip walls, kinematic viscosity ``viscosity`` (m^2/s). Permeability follows
    from the outlet flux Q as k = Q nu L / (A dp).
    """
    if mesh.cell_type != "hexahedron" or len(mesh.cell_names) != 1:
        raise InputError("OpenFOAM export takes a one-region hexahedral mesh: "
                         "meshing.hex_mesh(volume, phases='pore') (one phase); got "
                         f"{mesh.cell_type} cells in regions {sorted(mesh.cell_names)}")
    if axis not in ("x", "y", "z"):
        raise InputError(f"axis must be x, y or z, got {axis!r}")
    keep = mesh.spanning(axis)
    if not keep.any():
        raise InputError(f"no part of the mesh connects the inlet ({axis}min) to the outlet ({axis}max): "
                         "nothing can flow; check the phase and the axis")
    mesh = mesh.keep_cells(keep)
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
    folder = os.fspath(folder)
    with atomic_path(folder) as tmp:
        poly = os.path.join(tmp, "constant", "polyMesh")
        os.makedirs(poly)
        note = (f'    note        "nPoints:{mesh.n_points} nCells:{mesh.n_cells} nFaces:{len(all_faces)} '
                f'nInternalFaces:{len(nodes)}";\n')
        with open(os.path.join(poly, "points"), "w") as f:
            f.write(_HEADER.format(cls="vectorField", location="constant/polyMesh", obj="points"))
            f.write(f"{mesh.n_points}\n(\n")
            np.savetxt(f, mesh.points, fmt="(%.12g %.12g %.12g)")
            f.write(")\n")
        with open(os.path.join(poly, "faces"), "w") as f:
            f.write(_HEADER.format(cls="faceList", location="constant/polyMesh", obj="faces"))
            f.write(f"{len(all_faces)}\n(\n")
            np.savetxt(f, all_faces, fmt="4(%d %d %d %d)")
            f.write(")\n")
        for obj, values in (("owner", all_owner), ("neighbour", neighbour)):
            with open(os.path.join(poly, obj), "w") as f:
                f.write(_HEADER.format(cls="labelList", location="constant/polyMesh", obj=obj)
                        .replace("    object", note + "    object"))
                f.write(f"{len(values)}\n(\n")
                np.savetxt(f, values, fmt="%d")
                f.write(")\n")
        start = len(nodes)
        entries = []
        for patch in ("inlet", "outlet", "walls"):
            count = len(patch_faces[patch][0])
            kind = "wall" if patch == "walls" else "patch"
            entries.append(f"    {patch}\n    {{\n        type            {kind};\n"
                           f"        nFaces          {count};\n        startFace       {start};\n    }}\n")
            start += count
        _foam_file(os.path.join(poly, "boundary"), "polyBoundaryMesh", "boundary",
                   f"3\n(\n{''.join(entries)})\n")
        if case:
            _case_files(tmp, pressure_drop, viscosity, iterations)
    return [folder]


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
