"""Raw binary voxels: memory-mapped lazy reads, eager reads and chunked writes.

Shared by the RAW, MHD, NRRD and Avizo modules: they differ only in their headers.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from .._errors import FormatError
from ._registry import decide_lazy

__all__ = ["open_binary", "write_binary", "slab_chunks", "as_dask", "iter_slabs"]

_CHUNK_BYTES = 64 << 20


def slab_chunks(shape, itemsize: int) -> tuple[int, int, int]:
    """Chunks of whole z-slabs of about 64 MiB: contiguous on disk, so a crop reads few pages."""
    nz, ny, nx = shape
    return (max(1, min(nz, _CHUNK_BYTES // max(1, ny * nx * itemsize))), ny, nx)


class _OnDemand:
    """Array-like view that reads only what is indexed.

    dask's ``from_array`` copies any argument that has a ``copy`` method (a whole memmap
    read into memory: 3.4 s for 2 GiB); this wrapper has none, so nothing is read up front.
    """

    def __init__(self, array):
        self._array = array
        self.shape, self.dtype, self.ndim = tuple(array.shape), np.dtype(array.dtype), len(array.shape)

    def __getitem__(self, key):
        return np.asarray(self._array[key])


def as_dask(array, *, name: str, chunks=None):
    """Wrap an array-like (memmap, HDF5 dataset) in a dask array of z-slabs, reading nothing yet."""
    import dask.array as da

    chunks = chunks or slab_chunks(array.shape, np.dtype(array.dtype).itemsize)
    token = hashlib.sha1(name.encode()).hexdigest()[:16]
    return da.from_array(_OnDemand(array), chunks=chunks, name=f"dca-{token}", asarray=True, lock=False,
                         meta=np.empty((0, 0, 0), dtype=array.dtype))


def _token(path: str, *parts) -> str:
    st = os.stat(path)
    return "|".join(map(str, (os.path.abspath(path), st.st_size, st.st_mtime_ns) + parts))


def open_binary(path: str, *, shape, dtype, offset: int = 0, lazy: bool | None = None,
                what: str = "RAW file", store_dtype=None):
    """Open uncompressed voxels at ``offset`` bytes into ``path``.

    Checks the file size first, so a truncated file fails with expected and actual byte
    counts instead of a reshape error. ``dtype`` may carry a byte order ('>u2'); the result
    is always native. ``store_dtype``: the dtype to return (bool stored as uint8, say).
    """
    dtype = np.dtype(dtype)
    shape = tuple(int(s) for s in shape)
    count = int(np.prod(shape))
    expected = offset + count * dtype.itemsize
    actual = os.path.getsize(path)
    if actual < expected:
        raise FormatError(
            f"{what} {os.path.basename(path)!r} is truncated: {shape} voxels of {dtype.name} "
            f"({dtype.itemsize} bytes) after a {offset}-byte header need {expected:,} bytes, "
            f"the file has {actual:,}. Check shape, dtype and header offset, or re-copy the file.")
    native = dtype.newbyteorder("=")
    out_dtype = np.dtype(store_dtype) if store_dtype is not None else native
    if decide_lazy(lazy, count * dtype.itemsize):
        mm = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
        array = as_dask(mm, name=_token(path, offset, dtype.str, shape))
        return array.astype(out_dtype) if out_dtype != dtype else array
    with open(path, "rb") as fh:
        fh.seek(offset)
        array = np.fromfile(fh, dtype=dtype, count=count).reshape(shape)
    return array.astype(out_dtype, copy=False) if out_dtype != dtype else array


def iter_slabs(data, *, chunk_bytes: int = _CHUNK_BYTES):
    """Yield the volume as in-memory z-slabs, computing a lazy array one slab at a time."""
    from ._atomic import Interrupt

    nz, ny, nx = data.shape
    step = max(1, chunk_bytes // max(1, ny * nx * data.dtype.itemsize))
    for start in range(0, nz, step):
        if Interrupt.signal is not None:  # a library swallowed the interrupt: stop at the next slab
            raise KeyboardInterrupt
        slab = data[start:start + step]
        yield np.asarray(slab.compute() if hasattr(slab, "compute") else slab)


def write_binary(data, fh, *, dtype) -> None:
    """Write voxels in C order (x fastest) as ``dtype`` (with its byte order), slab by slab."""
    dtype = np.dtype(dtype)
    for slab in iter_slabs(data):
        fh.write(np.ascontiguousarray(slab, dtype=dtype).tobytes())
