"""NumPy ``.npy`` (voxels only) and ``.npz`` (voxels plus ``voxel_size``, ``origin``, ``mask``)."""

from __future__ import annotations

import json
import os

import numpy as np

from .._errors import FormatError
from ._atomic import atomic_path
from ._binary import as_dask
from ._registry import RawVolume, decide_lazy, register_format

_DATA_KEYS = ("data", "im", "image", "volume")


def _stored_voxel_size(value: np.ndarray):
    """Three floats, or the stored text as it is (``read`` checks it, unless the caller
    overrides it), so a bad entry gets the voxel-size message instead of a traceback."""
    if value.dtype.kind in "US":
        return str(value)
    try:
        return tuple(float(v) for v in np.broadcast_to(value.astype(float), (3,)))
    except (TypeError, ValueError):
        return repr(value.tolist())


def read_npy(path: str, *, lazy=None) -> RawVolume:
    try:
        array = np.load(path, mmap_mode="r")
    except ValueError as err:
        raise FormatError(f"{os.path.basename(path)!r} is not a readable .npy file: {err}") from err
    if decide_lazy(lazy, array.nbytes):
        st = os.stat(path)
        data = as_dask(array, name=f"npy|{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}")
    else:
        data = np.array(array)
    return RawVolume(data=data, voxel_size=None, files=(path,),
                     missing_voxel_size="a .npy file stores no voxel size")


def read_npz(path: str, *, key: str | None = None, lazy=None) -> RawVolume:
    """Read the array ``key`` (default: 'data', 'im', 'image', 'volume' or the only 3-D array).

    A ``voxel_size`` entry (three numbers, metres) gives the spacing; ``origin``, ``mask`` and
    ``phases`` (JSON) are read when present. ``.npz`` files are always loaded into memory.
    """
    with np.load(path, allow_pickle=False) as npz:
        names = list(npz.files)
        if key is None:
            candidates = [k for k in _DATA_KEYS if k in names] or [k for k in names if npz[k].ndim == 3]
            if len(candidates) != 1 and not any(k in names for k in _DATA_KEYS):
                raise FormatError(f"{os.path.basename(path)!r} holds arrays {names}; pass key=... to choose one")
            key = candidates[0]
        if key not in names:
            raise FormatError(f"{os.path.basename(path)!r} has no array {key!r}; it holds {names}")
        data = npz[key]
        voxel = _stored_voxel_size(npz["voxel_size"]) if "voxel_size" in names else None
        origin = tuple(float(v) for v in npz["origin"]) if "origin" in names else None
        mask = npz["mask"] if "mask" in names else None
        phases = json.loads(str(npz["phases"])) if "phases" in names else {}
    return RawVolume(data=data, voxel_size=voxel, origin=origin, mask=mask, phases=phases, files=(path,),
                     missing_voxel_size=f"{os.path.basename(path)!r} has no 'voxel_size' entry")


def write_npy(volume, path: str) -> list[str]:
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, volume.to_numpy())
    return [path]


def write_npz(volume, path: str, *, compress: bool = True) -> list[str]:
    arrays = {"data": volume.to_numpy(), "voxel_size": np.array(volume.voxel_size),
              "origin": np.array(volume.origin)}
    if volume.mask is not None:
        arrays["mask"] = np.asarray(volume.mask)
    if volume.phases:
        arrays["phases"] = np.array(json.dumps(dict(volume.phases)))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        (np.savez_compressed if compress else np.savez)(fh, **arrays)
    return [path]


register_format("npy", extensions=(".npy",), reader=read_npy, writer=write_npy,
                description="NumPy array (no voxel size: pass voxel_size=)")
register_format("npz", extensions=(".npz",), reader=read_npz, writer=write_npz,
                description="NumPy archive with data, voxel_size, origin, mask")
