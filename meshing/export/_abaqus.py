"""Abaqus / CalculiX input deck: nodes, an element set per phase, and per boundary tag a node
set and an element-based surface (what pressure loads and contact need; meshio writes no
``*SURFACE``)."""

from __future__ import annotations

import numpy as np

from dca import InputError
from dca.io import atomic_path

from ._common import safe_name
from ._registry import register_exporter

__all__ = ["write_abaqus"]

_ELEMENT = {"tetra": "C3D4", "tetra10": "C3D10", "hexahedron": "C3D8", "triangle": "S3"}
# C3D10 face S1..S4: its corners and the midside nodes on its edges (0-based)
_C3D10_FACES = np.array([(0, 1, 2, 4, 5, 6), (0, 3, 1, 7, 8, 4), (1, 3, 2, 8, 9, 5), (2, 3, 0, 9, 7, 6)])


def _id_lines(f, ids: np.ndarray) -> None:
    """Integers 16 to a line, as Abaqus data lines allow."""
    ids = np.asarray(ids, np.int64)
    full = len(ids) // 16 * 16
    if full:
        np.savetxt(f, ids[:full].reshape(-1, 16), fmt="%d", delimiter=", ")
    if len(ids) > full:
        f.write(", ".join(str(i) for i in ids[full:]) + "\n")


def write_abaqus(mesh, path, *, heading: str = "dca mesh", floating: str = "drop"):
    """Write ``path`` (.inp). Element sets are the phase names, node sets and surfaces the
    boundary names (``xmin`` ... ``zmax``, ``pore_solid``), as solver-safe identifiers;
    coordinates in the mesh's length unit (metres unless exported with ``unit=``, recorded in
    a comment). No material or step: the analyst adds them (or includes this file with
    ``*INCLUDE, INPUT=...``).

    ``floating``: "drop" (default) leaves out the pieces that touch no box face, which no
    boundary condition can hold (CalculiX would solve such a deck silently, with a singular
    piece); their count is written in a comment. "keep" writes every cell.
    """
    if mesh.cell_type not in _ELEMENT:
        raise InputError(f"no Abaqus element for {mesh.cell_type} cells")
    if floating not in ("drop", "keep"):
        raise InputError(f"floating must be 'drop' or 'keep', got {floating!r}")
    notes = [f"** length unit: {mesh.length_unit}"]
    loose = mesh.floating() if floating == "drop" else np.zeros(mesh.n_cells, bool)
    if loose.any():
        notes.append(f"** dropped {len(np.unique(mesh.pieces()[loose]))} floating piece(s), {int(loose.sum())} "
                     "element(s), that touch no box face")
        mesh = mesh.keep_cells(~loose)
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write(f"*HEADING\n{heading}\n" + "\n".join(notes) + "\n*NODE, NSET=ALLNODES\n")
        np.savetxt(f, np.column_stack([np.arange(1, mesh.n_points + 1), mesh.points]),
                   fmt=["%d", "%.12e", "%.12e", "%.12e"], delimiter=", ")
        start = 1
        element_id = np.empty(mesh.n_cells, np.int64)
        for name, tag in mesh.cell_names.items():
            sel = np.nonzero(mesh.cell_tags == tag)[0]
            if not len(sel):
                continue
            ids = np.arange(start, start + len(sel))
            element_id[sel] = ids
            f.write(f"*ELEMENT, TYPE={_ELEMENT[mesh.cell_type]}, ELSET={safe_name(name)}\n")
            np.savetxt(f, np.column_stack([ids, mesh.cells[sel] + 1]), fmt="%d", delimiter=", ")
            start += len(sel)
        constraints = mesh.attrs.get("constraints", {})
        if constraints:  # hanging nodes of an octree mesh, tied to the corners of the larger brick
            f.write("** hanging nodes: each displacement the weighted mean of its masters'\n*EQUATION\n")
            for d, terms in constraints.items():
                for dof in (1, 2, 3):
                    items = [(d + 1, dof, 1.0)] + [(m + 1, dof, -w) for m, w in terms.items()]
                    f.write(f"{len(items)}\n")
                    for i in range(0, len(items), 4):
                        f.write(", ".join(f"{n}, {k}, {c:.12g}" for n, k, c in items[i:i + 4]) + "\n")
        dependent = np.array(sorted(constraints), np.int64)
        if mesh.facets is not None:
            for name, tag in mesh.facet_names.items():
                sel = mesh.facet_tags == tag
                if not sel.any():
                    continue
                label = safe_name(name)
                sides = mesh.facet_side[sel]
                cells = mesh.facet_cell[sel]
                nodes = mesh.facets[sel]
                if mesh.cell_type == "tetra10":  # the midside nodes belong to the face as well
                    nodes = mesh.cells[cells[:, None], _C3D10_FACES[sides]]
                f.write(f"*NSET, NSET={label}\n")
                _id_lines(f, np.setdiff1d(np.unique(nodes), dependent) + 1)  # a tied node takes no condition
                if len(dependent):  # every node of the boundary: the set to total reaction forces over
                    f.write(f"*NSET, NSET={label}_ALL\n")
                    _id_lines(f, np.unique(nodes) + 1)
                pieces = []
                for side in np.unique(sides):
                    f.write(f"*ELSET, ELSET={label}_S{side + 1}\n")
                    _id_lines(f, np.sort(element_id[cells[sides == side]]))
                    pieces.append(f"{label}_S{side + 1}, S{side + 1}")
                f.write(f"*SURFACE, NAME={label}, TYPE=ELEMENT\n" + "\n".join(pieces) + "\n")
    return [str(path)]


register_exporter("abaqus", extensions=(".inp",), writer=write_abaqus,
                  description="Abaqus/CalculiX input deck: element set per phase, node sets and surfaces")
