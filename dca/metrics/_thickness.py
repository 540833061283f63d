"""Local thickness: the diameter of the largest inscribed ball covering each voxel.

Same result as PoreSpy's ``local_thickness`` default (integer radii, balls |x - c| < r with
r = floor(distance to the other phase)), computed by numba kernels:

1. exact squared Euclidean distance transform in integers (Felzenszwalb-Huttenlocher);
2. for each voxel c with radius r, a ball is skipped when it lies inside a face
   neighbour's (r_n >= r + 1), and otherwise painted minus the ball of one face neighbour
   that comes later in the order (r, index): that neighbour's ball ends up painted with a
   value >= r anyway, so only the crescent between the two needs writing (O(r^2) instead
   of O(r^3)). Centres whose neighbour is at +x form runs along x whose crescents are, row
   by row, one segment, painted once per run;
3. the painting runs in parallel over z-planes, each thread owning whole planes.
"""

from __future__ import annotations

import numba
import numpy as np

from .._errors import InputError
from .._phase import field_of_view, phase_mask

__all__ = ["local_thickness", "local_thickness_radii"]

_INF = 1 << 30
_NONE = 13  # "no neighbour" in the 3x3x3 offset code (13 is the centre itself)
_PLUS_X = 14  # the neighbour at +x


@numba.njit(parallel=True, cache=True)
def _edt_z(phase, out):
    nz, ny, nx = phase.shape
    for y in numba.prange(ny):
        for x in range(nx):
            d = -1
            for z in range(nz):
                if phase[z, y, x]:
                    if d >= 0:
                        d += 1
                    out[z, y, x] = _INF if d < 0 else d * d
                else:
                    d = 0
                    out[z, y, x] = 0
            d = -1
            for z in range(nz - 1, -1, -1):
                if phase[z, y, x]:
                    if d >= 0:
                        d += 1
                        if d * d < out[z, y, x]:
                            out[z, y, x] = d * d
                else:
                    d = 0


@numba.njit(cache=True)
def _envelope(f, n, v, zc, g):
    """Lower envelope of the parabolas (q - p)^2 + f[p] along one line (integers, exact)."""
    first = -1
    for q in range(n):
        if f[q] < _INF:
            first = q
            break
    if first < 0:
        for q in range(n):
            g[q] = _INF
        return
    k = 0
    v[0] = first
    zc[0] = -1e20
    zc[1] = 1e20
    for q in range(first + 1, n):
        if f[q] >= _INF:
            continue
        while True:
            p = v[k]
            s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
            if s <= zc[k] and k > 0:
                k -= 1
            else:
                break
        p = v[k]
        s = ((f[q] + q * q) - (f[p] + p * p)) / (2.0 * (q - p))
        if s <= zc[k]:  # k == 0: q dominates p everywhere
            v[0] = q
            zc[1] = 1e20
            continue
        k += 1
        v[k] = q
        zc[k] = s
        zc[k + 1] = 1e20
    k = 0
    for q in range(n):
        while zc[k + 1] < q:
            k += 1
        p = v[k]
        g[q] = (q - p) * (q - p) + f[p]


@numba.njit(parallel=True, cache=True)
def _edt_pass(d, axis):
    nz, ny, nx = d.shape
    n = ny if axis == 1 else nx
    for z in numba.prange(nz):
        f = np.empty(n, np.int64)
        g = np.empty(n, np.int64)
        v = np.empty(n, np.int64)
        zc = np.empty(n + 1, np.float64)
        for w in range(nx if axis == 1 else ny):
            for q in range(n):
                f[q] = d[z, q, w] if axis == 1 else d[z, w, q]
            _envelope(f, n, v, zc, g)
            for q in range(n):
                if axis == 1:
                    d[z, q, w] = g[q]
                else:
                    d[z, w, q] = g[q]


@numba.njit(parallel=True, cache=True)
def _floor_sqrt(d2, r):
    nz, ny, nx = d2.shape
    for z in numba.prange(nz):
        for y in range(ny):
            for x in range(nx):
                r[z, y, x] = int(np.sqrt(np.float64(d2[z, y, x])))


_FACE = ((-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), (0, 0, -1), (0, 0, 1))


