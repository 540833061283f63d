"""Triangle surfaces of a label volume: one phase (smoothed marching cubes) or all phases at
once (surface nets with conforming interfaces), closed by caps on the box faces."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from dca import InputError
from dca.util import marching_cubes, require_memory, takes_volume

from ._labels import regions_of, remove_pinches
from ._mesh import BOX_FACES, Mesh

__all__ = ["surface", "surfaces", "surface_check"]


def _frame(verts_zyx: np.ndarray, spacing, volume) -> np.ndarray:
    """Grid coordinates (z, y, x; 0 = the first voxel's centre) on a grid of ``spacing`` that
    spans ``volume``'s box, to image-frame points (x, y, z) in metres."""
    corner = np.array(volume.origin) - np.array(volume.voxel_size) / 2  # the box's low corner
    return ((verts_zyx + 0.5) * np.asarray(spacing) + corner)[:, ::-1]


def _box_patch(points: np.ndarray, tris: np.ndarray, volume, tol: float) -> np.ndarray:
    """Box face (index into BOX_FACES) each triangle lies on, or -1."""
    bounds = volume.bounds[::-1]  # x, y, z
    h = np.array(volume.voxel_size)[::-1]
    out = np.full(len(tris), -1, np.int64)
    p = points[tris]  # (m, 3 vertices, 3 coords)
    for axis in range(3):
        for side in (0, 1):
            on = np.all(np.abs(p[:, :, axis] - bounds[axis][side]) < tol * h[axis], axis=1)
            out[on & (out < 0)] = 2 * axis + side
    return out


def _orient_outward(points, tris) -> np.ndarray:
    """Flip a closed surface's triangles if it encloses a negative volume."""
    p = points[tris]
    signed = np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum()
    return tris if signed >= 0 else tris[:, ::-1].copy()


def _laplacian(n: int, tris: np.ndarray):
    import scipy.sparse as sp

    e = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    e = np.concatenate([e, e[:, ::-1]])
    adj = sp.csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    adj.data[:] = 1.0
    deg = np.asarray(adj.sum(axis=1)).ravel()
    return sp.diags(1 / np.maximum(deg, 1)) @ adj


def _taubin(points, tris, iterations, fixed_axes, limit, lam=0.5, mu=-0.53):
    """Taubin lambda|mu smoothing (nearly volume-preserving), each point kept within ``limit``
    (per-axis metres) of where it started; ``fixed_axes`` (n, 3) bool pins coordinates (box caps)."""
    if iterations <= 0:
        return points
    mean = _laplacian(len(points), tris)
    start = points
    p = points.copy()
    for _ in range(iterations):
        for f in (lam, mu):
            p = p + f * (mean @ p - p)
            p = np.where(fixed_axes, start, np.clip(p, start - limit, start + limit))
    return p


@takes_volume
def surface(volume, *, phase=None, sigma: float = 0.8, smoothing: int = 0, decimate: float | None = None,
            caps: bool = True, step_size: int = 1) -> Mesh:
    """Watertight triangle surface of one phase, in the image frame.

    Marching cubes of the phase indicator blurred by a Gaussian of ``sigma`` voxels, at the
    level that keeps the phase's voxel count (the plain 0.5 level shrinks concave phases such
    as the pore space between grains by 1-3 %). Where the phase meets the box (``caps=True``),
    the surface runs at right angles into the box face and closes on it (flat within
    ``CAP_BAND`` = 0.02 voxel): those cap triangles form patches named ``xmin`` ... ``zmax``,
    the rest is ``wall``. Marching cubes on a grid gives a closed 2-manifold free of
    self-intersections; ``meshing.surface_check`` confirms the first two.

    Parameters
    ----------
    volume : dca.Volume
        Label or boolean volume.
    phase : name or label, optional
        Default the pore phase (True of a boolean volume).
    sigma : float
        Gaussian blur in voxels before marching cubes; 0.5-1 removes the staircase and keeps
        the surface 2-manifold (0 gives the voxel staircase).
    smoothing : int
        Taubin iterations after extraction (volume-preserving; each point stays within half
        a voxel of where marching cubes put it; cap points stay on their box face).
    decimate : float, optional
        Keep about this fraction of the triangles, by marching a coarser resampling of the
        blurred field (spacing / sqrt(decimate)). Unlike edge-collapse decimation (VTK quadric,
        fast-simplification), which left 6-227 non-manifold edges on these surfaces, the result
        stays watertight.
    step_size : int
        Marching-cubes step in voxels: 2 gives about 4x fewer triangles.

    Returns
    -------
    Mesh of triangles with ``cell_names`` ``{"wall": 1, "xmin": 2, ...}``; ``attrs`` holds the
    voxel volume of the phase for comparison with :meth:`Mesh.enclosed_volume`.
    """
    from skimage.measure import marching_cubes as skimage_marching_cubes

    if volume.is_lazy:
        raise InputError("this volume is lazy (too big to mesh in memory): stream its surface to a file with "
                         "meshing.write_surface(volume, 'surface.stl') (or .pvtp), or dca mesh --kind surface")
    require_memory(volume.size, "surface mesh", shape=volume.shape)
    region, ids, _ = regions_of(volume, [phase] if phase is not None else _default_phase(volume))
    name = next(iter(ids))
    mask = region == 1
    h = np.array(volume.voxel_size, float)
    if step_size < 1 or int(step_size) != step_size:
        raise InputError(f"step_size must be a whole number >= 1, got {step_size}")
    field = ndimage.gaussian_filter(mask.astype(np.float32), sigma, mode="nearest") if sigma > 0 \
        else mask.astype(np.float32)
    if decimate is not None:  # march a coarser resampling of the field: fewer triangles, still watertight
        if not 0 < decimate <= 1:
            raise InputError(f"decimate is the fraction of triangles to keep, in (0, 1]; got {decimate}")
        if decimate < 1:
            zoom = np.sqrt(decimate)
            shape = tuple(max(2, int(round(n * zoom))) for n in field.shape)
            field = ndimage.zoom(field, [m / n for m, n in zip(shape, field.shape)], order=1, grid_mode=True,
                                 mode="nearest")
            h = h * np.array(mask.shape) / np.array(shape)
    target = float(mask.sum() * np.prod(volume.voxel_size))
    level = _volume_level(field, target / np.prod(h)) if sigma > 0 or decimate else 0.5
    field[np.abs(field - level) < 1e-4] = level + 1e-4  # no value on the level itself: no degenerate triangles
    padded, pad = pad_field(field, level, caps=caps, first=True, last=True)
    if step_size == 1:
        verts, tris = marching_cubes(padded, level)
    else:
        verts, tris, _, _ = skimage_marching_cubes(padded, level, step_size=int(step_size), allow_degenerate=False)
    points, box = place(verts - pad, tris, field.shape, h, volume, caps=caps)
    tris = _orient_outward(points, tris.astype(np.int64))
    if smoothing:
        on_face = np.zeros(points.shape, bool)
        capped = box >= 0
        on_face[tris[capped].ravel(), np.repeat(box[capped] // 2, 3)] = True  # cap points slide within their face
        points = _taubin(points, tris, smoothing, on_face, 0.5 * h[::-1])
    names = {"wall": 1} | {face: i + 2 for i, face in enumerate(BOX_FACES)}
    tags = np.where(box >= 0, box + 2, 1)
    present = {n: t for n, t in names.items() if np.any(tags == t)}
    return Mesh(points, tris, "triangle", tags, present,
                attrs={"phase": name, "voxel_volume_m3": target, "sigma": sigma, "smoothing": smoothing,
                       "decimate": decimate, "level": level, "grid_spacing_m": h[::-1].tolist()})


CAP_BAND = 0.02  # voxels: how flat the caps are


def pad_field(rows: np.ndarray, level: float, *, caps: bool, first: bool, last: bool) -> tuple[np.ndarray, int]:
    """The field padded for marching cubes (and how many layers were added on each side), for
    the whole field or a slab of its rows (``first``/``last``: the slab holds the first or
    last rows, whose z padding it gets).

    With caps, a ghost layer repeats the boundary values, so walls meet the box face at right
    angles, and an outer layer, mirrored about the level, closes the surface half-way to it
    (``place`` then stretches the half voxel up to the ghost centres to reach almost the box
    face and flattens the closing band into the last CAP_BAND voxels). Without caps, a layer
    below the level leaves the surface open at the box."""
    pad = 2 if caps else 1
    width = ((pad if first else 0, pad if last else 0), (pad, pad), (pad, pad))
    if not caps:
        return np.pad(rows, width, mode="constant", constant_values=min(0.0, level - 1)), pad
    padded = np.pad(rows, width, mode="edge")
    shell = np.zeros(padded.shape, bool)
    shell[:, [0, -1]] = shell[:, :, [0, -1]] = True
    shell[0] |= first
    shell[-1] |= last
    outer = padded[shell]
    padded[shell] = np.where(outer > level, 2 * level - outer, outer)
    return padded, pad


def place(verts: np.ndarray, tris: np.ndarray, shape, h, volume, *, caps: bool) -> tuple[np.ndarray, np.ndarray]:
    """Marching-cubes vertices (field coordinates: 0 = the first voxel centre) to image-frame
    points in metres, and the box face (index into BOX_FACES) of each triangle, -1 if none;
    the same per vertex whether the field was meshed whole or in slabs."""
    box = np.full(len(tris), -1, np.int64)
    if caps:
        top = np.array(shape, float) - 1
        for axis, zyx in ((0, 2), (1, 1), (2, 0)):  # BOX_FACES order: x, y, z
            v = verts[tris, zyx]
            box[(box < 0) & np.all(v <= -1 + 1e-6, axis=1)] = 2 * axis
            box[(box < 0) & np.all(v >= top[zyx] + 1 - 1e-6, axis=1)] = 2 * axis + 1
        verts = np.where(verts < 0, -_squeeze(-verts), np.where(verts > top, top + _squeeze(verts - top), verts))
    return _frame(verts, h, volume), box


def _squeeze(d):
    """Distance beyond the last voxel centre, [0, 1] -> [0, 0.5 - CAP_BAND] and [1, 1.5] -> the
    last CAP_BAND up to the box face."""
    out = np.where(d <= 1, d * (0.5 - CAP_BAND), 0.5 - CAP_BAND + (d - 1) * 2 * CAP_BAND)
    return out


_LEVELS = np.linspace(0.05, 0.95, 4097)  # the candidate iso-levels


def level_counts(field: np.ndarray, core=slice(None)) -> np.ndarray:
    """For each candidate level m of ``_LEVELS``, the voxels of ``field[core]`` (core: slices
    of the first axis; the rows around it give the gradient) that count as enclosed: 1 where
    f >= 0.98, else the fraction clip(0.5 + (f - m) / |grad f|, 0, 1) of each voxel near the
    level (a linear sub-voxel estimate). Additive: slabs of a volume sum to the whole."""
    grads = np.gradient(field) if min(field.shape) > 1 else [np.zeros_like(field)] * field.ndim
    field, grads = field[core], [g[core] for g in grads]
    near = (field > 0.02) & (field < 0.98)
    g = np.sqrt(sum(d[near].astype(np.float64) ** 2 for d in grads))
    f = field[near].astype(np.float64)
    counts = np.full(_LEVELS.size, float(np.count_nonzero(field >= 0.98)))
    # each voxel adds 1 below f - g/2, (f + g/2 - m) / g up to f + g/2, then 0; a voxel whose
    # ramp is narrower than the grid spacing is a step at f
    step = _LEVELS[1] - _LEVELS[0]
    steep = g < 2 * step
    counts += np.cumsum(np.bincount(np.searchsorted(_LEVELS, f[steep], side="right"), minlength=_LEVELS.size + 1)
                        [::-1])[::-1][1:]
    f, g = f[~steep], g[~steep]
    start = np.searchsorted(_LEVELS, f - g / 2, side="right")  # first level inside the ramp
    stop = np.searchsorted(_LEVELS, f + g / 2, side="left")  # first level past it
    size = _LEVELS.size + 1
    ones = np.bincount(start, minlength=size)
    counts += f.size - np.cumsum(ones)[:-1]  # voxels whose ramp starts after each level
    const = np.cumsum(np.bincount(start, (f + g / 2) / g, minlength=size) - np.bincount(stop, (f + g / 2) / g,
                                                                                           minlength=size))[:-1]
    slope = np.cumsum(np.bincount(start, 1 / g, minlength=size) - np.bincount(stop, 1 / g, minlength=size))[:-1]
    return counts + const - slope * _LEVELS


def level_for(counts: np.ndarray, voxels: float) -> float:
    """The iso-level whose enclosed count (``level_counts``, decreasing in the level) is
    ``voxels``, linear between candidate levels."""
    above = np.flatnonzero(counts > voxels)
    if above.size == 0:
        return float(_LEVELS[0])
    k = int(above[-1])
    if k == _LEVELS.size - 1:
        return float(_LEVELS[-1])
    c0, c1 = counts[k], counts[k + 1]
    return float(_LEVELS[k] + (_LEVELS[k + 1] - _LEVELS[k]) * (c0 - voxels) / (c0 - c1))


def _volume_level(field: np.ndarray, voxels: float) -> float:
    """Iso-level whose enclosed volume (in voxels of ``field``) is ``voxels``."""
    return level_for(level_counts(field), voxels)


def _default_phase(volume):
    data = volume.to_numpy()
    if data.dtype == bool or "pore" in volume.phases:
        return ["pore"]
    if data.max() <= 1 and data.min() >= 0:
        return [1]
    raise InputError("this label volume names no 'pore' phase; pass phase=<name or label>")


@takes_volume
def surfaces(volume, *, phases=None, smoothing: int = 10, pinches: str = "remove") -> Mesh:
    """Surfaces of several phases at once, sharing their interfaces triangle for triangle.

    Surface nets (VTK) on the label volume padded by an outside label give one mesh in
    which each triangle separates two phases, or a phase from the outside (box caps). Each
    triangle's tag names the pair, oriented outward from the first: ``"pore|solid"``,
    ``"solid|xmax"``. Taubin smoothing (``smoothing`` iterations) moves each point at most
    half a voxel, cap points within their box face; interfaces stay conforming because
    neighbouring phases share the points. ``Mesh.select`` and :func:`phase_surface` give
    the closed surface of one phase.
    """
    import pyvista as pv

    require_memory(volume.size, "surface mesh", shape=volume.shape)
    region, ids, _ = regions_of(volume, phases)
    if pinches == "remove":
        region, changed = remove_pinches(region)
    else:
        changed = 0
    names = {v: k for k, v in ids.items()}
    padded = np.pad(region, 1, constant_values=0)  # 0 = outside the box, or an unmeshed phase
    image = pv.ImageData(dimensions=np.array(padded.shape[::-1]), spacing=(1, 1, 1))
    image.point_data["labels"] = padded.ravel()
    net = image.contour_labels("all", smoothing=False, output_mesh_type="triangles", pad_background=False)
    verts = np.asarray(net.points)[:, ::-1]  # z, y, x index coordinates in the padded grid
    tris = net.regular_faces.astype(np.int64)
    # orient each triangle outward from the label behind it
    p = verts[tris]
    normal = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    centre = p.mean(axis=1)
    front = padded[tuple(np.floor(centre + 0.5 * normal + 0.5).astype(np.int64).T)]
    back = padded[tuple(np.floor(centre - 0.5 * normal + 0.5).astype(np.int64).T)]
    flip = back > front  # behind = the lower id; an id beats the outside (0)
    flip = np.where((back == 0) | (front == 0), back == 0, flip)
    tris[flip] = tris[flip][:, ::-1]
    behind = np.where(flip, front, back)
    ahead = np.where(flip, back, front)
    points = _frame(verts - 1, volume.voxel_size, volume)  # the padded grid starts one voxel out
    tris = tris[:, ::-1].copy()  # (z, y, x) -> (x, y, z) mirrors the frame: keep the normals outward
    box = _box_patch(points, tris, volume, tol=1e-6)
    keys = behind.astype(np.int64) * 16 + np.where(ahead > 0, ahead, 8 + np.maximum(box, 0))
    tag_of = {}
    tags = np.empty(len(tris), np.int32)
    for key in np.unique(keys):
        b, a = divmod(int(key), 16)
        other = names[a] if a < 8 else BOX_FACES[a - 8]
        other = other if a > 0 else "outside"
        tag_of[f"{names[b]}|{other}"] = len(tag_of) + 1
        tags[keys == key] = tag_of[f"{names[b]}|{other}"]
    if smoothing:
        on_face = np.zeros(points.shape, bool)
        capped = box >= 0
        on_face[tris[capped].ravel(), np.repeat(box[capped] // 2, 3)] = True
        points = _taubin(points, tris, smoothing, on_face, 0.5 * np.array(volume.voxel_size)[::-1])
    return Mesh(points, tris, "triangle", tags, tag_of,
                attrs={"phases": dict(ids), "voxels_changed_for_pinches": changed, "smoothing": smoothing})


def phase_surface(mesh: Mesh, phase: str) -> Mesh:
    """The closed, outward-oriented surface of ``phase`` out of a :func:`surfaces` mesh."""
    behind = [n for n in mesh.cell_names if n.split("|")[0] == phase]
    ahead = [n for n in mesh.cell_names if n.split("|")[1] == phase]
    if not behind:
        raise InputError(f"no phase {phase!r} in this surface; tags: {sorted(mesh.cell_names)}")
    keep = np.isin(mesh.cell_tags, [mesh.cell_names[n] for n in behind + ahead])
    tris = mesh.cells[keep].copy()
    reverse = np.isin(mesh.cell_tags[keep], [mesh.cell_names[n] for n in ahead])
    tris[reverse] = tris[reverse][:, ::-1]
    used, inverse = np.unique(tris, return_inverse=True)
    return Mesh(mesh.points[used], inverse.reshape(-1, 3), "triangle", np.ones(len(tris), np.int32),
                {phase: 1}, attrs={"phase": phase})


def surface_check(mesh: Mesh) -> dict:
    """Is a triangle surface closed, 2-manifold and consistently oriented?

    Returns counts: ``open_edges`` (used by one triangle), ``nonmanifold_edges`` (by more
    than two), ``misoriented_edges`` (two triangles walking an edge the same way),
    ``nonmanifold_vertices`` (more than one fan of triangles), ``components`` and
    ``watertight`` (all four zero).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tris = mesh.cells
    n = mesh.n_points
    directed = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]]).astype(np.int64)
    key = np.minimum(directed[:, 0], directed[:, 1]) * n + np.maximum(directed[:, 0], directed[:, 1])
    uniq, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
    forward = directed[:, 0] < directed[:, 1]
    balance = np.bincount(inverse, weights=np.where(forward, 1, -1), minlength=len(uniq))
    two = count == 2
    # vertex fans: corners (triangle, vertex) joined across the edges they share; a vertex
    # whose corners fall into more than one group is a pinch (bow-tie) vertex
    t = len(tris)
    local = np.repeat(np.arange(3), t)
    tri = np.tile(np.arange(t), 3)
    order = np.argsort(inverse, kind="stable")
    first = np.nonzero(np.r_[True, inverse[order][1:] != inverse[order][:-1]])[0]
    shared = first[count[inverse[order][first]] == 2]
    e1, e2 = order[shared], order[shared + 1]  # the two directed copies of each shared edge
    links = []
    for off in (0, 1):  # the edge's start and end vertex, matched by vertex id
        v = directed[e1, off]
        c1 = 3 * tri[e1] + (local[e1] + off) % 3
        other_start = directed[e2, 0] == v
        c2 = 3 * tri[e2] + np.where(other_start, local[e2], (local[e2] + 1) % 3)
        links.append((c1, c2))
    a = np.concatenate([pair[0] for pair in links])
    b = np.concatenate([pair[1] for pair in links])
    corner_graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(3 * t, 3 * t))
    _, fan = connected_components(corner_graph, directed=False)
    vertex_of_corner = tris.ravel()
    fans = np.unique(np.column_stack([vertex_of_corner, fan]), axis=0)[:, 0]
    nonmanifold_vertices = int(np.count_nonzero(np.bincount(fans, minlength=n) > 1))
    used = np.bincount(vertex_of_corner, minlength=n) > 0
    graph = coo_matrix((np.ones(len(uniq)), (uniq // n, uniq % n)), shape=(n, n))
    n_comp = connected_components(graph, directed=False)[0] - int(np.count_nonzero(~used))
    out = {"open_edges": int(np.count_nonzero(count == 1)), "nonmanifold_edges": int(np.count_nonzero(count > 2)),
           "misoriented_edges": int(np.count_nonzero(two & (balance != 0))),
           "nonmanifold_vertices": nonmanifold_vertices, "components": int(n_comp),
           "euler_characteristic": int(used.sum() - len(uniq) + t)}
    out["watertight"] = not (out["open_edges"] or out["nonmanifold_edges"] or out["misoriented_edges"]
                             or out["nonmanifold_vertices"])
    return out
