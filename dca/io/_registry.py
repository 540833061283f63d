"""The format registry: one module per format registers a reader and/or a writer.

``read`` and ``write`` dispatch on the longest matching suffix (``.nii.gz`` before ``.gz``);
``format=`` overrides the guess. Readers return a ``RawVolume`` (data plus whatever the file
says about the grid); ``read`` turns that into a Volume in one place, so the voxel-size rule
(from the file, else from the caller, else a clear error) is applied identically everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _check
from .._errors import FormatError, MissingFileError, VoxelSizeError
from .._provenance import Source, Step
from .._volume import Volume

__all__ = ["Format", "RawVolume", "register_format", "formats", "read", "write",
           "LAZY_THRESHOLD_BYTES"]

#: Files whose voxels take more than this are opened lazily unless ``lazy=`` says otherwise.
LAZY_THRESHOLD_BYTES = 1 << 30


@dataclass(frozen=True)
class RawVolume:
    """What a reader found: the voxels and the grid metadata the file stores (None if absent)."""

    data: Any
    voxel_size: tuple[float, float, float] | None
    files: tuple[str, ...]
    origin: tuple[float, float, float] | None = None
    mask: Any = None
    phases: Mapping[str, int] = field(default_factory=dict)
    attrs: Mapping[str, Any] = field(default_factory=dict)
    #: Why the voxel size is missing, for the error message ("NumPy .npy files store no spacing").
    missing_voxel_size: str = ""


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    reader: Callable[..., RawVolume] | None
    writer: Callable[..., list[str]] | None
    description: str = ""
    #: A directory or pattern recognised as this format (folder of slices, Zarr store).
    matches_dir: Callable[[str], bool] | None = None


_FORMATS: dict[str, Format] = {}


def register_format(name: str, *, extensions, reader=None, writer=None, description: str = "",
                    matches_dir=None) -> None:
    """Add a format; called at the bottom of each format module."""
    _FORMATS[name] = Format(name, tuple(e.lower() for e in extensions), reader, writer,
                            description, matches_dir)


def formats() -> list[Format]:
    """Every registered format, in registration order."""
    return list(_FORMATS.values())


def _can(fmt: Format, kind: str) -> bool:
    return (fmt.reader if kind == "read" else fmt.writer) is not None


def _known(kind: str) -> str:
    return ", ".join(f"{f.name} ({' '.join(f.extensions) or 'folder'})" for f in _FORMATS.values()
                     if _can(f, kind))


def _find(path: str, fmt: str | None, kind: str) -> Format:
    if fmt is not None:
        if fmt not in _FORMATS or not _can(_FORMATS[fmt], kind):
            raise FormatError(f"no {kind}er for format {fmt!r}; known: {_known(kind)}")
        return _FORMATS[fmt]
    if kind == "read" and os.path.isdir(path):
        for candidate in _FORMATS.values():
            if candidate.matches_dir is not None and candidate.matches_dir(path):
                return candidate
        raise FormatError(f"{path!r} is a folder that holds no known volume (no TIFF slices, no Zarr store); "
                          "pass format=... to say what it is")
    lower = os.path.basename(path).lower()
    best = None
    for candidate in _FORMATS.values():
        if not _can(candidate, kind):
            continue
        for ext in candidate.extensions:
            if lower.endswith(ext) and (best is None or len(ext) > len(best[1])):
                best = (candidate, ext)
    if best is None:
        if kind == "read" and any(ch in path for ch in "*?["):
            return _FORMATS["tiff"]
        raise FormatError(f"unknown file extension of {os.path.basename(path)!r}; "
                          f"known formats for {'reading' if kind == 'read' else 'writing'}: {_known(kind)}. Pass format=... to choose one.")
    return best[0]


def read(path, *, format: str | None = None, voxel_size=None, lazy: bool | None = None, phases=None,
         **options) -> Volume:
    """Read a volume, with its voxel size, from any registered format.

    Parameters
    ----------
    path : str or path-like
        File, folder (TIFF slices, Zarr store) or glob pattern (``"scan/*.tif"``).
    format : str, optional
        Format name, overriding the extension (see ``dca.io.formats()``).
    voxel_size : float, (3,) tuple of float or str, metres, optional
        (dz, dy, dx). Required when the file stores no spacing; overrides the file's when given.
    lazy : bool, optional
        True: read voxels on demand (dask); False: load into memory. Default: lazy from
        ``LAZY_THRESHOLD_BYTES`` (1 GiB) or an eighth of the memory available, whichever is
        smaller.
    phases : mapping of str to int, optional
        Names of the labels of a segmented volume (``{"solid": 0, "pore": 1, "micro": 2}``),
        overriding what the file stores (an ``.npz`` keeps them in its ``phases`` entry, a
        JSON object; ``dca.write`` puts them there).
    **options
        Format-specific options (``dataset=`` for HDF5, ``shape=``/``dtype=`` for RAW, ...).

    Returns
    -------
    Volume
        With ``source`` set to the file(s) read and a ``read`` provenance step.

    Raises
    ------
    MissingFileError, FormatError, VoxelSizeError
    """
    path = os.fspath(path)
    if not any(ch in path for ch in "*?[") and not os.path.exists(path):
        raise MissingFileError(f"no such file or folder: {path!r}")
    fmt = _find(path, format, "read")
    raw = fmt.reader(path, lazy=lazy, **options)
    if voxel_size is not None:
        spacing = _check.voxel_size(voxel_size)
    elif raw.voxel_size is not None:
        spacing = _check.voxel_size(raw.voxel_size, name=f"the voxel size stored in {path!r}")
    else:
        why = raw.missing_voxel_size or f"{os.path.basename(path)!r} stores no voxel size"
        raise VoxelSizeError(f"voxel_size is missing: {why}. Pass voxel_size=(dz, dy, dx) in metres, "
                             "e.g. voxel_size=5.345e-6 (or --voxel-size 5.345um on the command line).")
    params = {"path": path, "format": fmt.name, **options}
    if voxel_size is not None:
        params["voxel_size"] = spacing
    if phases is not None:
        params["phases"] = dict(phases)
    return Volume(
        data=raw.data, voxel_size=spacing,
        origin=raw.origin if raw.origin is not None else (0.0, 0.0, 0.0),
        mask=raw.mask, phases=raw.phases if phases is None else phases, attrs=raw.attrs,
        source=Source(raw.files, fmt.name, {k: v for k, v in params.items() if k not in ("path", "format")}),
        provenance=(Step("read", params),),
    )


def write(volume: Volume, path, *, format: str | None = None, **options) -> list[str]:
    """Write ``volume`` to ``path`` in the format its extension names; returns the files written.

    Every writer writes to temporary files and renames them into place, so a failed write
    leaves no partial file behind.
    """
    if not isinstance(volume, Volume):
        raise FormatError(f"write() takes a dca.Volume, got {type(volume).__name__}; "
                          "wrap an array with dca.Volume(array, voxel_size=...)")
    path = os.fspath(path)
    fmt = _find(path, format, "write")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise MissingFileError(f"the folder {parent!r} does not exist; create it first")
    return fmt.writer(volume, path, **options)


def decide_lazy(lazy: bool | None, nbytes: int) -> bool:
    """Resolve the ``lazy=None`` default from the size of the data and the memory available:
    lazy from ``LAZY_THRESHOLD_BYTES`` (1 GiB) on, or from an eighth of the memory available
    (``DCA_MEMORY_LIMIT`` where set), whichever is smaller."""
    if lazy is not None:
        return bool(lazy)
    from .._memory import available_memory

    return nbytes >= min(LAZY_THRESHOLD_BYTES, available_memory() // 8)
