"""Headerless RAW volumes: the caller gives shape, dtype, byte order and header offset."""

from __future__ import annotations

import os

import numpy as np

from .. import _check
from .._errors import FormatError, InputError
from ._atomic import atomic_path
from ._binary import open_binary, write_binary
from ._registry import RawVolume, register_format

_ORDERS = {"little": "<", "big": ">", "<": "<", ">": ">", "native": "="}


def _byte_order(byte_order: str) -> str:
    if byte_order not in _ORDERS:
        raise InputError(f"byte_order must be 'little' or 'big', got {byte_order!r}")
    return _ORDERS[byte_order]


def read_raw(path: str, *, shape=None, dtype=None, byte_order: str = "little",
             header_offset: int | str = 0, lazy=None) -> RawVolume:
    """Read a RAW file.

    Parameters
    ----------
    shape : (3,) tuple of int
        (nz, ny, nx), slowest to fastest in the file.
    dtype : str or numpy dtype
        Voxel type, e.g. 'uint16', 'float32'.
    byte_order : {'little', 'big'}
    header_offset : int or 'auto'
        Bytes to skip before the voxels; 'auto' takes whatever precedes the last
        nz*ny*nx*itemsize bytes (files with an unknown header).
    """
    if shape is None or dtype is None:
        raise FormatError(f"a RAW file stores no shape or type: pass shape=(nz, ny, nx) and dtype=... "
                          f"(on the command line --shape NZ,NY,NX --dtype uint16) to read {os.path.basename(path)!r}")
    shape = _check.shape3(shape, name="shape")
    try:
        dt = np.dtype(dtype).newbyteorder(_byte_order(byte_order))
    except TypeError as err:
        raise InputError(f"dtype {dtype!r} is not a NumPy type such as 'uint16' or 'float32'") from err
    size = int(np.prod(shape)) * dt.itemsize
    if header_offset == "auto":
        header_offset = max(0, os.path.getsize(path) - size)
    header_offset = int(header_offset)
    actual = os.path.getsize(path)
    if actual > header_offset + size:
        raise FormatError(
            f"RAW file {os.path.basename(path)!r} has {actual:,} bytes but shape {shape} of {dt.name} "
            f"after a {header_offset}-byte header needs {header_offset + size:,}: the shape or dtype is "
            "probably wrong (or pass header_offset='auto' if a header precedes the voxels)")
    data = open_binary(path, shape=shape, dtype=dt, offset=header_offset, lazy=lazy)
    return RawVolume(data=data, voxel_size=None, files=(path,),
                     missing_voxel_size="a RAW file stores no voxel size")


def write_raw(volume, path: str, *, byte_order: str = "little") -> list[str]:
    """Write the voxels only (C order, x fastest); booleans as uint8 0/1."""
    dtype = np.dtype(np.uint8 if volume.dtype == bool else volume.dtype).newbyteorder(_byte_order(byte_order))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        write_binary(volume.data, fh, dtype=dtype)
    return [path]


register_format("raw", extensions=(".raw", ".bin", ".vol"), reader=read_raw, writer=write_raw,
                description="headerless binary voxels (pass shape=, dtype=, byte_order=, header_offset=)")
