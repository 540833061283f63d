"""Deterministic synthetic samples standing in for the applications: same seed, same bits.

Each returns a Volume with a documented default voxel size and named phases. Porosities
are hit to within a voxel count (quantile thresholds) or to the last sphere added.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .. import _check
from .._errors import InputError
from .._volume import Volume

__all__ = ["sphere_pack", "blobs", "open_cell_foam", "electrode", "partially_saturated"]


def _shape(shape) -> tuple[int, int, int]:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),) * 3
    return _check.shape3(shape, name="shape")


def _ball_offsets(radius: float):
    r = int(math.ceil(radius))
    grid = np.mgrid[-r:r + 1, -r:r + 1, -r:r + 1]
    return grid, r


def _paint_spheres(solid: np.ndarray, centres: np.ndarray, radii: np.ndarray, *,
                   stop_at_solid: int | None = None, overlap: bool = True) -> int:
    """Set the voxels inside each sphere; stop once ``stop_at_solid`` voxels are solid.

    With ``overlap=False`` a sphere that would touch solid already painted is skipped
    (random sequential addition). Returns the number of candidates looked at (the spheres
    ``[:n]`` are the ones painted or skipped before the stop).
    """
    shape = np.array(solid.shape)
    count = int(solid.sum())
    used = 0
    for centre, radius in zip(centres, radii):
        used += 1
        lo = np.maximum(np.floor(centre - radius).astype(int), 0)
        hi = np.minimum(np.ceil(centre + radius).astype(int) + 1, shape)
        if np.any(hi <= lo):
            continue
        zz, yy, xx = np.ogrid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        inside = (zz - centre[0]) ** 2 + (yy - centre[1]) ** 2 + (xx - centre[2]) ** 2 <= radius ** 2
        block = solid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        if not overlap:
            grown = (zz - centre[0]) ** 2 + (yy - centre[1]) ** 2 + (xx - centre[2]) ** 2 <= (radius + 1) ** 2
            if np.any(block & grown):
                continue
        new = inside & ~block
        block |= inside
        count += int(new.sum())
        if stop_at_solid is not None and count >= stop_at_solid:
            break
    return used


def _grains(shape, radius, polydispersity, solid_fraction, rng, overlap=True, spheres=False):
    """Solid = union of spheres, added in random order until ``solid_fraction`` is reached.
    With ``spheres=True`` also the (centres, radii) of the spheres used, in voxels."""
    radius = _check.positive(radius, name="radius")
    volume = float(np.prod(shape))
    sphere = 4 / 3 * math.pi * radius ** 3
    # Boolean model: porosity = exp(-n v / V); draw 3x that many candidates, stop when reached
    expected = -math.log(max(1e-6, 1 - solid_fraction)) * volume / sphere
    n = int(3 * expected) + 50 if overlap else int(60 * volume / sphere) + 50
    # centres also outside the box, so grains cut by the faces are as frequent as inside
    centres = rng.uniform(-radius, np.array(shape) + radius, size=(n, 3))
    radii = radius * np.clip(1 + polydispersity * rng.standard_normal(n), 0.3, 3.0)
    solid = np.zeros(shape, dtype=bool)
    target = int(round(solid_fraction * volume))
    used = _paint_spheres(solid, centres, radii, stop_at_solid=target, overlap=overlap)
    if solid.sum() < target - 0.02 * volume:
        what = "non-overlapping spheres jam near a solid fraction of 0.38; use overlap=True" if not overlap \
            else "increase the number of spheres"
        raise InputError(f"could not reach solid fraction {solid_fraction:.3f} (got {solid.mean():.3f}): {what}")
    return (solid, centres[:used], radii[:used]) if spheres else solid


def sphere_pack(shape=96, *, radius: float = 6.0, porosity: float = 0.35, polydispersity: float = 0.0,
                overlap: bool = True, voxel_size=5e-6, seed: int = 0) -> Volume:
    """Granular or sandstone-like medium: grains are spheres, True = pore.

    Parameters
    ----------
    shape : int or (3,) tuple of int
        Voxels (z, y, x).
    radius : float, voxels
        Mean grain radius.
    porosity : float
        Target pore fraction; grains are added until it is reached (within one grain).
    polydispersity : float
        Relative standard deviation of the grain radii (0: monodisperse).
    overlap : bool
        True: overlapping grains (a consolidated, cemented sandstone, any porosity).
        False: random sequential addition of non-touching grains (porosity above ~0.62).
    voxel_size : float or (3,) tuple, metres
        Default 5 um, a typical micro-CT voxel for sandstone.
    seed : int

    Returns
    -------
    Volume of bool, phases ``{"pore": 1, "grain": 0}``.
    """
    shape = _shape(shape)
    porosity = _check.fraction(porosity, name="porosity")
    rng = np.random.default_rng(seed)
    solid = _grains(shape, radius, polydispersity, 1 - porosity, rng, overlap=overlap)
    params = dict(shape=shape, radius=radius, porosity=porosity, polydispersity=polydispersity,
                  overlap=overlap, seed=seed)
    return Volume(~solid, voxel_size=voxel_size, phases={"pore": 1, "grain": 0}).with_step("sphere_pack", **params)


def blobs(shape=96, *, porosity: float = 0.4, blobiness: float = 1.0, voxel_size=5e-6, seed: int = 0) -> Volume:
    """Blob-like two-phase medium (smoothed noise thresholded at the porosity quantile), True = pore.

    ``blobiness`` scales the number of features: the smoothing length is
    mean(shape) / (40 blobiness), as in PoreSpy's ``blobs``.
    """
    shape = _shape(shape)
    porosity = _check.fraction(porosity, name="porosity")
    rng = np.random.default_rng(seed)
    sigma = np.mean(shape) / (40 * _check.positive(blobiness, name="blobiness"))
    field = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), sigma=sigma, mode="wrap")
    pore = _threshold_fraction(field, porosity)
    return Volume(pore, voxel_size=voxel_size, phases={"pore": 1, "solid": 0}).with_step(
        "blobs", shape=shape, porosity=porosity, blobiness=blobiness, seed=seed)


def _threshold_fraction(score: np.ndarray, fraction: float, where: np.ndarray | None = None) -> np.ndarray:
    """The ``fraction`` of voxels (of ``where``) with the lowest score; ties broken by position."""
    idx = np.flatnonzero(where) if where is not None else None
    values = score.ravel() if idx is None else score.ravel()[idx]
    k = int(round(fraction * values.size))
    chosen = np.argsort(values, kind="stable")[:k]
    out = np.zeros(score.size, dtype=bool)
    out[chosen if idx is None else idx[chosen]] = True
    return out.reshape(score.shape)


def open_cell_foam(shape=96, *, cell_size: float = 24.0, porosity: float = 0.9, voxel_size=20e-6,
                   seed: int = 0, compression: float = 0.0) -> Volume:
    """Open-cell foam: struts along the edges of a Voronoi tessellation, True = pore.

    Seeds sit on a jittered cubic grid of spacing ``cell_size`` (voxels); a voxel is strut
    where its three nearest seeds are nearly equidistant (d3 - d1 small), and the threshold
    is set so that exactly ``porosity`` of the voxels are pore.

    ``compression`` (a strain along z, 0 <= eps < 1): the same foam (same seeds) squeezed
    along z, the box ``shape[0] * (1 - eps)`` slices tall, with the solid volume of the
    uncompressed foam kept: its solid fraction becomes (1 - porosity) / (1 - eps).
    """
    from scipy.spatial import cKDTree

    shape = _shape(shape)
    porosity = _check.fraction(porosity, name="porosity")
    cell = _check.positive(cell_size, name="cell_size")
    if not 0 <= compression < 1:
        raise InputError(f"compression is a strain along z in [0, 1), got {compression}")
    rng = np.random.default_rng(seed)
    axes = [np.arange(-cell, n + 2 * cell, cell) for n in shape]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    seeds = grid + rng.uniform(-0.35, 0.35, size=grid.shape) * cell
    if compression:
        full = shape[0]
        shape = (max(1, int(round(full * (1 - compression)))),) + shape[1:]
        seeds[:, 0] *= shape[0] / full  # the slices actually kept, so the solid volume is exact
        porosity = 1 - (1 - porosity) * full / shape[0]
        if porosity <= 0:
            raise InputError("that compression leaves no pore space: the solid would fill the box")
    tree = cKDTree(seeds)
    score = np.empty(shape, dtype=np.float32)
    plane = np.stack(np.meshgrid(np.arange(shape[1]), np.arange(shape[2]), indexing="ij"), axis=-1).reshape(-1, 2)
    for z in range(shape[0]):  # slab by slab keeps the k-NN query small in memory
        points = np.column_stack([np.full(len(plane), z), plane])
        d, _ = tree.query(points, k=3)
        score[z] = (d[:, 2] - d[:, 0]).reshape(shape[1:])
    solid = _threshold_fraction(score, 1 - porosity)
    return Volume(~solid, voxel_size=voxel_size, phases={"pore": 1, "solid": 0}).with_step(
        "open_cell_foam", shape=shape, cell_size=cell, porosity=porosity, seed=seed, compression=compression)


def electrode(shape=96, *, particle_radius: float = 7.0, active_fraction: float = 0.55,
              binder_fraction: float = 0.08, polydispersity: float = 0.2, voxel_size=0.4e-6,
              seed: int = 0) -> Volume:
    """Battery-electrode particle pack with carbon-binder domain (CBD).

    Labels: 0 pore (electrolyte), 1 active material, 2 binder. Active particles are
    overlapping spheres; the binder fills the pore voxels most surrounded by particles
    (the necks between them), as CBD does, until ``binder_fraction`` of all voxels.
    Default voxel 0.4 um, a sub-micron XRM scan of NMC particles ~5 um across.
    """
    shape = _shape(shape)
    active, binder, _ = _electrode_pack(shape, particle_radius, active_fraction, binder_fraction, polydispersity, seed)
    labels = np.zeros(shape, dtype=np.uint8)
    labels[active] = 1
    labels[binder] = 2
    return Volume(labels, voxel_size=voxel_size, phases={"pore": 0, "active": 1, "binder": 2}).with_step(
        "electrode", shape=shape, particle_radius=particle_radius, active_fraction=active_fraction,
        binder_fraction=binder_fraction, polydispersity=polydispersity, seed=seed)


def _electrode_pack(shape, particle_radius, active_fraction, binder_fraction, polydispersity, seed):
    """Active and binder masks, and the particles' (centres, radii) in voxels."""
    active_fraction = _check.fraction(active_fraction, name="active_fraction")
    binder_fraction = _check.fraction(binder_fraction, name="binder_fraction")
    if active_fraction + binder_fraction >= 1:
        raise InputError("active_fraction + binder_fraction must be below 1 (some pore must remain)")
    rng = np.random.default_rng(seed)
    active, centres, radii = _grains(shape, particle_radius, polydispersity, active_fraction, rng, spheres=True)
    surround = ndimage.gaussian_filter(active.astype(np.float32), sigma=particle_radius / 3)
    pore = ~active
    binder = _threshold_fraction(-surround, binder_fraction * active.size / max(1, pore.sum()), where=pore)
    return active, binder, (centres, radii)


