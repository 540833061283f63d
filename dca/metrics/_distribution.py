"""The result type of every size distribution: a tidy table, summary statistics with units, a plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..util import figure_axes, short_repr

__all__ = ["Distribution", "weighted_summary"]


def weighted_summary(values: np.ndarray, weights: np.ndarray | None = None) -> dict[str, float]:
    """Mean, standard deviation, d10/d50/d90 and mode of ``values`` (weighted)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return {"count": 0}
    w = np.ones_like(values) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    v, w = values[order], w[order]
    cdf = np.cumsum(w) / w.sum()
    mean = float(np.sum(v * w) / w.sum())
    quantile = lambda q: float(v[min(len(v) - 1, int(np.searchsorted(cdf, q)))])  # noqa: E731
    unique, inverse = np.unique(v, return_inverse=True)
    mode = float(unique[np.argmax(np.bincount(inverse, weights=w))])
    return {"count": int(values.size), "mean": mean, "std": float(np.sqrt(np.sum(w * (v - mean) ** 2) / w.sum())),
            "d10": quantile(0.1), "d50": quantile(0.5), "d90": quantile(0.9), "mode": mode}


@dataclass(frozen=True)
class Distribution:
    """A size distribution.

    ``table``: pandas DataFrame with a size column in metres and the fraction in each bin;
    ``summary``: statistics of the size (metres unless the name says otherwise);
    ``quantity``/``unit``: what the size is, for labels.
    """

    __repr__ = short_repr

    name: str
    quantity: str
    table: Any
    summary: dict[str, float]
    unit: str = "m"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "quantity": self.quantity, "unit": self.unit, **self.summary}

    def plot(self, ax=None):
        """Bar chart of the fraction per size (micrometres on the axis); returns the figure."""
        fig, ax = figure_axes(ax)
        x_col, y_col = self.table.columns[:2]
        x = self.table[x_col].to_numpy() * (1e6 if self.unit == "m" else 1)
        y = self.table[y_col].to_numpy()
        width = np.min(np.diff(x)) * 0.9 if len(x) > 1 else 1.0
        ax.bar(x, y, width=width, color="tab:blue", alpha=0.8)
        ax.set_xlabel(f"{self.quantity} ({'µm' if self.unit == 'm' else self.unit})")
        ax.set_ylabel(y_col.replace("_", " "))
        ax.set_title(self.name)
        if "mean" in self.summary:
            mean = self.summary["mean"] * (1e6 if self.unit == "m" else 1)
            unit = "µm" if self.unit == "m" else self.unit
            ax.axvline(mean, color="k", linestyle="--", linewidth=1, label=f"mean {mean:.3g} {unit}")
            ax.legend()
        return fig
