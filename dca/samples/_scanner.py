"""A virtual X-ray microscope: a known phase map in, a realistic grey-level reconstruction out.

The forward model, in the order a real scan applies it:

1. each phase gets its linear attenuation (arbitrary units, default evenly spaced by label);
2. blur by a Gaussian point-spread function whose FWHM is the instrument's total resolution
   (``dca.instrument``), per axis in voxels;
3. beam hardening (cupping): the centre of the field of view reads darker by a fraction
   ``beam_hardening`` of the local value, falling off as 1 - (r/R)^2;
4. ring artefacts: concentric rings about the rotation axis (z), constant along z;
5. Gaussian noise of standard deviation contrast / snr, where contrast is the difference
   between the most and the least attenuating phase present (a contrast-to-noise ratio);
6. a cylindrical field of view about z: voxels outside are 0 and the returned mask excludes them.

The ground truth comes back with the scan, so segmentation can be scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .. import _check
from .._errors import InputError
from .._volume import Volume

__all__ = ["Scan", "virtual_scan", "cylinder_mask"]

_FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))


@dataclass(frozen=True)
class Scan:
    """A virtual acquisition: the grey-level volume, its ground truth and the settings used."""

    grey: Volume
    truth: Volume
    attenuation: Mapping[int, float]
    noise_sigma: float
    blur_sigma: tuple[float, float, float]


def cylinder_mask(shape, *, radius: float | None = None) -> np.ndarray:
    """True inside the cylinder about the z axis inscribed in the (y, x) plane (or of ``radius`` voxels)."""
    nz, ny, nx = shape
    r = radius if radius is not None else min(ny, nx) / 2
    yy, xx = np.ogrid[:ny, :nx]
    disc = (yy - (ny - 1) / 2) ** 2 + (xx - (nx - 1) / 2) ** 2 <= r ** 2
    return np.broadcast_to(disc, shape).copy()


def _radius_map(shape) -> np.ndarray:
    _, ny, nx = shape
    yy, xx = np.ogrid[:ny, :nx]
    return np.sqrt((yy - (ny - 1) / 2) ** 2 + (xx - (nx - 1) / 2) ** 2) / (min(ny, nx) / 2)


def virtual_scan(truth: Volume, *, attenuation: Mapping | None = None, resolution: float | None = None,
                 geometry=None, snr: float = 20.0, beam_hardening: float = 0.0, rings: float = 0.0,
                 field_of_view: bool = True, dtype="float32", seed: int = 0) -> Scan:
    """Simulate a reconstructed scan of a phase map.

    Parameters
    ----------
    truth : Volume
        Phase labels (bool: True = pore, or integers).
    attenuation : mapping of label or phase name to float, optional
        Linear attenuation per phase; default evenly spaced from 0.1 (lowest label) to 1.0.
        Booleans: pore 0.1, solid 1.0.
    resolution : float, metres, optional
        Total resolution (FWHM of the blur). Default: one voxel.
    geometry : dca.instrument.Geometry, optional
        Take the resolution from an acquisition geometry instead.
    snr : float
        Contrast-to-noise ratio: (max - min attenuation) / noise standard deviation.
    beam_hardening : float
        Cupping depth as a fraction (0.1: the centre reads 10 % low).
    rings : float
        Ring artefact amplitude as a fraction of the contrast.
    field_of_view : bool
        Apply the cylindrical field of view (and set the mask).
    dtype : 'float32' or 'uint16'
        uint16 maps the grey range linearly to 0..65535 like a reconstruction export.
    seed : int

    Returns
    -------
    Scan
        ``grey`` (with its mask and a ``virtual_scan`` provenance step) and ``truth``.
    """
    if not isinstance(truth, Volume):
        raise InputError("virtual_scan takes a dca.Volume of phase labels")
    labels = truth.to_numpy()
    if labels.dtype.kind not in "biu":
        raise InputError(f"the truth volume must hold phase labels (bool or integer), got {labels.dtype}")
    present = np.unique(labels)
    if attenuation is None:
        values = np.linspace(0.1, 1.0, len(present)) if len(present) > 1 else np.ones(1)
        att = {int(k): float(v) for k, v in zip(present, values)}
        if labels.dtype == bool:
            att = {1: 0.1, 0: 1.0}
    else:
        att = {truth.phase(k): float(v) for k, v in attenuation.items()}
    missing = [int(p) for p in present if int(p) not in att]
    if missing:
        raise InputError(f"attenuation gives no value for label(s) {missing} present in the truth volume")
    snr = _check.positive(snr, name="snr")
    if geometry is not None:
        resolution = geometry.resolution
    resolution = float(min(truth.voxel_size)) if resolution is None else _check.positive(resolution, name="resolution")
    sigma = tuple(resolution / _FWHM_PER_SIGMA / h for h in truth.voxel_size)
    rng = np.random.default_rng(seed)

    lut = np.zeros(int(present.max()) + 1, dtype=np.float32)
    for label, value in att.items():
        if 0 <= label < lut.size:
            lut[label] = value
    grey = lut[labels.astype(np.intp)]
    grey = ndimage.gaussian_filter(grey, sigma=sigma, mode="nearest")
    used = [att[int(p)] for p in present]
    contrast = (max(used) - min(used)) or 1.0
    radius = _radius_map(labels.shape)
    if beam_hardening:
        grey *= (1 - beam_hardening * np.clip(1 - radius ** 2, 0, 1)).astype(np.float32)
    if rings:
        edges = rng.uniform(0.05, 1.0, size=12)
        signs = rng.choice([-1.0, 1.0], size=12)
        pattern = sum(s * np.exp(-((radius - e) * min(labels.shape[1:]) / 2) ** 2 / 0.5)
                      for s, e in zip(signs, edges))
        grey += (rings * contrast * pattern).astype(np.float32)
    noise_sigma = contrast / snr
    grey += rng.normal(0.0, noise_sigma, size=labels.shape).astype(np.float32)
    mask = cylinder_mask(labels.shape) if field_of_view else None
    if mask is not None:
        grey[~mask] = 0.0
    if np.dtype(dtype) == np.uint16:
        lo, hi = float(grey.min()), float(grey.max())
        grey = np.round((grey - lo) / (hi - lo or 1.0) * 65535).astype(np.uint16)
    elif np.dtype(dtype) != np.float32:
        raise InputError(f"dtype must be 'float32' or 'uint16', got {dtype!r}")
    params = dict(attenuation=att, resolution=resolution, snr=snr, beam_hardening=beam_hardening,
                  rings=rings, field_of_view=field_of_view, dtype=str(np.dtype(dtype)), seed=seed)
    scanned = truth.replace(data=grey, mask=mask, phases={}).with_step("virtual_scan", **params)
    return Scan(grey=scanned, truth=truth, attenuation=att, noise_sigma=float(noise_sigma),
                blur_sigma=tuple(float(s) for s in sigma))
