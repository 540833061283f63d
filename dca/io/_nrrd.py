"""NRRD: ``.nrrd`` (header and data in one file) and ``.nhdr`` (detached data).

Spacing comes from ``space directions`` (or ``spacings``) in the unit that ``space units``
names, millimetres when the file does not say (the Slicer/ITK convention).
"""

from __future__ import annotations

import gzip
import os
import re

import numpy as np

from .._errors import FormatError
from .._units import from_unit, to_unit
from ._atomic import atomic_path
from ._binary import open_binary, write_binary
from ._registry import RawVolume, register_format

_TYPES = {
    "u1": ("uint8", "uchar", "unsigned char", "uint8_t"),
    "i1": ("int8", "signed char", "int8_t"),
    "i2": ("int16", "short", "short int", "signed short", "signed short int", "int16_t"),
    "u2": ("uint16", "ushort", "unsigned short", "unsigned short int", "uint16_t"),
    "i4": ("int32", "int", "signed int", "int32_t"),
    "u4": ("uint32", "uint", "unsigned int", "uint32_t"),
    "i8": ("int64", "longlong", "long long", "long long int", "signed long long", "int64_t"),
    "u8": ("uint64", "ulonglong", "unsigned long long", "unsigned long long int", "uint64_t"),
    "f4": ("float",),
    "f8": ("double",),
}
_TYPE_OF = {name: code for code, names in _TYPES.items() for name in names}


def _parse(path: str) -> tuple[dict[str, str], dict[str, str], int]:
    fields: dict[str, str] = {}
    keyvalues: dict[str, str] = {}
    with open(path, "rb") as fh:
        magic = fh.readline().decode("latin-1").strip()
        if not magic.startswith("NRRD000"):
            raise FormatError(f"{os.path.basename(path)!r} does not start with the NRRD magic line (NRRD0004)")
        while True:
            line = fh.readline()
            text = line.decode("latin-1").rstrip("\r\n")
            if not line or text == "":
                break
            if text.startswith("#"):
                continue
            if ":=" in text:
                key, value = text.split(":=", 1)
                keyvalues[key.strip()] = value.strip()
            elif ": " in text:
                key, value = text.split(": ", 1)
                fields[key.strip().lower()] = value.strip()
            else:
                raise FormatError(f"NRRD header of {os.path.basename(path)!r} has an unreadable line: {text[:60]!r}")
        return fields, keyvalues, fh.tell()


def _vectors(text: str) -> list[list[str] | None]:
    """'(a,b,c) none ...' as lists of number strings (kept as text so unit scaling stays exact)."""
    out = []
    for token in re.findall(r"\([^)]*\)|none", text):
        out.append(None if token == "none" else [v.strip() for v in token.strip("()").split(",")])
    return out


def _length(vector: list[str], unit: str) -> float:
    """Length of a direction vector in metres; exact when the vector is axis-aligned."""
    nonzero = [v.lstrip("+-") for v in vector if float(v) != 0.0]
    if len(nonzero) == 1:
        return from_unit(nonzero[0], unit)
    return float(np.linalg.norm([float(v) for v in vector])) * from_unit("1", unit)


