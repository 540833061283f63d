"""The surface of a volume too big for memory, streamed to disk slab by slab.

Two passes over z-slabs (one slab and a halo in memory at a time):

1. the iso-level that keeps the phase's volume (``level_counts`` is additive over slabs);
2. marching cubes of each slab's cubes, written as they come: binary STL (one solid, each
   triangle's tag in its attribute word) or VTP pieces with a ``.pvtp`` index for ParaView.

The blurred field of a slab is computed with the Gaussian's halo, so it is the field of the
whole volume, and vertices are placed in float64 from integer lattice positions
(``dca.util.marching_cubes``): a vertex on the face between two slabs is the same, bit for
bit, on both sides. The triangles are those of ``surface`` on the whole volume, and the
surface is as watertight as that one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from dca import InputError
from dca.io import atomic_paths
from dca.util import (
    as_volume,
    marching_cubes,
    phase_names,
    progress_steps,
    read_slab,
    short_repr,
    show_progress,
    slab_bounds,
)

from ._labels import require_segmented
from ._mesh import BOX_FACES, Mesh
from ._surface import level_counts, level_for, pad_field, place
from .export._registry import unit_scale

__all__ = ["write_surface", "StreamedSurface"]

SUFFIXES = (".stl", ".pvtp")


@dataclass(frozen=True)
class StreamedSurface:
    """What ``write_surface`` wrote: the files, the triangle count per tag (``wall``, the box
    faces), the iso-level, and the enclosed and the voxel volume (m^3) to compare."""

    __repr__ = short_repr

    files: list
    triangles: int
    cells_per_tag: dict
    level: float
    enclosed_volume_m3: float
    voxel_volume_m3: float


def _label(volume, phase) -> int:
    """The label the surface encloses (the pore space by default), decided as ``surface`` does."""
    names = phase_names(volume)
    if phase is None:
        if "pore" not in names:
            raise InputError("this label volume names no 'pore' phase; pass phase=<name or label>")
        return names["pore"]
    if isinstance(phase, (int, np.integer)) and not isinstance(phase, bool):
        return int(phase)
    if phase not in names:
        raise InputError(f"no phase named {phase!r}; this volume has {sorted(names)}")
    return names[phase]


def _rows(volume, label, start, stop, halo, sigma):
    """The blurred indicator of rows start..stop-1 (clipped to the volume), computed from
    the rows around them so that it is the field of the whole volume there."""
    nz = volume.shape[0]
    lo, hi = max(start - halo, 0), min(stop + halo, nz)
    data = read_slab(volume, lo, hi)[0] if volume.is_lazy else np.asarray(volume.data[lo:hi])
    mask = (data == label).astype(np.float32)
    field = ndimage.gaussian_filter(mask, sigma, mode="nearest") if sigma > 0 else mask
    a, b = max(start, 0) - lo, min(stop, nz) - lo
    return field[a:b], mask[a:b]


def write_surface(volume, path, *, phase=None, sigma: float = 0.8, caps: bool = True, unit: str = "m",
                  progress: bool | None = None, voxel_size=None) -> StreamedSurface:
    """Stream the watertight surface of ``phase`` to ``path`` (``.stl``: binary STL; ``.pvtp``:
    VTP pieces, one per slab, in ``<name>_pieces/`` beside the index), slab by slab.

    The surface of :func:`meshing.surface` (same ``sigma``, ``caps``; no smoothing or
    decimation, which need the whole mesh), for volumes of any size: a lazy (dask-backed)
    volume is read one z-chunk (and a few rows of halo) at a time. Written atomically.

    Returns
    -------
    StreamedSurface
    """
    volume = as_volume(volume, voxel_size=voxel_size)
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in SUFFIXES:
        raise InputError(f"a streamed surface is written as {' or '.join(SUFFIXES)}, got {os.fspath(path)!r}")
    scale = unit_scale(unit)
    require_segmented(volume)
    label = _label(volume, phase)
    progress = show_progress(progress)
    nz = volume.shape[0]
    if volume.is_lazy:
        slabs = slab_bounds(volume)
    else:
        edges = np.arange(0, nz + 64, 64).clip(0, nz)
        slabs = [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    halo = int(4.0 * sigma + 0.5) if sigma > 0 else 0  # scipy's Gaussian support
    h = np.array(volume.voxel_size, float)
    # pass 1: the phase's voxels, and the enclosed count at each candidate level
    counts, voxels = 0.0, 0
    for z0, z1 in progress_steps(slabs, "surface level", enabled=progress):
        field, mask = _rows(volume, label, z0 - 1, z1 + 1, halo, sigma)
        core = slice(z0 - max(z0 - 1, 0), z0 - max(z0 - 1, 0) + z1 - z0)
        voxels += int(mask[core].sum())
        if sigma > 0:
            counts = counts + level_counts(field, core)
    if voxels == 0:
        raise InputError(f"phase {phase if phase is not None else 'pore'!r} (label {label}) has no voxels")
    target = float(voxels * np.prod(volume.voxel_size))
    level = level_for(counts, target / np.prod(h)) if sigma > 0 else 0.5
    # pass 2: the cubes of each slab, meshed and written
    names = {"wall": 1} | {face: i + 2 for i, face in enumerate(BOX_FACES)}
    per_tag = np.zeros(len(names) + 2, np.int64)
    enclosed, total = 0.0, 0
    pad = 2 if caps else 1
    stem = os.path.splitext(os.fspath(path))[0]
    folder = stem + "_pieces"
    targets = [os.fspath(path)] + ([folder] if ext == ".pvtp" else [])
    with atomic_paths(*targets) as temps:
        out = temps[0]
        pieces = []
        if ext == ".pvtp":
            os.makedirs(temps[1])
        stl = open(out, "wb") if ext == ".stl" else None
        try:
            if stl is not None:
                stl.write(f"dca binary STL, unit {unit}, image frame, tag in the attribute".encode().ljust(80, b" "))
                stl.write(np.uint32(0).tobytes())  # the count, filled in at the end
            for z0, z1 in progress_steps(slabs, "surface", enabled=progress):
                first, last = z0 == 0, z1 == nz
                rows, _ = _rows(volume, label, z0, z1 + 1, halo, sigma)  # rows z0..z1: the slab's cubes
                rows = rows.copy()
                rows[np.abs(rows - level) < 1e-4] = level + 1e-4
                padded, _ = pad_field(rows, level, caps=caps, first=first, last=last)
                if padded.shape[0] < 2:
                    continue
                verts, tris = marching_cubes(padded, level, offset=0 if first else z0 + pad)
                if len(tris) == 0:
                    continue
                points, box = place(verts - pad, tris, volume.shape, h, volume, caps=caps)
                tris = tris.astype(np.int64)
                tags = np.where(box >= 0, box + 2, 1)
                per_tag += np.bincount(tags, minlength=per_tag.size)
                p = points[tris]
                enclosed += float(np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum()) / 6
                total += len(tris)
                if stl is not None:
                    _stl_records(stl, p * scale, tags)
                else:
                    name = f"piece_{len(pieces):05d}.vtp"
                    present = {n: t for n, t in names.items() if np.any(tags == t)}
                    Mesh(points, tris, "triangle", tags, present).write(os.path.join(temps[1], name), unit=unit)
                    pieces.append(name)
            if stl is not None:
                stl.seek(80)
                stl.write(np.uint32(total).tobytes())
        finally:
            if stl is not None:
                stl.close()
        if enclosed < 0:  # marching cubes wound the other way: turned round, as surface does
            _flip(out, temps[1] if ext == ".pvtp" else None, pieces, unit)
            enclosed = -enclosed
        if ext == ".pvtp":
            _write_index(out, os.path.basename(folder), pieces)
    files = [os.fspath(path)] + [os.path.join(folder, name) for name in pieces]
    return StreamedSurface(files, total, {n: int(per_tag[t]) for n, t in names.items() if per_tag[t]}, level,
                           enclosed, target)


def _stl_records(handle, p: np.ndarray, tags: np.ndarray) -> None:
    record = np.dtype([("normal", "<f4", 3), ("vertices", "<f4", (3, 3)), ("attr", "<u2")])
    normals = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-300)
    data = np.zeros(len(p), record)
    data["normal"], data["vertices"], data["attr"] = normals, p, tags
    handle.write(data.tobytes())


def _flip(out: str, folder: str | None, pieces: list, unit: str) -> None:
    """Turn every triangle round (the written files were wound inward)."""
    if folder is None:
        record = np.dtype([("normal", "<f4", 3), ("vertices", "<f4", (3, 3)), ("attr", "<u2")])
        data = np.memmap(out, dtype=record, mode="r+", offset=84)
        data["vertices"] = data["vertices"][:, ::-1].copy()
        data["normal"] *= -1
        data.flush()
        del data
        return
    import pyvista as pv

    for name in pieces:
        piece = pv.read(os.path.join(folder, name))
        faces = piece.faces.reshape(-1, 4)
        piece.faces = np.column_stack([faces[:, 0], faces[:, 3:0:-1]]).ravel()
        piece.save(os.path.join(folder, name))


def _write_index(path: str, folder: str, pieces: list) -> None:
    """The ParaView index of the pieces (PPolyData)."""
    lines = ['<?xml version="1.0"?>',
             '<VTKFile type="PPolyData" version="1.0" byte_order="LittleEndian">',
             '  <PPolyData GhostLevel="0">',
             '    <PCellData Scalars="tag"><PDataArray type="Int32" Name="tag"/></PCellData>',
             '    <PPoints><PDataArray type="Float64" NumberOfComponents="3"/></PPoints>']
    lines += [f'    <Piece Source="{folder}/{name}"/>' for name in pieces]
    lines += ["  </PPolyData>", "</VTKFile>", ""]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
