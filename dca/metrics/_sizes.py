"""Pore and particle size distributions: by local thickness and by watershed regions."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._phase import field_of_view, phase_mask
from ..util import check_cubic, takes_volume
from ._distribution import Distribution, weighted_summary
from ._thickness import local_thickness_radii

__all__ = ["pore_size_distribution", "particle_size_distribution", "watershed_regions"]


def _selected(volume, phase):
    selected = phase_mask(volume, phase)
    mask = field_of_view(volume)
    return selected if mask is None else selected & mask


def _lt_distribution(volume, phase, name: str) -> Distribution:
    import pandas as pd

    from .._memory import chunked

    check_cubic(volume.voxel_size, what="local thickness")

    volume = chunked(volume, "local thickness")
    if volume.is_lazy:  # chunk by chunk, the same radii (see lazy_local_thickness_radii)
        from ._thickness import _lazy_selected, lazy_local_thickness_radii, radius_counts

        radii, top = lazy_local_thickness_radii(_lazy_selected(volume, phase))
        counts = np.trim_zeros(radius_counts(radii, top)[1:], "b")
    else:
        counts = np.bincount(local_thickness_radii(_selected(volume, phase)).ravel())[1:]
    diameters = 2 * np.arange(1, counts.size + 1) * volume.voxel_size[0]
    fraction = counts / max(1, counts.sum())
    table = pd.DataFrame({"diameter_m": diameters, "volume_fraction": fraction,
                          "cumulative": np.cumsum(fraction)})
    keep = counts > 0
    return Distribution(name, "diameter", table[keep].reset_index(drop=True),
                        weighted_summary(diameters[keep], counts[keep]), extra={"method": "local_thickness"})


def watershed_regions(selected: np.ndarray, *, min_distance: int = 3, sigma: float = 0.4) -> np.ndarray:
    """Split a phase into regions (pores or particles) by a watershed of its distance map.

    Markers are the maxima of the lightly smoothed distance map at least ``min_distance``
    voxels apart (SNOW-like, Gostick 2017, doi:10.1103/PhysRevE.96.023307); touching spheres
    come apart at their necks.

    Parameters
    ----------
    selected : (nz, ny, nx) bool array
    min_distance : int, voxels
    sigma : float, voxels
        Gaussian smoothing of the distance map before its maxima are taken.

    Returns
    -------
    (nz, ny, nx) int array
        Region labels 1..n, 0 outside the phase.

    Examples
    --------
    >>> import numpy as np, dca
    >>> g = np.mgrid[:20, :20, :36]
    >>> pair = sum(((g[0] - 9.5) ** 2 + (g[1] - 9.5) ** 2 + (g[2] - c) ** 2) < 49 for c in (10, 24)) > 0
    >>> int(dca.metrics.watershed_regions(pair).max())   # two touching balls, two regions
    2
    """
    from skimage.feature import peak_local_max
    from skimage.segmentation import watershed

    from ._thickness import squared_distance

    dist = np.sqrt(squared_distance(selected).astype(np.float32))
    if sigma:
        dist = ndimage.gaussian_filter(dist, sigma=sigma) * selected
    peaks = peak_local_max(dist, min_distance=min_distance, labels=selected.astype(np.int32), exclude_border=False)
    markers = np.zeros(selected.shape, np.int32)
    markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
    return watershed(-dist, markers=markers, mask=selected)


def _region_distribution(volume, phase, name: str, min_distance: int) -> Distribution:
    import pandas as pd

    regions = watershed_regions(_selected(volume, phase), min_distance=min_distance)
    sizes = np.bincount(regions.ravel())[1:]
    sizes = sizes[sizes > 0]
    diameters = np.cbrt(6 * sizes * volume.voxel_volume / np.pi)
    table = pd.DataFrame({"equivalent_diameter_m": np.sort(diameters),
                          "volume_m3": np.sort(sizes) * volume.voxel_volume})
    summary = weighted_summary(diameters)
    return Distribution(name, "equivalent diameter", table, summary,
                        extra={"method": "watershed", "regions": int(sizes.size)})


@takes_volume
def pore_size_distribution(volume, *, phase=None, method: str = "local_thickness",
                           min_distance: int = 3) -> Distribution:
    """Pore size distribution of ``phase``.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    method : {"local_thickness", "watershed"}
        "local_thickness": the volume fraction of the phase per ball diameter (2 x integer
        radius x voxel size), continuous; "watershed": one equivalent diameter (6 V / pi)^(1/3)
        per watershed region.
    min_distance : int, voxels
        For "watershed".

    Returns
    -------
    Distribution
        ``table`` (diameter in m and its fraction), ``summary`` (mean, std, d10, d50, d90, mode,
        metres) and ``plot()``.

    Examples
    --------
    >>> import numpy as np, dca
    >>> g = np.mgrid[:28, :28, :28] - 13.7
    >>> ball = dca.Volume((g ** 2).sum(0) < 10 ** 2, voxel_size=1e-6)   # radius 10 um
    >>> psd = dca.metrics.pore_size_distribution(ball)
    >>> psd.summary["mode"]   # the ball's diameter, 2 x 9 voxels
    1.8e-05
    """
    if method == "local_thickness":
        return _lt_distribution(volume, phase, "pore size distribution (local thickness)")
    if method == "watershed":
        return _region_distribution(volume, phase, "pore size distribution (watershed regions)", min_distance)
    from .._errors import InputError

    raise InputError(f"method must be 'local_thickness' or 'watershed', got {method!r}")


@takes_volume
def particle_size_distribution(volume, *, phase, min_distance: int = 3) -> Distribution:
    """Particle (or agglomerate) sizes: touching particles split by a distance-map watershed,
    one equivalent diameter (6 V / pi)^(1/3) each.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    phase : name or label
        The particles' phase.
    min_distance : int, voxels

    Returns
    -------
    Distribution

    Examples
    --------
    >>> import numpy as np, dca
    >>> g = np.mgrid[:20, :20, :36]
    >>> pair = sum(((g[0] - 9.5) ** 2 + (g[1] - 9.5) ** 2 + (g[2] - c) ** 2) < 49 for c in (10, 24)) > 0
    >>> d = dca.metrics.particle_size_distribution(pair, voxel_size=1e-6, phase=1)
    >>> d.summary["count"]
    2
    """
    return _region_distribution(volume, phase, "particle size distribution", min_distance)
