"""A lean Laplace solver on the voxel grid: matrix-free finite volumes, conjugate gradients
preconditioned by an aggregation multigrid V-cycle, numba-threaded kernels.

The operator is TauFactor's (see ``_tortuosity``): a conductance between two touching
conducting voxels, geometry x the harmonic mean of their diffusivities, and a Dirichlet
face half a voxel outside each end of the axis (C = 1 before the first slice, 0 after the
last). It is never assembled: every product reads the diffusivity map (float32) on the
fly, so the fine level costs 4 bytes per voxel and the CG vectors 24 more (the iterate in
float64, the residual, search direction, its product and the preconditioned residual in
float32; every dot product accumulates in float64, and the residual is recomputed from the
float64 iterate in float64 every ``REFRESH`` iterations and at the end, so the float32
vectors set no floor on the residual).

Coarse levels aggregate 2 x 2 x 2 cells. Their operator is the Galerkin product P^T A P of
piecewise-constant aggregation: a 7-point stencil again, each coarse link the sum of the
fine links that cross the face between two aggregates, and each aggregate's Dirichlet
conductance the sum of its cells'. It keeps every coarse level exactly consistent with the
porous geometry (no link across a solid wall is invented). Aggregation makes the coarse
operator about twice too stiff for smooth errors; the coarse correction is scaled by
``OVERCORRECT`` (a constant, so the V-cycle stays symmetric and CG applies). Smoothing is
red-black Gauss-Seidel (red then black before, black then red after: symmetric); the
coarsest level (at most ``COARSEST`` cells) is factorised once by SuperLU.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

__all__ = ["LaplaceSolution", "solve_laplace"]

OVERCORRECT = 2.2  # measured: 26 CG iterations at 160^3 blobs (1.0: 74; 1.8: 30; 3.0: 27)
SMOOTHING = 2  # red-black sweeps before and after the coarse correction
COARSEST = 4096
REFRESH = 25


# --- the fine level: conductances from the diffusivity map --------------------------------

@numba.njit(inline="always")
def _harmonic(a, b):
    a, b = np.float64(a), np.float64(b)  # float32 storage, float64 arithmetic
    return 2.0 * a * b / (a + b) if a > 0.0 and b > 0.0 else 0.0


@numba.njit(inline="always")
def _fine_row(d, x, geom, axis, i, j, k):
    """(diagonal, sum of g x over the neighbours, Dirichlet conductance at the inlet) of cell (i, j, k)."""
    n0, n1, n2 = d.shape
    di = d[i, j, k]
    diag = 0.0
    off = 0.0
    inlet = 0.0
    if i > 0:
        g = geom[0] * _harmonic(di, d[i - 1, j, k])
        diag += g
        off += g * x[i - 1, j, k]
    if i < n0 - 1:
        g = geom[0] * _harmonic(di, d[i + 1, j, k])
        diag += g
        off += g * x[i + 1, j, k]
    if j > 0:
        g = geom[1] * _harmonic(di, d[i, j - 1, k])
        diag += g
        off += g * x[i, j - 1, k]
    if j < n1 - 1:
        g = geom[1] * _harmonic(di, d[i, j + 1, k])
        diag += g
        off += g * x[i, j + 1, k]
    if k > 0:
        g = geom[2] * _harmonic(di, d[i, j, k - 1])
        diag += g
        off += g * x[i, j, k - 1]
    if k < n2 - 1:
        g = geom[2] * _harmonic(di, d[i, j, k + 1])
        diag += g
        off += g * x[i, j, k + 1]
    p = i if axis == 0 else (j if axis == 1 else k)
    last = (n0 if axis == 0 else (n1 if axis == 1 else n2)) - 1
    if p == 0:
        inlet = 2.0 * geom[axis] * di
        diag += inlet
    if p == last:
        diag += 2.0 * geom[axis] * di
    return diag, off, inlet


@numba.njit(cache=True)
def _total(s):
    """The sum of per-slice partial sums, in order: ``s.sum()`` inside a parallel kernel becomes
    numba's parallel reduction, whose rounding depends on the number of threads."""
    t = 0.0
    for v in s:
        t += v
    return t


@numba.njit(parallel=True, cache=True)
def _fine_apply(d, x, out, geom, axis):
    """out = A x."""
    n0, n1, n2 = d.shape
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                if d[i, j, k] > 0.0:
                    diag, off, _ = _fine_row(d, x, geom, axis, i, j, k)
                    out[i, j, k] = diag * x[i, j, k] - off
                else:
                    out[i, j, k] = 0.0


