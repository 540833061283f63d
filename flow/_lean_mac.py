"""The MAC Stokes operator of ``_mac`` applied matrix-free on compact storage, one z-slab of
the image at a time: the operator of the lean Stokes solver (issue 17).

Storage is per fluid cell, never per voxel of the box. A slab owns the planes [z0, z1) of
the image and holds one ghost plane below them and two above (copies across a periodic
side, empty beyond a sealed one); the whole image is the one slab [0, nz). Cells are
numbered in C order over the slab's local box, so the owned cells are one range
[lo, hi), the ghosts below are [0, lo) and the first plane above is [hi, top).

Per cell: the six neighbouring cells (int32, -1 where a neighbour is solid or beyond the
box; y and x wrap where periodic) and, per face direction a, a 12-bit code of the kinds of
the six neighbours of the face (a, c) (``_mac``'s unknown, on-wall, wall, open; 2 bits
each), computed once from the neighbour table, so that each viscous row is read from a
16-entry coefficient table with no neighbour-of-neighbour lookups. A velocity field is
``u[a, c]``: the normal velocity on the face between cell c and its neighbour along +a (zero
where that face does not exist); a pressure field is ``p[c]``. The products equal the
assembled matrix's (tested to rounding); they are computed on the owned cells from values
that must be current on the ghosts (``Halo``).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._mac import _GHOST_DIAG, _GHOST_OPPOSITE, _ON_WALL, _OPEN, _UNKNOWN, _WALL, coefficients

__all__ = ["Cells", "Halo", "cells_of", "apply_viscous", "apply_gradient", "apply_divergence"]


def _coefficient_table() -> np.ndarray:
    """(diagonal share, -side coefficient, +side coefficient) along one axis for each pair of
    neighbour kinds, row 4 km + kp."""
    table = np.zeros((16, 3))
    for km in range(4):
        for kp in range(4):
            table[4 * km + kp] = coefficients(km, kp, _GHOST_DIAG, _GHOST_OPPOSITE)
    return table


TABLE = _coefficient_table()


class Cells:
    """The fluid cells of one slab: ``neighbours`` (nc, 6) int32 in the order -z, +z, -y, +y,
    -x, +x; ``code`` (3, nc) uint16, the neighbour kinds of each owned face; ``position``
    (nc,) int64, each cell's flat index in the slab's local box ``shape`` (ghost planes
    included); the owned range [lo, hi), its first plane [lo, first) and last [last, hi),
    and the ghost plane above [hi, top); ``z0`` the owned planes' first global index."""

    __slots__ = ("neighbours", "code", "position", "shape", "lo", "hi", "first", "last", "top", "z0", "nz")

    def __init__(self, neighbours, code, position, shape, ranges, z0, nz):
        self.neighbours, self.code, self.position, self.shape = neighbours, code, position, shape
        self.lo, self.hi, self.first, self.last, self.top = ranges
        self.z0, self.nz = z0, nz

    @property
    def count(self) -> int:
        """Cells held, ghosts included."""
        return len(self.position)

    @property
    def owned(self) -> slice:
        return slice(self.lo, self.hi)


def _slab_image(fluid, periodic_z: bool, z0: int, z1: int) -> np.ndarray:
    """Planes z0 - 1 .. z1 + 1 of ``fluid`` (wrapped across a periodic z, empty beyond)."""
    nz = fluid.shape[0]
    local = np.zeros((z1 - z0 + 3,) + fluid.shape[1:], bool)
    for i, g in enumerate(range(z0 - 1, z1 + 2)):
        if 0 <= g < nz or periodic_z:
            local[i] = fluid[g % nz]
    return local


@numba.njit(parallel=True, cache=True)
def _neighbour_table(index, position, periodic_y, periodic_x):
    n0, n1, n2 = index.shape
    nbr = np.full((len(position), 6), -1, np.int32)
    for c in prange(len(position)):
        q = position[c]
        i, j, k = q // (n1 * n2), (q // n2) % n1, q % n2
        if i > 0:
            nbr[c, 0] = index[i - 1, j, k]
        if i < n0 - 1:
            nbr[c, 1] = index[i + 1, j, k]
        if j > 0 or periodic_y:
            nbr[c, 2] = index[i, (j - 1) % n1, k]
        if j < n1 - 1 or periodic_y:
            nbr[c, 3] = index[i, (j + 1) % n1, k]
        if k > 0 or periodic_x:
            nbr[c, 4] = index[i, j, (k - 1) % n2]
        if k < n2 - 1 or periodic_x:
            nbr[c, 5] = index[i, j, (k + 1) % n2]
    return nbr