def read_nrrd(path: str, *, lazy=None) -> RawVolume:
    fields, keyvalues, header_bytes = _parse(path)
    name = os.path.basename(path)
    if int(fields.get("dimension", 0)) != 3:
        raise FormatError(f"{name!r} has dimension {fields.get('dimension')}; dca reads 3-D NRRD volumes")
    sizes = [int(s) for s in fields["sizes"].split()]
    shape = tuple(sizes[::-1])
    type_name = fields.get("type", "").lower()
    if type_name not in _TYPE_OF:
        raise FormatError(f"{name!r} has NRRD type {type_name!r}; supported: {', '.join(sorted(_TYPE_OF))}")
    order = ">" if fields.get("endian", "little") == "big" else "<"
    dtype = np.dtype(order + _TYPE_OF[type_name])
    unit_names = re.findall(r'"([^"]*)"', fields.get("space units", ""))
    unit = unit_names[0] if unit_names and unit_names[0] else "mm"
    voxel, origin = None, None
    if "space directions" in fields:
        vectors = _vectors(fields["space directions"])
        if len(vectors) == 3 and all(v is not None for v in vectors):
            voxel = tuple(_length(v, unit) for v in vectors[::-1])
    elif "spacings" in fields:
        values = fields["spacings"].split()
        if "nan" not in (v.lower() for v in values):
            voxel = tuple(from_unit(v, unit) for v in values[::-1])
    if "space origin" in fields:
        origin = tuple(from_unit(v, unit) for v in _vectors(fields["space origin"])[0][::-1])
    datafile = fields.get("data file", fields.get("datafile"))
    data_path = os.path.join(os.path.dirname(path), datafile) if datafile else path
    offset = header_bytes if data_path == path else int(fields.get("byte skip", 0))
    encoding = fields.get("encoding", "raw").lower()
    count = int(np.prod(shape))
    store = bool if keyvalues.get("dca_dtype") == "bool" else None
    if encoding == "raw":
        data = open_binary(data_path, shape=shape, dtype=dtype, offset=offset, lazy=lazy,
                           what="NRRD data", store_dtype=store)
    elif encoding in ("gzip", "gz"):
        with open(data_path, "rb") as fh:
            fh.seek(offset)
            raw = gzip.decompress(fh.read())
        if len(raw) < count * dtype.itemsize:
            raise FormatError(f"{name!r}: gzip data hold {len(raw):,} bytes, expected {count * dtype.itemsize:,}")
        data = np.frombuffer(raw[: count * dtype.itemsize], dtype=dtype).reshape(shape)
        data = data.astype(store or dtype.newbyteorder("="))
    elif encoding in ("ascii", "text", "txt"):
        with open(data_path, "rb") as fh:
            fh.seek(offset)
            data = np.array(fh.read().split(), dtype=dtype.newbyteorder("="))
        if data.size != count:
            raise FormatError(f"{name!r}: ascii data hold {data.size} values, expected {count}")
        data = data.reshape(shape).astype(store or data.dtype)
    else:
        raise FormatError(f"{name!r} uses NRRD encoding {encoding!r}; supported: raw, gzip, ascii")
    files = (path,) if data_path == path else (path, data_path)
    return RawVolume(data=data, voxel_size=voxel, origin=origin, files=files,
                     missing_voxel_size=f"{name!r} has neither 'space directions' nor 'spacings'")


def write_nrrd(volume, path: str, *, length_unit: str = "mm", compress: bool = False) -> list[str]:
    """Write a single-file NRRD (raw or gzip encoding); booleans as uint8 with a ``dca_dtype:=bool`` tag."""
    dtype = np.dtype(np.uint8 if volume.dtype == bool else volume.dtype).newbyteorder("<")
    nz, ny, nx = volume.shape
    dz, dy, dx = (to_unit(h, length_unit) for h in volume.voxel_size)
    oz, oy, ox = (to_unit(o, length_unit) if o else "0" for o in volume.origin)
    type_name = _TYPES[dtype.str[1:]][0]
    lines = [
        "NRRD0004", "# written by dca", f"type: {type_name}", "dimension: 3", "space dimension: 3",
        f"sizes: {nx} {ny} {nz}", f"space directions: ({dx},0,0) (0,{dy},0) (0,0,{dz})",
        f'space units: "{length_unit}" "{length_unit}" "{length_unit}"',
        f"space origin: ({ox},{oy},{oz})", "kinds: domain domain domain",
        "endian: little", f"encoding: {'gzip' if compress else 'raw'}",
    ]
    if volume.dtype == bool:
        lines.append("dca_dtype:=bool")
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(("\n".join(lines) + "\n\n").encode())
        if compress:
            with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
                write_binary(volume.data, gz, dtype=dtype)
        else:
            write_binary(volume.data, fh, dtype=dtype)
    return [path]


register_format("nrrd", extensions=(".nrrd", ".nhdr"), reader=read_nrrd, writer=write_nrrd,
                description="NRRD (Slicer, ITK); spacing unit from 'space units', else millimetres")
