"""Selecting a phase of a label volume, with the checks every metric needs."""

from __future__ import annotations

import numpy as np

from ._errors import InputError

__all__ = ["phase_mask", "phase_label", "select", "phase_names", "field_of_view", "grey_values"]


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
    """0/1 integers: a binary image stored as numbers (nonzero = pore, by the convention);
    streamed for a lazy array."""
    if data.dtype.kind not in "iu" or data.size == 0:
        return False
    lo, hi = _extremes(data)
    return lo >= 0 and hi <= 1


def phase_names(volume, *, present=None) -> dict[str, int]:
    """Every phase of a segmented volume, name -> label, read the same way by every stage.

    The volume's own ``phases`` where it names them (labels present but unnamed become
    ``phase<N>``); otherwise a boolean image, or an integer image holding only 0 and 1, is
    ``{"pore": 1, "solid": 0}`` (True / nonzero = pore); other labels are ``phase<N>``.
    ``present``: the labels in the volume, where the caller has counted them already (so that
    a big volume is not read again to find them).
    """
    data = volume.data
    if present is not None:
        present = sorted(int(v) for v in present)
        binary = data.dtype.kind in "iu" and len(present) > 0 and present[0] >= 0 and present[-1] <= 1
    else:
        binary = data.dtype != bool and not volume.phases and _is_binary(data)
    if data.dtype == bool or (not volume.phases and binary):
        return {"pore": 1, "solid": 0}
    names = dict(volume.phases)
    named = set(names.values())
    labels = present if present is not None else _present(data)
    names.update({f"phase{int(v)}": int(v) for v in labels if int(v) not in named})
    return names


def _extremes(data) -> tuple[int, int]:
    """Min and max of integer data, streamed for a lazy array."""
    if hasattr(data, "compute"):
        import dask

        lo, hi = dask.compute(data.min(), data.max())
        return int(lo), int(hi)
    return int(data.min()), int(data.max())


def _present(data) -> list:
    if data.dtype == bool:
        return [False, True]
    return (np.unique(data).compute() if hasattr(data, "compute") else np.unique(data)).tolist()


def phase_label(volume, phase=None) -> int:
    """The label that ``phase`` (name, label, or default pore) selects in ``volume``, decided
    from the whole volume (streamed when it is lazy), so every chunk of it selects the same."""
    data = volume.data
    if data.dtype.kind == "f":
        raise InputError(f"metrics need a segmented (label or boolean) volume, got {data.dtype} grey levels; "
                         "segment it first (dca.segment.otsu, ...)")
    if phase is None:
        if data.dtype == bool:
            return 1
        if "pore" in volume.phases:
            return volume.phases["pore"]
        if _is_binary(data):  # a binary image stored as 0/1: nonzero = pore
            return 1
        raise InputError(f"this label volume (labels {_present(data)[:8]}) names no 'pore' phase; "
                         f"{NAME_THE_LABELS}")
    if isinstance(phase, str) and phase not in volume.phases and phase in ("pore", "solid"):
        if data.dtype == bool or (not volume.phases and _is_binary(data)):
            return {"pore": 1, "solid": 0}[phase]  # the names of a binary image
    label = volume.phase(phase)
    if data.dtype == bool and label not in (0, 1):
        raise InputError(f"phase {phase!r} is not in this binary volume: its labels are 0 (solid) and 1 "
                         "(pore, True)")
    return label


def select(data, label: int):
    """The voxels of ``label`` in ``data`` (NumPy or dask), as booleans."""
    if data.dtype == bool:
        return data if label == 1 else ~data
    return data == label


def phase_mask(volume, phase=None, *, allow_empty: bool = False) -> np.ndarray:
    """Boolean array of the voxels of ``phase`` (name, label, or default pore).

    Default: True voxels of a boolean volume, else the phase named "pore". Raises a clear
    error for a label absent from the image or an empty phase (no silent division by zero).
    """
    label = phase_label(volume, phase)
    data = volume.to_numpy()
    selected = select(data, label)
    if not allow_empty and not selected.any():
        raise no_voxels(phase, label, data)
    return selected


def no_voxels(phase, label: int, data) -> InputError:
    """The error for an empty ``phase`` (in memory or counted slab by slab)."""
    return InputError(f"phase {phase if phase is not None else label!r} (label {label}) has no voxels; "
                      f"labels present: {_present(data)}")


def grey_values(volume) -> np.ndarray:
    """Grey levels as a NumPy array, refusing NaN or inf with the count of bad voxels."""
    data = volume.to_numpy()
    if data.dtype.kind == "f":
        bad = ~np.isfinite(data)
        if bad.any():
            raise non_finite(int(bad.sum()))
    return data


def non_finite(count: int) -> InputError:
    """The error for ``count`` NaN or infinite grey levels (in memory or counted chunk by chunk)."""
    return InputError(f"the volume holds {count} NaN or infinite grey levels; replace them (e.g. np.nan_to_num) "
                      "or mask them out before filtering or segmenting")