@numba.njit(parallel=True, cache=True)
def _plan(r, keep, sub):
    """Per voxel: keep (its ball is not inside a face neighbour's) and the face neighbour
    later in the order (r, index) whose ball it may subtract (code 0..26, _NONE if none)."""
    nz, ny, nx = r.shape
    for z in numba.prange(nz):
        for y in range(ny):
            for x in range(nx):
                rc = r[z, y, x]
                sub[z, y, x] = _NONE
                keep[z, y, x] = rc > 0
                if rc == 0:
                    continue
                best_r = -1
                if x + 1 < nx and r[z, y, x + 1] >= rc:
                    if r[z, y, x + 1] >= rc + 1:
                        keep[z, y, x] = False
                        continue
                    sub[z, y, x] = _PLUS_X  # runs along x are painted together (see _paint_runs)
                    best_r = _INF
                for k in range(6):
                    dz, dy, dx = _FACE[k]
                    zz, yy, xx = z + dz, y + dy, x + dx
                    if zz < 0 or zz >= nz or yy < 0 or yy >= ny or xx < 0 or xx >= nx:
                        continue
                    rn = r[zz, yy, xx]
                    if rn >= rc + 1:  # ball(c) inside ball(n)
                        keep[z, y, x] = False
                        break
                    # later in the order: larger radius, or equal radius and larger flat index
                    later = rn > rc or (rn == rc and (dz + dy + dx) > 0)
                    if later and rn > best_r and best_r < _INF:
                        best_r = rn
                        sub[z, y, x] = (dz + 1) * 9 + (dy + 1) * 3 + (dx + 1)


@numba.njit(inline="always")
def _bucket(start, z, rmax, nz):
    """Index range of the centres (sorted by z) whose balls can reach plane z."""
    return start[max(0, z - rmax)], start[min(nz, z + rmax + 1)]


@numba.njit(inline="always")
def _half(rem):
    """Largest h with h * h < rem, for an integer rem >= 1."""
    return int(np.sqrt(np.float64(rem - 1)))


