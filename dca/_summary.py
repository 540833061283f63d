"""Grey-level summary of a volume (``dca info``), in one pass that suits lazy data too."""

from __future__ import annotations

import numpy as np

__all__ = ["grey_summary"]

_BINS = 4096


def sample_stride(shape, max_voxels: int | None) -> int:
    """The step along each axis that reads at most ``max_voxels`` of a volume of ``shape``."""
    size = int(np.prod(shape))
    if max_voxels is None or size <= max_voxels:
        return 1
    return int(np.ceil((size / max_voxels) ** (1 / 3)))


def grey_summary(volume, *, max_labels: int = 16, max_voxels: int | None = None) -> dict:
    """Min, max, mean, standard deviation, 1/50/99th percentiles and non-finite count.

    Inside the mask only. Percentiles come from a 4096-bin histogram (exact for integer data
    with fewer distinct values, within max-min/4096 otherwise), so no sorted copy of the
    volume is made. Integer volumes with at most ``max_labels`` values also list each value's
    voxel count (a label image). With ``max_voxels``, a volume larger than that is summarised
    from every k-th voxel along each axis (``stride`` k in the result; counts are of the
    sample), so a 2048^3 scan is described in seconds.
    """
    stride = sample_stride(volume.shape, max_voxels)
    if stride > 1:
        step = (slice(None, None, stride),) * 3
        volume = volume.replace(data=volume.data[step], mask=None if volume.mask is None else volume.mask[step])
    data = volume.data
    if volume.mask is not None:
        data = data[volume.mask]
    if volume.is_lazy:
        import dask.array as da

        finite = da.isfinite(data) if data.dtype.kind == "f" else None
        values = data[finite] if finite is not None else data
        bad_count = (~finite).sum() if finite is not None else 0  # masked arrays have unknown size
        stats = da.compute(values.min(), values.max(), values.astype(np.float64).mean(),
                           values.astype(np.float64).std(), bad_count)
        lo, hi, mean, std, bad = (float(s) if i < 4 else int(s) for i, s in enumerate(stats))
        hist = da.histogram(values, bins=_BINS, range=(lo, hi if hi > lo else lo + 1))[0].compute()
    else:
        values = np.asarray(data)
        if values.dtype.kind == "f":
            finite = np.isfinite(values)
            bad = int(values.size - np.count_nonzero(finite))
            values = values[finite] if bad else values
        else:
            bad = 0
        if values.size == 0:
            return {"voxels": int(data.size), "non_finite": bad}
        lo, hi = float(values.min()), float(values.max())
        mean, std = float(values.mean(dtype=np.float64)), float(values.std(dtype=np.float64))
        hist = np.histogram(values, bins=_BINS, range=(lo, hi if hi > lo else lo + 1))[0]
    edges = np.linspace(lo, hi if hi > lo else lo + 1, _BINS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    if volume.dtype.kind in "biu" and hi - lo < _BINS:  # one bin per integer value: exact percentiles
        edges = np.arange(lo - 0.5, hi + 1.0)
        centres = np.arange(lo, hi + 1.0)
        hist = np.histogram(values, bins=edges)[0] if not volume.is_lazy else \
            da.histogram(values, bins=edges)[0].compute()
    cdf = np.cumsum(hist) / max(1, hist.sum())
    pct = {f"p{q}": float(centres[min(len(centres) - 1, int(np.searchsorted(cdf, q / 100)))]) for q in (1, 50, 99)}
    out = {"voxels": int(data.size), "min": lo, "max": hi, "mean": mean, "std": std, **pct, "non_finite": bad,
           "stride": stride}
    if volume.dtype.kind in "biu" and hi - lo < max_labels:
        counts = np.bincount((np.asarray(data.compute() if volume.is_lazy else data).ravel()
                              - int(lo)).astype(np.intp), minlength=int(hi - lo) + 1)
        out["labels"] = {str(int(lo) + i): int(c) for i, c in enumerate(counts) if c}
    return out
