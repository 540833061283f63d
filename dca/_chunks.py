"""Streaming a lazy volume in slabs aligned with its dask chunks: one slab in memory at a time.

Slabs are cut along one axis (z unless a stage needs whole lines along z, then y) and hold
the whole extent of the other two. Connected components of a phase are found slab by slab
and merged across the faces between slabs by union-find (``slab_labels``), so they are the
components of the whole volume; a second pass labels each slab again (the same labels:
``ndimage.label`` is deterministic) and maps them through the merged table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

__all__ = ["slab_bounds", "read_slab", "slab_labels", "SlabLabels", "FACE_BITS", "map_slabs", "SLAB_VOXELS", "halo",
           "spill"]


#: Most voxels in one slab: a z-chunk is cut into slabs of this size, so a slab's working
#: memory stays bounded however wide the planes are (``DCA_SLAB_VOXELS`` overrides). The
#: heaviest slab stage, the mean curvature's mesh, holds ~200 B per voxel: 2^23 voxels, 1.7 GB.
SLAB_VOXELS = int(os.environ.get("DCA_SLAB_VOXELS", 2 ** 23))


def slab_bounds(volume, axis: int = 0) -> list[tuple[int, int]]:
    """(start, stop) of each slab along ``axis``: within the dask chunks (so reads are
    aligned), each at most ``SLAB_VOXELS`` voxels."""
    _READ.clear()  # a new pass over the volume: nothing read before is reused
    edges = np.cumsum((0,) + tuple(volume.data.chunks[axis]))
    plane = int(np.prod(volume.shape)) // max(volume.shape[axis], 1)
    rows = max(1, SLAB_VOXELS // max(plane, 1))
    return [(int(s), int(min(s + rows, b))) for a, b in zip(edges[:-1], edges[1:]) for s in range(a, b, rows)]


_READ: dict = {}  # the last chunk-slabs read: (array name, axis, start) -> (data, mask)


def read_slab(volume, start: int, stop: int, axis: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """Slices start..stop-1 along ``axis`` of the voxels and of the mask (or None), as NumPy
    arrays. Whole chunk-slabs are read and the last few kept, so that slabs thinner than a
    chunk, and the halo rows around them, do not read the same chunks again."""
    import dask

    edges = np.cumsum((0,) + tuple(volume.data.chunks[axis]))
    first = int(np.searchsorted(edges, start, side="right")) - 1
    last = int(np.searchsorted(edges, stop, side="left"))
    lazy_mask = volume.mask is None or hasattr(volume.mask, "name")
    name = (volume.data.name, getattr(volume.mask, "name", None), axis) if lazy_mask else None
    pieces = []
    for i in range(first, last):
        a, b = int(edges[i]), int(edges[i + 1])
        key = None if name is None else name + (a,)
        if key is None or key not in _READ:
            cut = (slice(None),) * axis + (slice(a, b),)
            mask = None if volume.mask is None else volume.mask[cut]
            data, mask = dask.compute(volume.data[cut], mask)
            read = (np.asarray(data), None if mask is None else np.asarray(mask, bool))
            if key is None:  # an in-memory mask: nothing to key the data on
                data, mask = read
            else:
                _READ[key] = read
                while len(_READ) > 2:  # a slab and its halo rows span two chunk-slabs at most
                    _READ.pop(next(iter(_READ)))
        if key is not None:
            data, mask = _READ[key]
        cut = (slice(None),) * axis + (slice(max(start, a) - a, min(stop, b) - a),)
        pieces.append((data[cut], None if mask is None else mask[cut]))
    data = np.concatenate([p[0] for p in pieces], axis=axis) if len(pieces) > 1 else pieces[0][0]
    mask = None if volume.mask is None else (np.concatenate([p[1] for p in pieces], axis=axis)
                                             if len(pieces) > 1 else pieces[0][1])
    return data, mask


def halo(width: int, shape) -> dict:
    """A map_overlap depth of ``width`` voxels, cut to each axis's length (dask refuses more)."""
    return {axis: min(int(width), int(n)) for axis, n in enumerate(shape)}


def spill(array, folder: str | None, name: str):
    """``array`` computed chunk by chunk into a Zarr store in ``folder`` and read back lazily,
    so that later stages read it from disk instead of holding it, or computing it again
    (None: kept as a graph)."""
    import dask.array as da

    regular = all(len(set(c[:-1])) <= 1 and c[-1] <= c[0] for c in array.chunks)
    if folder is None or not regular:
        return array
    path = os.path.join(folder, name + ".zarr")
    array.to_zarr(path)
    return da.from_zarr(path)


#: Bit of each box face in ``SlabLabels.faces``: z low, z high, y low, y high, x low, x high.
FACE_BITS = {(0, 0): 1, (0, 1): 2, (1, 0): 4, (1, 1): 8, (2, 0): 16, (2, 1): 32}


