"""SNOW on a lazy volume, chunk by chunk, stitched so that a pore crossing a seam stays one pore.

The in-memory steps of ``partition`` and ``_regions``, each on chunks with the halo it needs:

1. distance to the solid: exact, with halos proven wide enough (``lazy_squared_distance``);
2. peaks: blur (halo 4 sigma), maxima over a ball (halo r_max) and the saddle test (halo
   ``SADDLE_REACH``: its plateau grows by one voxel per round, for at most 20 rounds), in one
   pass over chunks with the sum of those halos;
3. near peaks: the peak voxels of the whole volume are few; they are gathered, grouped into
   peaks (26-connected, numbered in raster order, as ``ndimage.label`` numbers them) and
   thinned exactly as in memory (a KD-tree over all of them);
4. watershed: each chunk is flooded from the global markers with a halo of ``halo`` voxels
   (default: twice the largest distance to the solid plus 8, so a pore's flood starts from
   markers that may lie across a seam). Labels are global, so a pore that crosses a seam
   keeps one number on both sides; porespy's dask snow2 labels chunks apart and splits them;
5. region properties: sums and maxima per pore and per throat, chunk by chunk, merged (a
   face belongs to the chunk of its lower voxel; a throat's deepest face is chosen as in
   memory: largest distance, then last in raster order). Each block computes the local
   distance of its regions itself, from a halo of the largest distance + 2.
"""

from __future__ import annotations

import itertools

import numpy as np
from dask.array.overlap import ensure_minimum_chunksize
from scipy import ndimage

from .._chunks import halo, spill
from ..metrics._thickness import lazy_squared_distance
from ._peaks import find_peaks, trim_saddle_points, watershed
from ._regions import _block_pores, _reduce_faces, face_centres, scan_faces

__all__ = ["lazy_partition", "lazy_properties"]

SADDLE_REACH = 28  # trim_saddle_points grows a plateau by one voxel a round, 20 rounds at most


def _peaks(dt, selected, *, sigma, r_max):
    """Peaks of a block, as ``partition`` finds them before the near ones are thinned."""
    blurred = dt
    if sigma > 0:
        blurred = ndimage.gaussian_filter(dt, sigma=sigma)
        blurred *= selected
    return trim_saddle_points(find_peaks(blurred, selected, r_max=r_max), dt)


