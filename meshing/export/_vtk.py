"""VTU (unstructured grid) and VTP (surface) for ParaView, with the tag of every cell."""

from __future__ import annotations

import os

from dca import InputError
from dca.io import atomic_path

__all__ = ["write_vtk"]


def write_vtk(mesh, path, *, facets: bool = True):
    """``.vtu``: cells (and, with ``facets``, the tagged boundary facets) with cell data ``tag``;
    ``.vtp``: a triangle surface as PolyData."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    with atomic_path(path) as tmp:
        if ext == ".vtp":
            if mesh.cell_type != "triangle":
                raise InputError("VTP holds surfaces; write a volume mesh as .vtu")
            grid = mesh.to_pyvista()
            grid.save(tmp + ".vtp")
            os.replace(tmp + ".vtp", tmp)
        else:
            mesh.to_meshio(facets=facets).write(tmp, file_format="vtu")
    return [str(path)]
