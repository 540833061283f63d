"""Octree hexahedral meshes for FE codes: bricks of 1 to ``max_size`` voxels, one phase each,
with the hanging nodes tied to the larger bricks by linear constraints (``*EQUATION`` in the
Abaqus/CalculiX deck), so that the displacement stays continuous across size changes."""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from dca import InputError
from dca.util import require_memory, takes_volume

from ._labels import regions_of
from ._mesh import Mesh
from ._octree import allowed_levels, octree
from ._voxel_mesh import HEX_CORNERS, HEX_FACES

__all__ = ["octree_hex_mesh"]

# the 12 edges and 6 faces of a brick, as corner indices (HEX_CORNERS order)
_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 7), (7, 4), (0, 4), (1, 5), (2, 6), (3, 7))
_FACES = tuple(quad for quad, _ in HEX_FACES.values())


def _hex_from_tree(tree, h, origin):
    corner = np.stack([2 * (tree.origin + tree.size[:, None] * np.array(off)) for off in HEX_CORNERS], axis=1)
    dims = 2 * np.asarray(tree.shape, np.int64) + 3
    key = (corner[..., 0] * dims[1] + corner[..., 1]) * dims[2] + corner[..., 2]
    points_key, cells = np.unique(key, return_inverse=True)
    cells = cells.reshape(-1, 8)

    def lookup(q):
        k = (q[..., 0] * dims[1] + q[..., 1]) * dims[2] + q[..., 2]
        at = np.minimum(np.searchsorted(points_key, k), len(points_key) - 1)
        return np.where(points_key[at] == k, at, -1)

    # hanging nodes: a mesh point at the middle of a brick's edge or face
    dependent, masters = [], []
    for group in (_EDGES, _FACES):
        for ids in group:
            mid = corner[:, list(ids)].mean(axis=1).astype(np.int64)
            node = lookup(mid)
            hit = node >= 0
            dependent.append(node[hit])
            m = cells[hit][:, list(ids)]
            masters.append(np.pad(m, [(0, 0), (0, 4 - m.shape[1])], constant_values=-1))
    dependent, masters = np.concatenate(dependent), np.concatenate(masters)
    dependent, first = np.unique(dependent, return_index=True)
    masters = masters[first]
    # a master that hangs itself is replaced by its own masters (chains of size changes)
    weights = np.where(masters >= 0, 1.0 / (masters >= 0).sum(axis=1, keepdims=True), 0.0)
    constraints = {int(d): {int(m): float(w) for m, w in zip(ms, ws) if m >= 0}
                   for d, ms, ws in zip(dependent, masters, weights)}
    for _ in range(8):
        changed = False
        for d, terms in constraints.items():
            if any(m in constraints for m in terms):
                new = {}
                for m, w in terms.items():
                    for mm, ww in (constraints[m].items() if m in constraints else ((m, 1.0),)):
                        new[mm] = new.get(mm, 0.0) + w * ww
                constraints[d] = new
                changed = True
        if not changed:
            break
    z, rest = np.divmod(points_key, dims[1] * dims[2])
    y, x = np.divmod(rest, dims[2])
    u = np.stack([z, y, x], axis=1) / 2  # voxel-corner units
    points = (np.asarray(origin) + (u - 0.5) * h)[:, ::-1]
    return points, cells, constraints, lookup


