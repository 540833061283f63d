"""Avizo / Amira ``.am`` uniform lattices (AmiraMesh 2.x: binary, ASCII, HxByteRLE, HxZip).

The header's ``BoundingBox xmin xmax ymin ymax zmin zmax`` spans the first to the last voxel
centre, so the spacing is (max - min) / (n - 1). Its unit is ``Parameters { Units {
Coordinates "µm" } }``; files without it need ``length_unit=`` from the caller.
"""

from __future__ import annotations

import os
import re
import zlib
from decimal import Decimal

import numpy as np

from .._errors import FormatError, InputError
from .._units import from_unit, unit_factor
from ._binary import open_binary
from ._registry import RawVolume, register_format

_TYPES = {"byte": "u1", "ubyte": "u1", "sbyte": "i1", "signed char": "i1", "short": "i2",
          "ushort": "u2", "unsigned short": "u2", "int": "i4", "uint": "u4", "float": "f4", "double": "f8",
          "long": "i4", "int64": "i8"}
_MAX_HEADER = 1 << 20


def _decode_rle(raw: bytes, count: int) -> np.ndarray:
    """HxByteRLE: a count byte c; c < 128 repeats the next byte c times, c >= 128 copies c - 128 bytes."""
    out = bytearray()
    i, n = 0, len(raw)
    while i < n and len(out) < count:
        c = raw[i]
        if c & 0x80:
            length = c & 0x7F
            out += raw[i + 1:i + 1 + length]
            i += 1 + length
        else:
            out += raw[i + 1:i + 2] * c
            i += 2
    return np.frombuffer(bytes(out), dtype=np.uint8)


def read_avizo(path: str, *, field: str | None = None, length_unit: str | None = None, lazy=None) -> RawVolume:
    """Read one Lattice field of an ``.am`` file (default: the only, or the first, one)."""
    name = os.path.basename(path)
    with open(path, "rb") as fh:
        head = fh.read(_MAX_HEADER)
    first = head.split(b"\n", 1)[0].decode("latin-1")
    if not re.match(r"#\s*(AmiraMesh|Avizo|HyperSurface)", first):
        raise FormatError(f"{name!r} does not start with '# AmiraMesh' or '# Avizo'; not an Avizo .am file")
    ascii_data = "ASCII" in first
    big = not ascii_data and "LITTLE-ENDIAN" not in first
    marker = re.search(rb"\n@1\s*\n", head)
    raw_header = head[: marker.start() if marker else len(head)]
    try:  # Avizo writes UTF-8 ("µm"); older Amira files are Latin-1
        header = raw_header.decode("utf-8")
    except UnicodeDecodeError:
        header = raw_header.decode("latin-1")
    lattice = re.search(r"define\s+Lattice\s+(\d+)\s+(\d+)\s+(\d+)", header)
    if not lattice:
        raise FormatError(f"{name!r} has no 'define Lattice nx ny nz' line; only uniform lattices are read")
    nx, ny, nz = (int(v) for v in lattice.groups())
    shape = (nz, ny, nx)
    fields = re.findall(r"Lattice\s*\{\s*([\w ]+?)\s+(\w+)\s*\}\s*=?\s*@(\d+)(?:\((\w+),(\d+)\))?", header)
    if not fields:
        raise FormatError(f"{name!r} declares no 'Lattice {{ type Name }} @N' data field")
    if field is not None:
        fields = [f for f in fields if f[1] == field]
        if not fields:
            raise FormatError(f"{name!r} has no Lattice field {field!r}")
    type_name, _, index, codec, packed = fields[0]
    if type_name.strip() not in _TYPES:
        raise FormatError(f"{name!r}: lattice type {type_name!r} is not supported ({', '.join(_TYPES)})")
    dtype = np.dtype((">" if big else "<") + _TYPES[type_name.strip()])
    section = re.search(rb"\n@" + index.encode() + rb"\s*\n", head)
    if not section:
        raise FormatError(f"{name!r}: the data section @{index} was not found in the first MiB of the file")
    offset = section.end()
    count = nx * ny * nz
    if codec:
        with open(path, "rb") as fh:
            fh.seek(offset)
            raw = fh.read(int(packed))
        if len(raw) < int(packed):
            raise FormatError(f"{name!r} is truncated: {codec} section @{index} needs {int(packed):,} bytes")
        if codec == "HxByteRLE":
            flat = _decode_rle(raw, count * dtype.itemsize)
        elif codec == "HxZip":
            flat = np.frombuffer(zlib.decompress(raw), dtype=np.uint8)
        else:
            raise FormatError(f"{name!r} uses compression {codec!r}; supported: HxByteRLE, HxZip")
        if flat.size < count * dtype.itemsize:
            raise FormatError(f"{name!r}: {codec} data decode to {flat.size:,} bytes, expected {count * dtype.itemsize:,}")
        data = flat[: count * dtype.itemsize].view(dtype).reshape(shape).astype(dtype.newbyteorder("="))
    elif ascii_data:
        with open(path, "rb") as fh:
            fh.seek(offset)
            values = fh.read().split(b"@")[0].split()
        if len(values) < count:
            raise FormatError(f"{name!r} is truncated: {len(values)} ASCII values, expected {count}")
        data = np.array(values[:count], dtype=dtype.newbyteorder("=")).reshape(shape)
    else:
        data = open_binary(path, shape=shape, dtype=dtype, offset=offset, lazy=lazy, what="Avizo data")

    voxel = origin = None
    why = ""
    box = re.search(r"BoundingBox\s+([-\d.eE+\s]+?),?\s*\n", header)
    unit_match = re.search(r"Coordinates\s+\"([^\"]*)\"", header)
    unit = length_unit or (unit_match.group(1) if unit_match else None)
    if box:
        values = box.group(1).split()
        if unit is None:
            why = (f"{name!r} gives a BoundingBox but no length unit (Parameters {{ Units {{ Coordinates }} }}); "
                   "pass length_unit='um' (or 'mm', 'm') to read its spacing")
        else:
            try:
                unit_factor(unit)
            except InputError as err:
                raise FormatError(f"{name!r}: unknown coordinate unit {unit!r}; pass length_unit=...") from err
            # decimal arithmetic: a box written from a 2.5 um spacing gives back exactly 2.5 um
            lo = [Decimal(values[2 * a]) for a in (2, 1, 0)]
            hi = [Decimal(values[2 * a + 1]) for a in (2, 1, 0)]
            if all(n > 1 for n in shape):
                voxel = tuple(from_unit(str((h - l) / (n - 1)), unit) for l, h, n in zip(lo, hi, shape))
                origin = tuple(from_unit(str(l), unit) for l in lo)
            else:
                why = f"{name!r} has a single slice along one axis, so its BoundingBox gives no spacing there"
    else:
        why = f"{name!r} has no BoundingBox parameter"
    return RawVolume(data=data, voxel_size=voxel, origin=origin, files=(path,), missing_voxel_size=why)


register_format("avizo", extensions=(".am",), reader=read_avizo,
                description="Avizo/Amira uniform lattice (binary, ASCII, HxByteRLE, HxZip)")
