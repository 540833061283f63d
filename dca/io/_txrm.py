"""Zeiss Xradia reconstructions (``.txm``) and projection stacks (``.txrm``).

Both are OLE2 compound files. The layout used here is the one every open reader follows
(dxchange, txrm2tiff, XradiaPy): ``ImageInfo/ImageWidth``, ``ImageHeight``, ``ImagesTaken``
(or ``NoOfImages``) and ``DataType`` as little-endian uint32 (5 = uint16, 10 = float32),
``ImageInfo/PixelSize`` as float32 in micrometres, and image ``i`` (1-based) in the stream
``ImageData{(i - 1) // 100 + 1}/Image{i}``, height x width, row-major.
"""

from __future__ import annotations

import os

import numpy as np

from .._errors import FormatError
from .._units import from_unit
from ._registry import RawVolume, decide_lazy, register_format

_DATA_TYPES = {5: np.dtype("<u2"), 10: np.dtype("<f4")}


def _stream_name(i: int) -> str:
    return f"ImageData{(i - 1) // 100 + 1}/Image{i}"


def _scalar(ole, name: str, dtype: str):
    if not ole.exists(name):
        return None
    raw = ole.openstream(name).read()
    if len(raw) < np.dtype(dtype).itemsize:
        raise FormatError(f"the stream {name} is too short ({len(raw)} bytes)")
    return np.frombuffer(raw, dtype=dtype, count=1)[0]


def _read_image(path: str, index: int, shape, dtype) -> np.ndarray:
    import olefile

    with olefile.OleFileIO(path) as ole:
        return _image(ole, index, shape, dtype, os.path.basename(path))


def _image(ole, index: int, shape, dtype, name: str) -> np.ndarray:
    stream = _stream_name(index)
    if not ole.exists(stream):
        raise FormatError(f"{name!r} is truncated: image {index} ({stream}) is missing")
    raw = ole.openstream(stream).read()
    need = int(np.prod(shape)) * dtype.itemsize
    if len(raw) < need:
        raise FormatError(f"{name!r}: {stream} holds {len(raw):,} bytes, expected {need:,} "
                          f"({shape[0]} x {shape[1]} {dtype.name})")
    return np.frombuffer(raw[:need], dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def read_txrm(path: str, *, lazy=None) -> RawVolume:
    """Read the image stack of a Zeiss ``.txm``/``.txrm`` file; spacing from ImageInfo/PixelSize."""
    import olefile

    name = os.path.basename(path)
    if not olefile.isOleFile(path):
        raise FormatError(f"{name!r} is not an OLE2 compound file, so not a Zeiss TXM/TXRM file")
    with olefile.OleFileIO(path) as ole:
        width = _scalar(ole, "ImageInfo/ImageWidth", "<u4")
        height = _scalar(ole, "ImageInfo/ImageHeight", "<u4")
        count = _scalar(ole, "ImageInfo/ImagesTaken", "<u4")
        if count is None or count == 0:
            count = _scalar(ole, "ImageInfo/NoOfImages", "<u4")
        if width is None or height is None or not count:
            raise FormatError(f"{name!r} lacks ImageInfo/ImageWidth, ImageHeight or ImagesTaken; "
                              "the metadata are unreadable")
        shape = (int(height), int(width))
        code = _scalar(ole, "ImageInfo/DataType", "<u4")
        if code is None:  # older files: infer from the size of the first image
            size = ole.get_size(_stream_name(1)) if ole.exists(_stream_name(1)) else 0
            code = 10 if size == 4 * shape[0] * shape[1] else 5
        if int(code) not in _DATA_TYPES:
            raise FormatError(f"{name!r} has ImageInfo/DataType {int(code)}; known: 5 (uint16), 10 (float32)")
        dtype = _DATA_TYPES[int(code)]
        pixel = _scalar(ole, "ImageInfo/PixelSize", "<f4")
        full = (int(count),) + shape
        lazy = decide_lazy(lazy, int(np.prod(full)) * dtype.itemsize)
        if not lazy:
            data = np.empty(full, dtype=dtype.newbyteorder("="))
            for i in range(full[0]):
                data[i] = _image(ole, i + 1, shape, dtype, name)
        else:
            for i in (1, full[0]):  # fail now, not at compute time, on a truncated file
                if not ole.exists(_stream_name(i)):
                    raise FormatError(f"{name!r} is truncated: image {i} ({_stream_name(i)}) is missing")
    if lazy:
        import dask
        import dask.array as da

        read = dask.delayed(_read_image, pure=True)
        data = da.stack([da.from_delayed(read(path, i + 1, shape, dtype), shape=shape, dtype=data_dtype)
                         for i, data_dtype in ((i, dtype.newbyteorder("=")) for i in range(full[0]))])
    voxel = None
    if pixel is not None and np.isfinite(pixel) and pixel > 0:
        # float32 micrometres: its shortest decimal form is what the instrument software shows
        voxel = (from_unit(np.format_float_positional(pixel, unique=True), "um"),) * 3
    return RawVolume(data=data, voxel_size=voxel, files=(path,),
                     attrs={"zeiss_pixel_size_um": float(pixel) if pixel is not None else None},
                     missing_voxel_size=f"{name!r} has no usable ImageInfo/PixelSize")


register_format("txrm", extensions=(".txm", ".txrm"), reader=read_txrm,
                description="Zeiss Xradia TXM/TXRM (OLE2): image stack and pixel size")
