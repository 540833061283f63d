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
    return _runs(phase_mask(volume, phase), field_of_view(volume), a) * volume.voxel_size[a]


def _runs(selected: np.ndarray, mask: np.ndarray | None, a: int) -> np.ndarray:
    """Lengths (voxels) of the runs of ``selected`` along axis ``a`` that end inside the box
    and the mask at both ends."""
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
    return lengths[inner]


def _lazy_run_counts(volume, phase, a: int) -> np.ndarray:
    """Chords per length (voxels) of a lazy volume, streamed in slabs cut across another
    axis than ``a``, so that every slab holds whole lines along ``a``."""
    from .._chunks import read_slab, slab_bounds
    from .._phase import no_voxels, phase_label, select
    from .._progress import steps

    label = phase_label(volume, phase)
    across = 1 if a == 0 else 0
    counts, found = np.zeros(1, np.int64), 0
    for start, stop in steps(slab_bounds(volume, across), "chords"):
        data, mask = read_slab(volume, start, stop, across)
        selected = select(data, label)
        found += int(np.count_nonzero(selected))
        more = np.bincount(_runs(selected, mask, a))
        size = max(counts.size, more.size)
        counts = np.pad(counts, (0, size - counts.size)) + np.pad(more, (0, size - more.size))
    if not found:
        raise no_voxels(phase, label, volume.data)
    return counts


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
    if volume.is_lazy:  # streamed in slabs that hold whole lines along the axis: the same chords
        counts = _lazy_run_counts(volume, phase, a)[1:]
    else:
        counts = np.bincount(_runs(phase_mask(volume, phase), field_of_view(volume), a))[1:]
    h = volume.voxel_size[a]
    lengths = np.arange(1, counts.size + 1) * h
    table = pd.DataFrame({"length_m": lengths, "fraction": counts / max(1, counts.sum())})
    keep = counts > 0
    summary = {**weighted_summary(lengths[keep], counts[keep]), "count": int(counts.sum())} if keep.any() \
        else {"count": 0}
    return Distribution(f"chord lengths along {'zyx'[a]}", "chord length", table[keep].reset_index(drop=True),
                        summary, extra={"axis": "zyx"[a]})
