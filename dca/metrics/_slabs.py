"""Metrics of a lazy (dask-backed) volume, streamed in z-slabs: only a slab (and one slice of
halo) is in memory at a time, and the numbers are those of the in-memory path, exactly.

Porosity counts voxels; Crofton's estimator counts phase changes between voxel pairs whose
partner lies at most one slice further in z (every one of the 13 lattice directions has a
z step of 0 or +1), so a slab plus the next slice holds every pair that starts in it.
Connected porosity labels each slab on its own and merges the clusters that meet across the
face between two slabs (union-find over the pairs of labels facing each other).
"""

from __future__ import annotations

import numpy as np

from .._chunks import read_slab, slab_bounds
from .._phase import _present, phase_label, select
from .._progress import steps

__all__ = ["lazy_fraction", "lazy_crofton_counts", "lazy_bulk_volume", "lazy_connected_fraction"]


def _slab(volume, z0: int, z1: int, label: int):
    """The selection and the mask (or None) of slices z0..z1-1, as NumPy arrays."""
    data, mask = read_slab(volume, z0, z1)
    return select(data, label), mask


def lazy_bulk_volume(volume) -> float:
    """Volume of the field of view (m^3), the mask counted chunk by chunk."""
    if volume.mask is None:
        return volume.size * volume.voxel_volume
    import dask.array as da

    return int(da.count_nonzero(da.asarray(volume.mask)).compute()) * volume.voxel_volume


def lazy_fraction(volume, phase=None, *, progress: bool = False) -> float:
    """Volume fraction of ``phase`` inside the field of view, streamed."""
    from .._errors import InputError

    label = phase_label(volume, phase)
    hits = total = 0
    for z0, z1 in steps(slab_bounds(volume), "porosity", enabled=progress):
        sel, mask = _slab(volume, z0, z1, label)
        hits += int(np.count_nonzero(sel if mask is None else sel & mask))
        total += sel.size if mask is None else int(np.count_nonzero(mask))
    if total == 0:
        raise InputError("the volume's mask excludes every voxel; nothing is left to measure. Check the field "
                         "of view (volume.mask) or drop it with volume.replace(mask=None)")
    return hits / total


def lazy_crofton_counts(volume, phase=None, *, progress: bool = False):
    """Crofton's per-direction counts (changes, pairs, step) of a lazy volume, streamed; the
    same numbers as ``_crofton_counts`` of the whole array in memory."""
    from ._surface import DIRECTIONS_13, _pairs

    label = phase_label(volume, phase)
    nz = volume.shape[0]
    changes = np.zeros(len(DIRECTIONS_13), np.int64)
    pairs = np.zeros(len(DIRECTIONS_13), np.int64)
    found = 0
    for z0, z1 in steps(slab_bounds(volume), "surface", enabled=progress):
        top = min(z1 + 1, nz)  # one slice of halo: the partners of the slab's last slice
        sel, mask = _slab(volume, z0, top, label)
        core = z1 - z0
        found += int(np.count_nonzero(sel[:core]))
        for i, offset in enumerate(DIRECTIONS_13):
            a, b = _pairs(sel.shape, offset)
            a = (slice(a[0].start, min(a[0].stop, core)),) + a[1:]  # pairs that start in the slab
            b = (slice(a[0].start + offset[0], a[0].stop + offset[0]),) + b[1:]
            u, v = sel[a], sel[b]
            change = u != v
            if mask is not None:
                valid = mask[a] & mask[b]
                change &= valid
                pairs[i] += int(np.count_nonzero(valid))
            else:
                pairs[i] += u.size
            changes[i] += int(np.count_nonzero(change))
    if not found:
        from .._errors import InputError

        raise InputError(f"phase {phase if phase is not None else label!r} (label {label}) has no voxels; "
                         f"labels present: {_present(volume.data)}")
    steps_m = [float(np.sqrt(sum((o * h) ** 2 for o, h in zip(offset, volume.voxel_size))))
               for offset in DIRECTIONS_13]
    return [(int(c), int(p), s) for c, p, s in zip(changes, pairs, steps_m)]


def lazy_connected_fraction(volume, phase=None, *, axis: int = 2, connectivity: int = 26,
                            progress: bool = False) -> float:
    """Volume fraction of the clusters of ``phase`` that touch both faces normal to ``axis``,
    streamed: each slab is labelled on its own, and clusters that meet across a slab face
    (face, edge and corner neighbours for 26-connectivity) are merged by union-find, so the
    clusters, and the fraction, are those of the whole volume."""
    from scipy import ndimage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from ..segment._cleanup import structure

    label = phase_label(volume, phase)
    bounds = slab_bounds(volume)
    nz = volume.shape[0]
    sizes, first, last, pairs = [np.zeros(1, np.int64)], [], [], []
    offset, total, found, previous = 0, 0, 0, None
    for z0, z1 in steps(bounds, "connected porosity", enabled=progress):
        sel, mask = _slab(volume, z0, z1, label)
        found += int(np.count_nonzero(sel))
        if mask is not None:
            sel = sel & mask
            total += int(np.count_nonzero(mask))
        else:
            total += sel.size
        labels, n = ndimage.label(sel, structure=structure(connectivity))
        labels = np.where(labels > 0, labels + offset, 0)
        sizes.append(np.bincount(labels.ravel(), minlength=offset + n + 1)[offset + 1:])
        if previous is not None:  # clusters that meet across the face between this slab and the last
            pairs.append(_face_pairs(previous, labels[0], connectivity))
        if axis == 0:  # the faces normal to z are in the first and the last slab
            if z0 == 0:
                first.append(labels[0][labels[0] > 0])
            if z1 == nz:
                last.append(labels[-1][labels[-1] > 0])
        else:
            lo, hi = np.take(labels, 0, axis=axis), np.take(labels, -1, axis=axis)
            first.append(lo[lo > 0])
            last.append(hi[hi > 0])
        previous = labels[-1]
        offset += n
    if not found:
        from .._errors import InputError

        raise InputError(f"phase {phase if phase is not None else label!r} (label {label}) has no voxels; "
                         f"labels present: {_present(volume.data)}")
    count = np.concatenate(sizes)
    links = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(offset + 1,) * 2)
    cluster = connected_components(graph, directed=False)[1]
    spanning = np.intersect1d(cluster[np.concatenate(first)], cluster[np.concatenate(last)])
    keep = np.isin(cluster, spanning)
    keep[0] = False  # the background
    return float(count[keep].sum() / total)


def _face_pairs(below: np.ndarray, above: np.ndarray, connectivity: int) -> np.ndarray:
    """Label pairs (a, b) with a in the last slice of one slab and b in the first slice of the
    next that are neighbours: straight across, or diagonally for 26-connectivity."""
    diagonal = {6: 0, 18: 1, 26: 2}[int(connectivity)]  # how many in-plane steps a neighbour may take
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if abs(dy) + abs(dx) <= diagonal]
    ny, nx = below.shape
    out = []
    for dy, dx in shifts:
        a = below[max(0, -dy):ny - max(0, dy), max(0, -dx):nx - max(0, dx)]
        b = above[max(0, dy):ny - max(0, -dy), max(0, dx):nx - max(0, -dx)]
        both = (a > 0) & (b > 0)
        out.append(np.stack([a[both], b[both]], axis=1))
    return np.unique(np.concatenate(out), axis=0) if out else np.zeros((0, 2), np.int64)