@dataclass(frozen=True)
class SlabLabels:
    """Connected components of a phase found slab by slab (slabs along z).

    Slab ``k``'s labels are ``offsets[k] + 1 .. offsets[k + 1]``; ``component[label]`` is the
    component of the whole volume each belongs to (0 for the background), ``sizes`` and
    ``faces`` (bits of ``FACE_BITS``: the box faces it touches) are per component.
    """

    bounds: list
    offsets: np.ndarray
    component: np.ndarray
    sizes: np.ndarray
    faces: np.ndarray
    structure: np.ndarray
    marked: np.ndarray | None = None  # per component: voxels of the second array ``choose`` gave, if any

    def label(self, selected: np.ndarray, k: int) -> np.ndarray:
        """The component of every voxel of slab ``k`` (its selection given), 0 outside."""
        from scipy import ndimage

        labels, n = ndimage.label(selected, structure=self.structure)
        if n != self.offsets[k + 1] - self.offsets[k]:
            raise RuntimeError("a slab labelled differently on the second pass; was the volume changed meanwhile?")
        return self.component[np.where(labels > 0, labels + self.offsets[k], 0)]

    def spanning(self, axis: int) -> np.ndarray:
        """Per component: does it touch both faces normal to ``axis``."""
        both = FACE_BITS[(axis, 0)] | FACE_BITS[(axis, 1)]
        return (self.faces & both) == both


def slab_labels(volume, choose, *, connectivity: int, progress: bool | None = None,
                what: str = "labelling") -> SlabLabels:
    """Components of the voxels ``choose(data, mask)`` selects in each z-slab of ``volume``,
    merged across the slab faces (face, edge and corner neighbours as ``connectivity`` says).
    ``choose`` may return (selected, marked): the marked voxels of each component are counted."""
    from scipy import ndimage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from ._progress import steps
    from .segment._cleanup import structure

    struct = structure(connectivity)
    bounds = slab_bounds(volume)
    nz = volume.shape[0]
    sizes, faces, pairs, offsets = [np.zeros(1, np.int64)], [np.zeros(1, np.uint8)], [], [0]
    marks = [np.zeros(1, np.int64)]
    previous = None
    for z0, z1 in steps(bounds, what, enabled=progress):
        selected = choose(*read_slab(volume, z0, z1))
        selected, marked = selected if isinstance(selected, tuple) else (selected, None)
        labels, n = ndimage.label(selected, structure=struct)
        offset = offsets[-1]
        labels = np.where(labels > 0, labels + offset, 0)
        sizes.append(np.bincount(labels.ravel(), minlength=offset + n + 1)[offset + 1:])
        if marked is not None:
            marks.append(np.bincount(labels[marked & selected], minlength=offset + n + 1)[offset + 1:])
        touch = np.zeros(n + 1, np.uint8)
        sides = [(1, 0, labels[:, 0]), (1, 1, labels[:, -1]), (2, 0, labels[:, :, 0]), (2, 1, labels[:, :, -1])]
        if z0 == 0:
            sides.append((0, 0, labels[0]))
        if z1 == nz:
            sides.append((0, 1, labels[-1]))
        for axis, side, plane in sides:
            hit = np.unique(plane[plane > 0]) - offset
            touch[hit] |= FACE_BITS[(axis, side)]
        faces.append(touch[1:])
        if previous is not None:  # components meeting across the face between this slab and the last
            pairs.append(_face_pairs(previous, labels[0], connectivity))
        previous = labels[-1]
        offsets.append(offset + n)
    total = offsets[-1] + 1
    links = np.concatenate(pairs) if pairs else np.zeros((0, 2), np.int64)
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(total, total))
    # components numbered in the order of their smallest label, so the background stays 0
    component = connected_components(graph, directed=False)[1].astype(np.int64)
    m = int(component.max()) + 1
    count = np.bincount(component, weights=np.concatenate(sizes), minlength=m).astype(np.int64)
    touched = np.zeros(m, np.uint8)
    np.bitwise_or.at(touched, component, np.concatenate(faces))
    marked = np.bincount(component, weights=np.concatenate(marks), minlength=m).astype(np.int64) \
        if len(marks) > 1 else None
    return SlabLabels(bounds, np.asarray(offsets, np.int64), component, count, touched, struct, marked)


def _face_pairs(below: np.ndarray, above: np.ndarray, connectivity: int) -> np.ndarray:
    """Label pairs (a, b) with a in the last slice of one slab and b in the first slice of the
    next that are neighbours: straight across, or diagonally for 18 and 26 connectivity."""
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


def map_slabs(volume, func, dtype):
    """``func(data, mask, k)`` over each z-slab of a lazy volume (the slab's voxels, its mask
    or None, its index in ``slab_bounds``), lazily: a dask array of the same shape, computed
    slab by slab."""
    import dask.array as da

    bounds = slab_bounds(volume)
    rows = {0: tuple(b - a for a, b in bounds), 1: -1, 2: -1}
    data = volume.data.rechunk(rows)
    starts = {z0: k for k, (z0, _) in enumerate(bounds)}
    mask = None if volume.mask is None else da.asarray(volume.mask).rechunk(rows)

    def block(values, *rest, block_info=None):
        k = starts[block_info[0]["array-location"][0][0]]
        return func(values, rest[0] if rest else None, k)

    args = (data,) if mask is None else (data, mask)
    return da.map_blocks(block, *args, dtype=dtype, meta=np.empty((0, 0, 0), dtype))
