"""Grey-level thresholds: global, Otsu, multi-Otsu, hysteresis. Pore is dark in CT by default."""

from __future__ import annotations

import numpy as np

from .._chunks import read_slab, slab_bounds
from .._errors import InputError
from .._phase import field_of_view, grey_values, non_finite
from ..util import takes_volume

__all__ = ["threshold", "otsu", "multi_otsu", "hysteresis", "otsu_level"]


def _inside(volume) -> np.ndarray:
    data = grey_values(volume)
    mask = field_of_view(volume)
    values = data[mask] if mask is not None else data.ravel()
    if values.size == 0 or values.min() == values.max():
        raise InputError("the grey levels inside the field of view are all equal: there is only one phase "
                         "to find; nothing to segment")
    return values


def _binary(volume, selected: np.ndarray, step: str, **params):
    out = volume.with_data(selected, step=step, **params)
    return out.replace(phases={"pore": 1, "solid": 0})


@takes_volume
def threshold(volume, value: float, *, pore: str = "dark"):
    """Binary segmentation at ``value``: True = pore = grey <= value (``pore="dark"``) or >= value."""
    return _binary(volume, _split(volume, value, pore), "threshold", value=float(value), pore=pore)


def _split(volume, value: float, pore: str) -> np.ndarray:
    if pore not in ("dark", "bright"):
        raise InputError(f"pore must be 'dark' or 'bright', got {pore!r}")
    data = volume.data if volume.is_lazy else grey_values(volume)  # a lazy volume stays lazy
    return data <= value if pore == "dark" else data >= value


def _streamed_histogram(volume, bins: int, *, per_value: bool = True):
    """(counts, bin centres) of the grey levels inside the field of view, as scikit-image's
    ``threshold_otsu`` makes them (one bin per value of integer data; ``bins`` equal bins over
    [min, max] otherwise, or always with ``per_value=False``), accumulated slab by slab: the
    same counts as in memory."""
    slabs = slab_bounds(volume)
    if volume.dtype.kind in "iu" and volume.dtype.itemsize <= 2:  # one pass: a count per possible value
        return _small_integer_histogram(volume, slabs, bins, per_value)
    lo, hi, bad = np.inf, -np.inf, 0
    for z0, z1 in slabs:
        data, mask = read_slab(volume, z0, z1)
        values = data[mask] if mask is not None else data.ravel()
        if data.dtype.kind == "f":
            bad += int(np.count_nonzero(~np.isfinite(values)))
        if values.size:
            lo, hi = min(lo, values.min()), max(hi, values.max())
    if bad:
        raise non_finite(bad)
    _check_spread(lo, hi)
    integer = np.issubdtype(volume.dtype, np.integer) and per_value
    edges = None if integer else _edges(lo, hi, bins)
    counts = np.zeros(int(hi - lo) + 1 if integer else bins, np.int64)
    for z0, z1 in slabs:
        data, mask = read_slab(volume, z0, z1)
        values = data[mask] if mask is not None else data.ravel()
        if integer:
            counts += np.bincount((values.astype(np.int64) - int(lo)), minlength=len(counts))
        else:
            counts += np.histogram(values, bins=edges)[0]
    centres = np.arange(int(lo), int(hi) + 1) if integer else (edges[:-1] + edges[1:]) / 2
    return counts, centres


def _check_spread(lo, hi) -> None:
    if not np.isfinite(lo) or lo == hi:
        raise InputError("the grey levels inside the field of view are all equal: there is only one phase "
                         "to find; nothing to segment")


def _small_integer_histogram(volume, slabs, bins: int, per_value: bool):
    """``_streamed_histogram`` of 8- and 16-bit data in one pass: the count of every possible
    value, then the bins (each value falls in the bin np.histogram would put it in)."""
    info = np.iinfo(volume.dtype)
    every = np.zeros(int(info.max) - int(info.min) + 1, np.int64)
    for z0, z1 in slabs:
        data, mask = read_slab(volume, z0, z1)
        values = data[mask] if mask is not None else data.ravel()
        every += np.bincount(values.astype(np.int64) - int(info.min), minlength=every.size)
    present = np.flatnonzero(every)
    if present.size == 0:
        _check_spread(np.inf, np.inf)
    lo, hi = present[0] + int(info.min), present[-1] + int(info.min)
    _check_spread(lo, hi)
    counts = every[present[0]:present[-1] + 1]
    if per_value:
        return counts, np.arange(lo, hi + 1)
    edges = _edges(volume.dtype.type(lo), volume.dtype.type(hi), bins)
    values = np.arange(lo, hi + 1).astype(volume.dtype)
    return np.histogram(values, bins=edges, weights=counts)[0].astype(np.int64), (edges[:-1] + edges[1:]) / 2


