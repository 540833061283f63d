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
"""

from __future__ import annotations

import numba
import numpy as np

from ..metrics._thickness import _FACE  # the six face offsets (z, y, x)

__all__ = ["pore_properties", "interface_faces"]


@numba.njit(cache=True)
def pore_properties(labels, n, dt_solid, dt_local):
    """Per region 1..n (index 0 unused): voxel count, coordinate sums (z, y, x), max local
    distance, max distance to solid, faces shared with the solid."""
    nz, ny, nx = labels.shape
    count = np.zeros(n + 1, np.int64)
    sums = np.zeros((n + 1, 3), np.float64)
    local = np.zeros(n + 1, np.float32)
    extended = np.zeros(n + 1, np.float32)
    solid_faces = np.zeros(n + 1, np.int64)
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                a = labels[z, y, x]
                if a == 0:
                    continue
                count[a] += 1
                sums[a, 0] += z
                sums[a, 1] += y
                sums[a, 2] += x
                if dt_local[z, y, x] > local[a]:
                    local[a] = dt_local[z, y, x]
                if dt_solid[z, y, x] > extended[a]:
                    extended[a] = dt_solid[z, y, x]
                if dt_solid[z, y, x] < 1.5:  # only voxels next to the solid have solid faces
                    for k in range(6):
                        zz, yy, xx = z + _FACE[k][0], y + _FACE[k][1], x + _FACE[k][2]
                        if 0 <= zz < nz and 0 <= yy < ny and 0 <= xx < nx and labels[zz, yy, xx] == 0:
                            solid_faces[a] += 1
    return count, sums, local, extended, solid_faces


@numba.njit(cache=True)
def _scan_faces(labels, dt_solid, fill, a_out, b_out, d_out, pos_out):
    """Faces between two different regions: counted, and written to the arrays when ``fill``."""
    nz, ny, nx = labels.shape
    k = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
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
                        pos_out[k, 0] = z + 0.5 * (axis == 0)
                        pos_out[k, 1] = y + 0.5 * (axis == 1)
                        pos_out[k, 2] = x + 0.5 * (axis == 2)
                    k += 1
    return k


def interface_faces(labels: np.ndarray, dt_solid: np.ndarray):
    """Throats from the faces between regions: (pore a, pore b, n_faces, max distance,
    n_faces near the solid, centre (z, y, x) in voxels), one row per region pair, a < b."""
    none = np.zeros(0, np.int64)
    n = _scan_faces(labels, dt_solid, False, none, none, np.zeros(0, np.float32), np.zeros((0, 3)))
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, np.zeros(0, np.float32), empty, np.zeros((0, 3))
    a = np.empty(n, np.int64)
    b = np.empty(n, np.int64)
    d = np.empty(n, np.float32)
    pos = np.empty((n, 3), np.float64)
    _scan_faces(labels, dt_solid, True, a, b, d, pos)
    order = np.lexsort((d, b, a))  # by pair, then distance: the last face of a pair is its deepest
    a, b, d, pos = a[order], b[order], d[order], pos[order]
    first = np.flatnonzero(np.concatenate([[True], (a[1:] != a[:-1]) | (b[1:] != b[:-1])]))
    last = np.concatenate([first[1:], [n]]) - 1
    area = np.diff(np.concatenate([first, [n]]))
    near = np.add.reduceat((d < 2).astype(np.int64), first)
    return a[first], b[first], area, d[last], near, pos[last]