def _sparse_labels(flat: np.ndarray, shape) -> np.ndarray:
    """26-connected components of the voxels at sorted flat indices ``flat``, numbered 1..n in
    the order of their first voxel (as ``ndimage.label`` numbers them)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    coords = np.stack(np.unravel_index(flat, shape), axis=1)
    rows, cols = [], []
    for offset in itertools.product((-1, 0, 1), repeat=3):
        if offset <= (0, 0, 0):
            continue  # each pair once: the 13 forward neighbours
        other = coords + offset
        inside = np.all((other >= 0) & (other < shape), axis=1)
        target = np.ravel_multi_index(tuple(other[inside].T), shape)
        where = np.searchsorted(flat, target)
        hit = where < flat.size
        hit[hit] = flat[where[hit]] == target[hit]
        rows.append(np.flatnonzero(inside)[hit])
        cols.append(where[hit])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(flat.size, flat.size))
    return connected_components(graph, directed=False)[1] + 1  # numbered by first voxel already


def _thin_near_peaks(flat, labels, n, heights_at, shape, f: float = 1.0):
    """``trim_nearby_peaks`` on the peak voxels of the whole volume: which peaks stay."""
    from scipy import spatial

    if n < 2:
        return np.ones(n + 1, bool) & (np.arange(n + 1) > 0)
    count = np.bincount(labels, minlength=n + 1)[1:]
    centres = np.stack([np.bincount(labels, c, minlength=n + 1)[1:] / count
                        for c in np.unravel_index(flat, shape)], axis=1).astype(int)
    height = heights_at(centres) + np.arange(n) * 1e-6
    distance, neighbour = spatial.KDTree(centres).query(centres, k=2)
    distance, neighbour = distance[:, 1], neighbour[:, 1]
    hits = np.flatnonzero(distance <= f * height)
    drop = np.unique(np.where(height[hits] < height[neighbour[hits]], hits, neighbour[hits]))
    keep = np.ones(n + 1, bool)
    keep[0] = False
    keep[drop + 1] = False
    return keep


def _argwhere(array) -> np.ndarray:
    """Coordinates of the True voxels of a lazy array, block by block (dask's argwhere ravels
    the array first, which gathers whole rows of chunks into memory)."""
    import dask

    edges = [np.cumsum((0,) + c)[:-1] for c in array.chunks]
    blocks = array.to_delayed(optimize_graph=False)
    found = [dask.delayed(lambda b, o: np.argwhere(b) + np.asarray(o))(blocks[i, j, k], (edges[0][i], edges[1][j],
                                                                                         edges[2][k]))
             for i, j, k in itertools.product(*(range(len(c)) for c in array.chunks))]
    return np.concatenate(dask.compute(*found)) if found else np.zeros((0, 3), np.int64)


def lazy_partition(selected, *, sigma: float = 0.4, r_max: int = 4, reach_ws: int | None = None,
                   folder: str | None = None):
    """``partition`` of a lazy boolean array: (regions int32, lazy; number of regions; the
    distance to the solid, float32, lazy; its largest value). ``folder``: where the distance
    map and the regions are kept on disk between the steps."""
    import dask.array as da

    d2, top = lazy_squared_distance(selected)
    # dask may rechunk an array whose chunks are thinner than a halo: back to one chunking
    dt = d2.map_blocks(lambda d: np.sqrt(d, dtype=np.float32), dtype=np.float32).rechunk(selected.chunks)
    dt = spill(dt, folder, "distance")
    reach = int(4.0 * sigma + 0.5) + int(r_max) + SADDLE_REACH
    peaks = da.map_overlap(_peaks, dt, selected, depth=halo(reach, selected.shape), boundary="none", dtype=bool,
                           sigma=sigma, r_max=int(r_max))
    where = _argwhere(peaks)
    shape = selected.shape
    flat = np.sort(np.ravel_multi_index(tuple(where.T), shape)) if where.size else np.zeros(0, np.int64)
    labels = _sparse_labels(flat, shape) if flat.size else np.zeros(0, np.int64)
    n = int(labels.max(initial=0))
    keep = _thin_near_peaks(flat, labels, n, lambda c: dt.vindex[tuple(c.T)].compute(), shape)
    kept = keep[labels]
    flat, labels = flat[kept], labels[kept]
    _, labels = np.unique(labels, return_inverse=True)  # renumbered 1..m, still in raster order
    labels = labels.astype(np.int32) + 1
    count = int(labels.max(initial=0))
    coords = np.stack(np.unravel_index(flat, shape), axis=1) if flat.size else np.zeros((0, 3), np.int64)

    radius = int(np.sqrt(top))
    depth = halo(int(reach_ws) if reach_ws is not None else 2 * radius + 8, shape)
    # chunks at least as thick as the halo, as map_overlap would make them, so that a block's
    # place in the volume follows from its chunk index
    chunks = tuple(ensure_minimum_chunksize(depth[axis], c) if depth[axis] else c
                   for axis, c in enumerate(selected.chunks))
    edges = [np.cumsum((0,) + c) for c in chunks]

    def flood(d, s, block_info=None):
        """The watershed of one block with its halo, seeded from the markers inside it."""
        index = block_info[0]["chunk-location"]
        start = np.array([max(int(edges[a][index[a]]) - depth[a], 0) for a in range(3)])
        inside = np.all((coords >= start) & (coords < start + d.shape), axis=1)
        seeds = np.zeros(d.shape, np.int32)
        seeds[tuple((coords[inside] - start).T)] = labels[inside]
        return watershed(d, seeds, s)

    regions = da.map_overlap(flood, dt.rechunk(chunks), selected.rechunk(chunks), depth=depth, boundary="none",
                             dtype=np.int32).rechunk(selected.chunks)
    return spill(regions, folder, "regions"), count, dt, radius


def _local_distance(regions):
    import edt

    return edt.edt(regions.view(np.uint32), black_border=True, parallel=1).astype(np.float32, copy=False)


def _block_properties(labels, dt_solid, dt_local, lo, hi, offset, shape):
    """Pore sums and maxima and throat faces of one block's core, reduced per pore and pair."""
    core = labels[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    ids = np.unique(core[core > 0])
    index = np.searchsorted(ids, labels).astype(np.int32)
    m = ids.size
    count, sums = np.zeros(m, np.int64), np.zeros((m, 3), np.float64)
    local, extended, solid = np.zeros(m, np.float32), np.zeros(m, np.float32), np.zeros(m, np.int64)
    _block_pores(labels, index, dt_solid, dt_local, *(np.asarray(v, np.int64) for v in (lo, hi, offset)), count,
                 sums, local, extended, solid)
    a, b, d, key = scan_faces(labels, dt_solid, lo, hi, offset, shape)
    return (ids, count, sums, local, extended, solid), _reduce_faces(a, b, d, key, np.ones(a.size, np.int64),
                                                                      (d < 2).astype(np.int64))


def _properties_of(labels, dt_solid, window, lo, hi, offset, shape):
    """``_block_properties`` of a block whose regions carry a halo wide enough for their local
    distance: computed on the whole block, then cut to ``window`` (the core and one voxel)."""
    dt_local = _local_distance(labels)[window]
    return _block_properties(np.ascontiguousarray(labels[window]), dt_solid, dt_local, lo, hi, offset, shape)


def lazy_properties(regions, dt, radius: int, n: int, *, extra=()):
    """``pore_properties`` and ``interface_faces`` of a lazy partition, chunk by chunk; the
    same arrays as in memory. Each block's local distances come from its regions with a halo of
    ``radius`` + 2 (a region's inscribed radius is at most the largest distance to the solid),
    so no image-sized array of them is made. ``extra``: more lazy things of the same graph,
    computed in the same pass (so that the watershed runs once) and returned after them."""
    import dask
    from dask.array.overlap import overlap

    shape = regions.shape
    wide = halo(radius + 2, shape)
    chunks = tuple(ensure_minimum_chunksize(wide[axis], c) if wide[axis] else c
                   for axis, c in enumerate(regions.chunks))
    regions, dt = regions.rechunk(chunks), dt.rechunk(chunks)
    edges = [np.cumsum((0,) + c) for c in chunks]
    # blocks with their halos, as delayed objects of one graph (a dask array handed to
    # dask.delayed is optimised on its own, and its chunks would be computed once per reader)
    padded_regions = overlap(regions, depth=wide, boundary="none").to_delayed(optimize_graph=False).ravel()
    padded_dt = overlap(dt, depth=1, boundary="none").to_delayed(optimize_graph=False).ravel()
    tasks = []
    for block, index in enumerate(itertools.product(*(range(len(c)) for c in chunks))):
        start = [int(edges[a][index[a]]) for a in range(3)]
        stop = [int(edges[a][index[a] + 1]) for a in range(3)]
        pad0 = [max(s - 1, 0) for s in start]
        pad1 = [min(s + 1, size) for s, size in zip(stop, shape)]
        far = [max(s - wide[a], 0) for a, s in enumerate(start)]
        window = tuple(slice(p - f, q - f) for p, q, f in zip(pad0, pad1, far))
        lo = [s - p for s, p in zip(start, pad0)]
        hi = [s - p for s, p in zip(stop, pad0)]
        tasks.append(dask.delayed(_properties_of)(padded_regions[block], padded_dt[block], window, lo, hi, pad0,
                                                  shape))
    results, extra = dask.compute(tasks, list(extra), optimize_graph=False)
    count, sums = np.zeros(n + 1, np.int64), np.zeros((n + 1, 3), np.float64)
    local, extended, solid = np.zeros(n + 1, np.float32), np.zeros(n + 1, np.float32), np.zeros(n + 1, np.int64)
    for (ids, c, s, lo_, ex, so), _ in results:
        count[ids] += c
        sums[ids] += s
        local[ids] = np.maximum(local[ids], lo_)
        extended[ids] = np.maximum(extended[ids], ex)
        solid[ids] += so
    faces = [np.concatenate(parts) for parts in zip(*(f for _, f in results))]
    a, b, d, key, area, near = _reduce_faces(*faces)
    return ((count, sums, local, extended, solid), (a, b, area, d, near, face_centres(key, shape)), *extra)
