"""Marker-based watershed for several phases (e.g. air / water / grain without contrast agent)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .._errors import InputError
from .._phase import field_of_view, grey_values

__all__ = ["watershed_phases"]


def watershed_phases(volume, *, classes: int = 3, names=None, margin: float = 0.3, sigma: float = 1.0):
    """Segment ``classes`` phases by a watershed of the grey-level gradient from confident markers.

    Markers are voxels whose smoothed grey level lies well inside one multi-Otsu class: farther
    than ``margin`` times the distance to the neighbouring class mean from each threshold.
    The rest (interfaces, partial-volume voxels, noise) is assigned by flooding the gradient
    magnitude, so thin water films between grain and air are not split by a plain threshold.

    Returns a uint8 label volume, darkest phase 0, with ``names`` as its phases.
    """
    from skimage.filters import sobel, threshold_multiotsu
    from skimage.segmentation import watershed

    if classes < 2:
        raise InputError(f"classes must be >= 2, got {classes}")
    names = tuple(names) if names is not None else tuple(f"phase{i}" for i in range(classes))
    if len(names) != classes:
        raise InputError(f"names has {len(names)} entries for {classes} classes")
    data = grey_values(volume).astype(np.float32, copy=False)
    mask = field_of_view(volume)
    smooth = ndimage.gaussian_filter(data, sigma=sigma, mode="nearest") if sigma else data
    inside = smooth[mask] if mask is not None else smooth.ravel()
    if inside.min() == inside.max():
        raise InputError("the grey levels are all equal; nothing to segment")
    levels = threshold_multiotsu(inside, classes=classes)
    edges = np.concatenate([[-np.inf], levels, [np.inf]])
    classes_of = np.digitize(inside, levels)
    means = np.array([inside[classes_of == k].mean() for k in range(classes)])
    markers = np.zeros(data.shape, dtype=np.int32)
    for k in range(classes):
        lo = edges[k] + (margin * (means[k] - levels[k - 1]) if k > 0 else 0)
        hi = edges[k + 1] - (margin * (levels[k] - means[k]) if k < classes - 1 else 0)
        markers[(smooth > lo) & (smooth < hi)] = k + 1
    if mask is not None:
        markers[~mask] = 0
    labels = watershed(sobel(smooth), markers=markers, mask=mask)
    labels = np.where(labels > 0, labels - 1, 0).astype(np.uint8)
    out = volume.with_data(labels, step="watershed_phases", classes=classes, levels=levels.tolist(),
                           margin=margin, sigma=sigma)
    return out._replace(phases={n: i for i, n in enumerate(names)})
