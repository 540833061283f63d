"""The MAC Stokes operator of ``_mac`` applied matrix-free on compact storage: the first
piece of the lean Stokes solver (issue 17).

Storage is per fluid cell, never per voxel of the box: the six neighbouring cells (int32, -1
where a neighbour is solid or beyond a sealed or open side; periodic sides wrap) and one
byte of flags (which sides lie beyond the box). A velocity field is ``u[a, c]``: the normal
velocity on the face between cell c and its neighbour along +a (zero where that face does
not exist); a pressure field is ``p[c]``. Each row of the viscous operator is rebuilt from
the neighbour table on the fly, with the same wall kinds and slit-exact ghost as
``_mac._fill``, so the product equals the assembled matrix's (tested to rounding).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._mac import _GHOST_DIAG, _GHOST_OPPOSITE, _ON_WALL, _OPEN, _UNKNOWN, _WALL, coefficients

__all__ = ["Cells", "cells_of", "apply_viscous", "apply_gradient", "apply_divergence"]


class Cells:
    """The fluid cells of a (padded) image: ``neighbours`` (nc, 6) int32 in the order
    -z, +z, -y, +y, -x, +x; ``outside`` (nc,) uint8, bit 2b+s set where the neighbour along
    axis b (s = 0: minus, 1: plus) is beyond a side that is not periodic; ``open_axis`` (the
    reservoir axis, or -1); ``position`` (nc,) int64 flat index of each cell in the box."""

    __slots__ = ("neighbours", "outside", "open_axis", "shape", "position")

    def __init__(self, neighbours, outside, open_axis, shape, position):
        self.neighbours, self.outside, self.open_axis = neighbours, outside, open_axis
        self.shape, self.position = shape, position

    @property
    def count(self) -> int:
        return len(self.outside)


def cells_of(fluid: np.ndarray, periodic, open_axis: int) -> Cells:
    """The compact cell table of a boolean image (cells numbered in C order, as ``_mac.index_grids``)."""
    position = np.flatnonzero(fluid)
    nc = position.size
    index = np.full(fluid.shape, -1, np.int32)
    index.reshape(-1)[position] = np.arange(nc, dtype=np.int32)
    neighbours = np.full((nc, 6), -1, np.int32)
    outside = np.zeros(nc, np.uint8)
    coords = np.unravel_index(position, fluid.shape)
    for b in range(3):
        for s, step in ((0, -1), (1, 1)):
            q = list(coords)
            q[b] = q[b] + step
            beyond = (q[b] < 0) | (q[b] >= fluid.shape[b])
            if periodic[b]:
                q[b] = q[b] % fluid.shape[b]
                beyond[:] = False
            else:
                outside[beyond] |= np.uint8(1 << (2 * b + s))
                q[b] = np.clip(q[b], 0, fluid.shape[b] - 1)
            found = index[tuple(q)]
            found[beyond] = -1
            neighbours[:, 2 * b + s] = found
    return Cells(neighbours, outside, int(open_axis), fluid.shape, position)


@numba.njit(inline="always")
def _kind(nbr, outside, open_axis, a, c, b, s):
    """Kind and cell of the neighbour of face (a, c) one cell along -b (s = 0) or +b (s = 1):
    ``_mac._side`` on the compact table. The neighbour face is (a, cell)."""
    if b == a:
        if s == 0:
            low = nbr[c, 2 * a]
            if low >= 0:
                return _UNKNOWN, low
            if outside[c] >> (2 * a) & 1:
                return (_OPEN if a == open_axis else _ON_WALL), -1
            return _ON_WALL, -1
        high = nbr[c, 2 * a + 1]
        if nbr[high, 2 * a + 1] >= 0:
            return _UNKNOWN, high
        if outside[high] >> (2 * a + 1) & 1:
            return (_OPEN if a == open_axis else _ON_WALL), -1
        return _ON_WALL, -1
    if outside[c] >> (2 * b + s) & 1:
        return (_OPEN if b == open_axis else _WALL), -1
    q = nbr[c, 2 * b + s]
    r = nbr[nbr[c, 2 * a + 1], 2 * b + s]  # the cell beside the face's high cell
    if q >= 0 and r >= 0:
        return _UNKNOWN, q
    return (_WALL if q < 0 and r < 0 else _ON_WALL), -1


@numba.njit(inline="always")
def _pair(nbr, outside, open_axis, ghost_diag, a, c, b):
    """The part of row (a, c) along axis b: its diagonal share, and the neighbour cell and
    coefficient on the -b and +b side (cell -1: no unknown there)."""
    km, fm = _kind(nbr, outside, open_axis, a, c, b, 0)
    kp, fp = _kind(nbr, outside, open_axis, a, c, b, 1)
    d, cm, cp = coefficients(km, kp, ghost_diag, _GHOST_OPPOSITE)
    return d, (fm if km == _UNKNOWN else -1), cm, (fp if kp == _UNKNOWN else -1), cp


@numba.njit(inline="always")
def viscous_row(nbr, outside, open_axis, ghost_diag, a, c, u):
    """Row (a, c) of the viscous block on ``u``: (diagonal, sum of the off-diagonal terms)."""
    d = 0.0
    acc = 0.0
    for b in range(3):
        db, fm, cm, fp, cp = _pair(nbr, outside, open_axis, ghost_diag, a, c, b)
        d += db
        if fm >= 0:
            acc += cm * u[a, fm]
        if fp >= 0:
            acc += cp * u[a, fp]
    return d, acc


@numba.njit(inline="always")
def _viscous_row(nbr, outside, open_axis, ghost_diag, a, c, u):
    d, acc = viscous_row(nbr, outside, open_axis, ghost_diag, a, c, u)
    return d * u[a, c] + acc


@numba.njit(parallel=True, cache=True)
def _viscous(nbr, outside, open_axis, ghost_diag, u, out):
    for c in prange(nbr.shape[0]):
        for a in range(3):
            if nbr[c, 2 * a + 1] >= 0:
                out[a, c] = _viscous_row(nbr, outside, open_axis, ghost_diag, a, c, u)
            else:
                out[a, c] = 0.0


def apply_viscous(cells: Cells, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The viscous block (lattice units) on a face field ``u`` (3, nc)."""
    out = np.empty_like(u) if out is None else out
    _viscous(cells.neighbours, cells.outside, cells.open_axis, _GHOST_DIAG, u, out)
    return out


@numba.njit(parallel=True, cache=True)
def _gradient(nbr, p, out):
    for c in prange(nbr.shape[0]):
        for a in range(3):
            high = nbr[c, 2 * a + 1]
            out[a, c] = p[high] - p[c] if high >= 0 else 0.0


def apply_gradient(cells: Cells, p: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """G p: on each face the pressure of its high cell minus its low cell's."""
    out = np.empty((3, cells.count), p.dtype) if out is None else out
    _gradient(cells.neighbours, p, out)
    return out


@numba.njit(parallel=True, cache=True)
def _divergence(nbr, u, out):
    for c in prange(nbr.shape[0]):
        s = 0.0
        for a in range(3):
            low = nbr[c, 2 * a]
            if low >= 0:
                s += u[a, low]
            if nbr[c, 2 * a + 1] >= 0:
                s -= u[a, c]
        out[c] = s


def apply_divergence(cells: Cells, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """G^T u: the inflow minus the outflow of each cell (the transpose of ``apply_gradient``)."""
    out = np.empty(cells.count, u.dtype) if out is None else out
    _divergence(cells.neighbours, u, out)
    return out
