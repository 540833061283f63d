"""VTK XML ImageData (``.vti``): opens in ParaView in the image frame, in metres.

Each voxel is written as a VTK cell (a box), so the image's bounds are the voxel faces and a
mesh made from the same volume overlays it exactly. VTK orders points x fastest, which is
the C order of a (z, y, x) array, so the voxels are written as they lie in memory.
"""

from __future__ import annotations

import os
import struct
import xml.etree.ElementTree as ET

import numpy as np

from .._errors import FormatError
from ._atomic import atomic_path
from ._binary import iter_slabs
from ._registry import RawVolume, register_format

_VTK_TYPES = {"i1": "Int8", "u1": "UInt8", "i2": "Int16", "u2": "UInt16", "i4": "Int32", "u4": "UInt32",
              "i8": "Int64", "u8": "UInt64", "f4": "Float32", "f8": "Float64"}
_NUMPY_TYPES = {v: k for k, v in _VTK_TYPES.items()}


def write_vti(volume, path: str, *, name: str = "values") -> list[str]:
    """Write the voxels as cell data named ``name`` (booleans as UInt8), plus the mask if set."""
    nz, ny, nx = volume.shape
    dz, dy, dx = volume.voxel_size
    corner = [o - h / 2 for o, h in zip(volume.origin, volume.voxel_size)][::-1]
    arrays = [(name, volume.data)]
    if volume.mask is not None:
        arrays.append(("mask", volume.mask))
    headers, offset = [], 0
    for array_name, data in arrays:
        dtype = np.dtype(np.uint8 if data.dtype == bool else data.dtype).newbyteorder("<")
        headers.append(f'<DataArray type="{_VTK_TYPES[dtype.str[1:]]}" Name="{array_name}" format="appended" '
                       f'offset="{offset}"/>')
        offset += 8 + volume.size * dtype.itemsize
    xml = (
        '<?xml version="1.0"?>\n'
        '<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">\n'
        f'  <ImageData WholeExtent="0 {nx} 0 {ny} 0 {nz}" Origin="{" ".join(map(repr, corner))}" '
        f'Spacing="{dx!r} {dy!r} {dz!r}" Direction="1 0 0 0 1 0 0 0 1">\n'
        f'    <Piece Extent="0 {nx} 0 {ny} 0 {nz}">\n'
        f'      <CellData Scalars="{name}">\n        ' + "\n        ".join(headers) + "\n"
        "      </CellData>\n    </Piece>\n  </ImageData>\n"
        '  <AppendedData encoding="raw">\n   _'
    )
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(xml.encode())
        for _, data in arrays:
            dtype = np.dtype(np.uint8 if data.dtype == bool else data.dtype).newbyteorder("<")
            fh.write(struct.pack("<Q", volume.size * dtype.itemsize))
            for slab in iter_slabs(data):
                fh.write(np.ascontiguousarray(slab, dtype=dtype).tobytes())
        fh.write(b"\n  </AppendedData>\n</VTKFile>\n")
    return [path]


def read_vti(path: str, *, array: str | None = None, lazy=None) -> RawVolume:
    """Read a ``.vti`` written with raw appended data (as dca and ParaView write by default)."""
    name = os.path.basename(path)
    with open(path, "rb") as fh:
        content = fh.read()
    start = content.find(b"<AppendedData")
    if start < 0:
        raise FormatError(f"{name!r} has no raw appended data; re-save it from ParaView with "
                          "'Data Mode: Appended' and no compression, or convert it with pyvista")
    try:  # the XML before <AppendedData> is complete but for the closing </VTKFile>
        root = ET.fromstring(content[:start].decode("latin-1") + "</VTKFile>")
    except ET.ParseError as err:
        raise FormatError(f"{name!r}: unreadable VTK XML header ({err})") from err
    if root.get("compressor"):
        raise FormatError(f"{name!r} is compressed; dca reads uncompressed .vti files")
    header64 = root.get("header_type", "UInt32") == "UInt64"
    image = root.find("ImageData")
    x0, x1, y0, y1, z0, z1 = (int(v) for v in image.get("WholeExtent").split())
    origin_xyz = [float(v) for v in image.get("Origin").split()]
    spacing_xyz = [float(v) for v in image.get("Spacing").split()]
    cell = image.find("Piece/CellData")
    arrays = {a.get("Name"): a for a in (cell if cell is not None else [])}
    if cell is not None and arrays:
        shape = (z1 - z0, y1 - y0, x1 - x0)
        origin = tuple(o + h / 2 for o, h in zip(origin_xyz, spacing_xyz))[::-1]
    else:
        arrays = {a.get("Name"): a for a in image.find("Piece/PointData")}
        shape = (z1 - z0 + 1, y1 - y0 + 1, x1 - x0 + 1)
        origin = tuple(origin_xyz[::-1])
    key = array or next(iter(arrays))
    if key not in arrays:
        raise FormatError(f"{name!r} has no array {key!r}; it has {list(arrays)}")
    data_start = content.index(b"_", start) + 1

    def load(element):
        offset = data_start + int(element.get("offset"))
        dtype = np.dtype("<" + _NUMPY_TYPES[element.get("type")])
        count = int(np.prod(shape))
        skip = 8 if header64 else 4
        block = content[offset + skip: offset + skip + count * dtype.itemsize]
        if len(block) != count * dtype.itemsize:
            raise FormatError(f"{name!r} is truncated: array {element.get('Name')!r} needs "
                              f"{count * dtype.itemsize:,} bytes, found {len(block):,}")
        return np.frombuffer(block, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))

    data = load(arrays[key])
    mask = load(arrays["mask"]).astype(bool) if "mask" in arrays and key != "mask" else None
    return RawVolume(data=data, voxel_size=tuple(spacing_xyz[::-1]), origin=origin, mask=mask, files=(path,))


register_format("vti", extensions=(".vti",), reader=read_vti, writer=write_vti,
                description="VTK ImageData for ParaView (voxels as cells, metres)")
