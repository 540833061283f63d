"""The lean Stokes solve: the MAC system of ``_mac`` on compact per-cell storage
(``_lean_mac``), never assembled, in one process or split into z-slabs over MPI ranks.

Unknowns: one float32 array ``x`` (4, nc): rows 0-2 the face velocities (face (a, c) joins
cell c to its +a neighbour; zero where there is no face), row 3 the pressures, with the
pressure of the reservoirs' outer slices held. BiCGStab (float32 vectors, float64 sums, a
float64 iterate, the residual recomputed from it in float64 whenever the recurrence says
converged) with the block-triangular preconditioner of ``_stokes``: a multigrid V-cycle per
face direction on the viscous block and one on the Darcy operator G^T W G (W: each face's
local Poiseuille response). Each multigrid smooths its fine level on the compact cells
(red-black Gauss-Seidel, colour = parity of the global voxel, the ghosts made current after
each half-sweep, so the smoother is the same on any number of slabs) and aggregates 2 x 2 x 2
cells onto box-grid levels of ``_laplace`` (Galerkin links of the operator's symmetric part)
that cover the slab, coupling to the other slabs' cells as to held values (block Jacobi
across ranks at the coarse levels only).

Memory per fluid cell: the cell table 38 B (neighbours, codes, position), W 12, the iterate
32 and six float32 vectors 96; the coarse levels about 10 B per voxel of the box.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._laplace import SMOOTHING, _factorise, _half, _levels
from ._laplace import _cycle as _coarse_cycle
from ._lean_mac import TABLE, Halo, apply_divergence, apply_viscous, cells_of, row_pair, viscous_row

__all__ = ["lean_solve", "slab_bounds"]

#: Coarse-correction factors (``_laplace.OVERCORRECT``): the viscous blocks' large diagonal
#: (wall ghosts) makes 2.2 diverge on Berea (a V-cycle's residual grows 0.68 -> 1.9 in 8
#: cycles); 1.0 reduces it 0.32x per cycle. The Darcy operator is a pure weighted Laplacian.
VISCOUS_OVERCORRECT = 1.0
DARCY_OVERCORRECT = 2.2
#: How the coarse levels of one slab see a coupling to another slab's cell: the fraction of
#: it kept on the diagonal (1: a held value, 0: dropped). Measured on 128^3 blobs, 2 ranks,
#: BiCGStab iterations along x / z (one process: 36 / 37): both 1: 32 / 48 (96^3); viscous 0
#: and Darcy 1: 33 / 43; viscous 0 and Darcy 0.5: 35 / 43 (4 ranks 38 / 49 at 96^3); Darcy
#: 0.25: 39 / 45; Darcy 0.1: 55 / 60.
VISC_CUT = 0.0
DARCY_CUT = 0.5


def slab_bounds(nz: int, size: int) -> list[tuple[int, int]]:
    """The z-planes [z0, z1) of each of ``size`` slabs: even starts (so that the coarse
    aggregates of every slab are those of the whole image), as equal as that allows."""
    from dca import InputError

    if nz < 2 * size:
        raise InputError(f"{size} MPI ranks need at least {2 * size} z-planes, the image has {nz}; use fewer ranks")
    cuts = [2 * round(nz * i / (2 * size)) for i in range(size)] + [nz]
    return list(zip(cuts[:-1], cuts[1:]))


# --- where a cell is -----------------------------------------------------------------------

@numba.njit(inline="always")
def _local(position, ny, nx):
    """Local (z, y, x) of a cell; z counts the ghost plane below as 0."""
    z = position // (ny * nx)
    rest = position - z * ny * nx
    return z, rest // nx, rest - (rest // nx) * nx


@numba.njit(inline="always")
def _aggregate(position, ny, nx):
    z, y, x = _local(position, ny, nx)
    return (z - 1) // 2, y // 2, x // 2


@numba.njit(inline="always")
def _along(position, ny, nx, z0, a):
    """The global coordinate along axis a."""
    z, y, x = _local(position, ny, nx)
    return z - 1 + z0 if a == 0 else (y if a == 1 else x)


@numba.njit(parallel=True, cache=True)
def _free_cells(position, ny, nx, z0, a, n_a, nb):
    """1 where the pressure is unknown (0 on the reservoirs' outer slices)."""
    free = np.ones(len(position), np.uint8)
    if nb:
        for c in prange(len(position)):
            k = _along(position[c], ny, nx, z0, a)
            if k == 0 or k == n_a - 1:
                free[c] = 0
    return free


# --- the viscous block of one face direction -------------------------------------------

@numba.njit(parallel=True, cache=True)
def _parities(position, ny, nx, shift):
    """The colour of each cell: the parity of its global voxel."""
    out = np.empty(len(position), np.uint8)
    for c in prange(len(position)):
        z, y, x = _local(position[c], ny, nx)
        out[c] = (z + y + x + shift) % 2
    return out


@numba.njit(parallel=True, cache=True)
def _visc_sweep(nbr, code, table, parity, a, e, r, colour, lo, hi):
    for c in prange(lo, hi):
        if parity[c] == colour and nbr[c, 2 * a + 1] >= 0:
            d, acc = viscous_row(nbr, code, table, a, c, e)
            e[c] = (r[c] - acc) / d


@numba.njit(parallel=True, cache=True)
def _visc_restrict(nbr, code, table, position, starts, ny, nx, a, e, r, rc):
    top = len(starts) - 3  # the last owned local plane
    for plane in prange(rc.shape[0]):
        for c in range(starts[2 * plane + 1], starts[min(2 * plane + 3, top + 1)]):
            if nbr[c, 2 * a + 1] >= 0:
                d, acc = viscous_row(nbr, code, table, a, c, e)
                i, j, k = _aggregate(position[c], ny, nx)
                rc[i, j, k] += r[c] - (d * e[c] + acc)


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
def _visc_links(nbr, code, table, position, starts, ny, nx, a, shape, lo, hi, cut):
    """The first coarse level of the symmetric part S of direction a's viscous block: each
    aggregate's links (-S between faces in neighbouring aggregates) and its row sums of S
    (a coupling to a ghost, another slab's face, is a held value: it cancels from both)."""
    links = np.zeros((4,) + shape, np.float32)  # gz, gy, gx, bc
    top = len(starts) - 3
    for plane in prange(shape[0]):
        for c in range(starts[2 * plane + 1], starts[min(2 * plane + 3, top + 1)]):
            if nbr[c, 2 * a + 1] < 0:
                continue
            here = _aggregate(position[c], ny, nx)
            rowsum = 0.0
            for b in range(3):
                d, cm, cp, km, kp = row_pair(code, table, a, c, b)
                rowsum += d
                fm, fp = nbr[c, 2 * b], nbr[c, 2 * b + 1]
                if km == 0:
                    if lo <= fm < hi:  # S = the mean of the two rows' coefficients between the faces
                        sym = 0.5 * (cm + row_pair(code, table, a, fm, b)[2])
                        rowsum += sym
                        _couple(links, here, _aggregate(position[fm], ny, nx), b, 0, -sym)
                    else:
                        rowsum += (1.0 - cut) * cm
                if kp == 0:
                    if lo <= fp < hi:
                        sym = 0.5 * (cp + row_pair(code, table, a, fp, b)[1])
                        rowsum += sym
                        _couple(links, here, _aggregate(position[fp], ny, nx), b, 1, -sym)
                    else:
                        rowsum += (1.0 - cut) * cp
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
def _darcy_sweep(nbr, w, free, parity, e, r, colour, lo, hi):
    for c in prange(lo, hi):
        if parity[c] == colour and free[c]:
            d, acc = _darcy_row(nbr, w, free, c, e)
            if d > 0.0:
                e[c] = (r[c] + acc) / d


@numba.njit(parallel=True, cache=True)
def _darcy_apply(nbr, w, free, x, out, lo, hi):
    for c in prange(lo, hi):
        if free[c]:
            d, acc = _darcy_row(nbr, w, free, c, x)
            out[c] = d * x[c] - acc
        else:
            out[c] = 0.0


@numba.njit(parallel=True, cache=True)
def _darcy_restrict(nbr, w, free, position, starts, ny, nx, e, r, rc):
    top = len(starts) - 3
    for plane in prange(rc.shape[0]):
        for c in range(starts[2 * plane + 1], starts[min(2 * plane + 3, top + 1)]):
            if free[c]:
                d, acc = _darcy_row(nbr, w, free, c, e)
                i, j, k = _aggregate(position[c], ny, nx)
                rc[i, j, k] += r[c] - (d * e[c] - acc)


@numba.njit(parallel=True, cache=True)
def _darcy_links(nbr, w, free, position, starts, ny, nx, shape, shift, lo, hi, cut):
    links = np.zeros((4,) + shape, np.float32)
    top = len(starts) - 3
    for plane in prange(shape[0]):
        for c in range(starts[2 * plane + 1], starts[min(2 * plane + 3, top + 1)]):
            if not free[c]:
                continue
            here = _aggregate(position[c], ny, nx)
            links[3, here[0], here[1], here[2]] += shift
            for b in range(3):
                for s in range(2):
                    other = nbr[c, 2 * b + s]
                    if other < 0:
                        continue
                    g = w[b, c] if s == 1 else w[b, other]
                    if not free[other]:  # a held pressure
                        links[3, here[0], here[1], here[2]] += g
                    elif lo <= other < hi:
                        _couple(links, here, _aggregate(position[other], ny, nx), b, s, g)
                    else:  # another slab's
                        links[3, here[0], here[1], here[2]] += cut * g
    return links


# --- shared: prolongation and the cycles -----------------------------------------------

@numba.njit(parallel=True, cache=True)
def _prolong(nbr, free, position, ny, nx, a, ec, alpha, e, lo, hi):
    """e += alpha P ec on the faces of direction a (a = -1: on the free cells)."""
    for c in prange(lo, hi):
        on = nbr[c, 2 * a + 1] >= 0 if a >= 0 else free[c] > 0
        if on:
            i, j, k = _aggregate(position[c], ny, nx)
            e[c] += alpha * ec[i, j, k]


class _Grid:
    """What the cycles share: the slab's cells, its halo, where each local plane starts."""

    def __init__(self, cells, halo, free):
        self.cells, self.halo, self.free = cells, halo, free
        nzl, ny, nx = cells.shape
        self.ny, self.nx = ny, nx
        self.parity = _parities(cells.position, ny, nx, (cells.z0 - 1) % 2)  # local z + shift: global parity
        self.starts = np.searchsorted(cells.position, np.arange(nzl + 1) * ny * nx).astype(np.int64)
        self.coarse = _half((nzl - 3, ny, nx))


class _Cycle:
    """One V-cycle from zero on the compact cells: red-black sweeps (the ghosts made current
    after each half-sweep), the residual restricted to the first box level, ``_laplace``'s
    cycle there, the correction prolonged onto the ``active`` cells (the faces of direction
    ``active``, or -1: the free cells) times ``alpha``, and the sweeps in reverse order."""

    active = -1
    alpha = 1.0

    def _sweep(self, e, r, colour):
        raise NotImplementedError

    def _restrict(self, e, r, rc):
        raise NotImplementedError

    def _smooth(self, e, r, colours):
        for _ in range(SMOOTHING):
            for colour in colours:
                self._sweep(e, r, colour)
                self.grid.halo(e)

    def __call__(self, r, e):
        """e = M r (both (nc,) float32; e's ghosts made current)."""
        g, c = self.grid, self.grid.cells
        e[...] = 0
        self._smooth(e, r, (0, 1))
        first = self.levels[0]
        first.r[...] = 0
        self._restrict(e, r, first.r)
        _coarse_cycle(self.levels, self.coarsest, 0, self.alpha)
        _prolong(c.neighbours, g.free, c.position, g.ny, g.nx, self.active, first.e, self.alpha, e, c.lo, c.hi)
        g.halo(e)
        self._smooth(e, r, (1, 0))


class _ViscousCycle(_Cycle):
    """Direction a's viscous block (true rows smoothed on the compact faces)."""

    alpha = VISCOUS_OVERCORRECT

    def __init__(self, grid: _Grid, a: int, like=None):
        c = grid.cells
        self.grid, self.a, self.active = grid, a, a
        links = _visc_links(c.neighbours, c.code, TABLE, c.position, grid.starts, grid.ny, grid.nx, a,
                            grid.coarse, c.lo, c.hi, VISC_CUT)
        self.levels = _levels(tuple(links), like)
        self.coarsest = _factorise(self.levels[-1])

    def _sweep(self, e, r, colour):
        c = self.grid.cells
        _visc_sweep(c.neighbours, c.code, TABLE, self.grid.parity, self.a, e, r, colour, c.lo, c.hi)

    def _restrict(self, e, r, rc):
        g, c = self.grid, self.grid.cells
        _visc_restrict(c.neighbours, c.code, TABLE, c.position, g.starts, g.ny, g.nx, self.a, e, r, rc)


class _DarcyCycle(_Cycle):
    """The Darcy operator on the free cells."""

    alpha = DARCY_OVERCORRECT

    def __init__(self, grid: _Grid, w, shift, like=None):
        c = grid.cells
        self.grid, self.w = grid, w
        links = _darcy_links(c.neighbours, w, grid.free, c.position, grid.starts, grid.ny, grid.nx, grid.coarse,
                             shift, c.lo, c.hi, DARCY_CUT)
        self.levels = _levels(tuple(links), like)
        self.coarsest = _factorise(self.levels[-1])

    def _sweep(self, e, r, colour):
        c = self.grid.cells
        _darcy_sweep(c.neighbours, self.w, self.grid.free, self.grid.parity, e, r, colour, c.lo, c.hi)

    def _restrict(self, e, r, rc):
        g, c = self.grid, self.grid.cells
        _darcy_restrict(c.neighbours, self.w, g.free, c.position, g.starts, g.ny, g.nx, e, r, rc)

    def apply(self, x, out):
        c = self.grid.cells
        self.grid.halo(x)
        _darcy_apply(c.neighbours, self.w, self.grid.free, x, out, c.lo, c.hi)
        return out


# --- the system and its vectors ---------------------------------------------------------

@numba.njit(inline="always")
def _held(position, ny, nx, z0, a, nb):
    """The held pressure of a cell that is not free: 1 on the inlet slice, 0 on the outlet."""
    return 1.0 if nb and _along(position, ny, nx, z0, a) == 0 else 0.0


@numba.njit(parallel=True, cache=True)
def _operator(nbr, code, table, free, x, out, lo, hi):
    """out = K x, K = [[A, G], [G^T, 0]] on the free pressures (rows of held ones: 0)."""
    for c in prange(lo, hi):
        pc = x[3, c] if free[c] else 0.0
        s = 0.0
        for a in range(3):
            high = nbr[c, 2 * a + 1]
            if high >= 0:
                d, acc = viscous_row(nbr, code, table, a, c, x[a])
                ph = x[3, high] if free[high] else 0.0
                out[a, c] = d * x[a, c] + acc + ph - pc
                s -= x[a, c]
            else:
                out[a, c] = 0.0
            low = nbr[c, 2 * a]
            if low >= 0:
                s += x[a, low]
        out[3, c] = s if free[c] else 0.0


@numba.njit(parallel=True, cache=True)
def _residual(nbr, code, table, free, position, ny, nx, z0, axis, n_axis, nb, periodic_axis, x, out, lo, hi):
    """out = b - K x (float64 arithmetic; b: the held pressures and the periodic jump);
    returns |b - K x|^2."""
    total = 0.0
    for c in prange(lo, hi):
        held_c = _held(position[c], ny, nx, z0, axis, nb)
        pc = x[3, c] if free[c] else 0.0
        bc = 0.0 if free[c] else held_c
        s = 0.0
        for a in range(3):
            high = nbr[c, 2 * a + 1]
            v = 0.0
            if high >= 0:
                d, acc = viscous_row(nbr, code, table, a, c, x[a])
                ph = x[3, high] if free[high] else 0.0
                bh = 0.0 if free[high] else _held(position[high], ny, nx, z0, axis, nb)
                rhs = -(bh - bc)
                if periodic_axis and a == axis and _along(position[c], ny, nx, z0, axis) == n_axis - 1:
                    rhs += 1.0  # p drops by 1 across the periodic side
                v = rhs - (d * x[a, c] + acc + ph - pc)
                s -= x[a, c]
            out[a, c] = v
            total += v * v
            low = nbr[c, 2 * a]
            if low >= 0:
                s += x[a, low]
        v = -s if free[c] else 0.0
        out[3, c] = v
        total += v * v
    return total


@numba.njit(parallel=True, cache=True)
def _dot(x, y, lo, hi):
    s = 0.0
    for c in prange(lo, hi):
        for i in range(x.shape[0]):
            s += np.float64(x[i, c]) * np.float64(y[i, c])
    return s


@numba.njit(parallel=True, cache=True)
def _dot2(t, r, lo, hi):
    """(t . r, t . t)."""
    tr = 0.0
    tt = 0.0
    for c in prange(lo, hi):
        for i in range(t.shape[0]):
            ti = np.float64(t[i, c])
            tr += ti * np.float64(r[i, c])
            tt += ti * ti
    return tr, tt


@numba.njit(parallel=True, cache=True)
def _direction(p, r, v, beta, omega, lo, hi):
    """p = r + beta (p - omega v)."""
    for c in prange(lo, hi):
        for i in range(p.shape[0]):
            p[i, c] = r[i, c] + beta * (p[i, c] - omega * v[i, c])


@numba.njit(parallel=True, cache=True)
def _advance(x, r, d, q, alpha, lo, hi):
    """x += alpha d (float64), r -= alpha q; returns |r|^2."""
    s = 0.0
    for c in prange(lo, hi):
        for i in range(x.shape[0]):
            x[i, c] += alpha * np.float64(d[i, c])
            v = r[i, c] - alpha * q[i, c]
            r[i, c] = v
            s += np.float64(v) * v
    return s


@numba.njit(parallel=True, cache=True)
def _pressure_part(z, r, free, lo, hi):
    """z_p = -(M_D r_p + r_p) on the free cells (z_p holds M_D r_p on entry)."""
    for c in prange(lo, hi):
        z[3, c] = -(z[3, c] + r[3, c]) if free[c] else 0.0


@numba.njit(parallel=True, cache=True)
def _momentum_rhs(nbr, free, z, r, a, out, lo, hi):
    """out = r_a - (G z_p)_a on direction a's faces."""
    for c in prange(lo, hi):
        high = nbr[c, 2 * a + 1]
        if high >= 0:
            ph = z[3, high] if free[high] else 0.0
            pc = z[3, c] if free[c] else 0.0
            out[c] = r[a, c] - (ph - pc)
        else:
            out[c] = 0.0


@numba.njit(parallel=True, cache=True)
def _correct(nbr, free, w, phi, u, lo, hi):
    """u -= W G phi."""
    for c in prange(lo, hi):
        pc = phi[c] if free[c] else 0.0
        for a in range(3):
            high = nbr[c, 2 * a + 1]
            if high >= 0:
                u[a, c] -= w[a, c] * ((phi[high] if free[high] else 0.0) - pc)


class _Slab:
    """One rank's part of the solve: its cells, halo and reductions over its owned cells."""

    def __init__(self, fluid, a, periodic, nb, comm):
        self.comm = comm
        rank, size = (comm.Get_rank(), comm.Get_size()) if comm is not None else (0, 1)
        self.size = size
        z0, z1 = slab_bounds(fluid.shape[0], size)[rank]
        self.cells = cells_of(fluid, periodic, a if nb else -1, z0, z1)
        c = self.cells
        self.halo = Halo(c, comm, bool(periodic[0]))
        self.free = _free_cells(c.position, c.shape[1], c.shape[2], c.z0, a, fluid.shape[a], nb)
        self.lo, self.hi = c.lo, c.hi

    def sum(self, value):
        return self.comm.allreduce(value) if self.size > 1 else value

    def dot(self, x, y) -> float:
        return self.sum(_dot(x, y, self.lo, self.hi))


def _weights(slab, viscous):
    """W = A^-1 1 per face, roughly (each face's Poiseuille response): four Richardson steps
    on the V-cycles, floored at 1e-3 on the faces."""
    c = slab.cells
    face = c.neighbours[:, 1::2].T >= 0
    w = np.zeros((3, c.count), np.float32)
    r = face.astype(np.float32)  # 1 - A w
    e = np.zeros_like(w)
    for step in range(4):
        for b in range(3):
            viscous[b](r[b], e[b])
        w += e
        slab.halo(w)
        if step < 3:
            apply_viscous(c, w, r)
            np.subtract(face, r, out=r)
    np.maximum(w, 1e-3, out=w)
    w *= face
    return w


def lean_solve(fluid, a, periodic, nb, tol, maxiter, bar, comm=None, fields=True):
    """The lattice-unit solve of ``_stokes._solve`` (same dict out). ``comm``: an mpi4py
    communicator over whose ranks the image is split into z-slabs (every rank passes the
    same ``fluid``); ``fields``: return the velocity and pressure fields (one rank only)."""
    from dca import ConvergenceError

    if a == 0 and comm is not None and comm.Get_size() > 1:
        # slabs across the flow see the pressure drop only in part at their coarse levels (256^3,
        # 2 ranks: 68 iterations against 41): solve with z and y swapped, the slabs along the flow
        out = lean_solve(np.ascontiguousarray(fluid.transpose(1, 0, 2)), 1, (periodic[1], periodic[0], periodic[2]),
                         nb, tol, maxiter, bar, comm, fields)
        out["mean_velocity"] = [out["mean_velocity"][i] for i in (1, 0, 2)]
        return out
    bar.phase("cell table")
    slab = _Slab(fluid, a, periodic, nb, comm)
    c, free, halo, lo, hi = slab.cells, slab.free, slab.halo, slab.lo, slab.hi
    nbr = c.neighbours
    grid = _Grid(c, halo, free)
    bar.phase("multigrid setup")
    viscous = [_ViscousCycle(grid, 0)]
    viscous += [_ViscousCycle(grid, b, viscous[0].levels) for b in (1, 2)]  # one set of work arrays
    w = _weights(slab, viscous)
    shift = 0.0
    if not nb:  # no held pressure: fix the constant
        shift = 1e-8 * slab.sum(float(w[:, lo:hi].sum(dtype=np.float64))) / max(slab.sum(hi - lo), 1)
    darcy = _DarcyCycle(grid, w, shift, viscous[0].levels)
    n_axis = fluid.shape[a]
    geometry = (c.position, c.shape[1], c.shape[2], c.z0, a, n_axis, nb, bool(periodic[a]))

    def operator(x, out):
        halo(x)
        _operator(nbr, c.code, TABLE, free, x, out, lo, hi)

    scratch = np.zeros(c.count, np.float32)

    def precondition(r, z):
        darcy(r[3], z[3])
        _pressure_part(z, r, free, lo, hi)
        halo(z[3])
        for b in range(3):
            _momentum_rhs(nbr, free, z, r, b, scratch, lo, hi)
            viscous[b](scratch, z[b])

    x = np.zeros((4, c.count))  # the float64 iterate
    r = np.zeros((4, c.count), np.float32)
    norm_rhs = np.sqrt(slab.sum(_residual(nbr, c.code, TABLE, free, *geometry, x, r, lo, hi)))
    h, p, v, s, t = (np.zeros_like(r) for _ in range(5))  # s: the preconditioned directions
    iterations, residual, restarts = 0, 1.0, 0
    bar.phase("BiCGStab")
    while iterations < maxiter:
        # (re)start: the float32 recurrence drifts from b - K x (as far as 1e-4 on Zick-Homsy's
        # packing); each time it says converged, the true residual decides, and replaces it
        h[:, lo:hi] = r[:, lo:hi]
        p[...] = v[...] = 0
        rho = alpha = omega = 1.0
        while iterations < maxiter:
            rho_new = slab.dot(h, r)
            beta = (rho_new / rho) * (alpha / omega)
            rho = rho_new
            _direction(p, r, v, beta, omega, lo, hi)
            precondition(p, s)
            operator(s, v)
            alpha = rho / slab.dot(h, v)
            rr = slab.sum(_advance(x, r, s, v, alpha, lo, hi))
            iterations += 1
            if np.sqrt(rr) / norm_rhs <= tol:
                break
            precondition(r, s)
            operator(s, t)
            tr, tt = _dot2(t, r, lo, hi)
            omega = slab.sum(tr) / slab.sum(tt)
            recurrence = np.sqrt(slab.sum(_advance(x, r, s, t, omega, lo, hi))) / norm_rhs
            bar.iteration(recurrence)
            if recurrence <= tol:
                break
        halo(x)
        residual = float(np.sqrt(slab.sum(_residual(nbr, c.code, TABLE, free, *geometry, x, r, lo, hi))) / norm_rhs)
        if residual <= tol or restarts == 5:
            break
        restarts += 1
    del h, p, v, s, t, r
    if not residual <= 10 * tol:
        raise ConvergenceError(f"the Stokes solve did not converge: residual {residual:.2e} after {iterations} "
                               f"iterations (tolerance {tol:g}); raise maxiter or loosen tol")
    bar.phase("projection")
    _project(slab, darcy, w, x)
    halo(x)
    out = _summary(slab, fluid.shape, a, periodic, nb, x)
    out.update(iterations=iterations, residual=residual, velocity=None, pressure=None)
    if fields and slab.size == 1:
        out["velocity"], out["pressure"] = _fields(slab, fluid.shape, a, nb, x)
    return out


#: The projection's CG stops at this residual relative to its first (the divergence left by
#: BiCGStab, itself ~tol of the flow): Berea 200^3 gives mass balance 2e-13 at 1e-8 in 39
#: iterations, against 97 iterations at 1e-12.
PROJECTION_TOL = 1e-8


def _project(slab, darcy, w, x):
    """x_u -= W G phi with D phi = G^T x_u (D = G^T W G; CG to ``PROJECTION_TOL``, the Darcy
    V-cycle as preconditioner): the velocity becomes divergence-free."""
    c, lo, hi, free = slab.cells, slab.lo, slab.hi, slab.free
    n = c.count
    r = apply_divergence(c, x[:3])
    r *= free
    phi, q, z = np.zeros(n), np.zeros(n), np.zeros(n)
    r32, z32 = np.zeros(n, np.float32), np.zeros(n, np.float32)

    def dot(a, b):
        return slab.sum(float(np.dot(a[lo:hi], b[lo:hi])))

    def precondition():
        r32[lo:hi] = r[lo:hi]
        darcy(r32, z32)
        z[lo:hi] = z32[lo:hi]

    precondition()
    d = z.copy()
    rz = dot(r, z)
    norm = np.sqrt(dot(r, r)) or 1.0
    for _ in range(400):
        darcy.apply(d, q)
        alpha = rz / dot(d, q)
        phi[lo:hi] += alpha * d[lo:hi]
        r[lo:hi] -= alpha * q[lo:hi]
        if np.sqrt(dot(r, r)) <= PROJECTION_TOL * norm:
            break
        precondition()
        rz, rz_old = dot(r, z), rz
        d[lo:hi] = z[lo:hi] + (rz / rz_old) * d[lo:hi]
    slab.halo(phi)
    _correct(c.neighbours, free, w, phi, x, lo, hi)


@numba.njit(cache=True)
def _tally(nbr, free, position, ny, nx, z0, a, n_axis, nb, x, planes, sums, lo, hi):
    """Per slab: the flow through each plane normal to a (``planes``), and ``sums``: the
    velocity summed over the sample (3), then the pressure summed and counted on the
    buffer slices that touch the sample (inlet side, outlet side)."""
    for c in range(lo, hi):
        k = _along(position[c], ny, nx, z0, a)
        if nbr[c, 2 * a + 1] >= 0:
            planes[k] += x[a, c]
        if nb <= k < n_axis - nb:
            for b in range(3):
                sums[b] += x[b, c]
        p = x[3, c] if free[c] else _held(position[c], ny, nx, z0, a, nb)
        if k == nb - 1:
            sums[3] += p
            sums[4] += 1
        if k == n_axis - nb:
            sums[5] += p
            sums[6] += 1


def _summary(slab, shape, a, periodic, nb, x):
    """``_stokes.summarise``'s numbers without the fields: the flow rate (mean over the
    planes between slices), its spread, dp between the buffer slices that touch the sample,
    the superficial velocity."""
    c = slab.cells
    planes, sums = np.zeros(shape[a]), np.zeros(7)
    _tally(c.neighbours, slab.free, c.position, c.shape[1], c.shape[2], c.z0, a, shape[a], nb, x, planes, sums,
           slab.lo, slab.hi)
    if slab.size > 1:
        planes, sums = slab.sum(planes), slab.sum(sums)
    inner = planes[: shape[a] - (0 if periodic[a] else 1)]
    q = float(inner.mean())
    inside = np.prod(shape) / shape[a] * (shape[a] - 2 * nb)
    dp = float(sums[3] / sums[4] - sums[5] / sums[6]) if nb else 1.0
    return dict(q=q, dp=dp, mass_balance=float(np.abs(inner - q).max() / abs(q)),
                mean_velocity=[float(sums[b] / inside) for b in range(3)])


@numba.njit(parallel=True, cache=True)
def _fill_fields(nbr, free, position, ny, nx, a, nb, x, velocity, pressure, lo, hi):
    for c in prange(lo, hi):
        z, y, k = _local(position[c], ny, nx)
        for b in range(3):
            low = nbr[c, 2 * b]
            velocity[z - 1, y, k, b] = 0.5 * (x[b, c] + (x[b, low] if low >= 0 else 0.0))
        pressure[z - 1, y, k] = x[3, c] if free[c] else _held(position[c], ny, nx, 0, a, nb)


def _fields(slab, shape, a, nb, x):
    """The cell-centred velocity (mean of each cell's two faces) and the pressure, float32."""
    c = slab.cells
    velocity = np.zeros(tuple(shape) + (3,), np.float32)
    pressure = np.zeros(shape, np.float32)
    _fill_fields(c.neighbours, slab.free, c.position, c.shape[1], c.shape[2], a, nb, x, velocity, pressure,
                 slab.lo, slab.hi)
    return velocity, pressure
