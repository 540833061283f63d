"""Two-point correlation function S2(r) by FFT."""

from __future__ import annotations

import numpy as np

from .._errors import InputError
from .._phase import phase_mask
from ..util import takes_volume

__all__ = ["two_point_correlation"]


@takes_volume
def two_point_correlation(volume, *, phase=None, bins: int = 50, max_distance: float | None = None):
    """S2(r): the probability that two points r apart both lie in ``phase``, radially averaged.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    bins : int
        Distance bins up to ``max_distance``.
    max_distance : float, metres, optional
        Default half the smallest extent.

    Returns
    -------
    pandas.DataFrame
        ``distance_m``, ``s2`` and ``pairs`` (voxel offsets averaged in the bin; NaN where none).

    Notes
    -----
    The periodic autocorrelation of the indicator (float32 FFT: about 8 bytes per voxel),
    binned by physical distance. S2(0) is the volume fraction; S2 tends to its square at long
    range.

    Examples
    --------
    >>> import dca
    >>> v = dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6)
    >>> s2 = dca.metrics.two_point_correlation(v)
    >>> round(float(s2["s2"].iloc[0]) - dca.metrics.porosity(v), 6)   # S2(0) = phi
    0.0
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