def partially_saturated(shape=96, *, grain_radius: float = 8.0, porosity: float = 0.38,
                        saturation: float = 0.3, polydispersity: float = 0.15, voxel_size=10e-6,
                        seed: int = 0) -> Volume:
    """Three-phase granular medium after drainage: labels 0 air, 1 water, 2 grain.

    Water (the wetting phase) keeps the pore voxels that a sphere of radius R cannot reach
    (crevices, contacts, small pores); R is found by bisection so that water fills
    ``saturation`` of the pore space. Trapping is ignored. Default voxel 10 um (silica sand).
    """
    import edt

    shape = _shape(shape)
    porosity = _check.fraction(porosity, name="porosity")
    saturation = _check.fraction(saturation, name="saturation")
    rng = np.random.default_rng(seed)
    grain = _grains(shape, grain_radius, polydispersity, 1 - porosity, rng)
    pore = ~grain
    dist = edt.edt(pore, parallel=1)

    def air_for(r: float) -> np.ndarray:
        centres = dist >= r
        if not centres.any():
            return np.zeros(shape, dtype=bool)
        return (edt.edt(~centres, parallel=1) < r) & pore

    lo, hi = 0.5, float(dist.max()) + 1
    n_pore = pore.sum()
    for _ in range(24):  # water grows with R; bisect on the discrete curve
        mid = (lo + hi) / 2
        water_fraction = 1 - air_for(mid).sum() / n_pore
        if abs(water_fraction - saturation) < 1e-3:
            lo = hi = mid
            break
        lo, hi = (lo, mid) if water_fraction > saturation else (mid, hi)
    air = air_for((lo + hi) / 2)
    labels = np.full(shape, 1, dtype=np.uint8)
    labels[air] = 0
    labels[grain] = 2
    achieved = float((labels == 1).sum() / n_pore)
    return Volume(labels, voxel_size=voxel_size, phases={"air": 0, "water": 1, "grain": 2},
                  attrs={"saturation": achieved}).with_step(
        "partially_saturated", shape=shape, grain_radius=grain_radius, porosity=porosity, saturation=saturation,
        polydispersity=polydispersity, seed=seed)