@numba.njit(parallel=True, cache=True)
def _paint(cz, cy, cx, cr, cs, nr, start, rmax, out):
    nz, ny, nx = out.shape
    for z in numba.prange(nz):
        lo, hi = _bucket(start, z, rmax, nz)
        for i in range(lo, hi):
            r = cr[i]
            dz = z - cz[i]
            rem = r * r - dz * dz
            if rem <= 0:
                continue
            s = cs[i]
            has = s != _NONE
            oz = s // 9 - 1
            oy = (s // 3) % 3 - 1
            ox = s % 3 - 1
            remn = nr[i] * nr[i] - (dz - oz) * (dz - oz)
            if has and oy == 0 and ox == 0 and remn >= rem:
                continue  # the neighbour's disc in this plane is concentric and no smaller
            ry = _half(rem)
            for y in range(max(0, cy[i] - ry), min(ny, cy[i] + ry + 1)):
                dy = y - cy[i]
                rem2 = rem - dy * dy
                if rem2 <= 0:
                    continue
                a = _half(rem2)
                x0 = max(0, cx[i] - a)
                x1 = min(nx - 1, cx[i] + a)
                if has:
                    rem3 = remn - (dy - oy) * (dy - oy)
                    if rem3 > 0:
                        b = _half(rem3)
                        n0 = cx[i] + ox - b
                        n1 = cx[i] + ox + b
                        for x in range(x0, min(x1, n0 - 1) + 1):
                            if out[z, y, x] < r:
                                out[z, y, x] = r
                        for x in range(max(x0, n1 + 1), x1 + 1):
                            if out[z, y, x] < r:
                                out[z, y, x] = r
                        continue
                for x in range(x0, x1 + 1):
                    if out[z, y, x] < r:
                        out[z, y, x] = r


@numba.njit(parallel=True, cache=True)
def _paint_runs(rz, ry_, rx0, rx1, rr, start, rmax, out):
    """Runs of centres at x0..x1 (same z, y, radius r), each subtracting its +x neighbour's
    ball: the union of their crescents is, in every row, the segment [x0 - a, x1 - a]."""
    nz, ny, nx = out.shape
    for z in numba.prange(nz):
        lo, hi = _bucket(start, z, rmax, nz)
        for i in range(lo, hi):
            r = rr[i]
            dz = z - rz[i]
            rem = r * r - dz * dz
            if rem <= 0:
                continue
            h = _half(rem)
            for y in range(max(0, ry_[i] - h), min(ny, ry_[i] + h + 1)):
                rem2 = rem - (y - ry_[i]) * (y - ry_[i])
                if rem2 <= 0:
                    continue
                a = _half(rem2)
                for x in range(max(0, rx0[i] - a), min(nx, rx1[i] - a + 1)):
                    if out[z, y, x] < r:
                        out[z, y, x] = r


def squared_distance(phase: np.ndarray) -> np.ndarray:
    """Exact squared Euclidean distance (voxels^2, int32) from each voxel of ``phase`` to the rest."""
    d2 = np.empty(phase.shape, np.int32)
    _edt_z(np.ascontiguousarray(phase), d2)
    _edt_pass(d2, 1)
    _edt_pass(d2, 2)
    return d2


def local_thickness_radii(phase: np.ndarray) -> np.ndarray:
    """Local thickness as integer ball radii in voxels (int32), 0 outside ``phase``."""
    phase = np.asarray(phase, dtype=bool)
    r = np.empty(phase.shape, np.int32)
    _floor_sqrt(squared_distance(phase), r)
    keep = np.empty(phase.shape, np.bool_)
    sub = np.empty(phase.shape, np.uint8)
    _plan(r, keep, sub)
    idx = np.flatnonzero(keep)  # in C order: sorted by z, as _paint's buckets need
    out = np.zeros(phase.shape, np.int32)
    if idx.size == 0:
        return out
    ny, nx = phase.shape[1:]
    cr = r.ravel()[idx]
    cs = sub.ravel()[idx]
    # runs: consecutive centres along x with the same radius whose neighbour is +x
    in_run = cs == _PLUS_X
    run_id = np.cumsum(~(in_run & np.concatenate([[False], in_run[:-1] & (np.diff(idx) == 1) & (np.diff(cr) == 0)])))
    first = np.flatnonzero(in_run & (np.concatenate([[0], run_id[:-1]]) != run_id))
    last = np.flatnonzero(in_run & (np.concatenate([run_id[1:], [-1]]) != run_id))
    starts, ends = idx[first], idx[last]
    rz, ry_, rx0 = (a.astype(np.int32) for a in np.unravel_index(starts, phase.shape))
    rx1 = (ends % nx).astype(np.int32)
    rr = cr[first]
    if rr.size:
        _paint_runs(rz, ry_, rx0, rx1, rr, np.searchsorted(rz, np.arange(phase.shape[0] + 1)).astype(np.int64),
                    int(rr.max()), out)
    idx, cr, cs = idx[~in_run], cr[~in_run], cs[~in_run]
    if idx.size == 0:
        return out
    cz, cy, cx = (a.astype(np.int32) for a in np.unravel_index(idx, phase.shape))
    code = cs.astype(np.int64)
    has = cs != _NONE
    neighbour = ((cz + code // 9 - 1) * ny + (cy + (code // 3) % 3 - 1)) * nx + (cx + code % 3 - 1)
    nr = np.where(has, r.ravel()[np.where(has, neighbour, 0)], 0).astype(np.int32)
    start = np.searchsorted(cz, np.arange(phase.shape[0] + 1)).astype(np.int64)
    _paint(cz, cy, cx, cr, cs, nr, start, int(cr.max()), out)
    return out


def local_thickness(volume, *, phase=None):
    """Local thickness of ``phase`` as a Volume of diameters in metres (float32, 0 elsewhere).

    Each voxel gets the diameter 2r of the largest ball of integer radius r (voxels) that
    fits in the phase and covers it (Hildebrand & Ruegsegger 1997,
    doi:10.1046/j.1365-2818.1997.1340694.x). Needs cubic voxels.
    """
    if len(set(volume.voxel_size)) != 1:
        raise InputError(f"local thickness needs cubic voxels, got voxel_size={volume.voxel_size}; "
                         "resample to isotropic voxels first")
    selected = phase_mask(volume, phase)
    mask = field_of_view(volume)
    if mask is not None:
        selected = selected & mask
    radii = local_thickness_radii(selected)
    diameters = (2 * radii).astype(np.float32) * np.float32(volume.voxel_size[0])
    return volume.with_data(diameters, step="local_thickness", phase=phase)._replace(phases={})