@takes_volume
def octree_hex_mesh(volume, *, phases=None, max_size: int = 8, grading: float = 1.0) -> Mesh:
    """Hexahedral octree mesh: a brick of one voxel at every interface, growing with the
    distance to the nearest interface (``grading`` times it, up to ``max_size`` voxels) inside
    each phase, 2:1 balanced. Bricks next to smaller ones carry hanging nodes, which
    ``mesh.attrs["constraints"]`` ties to the larger brick's corners (the .inp export writes
    them as ``*EQUATION``, and leaves them out of the node sets, adding ``<set>_ALL`` sets
    with every node for reaction totals). Regions, facets and tags as :func:`hex_mesh`; the
    walls are the voxel faces. Only the .inp export carries the ties: other formats get the
    bricks alone (for viewing; not a conforming mesh for a solver).
    """
    if int(max_size) != max_size or max_size < 1 or (int(max_size) & (int(max_size) - 1)):
        raise InputError(f"max_size must be a power of two (voxels), got {max_size!r}")
    require_memory(volume.size, "voxel mesh", shape=volume.shape)
    region, ids, names = regions_of(volume, phases)
    distance = np.full(region.shape, np.inf)
    for r in ids.values():
        inside = region == r
        distance = np.where(inside, ndi.distance_transform_edt(inside), distance)
    top = int(np.log2(max_size))
    tree = octree(region, allowed_levels(distance - 0.5, grading=grading, max_level=top), max_level=top)
    h = np.array(volume.voxel_size, float)
    points, cells, constraints, lookup = _hex_from_tree(tree, h, volume.origin)
    rid_name = {v: k for k, v in ids.items()}
    label_of = {v: k for k, v in names.items()}
    # facets: box faces (kind 1), faces toward an unmeshed phase (kind 2), between regions (kind 0)
    f = tree.faces
    axis, high, plane, lo_b, lo_c, size = f[:, 2], f[:, 3], f[:, 4], f[:, 5], f[:, 6], f[:, 7]
    own_region = tree.region[f[:, 0]]
    other_region = np.where(f[:, 8] == 0, tree.region[np.maximum(f[:, 1], 0)], 0)
    keep = (f[:, 8] == 1) | (f[:, 8] == 2) | ((f[:, 8] == 0) & (own_region != other_region))
    facets, tags, cell, side, facet_names = [], [], [], [], {}
    first = max(ids.values())
    data = np.asarray(volume.to_numpy())
    for k in np.nonzero(keep)[0]:
        a, hi = int(axis[k]), int(high[k])
        b, c = [d for d in range(3) if d != a]
        quad_corners = []
        for ub, uc in ((0, 0), (1, 0), (1, 1), (0, 1)):
            q = np.zeros(3, np.int64)
            q[a], q[b], q[c] = 2 * plane[k], 2 * (lo_b[k] + ub * size[k]), 2 * (lo_c[k] + uc * size[k])
            quad_corners.append(q)
        quad = lookup(np.array(quad_corners))
        if f[k, 8] == 1:
            name = f"{'zyx'[a]}{'max' if hi else 'min'}"
        else:
            if f[k, 8] == 2:  # the unmeshed phase across: read its label from the volume
                where = [0, 0, 0]
                where[a], where[b], where[c] = int(plane[k]) - (0 if hi else 1), int(lo_b[k]), int(lo_c[k])
                other = label_of.get(int(data[tuple(where)]), "outside")
            else:
                other = rid_name[int(other_region[k])]
            name = f"{rid_name[int(own_region[k])]}|{other}"
        facet_names.setdefault(name, first + len(facet_names) + 1)
        quad_nodes, face_no = HEX_FACES[(a, hi)]
        # outward order: the brick's own face order, at this square's corners
        p = points[quad]
        normal = np.cross(p[1] - p[0], p[2] - p[0])
        sign = 1.0 if hi else -1.0
        if np.sign(normal["xyz".index("zyx"[a])]) != sign:
            quad = quad[::-1]
        facets.append(quad)
        tags.append(facet_names[name])
        cell.append(int(f[k, 0]))
        side.append(face_no)
    attrs = {"octree": True, "max_size_voxels": int(max_size), "grading": float(grading),
             "bricks_per_size_voxels": {str(2 ** k): int(n) for k, n in enumerate(np.bincount(tree.level,
                                                                                              minlength=top + 1))},
             "constraints": constraints, "voxels": int(np.count_nonzero(region > 0))}
    return Mesh(points, cells, "hexahedron", tree.region, ids, np.array(facets).reshape(-1, 4),
                np.array(tags, np.int32), facet_names, np.array(cell, np.int64), np.array(side, np.int8), attrs)
