"""Graded tetrahedral meshes of label volumes: fine at interfaces and in thin ligaments, coarse
inside, interfaces conforming and moved onto the smoothed phase boundaries.

How (and why not a library; benchmarks/README.md, "Graded meshes", has the measurements):

1. The size field: ``interface_size`` voxels at the interfaces, growing by ``grading``
   times the distance to the nearest interface, but at most ``thickness`` times the local
   thickness of the phase (exact Euclidean distance transforms), between ``min_size`` and
   ``max_size``. Films, ligaments and throats get elements of one voxel, the middle of
   grains and pores large ones.
2. A 2:1-balanced octree of cubes of ``min_size * 2**level`` voxels follows it
   (:mod:`meshing._octree`).
3. Tetrahedra: a cube whose six faces each meet one cube of its size (or the box) takes the
   six Kuhn tetrahedra around its main diagonal; any other cube a fan from its centre over
   its faces, a face split by smaller neighbours being fanned from its own centre. Both
   sides of every face triangulate it alike, so the mesh is conforming, and every element
   is one of a few shapes with dihedral angles of 35-90 degrees.
4. Phases: each tetrahedron takes the phase whose smoothed indicator (Gaussian, ``sigma``
   voxels) is largest at its centroid, so interfaces conform by construction, whatever the
   number of phases.
5. Sub-voxel interfaces: every node on an interface moves by Newton steps onto the level set
   where its two phases' smoothed indicators are equal (box nodes slide within their face),
   at most ``0.45`` of its shortest edge. Node by node, a move is kept only if every element
   around it stays above the quality floor (``GUARD``: 12 degrees dihedral, radius ratio 2.9,
   scaled Jacobian 0.22), so the moves cannot create slivers; between passes the free nodes
   next to the interface are smoothed under the same guard, which makes room for refused moves.
6. Volumes: nodes on a curved surface cut its chords, so each phase's level set is then
   offset by its volume error over its interface area and the nodes snapped again (twice),
   which brings every phase within 0.1-1 % of its voxel volume.

MMG's level-set discretisation (mmgpy) and fTetWild (pytetwild) were measured on the same
two-phase 64^3 volume: 75 s and 167 s, minimum dihedral angles of 0.03 and 7.7 degrees.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numba
import numpy as np
from scipy import ndimage as ndi

from dca import InputError
from dca.util import check_cubic, require_memory, takes_volume

from ._labels import chosen_phases, regions_of, require_present
from ._mesh import BOX_FACES, Mesh
from ._octree import allowed_levels, face_polygons, octree
from ._voxel_mesh import HEX_CORNERS, KUHN_TETS, TET_FACES

__all__ = ["graded_tet_mesh", "plot_size_field", "GUARD"]

#: quality floor that interface moves must keep (a margin above meshing.DEFAULT_THRESHOLDS)
GUARD = {"min_dihedral_deg": 12.0, "max_radius_ratio": 2.9, "min_scaled_jacobian": 0.22}


def _size_field(region, edge, grading, thickness, interface_size, max_size):
    """Element size (voxels) wanted at each voxel: ``interface_size`` plus ``grading`` times
    its distance to the nearest interface, but at most ``thickness`` times the local thickness
    of its phase there: twice the largest distance to another phase within two voxels (the
    radius of the ridge of the phase's distance map nearby). Films and throats thinner than a
    few voxels get cubes of one voxel."""
    import edt

    if not edge.any():
        return np.full(region.shape, float(max_size), np.float32)
    distance = edt.edt(~edge, black_border=False, parallel=0).astype(np.float32)
    local = np.zeros(region.shape, np.float32)
    for r in np.unique(region):
        inside = region == r
        ridge = ndi.maximum_filter(edt.edt(inside, black_border=False, parallel=0).astype(np.float32), size=5)
        local[inside] = 2 * ridge[inside]
    return np.minimum(np.minimum(thickness * local, interface_size + grading * distance), max_size)


def _cube_sizes(tree, s0, shape, z) -> np.ndarray:
    """The element cube size (voxels) at every voxel of slice ``z``, from the octree's leaves."""
    origin, size = tree.origin * s0, tree.size * s0
    cut = (origin[:, 0] <= z) & (z < origin[:, 0] + size)
    out = np.zeros(tuple(-(-shape[1:] // s0) * s0), np.float32)
    for (_, y, x), k in zip(origin[cut], size[cut]):
        out[y:y + k, x:x + k] = k
    return out[:shape[1], :shape[2]]


def plot_size_field(mesh):
    """The graded mesh's element sizes on the middle z slice, beside its phases (a figure)."""
    from matplotlib.figure import Figure

    if "size_field_mid_z" not in mesh.attrs:
        raise InputError("plot_size_field is for meshes from graded_tet_mesh")
    fig = Figure(figsize=(9, 4), layout="constrained")  # not pyplot's: nothing left open
    a, b = fig.subplots(1, 2)
    a.imshow(mesh.attrs["phase_mid_z"], cmap="gray", interpolation="nearest")
    a.set_title("phases, middle z slice")
    im = b.imshow(mesh.attrs["size_field_mid_z"], cmap="viridis", interpolation="nearest")
    b.set_title("element cube size (voxels)")
    fig.colorbar(im, ax=b, label="voxels")
    for ax in (a, b):
        ax.set_xlabel("x (voxels)")
        ax.set_ylabel("y (voxels)")
    return fig


def _octree_tets(tree):
    """Points (doubled lattice units, z y x) and tetrahedra (not yet oriented)."""
    pts, poly = face_polygons(tree)
    f = tree.faces
    n_faces, n_leaves = len(f), tree.n_leaves
    plain_face = (poly[:, 1::2] < 0).all(axis=1)
    inner = f[:, 8] == 0
    incident = np.bincount(f[:, 0], minlength=n_leaves) + np.bincount(f[inner, 1], minlength=n_leaves)
    split = np.bincount(f[~plain_face, 0], minlength=n_leaves) + np.bincount(f[inner & ~plain_face, 1],
                                                                             minlength=n_leaves)
    kuhn = (incident == 6) & (split == 0)
    # new points: a centre per fanned face, a centre per fanned cell
    fan_faces = np.nonzero(~plain_face)[0]
    axis, plane, lo_b, lo_c, s = f[:, 2], f[:, 4], f[:, 5], f[:, 6], f[:, 7]
    face_centre = np.empty((len(fan_faces), 3), np.int64)
    for a in range(3):
        b, c = [d for d in range(3) if d != a]
        sel = axis[fan_faces] == a
        i = fan_faces[sel]
        face_centre[sel, a] = 2 * plane[i]
        face_centre[sel, b] = 2 * lo_b[i] + s[i]
        face_centre[sel, c] = 2 * lo_c[i] + s[i]
    fan_cells = np.nonzero(~kuhn)[0]
    cell_centre = 2 * tree.origin[fan_cells] + tree.size[fan_cells, None]
    face_centre_id = np.full(n_faces, -1, np.int64)
    face_centre_id[fan_faces] = len(pts) + np.arange(len(fan_faces))
    cell_centre_id = np.full(n_leaves, -1, np.int64)
    cell_centre_id[fan_cells] = len(pts) + len(fan_faces) + np.arange(len(fan_cells))
    points = np.concatenate([pts, face_centre, cell_centre]).astype(np.float64)
    # triangles of every face
    tri, tri_face = [], []
    plain = np.nonzero(plain_face)[0]
    for t in ((0, 2, 4), (0, 4, 6)):  # the diagonal through the low corner, as in the Kuhn split
        tri.append(poly[plain][:, list(t)])
        tri_face.append(plain)
    fp = poly[fan_faces]
    centre = face_centre_id[fan_faces]
    for j in (0, 2, 4, 6):
        nxt = fp[:, (j + 2) % 8]
        mid = fp[:, j + 1]
        has = mid >= 0
        tri.append(np.stack([centre, fp[:, j], np.where(has, mid, nxt)], axis=1))
        tri_face.append(fan_faces)
        tri.append(np.stack([centre[has], mid[has], nxt[has]], axis=1))
        tri_face.append(fan_faces[has])
    tri, tri_face = np.concatenate(tri), np.concatenate(tri_face)
    # tetrahedra: fans from cell centres over their faces' triangles, Kuhn cubes elsewhere
    tets = []
    for side, keep in ((f[tri_face, 0], np.ones(len(tri), bool)), (f[tri_face, 1], inner[tri_face])):
        cell = side[keep]
        fanned = ~kuhn[cell]
        tets.append(np.column_stack([cell_centre_id[cell[fanned]], tri[keep][fanned]]))
    kuhn_cells = np.nonzero(kuhn)[0]
    if len(kuhn_cells):
        dims = 2 * np.asarray(tree.shape, np.int64) + 3
        pk = (pts[:, 0] * dims[1] + pts[:, 1]) * dims[2] + pts[:, 2]
        corner_ids = []
        for off in HEX_CORNERS:
            q = 2 * tree.origin[kuhn_cells] + 2 * tree.size[kuhn_cells, None] * np.array(off)
            corner_ids.append(np.searchsorted(pk, (q[:, 0] * dims[1] + q[:, 1]) * dims[2] + q[:, 2]))
        corner_ids = np.stack(corner_ids, axis=1)
        tets.append(corner_ids[:, np.array(KUHN_TETS)].reshape(-1, 4))
    tets = np.concatenate(tets)
    return points, tets.astype(np.int32 if len(points) < 2**31 - 1 else np.int64)


def _sample(fields, u):
    """Smoothed indicators at points ``u`` (voxel-corner units, z y x): (m, R)."""
    c = (u - 0.5).T
    return np.stack([ndi.map_coordinates(f, c, order=1, mode="nearest") for f in fields], axis=1)


def _balanced_fields(region, ids, sigma, iterations=40):
    """Smoothed phase indicators, each shifted by a constant so that the region where a
    phase's (trilinearly interpolated) field is the largest keeps the phase's voxel volume.
    Smoothing alone shrinks convex grains, and interpolation moves the level set again: on
    a pack of spheres 4-9 voxels across, each by about 1 % of the volume."""
    fields = [ndi.gaussian_filter((region == r).astype(np.float32), sigma, mode="nearest") for r in ids]
    target = np.array([np.count_nonzero(region == r) for r in ids], float) / region.size
    # the fields at a 2x supersampling of every fourth voxel plane
    grid = np.meshgrid(np.arange(0, region.shape[0], 4) + 0.25, *(np.arange(0, 2 * n) / 2 - 0.25
                                                                      for n in region.shape[1:]), indexing="ij")
    grid = [np.concatenate([g, g + (0.5 if k == 0 else 0)]) for k, g in enumerate(grid)]
    samples = np.stack([ndi.map_coordinates(f, [g.ravel() for g in grid], order=1, mode="nearest") for f in fields])
    if len(ids) == 2:  # exact: a quantile of the difference
        g = samples[0] - samples[1]
        k = int(round(target[1] * g.size))
        shift = -float(np.partition(g, k)[k]) if 0 < k < g.size else 0.0
        return np.stack([fields[0] + shift / 2, fields[1] - shift / 2])
    shift = np.zeros(len(ids), np.float32)
    for _ in range(iterations):
        stack = samples + shift[:, None]
        share = np.bincount(np.argmax(stack, axis=0), minlength=len(ids)) / stack.shape[1]
        if np.abs(share - target).max() < 1e-4:
            break
        top2 = np.sort(stack, axis=0)[-2:]
        band = max(np.count_nonzero(top2[1] - top2[0] < 0.05) / stack.shape[1], 1e-6)
        shift += (0.5 * 0.05 * (target - share) / band).astype(np.float32)
    return np.stack([f + w for f, w in zip(fields, shift)])


@numba.njit(parallel=True, cache=True)
def _volumes(points, tets):
    """Signed volume of each tetrahedron."""
    out = np.empty(len(tets))
    for e in numba.prange(len(tets)):
        t = tets[e]
        x0, y0, z0 = points[t[0], 0], points[t[0], 1], points[t[0], 2]
        out[e] = _det(points[t[1], 0] - x0, points[t[1], 1] - y0, points[t[1], 2] - z0,
                      points[t[2], 0] - x0, points[t[2], 1] - y0, points[t[2], 2] - z0,
                      points[t[3], 0] - x0, points[t[3], 1] - y0, points[t[3], 2] - z0) / 6
    return out


@numba.njit(parallel=True, cache=True)
def _centroids(points, tets):
    out = np.empty((len(tets), 3))
    for e in numba.prange(len(tets)):
        for k in range(3):
            out[e, k] = 0.25 * (points[tets[e, 0], k] + points[tets[e, 1], k] + points[tets[e, 2], k]
                                + points[tets[e, 3], k])
    return out


def _edges(tets):
    n = int(tets.max()) + 1
    key = np.concatenate([np.minimum(tets[:, i], tets[:, j]).astype(np.int64) * n + np.maximum(tets[:, i], tets[:, j])
                          for i in range(4) for j in range(i + 1, 4)])
    key.sort()
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return np.stack(np.divmod(key, n), axis=1)


@numba.njit(cache=True, inline="always")
def _det(ax, ay, az, bx, by, bz, cx, cy, cz):
    return ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)


@numba.njit(cache=True)
def _tet_fine(u, t, min_dihedral, max_ratio, min_jacobian):
    """Whether tetrahedron ``t`` of nodes ``u`` is positively oriented and above the quality
    floor (the definitions of meshing.quality: dihedral angles, radius ratio, scaled Jacobian)."""
    x0, y0, z0 = u[t[0], 0], u[t[0], 1], u[t[0], 2]
    ax, ay, az = u[t[1], 0] - x0, u[t[1], 1] - y0, u[t[1], 2] - z0
    bx, by, bz = u[t[2], 0] - x0, u[t[2], 1] - y0, u[t[2], 2] - z0
    cx, cy, cz = u[t[3], 0] - x0, u[t[3], 1] - y0, u[t[3], 2] - z0
    det = _det(ax, ay, az, bx, by, bz, cx, cy, cz)
    if det <= 0:
        return False
    # the six edge vectors: 01=a, 02=b, 03=c, 12=b-a, 13=c-a, 23=c-b
    la, lb, lc = np.sqrt(ax * ax + ay * ay + az * az), np.sqrt(bx * bx + by * by + bz * bz), \
        np.sqrt(cx * cx + cy * cy + cz * cz)
    dx, dy, dz = bx - ax, by - ay, bz - az
    ex, ey, ez = cx - ax, cy - ay, cz - az
    fx, fy, fz = cx - bx, cy - by, cz - bz
    ld, le, lf = np.sqrt(dx * dx + dy * dy + dz * dz), np.sqrt(ex * ex + ey * ey + ez * ez), \
        np.sqrt(fx * fx + fy * fy + fz * fz)
    # scaled Jacobian: det over the three edge lengths at each corner (every corner sees det)
    s2 = 1.4142135623730951 * det
    if s2 < min_jacobian * la * lb * lc or s2 < min_jacobian * la * ld * le or s2 < min_jacobian * lb * ld * lf \
            or s2 < min_jacobian * lc * le * lf:
        return False
    # face normals (outward up to sign) and areas: faces 012, 013, 023, 123
    n0x, n0y, n0z = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
    n1x, n1y, n1z = ay * cz - az * cy, az * cx - ax * cz, ax * cy - ay * cx
    n2x, n2y, n2z = by * cz - bz * cy, bz * cx - bx * cz, bx * cy - by * cx
    n3x, n3y, n3z = dy * ez - dz * ey, dz * ex - dx * ez, dx * ey - dy * ex
    a0 = np.sqrt(n0x * n0x + n0y * n0y + n0z * n0z)
    a1 = np.sqrt(n1x * n1x + n1y * n1y + n1z * n1z)
    a2 = np.sqrt(n2x * n2x + n2y * n2y + n2z * n2z)
    a3 = np.sqrt(n3x * n3x + n3y * n3y + n3z * n3z)
    # dihedral angle at an edge: sin(theta) = (3 V |edge|) / (2 A_i A_j) ... use cos from the normals:
    # with normals oriented as above, the interior angle at the edge shared by faces i and j is
    # pi - angle(n_i, n_j) once both point outward; the signs below make them outward.
    o0 = -1.0  # 012 points toward node 3 (det > 0): flip
    o1 = 1.0   # 013 = a x c points away from node 2
    o2 = -1.0  # 023 = b x c points toward node 1: flip
    o3 = 1.0   # 123 = (b-a) x (c-a) points away from node 0
    cos_floor = np.cos(np.radians(min_dihedral))
    pairs = ((n0x * o0, n0y * o0, n0z * o0, a0), (n1x * o1, n1y * o1, n1z * o1, a1),
             (n2x * o2, n2y * o2, n2z * o2, a2), (n3x * o3, n3y * o3, n3z * o3, a3))
    for i in range(4):
        for j in range(i + 1, 4):
            pi, pj = pairs[i], pairs[j]
            # interior dihedral theta: cos(theta) = -n_i.n_j / (|n_i||n_j|); theta < floor <=> cos > cos_floor
            if -(pi[0] * pj[0] + pi[1] * pj[1] + pi[2] * pj[2]) > cos_floor * pi[3] * pj[3]:
                return False
    area = 0.5 * (a0 + a1 + a2 + a3)
    aa, bb, cc = la * la, lb * lb, lc * lc
    nx = aa * n2x + bb * (cy * az - cz * ay) + cc * n0x
    ny = aa * n2y + bb * (cz * ax - cx * az) + cc * n0y
    nz = aa * n2z + bb * (cx * ay - cy * ax) + cc * n0z
    volume = det / 6
    circum = np.sqrt(nx * nx + ny * ny + nz * nz) / (12 * volume)
    return circum <= max_ratio * 3 * (3 * volume / area)


@numba.njit(cache=True)
def _guarded_moves(u, tets, start, around, nodes, target, halvings, floor):
    """Move each node in turn toward its target, as far as all its elements stay above the
    floor: the full move, else halves of it (``halvings`` times), else not at all. Nodes
    later in the list see the earlier moves. Returns how many moved the whole way."""
    full = 0
    for n in range(len(nodes)):
        node = nodes[n]
        home = u[node].copy()
        step = target[n] - home
        scale = 1.0
        for _ in range(halvings + 1):
            u[node] = home + scale * step
            ok = True
            for q in range(start[node], start[node + 1]):
                if not _tet_fine(u, tets[around[q]], floor[0], floor[1], floor[2]):
                    ok = False
                    break
            if ok:
                break
            scale *= 0.5
        if not ok:
            u[node] = home
        elif scale == 1.0:
            full += 1
    return full


@numba.njit(cache=True)
def _pair_level(stack, p, a, b):
    """F_a - F_b at points ``p`` (voxel-corner units) and its gradient, both of the trilinear
    interpolant of the voxel-centred fields ``stack`` (R, z, y, x), clamped at the borders."""
    m = len(p)
    g = np.empty(m)
    grad = np.empty((m, 3))
    nz, ny, nx = stack.shape[1], stack.shape[2], stack.shape[3]
    for i in range(m):
        c = np.empty(3)
        base = np.empty(3, np.int64)
        for k, n in enumerate((nz, ny, nx)):
            x = min(max(p[i, k] - 0.5, 0.0), n - 1.0)
            j = min(int(np.floor(x)), n - 2) if n > 1 else 0
            base[k] = j
            c[k] = x - j
        val = 0.0
        gz = gy = gx = 0.0
        for dz in range(2):
            wz = c[0] if dz else 1 - c[0]
            sz = 1.0 if dz else -1.0
            for dy in range(2):
                wy = c[1] if dy else 1 - c[1]
                sy = 1.0 if dy else -1.0
                for dx in range(2):
                    wx = c[2] if dx else 1 - c[2]
                    sx = 1.0 if dx else -1.0
                    z, y, x = min(base[0] + dz, nz - 1), min(base[1] + dy, ny - 1), min(base[2] + dx, nx - 1)
                    f = stack[a[i], z, y, x] - stack[b[i], z, y, x]
                    val += wz * wy * wx * f
                    gz += sz * wy * wx * f
                    gy += wz * sy * wx * f
                    gx += wz * wy * sx * f
        g[i] = val
        grad[i, 0], grad[i, 1], grad[i, 2] = gz, gy, gx
    return g, grad


def _project(u, nodes, a, b, stack, fixed, limit, steps=4):
    """Newton steps from ``u[nodes]`` toward F_a = F_b, within ``limit`` of the start; and the
    median slope |grad(F_a - F_b)| there (field units per voxel)."""
    p = u[nodes].copy()
    for _ in range(steps):
        g, grad = _pair_level(stack, p, a, b)
        grad[fixed] = 0
        p = p - (g / np.maximum((grad ** 2).sum(axis=1), 1e-12))[:, None] * grad
        step = p - u[nodes]
        length = np.linalg.norm(step, axis=1)
        p = u[nodes] + step * np.minimum(1, limit / np.maximum(length, 1e-12))[:, None]
    return p, float(np.median(np.sqrt((grad ** 2).sum(axis=1))))


@numba.njit(cache=True)
def _shortest_edges(u, edges):
    out = np.full(len(u), np.inf)
    for e in range(len(edges)):
        i, j = edges[e, 0], edges[e, 1]
        d = np.sqrt((u[i, 0] - u[j, 0]) ** 2 + (u[i, 1] - u[j, 1]) ** 2 + (u[i, 2] - u[j, 2]) ** 2)
        out[i] = min(out[i], d)
        out[j] = min(out[j], d)
    return out


@numba.njit(cache=True)
def _neighbour_sums(u, edges):
    out = np.zeros_like(u)
    for e in range(len(edges)):
        i, j = edges[e, 0], edges[e, 1]
        for k in range(3):
            out[i, k] += u[j, k]
            out[j, k] += u[i, k]
    return out


def _snap_setup(u, tets, tag, lo, hi, seams):
    """What snapping needs, once: the interface nodes and their two phases, each node's
    shortest edge and elements (CSR), the box nodes, the free nodes next to the interface.
    The box is ``lo``..``hi``; nodes on its ``seams`` (sides shared with a neighbouring block,
    (3, 2) bool) stay where they are, so that both blocks keep them alike."""
    n = len(u)
    flat = tets.ravel()
    order = np.argsort(flat, kind="stable")
    start = np.zeros(n + 1, np.int64)
    start[1:] = np.cumsum(np.bincount(flat, minlength=n))
    lab = tag[order // 4]  # the phase of each node's elements, node by node
    lo_tag = np.minimum.reduceat(lab, start[:-1])
    hi_tag = np.maximum.reduceat(lab, start[:-1])
    low, high = np.abs(u - lo) < 1e-9, np.abs(u - hi) < 1e-9
    on_box = low | high
    on_seam = (low & seams[:, 0]) | (high & seams[:, 1])
    moving = np.nonzero((lo_tag != hi_tag) & ~on_seam.any(axis=1))[0]
    edges = _edges(tets)
    shortest = _shortest_edges(u, edges)
    is_moving = np.zeros(n, bool)
    is_moving[moving] = True
    near = np.zeros(n, bool)
    near[edges[is_moving[edges[:, 0]], 1]] = True
    near[edges[is_moving[edges[:, 1]], 0]] = True
    free = np.nonzero(near & ~is_moving & ~on_box.any(axis=1))[0]
    keep = is_moving[edges[:, 0]] | is_moving[edges[:, 1]] | near[edges[:, 0]] | near[edges[:, 1]]
    return {"moving": moving, "a": lo_tag[moving] - 1, "b": hi_tag[moving] - 1, "limit": 0.45 * shortest[moving],
            "fixed": on_box[moving], "start": start, "around": (order // 4).astype(np.int64), "free": free,
            "edges": edges[keep], "degree": np.bincount(edges.ravel(), minlength=n)}


def _snap(u, tets, fields, s, passes=2):
    """Interface nodes onto their phases' equal-indicator level set, alternating with guarded
    smoothing of the free nodes next to them, which makes room for the moves the guard refused.
    Every interface node stays within 0.45 of its shortest edge of where it started."""
    floor = np.array([GUARD["min_dihedral_deg"], GUARD["max_radius_ratio"], GUARD["min_scaled_jacobian"]])
    moving, free, edges, degree = s["moving"], s["free"], s["edges"], s["degree"]
    home = u[moving]
    u = u.copy()
    full, slope = 0, 1.0
    for k in range(passes):
        target, slope = _project(u, moving, s["a"], s["b"], fields, s["fixed"], s["limit"])
        step = target - home
        reach = np.linalg.norm(step, axis=1)
        target = home + step * np.minimum(1, s["limit"] / np.maximum(reach, 1e-12))[:, None]
        full = _guarded_moves(u, tets, s["start"], s["around"], moving, target, 0, floor)
        if k < passes - 1 and len(free):
            total = _neighbour_sums(u, edges)
            _guarded_moves(u, tets, s["start"], s["around"], free, total[free] / degree[free, None], 2, floor)
    return u, int(full), slope


def _face_pairs(tets):
    """All element faces (4 per tetrahedron, C3D4 order), and which are shared: index pairs
    (i, j) into that list, and the unshared ones (the box)."""
    faces = tets[:, np.array(TET_FACES)].reshape(-1, 3)
    n = int(tets.max()) + 1
    if n < 2_000_000:  # one int64 key per face: its nodes sorted, packed
        low, high = faces.min(axis=1).astype(np.int64), faces.max(axis=1).astype(np.int64)
        code = (low * n + (faces.sum(axis=1, dtype=np.int64) - low - high)) * n + high
        del low, high
        order = np.argsort(code, kind="stable")
        code = code[order]
        same = np.nonzero(code[1:] == code[:-1])[0]
        del code
    else:
        key = np.sort(faces, axis=1)
        order = np.lexsort((key[:, 2], key[:, 0].astype(np.int64) * n + key[:, 1]))
        key = key[order]
        same = np.nonzero((key[1:] == key[:-1]).all(axis=1))[0]
        del key
    paired = np.zeros(len(faces), bool)
    paired[same] = paired[same + 1] = True
    return faces, order[same], order[same + 1], order[~paired]


def _interface_areas(u, pairs, tag, regions):
    """Area of each region's interface with the others (voxel units)."""
    faces, i, j, _ = pairs
    ti, tj = tag[i // 4], tag[j // 4]
    differ = ti != tj
    p = u[faces[i[differ]]]
    area = 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
    return (np.bincount(ti[differ] - 1, weights=area, minlength=len(regions))
            + np.bincount(tj[differ] - 1, weights=area, minlength=len(regions)))


def _snap_to_volume(u, tets, pairs, tag, fields, target, box, seams, corrections=2):
    """Snap (:func:`_snap`), then offset each phase's level set by its volume error over its
    interface area and snap again from the start: nodes on a convex surface cut its chords,
    which alone loses about 3 h^2 / (8 R^2) of a grain of radius R (2 % for h = 2, R = 6).
    ``target``: each phase's voxel count; ``box``: the low and high corner."""
    regions = range(len(target))
    setup = _snap_setup(u, tets, tag, *box, seams)
    moved = len(setup["moving"])
    if not moved:
        return u, 0, 0
    for k in range(corrections + 1):
        snapped, full, slope = _snap(u, tets, fields, setup)
        volume = np.bincount(tag - 1, weights=_volumes(snapped, tets), minlength=len(regions))
        error = (target - volume) / np.maximum(target, 1)
        if k == corrections or np.abs(error).max() < 1e-3:
            break
        area = np.maximum(_interface_areas(snapped, pairs, tag, regions), 1e-12)
        shift = (target - volume) / area * slope  # level-set offset in field units
        fields = fields + shift.astype(np.float32)[:, None, None, None]
    return snapped, moved, full


def _tet_facets(x, tets, pairs, tag, meshed_ids, names, extent):
    """Box and interface triangles, each facing out of the meshed tetrahedron it belongs to."""
    faces, i, j, lone = pairs
    owner = np.arange(len(faces)) // 4
    side = (np.arange(len(faces)) % 4).astype(np.int8)
    out_face, out_owner, out_side, out_code = [], [], [], []
    # box faces: the unshared ones, named by the box side they lie on
    centroid = x[faces[lone]].mean(axis=1)
    which = np.full(len(lone), -1)
    for k, axis in enumerate((2, 1, 0)):  # x, y, z of the frame <- array axes 2, 1, 0
        which[np.abs(centroid[:, k]) < 1e-9 * extent.max()] = 2 * k
        which[np.abs(centroid[:, k] - extent[axis]) < 1e-9 * extent.max()] = 2 * k + 1
    keep = np.isin(tag[owner[lone]], meshed_ids) & (which >= 0)
    out_face.append(faces[lone[keep]])
    out_owner.append(owner[lone[keep]])
    out_side.append(side[lone[keep]])
    out_code.append(-1 - which[keep])  # negative: a box face
    # interfaces: shared faces whose two tetrahedra differ in phase
    ti, tj = tag[owner[i]], tag[owner[j]]
    differ = ti != tj
    i, j, ti, tj = i[differ], j[differ], ti[differ], tj[differ]
    mi, mj = np.isin(ti, meshed_ids), np.isin(tj, meshed_ids)
    own_i = mi & (~mj | (ti < tj))
    own_j = mj & ~own_i
    for pick, mine, t_mine, t_yours in ((own_i, i, ti, tj), (own_j, j, tj, ti)):
        out_face.append(faces[mine[pick]])
        out_owner.append(owner[mine[pick]])
        out_side.append(side[mine[pick]])
        out_code.append(t_mine[pick].astype(np.int64) * 1024 + t_yours[pick])
    code = np.concatenate(out_code)
    name = np.empty(len(code), object)
    for c in np.unique(code):
        name[code == c] = BOX_FACES[-1 - c] if c < 0 else f"{names[c // 1024]}|{names[c % 1024]}"
    face = np.concatenate(out_face)
    cell = np.concatenate(out_owner)
    side = np.concatenate(out_side)
    seam = lone[which < 0]  # unshared but inside the box: on a seam between blocks
    return _outward(x, tets, face, cell), cell, side, name, (_outward(x, tets, faces[seam], owner[seam]),
                                                             owner[seam])


def _outward(x, tets, face, cell):
    """Triangles ``face`` of elements ``cell``, turned to face away from the element's fourth node."""
    face = face.copy()
    p = x[face]
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    fourth = x[tets[cell]].sum(axis=1) - p.sum(axis=1)
    flip = np.einsum("ij,ij->i", normal, fourth - p[:, 0]) > 0
    face[flip] = face[flip][:, ::-1]
    return face


def _in_frame(block, start, origin, h, box, meshed, names):
    """A block's nodes in metres (x y z; ``start``: the block's low corner in voxels, z y x), its
    elements turned to stay positive there (the frame is mirrored), and the facets on the box
    (``box`` voxels, z y x) and on interfaces: triangles, owning element, C3D4 side, name; and
    the unshared faces inside the box (on the block's seams: triangles and elements), which
    are facets or not depending on the element across the seam, in the next block."""
    x = (np.asarray(origin, float) + (block.u + start - 0.5) * h)[:, ::-1]  # nodes at voxel corners
    # (z, y, x) -> (x, y, z) mirrors every element: swap two nodes of each, and renumber the
    # faces found before (C3D4 sides 1 and 3 trade places), rather than match them again
    tets = block.tets
    tets[:, [1, 2]] = tets[:, [2, 1]]
    _, i, j, lone = block.pairs
    swap = np.array([0, 3, 2, 1])
    pairs = (tets[:, np.array(TET_FACES)].reshape(-1, 3),) + tuple(k - k % 4 + swap[k % 4] for k in (i, j, lone))
    lo_corner = (np.asarray(origin, float) - 0.5 * h)[::-1]
    return x, tets, _tet_facets(x - lo_corner, tets, pairs, block.tag, meshed, names, np.asarray(box) * h)


def _seam_sizes(cell_target, whole, core, seams, s0, top) -> None:
    """Cap ``cell_target`` (voxels per cell of ``s0`` voxels) along a block's seams so that the
    cubes touching a seam are the same on both sides: cubes of ``2 s0`` on every 2 x 2 patch
    of the seam where the size field wants at least that within ``2 s0`` voxels on either side
    (``whole``: the size field over the block and its halo), else of ``s0``; and of ``s0``
    within two cells of two seams at once (the block's edges, shared by four blocks). Both
    blocks read the same voxels of the size field, so they decide alike."""
    n = np.array(cell_target.shape)
    near = []
    for a in range(3):
        band = np.zeros(n[a], bool)
        if seams[a, 0]:
            band[:2] = True
        if seams[a, 1]:
            band[-2:] = True
        near.append(band)
    for a in range(3):
        b, c = [d for d in range(3) if d != a]
        for side in (0, 1):
            if not seams[a, side]:
                continue
            plane = core[a].start if side == 0 else core[a].stop
            rows = [slice(None)] * 3
            rows[a] = slice(max(plane - 2 * s0, 0), plane + 2 * s0)
            rows[b], rows[c] = core[b], core[c]
            wants = whole[tuple(rows)].min(axis=a)  # (nb, nc) voxels
            pb, pc = -(-wants.shape[0] // (2 * s0)), -(-wants.shape[1] // (2 * s0))
            patch = np.pad(wants, [(0, pb * 2 * s0 - wants.shape[0]), (0, pc * 2 * s0 - wants.shape[1])],
                           constant_values=0).reshape(pb, 2 * s0, pc, 2 * s0).min(axis=(1, 3))
            coarse = np.repeat(np.repeat(patch >= 2 * s0, 2, 0), 2, 1)[:n[b], :n[c]]
            coarse &= ~(near[b][:, None] | near[c][None, :])
            depth = [0, 1] if side == 0 else [n[a] - 1, n[a] - 2]
            for k, d in enumerate(depth):
                at = [slice(None)] * 3
                at[a] = d
                cap = np.where(coarse, 2 * s0 if top > 0 else s0, s0 if k == 0 else np.inf)
                cell_target[tuple(at)] = np.minimum(cell_target[tuple(at)], cap)
            for other in (b, c):  # the block's edges along this seam
                for oside in (0, 1):
                    if seams[other, oside]:
                        at = [slice(None)] * 3
                        at[a] = slice(0, 2) if side == 0 else slice(n[a] - 2, n[a])
                        at[other] = slice(0, 2) if oside == 0 else slice(n[other] - 2, n[other])
                        cell_target[tuple(at)] = s0


@dataclass(frozen=True)
class _Block:
    """One block's tetrahedra: nodes ``u`` in voxel-corner units from the block's low corner
    (z y x), elements positive in that frame, their region ids (1..R), the shared faces
    (:func:`_face_pairs`), the octree, and each region's meshed volume and voxel count."""

    u: np.ndarray
    tets: np.ndarray
    tag: np.ndarray
    pairs: tuple
    tree: object
    top: int
    volumes: np.ndarray
    voxels: np.ndarray
    moved: int
    moved_fully: int


def _graded_block(region, core, n_regions, seams, *, min_size, max_size, interface_size, grading, thickness,
                  sigma, snap) -> _Block:
    """Mesh the voxels ``region[core]`` (region ids 1..``n_regions``). ``region`` may hold a halo
    of voxels around the core, from which the size field and the smoothed indicators are
    computed, so that they are those of the whole volume near the core's sides. On the
    ``seams`` ((3, 2) bool: low and high side per axis), the sides shared with a neighbouring
    block, the cubes are decided alike on both sides (:func:`_seam_sizes`) and the nodes stay on
    the lattice: both blocks then triangulate the seam alike, and the blocks' meshes join into
    one conforming mesh."""
    offset = np.array([c.start for c in core])
    inside = region[core]
    shape = np.array(inside.shape)
    # size field: distance to the nearest interface, in voxels
    edge = np.zeros(region.shape, bool)
    for a in range(3):
        lo, hi = [slice(None)] * 3, [slice(None)] * 3
        lo[a], hi[a] = slice(0, -1), slice(1, None)
        d = region[tuple(lo)] != region[tuple(hi)]
        edge[tuple(lo)] |= d
        edge[tuple(hi)] |= d
    whole = _size_field(region, edge, grading, thickness, interface_size, max_size)
    del edge
    target = whole[core]
    s0 = int(min_size)
    top = int(np.log2(max_size // s0))
    cells = tuple(-(-shape // s0))
    padded = np.pad(target, [(0, c * s0 - n) for c, n in zip(cells, shape)], mode="edge")
    cell_target = padded.reshape(cells[0], s0, cells[1], s0, cells[2], s0).min(axis=(1, 3, 5))
    if seams.any():
        _seam_sizes(cell_target, whole, core, seams, s0, top)
    allowed = allowed_levels(cell_target / s0, grading=1.0, max_level=top)
    tree = octree(np.ones(cells, np.int32), allowed, max_level=top, homogeneous=False)
    doubled, tets = _octree_tets(tree)
    u = np.minimum(doubled / 2 * s0, shape) + offset  # voxel-corner units of ``region``; odd edges cut back
    fields = _balanced_fields(region, range(1, n_regions + 1), sigma)
    tag = np.argmax(_sample(fields, _centroids(u, tets)), axis=1).astype(np.int32) + 1
    negative = _volumes(u, tets) < 0
    tets[negative] = tets[negative][:, [0, 2, 1, 3]]
    pairs = _face_pairs(tets)
    voxels = np.bincount(inside.ravel(), minlength=n_regions + 1)[1:].astype(float)
    moved = full = 0
    if snap:
        u, moved, full = _snap_to_volume(u, tets, pairs, tag, fields, voxels, (offset, offset + shape), seams)
    u = u - offset
    volumes = np.bincount(tag - 1, weights=np.abs(_volumes(u, tets)), minlength=n_regions)
    return _Block(u, tets, tag, pairs, tree, top, volumes, voxels, int(moved), int(full))


def _check_options(volume, min_size, max_size, interface_size, grading, thickness) -> np.ndarray:
    """Refuse sizes that are not powers of two, a size field that cannot be, and non-cubic
    voxels; returns the voxel size (z, y, x)."""
    for name, v in (("min_size", min_size), ("max_size", max_size)):
        if int(v) != v or v < 1 or (int(v) & (int(v) - 1)):
            raise InputError(f"{name} must be a power of two (voxels), got {v!r}")
    if max_size < min_size:
        raise InputError(f"max_size ({max_size}) must be at least min_size ({min_size})")
    if not (grading >= 0 and thickness > 0 and interface_size > 0):
        raise InputError(f"grading must be >= 0, thickness and interface_size > 0; got {grading!r}, {thickness!r} "
                         f"and {interface_size!r}")
    check_cubic(volume.voxel_size, what="a graded mesh (its quality guard works in voxel units)", rtol=1e-3,
                fix="resample the volume to cubic voxels first, or use meshing.tet_mesh")
    return np.array(volume.voxel_size, float)


@takes_volume
def graded_tet_mesh(volume, *, phases=None, min_size: int = 1, max_size: int = 16, interface_size: float = 2.0,
                    grading: float = 0.5, thickness: float = 0.5, sigma: float = 0.8, snap: bool = True) -> Mesh:
    """Graded, conforming tetrahedral mesh with smooth interfaces (see the module notes).

    Parameters
    ----------
    volume : dca.Volume
        Label or boolean volume (boolean: True = pore).
    phases : names or labels, optional
        Phases to keep (default all). Every phase is meshed, so that interfaces are placed
        between the true phases; the others are then dropped and their interfaces become
        boundary facets named ``"kept|dropped"``.
    min_size, max_size : int
        Smallest and largest element cube, in voxels (powers of two).
    interface_size, grading, thickness : float
        The size field (voxels): ``interface_size`` at the interfaces, growing by ``grading``
        times the distance to the nearest interface, and never above ``thickness`` times the
        local thickness of the phase (films and throats). Smaller: finer, more elements.
    sigma : float
        Smoothing of the phase indicators that the interfaces follow, in voxels.
    snap : bool
        Move interface nodes onto the smoothed boundaries (False: the octree's staircase).

    Returns
    -------
    Mesh
        Tetrahedra tagged by phase; facets per box face and per interface, as :func:`tet_mesh`.
        ``attrs`` holds the size field's levels (and its middle z slice), the nodes moved,
        each phase's relative volume error against its voxels, and the time taken.
    """
    t0 = time.perf_counter()
    h = _check_options(volume, min_size, max_size, interface_size, grading, thickness)
    require_memory(volume.size, "graded mesh", shape=volume.shape)
    region, ids, all_names = regions_of(volume, None)
    keep_names = list(ids) if phases is None else list(chosen_phases(all_names, phases))
    require_present({n: all_names[n] for n in keep_names}, ids)
    names = {v: k for k, v in ids.items()}
    options = {"min_size": int(min_size), "max_size": int(max_size), "interface_size": float(interface_size),
               "grading": float(grading), "thickness": float(thickness), "sigma": float(sigma), "snap": bool(snap)}
    core = tuple(slice(0, n) for n in region.shape)
    block = _graded_block(region, core, len(ids), np.zeros((3, 2), bool), **options)
    tag, tree, shape, s0, top = block.tag, block.tree, np.array(region.shape), int(min_size), block.top
    meshed = [ids[k] for k in keep_names]
    x, tets, (face, cell, side, name, _) = _in_frame(block, np.zeros(3), volume.origin, h, shape, meshed, names)
    first = max(ids.values())
    unique, at, inverse = np.unique(name.astype(str), return_index=True, return_inverse=True)
    rank = np.empty(len(unique), np.int32)
    rank[np.argsort(at)] = np.arange(len(unique))  # tags in order of first appearance
    facet_names = {str(unique[k]): first + 1 + int(rank[k]) for k in np.argsort(at)}
    facet_tags = (first + 1 + rank[inverse]).astype(np.int32)
    levels = np.bincount(tree.level, minlength=top + 1)
    attrs = {"graded": True, "min_size_voxels": s0, "max_size_voxels": int(max_size), "grading": float(grading),
             "thickness": float(thickness), "interface_size": float(interface_size),
             "sigma_voxels": float(sigma),
             "cubes_per_size_voxels": {str(s0 * 2 ** k): int(c) for k, c in enumerate(levels)},
             "interface_nodes": block.moved, "interface_nodes_moved_fully": block.moved_fully,
             "element_size_m": (h * s0)[::-1].tolist(), "seconds": round(time.perf_counter() - t0, 3),
             "size_field_mid_z": _cube_sizes(tree, s0, shape, shape[0] // 2),
             "volume_error": {names[r]: float(v / c - 1) for r, v, c in
                              zip(sorted(names), block.volumes, block.voxels)},
             "phase_mid_z": region[shape[0] // 2]}
    mesh = Mesh(x, tets, "tetra", tag, ids, face, facet_tags, facet_names, cell, side, attrs)
    if len(meshed) < len(ids):
        mesh = mesh.select(keep_names)
    return mesh
