"""Writers of Avizo/AmiraMesh ``.am`` lattices for the reader's tests (binary, ASCII, RLE, zip)."""

from __future__ import annotations

import zlib

import numpy as np

_TYPE = {"u1": "byte", "i2": "short", "u2": "ushort", "i4": "int", "f4": "float", "f8": "double"}


def encode_rle(raw: bytes) -> bytes:
    """HxByteRLE: runs of equal bytes as (count, byte), other bytes as (0x80 | n, n bytes)."""
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        run = 1
        while i + run < n and run < 127 and raw[i + run] == raw[i]:
            run += 1
        if run > 2:
            out += bytes([run, raw[i]])
            i += run
        else:
            j = i
            while j < n and j - i < 127 and not (j + 2 < n and raw[j] == raw[j + 1] == raw[j + 2]):
                j += 1
            out += bytes([0x80 | (j - i)]) + raw[i:j]
            i = j
    return bytes(out)


def write_am(path, data, *, spacing=(1.0, 1.0, 1.0), origin=(0.0, 0.0, 0.0), unit: str | None = "µm",
             encoding: str = "binary-le", name: str = "Data") -> None:
    """``spacing``/``origin`` are (z, y, x) in ``unit``; the BoundingBox spans voxel centres."""
    data = np.asarray(data)
    nz, ny, nx = data.shape
    code = data.dtype.str[1:]
    (z0, y0, x0), (dz, dy, dx) = origin, spacing
    box = f"{x0!r} {x0 + (nx - 1) * dx!r} {y0!r} {y0 + (ny - 1) * dy!r} {z0!r} {z0 + (nz - 1) * dz!r}"
    first = {"binary-le": "# Avizo BINARY-LITTLE-ENDIAN 2.1", "binary-be": "# AmiraMesh BINARY 2.1",
             "ascii": "# AmiraMesh 3D ASCII 2.0", "rle": "# Avizo BINARY-LITTLE-ENDIAN 2.1",
             "zip": "# Avizo BINARY-LITTLE-ENDIAN 2.1"}[encoding]
    if encoding == "binary-be":
        payload = data.astype(data.dtype.newbyteorder(">")).tobytes()
    elif encoding == "ascii":
        payload = "\n".join(" ".join(map(str, row)) for row in data.reshape(-1, nx)).encode()
    else:
        payload = data.astype(data.dtype.newbyteorder("<")).tobytes()
    codec = ""
    if encoding == "rle":
        payload = encode_rle(payload)
        codec = f"(HxByteRLE,{len(payload)})"
    elif encoding == "zip":
        payload = zlib.compress(payload)
        codec = f"(HxZip,{len(payload)})"
    units = f"    Units {{\n        Coordinates \"{unit}\"\n    }}\n" if unit else ""
    header = (f"{first}\n\n\ndefine Lattice {nx} {ny} {nz}\n\nParameters {{\n{units}"
              f"    Content \"{nx}x{ny}x{nz} {_TYPE[code]}, uniform coordinates\",\n"
              f"    BoundingBox {box},\n    CoordType \"uniform\"\n}}\n\n"
              f"Lattice {{ {_TYPE[code]} {name} }} @1{codec}\n\n# Data section follows\n@1\n")
    with open(path, "wb") as fh:
        fh.write(header.encode("utf-8") + payload + b"\n")
