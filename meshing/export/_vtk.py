"""VTU (unstructured grid) and VTP (surface) for ParaView, with the tag of every cell."""

from __future__ import annotations

import os

from dca import InputError
from dca.io import atomic_path

from ._registry import LENGTH_UNITS, register_exporter

__all__ = ["write_vtk"]


def _metres_per_unit(mesh) -> float:
    return 1.0 / LENGTH_UNITS[mesh.length_unit]


def _tag_names(grid, mesh, facets: bool) -> None:
    """Field data ``name -> [tag, dimension]`` for every tag, meshio's convention for names."""
    dim = 2 if mesh.cell_type == "triangle" else 3
    for name, tag in mesh.cell_names.items():
        grid.field_data[name] = [tag, dim]
    if facets and mesh.facets is not None and len(mesh.facets):
        for name, tag in mesh.facet_names.items():
            grid.field_data[name] = [tag, dim - 1]


def write_vtk(mesh, path, *, facets: bool = True):
    """``.vtu``: cells (and, with ``facets``, the tagged boundary facets) with cell data ``tag``;
    ``.vtp``: a triangle surface as PolyData. The tags' names are field data
    ``name -> [tag, dimension]`` (meshio's convention), the length unit is field data
    ``metres_per_unit``."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    with atomic_path(path) as tmp:
        if ext == ".vtp":
            if mesh.cell_type != "triangle":
                raise InputError("VTP holds surfaces; write a volume mesh as .vtu")
            grid = mesh.to_pyvista()
            grid.field_data["metres_per_unit"] = [_metres_per_unit(mesh)]
            _tag_names(grid, mesh, facets)
            grid.save(tmp + ".vtp")
            os.replace(tmp + ".vtp", tmp)
        else:
            import pyvista as pv

            grid = pv.from_meshio(mesh.to_meshio(facets=facets))  # meshio's writer drops field data
            grid.field_data["metres_per_unit"] = [_metres_per_unit(mesh)]  # VTK has no unit string
            _tag_names(grid, mesh, facets)
            grid.save(tmp + ".vtu", binary=True)
            os.replace(tmp + ".vtu", tmp)
    return [str(path)]


register_exporter("vtk", extensions=(".vtu", ".vtp"), writer=write_vtk,
                  description="VTK unstructured grid or polydata with the tag of every cell (ParaView)")
