"""Chord length distributions along the axes."""

from __future__ import annotations

import numpy as np

from .. import _check
from .._phase import field_of_view, phase_mask
from ..util import takes_volume
from ._distribution import Distribution, weighted_summary

__all__ = ["chord_lengths", "chord_length_distribution"]


@takes_volume
def chord_lengths(volume, *, phase=None, axis="x") -> np.ndarray:
    """Lengths (m) of every run of ``phase`` along ``axis``; runs that touch the box or the edge
    of the mask are dropped (their true length is unknown).

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    axis : {"x", "y", "z"}

    Returns
    -------
    float array, m

    Examples
    --------
    >>> import numpy as np, dca
    >>> im = np.zeros((6, 6, 12), bool); im[2:4, 2:4, 3:8] = True   # 4 runs of 5 voxels along x
    >>> (dca.metrics.chord_lengths(im, voxel_size=1e-6, axis="x") * 1e6).round(9).tolist()
    [5.0, 5.0, 5.0, 5.0]
    """
    a = _check.axis(axis)
    selected = phase_mask(volume, phase)
    mask = field_of_view(volume)
    lines = np.moveaxis(selected, a, -1).reshape(-1, selected.shape[a])
    valid = None if mask is None else np.moveaxis(mask, a, -1).reshape(-1, selected.shape[a])
    # pad with "outside" so every run has a start and an end
    padded = np.zeros((lines.shape[0], lines.shape[1] + 2), np.int8)
    padded[:, 1:-1] = lines
    diff = np.diff(padded, axis=1)
    rows, starts = np.nonzero(diff == 1)
    _, ends = np.nonzero(diff == -1)
    lengths = ends - starts
    inner = (starts > 0) & (ends < lines.shape[1])
    if valid is not None:
        before = np.where(starts > 0, valid[rows, np.maximum(starts - 1, 0)], False)
        after = np.where(ends < lines.shape[1], valid[rows, np.minimum(ends, lines.shape[1] - 1)], False)
        inside = valid[rows, starts] & valid[rows, ends - 1]
        inner &= before & after & inside
    return lengths[inner] * volume.voxel_size[a]


@takes_volume
def chord_length_distribution(volume, *, phase=None, axis="x") -> Distribution:
    """Histogram (one bin per voxel length) and statistics of the chords of ``phase`` along ``axis``.

    For an isotropic medium the mean chord of a phase is 4 phi / S_V (Cauchy).

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    axis : {"x", "y", "z"}

    Returns
    -------
    Distribution

    Examples
    --------
    >>> import numpy as np, dca
    >>> im = np.zeros((6, 6, 12), bool); im[2:4, 2:4, 3:8] = True
    >>> d = dca.metrics.chord_length_distribution(im, voxel_size=1e-6, axis="x")
    >>> d.summary["count"], round(d.summary["mean"] * 1e6, 9)
    (4, 5.0)
    """
    import pandas as pd

    a = _check.axis(axis)
    lengths = chord_lengths(volume, phase=phase, axis=a)
    h = volume.voxel_size[a]
    counts = np.bincount(np.rint(lengths / h).astype(np.int64))[1:] if lengths.size else np.zeros(0, int)
    table = pd.DataFrame({"length_m": np.arange(1, counts.size + 1) * h,
                          "fraction": counts / max(1, counts.sum())})
    return Distribution(f"chord lengths along {'zyx'[a]}", "chord length", table[counts > 0].reset_index(drop=True),
                        weighted_summary(lengths), extra={"axis": "zyx"[a]})