def _edges(lo, hi, bins: int) -> np.ndarray:
    return np.histogram_bin_edges(np.array([lo, hi]), bins=bins, range=(lo, hi))  # as skimage's histogram


def _binned(values: np.ndarray, bins: int):
    """(counts, centres) of ``bins`` equal bins over [min, max] of ``values``."""
    edges = _edges(values.min(), values.max(), bins)
    return np.histogram(values, bins=edges)[0], (edges[:-1] + edges[1:]) / 2


@takes_volume
def otsu_level(volume, *, bins: int = 256) -> float:
    """Otsu's threshold of the grey levels inside the field of view."""
    from skimage.filters import threshold_otsu

    if volume.is_lazy:  # a global histogram, streamed: the same level as in memory
        return float(threshold_otsu(hist=_streamed_histogram(volume, bins)))
    return float(threshold_otsu(_inside(volume), nbins=bins))


@takes_volume
def otsu(volume, *, pore: str = "dark", bins: int = 256):
    """Binary segmentation at Otsu's threshold (computed inside the mask)."""
    level = otsu_level(volume, bins=bins)
    return _binary(volume, _split(volume, level, pore), "otsu", level=level, pore=pore)


@takes_volume
def multi_otsu(volume, *, classes: int = 3, names=None, bins: int = 256):
    """Labels 0 .. classes-1 in increasing grey level, split at the multi-Otsu thresholds of
    a histogram of ``bins`` equal bins (integer scans too: one bin per value of a uint16 scan
    makes the search quadratic in 65536 bins).

    ``names``: one name per class, darkest first (e.g. ``("air", "water", "grain")``).
    """
    from skimage.filters import threshold_multiotsu

    if classes < 2:
        raise InputError(f"classes must be >= 2, got {classes}")
    names = tuple(names) if names is not None else tuple(f"phase{i}" for i in range(classes))
    if len(names) != classes:
        raise InputError(f"names has {len(names)} entries for {classes} classes")
    if volume.is_lazy:  # a global histogram, streamed: the same levels; the labels stay lazy
        levels = threshold_multiotsu(classes=classes, hist=_streamed_histogram(volume, bins, per_value=False))
        labels = volume.data.map_blocks(lambda block: np.digitize(block, levels).astype(np.uint8), dtype=np.uint8)
    else:
        levels = threshold_multiotsu(classes=classes, hist=_binned(_inside(volume), bins))
        labels = np.digitize(grey_values(volume), levels).astype(np.uint8)
    out = volume.with_data(labels, step="multi_otsu", classes=classes, levels=levels.tolist())
    return out.replace(phases={n: i for i, n in enumerate(names)})


@takes_volume
def hysteresis(volume, *, low: float, high: float, pore: str = "dark"):
    """Pore = voxels beyond ``low`` plus those beyond ``high`` connected to them (6-connected,
    as scikit-image's ``apply_hysteresis_threshold``; a lazy volume clusters slab by slab).

    For dark pores, ``low < high``: certain pore is darker than ``low``, possible pore darker
    than ``high``.
    """
    from skimage.filters import apply_hysteresis_threshold

    if pore not in ("dark", "bright"):
        raise InputError(f"pore must be 'dark' or 'bright', got {pore!r}")
    if not low < high:
        raise InputError(f"for dark pores low must be below high, got low={low}, high={high}" if pore == "dark"
                         else f"low must be below high, got low={low}, high={high}")
    params = {"low": float(low), "high": float(high), "pore": pore}
    if volume.is_lazy:
        return _binary(volume, _lazy_hysteresis(volume, float(low), float(high), pore), "hysteresis", **params)
    data = grey_values(volume).astype(np.float32, copy=False)
    if pore == "dark":
        result = apply_hysteresis_threshold(-data, -high, -low)
    else:
        result = apply_hysteresis_threshold(data, low, high)
    return _binary(volume, result, "hysteresis", **params)


def _lazy_hysteresis(volume, low: float, high: float, pore: str):
    """scikit-image's hysteresis (6-connected clusters of possible pore holding a certain-pore
    voxel), slab by slab: clusters merged across the slab faces, the result lazy."""
    from .._chunks import map_slabs, slab_labels

    def levels(data):
        data = data.astype(np.float32, copy=False)
        if pore == "dark":  # as apply_hysteresis_threshold(-data, -high, -low) compares
            return -data > -high, -data > -low
        return data > low, data > high

    clusters = slab_labels(volume, lambda data, mask: levels(data), connectivity=6, what="hysteresis")
    keep = clusters.marked > 0
    keep[0] = False
    return map_slabs(volume, lambda data, mask, k: keep[clusters.label(levels(data)[0], k)], bool)
