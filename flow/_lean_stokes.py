"""The lean Stokes solve: the MAC system of ``_mac`` on compact per-cell storage
(``_lean_mac``), never assembled.

Unknowns: ``u`` (3, nc) face velocities (face (a, c) joins cell c to its +a neighbour; zero
where there is no face) and ``p`` (nc) pressures, float32, with the pressure of the
reservoirs' outer slices held (``known``). BiCGStab (float32 vectors, float64 sums, a float64
iterate) with the block-triangular preconditioner of ``_stokes``: a multigrid V-cycle per
face direction on the viscous block and one on the Darcy operator G^T W G (W: each face's
local Poiseuille response). Each multigrid smooths its fine level on the compact cells
(red-black Gauss-Seidel, colour = parity of the cell) and aggregates 2 x 2 x 2 cells onto
the box-grid levels of ``_laplace`` (Galerkin links of the operator's symmetric part).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._laplace import SMOOTHING, _factorise, _half, _levels
from ._laplace import _cycle as _coarse_cycle
from ._lean_mac import Cells, _pair, apply_divergence, apply_gradient, apply_viscous, cells_of, viscous_row
from ._mac import _GHOST_DIAG

__all__ = ["lean_solve"]

#: Coarse-correction factors (``_laplace.OVERCORRECT``): the viscous blocks' large diagonal
#: (wall ghosts) makes 2.2 diverge on Berea (a V-cycle's residual grows 0.68 -> 1.9 in 8
#: cycles); 1.0 reduces it 0.32x per cycle. The Darcy operator is a pure weighted Laplacian.
VISCOUS_OVERCORRECT = 1.0
DARCY_OVERCORRECT = 2.2


@numba.njit(inline="always")
def _coords(position, ny, nx):
    z = position // (ny * nx)
    rest = position - z * ny * nx
    return z, rest // nx, rest - (rest // nx) * nx


# --- the viscous block of one face direction -------------------------------------------

@numba.njit(parallel=True, cache=True)
def _visc_sweep(nbr, outside, open_axis, ghost, parity, a, e, r, colour):
    for c in prange(nbr.shape[0]):
        if parity[c] == colour and nbr[c, 2 * a + 1] >= 0:
            d, acc = viscous_row(nbr, outside, open_axis, ghost, a, c, e)
            e[a, c] = (r[a, c] - acc) / d


@numba.njit(parallel=True, cache=True)
def _visc_restrict(nbr, outside, open_axis, ghost, position, starts, ny, nx, a, e, r, rc):
    for plane in prange(rc.shape[0]):
        for c in range(starts[2 * plane], starts[min(2 * plane + 2, len(starts) - 1)]):
            if nbr[c, 2 * a + 1] >= 0:
                d, acc = viscous_row(nbr, outside, open_axis, ghost, a, c, e)
                z, y, x = _coords(position[c], ny, nx)
                rc[z // 2, y // 2, x // 2] += r[a, c] - (d * e[a, c] + acc)


@numba.njit(inline="always")
def _aggregate(position, ny, nx, c):
    z, y, x = _coords(position[c], ny, nx)
    return z // 2, y // 2, x // 2


@numba.njit(inline="always")
def _couple(links, here, there, b, s, g):
    """Add the coupling ``g`` between the aggregate ``here`` and the one of a neighbour on
    its -b (s = 0) or +b (s = 1) side: a link stored by the lower aggregate, nothing inside
    one aggregate, and across a periodic side (which the box levels do not wrap) a held
    value, as at a wall."""
    if there[0] == here[0] and there[1] == here[1] and there[2] == here[2]:
        return
    if s == 1 and there[b] == here[b] + 1:
        links[b, here[0], here[1], here[2]] += g
    elif not (s == 0 and there[b] == here[b] - 1):
        links[3, here[0], here[1], here[2]] += g


@numba.njit(parallel=True, cache=True)
def _visc_links(nbr, outside, open_axis, ghost, position, starts, ny, nx, a, shape):
    """The first coarse level of the symmetric part S of direction a's viscous block: each
    aggregate's links (-S between faces in neighbouring aggregates) and its row sums of S."""
    links = np.zeros((4,) + shape, np.float32)  # gz, gy, gx, bc
    for plane in prange(shape[0]):
        for c in range(starts[2 * plane], starts[min(2 * plane + 2, len(starts) - 1)]):
            if nbr[c, 2 * a + 1] < 0:
                continue
            here = _aggregate(position, ny, nx, c)
            rowsum = 0.0
            for b in range(3):
                d, fm, cm, fp, cp = _pair(nbr, outside, open_axis, ghost, a, c, b)
                rowsum += d
                if fm >= 0:  # S = the mean of the two rows' coefficients between the faces
                    sym = 0.5 * (cm + _pair(nbr, outside, open_axis, ghost, a, fm, b)[4])
                    rowsum += sym
                    _couple(links, here, _aggregate(position, ny, nx, fm), b, 0, -sym)
                if fp >= 0:
                    sym = 0.5 * (cp + _pair(nbr, outside, open_axis, ghost, a, fp, b)[2])
                    rowsum += sym
                    _couple(links, here, _aggregate(position, ny, nx, fp), b, 1, -sym)
            links[3, here[0], here[1], here[2]] += rowsum
    return links