@numba.njit(parallel=True, cache=True)
def _fine_residual(d, x, r, geom, axis):
    """r = b - A x in float64 (b: the inlet's Dirichlet value 1); returns |r|^2 and |b|^2."""
    n0, n1, n2 = d.shape
    rr = np.zeros(n0)
    bb = np.zeros(n0)
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                if d[i, j, k] > 0.0:
                    diag, off, inlet = _fine_row(d, x, geom, axis, i, j, k)
                    v = inlet - (diag * x[i, j, k] - off)
                    r[i, j, k] = v
                    rr[i] += v * v
                    bb[i] += inlet * inlet
                else:
                    r[i, j, k] = 0.0
    return _total(rr), _total(bb)


@numba.njit(parallel=True, cache=True)
def _fine_sweep(d, e, r, geom, axis, color):
    """One Gauss-Seidel half-sweep of A e = r over the cells of one colour."""
    n0, n1, n2 = d.shape
    for i in prange(n0):
        for j in range(n1):
            for k in range((i + j + color) % 2, n2, 2):
                if d[i, j, k] > 0.0:
                    diag, off, _ = _fine_row(d, e, geom, axis, i, j, k)
                    if diag > 0.0:  # a lone voxel: no equation
                        e[i, j, k] = (r[i, j, k] + off) / diag


@numba.njit(parallel=True, cache=True)
def _fine_restrict(d, e, r, rc, geom, axis):
    """rc = P^T (r - A e): the residual summed over each 2 x 2 x 2 aggregate."""
    c0, c1, c2 = rc.shape
    n0, n1, n2 = d.shape
    for ci in prange(c0):
        for cj in range(c1):
            for ck in range(c2):
                s = 0.0
                for i in range(2 * ci, min(2 * ci + 2, n0)):
                    for j in range(2 * cj, min(2 * cj + 2, n1)):
                        for k in range(2 * ck, min(2 * ck + 2, n2)):
                            if d[i, j, k] > 0.0:
                                diag, off, _ = _fine_row(d, e, geom, axis, i, j, k)
                                s += r[i, j, k] - (diag * e[i, j, k] - off)
                rc[ci, cj, ck] = s


@numba.njit(parallel=True, cache=True)
def _fine_links(d, geom, axis, shape):
    """The first coarse level's links (to +z, +y, +x) and Dirichlet conductances."""
    gz = np.zeros(shape, np.float32)
    gy = np.zeros(shape, np.float32)
    gx = np.zeros(shape, np.float32)
    bc = np.zeros(shape, np.float32)
    n0, n1, n2 = d.shape
    last = d.shape[axis] - 1
    for ci in prange(shape[0]):
        for i in range(2 * ci, min(2 * ci + 2, n0)):
            for j in range(n1):
                for k in range(n2):
                    di = d[i, j, k]
                    if di <= 0.0:
                        continue
                    cj, ck = j // 2, k // 2
                    if i % 2 == 1 and i < n0 - 1:
                        gz[ci, cj, ck] += geom[0] * _harmonic(di, d[i + 1, j, k])
                    if j % 2 == 1 and j < n1 - 1:
                        gy[ci, cj, ck] += geom[1] * _harmonic(di, d[i, j + 1, k])
                    if k % 2 == 1 and k < n2 - 1:
                        gx[ci, cj, ck] += geom[2] * _harmonic(di, d[i, j, k + 1])
                    p = i if axis == 0 else (j if axis == 1 else k)
                    if p == 0 or p == last:
                        bc[ci, cj, ck] += 2.0 * geom[axis] * di
    return gz, gy, gx, bc


# --- coarse levels: stored links ------------------------------------------------------------

@numba.njit(inline="always")
def _coarse_row(gz, gy, gx, bc, x, i, j, k):
    n0, n1, n2 = gz.shape
    diag = bc[i, j, k]
    off = 0.0
    if i > 0:
        g = gz[i - 1, j, k]
        diag += g
        off += g * x[i - 1, j, k]
    g = gz[i, j, k]
    if g > 0.0:
        diag += g
        off += g * x[i + 1, j, k]
    if j > 0:
        g = gy[i, j - 1, k]
        diag += g
        off += g * x[i, j - 1, k]
    g = gy[i, j, k]
    if g > 0.0:
        diag += g
        off += g * x[i, j + 1, k]
    if k > 0:
        g = gx[i, j, k - 1]
        diag += g
        off += g * x[i, j, k - 1]
    g = gx[i, j, k]
    if g > 0.0:
        diag += g
        off += g * x[i, j, k + 1]
    return diag, off


