"""Two-point correlation function S2(r) by FFT."""

from __future__ import annotations

import numpy as np

from .._errors import InputError
from .._phase import phase_mask
from ..util import takes_volume

__all__ = ["two_point_correlation"]


@takes_volume
def two_point_correlation(volume, *, phase=None, bins: int = 50, max_distance: float | None = None):
    """S2(r): probability that two points r apart both lie in ``phase``, radially averaged.

    Computed as the periodic autocorrelation of the indicator (float32 FFT, so memory is
    about 4 bytes x 2 per voxel), binned by physical distance. S2(0) is the volume fraction
    and S2 tends to its square at long range.

    Returns a DataFrame: distance_m, s2, pairs (voxel offsets averaged in the bin).
    """
    import pandas as pd
    from scipy import fft

    if volume.mask is not None:
        raise InputError("two_point_correlation needs the full box (periodic FFT); crop to a box inside the "
                         "field of view first, e.g. with dca.filters.crop")
    indicator = phase_mask(volume, phase, allow_empty=True).astype(np.float32)
    spectrum = fft.rfftn(indicator, workers=-1)
    np.multiply(spectrum, spectrum.conj(), out=spectrum)
    corr = fft.irfftn(spectrum, s=indicator.shape, workers=-1).astype(np.float32) / indicator.size
    del spectrum
    axes = [(np.minimum(np.arange(n), n - np.arange(n)) * h).astype(np.float32)
            for n, h in zip(volume.shape, volume.voxel_size)]
    limit = max_distance if max_distance is not None else min(n * h for n, h in zip(volume.shape, volume.voxel_size)) / 2
    edges = np.linspace(0, limit, bins + 1)
    counts = np.zeros(bins + 1, np.int64)
    sums = np.zeros(bins + 1, np.float64)
    plane = np.sqrt(axes[1][:, None] ** 2 + axes[2][None, :] ** 2)
    for k, dz in enumerate(axes[0]):  # slab by slab: no full-size distance or bin-index array
        which = np.digitize(np.sqrt(dz ** 2 + plane ** 2).ravel(), edges, right=True)  # r = 0 alone in bin 0
        ok = which <= bins
        counts += np.bincount(which[ok], minlength=bins + 1)
        sums += np.bincount(which[ok], weights=corr[k].ravel()[ok], minlength=bins + 1)
    centres = np.concatenate([[0.0], (edges[:-1] + edges[1:]) / 2])
    values = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.DataFrame({"distance_m": centres, "s2": values, "pairs": counts})
