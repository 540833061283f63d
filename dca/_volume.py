"""The Volume: a 3-D array (z, y, x) plus what is needed to interpret it physically."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from . import _check
from ._errors import InputError
from ._provenance import Source, Step
from ._units import format_length

__all__ = ["Volume", "is_lazy_array"]

_AXES = ("z", "y", "x")


def is_lazy_array(data) -> bool:
    """True for a dask array (data that is read on demand)."""
    return type(data).__module__.startswith("dask.")


def _as_array(data):
    if is_lazy_array(data):
        return data
    if not isinstance(data, np.ndarray):
        data = np.asarray(data)
    return data


@dataclass(frozen=True, eq=False)
class Volume:
    """A 3-D image with its voxel size, origin, mask, named phases and provenance.

    Parameters
    ----------
    data : (nz, ny, nx) array or dask array
        The voxels, indexed (z, y, x): slice, row, column. Physical x is the last axis.
        A dask array keeps the volume lazy: nothing is read until asked for.
    voxel_size : float or (3,) tuple of float, metres
        (dz, dy, dx). Required: there is no default. A single number means isotropic.
    origin : (3,) tuple of float, metres
        Position (z, y, x) of the centre of voxel [0, 0, 0].
    mask : (nz, ny, nx) bool array, optional
        True where the voxel is inside the field of view; metrics ignore the rest.
    phases : mapping of str to int
        Names of the labels in a label volume, e.g. ``{"pore": 0, "grain": 1}``.
    source : Source, optional
        The file(s) this volume was read from.
    provenance : tuple of Step
        Operations applied since it was read or created, oldest first.
    attrs : mapping
        Free-form user metadata, carried along and never read by the library.

    Notes
    -----
    A Volume never changes: every operation returns a new one (see ``replace``). It holds
    a reference to ``data``, not a copy, so do not modify that array afterwards.

    Examples
    --------
    >>> import numpy as np, dca
    >>> v = dca.Volume(np.zeros((4, 5, 6), bool), voxel_size=2e-6)
    >>> [round(e * 1e6, 9) for e in v.extent]  # micrometres
    [8.0, 10.0, 12.0]
    >>> v[1:3].origin
    (2e-06, 0.0, 0.0)
    """

    data: Any
    voxel_size: tuple[float, float, float]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    mask: Any = None
    phases: Mapping[str, int] = field(default_factory=dict)
    source: Source | None = None
    provenance: tuple[Step, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        data = _as_array(self.data)
        _check.shape3(data.shape, name="data")
        if data.dtype.kind not in "biuf":
            raise InputError(f"data must be boolean, integer or floating point, got dtype {data.dtype}")
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("data", data)
        put("voxel_size", _check.voxel_size(self.voxel_size))
        put("origin", _check.triple(self.origin, name="origin"))
        if self.mask is not None:
            mask = _as_array(self.mask)
            if tuple(mask.shape) != tuple(data.shape):
                raise InputError(f"mask shape {tuple(mask.shape)} differs from data shape {tuple(data.shape)}")
            put("mask", mask if mask.dtype == bool else mask != 0)
        phases = dict(self.phases)
        for name, label in phases.items():
            if not isinstance(name, str) or not isinstance(label, (int, np.integer)):
                raise InputError(f"phases maps names to integer labels, got {name!r}: {label!r}")
            phases[name] = int(label)
        put("phases", MappingProxyType(phases))
        put("provenance", tuple(self.provenance))
        put("attrs", MappingProxyType(dict(self.attrs)))

    # ----------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.data.shape)  # type: ignore[return-value]

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def is_lazy(self) -> bool:
        """True when the voxels are read on demand (dask), False when held in memory."""
        return is_lazy_array(self.data)

    @property
    def extent(self) -> tuple[float, float, float]:
        """Physical size (z, y, x) in metres: number of voxels times voxel size."""
        return tuple(n * h for n, h in zip(self.shape, self.voxel_size))  # type: ignore[return-value]

    @property
    def bounds(self) -> tuple[tuple[float, float], ...]:
        """(min, max) of the voxel faces along z, y, x, metres."""
        return tuple((o - h / 2, o + (n - 0.5) * h)
                     for o, h, n in zip(self.origin, self.voxel_size, self.shape))

    @property
    def voxel_volume(self) -> float:
        """Volume of one voxel, m^3."""
        dz, dy, dx = self.voxel_size
        return dz * dy * dx

    def coordinates(self, axis) -> np.ndarray:
        """Centres of the voxels along ``axis`` ('z', 'y', 'x' or 0, 1, 2), metres."""
        a = _check.axis(axis)
        return self.origin[a] + self.voxel_size[a] * np.arange(self.shape[a])

    def phase(self, name_or_label) -> int:
        """The label of a phase given by name (``"pore"``) or by label."""
        if isinstance(name_or_label, str):
            if name_or_label not in self.phases:
                from ._phase import NAME_THE_LABELS

                known = ", ".join(f"{k}={v}" for k, v in self.phases.items()) or "none"
                raise InputError(f"phase {name_or_label!r} is not named in this volume (named: {known}); "
                                 f"{NAME_THE_LABELS}")
            return self.phases[name_or_label]
        return int(name_or_label)

    # ----------------------------------------------------------------- building new volumes
    def replace(self, **changes) -> Volume:
        """A copy with some fields changed; the one way results are built, so no field is dropped."""
        return dataclasses.replace(self, **changes)

    def with_step(self, name: str, **params) -> Volume:
        """Same volume with one more provenance step."""
        return self.replace(provenance=self.provenance + (Step(name, params),))

    def with_data(self, data, *, step: str, **params) -> Volume:
        """A volume on the same grid with new voxels, recording ``step`` in provenance."""
        data = _as_array(data)
        if tuple(data.shape) != self.shape:
            raise InputError(f"new data shape {tuple(data.shape)} differs from the volume's {self.shape}")
        return self.replace(data=data, provenance=self.provenance + (Step(step, params),))

    def __getitem__(self, key) -> Volume:
        """Crop by index: ``volume[10:50, :, 20:]``. Keeps three dimensions and shifts the origin."""
        if not isinstance(key, tuple):
            key = (key,)
        if len(key) > 3 or not all(isinstance(k, slice) for k in key):
            raise InputError("index a Volume with up to three slices, e.g. volume[10:50, :, 20:]; "
                             "use volume.data for plain array indexing")
        key = key + (slice(None),) * (3 - len(key))
        bounds = [k.indices(n) for k, n in zip(key, self.shape)]
        if any(step <= 0 for _, _, step in bounds):
            raise InputError("crop slices must have a positive step")
        if any(len(range(*b)) == 0 for b in bounds):
            raise InputError(f"the crop {key} selects no voxels of a volume of shape {self.shape}")
        origin = tuple(o + start * h for o, h, (start, _, _) in zip(self.origin, self.voxel_size, bounds))
        voxel = tuple(h * step for h, (_, _, step) in zip(self.voxel_size, bounds))
        slices = tuple(slice(*b) for b in bounds)
        return self.replace(
            data=self.data[slices], origin=origin, voxel_size=voxel,
            mask=None if self.mask is None else self.mask[slices],
            provenance=self.provenance + (Step("crop", {"index": [list(b) for b in bounds]}),),
        )

    def load(self) -> Volume:
        """The same volume held in memory (reads a lazy volume; returns self if already loaded)."""
        if not self.is_lazy and (self.mask is None or not is_lazy_array(self.mask)):
            return self
        return self.replace(data=self.to_numpy(),
                             mask=None if self.mask is None else np.asarray(self.mask))

    def to_numpy(self) -> np.ndarray:
        """The voxels as a NumPy array (computed if lazy; refused, with what it would need,
        when they do not fit in the memory available)."""
        if not self.is_lazy:
            return np.asarray(self.data)
        from ._memory import require_bytes

        require_bytes(int(self.data.nbytes), "loading into memory", shape=self.shape)
        return np.asarray(self.data.compute())

    def __array__(self, dtype=None, copy=None):
        array = self.to_numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def provenance_record(self, *, checksum: bool = True) -> dict:
        """Where this volume came from, as plain JSON types: the source file(s) with their
        SHA-256 (computed now unless ``checksum=False``) and every step with its parameters."""
        return {"source": None if self.source is None else self.source.to_dict(checksum=checksum),
                "steps": [step.to_dict() for step in self.provenance]}

    def quicklook(self, **kwargs):
        """Figure with the three orthogonal mid slices and a scale bar (see dca.quicklook)."""
        from ._quicklook import quicklook

        return quicklook(self, **kwargs)

    def view(self, **kwargs):
        """Orthogonal slices with sliders, phase overlay and scale bar: a widget panel in
        Jupyter, the static quick-look figure elsewhere (see ``dca._quicklook.view``)."""
        from ._quicklook import view

        return view(self, **kwargs)

    # ----------------------------------------------------------------- display
    def _summary(self) -> list[tuple[str, str]]:
        dz, dy, dx = self.voxel_size
        size = _format_bytes(self.nbytes)
        rows = [
            ("shape (z, y, x)", " × ".join(map(str, self.shape))),
            ("dtype", str(self.dtype)),
            ("voxel size (dz, dy, dx)", " × ".join(format_length(h) for h in (dz, dy, dx))),
            ("extent (z, y, x)", " × ".join(format_length(e) for e in self.extent)),
            ("origin (z, y, x)", ", ".join(format_length(o) if o else "0" for o in self.origin)),
            ("storage", f"lazy (dask, {size} on disk)" if self.is_lazy else f"in memory ({size})"),
        ]
        if self.mask is not None:
            rows.append(("mask", "field-of-view mask set"))
        if self.phases:
            rows.append(("phases", ", ".join(f"{k}={v}" for k, v in self.phases.items())))
        if self.source is not None:
            rows.append(("source", f"{', '.join(self.source.paths[:2])} ({self.source.format})"))
        names = ", ".join(s.name for s in self.provenance) or "none"
        rows.append(("provenance", f"{len(self.provenance)} step(s): {names}"))
        return rows

    def __repr__(self) -> str:
        rows = self._summary()
        width = max(len(k) for k, _ in rows)
        body = "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)
        return f"<dca.Volume\n{body}>"

    def _repr_html_(self) -> str:
        cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                        for k, v in self._summary())
        return f"<b>dca.Volume</b><table>{cells}</table>"


def _format_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
