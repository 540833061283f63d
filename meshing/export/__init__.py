"""Mesh exporters: one module per target, each registering itself; one ``write`` that picks by
extension (see :func:`write` and :func:`exporters`).

Every writer writes to temporary files beside the target and renames them into place, so a
failed export leaves no partial file.
"""

from ._registry import LENGTH_UNITS, Exporter, exporters, register_exporter, write

# Importing a format module registers it; the order is the order ``exporters()`` lists them.
from . import _stl, _vtk, _xdmf, _gmsh, _abaqus, _openfoam  # noqa: E402,F401,I001

from ._abaqus import write_abaqus  # noqa: E402
from ._gmsh import write_gmsh  # noqa: E402
from ._openfoam import CASE_FILE, FoamPermeability, openfoam_case, openfoam_permeability, write_openfoam  # noqa: E402
from ._stl import write_stl  # noqa: E402
from ._vtk import write_vtk  # noqa: E402
from ._xdmf import write_xdmf  # noqa: E402

__all__ = ["write", "exporters", "register_exporter", "Exporter", "LENGTH_UNITS", "write_stl", "write_vtk",
           "write_xdmf", "write_gmsh", "write_abaqus", "write_openfoam",
           "openfoam_case", "openfoam_permeability", "FoamPermeability", "CASE_FILE"]
