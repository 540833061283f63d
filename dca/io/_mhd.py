"""MetaImage: ``.mhd`` header with a separate ``.raw`` file, or ``.mha`` with both in one.

The format stores spacing but not its unit; by the ITK convention it is millimetres.
Pass ``length_unit="um"`` (or "m", "nm") for files written otherwise.
"""

from __future__ import annotations

import os
import zlib

import numpy as np

from .._errors import FormatError
from .._units import from_unit, to_unit
from ._atomic import atomic_path, atomic_paths
from ._binary import open_binary, write_binary
from ._registry import RawVolume, register_format

_MET_TYPES = {
    "MET_UCHAR": "u1", "MET_CHAR": "i1", "MET_USHORT": "u2", "MET_SHORT": "i2",
    "MET_UINT": "u4", "MET_INT": "i4", "MET_ULONG_LONG": "u8", "MET_LONG_LONG": "i8",
    "MET_FLOAT": "f4", "MET_DOUBLE": "f8",
}
_TYPE_NAMES = {np.dtype(v).str[1:]: k for k, v in _MET_TYPES.items()}


def _parse_header(path: str) -> tuple[dict[str, str], int]:
    """Key = value lines up to ElementDataFile; returns the fields and the header length in bytes."""
    fields: dict[str, str] = {}
    with open(path, "rb") as fh:
        while True:
            line = fh.readline()
            if not line:
                break
            text = line.decode("latin-1").strip()
            if not text:
                continue
            if "=" not in text:
                raise FormatError(f"MetaImage header of {os.path.basename(path)!r} has a line without "
                                  f"'key = value': {text[:60]!r}")
            key, value = (s.strip() for s in text.split("=", 1))
            fields[key] = value
            if key == "ElementDataFile":
                break
        return fields, fh.tell()


def _numbers(fields, key, n, path, cast=float):
    try:
        values = [cast(v) for v in fields[key].split()]
    except (KeyError, ValueError) as err:
        raise FormatError(f"MetaImage header of {os.path.basename(path)!r}: cannot read {key}") from err
    if len(values) != n:
        raise FormatError(f"MetaImage header of {os.path.basename(path)!r}: {key} has {len(values)} values, expected {n}")
    return values


def read_mhd(path: str, *, length_unit: str = "mm", lazy=None) -> RawVolume:
    fields, header_bytes = _parse_header(path)
    name = os.path.basename(path)
    ndims = int(fields.get("NDims", "0"))
    if ndims not in (2, 3):
        raise FormatError(f"{name!r} has NDims = {ndims}; dca reads 3-D volumes (NDims = 3)")
    if int(fields.get("ElementNumberOfChannels", "1")) != 1:
        raise FormatError(f"{name!r} has several channels per voxel; dca reads one value per voxel")
    sizes = _numbers(fields, "DimSize", ndims, path, int)[::-1]
    shape = tuple([1] * (3 - ndims) + sizes)
    met = fields.get("ElementType")
    if met not in _MET_TYPES:
        raise FormatError(f"{name!r} has ElementType {met!r}; supported: {', '.join(_MET_TYPES)}")
    msb = fields.get("ElementByteOrderMSB", fields.get("BinaryDataByteOrderMSB", "False")).lower() == "true"
    dtype = np.dtype(("<", ">")[msb] + _MET_TYPES[met])
    voxel = None
    spacing_key = "ElementSpacing" if "ElementSpacing" in fields else "ElementSize" if "ElementSize" in fields else None
    if spacing_key:
        spacing = fields[spacing_key].split()[::-1]
        voxel = tuple([from_unit(spacing[0], length_unit)] * (3 - ndims) + [from_unit(s, length_unit) for s in spacing])
    origin = None
    for key in ("Offset", "Origin", "Position"):
        if key in fields:
            values = fields[key].split()[::-1]
            origin = tuple([0.0] * (3 - ndims) + [from_unit(v, length_unit) for v in values])
            break
    datafile = fields.get("ElementDataFile")
    if datafile is None:
        raise FormatError(f"{name!r} has no ElementDataFile line; the header is incomplete")
    if datafile.upper() == "LOCAL":
        data_path, offset = path, header_bytes
    elif datafile.upper().startswith("LIST") or "%" in datafile:
        raise FormatError(f"{name!r} spreads its voxels over several files ({datafile}); convert it to one file first")
    else:
        data_path = os.path.join(os.path.dirname(path), datafile)
        if not os.path.exists(data_path):
            raise FormatError(f"{name!r} names the data file {datafile!r}, which is not beside it")
        offset = int(fields.get("HeaderSize", "0"))
        if offset == -1:
            offset = os.path.getsize(data_path) - int(np.prod(shape)) * dtype.itemsize
    if fields.get("CompressedData", "False").lower() == "true":
        with open(data_path, "rb") as fh:
            fh.seek(offset)
            raw = zlib.decompress(fh.read())
        expected = int(np.prod(shape)) * dtype.itemsize
        if len(raw) != expected:
            raise FormatError(f"{name!r}: compressed data hold {len(raw):,} bytes, expected {expected:,}")
        data = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))
    else:
        data = open_binary(data_path, shape=shape, dtype=dtype, offset=offset, lazy=lazy, what="MetaImage data")
    files = (path,) if data_path == path else (path, data_path)
    return RawVolume(data=data, voxel_size=voxel, origin=origin, files=files,
                     missing_voxel_size=f"{name!r} has no ElementSpacing line")


