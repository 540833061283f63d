"""Mesh exporters: one module per target, one ``write`` that picks by extension.

Every writer writes to temporary files beside the target and renames them into place, so a
failed export leaves no partial file.
"""

from __future__ import annotations

import os

from dca import FormatError

from ._abaqus import write_abaqus
from ._gmsh import write_gmsh
from ._openfoam import write_openfoam
from ._stl import write_stl
from ._vtk import write_vtk
from ._xdmf import write_xdmf

__all__ = ["write", "write_stl", "write_vtk", "write_xdmf", "write_gmsh", "write_abaqus", "write_openfoam",
           "FORMATS"]

FORMATS = {".stl": "stl", ".vtu": "vtu", ".vtp": "vtp", ".xdmf": "xdmf", ".msh": "gmsh", ".inp": "abaqus"}


def write(mesh, path, *, format: str | None = None, **options):
    """Write ``mesh`` to ``path``; the format comes from the extension unless given.

    ``.stl`` (binary; ``patches=True`` for one ASCII solid per tag), ``.vtu``/``.vtp``
    (ParaView), ``.xdmf`` (+ ``.h5``, and ``_facets.xdmf`` for the facet tags; FEniCS/dolfinx),
    ``.msh`` (Gmsh 4.1 with physical groups), ``.inp`` (Abaqus/CalculiX), or
    ``format="openfoam"`` with ``path`` a case folder (``constant/polyMesh``).
    Returns the list of files written.
    """
    path = os.fspath(path)
    fmt = format or FORMATS.get(os.path.splitext(path)[1].lower())
    writers = {"stl": write_stl, "vtu": write_vtk, "vtp": write_vtk, "xdmf": write_xdmf, "gmsh": write_gmsh,
               "msh": write_gmsh, "abaqus": write_abaqus, "inp": write_abaqus, "openfoam": write_openfoam}
    if fmt not in writers:
        raise FormatError(f"cannot tell the mesh format of {path!r}; use one of the extensions "
                          f"{sorted(FORMATS)} or format='openfoam' with a folder")
    return writers[fmt](mesh, path, **options)
