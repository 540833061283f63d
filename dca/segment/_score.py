"""Scoring a segmentation against a ground truth (a virtual scan's phase map)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._phase import field_of_view
from ..util import short_repr

__all__ = ["Score", "score"]


@dataclass(frozen=True)
class Score:
    """Confusion matrix (rows: truth, columns: segmentation) and summary figures, inside the mask."""

    __repr__ = short_repr

    labels: tuple[int, ...]
    confusion: np.ndarray
    accuracy: float
    iou: dict[int, float]
    fraction_truth: dict[int, float]
    fraction_segmented: dict[int, float]

    def table(self):
        """The confusion matrix as a pandas DataFrame (voxel counts)."""
        import pandas as pd

        return pd.DataFrame(self.confusion, index=[f"truth {k}" for k in self.labels],
                            columns=[f"segmented {k}" for k in self.labels])

    def fraction_error(self, label: int) -> float:
        """Segmented minus true volume fraction of ``label`` (e.g. the porosity error)."""
        return self.fraction_segmented[label] - self.fraction_truth[label]


def score(segmented, truth) -> Score:
    """Compare two label volumes on the same grid, voxel by voxel, inside ``segmented``'s mask."""
    seg = segmented.to_numpy()
    true = truth.to_numpy()
    if seg.shape != true.shape:
        raise InputError(f"segmentation {seg.shape} and truth {true.shape} are not on the same grid")
    mask = field_of_view(segmented)
    seg = (seg[mask] if mask is not None else seg.ravel()).astype(np.int64)
    true = (true[mask] if mask is not None else true.ravel()).astype(np.int64)
    labels = tuple(int(v) for v in np.union1d(np.unique(seg), np.unique(true)))
    index = {v: i for i, v in enumerate(labels)}
    n = len(labels)
    confusion = np.bincount(np.searchsorted(labels, true) * n + np.searchsorted(labels, seg),
                            minlength=n * n).reshape(n, n)
    total = confusion.sum()
    iou = {}
    for v in labels:
        i = index[v]
        union = confusion[i, :].sum() + confusion[:, i].sum() - confusion[i, i]
        iou[v] = float(confusion[i, i] / union) if union else 1.0
    return Score(labels=labels, confusion=confusion, accuracy=float(np.trace(confusion) / total), iou=iou,
                 fraction_truth={v: float(confusion[index[v], :].sum() / total) for v in labels},
                 fraction_segmented={v: float(confusion[:, index[v]].sum() / total) for v in labels})
