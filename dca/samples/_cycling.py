"""A battery electrode through charge cycles: the particles swell and crack (a 4D series)."""

from __future__ import annotations

import numpy as np

from .. import _check
from .._errors import InputError
from .._volume import Volume
from ._generators import _electrode_pack, _shape

__all__ = ["electrode_cycles"]


def electrode_cycles(shape=96, *, cycles=(0, 5, 10, 20, 50), particle_radius: float = 7.0,
                     active_fraction: float = 0.55, binder_fraction: float = 0.08, polydispersity: float = 0.2,
                     swelling: float = 0.001, crack_onset: float = 30.0, crack_growth: float = 0.06,
                     voxel_size=0.4e-6, seed: int = 0):
    """The :func:`electrode` particle pack scanned after each of ``cycles`` charge cycles.

    Two kinds of damage accumulate, as in NMC cathodes:

    - swelling: each particle's volume grows by ``swelling`` (a volumetric strain) per cycle;
    - cracking: each particle cracks once, at a cycle drawn from an exponential distribution
      of mean ``crack_onset``, along a plane through its centre with a random normal. From
      then on the crack opens by ``crack_growth`` voxels per cycle (at most half the
      particle's radius): the two halves move apart along the normal, so the particle's
      envelope grows while its solid volume stays, and electrolyte fills the gap.

    The binder stays where it was, except where a particle or a crack now is.

    Returns a :class:`dca.series.Series` (coordinate ``cycle``) of label Volumes, 0 pore
    (electrolyte), 1 active, 2 binder. Step 0 cycles is :func:`electrode` with the same
    arguments, bit for bit. Each step's ``attrs`` hold the ground truth: ``cycle``,
    ``particles``, ``cracked_particles``, ``crack_volume_m3`` (the electrolyte inside crack
    gaps), ``mean_crack_opening_m`` (over the cracked particles) and ``swelling_strain``.
    """
    from ..series import Series

    shape = _shape(shape)
    cycles = np.asarray(cycles, dtype=float)
    if cycles.ndim != 1 or not len(cycles) or np.any(cycles < 0) or np.any(np.diff(cycles) <= 0):
        raise InputError(f"cycles must be increasing cycle numbers >= 0, got {cycles.tolist()}")
    for name, value in (("swelling", swelling), ("crack_growth", crack_growth)):
        if not (np.isfinite(value) and value >= 0):
            raise InputError(f"{name} must be >= 0, got {value!r}")
    crack_onset = _check.positive(crack_onset, name="crack_onset")
    active0, binder0, (centres, radii) = _electrode_pack(shape, particle_radius, active_fraction, binder_fraction,
                                                         polydispersity, seed)
    rng = np.random.default_rng([seed, 1])  # the damage draws: apart from the pack's, which stay electrode()'s
    onset = rng.exponential(crack_onset, size=len(radii))
    normals = rng.standard_normal((len(radii), 3))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    h = _check.voxel_size(voxel_size)
    params = dict(shape=shape, particle_radius=particle_radius, active_fraction=active_fraction,
                  binder_fraction=binder_fraction, polydispersity=polydispersity, swelling=swelling,
                  crack_onset=crack_onset, crack_growth=crack_growth, seed=seed)
    steps = []
    for k in cycles:
        strain = swelling * k
        r = radii * (1 + strain) ** (1 / 3)
        opening = np.where(k > onset, np.minimum(crack_growth * (k - onset), 0.5 * r), 0.0)
        if k == 0:
            active, crack = active0, np.zeros(shape, bool)
        else:
            active, crack = _paint_particles(shape, centres, r, normals, opening)
        labels = np.zeros(shape, np.uint8)
        labels[active] = 1
        labels[binder0 & ~active & ~crack] = 2
        cracked = opening > 0
        truth = {"cycle": float(k), "particles": int(len(radii)), "cracked_particles": int(cracked.sum()),
                 "crack_volume_m3": float((crack & ~active).sum() * np.prod(h)), "swelling_strain": float(strain),
                 "mean_crack_opening_m": float(opening[cracked].mean() * h[0]) if cracked.any() else 0.0}
        steps.append(Volume(labels, voxel_size=voxel_size, phases={"pore": 0, "active": 1, "binder": 2},
                            attrs=truth).with_step("electrode_cycles", cycle=float(k), **params))
    return Series(steps, coords=cycles, unit="cycle", name="cycle")


def _paint_particles(shape, centres, radii, normals, openings):
    """Active voxels of spheres whose cracked halves moved apart, and the crack gaps (the
    slabs between the halves, inside the particles' radius)."""
    active = np.zeros(shape, bool)
    crack = np.zeros(shape, bool)
    size = np.array(shape)
    for c, r, n, w in zip(centres, radii, normals, openings):
        reach = r + w / 2
        lo = np.maximum(np.floor(c - reach).astype(int), 0)
        hi = np.minimum(np.ceil(c + reach).astype(int) + 1, size)
        if np.any(hi <= lo):
            continue
        zz, yy, xx = np.ogrid[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
        d = (zz - c[0], yy - c[1], xx - c[2])
        dist2 = d[0] ** 2 + d[1] ** 2 + d[2] ** 2
        block = (slice(lo[0], hi[0]), slice(lo[1], hi[1]), slice(lo[2], hi[2]))
        if w <= 0:
            active[block] |= dist2 <= r * r
            continue
        along = d[0] * n[0] + d[1] * n[1] + d[2] * n[2]  # signed distance from the crack plane
        radial2 = dist2 - along ** 2
        shifted = np.abs(along) - w / 2  # each half is the hemisphere moved w/2 away from the plane
        active[block] |= (shifted >= 0) & (radial2 + shifted ** 2 <= r * r)
        crack[block] |= (shifted < 0) & (radial2 <= r * r)
    return active, crack
