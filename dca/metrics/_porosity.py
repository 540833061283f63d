"""Porosity: total, connected (spanning an axis), isolated, and the per-slice profile."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _check
from .._phase import field_of_view, phase_mask
from ..segment._cleanup import spanning
from ..util import short_repr, takes_volume

__all__ = ["porosity", "connected_porosity", "Porosity", "porosity_report", "porosity_profile"]


def _fraction(selected: np.ndarray, mask) -> float:
    if mask is None:
        return float(np.count_nonzero(selected) / selected.size)
    return float(np.count_nonzero(selected & mask) / np.count_nonzero(mask))


@takes_volume
def porosity(volume, *, phase=None) -> float:
    """Volume fraction of ``phase`` inside the field of view.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    voxel_size : float or (3,) floats, metres
        With an array only.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, dca
    >>> half = np.zeros((10, 10, 10), bool); half[:5] = True   # the lower half is pore
    >>> dca.metrics.porosity(half, voxel_size=1e-6)
    0.5
    >>> dca.metrics.porosity(half, voxel_size=1e-6, phase="solid")
    0.5
    """
    if volume.is_lazy:  # streamed in z-slabs, the same number
        from ._slabs import lazy_fraction

        return lazy_fraction(volume, phase)
    return _fraction(phase_mask(volume, phase, allow_empty=True), field_of_view(volume))


@takes_volume
def connected_porosity(volume, *, phase=None, axis="x", connectivity: int = 26) -> float:
    """Volume fraction of the clusters of ``phase`` that connect the two faces normal to ``axis``.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    axis : {"x", "y", "z"}
    connectivity : {6, 26}
        Voxel neighbourhood of a cluster.

    Returns
    -------
    float

    Examples
    --------
    A channel along x and a pocket that reaches neither x face:

    >>> import numpy as np, dca
    >>> im = np.zeros((8, 8, 12), bool); im[1:4, 1:4, :] = True; im[5:7, 5:7, 3:8] = True
    >>> dca.metrics.connected_porosity(im, voxel_size=1e-6, axis="x")   # 9 * 12 of 768 voxels
    0.140625
    """
    if volume.is_lazy:  # streamed in z-slabs, clusters merged across the slab faces: the same number
        from ._slabs import lazy_connected_fraction

        return lazy_connected_fraction(volume, phase, axis=_check.axis(axis), connectivity=connectivity)
    selected = phase_mask(volume, phase)
    mask = field_of_view(volume)
    if mask is not None:
        selected = selected & mask
    return _fraction(spanning(selected, _check.axis(axis), connectivity), mask)


@dataclass(frozen=True)
class Porosity:

    __repr__ = short_repr

    total: float
    connected: float
    isolated: float
    axis: str

    def to_dict(self) -> dict:
        return {"porosity": self.total, "connected_porosity": self.connected,
                "isolated_porosity": self.isolated, "axis": self.axis}


@takes_volume
def porosity_report(volume, *, phase=None, axis="x", connectivity: int = 26) -> Porosity:
    """Total, connected (spanning ``axis``) and isolated porosity in one pass.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    axis : {"x", "y", "z"}
    connectivity : {6, 26}

    Returns
    -------
    Porosity
        ``total``, ``connected``, ``isolated`` (= total - connected) and ``axis``.

    Examples
    --------
    >>> import numpy as np, dca
    >>> im = np.zeros((8, 8, 12), bool); im[1:4, 1:4, :] = True; im[5:7, 5:7, 3:8] = True
    >>> p = dca.metrics.porosity_report(im, voxel_size=1e-6, axis="x")
    >>> p.total == p.connected + p.isolated, p.connected
    (True, 0.140625)
    """
    total = porosity(volume, phase=phase)
    connected = connected_porosity(volume, phase=phase, axis=axis, connectivity=connectivity)
    return Porosity(total, connected, total - connected, "zyx"[_check.axis(axis)])


@takes_volume
def porosity_profile(volume, *, phase=None, axis="z"):
    """Porosity of every slice normal to ``axis``, inside the field of view.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    axis : {"x", "y", "z"}

    Returns
    -------
    pandas.DataFrame
        ``{axis}_m`` (the slice's position, metres, image frame) and ``porosity``.

    Examples
    --------
    >>> import numpy as np, dca
    >>> half = np.zeros((10, 10, 10), bool); half[:5] = True   # the lower half is pore
    >>> profile = dca.metrics.porosity_profile(half, voxel_size=1e-6, axis="z")
    >>> profile["porosity"].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    import pandas as pd

    a = _check.axis(axis)
    others = tuple(i for i in range(3) if i != a)
    if volume.is_lazy:  # counted chunk by chunk
        import dask
        import dask.array as da

        from .._phase import phase_label, select

        selected = select(volume.data, phase_label(volume, phase))
        mask = None if volume.mask is None else da.asarray(volume.mask)
        count, total = dask.compute(da.count_nonzero(selected if mask is None else selected & mask, axis=others),
                                    None if mask is None else da.count_nonzero(mask, axis=others))
    else:
        selected = phase_mask(volume, phase, allow_empty=True)
        mask = field_of_view(volume)
        count = np.count_nonzero(selected if mask is None else selected & mask, axis=others)
        total = None if mask is None else np.count_nonzero(mask, axis=others)
    if total is None:
        total = np.full(volume.shape[a], np.prod([volume.shape[i] for i in others]))
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(total > 0, count / np.maximum(total, 1), np.nan)
    return pd.DataFrame({f"{'zyx'[a]}_m": volume.coordinates(a), "porosity": values})
