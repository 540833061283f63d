"""Selecting a phase of a label volume, with the checks every metric needs."""

from __future__ import annotations

import numpy as np

from ._errors import InputError

__all__ = ["phase_mask", "phase_names", "field_of_view", "grey_values"]


def field_of_view(volume) -> np.ndarray | None:
    """The volume's mask as a NumPy bool array, or None; an all-False mask is an error."""
    if volume.mask is None:
        return None
    mask = np.asarray(volume.mask.compute() if hasattr(volume.mask, "compute") else volume.mask, dtype=bool)
    if not mask.any():
        raise InputError("the volume's mask excludes every voxel; nothing is left to measure. "
                         "Check the field of view (volume.mask) or drop it with volume.replace(mask=None)")
    return mask


NAME_THE_LABELS = ("name its labels (phases={'solid': 0, 'pore': 1, ...} in Python, --phases 0=solid,1=pore,... "
                   "on the command line) or choose the phase by label (phase=1, --phase 1)")


def _is_binary(data) -> bool:
    """0/1 integers: a binary image stored as numbers (nonzero = pore, by the convention)."""
    return data.dtype.kind in "iu" and data.size > 0 and data.min() >= 0 and data.max() <= 1


def phase_names(volume) -> dict[str, int]:
    """Every phase of a segmented volume, name -> label, read the same way by every stage.

    The volume's own ``phases`` where it names them (labels present but unnamed become
    ``phase<N>``); otherwise a boolean image, or an integer image holding only 0 and 1, is
    ``{"pore": 1, "solid": 0}`` (True / nonzero = pore); other labels are ``phase<N>``.
    """
    data = volume.to_numpy()
    if data.dtype == bool or (not volume.phases and _is_binary(data)):
        return {"pore": 1, "solid": 0}
    names = dict(volume.phases)
    named = set(names.values())
    names.update({f"phase{int(v)}": int(v) for v in np.unique(data) if int(v) not in named})
    return names


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
        elif _is_binary(data):  # a binary image stored as 0/1: nonzero = pore
            label = 1
        else:
            present = np.unique(data).tolist()
            raise InputError(f"this label volume (labels {present[:8]}) names no 'pore' phase; {NAME_THE_LABELS}")
    else:
        binary = phase_names(volume) if isinstance(phase, str) and phase not in volume.phases else {}
        label = binary[phase] if phase in binary else volume.phase(phase)  # "pore"/"solid" of a binary image
        if data.dtype == bool and label not in (0, 1):
            raise InputError(f"phase {phase!r} is not in this binary volume: its labels are 0 (solid) and 1 "
                             "(pore, True)")
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
