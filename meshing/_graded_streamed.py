"""Graded tetrahedral meshes of volumes too big for memory: block by block, streamed to XDMF.

The volume is cut into blocks (z, y, x) that each fit in memory with the graded mesher's
working set (``BYTES_PER_VOXEL["graded mesh"]``). Each block is meshed by the same code as
:func:`meshing.graded_tet_mesh`, from its voxels and a halo around them wide enough that the
size field and the smoothed indicators near its sides are those of the whole volume. Along
the seams between blocks the cubes are the same on both sides (of ``2 min_size`` wherever the
size field allows it within reach of the seam, else of ``min_size``) and the nodes stay on the
voxel lattice: both blocks then triangulate a seam alike, the nodes on it are written once (found
again by their lattice position), and the blocks join into one conforming mesh. Each block's
phases are brought to its own voxel volumes, so the whole mesh's are within the blocks' errors.

What the seams cost: a layer of cubes no larger than ``2 min_size`` on each side of every seam
(``min_size`` along the blocks' edges), graded away from it (+4.6 % elements for a 128^3
volume in 64^3 blocks); and interfaces that cross a seam keep the voxel staircase on the seam
plane.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from dca import InputError
from dca.io import atomic_paths
from dca.util import (
    BYTES_PER_VOXEL,
    as_volume,
    available_memory,
    phase_names,
    progress_steps,
    read_slab,
    require_bytes,
    short_repr,
    show_progress,
)

from ._graded import GUARD, _check_options, _graded_block, _in_frame
from ._labels import chosen_phases, require_present, require_segmented
from ._quality import DEFAULT_THRESHOLDS, _tet_metrics, flag_counts
from .export._registry import unit_scale
from .export._xdmf import XdmfStream

__all__ = ["write_graded_mesh", "StreamedMesh"]

#: peak bytes per voxel of one block (the in-memory mesher's measured figure), and the share
#: of the available memory that a block may take
_BLOCK_BYTES, _BLOCK_SHARE = BYTES_PER_VOXEL["graded mesh"], 0.6


@dataclass(frozen=True)
class StreamedMesh:
    """What ``write_graded_mesh`` wrote: the files, node and element counts, elements per
    region and facets per tag, the blocks, each region's relative volume error against its
    voxels, the quality summary (worst values, radius ratio's 99th percentile, and the
    elements beyond ``meshing.DEFAULT_THRESHOLDS``) and the time taken."""

    __repr__ = short_repr

    files: list
    points: int
    cells: int
    cells_per_region: dict
    facets_per_tag: dict
    blocks: int
    block_shape: tuple
    volume_error: dict
    quality: dict
    seconds: float


def _block_shape(shape, unit: int, block) -> tuple:
    """Block edge lengths: ``block`` (an int or three), or the largest whose working set fits in
    the memory available, from 256^3 down by halving the longest edge; multiples of ``unit``
    (the largest cube)."""
    if block is None:
        budget = _BLOCK_SHARE * available_memory()
        block = np.full(3, 256)
        while np.prod(np.minimum(block, shape)) * _BLOCK_BYTES > budget and (block > unit).any():
            longest = int(np.argmax(np.where(block > unit, np.minimum(block, shape), 0)))
            block[longest] = max(block[longest] // 2, unit)
    block = np.broadcast_to(np.asarray(block, int), (3,))
    if (block < unit).any():
        raise InputError(f"blocks must be at least max_size ({unit} voxels) along each axis, got {tuple(block)}")
    return tuple(int(b) for b in (block // unit) * unit)


def _halo(min_size, max_size, interface_size, grading, thickness, sigma) -> int:
    """Voxels around a block within which the size field and the indicators near its sides
    are decided: the distance at which the size field reaches ``max_size``, the largest
    local thickness that still caps it, and the Gaussian's support; and the band of ``2 min_size``
    voxels beyond a seam in which the cubes along it are decided."""
    reach = max((max_size - interface_size) / grading if grading > 0 else 0.0, max_size / thickness / 2)
    return int(np.ceil(max(reach + 3, 4 * sigma + 2))) + 2 * min_size + 2  # and the seams' bands


class _Seams:
    """Nodes on block seams already written: lattice position (doubled units packed in one
    int64) -> node number in the file."""

    def __init__(self, shape):
        self.dims = 2 * np.asarray(shape, np.int64) + 1
        self.keys = np.empty(0, np.int64)
        self.ids = np.empty(0, np.int64)

    def key(self, u):
        d = np.rint(2 * u).astype(np.int64)
        return (d[:, 0] * self.dims[1] + d[:, 1]) * self.dims[2] + d[:, 2]

    def find(self, keys):
        at = np.searchsorted(self.keys, keys).clip(0, max(len(self.keys) - 1, 0))
        found = (self.keys[at] == keys) if len(self.keys) else np.zeros(len(keys), bool)
        return found, self.ids[at] if len(self.keys) else np.zeros(len(keys), np.int64)

    def add(self, keys, ids):
        keys = np.concatenate([self.keys, keys])
        order = np.argsort(keys, kind="stable")
        self.keys, self.ids = keys[order], np.concatenate([self.ids, ids])[order]


class _SeamFaces:
    """Element faces on block seams that wait for the element across: their nodes' lattice
    positions (sorted), the triangle facing out of its element (node numbers in the file,
    -1 for nodes not written), and the element's region."""

    def __init__(self):
        self.key, self.face, self.tag = np.empty((0, 3), np.int64), np.empty((0, 3), np.int64), np.empty(0, np.int32)

    def meet(self, lattice, face, tag):
        """Pair faces (``lattice``: their nodes' lattice keys) with the faces waiting; keep the
        others waiting. Returns, for each pair, the waiting face and region and the new ones."""
        key = np.sort(lattice, axis=1)
        every = np.concatenate([self.key, key])
        order = np.lexsort(every.T[::-1])
        same = np.nonzero((every[order[1:]] == every[order[:-1]]).all(axis=1))[0]
        a, b = order[same], order[same + 1]
        old, new = np.minimum(a, b), np.maximum(a, b) - len(self.key)
        waiting = np.ones(len(self.key), bool)
        waiting[old] = False
        fresh = np.ones(len(key), bool)
        fresh[new] = False
        met = (self.face[old], self.tag[old], face[new], tag[new])
        self.key = np.concatenate([self.key[waiting], key[fresh]])
        self.face = np.concatenate([self.face[waiting], face[fresh]])
        self.tag = np.concatenate([self.tag[waiting], tag[fresh]])
        return met