@numba.njit(parallel=True, cache=True)
def _coarse_sweep(gz, gy, gx, bc, e, r, color):
    n0, n1, n2 = gz.shape
    for i in prange(n0):
        for j in range(n1):
            for k in range((i + j + color) % 2, n2, 2):
                diag, off = _coarse_row(gz, gy, gx, bc, e, i, j, k)
                if diag > 0.0:
                    e[i, j, k] = (r[i, j, k] + off) / diag


@numba.njit(parallel=True, cache=True)
def _coarse_restrict(gz, gy, gx, bc, e, r, rc):
    c0, c1, c2 = rc.shape
    n0, n1, n2 = gz.shape
    for ci in prange(c0):
        for cj in range(c1):
            for ck in range(c2):
                s = 0.0
                for i in range(2 * ci, min(2 * ci + 2, n0)):
                    for j in range(2 * cj, min(2 * cj + 2, n1)):
                        for k in range(2 * ck, min(2 * ck + 2, n2)):
                            diag, off = _coarse_row(gz, gy, gx, bc, e, i, j, k)
                            if diag > 0.0:
                                s += r[i, j, k] - (diag * e[i, j, k] - off)
                rc[ci, cj, ck] = s


@numba.njit(parallel=True, cache=True)
def _coarse_links(gz, gy, gx, bc, shape):
    """The next level's links: the sums of the links that cross between aggregates."""
    cz = np.zeros(shape, np.float32)
    cy = np.zeros(shape, np.float32)
    cx = np.zeros(shape, np.float32)
    cb = np.zeros(shape, np.float32)
    n0, n1, n2 = gz.shape
    for ci in prange(shape[0]):
        for i in range(2 * ci, min(2 * ci + 2, n0)):
            for j in range(n1):
                for k in range(n2):
                    cj, ck = j // 2, k // 2
                    if i % 2 == 1:
                        cz[ci, cj, ck] += gz[i, j, k]
                    if j % 2 == 1:
                        cy[ci, cj, ck] += gy[i, j, k]
                    if k % 2 == 1:
                        cx[ci, cj, ck] += gx[i, j, k]
                    cb[ci, cj, ck] += bc[i, j, k]
    return cz, cy, cx, cb


