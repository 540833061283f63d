"""HDF5: one 3-D dataset; spacing from its attributes (``voxel_size`` in metres, or Fiji's
``element_size_um``)."""

from __future__ import annotations

import json
import os

import numpy as np

from .._errors import FormatError
from .._units import from_unit
from ._atomic import atomic_path
from ._binary import as_dask, iter_slabs
from ._registry import RawVolume, decide_lazy, register_format


def _datasets(group, prefix="") -> list[str]:
    import h5py

    found = []
    for name, item in group.items():
        path = f"{prefix}/{name}"
        if isinstance(item, h5py.Dataset) and item.ndim in (2, 3):
            found.append(path)
        elif isinstance(item, h5py.Group):
            found += _datasets(item, path)
    return found


def _spacing(attrs) -> tuple[float, float, float] | None:
    if "voxel_size" in attrs:
        return tuple(float(v) for v in np.broadcast_to(attrs["voxel_size"], (3,)))
    if "element_size_um" in attrs:
        return tuple(from_unit(repr(float(v)), "um") for v in attrs["element_size_um"])
    return None


def read_hdf5(path: str, *, dataset: str | None = None, lazy=None) -> RawVolume:
    """Read ``dataset`` (default: the only 2-D/3-D dataset in the file)."""
    import h5py

    name = os.path.basename(path)
    try:
        fh = h5py.File(path, "r")
    except OSError as err:
        raise FormatError(f"{name!r} is not a readable HDF5 file: {err}") from err
    if dataset is None:
        found = _datasets(fh)
        masks = {"/" + str(fh[d].attrs["mask"]).lstrip("/") for d in found if "mask" in fh[d].attrs}
        found = [d for d in found if d not in masks]  # a dataset's own mask is not a candidate
        if len(found) != 1:
            fh.close()
            listing = ", ".join(found) or "none"
            raise FormatError(f"{name!r} holds {len(found)} image datasets ({listing}); pass dataset=... "
                              "(--dataset on the command line) to choose one")
        dataset = found[0]
    if dataset not in fh:
        listing = ", ".join(_datasets(fh)) or "no image datasets"
        fh.close()
        raise FormatError(f"{name!r} has no dataset {dataset!r}; it holds {listing}")
    dset = fh[dataset]
    voxel = _spacing(dset.attrs) or _spacing(fh.attrs)
    origin = tuple(float(v) for v in dset.attrs["origin"]) if "origin" in dset.attrs else None
    phases = json.loads(dset.attrs["phases"]) if "phases" in dset.attrs else {}
    mask_path = dset.attrs.get("mask")
    if decide_lazy(lazy, dset.size * dset.dtype.itemsize):
        st = os.stat(path)
        token = f"h5|{os.path.abspath(path)}|{dataset}|{st.st_size}|{st.st_mtime_ns}"
        data = as_dask(dset, name=token, chunks=dset.chunks if dset.chunks and dset.ndim == 3 else None)
        mask = as_dask(fh[mask_path], name=token + "|mask") if mask_path else None
    else:
        data = dset[()]
        mask = fh[mask_path][()] if mask_path else None
        fh.close()
    if data.ndim == 2:
        data = data[None]
    return RawVolume(data=data, voxel_size=voxel, origin=origin, mask=mask, phases=phases, files=(path,),
                     missing_voxel_size=f"dataset {dataset!r} in {name!r} has no 'voxel_size' or "
                                        "'element_size_um' attribute")


def write_hdf5(volume, path: str, *, dataset: str = "volume", compression: str | None = "gzip") -> list[str]:
    """Write ``dataset`` with attributes ``voxel_size`` (m), ``element_size_um`` (Fiji), ``origin``."""
    import h5py

    chunks = tuple(min(64, n) for n in volume.shape)
    with atomic_path(path) as tmp:
        # 'earliest' keeps the file readable by older HDF5 libraries (dolfinx, Fiji).
        with h5py.File(tmp, "w", libver=("earliest", "v114")) as fh:
            # track_times=False: no timestamps, so equal volumes give equal files
            dset = fh.create_dataset(dataset, shape=volume.shape, dtype=volume.dtype, chunks=chunks,
                                     compression=compression, track_times=False)
            start = 0
            for slab in iter_slabs(volume.data):
                dset[start:start + len(slab)] = slab
                start += len(slab)
            dset.attrs["voxel_size"] = np.array(volume.voxel_size)
            dset.attrs["element_size_um"] = np.array(volume.voxel_size) * 1e6
            dset.attrs["origin"] = np.array(volume.origin)
            dset.attrs["unit"] = "m"
            dset.attrs["axes"] = "zyx"
            if volume.phases:
                dset.attrs["phases"] = json.dumps(dict(volume.phases))
            if volume.mask is not None:
                fh.create_dataset(dataset + "_mask", data=np.asarray(volume.mask), chunks=chunks,
                                  compression=compression, track_times=False)
                dset.attrs["mask"] = dataset + "_mask"
    return [path]


register_format("hdf5", extensions=(".h5", ".hdf5", ".hdf", ".he5"), reader=read_hdf5, writer=write_hdf5,
                description="HDF5 dataset (dataset=); spacing from voxel_size or element_size_um attributes")
