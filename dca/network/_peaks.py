"""SNOW peaks: local maxima of the distance map, saddles and near neighbours removed.

The same three steps as PoreSpy's ``snow_partitioning`` (Gostick 2017,
doi:10.1103/PhysRevE.96.023307), with the two slow ones rewritten:

- ``find_peaks``: a voxel is a peak when no voxel of the ball of radius ``r_max`` about it
  holds a larger (blurred) distance, solid counting as 2. PoreSpy runs a maximum filter
  with the ball footprint over the whole image (3.2 s at 200^3); here each voxel stops at
  the first larger neighbour, nearest first (almost every voxel stops within a few).
- ``trim_saddle_points``: PoreSpy's iteration (grow the plateau to its 3x3x3 neighbours
  at their maximum; a peak that is left behind was a saddle) in one numba pass over all
  peaks instead of a Python loop of binary dilations per peak.
- ``trim_nearby_peaks``: as PoreSpy (a KD-tree of peak centres; of two peaks closer than
  the distance to the solid, the lower goes).
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import ndimage, spatial

__all__ = ["find_peaks", "trim_saddle_points", "trim_nearby_peaks", "watershed"]


def _ball_offsets(r: int) -> np.ndarray:
    """Offsets of the ball |d| <= r (PoreSpy's ``ps_round``), nearest first, centre excluded."""
    g = np.mgrid[-r:r + 1, -r:r + 1, -r:r + 1].reshape(3, -1).T
    d2 = (g ** 2).sum(axis=1)
    keep = (d2 <= r * r) & (d2 > 0)
    order = np.argsort(d2[keep], kind="stable")
    return np.ascontiguousarray(g[keep][order], dtype=np.int64)


@numba.njit(parallel=True, cache=True)
def _find_peaks(value, phase, offsets, out):
    nz, ny, nx = value.shape
    for z in numba.prange(nz):
        for y in range(ny):
            for x in range(nx):
                if not phase[z, y, x]:
                    out[z, y, x] = False
                    continue
                v = value[z, y, x]
                peak = True
                for k in range(offsets.shape[0]):
                    zz, yy, xx = z + offsets[k, 0], y + offsets[k, 1], x + offsets[k, 2]
                    if zz < 0 or zz >= nz or yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                        continue
                    w = value[zz, yy, xx] if phase[zz, yy, xx] else 2.0
                    if w > v:
                        peak = False
                        break
                out[z, y, x] = peak


def find_peaks(blurred: np.ndarray, phase: np.ndarray, r_max: int = 4) -> np.ndarray:
    """Voxels of ``phase`` whose ``blurred`` distance is the maximum of their ball of radius r_max."""
    out = np.empty(phase.shape, bool)
    _find_peaks(np.ascontiguousarray(blurred, dtype=np.float32), np.ascontiguousarray(phase),
                _ball_offsets(int(r_max)), out)
    return out


@numba.njit(cache=True)
def _trim_saddles(dt, order, starts, maxiter, keep):
    """For each peak (voxels order[starts[i]:starts[i+1]], flat indices) decide keep[i].

    One int32 mark per voxel: 2 s + 1 for the current set of round s, 2 s for the rest of
    its dilation (the set lies inside its dilation)."""
    nz, ny, nx = dt.shape
    mark = np.zeros(nz * ny * nx, np.int32)
    stamp = 0
    current = np.empty(1024, np.int64)
    for i in range(starts.shape[0] - 1):
        n = starts[i + 1] - starts[i]
        if n > current.shape[0]:
            current = np.empty(n, np.int64)
        for k in range(n):
            current[k] = order[starts[i] + k]
        keep[i] = False
        for _ in range(maxiter):
            stamp += 1
            in_set, in_dil = 2 * stamp + 1, 2 * stamp
            dil = []
            best = -1.0
            for k in range(n):
                mark[current[k]] = in_set
            for k in range(n):
                f = current[k]
                z, rem = divmod(f, ny * nx)
                y, x = divmod(rem, nx)
                for dz in range(-1, 2):
                    for dy in range(-1, 2):
                        for dx in range(-1, 2):
                            zz, yy, xx = z + dz, y + dy, x + dx
                            if zz < 0 or zz >= nz or yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                                continue
                            g = (zz * ny + yy) * nx + xx
                            if mark[g] < in_dil or (mark[g] == in_set and g == f):
                                if mark[g] < in_dil:
                                    mark[g] = in_dil
                                dil.append(g)
                                v = dt[zz, yy, xx]
                                if v > best:
                                    best = v
            # the plateau of the maximum within the dilation
            extended = []
            overlap = 0
            for g in dil:
                z, rem = divmod(g, ny * nx)
                y, x = divmod(rem, nx)
                if dt[z, y, x] == best and dt[z, y, x] > 0:
                    extended.append(g)
                    if mark[g] == in_set:
                        overlap += 1
            if overlap == len(extended) and overlap == n:
                keep[i] = True  # a true peak
                break
            if overlap == 0:
                break  # a saddle point: the maximum lies elsewhere
            n = len(extended)
            if n > current.shape[0]:
                current = np.empty(n, np.int64)
            for k in range(n):
                current[k] = extended[k]


def trim_saddle_points(peaks: np.ndarray, dt: np.ndarray, maxiter: int = 20) -> np.ndarray:
    """Drop the peaks that sit on saddles or ridges of ``dt`` (PoreSpy's rule, numba)."""
    labels, n = ndimage.label(peaks)  # faces only, as PoreSpy's conn="min"
    if n == 0:
        return peaks.copy()
    flat = labels.ravel()
    order = np.flatnonzero(flat)
    order = order[np.argsort(flat[order], kind="stable")]
    starts = np.searchsorted(flat[order], np.arange(1, n + 2)).astype(np.int64)
    keep = np.zeros(n, bool)
    _trim_saddles(np.ascontiguousarray(dt, dtype=np.float32), order.astype(np.int64), starts, int(maxiter), keep)
    return peaks & np.concatenate([[False], keep])[labels]


def trim_nearby_peaks(peaks: np.ndarray, dt: np.ndarray, f: float = 1.0) -> np.ndarray:
    """Of two peaks closer than ``f`` times the distance to the solid, drop the lower (PoreSpy's rule)."""
    labels, n = ndimage.label(peaks, structure=np.ones((3, 3, 3)))
    if n < 2:
        return peaks.copy()
    where = np.flatnonzero(peaks)  # few voxels: centroids without image-sized temporaries
    lab = labels.ravel()[where]
    count = np.bincount(lab, minlength=n + 1)[1:]
    centres = np.stack([np.bincount(lab, c, minlength=n + 1)[1:] / count
                        for c in np.unravel_index(where, peaks.shape)], axis=1).astype(int)
    height = dt[tuple(centres.T)] + np.arange(n) * 1e-6
    distance, neighbour = spatial.KDTree(centres).query(centres, k=2)
    distance, neighbour = distance[:, 1], neighbour[:, 1]
    hits = np.flatnonzero(distance <= f * height)
    drop = np.unique(np.where(height[hits] < height[neighbour[hits]], hits, neighbour[hits]))
    keep = np.ones(n + 1, bool)
    keep[0] = False
    keep[drop + 1] = False
    return peaks & keep[labels]


@numba.njit(inline="always")
def _level(fdt, v, top):
    """Queue level of voxel v: 0 for the deepest squared distance ``top``."""
    return top - int(fdt[v] * fdt[v] + 0.5)


@numba.njit(inline="always")
def _push(head, tail, nxt, level, v):
    nxt[v] = -1
    if tail[level] < 0:
        head[level] = v
    else:
        nxt[tail[level]] = v
    tail[level] = v


@numba.njit(inline="always")
def _face_neighbour(v, k, nz, ny, nx):
    """Flat index of face neighbour k (0..5: -z, +z, -y, +y, -x, +x) of voxel v, or -1 outside."""
    z, y, x = v // (ny * nx), (v // nx) % ny, v % nx
    axis, step = k // 2, 2 * (k % 2) - 1
    coord, size, stride = (z, nz, ny * nx) if axis == 0 else ((y, ny, nx) if axis == 1 else (x, nx, 1))
    if coord + step < 0 or coord + step >= size:
        return -1
    return v + step * stride


@numba.njit(cache=True)
def _flood(dt, labels, mask, nxt):
    """Marker-controlled watershed of -dt (6-connected), in place on ``labels``.

    Meyer's flooding with a bucket queue: the key of a voxel is its squared distance, an
    integer, so the queue needs one linked list per level and no heap; a voxel reached from a
    deeper level joins that level (the flood never goes back up). First in, first out within
    a level, like scikit-image's age ordering.
    """
    nz, ny, nx = labels.shape
    flat = labels.ravel()
    fmask = mask.ravel()
    fdt = dt.ravel()
    top = 0
    for v in range(flat.size):
        top = max(top, int(fdt[v] * fdt[v] + 0.5))
    head = np.full(top + 1, -1, np.int64)
    tail = np.full(top + 1, -1, np.int64)
    for v in range(flat.size):
        if flat[v] != 0:
            _push(head, tail, nxt, _level(fdt, v, top), v)
    level = 0
    while level <= top:
        v = head[level]
        if v < 0:
            level += 1
            continue
        head[level] = nxt[v]
        if head[level] < 0:
            tail[level] = -1
        for k in range(6):
            w = _face_neighbour(v, k, nz, ny, nx)
            if w >= 0 and fmask[w] and flat[w] == 0:
                flat[w] = flat[v]
                _push(head, tail, nxt, max(level, _level(fdt, w, top)), w)


def watershed(dt: np.ndarray, markers: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Regions grown from ``markers`` (int32, 0 = unlabelled) down the distance map ``dt``
    within ``mask``; returns ``markers`` filled in (it is modified)."""
    nxt = np.empty(markers.size, np.int32 if markers.size < 2 ** 31 else np.int64)  # the queue's links
    _flood(np.ascontiguousarray(dt, dtype=np.float32), markers, np.ascontiguousarray(mask), nxt)
    return markers
