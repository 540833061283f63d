"""Pore and throat properties of a watershed partition, in one pass over the voxels (numba).

Conventions (voxel units here; ``_extract`` converts to SI):

- pore volume: number of voxels; centre: centroid of the region;
- inscribed diameter: 2 x the largest distance from a voxel of the region to the nearest
  voxel outside it (the region in isolation, as PoreSpy's ``regions_to_network``);
- extended diameter: 2 x the largest distance to the solid within the region;
- surface area: the faces shared with the solid times 2/3, the mean-projection correction
  for a voxelised isotropic surface (Cauchy: a face count overestimates the area by 3/2);
- throat between regions a and b: the faces they share. Cross-section area: their number;
  inscribed diameter: 2 x the largest distance to the solid over those faces (the distance
  map at a face is the mean of its two voxels'); perimeter: the faces within 2 voxels of
  the solid (PoreSpy's count); centre: the face of largest distance.

The kernels scan the core of a block padded by one voxel, placed in a bigger volume; in
memory the whole volume is the one block, and the chunked extraction (``_chunked``) runs the
same kernels on each chunk and merges the results.
"""

from __future__ import annotations

import numba
import numpy as np

from ..metrics._thickness import _FACE  # the six face offsets (z, y, x)

__all__ = ["pore_properties", "interface_faces", "scan_faces", "face_centres"]


@numba.njit(cache=True)
def _block_pores(labels, index, dt_solid, dt_local, lo, hi, offset, count, sums, local, extended, solid_faces):
    """Per region (``index``: its slot, for each voxel), over the core lo..hi of a block padded
    by one voxel at offset ``offset`` in the volume: voxel count, coordinate sums (z, y, x),
    max local distance, max distance to solid, faces shared with the solid."""
    nz, ny, nx = labels.shape
    for z in range(lo[0], hi[0]):
        for y in range(lo[1], hi[1]):
            for x in range(lo[2], hi[2]):
                if labels[z, y, x] == 0:
                    continue
                i = index[z, y, x]
                count[i] += 1
                sums[i, 0] += z + offset[0]
                sums[i, 1] += y + offset[1]
                sums[i, 2] += x + offset[2]
                if dt_local[z, y, x] > local[i]:
                    local[i] = dt_local[z, y, x]
                if dt_solid[z, y, x] > extended[i]:
                    extended[i] = dt_solid[z, y, x]
                if dt_solid[z, y, x] < 1.5:
                    for k in range(6):
                        zz, yy, xx = z + _FACE[k][0], y + _FACE[k][1], x + _FACE[k][2]
                        if 0 <= zz < nz and 0 <= yy < ny and 0 <= xx < nx and labels[zz, yy, xx] == 0:
                            solid_faces[i] += 1


@numba.njit(cache=True)
def _block_faces(labels, dt_solid, lo, hi, offset, shape, fill, a_out, b_out, d_out, key_out):
    """Faces between two different regions whose lower voxel is in the core lo..hi: counted,
    and written to the arrays when ``fill``, each with its key (raster index in the volume x 3
    + axis: the order of a scan over the whole volume)."""
    nz, ny, nx = labels.shape
    k = 0
    for z in range(lo[0], hi[0]):
        for y in range(lo[1], hi[1]):
            for x in range(lo[2], hi[2]):
                a = labels[z, y, x]
                if a == 0:
                    continue
                for axis in range(3):
                    zz, yy, xx = z + (axis == 0), y + (axis == 1), x + (axis == 2)
                    if zz >= nz or yy >= ny or xx >= nx:
                        continue
                    b = labels[zz, yy, xx]
                    if b == a or b == 0:
                        continue
                    if fill:
                        a_out[k] = min(a, b)
                        b_out[k] = max(a, b)
                        d_out[k] = 0.5 * (dt_solid[z, y, x] + dt_solid[zz, yy, xx])
                        flat = ((z + offset[0]) * shape[1] + (y + offset[1])) * shape[2] + (x + offset[2])
                        key_out[k] = flat * 3 + axis
                    k += 1
    return k


def _reduce_faces(a, b, d, key, area, near):
    """Per pair (a, b): faces summed, and the deepest face (largest d, then largest key)."""
    order = np.lexsort((key, d, b, a))
    a, b, d, key, area, near = a[order], b[order], d[order], key[order], area[order], near[order]
    n = a.size
    if n == 0:
        return a, b, d, key, area, near
    first = np.flatnonzero(np.concatenate([[True], (a[1:] != a[:-1]) | (b[1:] != b[:-1])]))
    last = np.concatenate([first[1:], [n]]) - 1
    return (a[first], b[first], d[last], key[last], np.add.reduceat(area, first), np.add.reduceat(near, first))


def pore_properties(labels, n, dt_solid, dt_local):
    """Per region 1..n (index 0 unused): voxel count, coordinate sums (z, y, x), max local
    distance, max distance to solid, faces shared with the solid."""
    count, sums = np.zeros(n + 1, np.int64), np.zeros((n + 1, 3), np.float64)
    local, extended, solid = np.zeros(n + 1, np.float32), np.zeros(n + 1, np.float32), np.zeros(n + 1, np.int64)
    lo, hi = np.zeros(3, np.int64), np.asarray(labels.shape, np.int64)
    _block_pores(labels, labels, dt_solid, dt_local, lo, hi, lo, count, sums, local, extended, solid)
    return count, sums, local, extended, solid


def scan_faces(labels, dt_solid, lo, hi, offset, shape):
    """The faces of ``_block_faces`` as arrays (a, b, distance, key), a < b."""
    none = np.zeros(0, np.int64)
    lo, hi, offset, shape = (np.asarray(v, np.int64) for v in (lo, hi, offset, shape))
    n = _block_faces(labels, dt_solid, lo, hi, offset, shape, False, none, none, np.zeros(0, np.float32), none)
    a, b, d, key = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.float32), np.empty(n, np.int64)
    _block_faces(labels, dt_solid, lo, hi, offset, shape, True, a, b, d, key)
    return a, b, d, key


def face_centres(key, shape) -> np.ndarray:
    """Centre (z, y, x, voxels) of each face from its key."""
    centre = np.stack(np.unravel_index(key // 3, shape), axis=1).astype(np.float64)
    centre[np.arange(key.size), key % 3] += 0.5
    return centre


def interface_faces(labels: np.ndarray, dt_solid: np.ndarray):
    """Throats from the faces between regions: (pore a, pore b, n_faces, max distance,
    n_faces near the solid, centre (z, y, x) in voxels), one row per region pair, a < b."""
    shape = labels.shape
    a, b, d, key = scan_faces(labels, dt_solid, (0, 0, 0), shape, (0, 0, 0), shape)
    a, b, d, key, area, near = _reduce_faces(a, b, d, key, np.ones(a.size, np.int64), (d < 2).astype(np.int64))
    return a, b, area, d, near, face_centres(key, shape)
