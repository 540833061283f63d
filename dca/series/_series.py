"""The Series: one sample scanned at several steps (time, load, strain, charge cycle, injected volume)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from .._errors import InputError
from .._progress import steps
from .._volume import Volume
from ..util import show_progress

__all__ = ["Series"]


class Series:
    """An ordered set of volumes of the same sample, with a coordinate per step and its unit.

    Steps are Volumes or file paths; a path is read only when its step is asked for, so a
    long series of large scans never sits in memory at once. Registration transforms (see
    :meth:`register`) are stored per step and applied on access, resampling each step onto
    the reference step's grid.

    Parameters
    ----------
    steps : sequence of Volume or path
    coords : sequence of float, optional
        The coordinate of each step (default 0, 1, 2, ...), strictly increasing or decreasing.
    unit : str
        Unit of the coordinate (``"s"``, ``"MPa"``, ``"cycle"``, ``"%"``, ``"mL"``).
    name : str
        What the coordinate is (``"time"``, ``"load"``, ``"strain"``, ``"cycle"``).
    read_options : dict
        Passed to :func:`dca.read` for the steps given as paths (``voxel_size=...``).

    Examples
    --------
    >>> import numpy as np, dca
    >>> steps = [dca.Volume(np.zeros((4, 4, 4), bool), voxel_size=1e-6) for _ in range(3)]
    >>> s = dca.series.Series(steps, coords=[0, 5, 10], unit="MPa", name="load")
    >>> len(s), s.coords.tolist(), s[1].shape
    (3, [0.0, 5.0, 10.0], (4, 4, 4))
    """

    def __init__(self, steps: Sequence, coords=None, *, unit: str = "", name: str = "step",
                 read_options: dict | None = None, transforms: Sequence | None = None):
        steps = list(steps)
        if not steps:
            raise InputError("a series needs at least one step")
        for i, s in enumerate(steps):
            if not isinstance(s, (Volume, str, os.PathLike)):
                raise InputError(f"step {i} is a {type(s).__name__}; give Volumes or file paths")
        coords = np.arange(len(steps), dtype=float) if coords is None else np.asarray(coords, dtype=float)
        if coords.shape != (len(steps),):
            raise InputError(f"{len(steps)} steps but {coords.size} coordinates; give one coordinate per step")
        d = np.diff(coords)
        if len(d) and not (np.all(d > 0) or np.all(d < 0)):
            raise InputError(f"step coordinates must be strictly increasing or decreasing, got {coords.tolist()}")
        self._steps = steps
        self.coords = coords
        self.unit = unit
        self.name = name
        self.read_options = dict(read_options or {})
        self.transforms = list(transforms) if transforms is not None else [None] * len(steps)

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._steps)

    def raw(self, i: int) -> Volume:
        """Step ``i`` as stored (read from its file if needed), without registration."""
        step = self._steps[i]
        if isinstance(step, Volume):
            return step
        from ..io import read

        return read(step, **self.read_options)

    def __getitem__(self, i: int) -> Volume:
        """Step ``i``, resampled onto the reference grid when the series is registered."""
        i = range(len(self))[i]
        volume = self.raw(i)
        transform = self.transforms[i]
        if transform is None:
            return volume
        return transform.apply(volume, self.raw(transform.reference))

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def replace(self, **changes) -> Series:
        kw = dict(steps=self._steps, coords=self.coords, unit=self.unit, name=self.name,
                  read_options=self.read_options, transforms=self.transforms) | changes
        return Series(**kw)

    # ------------------------------------------------------------------ pipeline
    def register(self, reference: int = 0, *, scaling: bool = False, min_quality: float = 0.5,
                 progress: bool | None = None) -> Series:
        """Register every step onto step ``reference`` (rigid, or rigid + isotropic scale).

        Returns a Series whose steps come resampled onto the reference grid; the transforms
        (rotation, translation, scale and a quality figure) are in ``.transforms``. A step
        whose registration quality is below ``min_quality`` raises ConvergenceError.
        """
        from ._register import register

        reference = range(len(self))[reference]
        fixed = self.raw(reference)
        transforms = []
        for i in steps(range(len(self)), "registering", enabled=show_progress(progress)):
            if i == reference:
                transforms.append(None)
                continue
            transforms.append(register(self.raw(i), fixed, scaling=scaling, min_quality=min_quality,
                                       reference_index=reference))
        return self.replace(transforms=transforms)

    def map(self, pipeline: Callable[[Volume], dict], *, progress: bool | None = None):
        """Run ``pipeline(volume) -> {metric: value}`` on every step; a tidy table (pandas),
        one row per step with the step coordinate first. Nested dicts become ``outer.inner``
        columns; non-scalar values are dropped."""
        import pandas as pd

        rows = []
        for i in steps(range(len(self)), "steps", enabled=show_progress(progress)):
            result = pipeline(self[i])
            if not isinstance(result, dict):
                raise InputError(f"the pipeline must return a dict of metrics, got {type(result).__name__}")
            rows.append({"step": i, self.name: self.coords[i], **_flatten(result)})
        table = pd.DataFrame(rows)
        table.attrs["unit"] = self.unit
        return table

    def plot(self, table, metrics: Sequence[str] | None = None):
        """Each metric of ``table`` (from :meth:`map`) against the step coordinate."""
        import matplotlib.pyplot as plt

        metrics = list(metrics) if metrics is not None else [c for c in table.columns
                                                            if c not in ("step", self.name)]
        fig, axes = plt.subplots(len(metrics), 1, figsize=(5, 2.2 * len(metrics)), sharex=True,
                                 layout="constrained", squeeze=False)
        for ax, m in zip(axes[:, 0], metrics):
            ax.plot(table[self.name], table[m], "o-")
            ax.set_ylabel(m)
        axes[-1, 0].set_xlabel(self.coord_label)
        return fig

    @property
    def coord_label(self) -> str:
        """The step coordinate for a plot axis: "load (MPa)", or "cycle" where the unit repeats the name."""
        return f"{self.name} ({self.unit})" if self.unit and self.unit != self.name else self.name

    def step_label(self, i: int) -> str:
        """Step ``i`` for a title: "load 5 MPa", "cycle 20"."""
        unit = self.unit if self.unit and self.unit != self.name else ""
        return f"{self.name} {self.coords[i]:g} {unit}".strip()

    def __repr__(self) -> str:
        registered = sum(t is not None for t in self.transforms)
        return (f"<Series of {len(self)} steps, {self.name} {self.coords[0]:g} .. {self.coords[-1]:g} {self.unit}"
                f"{f', {registered} registered' if registered else ''}>")


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (int, float, np.integer, np.floating, bool, str)) or v is None:
            out[key] = v.item() if isinstance(v, np.generic) else v
    return out