def _seam_facets(met, meshed, names):
    """Interface facets from faces met across a seam: owned as in ``_tet_facets`` (a meshed
    region, the lower id when both are), facing out of the owner."""
    f_old, t_old, f_new, t_new = met
    differ = t_old != t_new
    f_old, t_old, f_new, t_new = f_old[differ], t_old[differ], f_new[differ], t_new[differ]
    m_old, m_new = np.isin(t_old, meshed), np.isin(t_new, meshed)
    own_old = m_old & (~m_new | (t_old < t_new))
    own_new = m_new & ~own_old
    face = np.concatenate([f_old[own_old], f_new[own_new]])
    mine = np.concatenate([t_old[own_old], t_new[own_new]])
    yours = np.concatenate([t_new[own_old], t_old[own_new]])
    return face, [f"{names[a]}|{names[b]}" for a, b in zip(mine, yours)]


def write_graded_mesh(volume, path, *, phases=None, min_size: int = 1, max_size: int = 16,
                      interface_size: float = 2.0, grading: float = 0.5, thickness: float = 0.5, sigma: float = 0.8,
                      snap: bool = True, block=None, unit: str = "m", progress: bool | None = None,
                      voxel_size=None) -> StreamedMesh:
    """Stream the graded tetrahedral mesh of a volume of any size to ``path`` (``.xdmf``), block
    by block (see the module notes).

    The options are those of :func:`meshing.graded_tet_mesh`. ``block``: block edge in voxels
    (one int or three, multiples of ``max_size``); by default the largest that fits in memory.
    A lazy (dask-backed) volume is read one block row and its halo at a time. Writes
    ``stem.xdmf`` + ``stem.h5`` (elements, tags) and ``stem_facets.xdmf`` + ``stem_facets.h5``
    (box and interface facets, which read their nodes from ``stem.h5``), atomically.

    Returns
    -------
    StreamedMesh
    """
    t0 = time.perf_counter()
    volume = as_volume(volume, voxel_size=voxel_size)
    path = os.fspath(path)
    if os.path.splitext(path)[1].lower() != ".xdmf":
        raise InputError(f"a streamed graded mesh is written as XDMF + HDF5 (.xdmf), got {path!r}")
    scale = unit_scale(unit)
    require_segmented(volume)
    h = _check_options(volume, min_size, max_size, interface_size, grading, thickness)
    shape = np.array(volume.shape)
    edge = _block_shape(shape, int(max_size), block)
    halo = _halo(min_size, max_size, interface_size, grading, thickness, sigma)
    padded = np.minimum(np.array(edge) + 2 * halo, shape)
    require_bytes(int(np.prod(np.minimum(edge, shape)) * _BLOCK_BYTES + np.prod(padded) * 16),
                  "graded mesh of one block", shape=tuple(np.minimum(edge, shape)))
    progress = show_progress(progress)
    # the phases present, from one pass over the volume
    counts = np.zeros(0, np.int64)
    rows = [(int(z), int(min(z + edge[0], shape[0]))) for z in range(0, shape[0], edge[0])]
    for z0, z1 in rows:
        data = _rows(volume, z0, z1)
        c = np.bincount(data.ravel().astype(np.int64))
        counts = np.pad(counts, (0, max(len(c) - len(counts), 0))) + np.pad(c, (0, max(len(counts) - len(c), 0)))
    names = phase_names(volume, present=np.nonzero(counts)[0])
    present = {n: lab for n, lab in chosen_phases(names).items() if lab < len(counts) and counts[lab]}
    ids = {n: i for i, n in enumerate(present, start=1)}
    keep = chosen_phases(names, phases)
    require_present(keep, ids)
    lut = np.zeros(max(len(counts), 2), np.uint8 if len(ids) < 255 else np.int32)
    for n, lab in present.items():
        lut[lab] = ids[n]
    by_id = {i: n for n, i in ids.items()}
    meshed = np.array([ids[n] for n in keep], np.int32)
    options = {"min_size": int(min_size), "max_size": int(max_size), "interface_size": float(interface_size),
               "grading": float(grading), "thickness": float(thickness), "sigma": float(sigma), "snap": bool(snap)}
    first = max(ids.values())
    facet_names: dict[str, int] = {}
    per_region = np.zeros(len(ids) + 1, np.int64)
    per_facet: dict[int, int] = {}
    volumes, voxels = np.zeros(len(ids)), np.zeros(len(ids))
    worst = {"min_dihedral_deg": np.inf, "max_dihedral_deg": 0.0, "radius_ratio": 0.0, "scaled_jacobian": np.inf}
    ratio_bins = np.linspace(1, 10, 9001)
    ratio_hist = np.zeros(len(ratio_bins) + 1, np.int64)
    flagged = dict.fromkeys(("min_dihedral_deg", "max_dihedral_deg", "radius_ratio", "scaled_jacobian"), 0)
    seams, waiting = _Seams(shape), _SeamFaces()
    starts = [range(0, n, e) for n, e in zip(shape, edge)]
    blocks = [(z, y, x) for z in starts[0] for y in starts[1] for x in starts[2]]
    stem = os.path.splitext(path)[0]
    finals = [stem + ".xdmf", stem + ".h5", stem + "_facets.xdmf", stem + "_facets.h5"]
    with atomic_paths(*finals) as temps:
        out = XdmfStream(temps, finals, "tetra", "triangle")
        try:
            slab, slab_at = None, None
            for start in progress_steps(blocks, "graded mesh", enabled=progress):
                start = np.array(start)
                stop = np.minimum(start + edge, shape)
                lo, hi = np.maximum(start - halo, 0), np.minimum(stop + halo, shape)
                if slab_at != start[0]:  # a new row of blocks: its rows and their halo
                    slab, slab_at = lut[_rows(volume, lo[0], hi[0])], start[0]
                region = slab[:, lo[1]:hi[1], lo[2]:hi[2]]
                core = tuple(slice(int(a - b), int(c - b)) for a, b, c in zip(start, lo, stop))
                sides = np.stack([start > 0, stop < shape], axis=1)
                piece = _graded_block(region, core, len(ids), sides, **options)
                volumes += piece.volumes
                voxels += piece.voxels
                x, tets, facets = _in_frame(piece, start, volume.origin, h, shape, meshed, by_id)
                face, _, _, name, (seam_face, seam_cell) = facets
                chosen = np.isin(piece.tag, meshed)
                tets, tags = tets[chosen], piece.tag[chosen]
                # nodes: those on a seam found again, the others numbered after the file's
                used = np.unique(tets)
                u = piece.u[used] + start
                on_seam = np.zeros(len(used), bool)
                for a in range(3):
                    on_seam |= (sides[a, 0] & (np.abs(u[:, a] - start[a]) < 1e-9))
                    on_seam |= (sides[a, 1] & (np.abs(u[:, a] - stop[a]) < 1e-9))
                keys = seams.key(u[on_seam])
                found, known = seams.find(keys)
                number = np.empty(len(used), np.int64)
                seam_at = np.nonzero(on_seam)[0]
                number[seam_at[found]] = known[found]
                new = np.ones(len(used), bool)
                new[seam_at[found]] = False
                number[new] = out.n_points + np.arange(np.count_nonzero(new))
                seams.add(keys[~found], number[seam_at[~found]])
                local = np.full(len(x), -1, np.int64)
                local[used] = number
                lattice = seams.key(piece.u[seam_face.ravel()] + start).reshape(-1, 3)
                met = waiting.meet(lattice, local[seam_face], piece.tag[seam_cell])
                across, across_names = _seam_facets(met, meshed, by_id)
                face = np.concatenate([local[face], across])
                codes = np.array([facet_names.setdefault(str(n), first + 1 + len(facet_names))
                                  for n in list(name) + across_names], np.int32)
                out.add(x[used[new]] * scale, local[tets], tags, face, codes)
                per_region += np.bincount(tags, minlength=len(per_region))
                for c, k in zip(*np.unique(codes, return_counts=True)):
                    per_facet[int(c)] = per_facet.get(int(c), 0) + int(k)
                for i in range(0, len(tets), 500_000):
                    m = _tet_metrics(x[tets[i:i + 500_000]])
                    worst["min_dihedral_deg"] = min(worst["min_dihedral_deg"], float(m["min_dihedral_deg"].min()))
                    worst["max_dihedral_deg"] = max(worst["max_dihedral_deg"], float(m["max_dihedral_deg"].max()))
                    worst["radius_ratio"] = max(worst["radius_ratio"], float(m["radius_ratio"].max()))
                    worst["scaled_jacobian"] = min(worst["scaled_jacobian"], float(m["scaled_jacobian"].min()))
                    ratio_hist += np.bincount(np.searchsorted(ratio_bins, m["radius_ratio"]),
                                              minlength=len(ratio_hist))
                    counts = flag_counts(m, DEFAULT_THRESHOLDS)
                    for key in flagged:
                        flagged[key] += counts[key]
            points = out.n_points
            out.close({n: ids[n] for n in keep}, facet_names, unit)
        except BaseException:
            out.abort()
            raise
    cells = int(per_region.sum())
    p99 = ratio_bins[min(int(np.searchsorted(np.cumsum(ratio_hist), 0.99 * cells)), len(ratio_bins) - 1)]
    quality = {**worst, "radius_ratio_p99": float(p99), "flagged": flagged, "guard": dict(GUARD)}
    return StreamedMesh(finals, int(points), cells, {n: int(per_region[ids[n]]) for n in keep},
                        {n: per_facet.get(t, 0) for n, t in facet_names.items()}, len(blocks), tuple(edge),
                        {by_id[i]: float(v / c - 1) for i, v, c in zip(range(1, len(ids) + 1), volumes, voxels)
                         if c and i in meshed}, quality, round(time.perf_counter() - t0, 3))


def _rows(volume, z0, z1) -> np.ndarray:
    """Rows z0..z1-1 of the voxels, as NumPy."""
    data = read_slab(volume, int(z0), int(z1))[0] if volume.is_lazy else np.asarray(volume.data[int(z0):int(z1)])
    return data.view(np.uint8) if data.dtype == bool else data
