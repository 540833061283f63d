"""Zarr stores: an OME-NGFF image (multiscales group, level 0 by default) or a plain array.

Written stores follow OME-NGFF 0.4 (zarr format 2): one level "0", axes z, y, x in metres,
a scale and a translation transform; napari and other NGFF viewers open them. The exact
voxel size, origin, mask and phases also go in the group's ``dca`` attribute.
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


def write_zarr(volume, path: str, *, chunks=(128, 128, 128)) -> list[str]:
    import zarr

    chunks = tuple(min(c, n) for c, n in zip(chunks, volume.shape))
    with atomic_path(path) as tmp:
        kwargs = {"zarr_format": 2} if _zarr_major() >= 3 else {}
        group = zarr.open_group(tmp, mode="w", **kwargs)
        target = _create(group, "0", volume.shape, volume.dtype, chunks)
        start = 0
        for slab in iter_slabs(volume.data):
            target[start:start + len(slab)] = slab
            start += len(slab)
        meta = {"voxel_size": list(volume.voxel_size), "origin": list(volume.origin),
                "phases": dict(volume.phases)}
        if volume.mask is not None:
            mask = _create(group, "mask", volume.shape, bool, chunks)
            mask[...] = np.asarray(volume.mask)
            meta["mask"] = "mask"
        group.attrs["multiscales"] = [{
            "version": "0.4", "name": "volume",
            "axes": [{"name": a, "type": "space", "unit": "meter"} for a in "zyx"],
            "datasets": [{"path": "0", "coordinateTransformations": [
                {"type": "scale", "scale": list(volume.voxel_size)},
                {"type": "translation", "translation": list(volume.origin)}]}],
        }]
        group.attrs["dca"] = meta
    return [path]


register_format("zarr", extensions=(".zarr",), reader=read_zarr, writer=write_zarr, matches_dir=is_zarr_store,
                description="Zarr store: OME-NGFF image or plain array (lazy)")
