"""Streaming a lazy volume in z-slabs aligned with its dask chunks: one slab in memory at a time."""

from __future__ import annotations

import numpy as np

__all__ = ["slab_bounds", "read_slab"]


def slab_bounds(volume) -> list[tuple[int, int]]:
    """(z0, z1) of each slab: the dask chunks along z, so every read is aligned."""
    edges = np.cumsum((0,) + tuple(volume.data.chunks[0]))
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def read_slab(volume, z0: int, z1: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Slices z0..z1-1 of the voxels and of the mask (or None), as NumPy arrays."""
    import dask

    mask = None if volume.mask is None else volume.mask[z0:z1]
    data, mask = dask.compute(volume.data[z0:z1], mask)
    return np.asarray(data), None if mask is None else np.asarray(mask, bool)