def _header(volume, *, data_file: str, length_unit: str) -> str:
    dtype = np.dtype(np.uint8 if volume.dtype == bool else volume.dtype)
    nz, ny, nx = volume.shape
    spacing = " ".join(to_unit(h, length_unit) for h in volume.voxel_size[::-1])
    offset = " ".join(to_unit(o, length_unit) if o else "0" for o in volume.origin[::-1])
    return "\n".join([
        "ObjectType = Image", "NDims = 3", "BinaryData = True", "BinaryDataByteOrderMSB = False",
        "CompressedData = False", "TransformMatrix = 1 0 0 0 1 0 0 0 1", f"Offset = {offset}",
        "CenterOfRotation = 0 0 0", "AnatomicalOrientation = RAI", f"ElementSpacing = {spacing}",
        f"DimSize = {nx} {ny} {nz}", f"ElementType = {_TYPE_NAMES[dtype.str[1:]]}",
        f"ElementDataFile = {data_file}", "",
    ])


def write_mhd(volume, path: str, *, length_unit: str = "mm") -> list[str]:
    """Write ``name.mhd`` + ``name.raw`` (or one ``.mha``); spacing in ``length_unit`` (mm by default)."""
    dtype = np.dtype(np.uint8 if volume.dtype == bool else volume.dtype).newbyteorder("<")
    if dtype.str[1:] not in _TYPE_NAMES:
        raise FormatError(f"MetaImage cannot store {volume.dtype}; convert to one of "
                          f"{', '.join(sorted(_TYPE_NAMES))}")
    if path.lower().endswith(".mha"):
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(_header(volume, data_file="LOCAL", length_unit=length_unit).encode())
            write_binary(volume.data, fh, dtype=dtype)
        return [path]
    raw_path = os.path.splitext(path)[0] + ".raw"
    with atomic_paths(path, raw_path) as (tmp_header, tmp_raw):
        with open(tmp_raw, "wb") as fh:
            write_binary(volume.data, fh, dtype=dtype)
        with open(tmp_header, "w") as fh:
            fh.write(_header(volume, data_file=os.path.basename(raw_path), length_unit=length_unit))
    return [path, raw_path]


register_format("mhd", extensions=(".mhd", ".mha"), reader=read_mhd, writer=write_mhd,
                description="MetaImage (ITK); spacing in millimetres unless length_unit= says otherwise")
