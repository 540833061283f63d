"""Selecting a phase of a label volume, with the checks every metric needs."""

from __future__ import annotations

import numpy as np

from ._errors import InputError

__all__ = ["phase_mask", "field_of_view", "grey_values"]


def field_of_view(volume) -> np.ndarray | None:
    """The volume's mask as a NumPy bool array, or None; an all-False mask is an error."""
    if volume.mask is None:
        return None
    mask = np.asarray(volume.mask.compute() if hasattr(volume.mask, "compute") else volume.mask, dtype=bool)
    if not mask.any():
        raise InputError("the volume's mask excludes every voxel; nothing is left to measure. "
                         "Check the field of view (volume.mask) or drop it with volume.replace(mask=None)")
    return mask


def phase_mask(volume, phase=None, *, allow_empty: bool = False) -> np.ndarray:
    """Boolean array of the voxels of ``phase`` (name, label, or default pore).

    Default: True voxels of a boolean volume, else the phase named "pore". Raises a clear
    error for a label absent from the image or an empty phase (no silent division by zero).
    """
    data = volume.to_numpy()
    if data.dtype.kind == "f":
        raise InputError(f"metrics need a segmented (label or boolean) volume, got {data.dtype} grey levels; "
                         "segment it first (dca.segment.otsu, ...)")
    if phase is None:
        if data.dtype == bool:
            label = 1
        elif "pore" in volume.phases:
            label = volume.phases["pore"]
        elif data.max() <= 1 and data.min() >= 0:  # a binary image stored as 0/1: nonzero = pore
            label = 1
        else:
            raise InputError("this label volume names no 'pore' phase; pass phase=<name or label>")
    else:
        label = volume.phase(phase)
    selected = data if data.dtype == bool and label == 1 else (~data if data.dtype == bool else data == label)
    if not allow_empty and not selected.any():
        present = np.unique(data).tolist() if data.dtype != bool else [False, True]
        raise InputError(f"phase {phase if phase is not None else label!r} (label {label}) has no voxels; "
                         f"labels present: {present}")
    return selected


def grey_values(volume) -> np.ndarray:
    """Grey levels as a NumPy array, refusing NaN or inf with the count of bad voxels."""
    data = volume.to_numpy()
    if data.dtype.kind == "f":
        bad = ~np.isfinite(data)
        if bad.any():
            raise InputError(f"the volume holds {int(bad.sum())} NaN or infinite grey levels; replace them "
                             "(e.g. np.nan_to_num) or mask them out before filtering or segmenting")
    return data
