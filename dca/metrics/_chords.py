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
    """Lengths (m) of every run of ``phase`` along ``axis``; runs touching the box or the mask
    edge are dropped (their true length is unknown)."""
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
    """Histogram (one bin per voxel length) and statistics of the chords along ``axis``.

    For an isotropic medium the mean chord of a phase is 4 phi / S_V (Cauchy).
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
