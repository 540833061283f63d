"""Metrics of a lazy (dask-backed) volume, streamed in z-slabs: only a slab (and one slice of
halo) is in memory at a time, and the numbers are those of the in-memory path, exactly.

Porosity counts voxels; Crofton's estimator counts phase changes between voxel pairs whose
partner lies at most one slice further in z (every one of the 13 lattice directions has a
z step of 0 or +1), so a slab plus the next slice holds every pair that starts in it.
Connected porosity labels each slab on its own and merges the clusters that meet across the
face between two slabs (union-find over the pairs of labels facing each other).
The Euler characteristic sums, over every 2x2x2 cell of the zero-padded image, a coefficient
of its configuration: each slab counts the cells whose lower slice is in it or just below it.
The integral of the mean curvature sums over the edges of the smoothed marching-cubes mesh:
each slab meshes itself with the smoothing's halo and one cube beyond each face, and counts
the edges whose midpoint lies in it.
"""

from __future__ import annotations

import numpy as np

from .._chunks import read_slab, slab_bounds, slab_labels
from .._phase import no_voxels, phase_label, select
from .._progress import steps

__all__ = ["lazy_fraction", "lazy_crofton_counts", "lazy_bulk_volume", "lazy_connected_fraction",
           "lazy_euler_characteristic", "lazy_mean_curvature"]


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


def lazy_fraction(volume, phase=None, *, progress: bool | None = None) -> float:
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


def lazy_crofton_counts(volume, phase=None, *, progress: bool | None = None):
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
        raise no_voxels(phase, label, volume.data)
    steps_m = [float(np.sqrt(sum((o * h) ** 2 for o, h in zip(offset, volume.voxel_size))))
               for offset in DIRECTIONS_13]
    return [(int(c), int(p), s) for c, p, s in zip(changes, pairs, steps_m)]


def lazy_connected_fraction(volume, phase=None, *, axis: int = 2, connectivity: int = 26,
                            progress: bool | None = None) -> float:
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
        raise no_voxels(phase, label, volume.data)
    keep = clusters.spanning(axis)
    keep[0] = False  # the background
    return float(clusters.sizes[keep].sum() / counted["total"])


def lazy_euler_characteristic(volume, phase=None, connectivity: int = 26, *, progress: bool | None = None) -> int:
    """Euler characteristic as ``skimage.measure.euler_number`` computes it (26- or
    6-connected phase), from the configurations of the 2x2x2 cells counted slab by slab."""
    from scipy import ndimage
    from skimage.measure._regionprops_utils import EULER_COEFS3D_26

    label = phase_label(volume, phase)
    nz = volume.shape[0]
    config = np.zeros((3, 3, 3), np.uint8)  # skimage's weights of the eight corners of a cell
    config[1, 1:, 1:] = [[1, 4], [2, 8]]
    config[2, 1:, 1:] = [[16, 64], [32, 128]]
    histogram = np.zeros(256, np.int64)
    found = 0
    for z0, z1 in steps(slab_bounds(volume), "Euler characteristic", enabled=progress):
        lo = max(z0 - 1, 0)  # the slice below: the cells straddling the face with the last slab
        sel = select(read_slab(volume, lo, z1)[0], label)
        found += int(np.count_nonzero(sel[z0 - lo:]))
        block = np.pad(sel.astype(np.uint8), ((int(z0 == 0), int(z1 == nz)), (1, 1), (1, 1)))
        cells = ndimage.convolve(block, config, mode="constant", cval=0)[1:]  # cells of slices (i - 1, i)
        histogram += np.bincount(cells.ravel(), minlength=256)
    if not found:
        raise no_voxels(phase, label, volume.data)
    coefs = EULER_COEFS3D_26 if connectivity == 26 else EULER_COEFS3D_26[::-1]
    return int(0.125 * coefs @ histogram)


def lazy_mean_curvature(volume, phase=None, *, sigma: float = 1.0, progress: bool | None = None) -> float:
    """Integral of the mean curvature (m) as ``integral_mean_curvature`` computes it in memory,
    slab by slab (the same mesh, edge by edge)."""
    from scipy import ndimage

    from .._errors import InputError
    from ..util import marching_cubes
    from ._minkowski import edge_curvature

    label = phase_label(volume, phase)
    nz = volume.shape[0]
    halo = int(4.0 * sigma + 0.5)  # the Gaussian's support (scipy truncates at 4 sigma)
    total, found, empty = 0.0, 0, True
    spacing = np.asarray(volume.voxel_size)
    for z0, z1 in steps(slab_bounds(volume), "mean curvature", enabled=progress):
        c0, c1 = max(z0 - 1, 0), min(z1 + 1, nz - 1)  # the cubes c0..c1-1: one beyond each face
        r0, r1 = max(c0 - halo, 0), min(c1 + 1 + halo, nz)
        sel = select(read_slab(volume, r0, r1)[0], label)
        found += int(np.count_nonzero(sel[z0 - r0:z1 - r0]))
        empty &= bool(sel.all())
        field = ndimage.gaussian_filter(sel.astype(np.float32), sigma=sigma, mode="nearest")[c0 - r0:c1 + 1 - r0]
        if c1 <= c0 or field.min() > 0.5 or field.max() < 0.5:
            continue  # no cube in this slab, or no interface
        verts, faces = marching_cubes(field, 0.5, offset=c0)
        term, edges = edge_curvature(verts * spacing + np.asarray(volume.origin), faces)
        middle = 0.5 * (verts[edges[:, 0], 0] + verts[edges[:, 1], 0])
        total += float(np.sum(term[(middle >= z0) & (middle < z1)]))
    if not found:
        raise no_voxels(phase, label, volume.data)
    if empty:
        raise InputError("the phase fills the whole volume; it has no interface")
    return total
