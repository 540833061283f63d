"""The napari reader plugin (manifest: ``dca/napari.yaml``): every format ``dca.read`` knows,
opened at its voxel size (layer scale in micrometres, axes z, y, x), grey levels as an image
layer and segmented volumes as a labels layer whose features name the phases.

napari is an optional extra (``pip install "dca[napari]"``); this module imports it nowhere.
Formats that store no voxel size (NumPy ``.npy``, headerless RAW) are left to other readers:
a volume here never gets a scale of 1 by default.
"""

from __future__ import annotations

import os

__all__ = ["get_reader", "read_layers", "layer_data"]

#: formats that carry no voxel size, so that napari could only show them at a guessed scale
_NO_SPACING = ("npy", "raw")


def _extensions() -> tuple[str, ...]:
    from .io import formats

    return tuple(ext for f in formats() if f.reader is not None and f.name not in _NO_SPACING
                 for ext in f.extensions)


def get_reader(path):
    """napari's reader hook: ``read_layers`` when ``path`` (one path) is a volume dca reads."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    name = os.fspath(path).rstrip("/\\").lower()
    if name.endswith(_extensions()) or (os.path.isdir(name) and any(
            f.lower().endswith((".tif", ".tiff")) for f in os.listdir(name))):
        return read_layers
    return None


def layer_data(volume, name: str | None = None) -> tuple:
    """One napari layer-data tuple (data, attributes, kind) for a ``dca.Volume``: a labels layer
    for a boolean or named-phase volume (features: label, phase), else an image layer; scale
    and translate in micrometres, the voxel size in metres in the metadata."""
    import numpy as np

    from .util import phase_names

    scale = tuple(float(h) * 1e6 for h in volume.voxel_size)
    translate = tuple(float(o) * 1e6 for o in volume.origin)
    source = volume.source.paths[0] if volume.source is not None and volume.source.paths else None
    attrs = {"name": name or (os.path.basename(str(source)) if source else "volume"), "scale": scale,
             "translate": translate, "units": ("um", "um", "um"), "axis_labels": ("z", "y", "x"),
             "metadata": {"voxel_size_m": tuple(volume.voxel_size), "origin_m": tuple(volume.origin),
                          "source": source}}
    segmented = volume.dtype == bool or bool(volume.phases)
    if not segmented:
        return volume.data, attrs, "image"
    data = volume.data.astype(np.uint8) if volume.dtype == bool else volume.data
    names = phase_names(volume)
    labels = sorted(names.values())
    by_label = {v: k for k, v in names.items()}
    attrs["features"] = {"index": labels, "phase": [by_label[v] for v in labels]}
    return data, attrs, "labels"


def read_layers(path) -> list[tuple]:
    """The volume at ``path`` as one napari layer, read lazily when it is big (``dca.read``)."""
    from . import read

    path = path[0] if isinstance(path, (list, tuple)) else path
    return [layer_data(read(os.fspath(path)))]
