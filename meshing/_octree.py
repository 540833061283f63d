"""Balanced octrees of a label image, and the faces between their leaves.

A leaf is a cube of ``2**level`` lattice cells; neighbouring leaves (across faces, edges and
corners) differ by at most one level, so a leaf's face meets either one leaf of its size or
larger, or four leaves of half its size. Cells of region 0 are *ghosts*: never leaves, but
level-0 neighbours, so that a leaf touching one is at most two cells wide and its walls come
out at cell resolution. Everything is in lattice units with (z, y, x) axes; callers scale.

The faces are what both the OpenFOAM polyMesh (polyhedral cells: a large cell keeps one face
per smaller neighbour) and the graded tetrahedral mesh (a fan around each split face) are
built from. Each face is a square of the finer of its two sides, listed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["Octree", "octree", "allowed_levels"]


def _block(a: np.ndarray, k: int, reduce) -> np.ndarray:
    s = a.shape
    return reduce(a.reshape(s[0] // k, k, s[1] // k, k, s[2] // k, k), axis=(1, 3, 5))


def _up(b: np.ndarray, k: int) -> np.ndarray:
    return np.broadcast_to(b[:, None, :, None, :, None],
                           (b.shape[0], k, b.shape[1], k, b.shape[2], k)).reshape(b.shape[0] * k, b.shape[1] * k,
                                                                                   b.shape[2] * k)


def _levels(region: np.ndarray, allowed: np.ndarray, top: int, homogeneous: bool) -> np.ndarray:
    lev = np.zeros(region.shape, np.int8)
    for level in range(1, top + 1):
        k = 2 ** level
        low = _block(region, k, np.min)
        ok = (low > 0) & (_block(allowed, k, np.min) >= level)
        if homogeneous:
            ok &= low == _block(region, k, np.max)
        lev[_up(ok, k)] = level
    return lev


def allowed_levels(distance: np.ndarray, *, grading: float, max_level: int) -> np.ndarray:
    """Largest level per cell whose leaf size (2**level cells) is at most ``grading`` times
    ``distance`` (cells to the nearest interface or wall), within [0, max_level]."""
    with np.errstate(divide="ignore"):
        level = np.floor(np.log2(np.maximum(grading * distance, 1.0)))
    return np.clip(level, 0, max_level).astype(np.int8)


@dataclass(frozen=True)
class Octree:
    """Leaves (origin in cells, level, region) and faces of a balanced octree.

    ``faces`` columns: owner leaf, other leaf (or -1), axis, high side of the owner (0/1),
    plane coordinate and the two in-plane low corners (cells), size (cells), and the kind of
    the other side: 0 a leaf, 1 a box face, 2 a ghost cell (a wall).
    """

    shape: tuple
    origin: np.ndarray
    level: np.ndarray
    region: np.ndarray
    faces: np.ndarray

    @property
    def n_leaves(self) -> int:
        return len(self.level)

    @property
    def size(self) -> np.ndarray:
        return 2 ** self.level.astype(np.int64)


def octree(region: np.ndarray, allowed: np.ndarray, *, max_level: int, homogeneous: bool = True) -> Octree:
    """The coarsest 2:1-balanced octree over the cells of ``region`` > 0 whose leaves stay
    within ``allowed`` levels (and, if ``homogeneous``, hold one region each)."""
    shape = region.shape
    k = 2 ** max_level
    padded = tuple(-(-s // k) * k for s in shape)
    pad = [(0, p - s) for s, p in zip(shape, padded)]
    reg = np.pad(region, pad)  # padding is ghost (region 0)
    allow = np.pad(np.asarray(allowed, np.int8), pad)
    while True:
        lev = _levels(reg, allow, max_level, homogeneous)
        lowest = ndi.minimum_filter(lev, size=3, mode="nearest")  # ghosts count as level 0
        too_big = (lev > lowest + 1) & (reg > 0)
        if not too_big.any():
            break
        allow = np.minimum(allow, lowest + 1)
    zyx = np.nonzero(reg > 0)
    lv = lev[zyx]
    size = 2 ** lv.astype(np.int64)
    at_origin = (zyx[0] % size == 0) & (zyx[1] % size == 0) & (zyx[2] % size == 0)
    origin = np.stack([c[at_origin] for c in zyx], axis=1).astype(np.int64)
    level = lv[at_origin]
    leaf_of = np.full(reg.shape, -1, np.int64)
    leaf_of[tuple(origin.T)] = np.arange(len(origin))
    # every meshed cell -> its leaf: the leaf origin is the cell rounded down to its leaf size
    start = tuple((c // size) * size for c in zyx)
    leaf_of[zyx] = leaf_of[start]
    faces = _faces(origin, level, reg, lev, leaf_of, shape)
    return Octree(shape, origin, level, reg[tuple(origin.T)].astype(np.int32), faces)


def _faces(origin, level, reg, lev, leaf_of, shape) -> np.ndarray:
    size = 2 ** level.astype(np.int64)
    rows = []
    for axis in range(3):
        b, c = [d for d in range(3) if d != axis]
        for high in (0, 1):
            across = origin.copy()
            across[:, axis] = origin[:, axis] + size if high else origin[:, axis] - 1
            plane = origin[:, axis] + (size if high else 0)
            outside = (across[:, axis] < 0) | (across[:, axis] >= shape[axis])
            box = np.nonzero(outside)[0]
            rows.append(_rows(box, -1, axis, high, plane[box], origin[box, b], origin[box, c], size[box], 1))
            inside = np.nonzero(~outside)[0]
            cell = tuple(across[inside].T)
            other, other_level = leaf_of[cell], lev[cell]
            ghost = reg[cell] == 0
            # same size or larger on the other side: this leaf emits its whole face (once for equal sizes)
            whole = ~ghost & ((other_level > level[inside]) | ((other_level == level[inside]) & (high == 1)))
            i = inside[whole]
            rows.append(_rows(i, other[whole], axis, high, plane[i], origin[i, b], origin[i, c], size[i], 0))
            # a ghost (level 0) across: the leaf is one or two cells wide; emit each ghost-facing cell square
            finer = ~ghost & (other_level < level[inside]) | ghost
            i = inside[finer]
            for db in (0, 1):
                for dc in (0, 1):
                    sub = i if (db == 0 and dc == 0) else i[size[i] > 1]
                    if not len(sub):
                        continue
                    probe = across[sub].copy()
                    probe[:, b] += db
                    probe[:, c] += dc
                    wall = reg[tuple(probe.T)] == 0  # (balance: only leaves of 1-2 cells touch ghosts)
                    s = sub[wall]
                    rows.append(_rows(s, -1, axis, high, plane[s], origin[s, b] + db, origin[s, c] + dc,
                                      np.ones(len(s), np.int64), 2))
    return np.concatenate(rows)


def _rows(leaf, other, axis, high, plane, lo_b, lo_c, size, kind) -> np.ndarray:
    m = len(leaf)
    out = np.empty((m, 9), np.int64)
    out[:, 0] = leaf
    out[:, 1] = other
    out[:, 2] = axis
    out[:, 3] = high
    out[:, 4] = plane
    out[:, 5] = lo_b
    out[:, 6] = lo_c
    out[:, 7] = size
    out[:, 8] = kind
    return out


def face_polygons(tree: Octree):
    """Points (doubled lattice units, so that centres are whole numbers) and, per face, its
    polygon as (f, 8) point ids: corners in cyclic order with the midpoint of each edge after
    its first corner where a smaller leaf put a point there (-1 where none)."""
    f = tree.faces
    axis, plane, lo_b, lo_c, s = f[:, 2], f[:, 4], f[:, 5], f[:, 6], f[:, 7]
    corners = np.empty((len(f), 8, 3), np.int64)
    steps = ((0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1))  # half sizes along b, c
    for a in range(3):
        b, c = [d for d in range(3) if d != a]
        sel = axis == a
        for j, (ub, uc) in enumerate(steps):
            corners[sel, j, a] = 2 * plane[sel]
            corners[sel, j, b] = 2 * lo_b[sel] + ub * s[sel]
            corners[sel, j, c] = 2 * lo_c[sel] + uc * s[sel]
    corners = corners[:, [0, 2, 4, 6, 1, 3, 5, 7]]  # the 4 corners, then the 4 edge midpoints
    dims = 2 * np.asarray(tree.shape, np.int64) + 3
    key = (corners[..., 0] * dims[1] + corners[..., 1]) * dims[2] + corners[..., 2]
    points_key, inverse = np.unique(key[:, :4], return_inverse=True)
    ids = np.full((len(f), 8), -1, np.int64)
    ids[:, [0, 2, 4, 6]] = inverse.reshape(-1, 4)
    where = np.minimum(np.searchsorted(points_key, key[:, 4:]), len(points_key) - 1)
    found = points_key[where] == key[:, 4:]
    ids[:, [1, 3, 5, 7]] = np.where(found, where, -1)
    z, rest = np.divmod(points_key, dims[1] * dims[2])
    y, x = np.divmod(rest, dims[2])
    return np.stack([z, y, x], axis=1), ids
