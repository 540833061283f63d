"""Clean-up of a segmentation: small islands, enclosed voids, the cluster spanning the sample.

A lazy (dask-backed) volume is cleaned slab by slab: clusters are labelled per slab and merged
across the slab faces (``dca._chunks.slab_labels``), so the clusters, and the result, are
those of the whole volume; the result stays lazy and is computed slab by slab.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .. import _check
from .._errors import NotPercolatingError
from .._phase import _is_binary, no_voxels, phase_label, phase_mask, select
from ..util import require_memory, takes_volume

__all__ = ["remove_islands", "fill_enclosed", "keep_spanning", "structure"]


def structure(connectivity: int) -> np.ndarray:
    """Neighbourhood for 6, 18 or 26 connectivity."""
    rank = {6: 1, 18: 2, 26: 3}.get(int(connectivity))
    if rank is None:
        raise _check.InputError(f"connectivity must be 6, 18 or 26, got {connectivity!r}")
    return ndimage.generate_binary_structure(3, rank)


def _binary(volume) -> bool:
    """Two labels only (bool, or 0/1 integers): a removed voxel takes the other one."""
    return volume.dtype == bool or _is_binary(volume.data)


def _flip(data: np.ndarray, where: np.ndarray) -> np.ndarray:
    out = data.copy()
    out[where] = ~data[where] if data.dtype == bool else 1 - data[where]
    return out


def _nearest(data: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``data`` with the voxels ``where`` given the label of their nearest voxel outside ``where``."""
    out = data.copy()
    if where.any():
        _, idx = ndimage.distance_transform_edt(where, return_indices=True)
        out[where] = data[tuple(i[where] for i in idx)]
    return out


def _assign(volume, where: np.ndarray, step: str, **params):
    """Give the voxels ``where`` the other label of a binary image, else the label of their
    nearest voxel outside ``where``."""
    data = volume.to_numpy()
    data = _flip(data, where) if _binary(volume) else _nearest(data, where)
    return volume.with_data(data, step=step, **params)


def _lazy_clusters(volume, phase, connectivity: int, what: str):
    """The label ``phase`` selects, and its clusters in the whole lazy volume (slab by slab)."""
    from .._chunks import slab_labels

    label = phase_label(volume, phase)
    clusters = slab_labels(volume, lambda data, mask: select(data, label), connectivity=connectivity, what=what)
    if clusters.sizes.size < 2:
        raise no_voxels(phase, label, volume.data)
    return label, clusters


def _lazy_remove(volume, label: int, clusters, drop: np.ndarray, step: str, **params):
    """A lazy volume whose clusters ``drop`` (per component) take the other label (binary) or
    the nearest other label, within ``reach`` voxels (``params``)."""
    from .._chunks import map_slabs

    def flipped(data, mask, k):
        return _flip(data, drop[clusters.label(select(data, label), k)])

    if _binary(volume):
        return volume.with_data(map_slabs(volume, flipped, volume.dtype), step=step, **params)
    # several labels: the nearest other label lies within the island's size (a line through an
    # island leaves it within min_size voxels), so a halo that wide gives the in-memory answer
    reach = int(params["min_size"])
    where = map_slabs(volume, lambda data, mask, k: drop[clusters.label(select(data, label), k)], bool)
    import dask.array as da

    from .._chunks import halo

    out = da.map_overlap(_nearest, volume.data.rechunk(where.chunks), where, depth=halo(reach, volume.shape),
                         boundary="none", dtype=volume.dtype)
    return volume.with_data(out, step=step, **params)


