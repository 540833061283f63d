"""TIFF: a multi-page file or a folder (or glob pattern) of single-slice files.

Spacing comes from OME-XML (PhysicalSizeX/Y/Z with their units) or from ImageJ metadata
(XResolution/YResolution and 'spacing' in 'unit'). Plain TIFF resolution tags are ignored:
scanners and image editors fill them with 72 dpi, which would be a silently wrong voxel size.
Written files are OME-TIFF with the spacing in micrometres (exact decimal conversion).
"""

from __future__ import annotations

import glob
import logging
import os
import struct
import uuid
import xml.etree.ElementTree as ET

import numpy as np

from .._errors import FormatError, InputError
from .._units import from_unit, to_unit
from ..util import natural_key
from ._atomic import atomic_path
from ._binary import as_dask, iter_slabs
from ._registry import RawVolume, decide_lazy, register_format

_IMAGEJ_UNITS = {"micron": "um", "microns": "um", "um": "um", "µm": "um", "\\u00b5m": "um", "μm": "um",
                 "mm": "mm", "nm": "nm", "cm": "cm", "m": "m", "meter": "m", "micrometer": "um"}
_TIFF_EXTENSIONS = (".tif", ".tiff")


def _ome_spacing(xml: str) -> list[float | None]:
    root = ET.fromstring(xml)
    pixels = next((el for el in root.iter() if el.tag.endswith("Pixels")), None)
    if pixels is None:
        return [None, None, None]
    out = []
    for axis in "ZYX":
        value = pixels.get(f"PhysicalSize{axis}")
        unit = pixels.get(f"PhysicalSize{axis}Unit", "µm")
        try:
            out.append(from_unit(value, unit) if value is not None else None)
        except InputError:
            out.append(None)
    return out


def _imagej_spacing(tif) -> list[float | None]:
    meta = tif.imagej_metadata or {}
    unit = _IMAGEJ_UNITS.get(str(meta.get("unit", "")).strip().lower())
    if unit is None:
        return [None, None, None]
    page = tif.pages[0]
    out: list[float | None] = []
    z = meta.get("spacing")
    out.append(from_unit(repr(float(z)), unit) if z else None)
    for tag in ("YResolution", "XResolution"):
        value = page.tags[tag].value if tag in page.tags else None
        if value and value[0]:
            # pixels per unit as a rational num/den: the pixel size is den/num units
            out.append(from_unit(repr(value[1] / value[0]), unit))
        else:
            out.append(None)
    return out


def _spacing(tif) -> list[float | None]:
    if tif.is_ome and tif.ome_metadata:
        return _ome_spacing(tif.ome_metadata)
    if tif.is_imagej:
        return _imagej_spacing(tif)
    return [None, None, None]


def _missing(spacing, what: str) -> tuple[tuple[float, float, float] | None, str]:
    if all(s is not None for s in spacing):
        return tuple(spacing), ""  # type: ignore[return-value]
    if spacing[1] is not None and spacing[2] is not None:
        return None, (f"{what} gives the pixel size (dy, dx) = ({spacing[1]:g}, {spacing[2]:g}) m "
                      "but no slice spacing dz")
    return None, f"{what} has no OME or ImageJ spacing metadata"


def _series_files(path: str) -> list[str]:
    if os.path.isdir(path):
        files = [os.path.join(path, f) for f in os.listdir(path) if f.lower().endswith(_TIFF_EXTENSIONS)]
    else:
        files = glob.glob(path)
    files = sorted((f for f in files if not os.path.basename(f).startswith(".")), key=natural_key)
    if not files:
        raise FormatError(f"no TIFF slices (*.tif, *.tiff) found in {path!r}")
    return files


def _read_series(path: str, lazy) -> RawVolume:
    import tifffile

    files = _series_files(path)
    shapes = {}
    with tifffile.TiffFile(files[0]) as tif:
        spacing = _spacing(tif)
        page = tif.pages[0]
        shape, dtype = page.shape, page.dtype
    if len(shape) != 2:
        raise FormatError(f"slice {os.path.basename(files[0])!r} is not a 2-D grey-level image (shape {shape})")
    for f in files[1:]:
        with tifffile.TiffFile(f) as tif:
            page = tif.pages[0]
            if page.shape != shape or page.dtype != dtype:
                shapes[f] = (page.shape, page.dtype)
                break
    if shapes:
        (bad, (bad_shape, bad_dtype)), = shapes.items()
        raise FormatError(f"inconsistent slices: {os.path.basename(files[0])!r} is {shape} {dtype} but "
                          f"{os.path.basename(bad)!r} is {bad_shape} {bad_dtype}; all slices must match")
    full = (len(files),) + tuple(shape)
    if decide_lazy(lazy, int(np.prod(full)) * dtype.itemsize):
        import dask
        import dask.array as da

        read = dask.delayed(tifffile.imread, pure=True)
        data = da.stack([da.from_delayed(read(f), shape=shape, dtype=dtype) for f in files])
    else:
        data = np.empty(full, dtype=dtype)
        for i, f in enumerate(files):
            data[i] = tifffile.imread(f)
    voxel, why = _missing(spacing, f"the first slice {os.path.basename(files[0])!r}")
    return RawVolume(data=data, voxel_size=voxel, files=tuple(files), missing_voxel_size=why)