@numba.njit(parallel=True, cache=True)
def _prolong(e, ec, alpha, active):
    """e += alpha P ec on the cells where ``active`` (> 0)."""
    n0, n1, n2 = e.shape
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                if active[i, j, k] > 0.0:
                    e[i, j, k] += alpha * ec[i // 2, j // 2, k // 2]


@numba.njit(parallel=True, cache=True)
def _coarse_active(gz, gy, gx, bc):
    """1 where a coarse cell has any conductance (float32, the ``active`` of ``_prolong``)."""
    n0, n1, n2 = gz.shape
    out = np.zeros(gz.shape, np.float32)
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                diag, _ = _coarse_row(gz, gy, gx, bc, out, i, j, k)
                out[i, j, k] = 1.0 if diag > 0.0 else 0.0
    return out


# --- vector kernels (float64 accumulation) --------------------------------------------------

@numba.njit(parallel=True, cache=True)
def _dot(a, b):
    n0 = a.shape[0]
    s = np.zeros(n0)
    for i in prange(n0):
        t = 0.0
        for j in range(a.shape[1]):
            for k in range(a.shape[2]):
                t += np.float64(a[i, j, k]) * np.float64(b[i, j, k])
        s[i] = t
    return _total(s)


@numba.njit(parallel=True, cache=True)
def _cg_update(x, r, p, q, alpha):
    """x += alpha p (float64), r -= alpha q; returns |r|^2."""
    n0 = x.shape[0]
    s = np.zeros(n0)
    for i in prange(n0):
        t = 0.0
        for j in range(x.shape[1]):
            for k in range(x.shape[2]):
                x[i, j, k] += alpha * p[i, j, k]
                v = r[i, j, k] - alpha * q[i, j, k]
                r[i, j, k] = v
                t += np.float64(v) * v
        s[i] = t
    return _total(s)


@numba.njit(parallel=True, cache=True)
def _direction(p, z, beta):
    """p = z + beta p."""
    for i in prange(p.shape[0]):
        for j in range(p.shape[1]):
            for k in range(p.shape[2]):
                p[i, j, k] = z[i, j, k] + beta * p[i, j, k]


@numba.njit(parallel=True, cache=True)
def _profile(d, axis):
    """The straight-line guess C = 1 -> 0 across the box on the conducting voxels."""
    n0, n1, n2 = d.shape
    n = n0 if axis == 0 else (n1 if axis == 1 else n2)
    x = np.zeros(d.shape)
    for i in prange(n0):
        for j in range(n1):
            for k in range(n2):
                if d[i, j, k] > 0.0:
                    p = i if axis == 0 else (j if axis == 1 else k)
                    x[i, j, k] = 1.0 - (p + 0.5) / n
    return x


@numba.njit(cache=True)
def _fluxes(d, x, geom, axis):
    """The flux through the inlet face, every plane between two slices, and the outlet face."""
    n0, n1, n2 = d.shape
    n = n0 if axis == 0 else (n1 if axis == 1 else n2)
    q = np.zeros(n + 1)
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                di = d[i, j, k]
                if di <= 0.0:
                    continue
                p = i if axis == 0 else (j if axis == 1 else k)
                if p == 0:
                    q[0] += 2.0 * geom[axis] * di * (1.0 - x[i, j, k])
                if p == n - 1:
                    q[n] += 2.0 * geom[axis] * di * x[i, j, k]
                else:
                    if axis == 0:
                        dn, xn = d[i + 1, j, k], x[i + 1, j, k]
                    elif axis == 1:
                        dn, xn = d[i, j + 1, k], x[i, j + 1, k]
                    else:
                        dn, xn = d[i, j, k + 1], x[i, j, k + 1]
                    q[p + 1] += geom[axis] * _harmonic(di, dn) * (x[i, j, k] - xn)
    return q


# --- the hierarchy and the V-cycle -----------------------------------------------------------

class _Level:
    __slots__ = ("links", "active", "e", "r")

    def __init__(self, links, like=None):
        self.links = links  # gz, gy, gx, bc
        self.active = _coarse_active(*links)
        shared = like is not None and like.e.shape == links[0].shape
        self.e = like.e if shared else np.zeros(links[0].shape, np.float32)
        self.r = like.r if shared else np.zeros(links[0].shape, np.float32)


def _half(shape):
    return tuple((n + 1) // 2 for n in shape)


def _levels(links, like=None) -> list[_Level]:
    """The level of ``links`` and its aggregates, 2 x 2 x 2 at a time, down to ``COARSEST`` cells.
    ``like``: the levels of another hierarchy of the same box, whose work arrays (``e``, ``r``)
    these share (hierarchies whose cycles never run at the same time)."""
    levels = []
    while True:
        like_here = like[len(levels)] if like is not None and len(levels) < len(like) else None
        level = _Level(links, like_here)
        levels.append(level)
        if level.e.size <= COARSEST or min(level.e.shape) <= 2:
            return levels
        links = _coarse_links(*links, _half(level.e.shape))


def _cycle(levels, coarsest, n=0, alpha=OVERCORRECT):
    """levels[n].e = one V-cycle on levels[n].r, from zero (coarse corrections times ``alpha``)."""
    level = levels[n]
    if n == len(levels) - 1:
        level.e[...] = coarsest(level.r)
        return
    links, e, r = level.links, level.e, level.r
    e[...] = 0
    for _ in range(SMOOTHING):
        _coarse_sweep(*links, e, r, 0)
        _coarse_sweep(*links, e, r, 1)
    below = levels[n + 1]
    _coarse_restrict(*links, e, r, below.r)
    _cycle(levels, coarsest, n + 1, alpha)
    _prolong(e, below.e, alpha, level.active)
    for _ in range(SMOOTHING):
        _coarse_sweep(*links, e, r, 1)
        _coarse_sweep(*links, e, r, 0)


class _Multigrid:
    """The V-cycle of the diffusivity map's operator: the fine level read from ``d`` on the
    fly, the coarse levels (``_levels``) stored as links."""

    def __init__(self, d, geom, axis):
        self.d, self.geom, self.axis = d, geom, axis
        self.levels = _levels(_fine_links(d, geom, axis, _half(d.shape)))
        self.coarsest = _factorise(self.levels[-1])

    def __call__(self, r, z):
        """z = M r: one V-cycle from z = 0."""
        d, geom, axis = self.d, self.geom, self.axis
        z[...] = 0
        for _ in range(SMOOTHING):
            _fine_sweep(d, z, r, geom, axis, 0)
            _fine_sweep(d, z, r, geom, axis, 1)
        first = self.levels[0]
        _fine_restrict(d, z, r, first.r, geom, axis)
        _cycle(self.levels, self.coarsest)
        _prolong(z, first.e, OVERCORRECT, d)
        for _ in range(SMOOTHING):
            _fine_sweep(d, z, r, geom, axis, 1)
            _fine_sweep(d, z, r, geom, axis, 0)


def _factorise(level):
    """A direct solve of the coarsest level (its active cells), SuperLU factorised once."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    gz, gy, gx, bc = (np.asarray(a, np.float64) for a in level.links)
    shape = gz.shape
    active = level.active > 0
    n = int(active.sum())
    index = np.full(shape, -1, np.int64)
    index[active] = np.arange(n)
    diag = bc[active].copy()
    rows, cols, vals = [], [], []
    for b, g in enumerate((gz, gy, gx)):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[b], hi[b] = slice(0, -1), slice(1, None)
        link = g[tuple(lo)]
        i, j = index[tuple(lo)], index[tuple(hi)]
        ok = (link > 0) & (i >= 0) & (j >= 0)
        i, j, w = i[ok], j[ok], link[ok]
        rows += [i, j]
        cols += [j, i]
        vals += [-w, -w]
        diag += np.bincount(i, weights=w, minlength=n) + np.bincount(j, weights=w, minlength=n)
    matrix = sp.csc_matrix((np.concatenate(vals + [diag]), (np.concatenate(rows + [np.arange(n)]),
                                                             np.concatenate(cols + [np.arange(n)]))), shape=(n, n))
    lu = splu(matrix) if n else None

    def solve(r):
        out = np.zeros(shape, np.float32)
        if lu is not None:
            out[active] = lu.solve(r[active].astype(np.float64))
        return out

    return solve


class LaplaceSolution:
    """The concentration (float64, 0 outside the conducting voxels), the flux through the
    inlet, each plane between two slices and the outlet (in the units of ``geom``),
    iterations and the relative residual."""

    __slots__ = ("concentration", "fluxes", "iterations", "residual")

    def __init__(self, concentration, fluxes, iterations, residual):
        self.concentration, self.fluxes, self.iterations, self.residual = concentration, fluxes, iterations, residual


def solve_laplace(d: np.ndarray, geom, axis: int, *, tol: float, maxiter: int = 500,
                  on_iteration=None) -> LaplaceSolution:
    """C with C = 1 half a voxel before the first slice of ``axis`` and 0 after the last, on
    the voxels where ``d`` (float32 diffusivities, C order) is positive, which should be the
    clusters that reach both ends (others carry no flux); ``geom``: face area over distance
    per array axis. Relative residual below ``tol``, from the straight-line
    profile. ``on_iteration(residual)`` is called after each CG iteration."""
    from dca import ConvergenceError

    if d.dtype != np.float32 or not d.flags.c_contiguous:
        raise TypeError("d must be a C-contiguous float32 array")
    scale = float(max(geom))
    geom = np.asarray(geom, np.float64) / scale
    x = _profile(d, axis)
    r = np.empty(d.shape, np.float32)
    rr, bb = _fine_residual(d, x, r, geom, axis)
    norm_b = np.sqrt(bb)
    mg = _Multigrid(d, geom, axis)
    z = np.empty_like(r)
    mg(r, z)
    p = z.copy()
    q = np.empty_like(r)
    rz = _dot(r, z)
    iterations = 0
    residual = np.sqrt(rr) / norm_b
    while residual > tol and iterations < maxiter:
        _fine_apply(d, p, q, geom, axis)
        alpha = rz / _dot(p, q)
        rr = _cg_update(x, r, p, q, alpha)
        iterations += 1
        refresh = iterations % REFRESH == 0 or np.sqrt(rr) / norm_b <= tol  # the true residual, to confirm
        if refresh:
            rr, _ = _fine_residual(d, x, r, geom, axis)
        residual = np.sqrt(rr) / norm_b
        if on_iteration is not None:
            on_iteration(residual)
        if residual <= tol:
            break
        mg(r, z)
        rz_new = _dot(r, z)
        # after the residual is replaced, restart from the steepest direction: the old
        # directions were conjugate for the drifted recurrence, not for this residual
        _direction(p, z, 0.0 if refresh else rz_new / rz)
        rz = rz_new
    if residual > tol:
        raise ConvergenceError(f"the Laplace solve did not converge: residual {residual:.2e} after {iterations} "
                               f"iterations (tolerance {tol:g}); raise maxiter or loosen tol")
    del r, z, p, q, mg
    return LaplaceSolution(x, _fluxes(d, x, geom, axis) * scale, iterations, float(residual))