@numba.njit(parallel=True, cache=True)
def _outside_flags(position, shape, z0, nz, periodic):
    """Bit 2b+s: the neighbour along -b (s = 0) or +b (s = 1) lies beyond a sealed or open
    side of the whole image (z from the global plane index)."""
    n0, n1, n2 = shape
    out = np.zeros(len(position), np.uint8)
    for c in prange(len(position)):
        q = position[c]
        g = q // (n1 * n2) - 1 + z0
        j, k = (q // n2) % n1, q % n2
        flags = 0
        if not periodic[0]:
            flags |= (1 if g == 0 else 0) | (2 if g == nz - 1 else 0)
        if not periodic[1]:
            flags |= (4 if j == 0 else 0) | (8 if j == n1 - 1 else 0)
        if not periodic[2]:
            flags |= (16 if k == 0 else 0) | (32 if k == n2 - 1 else 0)
        out[c] = flags
    return out


@numba.njit(inline="always")
def _kind(nbr, outside, open_axis, a, c, b, s):
    """Kind of the neighbour of face (a, c) one cell along -b (s = 0) or +b (s = 1):
    ``_mac._side`` on the compact table (an unknown neighbour is the face (a, nbr[c, 2b+s]))."""
    if b == a:
        if s == 0:
            if nbr[c, 2 * a] >= 0:
                return _UNKNOWN
            if outside[c] >> (2 * a) & 1:
                return _OPEN if a == open_axis else _ON_WALL
            return _ON_WALL
        high = nbr[c, 2 * a + 1]
        if nbr[high, 2 * a + 1] >= 0:
            return _UNKNOWN
        if outside[high] >> (2 * a + 1) & 1:
            return _OPEN if a == open_axis else _ON_WALL
        return _ON_WALL
    if outside[c] >> (2 * b + s) & 1:
        return _OPEN if b == open_axis else _WALL
    q = nbr[c, 2 * b + s]
    r = nbr[nbr[c, 2 * a + 1], 2 * b + s]  # the cell beside the face's high cell
    if q >= 0 and r >= 0:
        return _UNKNOWN
    return _WALL if q < 0 and r < 0 else _ON_WALL


@numba.njit(parallel=True, cache=True)
def _codes(nbr, outside, open_axis, lo, hi):
    code = np.zeros((3, len(outside)), np.uint16)
    for c in prange(lo, hi):
        for a in range(3):
            if nbr[c, 2 * a + 1] < 0:
                continue
            k = 0
            for side in range(6):
                k |= _kind(nbr, outside, open_axis, a, c, side // 2, side % 2) << (2 * side)
            code[a, c] = k
    return code


def cells_of(fluid: np.ndarray, periodic, open_axis: int, z0: int = 0, z1: int | None = None) -> Cells:
    """The compact cell table of the slab [z0, z1) of a boolean image (the whole image by
    default), with its ghost planes."""
    nz, ny, nx = fluid.shape
    z1 = nz if z1 is None else z1
    local = _slab_image(fluid, bool(periodic[0]), z0, z1)
    position = np.flatnonzero(local)
    if position.size >= np.iinfo(np.int32).max:
        from dca import InputError

        raise InputError(f"{position.size} pore voxels in one slab is beyond int32 numbering; use more MPI ranks")
    index = np.full(local.shape, -1, np.int32)
    index.reshape(-1)[position] = np.arange(position.size, dtype=np.int32)
    nbr = _neighbour_table(index, position, bool(periodic[1]), bool(periodic[2]))
    del index
    per_plane = np.count_nonzero(local.reshape(local.shape[0], -1), axis=1)
    starts = np.concatenate([[0], np.cumsum(per_plane)])
    n = z1 - z0
    ranges = (int(starts[1]), int(starts[n + 1]), int(starts[2]), int(starts[n]), int(starts[n + 2]))
    outside = _outside_flags(position, local.shape, z0, nz, np.array(periodic, np.bool_))
    code = _codes(nbr, outside, int(open_axis), ranges[0], ranges[1])
    return Cells(nbr, code, position, local.shape, ranges, z0, nz)


class Halo:
    """Makes the ghost cells of a field (last axis: cells) current: the plane below from the
    rank below (or, across a periodic z, from the slab's own last plane), the plane above
    from the rank above. ``comm``: an mpi4py communicator, or None for one process."""

    def __init__(self, cells: Cells, comm=None, periodic_z: bool = False):
        self.cells, self.comm = cells, comm
        rank, size = (comm.Get_rank(), comm.Get_size()) if comm is not None else (0, 1)
        below, above = rank - 1, rank + 1
        if periodic_z:
            below, above = below % size, above % size
        self.below = below if 0 <= below < size else None
        self.above = above if 0 <= above < size else None
        self.size = size
        if size > 1:  # the partners as MPI addresses them (PROC_NULL: none)
            from mpi4py import MPI

            self._peers = tuple(MPI.PROC_NULL if p is None else p for p in (self.below, self.above))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        c = self.cells
        if self.size == 1:
            if self.below is not None:  # periodic z in one slab: its own planes
                x[..., :c.lo] = x[..., c.last:c.hi]
                x[..., c.hi:c.top] = x[..., c.lo:c.first]
            return x
        below, above = self._peers
        up = np.empty(x.shape[:-1] + (c.lo,), x.dtype)
        self.comm.Sendrecv(np.ascontiguousarray(x[..., c.last:c.hi]), dest=above, sendtag=1,
                           recvbuf=up, source=below, recvtag=1)
        down = np.empty(x.shape[:-1] + (c.top - c.hi,), x.dtype)
        self.comm.Sendrecv(np.ascontiguousarray(x[..., c.lo:c.first]), dest=below, sendtag=2,
                           recvbuf=down, source=above, recvtag=2)
        if self.below is not None:
            x[..., :c.lo] = up
        if self.above is not None:
            x[..., c.hi:c.top] = down
        return x


@numba.njit(inline="always")
def viscous_row(nbr, code, table, a, c, u):
    """Row (a, c) of the viscous block on ``u`` (the direction-a field, (nc,)): (diagonal,
    sum of the off-diagonal terms)."""
    k = code[a, c]
    d = 0.0
    acc = 0.0
    for b in range(3):
        km = (k >> (4 * b)) & 3
        kp = (k >> (4 * b + 2)) & 3
        t = 4 * km + kp
        d += table[t, 0]
        if km == _UNKNOWN:
            acc += table[t, 1] * u[nbr[c, 2 * b]]
        if kp == _UNKNOWN:
            acc += table[t, 2] * u[nbr[c, 2 * b + 1]]
    return d, acc


@numba.njit(inline="always")
def row_pair(code, table, a, c, b):
    """Row (a, c)'s (diagonal share, -b coefficient, +b coefficient, -b kind, +b kind) along b."""
    k = code[a, c]
    km = (k >> (4 * b)) & 3
    kp = (k >> (4 * b + 2)) & 3
    t = 4 * km + kp
    return table[t, 0], table[t, 1], table[t, 2], km, kp


@numba.njit(parallel=True, cache=True)
def _viscous(nbr, code, table, u, out, lo, hi):
    for c in prange(lo, hi):
        for a in range(3):
            if nbr[c, 2 * a + 1] >= 0:
                d, acc = viscous_row(nbr, code, table, a, c, u[a])
                out[a, c] = d * u[a, c] + acc
            else:
                out[a, c] = 0.0


def apply_viscous(cells: Cells, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The viscous block (lattice units) on a face field ``u`` (3, nc), on the owned cells."""
    out = np.zeros_like(u) if out is None else out
    _viscous(cells.neighbours, cells.code, TABLE, u, out, cells.lo, cells.hi)
    return out


@numba.njit(parallel=True, cache=True)
def _gradient(nbr, p, out, lo, hi):
    for c in prange(lo, hi):
        for a in range(3):
            high = nbr[c, 2 * a + 1]
            out[a, c] = p[high] - p[c] if high >= 0 else 0.0


def apply_gradient(cells: Cells, p: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """G p: on each owned face the pressure of its high cell minus its low cell's."""
    out = np.zeros((3, cells.count), p.dtype) if out is None else out
    _gradient(cells.neighbours, p, out, cells.lo, cells.hi)
    return out


@numba.njit(parallel=True, cache=True)
def _divergence(nbr, u, out, lo, hi):
    for c in prange(lo, hi):
        s = 0.0
        for a in range(3):
            low = nbr[c, 2 * a]
            if low >= 0:
                s += u[a, low]
            if nbr[c, 2 * a + 1] >= 0:
                s -= u[a, c]
        out[c] = s


def apply_divergence(cells: Cells, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """G^T u: the inflow minus the outflow of each owned cell (the transpose of ``apply_gradient``)."""
    out = np.zeros(cells.count, u.dtype) if out is None else out
    _divergence(cells.neighbours, u, out, cells.lo, cells.hi)
    return out
