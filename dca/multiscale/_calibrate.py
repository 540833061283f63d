"""Sub-resolution porosity: the porosity of each coarse voxel, calibrated against its grey level
from a fine scan of the same region."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._phase import phase_mask
from .._volume import Volume
from ..util import short_repr

__all__ = ["block_mean", "calibrate_porosity", "PorosityCalibration"]


def block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    """Mean over factor^3 blocks (the array cropped to whole blocks)."""
    f = int(factor)
    shape = tuple(s // f for s in array.shape)
    if min(shape) < 1:
        raise InputError(f"a block of {f} voxels is larger than the array {array.shape}")
    a = np.asarray(array, dtype=np.float64)[:shape[0] * f, :shape[1] * f, :shape[2] * f]
    return a.reshape(shape[0], f, shape[1], f, shape[2], f).mean(axis=(1, 3, 5))


@dataclass(frozen=True)
class PorosityCalibration:
    """Porosity as a function of the coarse grey level.

    ``grey`` / ``porosity``: binned means (the curve used by :meth:`porosity_of`, linear
    between bins, held flat beyond); ``slope`` / ``intercept`` / ``r2``: the straight-line fit
    porosity = intercept + slope * grey, for reporting; ``samples``: coarse voxels used.
    """

    __repr__ = short_repr

    grey: np.ndarray
    porosity: np.ndarray
    slope: float
    intercept: float
    r2: float
    samples: int

    def porosity_of(self, grey) -> np.ndarray:
        """Porosity (0..1) of each grey value."""
        return np.clip(np.interp(np.asarray(grey, dtype=float), self.grey, self.porosity), 0.0, 1.0)

    def porosity_map(self, coarse: Volume, where: np.ndarray | None = None) -> np.ndarray:
        """Calibrated porosity of every coarse voxel (or only ``where``; 0 elsewhere)."""
        phi = self.porosity_of(coarse.to_numpy())
        return phi if where is None else np.where(where, phi, 0.0)

    def to_dict(self) -> dict:
        return {"grey": self.grey.tolist(), "porosity": self.porosity.tolist(), "slope": self.slope,
                "intercept": self.intercept, "r2": self.r2, "samples": self.samples}

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(4, 3), layout="constrained")
        g = np.linspace(self.grey.min(), self.grey.max(), 50)
        ax.plot(self.grey, self.porosity, "o", label="fine scan, binned")
        ax.plot(g, self.intercept + self.slope * g, "-", label=f"linear fit, r2 {self.r2:.3f}")
        ax.set_xlabel("coarse grey level")
        ax.set_ylabel("porosity")
        ax.legend()
        return ax


def calibrate_porosity(coarse: Volume, fine: Volume, placement, *, phase=None, bins: int = 16,
                       min_samples: int = 5) -> PorosityCalibration:
    """Calibrate porosity per coarse grey level from a segmented fine scan placed in the coarse one.

    Each coarse voxel covered by the fine scan gets the pore fraction of the fine voxels
    inside it; those are binned by the coarse grey level. The coarse voxel must be a whole
    number of fine voxels, and the placement (from :func:`locate`) within a quarter voxel of
    the coarse grid.
    """
    ratio = np.array(coarse.voxel_size) / np.array(fine.voxel_size)
    factor = int(round(ratio[0]))
    if not np.allclose(ratio, factor, rtol=1e-6) or factor < 1:
        raise InputError(f"the coarse voxel is {ratio.tolist()} fine voxels; calibration needs a whole number, "
                         "the same along every axis (resample the fine scan first)")
    offset = np.asarray(placement.offset_voxels, float)
    start = np.round(offset).astype(int)
    if np.abs(offset - start).max() > 0.25:
        raise InputError(f"the fine scan sits at {offset.tolist()} coarse voxels, off the coarse grid; "
                         "resample it onto the coarse grid's blocks first")
    pore = phase_mask(fine, phase)
    phi = block_mean(pore, factor)
    stop = start + np.array(phi.shape)
    if np.any(start < 0) or np.any(stop > np.array(coarse.shape)):
        raise InputError("the placed fine scan reaches outside the coarse volume")
    grey = coarse.to_numpy()[start[0]:stop[0], start[1]:stop[1], start[2]:stop[2]].astype(float).ravel()
    phi = phi.ravel()
    edges = np.linspace(grey.min(), grey.max(), bins + 1)
    which = np.clip(np.digitize(grey, edges) - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    keep = count >= min_samples
    if keep.sum() < 2:
        raise InputError("too few coarse voxels under the fine scan to calibrate; use a larger fine scan or fewer bins")
    g_mean = np.bincount(which, weights=grey, minlength=bins)[keep] / count[keep]
    p_mean = np.bincount(which, weights=phi, minlength=bins)[keep] / count[keep]
    slope, intercept = np.polyfit(grey, phi, 1)
    fit = intercept + slope * grey
    r2 = 1 - ((phi - fit) ** 2).sum() / max(((phi - phi.mean()) ** 2).sum(), 1e-300)
    return PorosityCalibration(g_mean, p_mean, float(slope), float(intercept), float(r2), int(grey.size))
