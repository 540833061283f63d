"""Zarr stores: an OME-NGFF image (multiscales group, level 0 by default) or a plain array.

Written stores follow OME-NGFF 0.4 (zarr format 2): level "0" at full resolution and a
multiscale pyramid for viewers ("1", "2", ...: each halves every axis, by the mean of 2x2x2
blocks for grey levels and by taking every other voxel for labels, until the coarsest is at
most 256 voxels across), axes z, y, x in metres, a scale and a translation transform per
level; napari and other NGFF viewers open them. The exact voxel size, origin, mask and phases
also go in the group's ``dca`` attribute. Every level is written slab by slab, so a volume
larger than memory converts.
"""

from __future__ import annotations

import os

import numpy as np

from .._errors import FormatError
from .._units import from_unit
from ._atomic import atomic_path
from ._binary import iter_slabs
from ._registry import RawVolume, decide_lazy, register_format

_NGFF_UNITS = {"meter": "m", "millimeter": "mm", "micrometer": "um", "nanometer": "nm"}


def is_zarr_store(path: str) -> bool:
    return any(os.path.exists(os.path.join(path, marker)) for marker in (".zgroup", ".zarray", "zarr.json"))


def _zarr_major() -> int:
    import zarr

    return int(zarr.__version__.split(".")[0])


def _ngff_scale(attrs, level: int):
    """Voxel size and origin (z, y, x, metres) of one NGFF level, or (None, None)."""
    multiscales = attrs.get("multiscales") or attrs.get("ome", {}).get("multiscales")
    if not multiscales:
        return None, None, None
    image = multiscales[0]
    axes = image.get("axes", [])
    units = [_NGFF_UNITS.get(a.get("unit", ""), None) if isinstance(a, dict) else None for a in axes][-3:]
    dataset = image["datasets"][level]
    scale, translation = None, None
    for transform in dataset.get("coordinateTransformations", []):
        if transform["type"] == "scale":
            scale = transform["scale"][-3:]
        elif transform["type"] == "translation":
            translation = transform["translation"][-3:]
    if scale is None or None in units:
        return dataset["path"], None, None
    voxel = tuple(from_unit(repr(float(s)), u) for s, u in zip(scale, units))
    origin = tuple(from_unit(repr(float(t)), u) for t, u in zip(translation, units)) if translation else None
    return dataset["path"], voxel, origin


def read_zarr(path: str, *, level: int = 0, array: str | None = None, lazy=None) -> RawVolume:
    """Read a Zarr store (folder). ``level`` picks an NGFF resolution level; ``array`` a named array."""
    import dask.array as da
    import zarr

    name = os.path.basename(os.path.normpath(path))
    try:
        node = zarr.open(path, mode="r")
    except Exception as err:  # zarr raises several types for a broken store
        raise FormatError(f"{name!r} is not a readable Zarr store: {err}") from err
    voxel = origin = mask = None
    phases: dict = {}
    if hasattr(node, "shape"):
        z = node
        meta = dict(z.attrs)
    else:
        meta = dict(node.attrs)
        sub, voxel, origin = _ngff_scale(meta, level)
        key = array or sub
        if key is None:
            arrays = sorted(k for k, _ in node.arrays())
            if len(arrays) != 1:
                raise FormatError(f"{name!r} is a Zarr group with arrays {arrays} and no NGFF metadata; "
                                  "pass array=... to choose one")
            key = arrays[0]
        z = node[key]
        dca_meta = meta.get("dca", {})
        if level == 0 and "voxel_size" in dca_meta:
            voxel = tuple(dca_meta["voxel_size"])
            origin = tuple(dca_meta.get("origin", (0.0, 0.0, 0.0)))
        phases = dca_meta.get("phases", {})
        mask_key = dca_meta.get("mask")
        if level == 0 and mask_key and mask_key in node:
            mask = node[mask_key]
    if voxel is None and "voxel_size" in meta:
        voxel = tuple(float(v) for v in np.broadcast_to(meta["voxel_size"], (3,)))
    if z.ndim != 3:
        raise FormatError(f"the Zarr array in {name!r} is {z.ndim}-D; dca reads 3-D (z, y, x) arrays")
    if decide_lazy(lazy, int(np.prod(z.shape)) * z.dtype.itemsize):
        data = da.from_zarr(z)
        mask = da.from_zarr(mask) if mask is not None else None
    else:
        data = z[...]
        mask = mask[...] if mask is not None else None
    return RawVolume(data=data, voxel_size=voxel, origin=origin, mask=mask, phases=phases, files=(path,),
                     missing_voxel_size=f"{name!r} has no NGFF scale and no 'voxel_size' attribute")


def _create(group, name, shape, dtype, chunks):
    if _zarr_major() >= 3:
        return group.create_array(name, shape=shape, dtype=dtype, chunks=chunks)
    return group.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks)


def _write_level(group, name, data, chunks):
    target = _create(group, name, data.shape, data.dtype, tuple(min(c, n) for c, n in zip(chunks, data.shape)))
    start = 0
    for slab in iter_slabs(data):
        target[start:start + len(slab)] = slab
        start += len(slab)
    return target


def _halved(level, labels: bool):
    """The next pyramid level of ``level`` (a zarr array), lazily: 2x2x2 block means of grey
    levels (rounded back to an integer dtype), or every other voxel of labels."""
    import dask.array as da

    data = da.from_zarr(level)
    if labels:
        return data[::2, ::2, ::2]
    means = da.coarsen(np.mean, data.astype(np.float64), {0: 2, 1: 2, 2: 2}, trim_excess=True)
    return (da.round(means) if data.dtype.kind in "iu" else means).astype(data.dtype)


def write_zarr(volume, path: str, *, chunks=(128, 128, 128), max_top: int = 256) -> list[str]:
    import zarr

    labels = volume.dtype == bool or (volume.dtype.kind in "iu" and bool(volume.phases))
    with atomic_path(path) as tmp:
        kwargs = {"zarr_format": 2} if _zarr_major() >= 3 else {}
        group = zarr.open_group(tmp, mode="w", **kwargs)
        levels = [_write_level(group, "0", volume.data, chunks)]
        while max(levels[-1].shape) > max_top and min(levels[-1].shape) >= 4:  # the viewers' pyramid
            levels.append(_write_level(group, str(len(levels)), _halved(levels[-1], labels), chunks))
        meta = {"voxel_size": list(volume.voxel_size), "origin": list(volume.origin),
                "phases": dict(volume.phases)}
        if volume.mask is not None:
            mask = _create(group, "mask", volume.shape, bool, chunks)
            mask[...] = np.asarray(volume.mask)
            meta["mask"] = "mask"
        group.attrs["multiscales"] = [{
            "version": "0.4", "name": "volume",
            "axes": [{"name": a, "type": "space", "unit": "meter"} for a in "zyx"],
            "datasets": [{"path": str(k), "coordinateTransformations": [
                {"type": "scale", "scale": [h * 2 ** k for h in volume.voxel_size]},
                {"type": "translation", "translation": [o + (2 ** k - 1) / 2 * h  # the centre of a 2^k block
                                                        for o, h in zip(volume.origin, volume.voxel_size)]}]}
                         for k in range(len(levels))],
        }]
        group.attrs["dca"] = meta
    return [path]


register_format("zarr", extensions=(".zarr",), reader=read_zarr, writer=write_zarr, matches_dir=is_zarr_store,
                description="Zarr store: OME-NGFF image or plain array (lazy)")