def dual_porosity(shape=96, *, macro_porosity: float = 0.15, micro_fraction: float = 0.4,
                  micro_porosity: float = 0.3, voxel_size=2e-6, seed: int = 0) -> Volume:
    """Carbonate-like dual porosity at the fine (resolving) scale: labels 0 solid, 1 macropore,
    2 micropore (resolved here, sub-resolution in a scan a few times coarser).

    Macropores are coarse blobs (``macro_porosity`` of the volume); ``micro_fraction`` of the
    rest is microporous grains (a second coarse blob field), whose voxels are pore with
    probability ``micro_porosity`` through a fine blob field (features ~2 voxels).
    """
    shape = _shape(shape)
    rng = np.random.default_rng(seed)
    coarse = lambda: ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32),  # noqa: E731
                                             sigma=np.mean(shape) / 20, mode="wrap")
    macro = _threshold_fraction(coarse(), _check.fraction(macro_porosity, name="macro_porosity"))
    grains = _threshold_fraction(coarse(), _check.fraction(micro_fraction, name="micro_fraction"), where=~macro)
    fine = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), sigma=0.8, mode="wrap")
    micro = _threshold_fraction(fine, _check.fraction(micro_porosity, name="micro_porosity"), where=grains)
    labels = np.zeros(shape, np.uint8)
    labels[macro] = 1
    labels[micro] = 2
    return Volume(labels, voxel_size=voxel_size, phases={"solid": 0, "macropore": 1, "micropore": 2}).with_step(
        "dual_porosity", shape=shape, macro_porosity=macro_porosity, micro_fraction=micro_fraction,
        micro_porosity=micro_porosity, seed=seed)