@takes_volume
def remove_islands(volume, *, phase=None, min_size: int = 27, connectivity: int = 26):
    """Reassign clusters of ``phase`` smaller than ``min_size`` voxels to the surrounding phase
    (the other label of a binary image; else the label of the nearest voxel outside them)."""
    params = dict(phase=phase, min_size=min_size, connectivity=connectivity)
    if volume.is_lazy:
        label, clusters = _lazy_clusters(volume, phase, connectivity, "islands")
        small = clusters.sizes < min_size
        small[0] = False
        return _lazy_remove(volume, label, clusters, small, "remove_islands", **params)
    selected = phase_mask(volume, phase)
    labels, n = ndimage.label(selected, structure=structure(connectivity))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    small = (sizes < min_size)
    small[0] = False
    return _assign(volume, small[labels], "remove_islands", **params)


def _dual(connectivity: int) -> int:
    # the complement's connectivity is the dual of the phase's (6 <-> 26)
    return {6: 26, 18: 18, 26: 6}[int(connectivity)]


@takes_volume
def fill_enclosed(volume, *, phase=None, connectivity: int = 6):
    """Give ``phase`` every voxel it encloses (clusters of other phases not touching the box faces)."""
    structure(connectivity)  # a bad connectivity refused first
    params = dict(phase=phase, connectivity=connectivity)
    target = phase_label(volume, phase)
    value = bool(target) if volume.dtype == bool else target
    if volume.is_lazy:
        from .._chunks import map_slabs, slab_labels

        others = slab_labels(volume, lambda data, mask: ~select(data, target), connectivity=_dual(connectivity),
                             what="enclosed voids")
        enclosed = others.faces == 0
        enclosed[0] = False

        def filled(data, mask, k):
            out = data.copy()
            out[enclosed[others.label(~select(data, target), k)]] = value
            return out

        if others.sizes[1:].sum() == volume.size:
            raise no_voxels(phase, target, volume.data)
        return volume.with_data(map_slabs(volume, filled, volume.dtype), step="fill_enclosed", **params)
    selected = phase_mask(volume, phase)
    filled = ndimage.binary_fill_holes(selected, structure=structure(_dual(connectivity)))
    data = volume.to_numpy().copy()
    data[filled & ~selected] = value
    return volume.with_data(data, step="fill_enclosed", **params)


def spanning(selected: np.ndarray, axis: int, connectivity: int = 26) -> np.ndarray:
    """Voxels of clusters that touch both faces normal to ``axis``."""
    labels, _ = ndimage.label(selected, structure=structure(connectivity))
    first = np.take(labels, 0, axis=axis)
    last = np.take(labels, -1, axis=axis)
    both = np.intersect1d(first[first > 0], last[last > 0])
    return np.isin(labels, both)


@takes_volume
def keep_spanning(volume, *, phase=None, axis="x", connectivity: int = 26):
    """Keep only the clusters of ``phase`` connecting the inlet and outlet faces along ``axis``.

    The removed clusters take the other label of a binary image, else the label of the
    nearest voxel outside them (a lazy volume of several labels is then loaded whole, if it
    fits). Raises NotPercolatingError
    if no cluster spans the sample.
    """
    a = _check.axis(axis)
    params = dict(phase=phase, axis="zyx"[a], connectivity=connectivity)
    if volume.is_lazy and _binary(volume):
        label, clusters = _lazy_clusters(volume, phase, connectivity, "spanning cluster")
        keep = clusters.spanning(a)
        keep[0] = False
        if not keep.any():
            raise _not_spanning(a)
        drop = ~keep
        drop[0] = False
        return _lazy_remove(volume, label, clusters, drop, "keep_spanning", **params)
    if volume.is_lazy:  # several labels: the nearest label may lie anywhere, so the whole volume is needed
        require_memory(volume.size, "clean-up", shape=volume.shape)
    selected = phase_mask(volume, phase)
    keep = spanning(selected, a, connectivity)
    if not keep.any():
        raise _not_spanning(a)
    return _assign(volume, selected & ~keep, "keep_spanning", **params)


def _not_spanning(axis: int) -> NotPercolatingError:
    return NotPercolatingError(f"no cluster of the phase connects the two faces normal to {'zyx'[axis]}; "
                               "the sample does not percolate along that axis")
