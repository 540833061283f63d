"""Representative elementary volume: a property against sub-volume size, with its spread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._errors import InputError
from ..util import figure_axes, short_repr, takes_volume
from ._porosity import porosity

__all__ = ["REV", "rev_analysis"]


@dataclass(frozen=True)
class REV:
    """``table``: size_m, mean, std, samples per size; ``rev_size``: the smallest edge length
    (m) whose spread (std) is below ``tolerance``, or None if none is."""

    __repr__ = short_repr

    table: Any
    rev_size: float | None
    tolerance: float
    quantity: str

    def plot(self, ax=None):
        fig, ax = figure_axes(ax)
        x = self.table["size_m"] * 1e6
        ax.errorbar(x, self.table["mean"], yerr=self.table["std"], marker="o", capsize=3)
        if self.rev_size is not None:
            ax.axvline(self.rev_size * 1e6, color="k", linestyle="--", label=f"REV {self.rev_size * 1e6:.3g} µm")
            ax.legend()
        ax.set_xlabel("sub-volume edge (µm)")
        ax.set_ylabel(self.quantity)
        ax.set_title(f"REV analysis ({self.quantity})")
        return fig


@takes_volume
def rev_analysis(volume, *, sizes=None, samples: int = 20, tolerance: float = 0.01, seed: int = 0,
                 quantity=porosity, name: str = "porosity") -> REV:
    """Representative elementary volume: ``quantity`` of ``samples`` random cubes per edge length.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    sizes : sequence of int, voxels, optional
        Cube edges; default 8 sizes from 1/10 to 1/2 of the smallest dimension.
    samples : int
        Random cubes per size (positions from ``seed``, so the analysis is reproducible).
    tolerance : float
        Standard deviation below which a size counts as representative.
    seed : int
    quantity : callable, optional
        Volume -> float; porosity by default (a permeability plugs in the same way).
    name : str
        What ``quantity`` is, for the table and the plot.

    Returns
    -------
    REV
        ``table`` (size_m, mean, std, samples), the representative size, and ``plot()``.

    Examples
    --------
    >>> import dca
    >>> rev = dca.metrics.rev_analysis(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6), samples=4)
    >>> list(rev.table.columns), len(rev.table)
    (['size_m', 'mean', 'std', 'samples'], 8)
    """
    import pandas as pd

    smallest = min(volume.shape)
    if sizes is None:
        sizes = np.unique(np.linspace(max(4, smallest // 10), smallest // 2, 8).astype(int))
    sizes = [int(s) for s in sizes]
    if not sizes or min(sizes) < 1 or max(sizes) > smallest:
        raise InputError(f"sizes must lie in 1 .. {smallest} voxels, got {sizes}")
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        values = []
        for _ in range(samples):
            start = [int(rng.integers(0, n - size + 1)) for n in volume.shape]
            sub = volume[tuple(slice(s, s + size) for s in start)]
            if sub.mask is not None and not np.asarray(sub.mask).any():
                continue
            values.append(quantity(sub))
        values = np.array(values, dtype=float)
        rows.append({"size_m": size * min(volume.voxel_size), "mean": float(values.mean()),
                     "std": float(values.std()), "samples": int(values.size)})
    table = pd.DataFrame(rows)
    below = table[table["std"] < tolerance]
    return REV(table, float(below["size_m"].iloc[0]) if len(below) else None, tolerance, name)
