"""Gmsh MSH 4.1 (ASCII) with physical groups: one per region (3-D) and one per boundary tag (2-D).

meshio's 4.1 writer needs Gmsh's entity bookkeeping (``gmsh:dim_tags``) that a mesh from an
image does not have, so the file is written here: one elementary entity per tag, each in
the physical group of the same name.
"""

from __future__ import annotations

import numpy as np

from dca.io import atomic_path

from ._registry import register_exporter

__all__ = ["write_gmsh"]

_TYPE = {"triangle": 2, "quad": 3, "tetra": 4, "hexahedron": 5, "tetra10": 11}
# Gmsh numbers a 10-node tetrahedron's midside nodes 01, 12, 02, 03, 23, 13: the last two swapped from VTK
_ORDER = {"tetra10": [0, 1, 2, 3, 4, 5, 6, 7, 9, 8]}


def _write_rows(f, rows: np.ndarray, fmt: str) -> None:
    np.savetxt(f, rows, fmt=fmt)


def write_gmsh(mesh, path):
    """Write ``path`` as Gmsh 4.1 ASCII. Volume meshes: physical volumes named by phase and
    physical surfaces named by boundary (``xmin``, ``pore|solid``); surfaces: physical
    surfaces named by patch."""
    dim = 2 if mesh.is_surface else 3
    cells = mesh.cells[:, _ORDER[mesh.cell_type]] if mesh.cell_type in _ORDER else mesh.cells
    groups = [(dim, tag, name, cells[mesh.cell_tags == tag], mesh.cell_type)
              for name, tag in mesh.cell_names.items()]
    if not mesh.is_surface and mesh.facets is not None:
        groups += [(2, tag, name, mesh.facets[mesh.facet_tags == tag], mesh.facet_type)
                   for name, tag in mesh.facet_names.items()]
    groups = [g for g in groups if len(g[3])]
    lo, hi = mesh.points.min(axis=0), mesh.points.max(axis=0)
    box = " ".join(f"{v:.17g}" for v in (*lo, *hi))
    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write("$MeshFormat\n4.1 0 8\n$EndMeshFormat\n")
        f.write(f"$PhysicalNames\n{len(groups)}\n")
        for d, tag, name, _, _ in groups:
            f.write(f'{d} {tag} "{name}"\n')
        f.write("$EndPhysicalNames\n$Entities\n")
        surfaces = [g for g in groups if g[0] == 2]
        volumes = [g for g in groups if g[0] == 3]
        f.write(f"0 0 {len(surfaces)} {len(volumes)}\n")
        for d, tag, *_ in surfaces + volumes:
            f.write(f"{tag} {box} 1 {tag} 0\n")
        f.write("$EndEntities\n")
        # all nodes in the first entity; elements reference them by tag (1-based)
        n = mesh.n_points
        first_dim, first_tag = groups[0][0], groups[0][1]
        f.write(f"$Nodes\n1 {n} 1 {n}\n{first_dim} {first_tag} 0 {n}\n")
        _write_rows(f, np.arange(1, n + 1)[:, None], "%d")
        _write_rows(f, mesh.points, "%.17g")
        f.write("$EndNodes\n")
        total = sum(len(g[3]) for g in groups)
        f.write(f"$Elements\n{len(groups)} {total} 1 {total}\n")
        start = 1
        for d, tag, _, cells, cell_type in groups:
            f.write(f"{d} {tag} {_TYPE[cell_type]} {len(cells)}\n")
            ids = np.arange(start, start + len(cells))[:, None]
            _write_rows(f, np.hstack([ids, cells.astype(np.int64) + 1]), "%d")
            start += len(cells)
        f.write("$EndElements\n")
    return [str(path)]


register_exporter("gmsh", extensions=(".msh",), writer=write_gmsh,
                  description="Gmsh MSH 4.1 with named physical groups")
