"""The marker-and-cell (MAC) Stokes system on a voxel image, assembled in one numba pass.

Unknowns: the pressure at each fluid voxel centre and the normal velocity on each face
between two fluid voxels (a face next to a solid voxel carries no flow). Lattice units:
voxel 1, viscosity 1. Row f of the momentum block is the 7-point viscous stencil
``sum over the 6 neighbours of (u_f - u_nb)`` plus the pressure difference across f.

Where a neighbour face is missing, its value is a wall value:
- the neighbour face lies on a solid surface one voxel away (``_ON_WALL``): u = 0 there;
- the neighbour row is solid, so the wall is half a voxel away (``_WALL``): a ghost value
  ``g = -5/2 u_f + 1/2 u_opposite`` (opposite: the neighbour on the other side). This is the
  ghost that makes the flux through a slit of any width n voxels exactly n^3/12 (the
  point-value ghost ``-2 u + u_opp / 3`` overshoots by 1 / (2 n^2); the classic ``-u``, by
  2 / n^2); a one-voxel gap gets ``g = -5 u`` on each side, flux 1/12;
- the neighbour lies beyond an open (reservoir) end of the flow axis (``_OPEN``):
  zero normal gradient, ``u_nb = u_f``.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["index_grids", "momentum_rows"]

_UNKNOWN, _ON_WALL, _WALL, _OPEN = 0, 1, 2, 3
# ghost at a half-voxel wall, by the kind of the opposite side: added diagonal, and the extra
# coupling to an opposite unknown (the ghost's +1/2 u_opposite)
_GHOST_DIAG = np.array([2.5, 2.5, 5.0, 2.0])
_GHOST_OPPOSITE = 0.5


def index_grids(fluid: np.ndarray, periodic: tuple[bool, bool, bool]):
    """Cell numbers (-1 in solid) and, per direction a, face numbers on the (z, y, x) grid:
    face [a, i] joins cell i to cell i + e_a (wrapping where ``periodic[a]``), -1 where
    either cell is solid. Faces are numbered direction by direction."""
    # int32 numbers: the grids are the size of the whole box (3 face grids); 2^31 faces is ~700M pore voxels
    if 3 * int(fluid.sum()) >= np.iinfo(np.int32).max:
        from dca import InputError

        raise InputError(f"{int(fluid.sum())} pore voxels is beyond this solver's int32 numbering; crop the sample")
    cells = np.full(fluid.shape, -1, np.int32)
    cells[fluid] = np.arange(int(fluid.sum()), dtype=np.int32)
    faces = np.full((3,) + fluid.shape, -1, np.int32)
    count = 0
    for a in range(3):
        ok = fluid & np.roll(fluid, -1, axis=a)
        if not periodic[a]:
            ok.swapaxes(0, a)[-1] = False
        m = int(ok.sum())
        faces[a][ok] = count + np.arange(m, dtype=np.int64)
        count += m
    return cells, faces, count


@numba.njit(cache=True)
def _side(cells, faces, a, p, b, sign, periodic, open_axis):
    """Kind and face number of the neighbour of face (a, p) one voxel along +-b."""
    n = cells.shape
    q0, q1, q2 = p[0], p[1], p[2]
    if b == 0:
        q0 += sign
    elif b == 1:
        q1 += sign
    else:
        q2 += sign
    q = (q0, q1, q2)
    if q[b] < 0 or q[b] >= n[b]:
        if periodic[b]:
            q = (q0 % n[0], q1 % n[1], q2 % n[2])
        elif b == open_axis:
            return _OPEN, -1
        elif b == a:
            return _ON_WALL, -1  # sealed side: the box face is a wall face
        else:
            return _WALL, -1
    f = faces[a, q[0], q[1], q[2]]
    if f >= 0:
        return _UNKNOWN, f
    if b == a:
        if not periodic[a] and q[a] == n[a] - 1:  # the box face beyond the last face
            return (_OPEN if a == open_axis else _ON_WALL), -1
        return _ON_WALL, -1
    r0, r1, r2 = q
    if a == 0:
        r0 = (r0 + 1) % n[0]
    elif a == 1:
        r1 = (r1 + 1) % n[1]
    else:
        r2 = (r2 + 1) % n[2]
    solid = (cells[q[0], q[1], q[2]] < 0) + (cells[r0, r1, r2] < 0)
    return (_WALL if solid == 2 else _ON_WALL), -1


@numba.njit(inline="always")
def coefficients(km, kp, ghost_diag, ghost_opposite):
    """A viscous row's diagonal share along one axis and its coefficients on the -/+ side,
    from the kinds of its two neighbours there (open ends, and the wall ghost's terms)."""
    d = 2.0
    cm, cp = -1.0, -1.0
    if km == _OPEN:
        d -= 1.0
    if kp == _OPEN:
        d -= 1.0
    if km == _WALL:
        d += ghost_diag[kp]
        cp -= ghost_opposite
    if kp == _WALL:
        d += ghost_diag[km]
        cm -= ghost_opposite
    return d, cm, cp


@numba.njit(cache=True)
def _fill(cells, faces, n_faces, periodic, open_axis, ghost_diag, ghost_opposite):
    neighbour = np.full((n_faces, 6), -1, np.int64)
    coef = np.zeros((n_faces, 6))
    diag = np.zeros(n_faces)
    n0, n1, n2 = cells.shape
    for a in range(3):
        for i in range(n0):
            for j in range(n1):
                for k in range(n2):
                    f = faces[a, i, j, k]
                    if f < 0:
                        continue
                    p = (i, j, k)
                    d = 0.0
                    for b in range(3):
                        km, fm = _side(cells, faces, a, p, b, -1, periodic, open_axis)
                        kp, fp = _side(cells, faces, a, p, b, 1, periodic, open_axis)
                        db, cm, cp = coefficients(km, kp, ghost_diag, ghost_opposite)
                        d += db
                        if km == _UNKNOWN:
                            neighbour[f, 2 * b] = fm
                            coef[f, 2 * b] = cm
                        if kp == _UNKNOWN:
                            neighbour[f, 2 * b + 1] = fp
                            coef[f, 2 * b + 1] = cp
                    diag[f] = d
    return neighbour, coef, diag


def momentum_rows(cells, faces, n_faces, periodic, open_axis: int):
    """The viscous block as a CSR matrix (lattice units; not symmetric next to walls)."""
    import scipy.sparse as sp

    neighbour, coef, diag = _fill(cells, faces, n_faces, np.asarray(periodic, np.bool_), open_axis,
                                  _GHOST_DIAG, _GHOST_OPPOSITE)
    has = neighbour >= 0
    rows = np.repeat(np.arange(n_faces), has.sum(axis=1))
    viscous = sp.csr_matrix((coef[has], (rows, neighbour[has])), shape=(n_faces, n_faces))
    return (viscous + sp.diags(diag)).tocsr()
