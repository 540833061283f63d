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

from .._chunks import read_slab, slab_bounds, slab_labels
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
    label = phase_label(volume, phase)
    counted = {"found": 0, "total": 0}

    def choose(data, mask):
        selected = select(data, label)
        counted["found"] += int(np.count_nonzero(selected))
        counted["total"] += selected.size if mask is None else int(np.count_nonzero(mask))
        return selected if mask is None else selected & mask

    clusters = slab_labels(volume, choose, connectivity=connectivity, progress=progress, what="connected porosity")
    if not counted["found"]:
        from .._errors import InputError

        raise InputError(f"phase {phase if phase is not None else label!r} (label {label}) has no voxels; "
                         f"labels present: {_present(volume.data)}")
    keep = clusters.spanning(axis)
    keep[0] = False  # the background
    return float(clusters.sizes[keep].sum() / counted["total"])