def _read_file(path: str, lazy) -> RawVolume:
    import tifffile

    name = os.path.basename(path)
    # a corrupt file makes tifffile log a warning per bad tag before it fails: the one-line
    # FormatError below says it all
    quiet, level = logging.getLogger("tifffile"), logging.getLogger("tifffile").level
    quiet.setLevel(logging.CRITICAL)
    try:
        with tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            spacing = _spacing(tif)
            shape = tuple(n for n, a in zip(series.shape, series.axes) if n > 1 or a in "YX")
            if len(shape) not in (2, 3) or not all(shape):
                raise FormatError(f"{name!r} holds {series.axes or 'no'} image data of shape {series.shape}; dca "
                                  "reads one grey-level 3-D stack (z, y, x) per file")
            nbytes = int(np.prod(shape)) * series.dtype.itemsize
            lazy = decide_lazy(lazy, nbytes)
            if not lazy:
                data = series.asarray().reshape(shape)
    except FormatError:
        raise
    except (tifffile.TiffFileError, ValueError, IndexError, KeyError, TypeError, struct.error, EOFError) as err:
        raise FormatError(f"{name!r} is not a readable TIFF file: it is corrupt or truncated "
                          f"({type(err).__name__}: {err})") from err
    finally:
        quiet.setLevel(level)
    if lazy:
        data = _lazy_file(path, shape, series.dtype)
    if data.ndim == 2:
        data = data[None]
    voxel, why = _missing(spacing, name)
    return RawVolume(data=data, voxel_size=voxel, files=(path,), missing_voxel_size=why)


def _read_pages(path: str, start: int, stop: int, plane) -> np.ndarray:
    import tifffile

    return tifffile.imread(path, key=range(start, stop)).reshape((stop - start,) + tuple(plane))


def _lazy_file(path: str, shape, dtype):
    """Memory-map an uncompressed contiguous stack; fall back to tifffile's chunked Zarr view."""
    import tifffile

    try:
        mapped = tifffile.memmap(path, mode="r")
    except ValueError:  # compressed, bilevel or scattered strips: read ~64 MiB of pages per task
        import dask
        import dask.array as da

        nz, ny, nx = shape
        per_task = max(1, (64 << 20) // max(1, ny * nx * dtype.itemsize))
        read = dask.delayed(_read_pages, pure=True)
        return da.concatenate([
            da.from_delayed(read(path, start, min(nz, start + per_task), (ny, nx)),
                            shape=(min(nz, start + per_task) - start, ny, nx), dtype=dtype)
            for start in range(0, nz, per_task)])
    st = os.stat(path)
    return as_dask(mapped.reshape(shape), name=f"tiff|{os.path.abspath(path)}|{st.st_size}|{st.st_mtime_ns}")


def read_tiff(path: str, *, lazy=None) -> RawVolume:
    """Read a multi-page TIFF, a folder of TIFF slices (natural order) or a glob pattern."""
    if os.path.isdir(path) or any(ch in path for ch in "*?["):
        return _read_series(path, lazy)
    return _read_file(path, lazy)


def write_tiff(volume, path: str, *, compression: str | None = None) -> list[str]:
    """Write a multi-page OME-TIFF (BigTIFF above 4 GB) with the spacing in micrometres."""
    import tifffile

    dz, dy, dx = (to_unit(h, "um") for h in volume.voxel_size)
    # tifffile would stamp a random UUID; derive it from the volume so equal inputs give equal bytes
    identity = repr((os.path.basename(path), volume.shape, str(volume.dtype), volume.voxel_size, volume.origin,
                     volume.provenance))
    metadata = {"UUID": str(uuid.uuid5(uuid.NAMESPACE_URL, identity)), "axes": "ZYX", "PhysicalSizeX": dx, "PhysicalSizeXUnit": "µm", "PhysicalSizeY": dy,
                "PhysicalSizeYUnit": "µm", "PhysicalSizeZ": dz, "PhysicalSizeZUnit": "µm"}
    pages = (plane for slab in iter_slabs(volume.data) for plane in slab)
    with atomic_path(path) as tmp:
        # minisblack: a volume whose x axis is 3 or 4 voxels long is a stack of grey slices, not RGB(A)
        tifffile.imwrite(tmp, pages, shape=volume.shape, dtype=volume.dtype, ome=True, metadata=metadata,
                         photometric="minisblack",
                         bigtiff=volume.nbytes > (1 << 32) - (1 << 25), compression=compression)
    return [path]


def is_tiff_folder(path: str) -> bool:
    return any(f.lower().endswith(_TIFF_EXTENSIONS) for f in os.listdir(path))


register_format("tiff", extensions=(".tif", ".tiff", ".ome.tif", ".ome.tiff"), reader=read_tiff,
                writer=write_tiff, matches_dir=is_tiff_folder,
                description="TIFF stack, folder of TIFF slices or glob; OME/ImageJ spacing")