# --- the Darcy operator G^T W G on the free cells --------------------------------------

@numba.njit(inline="always")
def _darcy_row(nbr, w, free, c, e):
    d = 0.0
    acc = 0.0
    for a in range(3):
        high = nbr[c, 2 * a + 1]
        if high >= 0:
            d += w[a, c]
            if free[high]:
                acc += w[a, c] * e[high]
        low = nbr[c, 2 * a]
        if low >= 0:
            d += w[a, low]
            if free[low]:
                acc += w[a, low] * e[low]
    return d, acc


@numba.njit(parallel=True, cache=True)
def _darcy_sweep(nbr, w, free, parity, e, r, colour):
    for c in prange(nbr.shape[0]):
        if parity[c] == colour and free[c]:
            d, acc = _darcy_row(nbr, w, free, c, e)
            if d > 0.0:
                e[c] = (r[c] + acc) / d


@numba.njit(parallel=True, cache=True)
def _darcy_apply(nbr, w, free, x, out):
    for c in prange(nbr.shape[0]):
        if free[c]:
            d, acc = _darcy_row(nbr, w, free, c, x)
            out[c] = d * x[c] - acc
        else:
            out[c] = 0.0


@numba.njit(parallel=True, cache=True)
def _darcy_restrict(nbr, w, free, position, starts, ny, nx, e, r, rc):
    for plane in prange(rc.shape[0]):
        for c in range(starts[2 * plane], starts[min(2 * plane + 2, len(starts) - 1)]):
            if free[c]:
                d, acc = _darcy_row(nbr, w, free, c, e)
                z, y, x = _coords(position[c], ny, nx)
                rc[z // 2, y // 2, x // 2] += r[c] - (d * e[c] - acc)


@numba.njit(parallel=True, cache=True)
def _darcy_links(nbr, w, free, position, starts, ny, nx, shape, shift):
    links = np.zeros((4,) + shape, np.float32)
    for plane in prange(shape[0]):
        for c in range(starts[2 * plane], starts[min(2 * plane + 2, len(starts) - 1)]):
            if not free[c]:
                continue
            here = _aggregate(position, ny, nx, c)
            links[3, here[0], here[1], here[2]] += shift
            for b in range(3):
                for s in range(2):
                    other = nbr[c, 2 * b + s]
                    if other < 0:
                        continue
                    g = w[b, c] if s == 1 else w[b, other]
                    if free[other]:
                        _couple(links, here, _aggregate(position, ny, nx, other), b, s, g)
                    else:  # a held pressure
                        links[3, here[0], here[1], here[2]] += g
    return links


# --- shared: prolongation and the cycles -----------------------------------------------

@numba.njit(parallel=True, cache=True)
def _prolong(position, ny, nx, active, ec, alpha, e):
    for c in prange(len(position)):
        if active[c]:
            z, y, x = _coords(position[c], ny, nx)
            e[c] += alpha * ec[z // 2, y // 2, x // 2]


class _Grid:
    """What the cycles share: the cells, their parity and where each z-plane starts."""

    def __init__(self, cells: Cells):
        self.cells = cells
        nz, ny, nx = cells.shape
        self.ny, self.nx = ny, nx
        z, y, x = np.unravel_index(cells.position, cells.shape)
        self.parity = ((z + y + x) % 2).astype(np.uint8)
        self.starts = np.searchsorted(cells.position, np.arange(nz + 1) * ny * nx).astype(np.int64)
        self.coarse = _half(cells.shape)


class _ViscousCycle:
    """One V-cycle of direction a's viscous block (true rows smoothed on the compact faces)."""

    def __init__(self, grid: _Grid, a: int):
        c = grid.cells
        self.grid, self.a = grid, a
        self.args = (c.neighbours, c.outside, c.open_axis, _GHOST_DIAG)
        links = _visc_links(*self.args, c.position, grid.starts, grid.ny, grid.nx, a, grid.coarse)
        self.levels = _levels(tuple(links))
        self.coarsest = _factorise(self.levels[-1])
        self.face = c.neighbours[:, 2 * a + 1] >= 0

    def __call__(self, r, e):
        """e[a] = M r[a] (both (3, nc) arrays; only row a is touched)."""
        g, a, args = self.grid, self.a, self.args
        e[a] = 0
        for _ in range(SMOOTHING):
            _visc_sweep(*args, g.parity, a, e, r, 0)
            _visc_sweep(*args, g.parity, a, e, r, 1)
        first = self.levels[0]
        first.r[...] = 0
        _visc_restrict(*args, g.cells.position, g.starts, g.ny, g.nx, a, e, r, first.r)
        _coarse_cycle(self.levels, self.coarsest, 0, VISCOUS_OVERCORRECT)
        _prolong(g.cells.position, g.ny, g.nx, self.face, first.e, VISCOUS_OVERCORRECT, e[a])
        for _ in range(SMOOTHING):
            _visc_sweep(*args, g.parity, a, e, r, 1)
            _visc_sweep(*args, g.parity, a, e, r, 0)


class _DarcyCycle:
    """One V-cycle of the Darcy operator on the free cells."""

    def __init__(self, grid: _Grid, w, free):
        c = grid.cells
        self.grid, self.w, self.free = grid, w, free
        shift = 0.0 if (~free).any() else 1e-8 * float(w.sum()) / max(c.count, 1)  # no held pressure: fix the constant
        links = _darcy_links(c.neighbours, w, free, c.position, grid.starts, grid.ny, grid.nx, grid.coarse, shift)
        self.levels = _levels(tuple(links))
        self.coarsest = _factorise(self.levels[-1])

    def __call__(self, r, e):
        g, nbr = self.grid, self.grid.cells.neighbours
        e[...] = 0
        for _ in range(SMOOTHING):
            _darcy_sweep(nbr, self.w, self.free, g.parity, e, r, 0)
            _darcy_sweep(nbr, self.w, self.free, g.parity, e, r, 1)
        first = self.levels[0]
        first.r[...] = 0
        _darcy_restrict(nbr, self.w, self.free, g.cells.position, g.starts, g.ny, g.nx, e, r, first.r)
        _coarse_cycle(self.levels, self.coarsest, 0, DARCY_OVERCORRECT)
        _prolong(g.cells.position, g.ny, g.nx, self.free, first.e, DARCY_OVERCORRECT, e)
        for _ in range(SMOOTHING):
            _darcy_sweep(nbr, self.w, self.free, g.parity, e, r, 1)
            _darcy_sweep(nbr, self.w, self.free, g.parity, e, r, 0)

    def apply(self, x, out):
        _darcy_apply(self.grid.cells.neighbours, self.w, self.free, x, out)
        return out


# --- the solve ---------------------------------------------------------------------------

def _dot(a, b) -> float:
    return float(np.dot(a.ravel().astype(np.float64), b.ravel().astype(np.float64)))


def lean_solve(fluid, a, periodic, nb, tol, maxiter, bar):
    """The lattice-unit solve of ``_stokes._solve`` (same dict out) on compact storage."""
    from dca import ConvergenceError

    bar.phase("cell table")
    open_axis = a if nb else -1
    cells = cells_of(fluid, periodic, open_axis)
    nc = cells.count
    nbr = cells.neighbours
    face = (nbr[:, 1::2] >= 0).T  # (3, nc)
    coord = np.unravel_index(cells.position, fluid.shape)[a]
    free = np.ones(nc, bool)
    value = np.zeros(nc, np.float32)  # the held pressures
    if nb:
        free[(coord == 0) | (coord == fluid.shape[a] - 1)] = False
        value[coord == 0] = 1.0
    jump = np.zeros((3, nc), np.float32)
    if periodic[a]:  # p drops by 1 across the periodic side
        jump[a] = face[a] & (coord == fluid.shape[a] - 1)
    grid = _Grid(cells)
    bar.phase("multigrid setup")
    viscous = [_ViscousCycle(grid, b) for b in range(3)]
    # W = A^-1 1 per face, roughly (each face's Poiseuille response): Richardson on the V-cycles
    w = np.zeros((3, nc), np.float32)
    ones = face.astype(np.float32)
    r, e = ones.copy(), np.zeros_like(w)
    for _ in range(4):
        for b in range(3):
            viscous[b](r, e)
        w += e
        r = ones - apply_viscous(cells, w)
    w = np.where(face, np.maximum(w, 1e-3), 0).astype(np.float32)
    darcy = _DarcyCycle(grid, w, free)

    def operator(u, p, out_u, out_p):
        apply_viscous(cells, u, out_u)
        out_u += apply_gradient(cells, np.where(free, p, 0).astype(np.float32)) * face
        apply_divergence(cells, u, out_p)
        out_p *= free

    def precondition(ru, rp, zu, zp):
        darcy(rp, zp)
        zp += rp
        zp *= -1
        zp *= free
        t = ru - apply_gradient(cells, zp) * face
        for b in range(3):
            viscous[b](t, zu)

    rhs_u = (jump - apply_gradient(cells, value) * face).astype(np.float32)
    rhs_p = np.zeros(nc, np.float32)
    norm_rhs = np.sqrt(_dot(rhs_u, rhs_u) + _dot(rhs_p, rhs_p))
    x_u, x_p = np.zeros((3, nc)), np.zeros(nc)
    r_u, r_p = rhs_u.copy(), rhs_p.copy()
    h_u, h_p = r_u.copy(), r_p.copy()  # the shadow residual
    p_u, p_p = np.zeros_like(r_u), np.zeros_like(r_p)
    v_u, v_p = np.zeros_like(r_u), np.zeros_like(r_p)
    ph_u, ph_p = np.zeros_like(r_u), np.zeros_like(r_p)
    sh_u, sh_p = np.zeros_like(r_u), np.zeros_like(r_p)
    t_u, t_p = np.zeros_like(r_u), np.zeros_like(r_p)
    def true_residual():  # b - K x from the float64 iterate, in float64
        ru = rhs_u - apply_viscous(cells, x_u) - apply_gradient(cells, np.where(free, x_p, 0.0)) * face
        rp = -apply_divergence(cells, x_u) * free
        return ru, rp, float(np.sqrt(_dot(ru, ru) + _dot(rp, rp)) / norm_rhs)

    iterations, residual, restarts = 0, 1.0, 0
    bar.phase("BiCGStab")
    while iterations < maxiter:
        # (re)start: the float32 recurrence drifts from b - K x (as far as 1e-4 on Zick-Homsy's
        # packing); each time it says converged, the true residual decides, and replaces it
        h_u[...], h_p[...] = r_u, r_p
        p_u[...], p_p[...], v_u[...], v_p[...] = 0, 0, 0, 0
        rho = alpha = omega = 1.0
        while iterations < maxiter:
            rho_new = _dot(h_u, r_u) + _dot(h_p, r_p)
            beta = (rho_new / rho) * (alpha / omega)
            rho = rho_new
            p_u[...] = r_u + beta * (p_u - omega * v_u)
            p_p[...] = r_p + beta * (p_p - omega * v_p)
            precondition(p_u, p_p, ph_u, ph_p)
            operator(ph_u, ph_p, v_u, v_p)
            alpha = rho / (_dot(h_u, v_u) + _dot(h_p, v_p))
            r_u -= alpha * v_u  # s
            r_p -= alpha * v_p
            x_u += alpha * ph_u
            x_p += alpha * ph_p
            iterations += 1
            if np.sqrt(_dot(r_u, r_u) + _dot(r_p, r_p)) / norm_rhs <= tol:
                break
            precondition(r_u, r_p, sh_u, sh_p)
            operator(sh_u, sh_p, t_u, t_p)
            omega = (_dot(t_u, r_u) + _dot(t_p, r_p)) / (_dot(t_u, t_u) + _dot(t_p, t_p))
            x_u += omega * sh_u
            x_p += omega * sh_p
            r_u -= omega * t_u
            r_p -= omega * t_p
            recurrence = np.sqrt(_dot(r_u, r_u) + _dot(r_p, r_p)) / norm_rhs
            bar.iteration(recurrence)
            if recurrence <= tol:
                break
        true_u, true_p, residual = true_residual()
        r_u[...], r_p[...] = true_u, true_p
        del true_u, true_p
        if residual <= tol or restarts == 5:
            break
        restarts += 1
    del h_u, h_p, p_u, p_p, v_u, v_p, ph_u, ph_p, sh_u, sh_p, t_u, t_p, r_u, r_p
    if not residual <= 10 * tol:
        raise ConvergenceError(f"the Stokes solve did not converge: residual {residual:.2e} after {iterations} "
                               f"iterations (tolerance {tol:g}); raise maxiter or loosen tol")
    bar.phase("projection")
    u = x_u
    u -= w * _project(cells, darcy, free, apply_divergence(cells, u) * free) * face
    pressure = np.where(free, x_p, value.astype(np.float64))
    return _results(fluid, cells, a, periodic, nb, u, pressure, iterations, residual)


def _project(cells, darcy, free, div):
    """G phi with D phi = div (CG to 1e-12, the Darcy V-cycle as preconditioner)."""
    phi = np.zeros(cells.count)
    r = div.astype(np.float64)
    z32 = np.zeros(cells.count, np.float32)
    darcy(r.astype(np.float32), z32)
    z = z32.astype(np.float64)
    p = z.copy()
    rz = float(np.dot(r, z))
    norm = float(np.linalg.norm(r)) or 1.0
    q = np.zeros(cells.count)
    for _ in range(400):
        darcy.apply(p, q)
        alpha = rz / float(np.dot(p, q))
        phi += alpha * p
        r -= alpha * q
        if np.linalg.norm(r) <= 1e-12 * norm:
            break
        darcy(r.astype(np.float32), z32)
        z = z32.astype(np.float64)
        rz, rz_old = float(np.dot(r, z)), rz
        p = z + (rz / rz_old) * p
    return apply_gradient(cells, np.where(free, phi, 0.0))


def _results(fluid, cells, a, periodic, nb, u, pressure, iterations, residual):
    """``summarise`` of the compact fields."""
    def face_grid(b):
        uf = np.zeros(fluid.shape)
        uf.reshape(-1)[cells.position] = u[b]
        return uf

    pfield = np.zeros(fluid.shape)
    pfield.reshape(-1)[cells.position] = pressure
    return summarise(fluid, a, periodic, nb, face_grid, pfield, iterations, residual)


def summarise(fluid, a, periodic, nb, face_grid, pfield, iterations, residual):
    """What a lattice-unit solve hands back: the flow rate (mean over the planes between
    slices), its spread, dp between the buffer slices that touch the sample, the cell-centred
    velocity and the superficial velocity. ``face_grid(b)``: the velocity on the faces to +b
    at each cell (0 where there is no face)."""
    velocity = np.zeros(fluid.shape + (3,))
    mean_velocity = []
    for b in range(3):
        uf = face_grid(b)
        if b == a:
            q_planes = uf.sum(axis=tuple(i for i in range(3) if i != a))
            inner = q_planes[: fluid.shape[a] - (0 if periodic[a] else 1)]
            q = float(inner.mean())
            mass_balance = float(np.abs(inner - q).max() / abs(q))
        velocity[..., b] = 0.5 * (uf + np.roll(uf, 1, axis=b))  # a missing face holds 0
        inside = uf.swapaxes(0, a)[nb: fluid.shape[a] - nb]
        mean_velocity.append(float(inside.sum()) / inside.size)
    if nb:
        n = fluid.shape[a]
        mean_p = lambda i: pfield.take(i, axis=a)[fluid.take(i, axis=a)].mean()  # noqa: E731
        dp = float(mean_p(nb - 1) - mean_p(n - nb))
    else:
        dp = 1.0
    return dict(q=q, dp=dp, mass_balance=mass_balance, iterations=iterations, residual=residual,
                velocity=velocity, pressure=pfield, mean_velocity=mean_velocity)
