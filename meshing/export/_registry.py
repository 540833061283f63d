"""The mesh exporters' registry: each format module registers its writer, ``write`` dispatches.

The same pattern as ``dca.io``'s volume formats: one module per target, ending with
``register_exporter(...)``; ``write`` picks by extension unless ``format=`` is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from dca import FormatError, InputError

__all__ = ["Exporter", "register_exporter", "exporters", "write", "LENGTH_UNITS"]

# metres -> the unit: a mesh's points are written multiplied by this
LENGTH_UNITS = {"m": 1.0, "mm": 1e3, "um": 1e6}


def unit_scale(unit: str) -> float:
    """Numbers per metre of a length unit of ``LENGTH_UNITS``; an unknown unit is refused."""
    if unit not in LENGTH_UNITS:
        raise InputError(f"unit must be one of {sorted(LENGTH_UNITS)}, got {unit!r}")
    return LENGTH_UNITS[unit]


@dataclass(frozen=True)
class Exporter:
    """One mesh file format: its name, extensions, writer and what the target tool expects."""

    name: str
    extensions: tuple[str, ...]
    writer: object
    description: str
    folder: bool = False  # the target is a folder (an OpenFOAM case)
    metres_only: bool = False  # the target tool assumes SI lengths (OpenFOAM)


_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, *, extensions=(), writer, description: str, folder: bool = False,
                      metres_only: bool = False) -> Exporter:
    """Make ``writer(mesh, path, **options) -> list of files`` available to :func:`write`."""
    exporter = Exporter(name, tuple(e.lower() for e in extensions), writer, description, folder, metres_only)
    _EXPORTERS[name] = exporter
    return exporter


def exporters() -> list[Exporter]:
    """The registered mesh formats, in registration order."""
    return list(_EXPORTERS.values())


def _exporter(path: str, format: str | None) -> Exporter:
    if format is not None:
        for e in _EXPORTERS.values():
            if format == e.name or format.lower().lstrip(".") in (x.lstrip(".") for x in e.extensions):
                return e
        raise FormatError(f"unknown mesh format {format!r}; known: {', '.join(_EXPORTERS)}")
    ext = os.path.splitext(path)[1].lower()
    for e in _EXPORTERS.values():
        if ext in e.extensions:
            return e
    known = sorted(x for e in _EXPORTERS.values() for x in e.extensions)
    raise FormatError(f"cannot tell the mesh format of {path!r}; use one of the extensions {known} "
                      "or format='openfoam' with a folder")


def write(mesh, path, *, format: str | None = None, unit: str = "m", **options) -> list[str]:
    """Write ``mesh`` to ``path``; the format comes from the extension unless ``format`` is given.

    Parameters
    ----------
    mesh : meshing.Mesh
    path : str or path-like
        ``.stl`` (binary; ``patches=True`` for one ASCII solid per tag), ``.vtu`` / ``.vtp``
        (ParaView), ``.xdmf`` (+ ``.h5``, and ``_facets.xdmf`` for the facet tags;
        FEniCS/dolfinx), ``.msh`` (Gmsh 4.1 with physical groups), ``.inp``
        (Abaqus/CalculiX), or a case folder with ``format="openfoam"`` (``constant/polyMesh``).
    format : str, optional
        A registered name (see :func:`exporters`) or an extension.
    unit : {"m", "mm", "um"}
        Length unit of the written coordinates. Metres by default; at micrometre voxels,
        neighbouring vertices in metres lie 1e-9 apart, below the merge tolerance of tools
        such as trimesh (1e-8), so export in "um" or "mm" for them. The unit is recorded
        where the format has room for it (STL header, VTK field data, XDMF information,
        Abaqus comment). OpenFOAM assumes metres and refuses another unit.
    **options
        Passed to the format's writer.

    Returns
    -------
    list of str
        The files written (each written to a temporary name and renamed into place).
    """
    path = os.fspath(path)
    exporter = _exporter(path, format)
    unit_scale(unit)
    if exporter.metres_only and unit != "m":
        raise InputError(f"{exporter.name} works in metres (SI); got unit={unit!r}. Drop the unit, or scale the "
                         "finished case with OpenFOAM's transformPoints")
    return exporter.writer(mesh.scaled(unit), path, **options)
