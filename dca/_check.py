"""Validation helpers shared by every public function (validate at the boundary, once)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._errors import InputError, VoxelSizeError

VOXEL_SIZE_HINT = "Pass voxel_size=(dz, dy, dx) in metres, e.g. (5.345e-6, 5.345e-6, 5.345e-6)"


def voxel_size(value, *, name: str = "voxel_size") -> tuple[float, float, float]:
    """Return ``value`` as three positive finite floats (dz, dy, dx); a scalar means isotropic."""
    if value is None:
        raise VoxelSizeError(f"{name} is missing. {VOXEL_SIZE_HINT}.")
    if isinstance(value, str):
        from ._units import parse_voxel_size

        try:
            return parse_voxel_size(value)
        except InputError as err:
            raise VoxelSizeError(f"{name} is {value!r}: {err}") from err
    values = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    if values.size == 1:
        values = np.repeat(values, 3)
    if values.size != 3:
        raise VoxelSizeError(f"{name} must be one number or three (dz, dy, dx), got {value!r}. "
                             f"{VOXEL_SIZE_HINT}.")
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise VoxelSizeError(f"{name} must be positive and finite, got {value!r}. {VOXEL_SIZE_HINT}.")
    if np.any(values > 1.0):
        raise VoxelSizeError(f"{name}={value!r} is larger than 1 m per voxel: voxel sizes are in "
                             "metres (5.345 um is 5.345e-6).")
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def triple(value, *, name: str) -> tuple[float, float, float]:
    """Three finite floats (z, y, x), e.g. an origin in metres."""
    values = np.asarray(value, dtype=float).ravel()
    if values.size != 3 or not np.all(np.isfinite(values)):
        raise InputError(f"{name} must be three finite numbers (z, y, x) in metres, got {value!r}")
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def shape3(shape: Sequence[int], *, name: str = "volume") -> tuple[int, int, int]:
    """Check that ``shape`` is 3-D with no empty axis."""
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3:
        raise InputError(f"{name} must be 3-D (z, y, x), got {len(shape)}-D data of shape {shape}. "
                         "A single 2-D slice can be passed as image[np.newaxis].")
    if min(shape) < 1:
        raise InputError(f"{name} has an empty axis: shape {shape}")
    return shape  # type: ignore[return-value]


def axis(value, *, name: str = "axis") -> int:
    """Accept 0/1/2 or 'z'/'y'/'x' and return the array axis."""
    names = {"z": 0, "y": 1, "x": 2}
    if isinstance(value, str) and value.lower() in names:
        return names[value.lower()]
    if isinstance(value, (int, np.integer)) and 0 <= int(value) <= 2:
        return int(value)
    raise InputError(f"{name} must be 'z', 'y', 'x' or 0, 1, 2 (array axes z, y, x), got {value!r}")


def positive(value, *, name: str, unit: str = "") -> float:
    """``value`` as a float, refused unless it is a positive, finite number."""
    expects = f"a positive number{f' ({unit})' if unit else ''}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be {expects}, got {value!r}") from None
    if not math.isfinite(number) or number <= 0 or isinstance(value, bool):
        raise InputError(f"{name} must be {expects}, got {value!r}")
    return number


def cubic(voxel_size, *, what: str, rtol: float = 0.0, fix: str = "resample the volume to cubic voxels first") -> float:
    """The edge of cubic voxels (sides equal within ``rtol``); other voxels are refused with one
    line: ``what`` needs cubic voxels, what it got, and ``fix``."""
    h = tuple(float(v) for v in voxel_size)
    if max(h) - min(h) > rtol * max(h):
        raise InputError(f"{what} needs cubic voxels, got voxel_size={h}; {fix}")
    return h[0]


def fraction(value, *, name: str, open_interval: bool = True) -> float:
    value = float(value)
    ok = 0 < value < 1 if open_interval else 0 <= value <= 1
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise InputError(f"{name} must lie in {interval}, got {value!r}")
    return value
