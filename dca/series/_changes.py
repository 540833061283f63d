"""Between steps: voxel-wise phase changes, and labelled features followed through the series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._phase import field_of_view, phase_names
from .._volume import Volume
from ..util import short_repr, takes_volume

__all__ = ["phase_changes", "PhaseChanges", "track", "label_features"]


def _labels_and_names(volume: Volume) -> tuple[np.ndarray, dict[str, int]]:
    data = volume.to_numpy()
    if data.dtype.kind == "f":
        raise InputError("phase changes need segmented (label or boolean) volumes, not grey levels")
    return (data.astype(np.uint8) if data.dtype == bool else data), phase_names(volume)


@dataclass(frozen=True)
class PhaseChanges:
    """Voxel counts from each phase (rows, before) to each phase (columns, after), and the map.

    ``code`` holds, per voxel, ``index(before) * n + index(after)`` over the phase list
    ``names`` (-1 outside either step's field of view, which is not counted); :meth:`where`
    gives the voxels that went from one named phase to another.
    """

    names: tuple[str, ...]
    counts: np.ndarray
    code: np.ndarray
    voxel_volume: float

    def table(self):
        """Counts as a pandas DataFrame (before x after)."""
        import pandas as pd

        return pd.DataFrame(self.counts, index=[f"{n} (before)" for n in self.names], columns=list(self.names))

    def where(self, before: str, after: str) -> np.ndarray:
        """Boolean map of the voxels that changed from ``before`` to ``after``."""
        n = len(self.names)
        return self.code == self.names.index(before) * n + self.names.index(after)

    def volume(self, before: str, after: str) -> float:
        """Volume (m^3) that changed from ``before`` to ``after``."""
        return float(self.counts[self.names.index(before), self.names.index(after)] * self.voxel_volume)

    @property
    def changed_fraction(self) -> float:
        return float(1 - np.trace(self.counts) / self.counts.sum())

    def to_dict(self) -> dict:
        return {"phases": list(self.names), "counts": self.counts.tolist(), "changed_fraction": self.changed_fraction,
                "changes_m3": {f"{a}->{b}": self.volume(a, b) for a in self.names for b in self.names
                               if a != b and self.counts[self.names.index(a), self.names.index(b)]}}

    __repr__ = short_repr


def phase_changes(before: Volume, after: Volume) -> PhaseChanges:
    """Which voxels changed phase between two registered steps (same grid), and how many.

    Example: pore filled by water is ``changes.where("pore", "water")`` when the two steps name
    their phases that way (labels are matched by name, so the label numbers may differ).
    """
    if before.shape != after.shape:
        raise InputError(f"steps differ in shape {before.shape} vs {after.shape}; register and resample them onto "
                         "one grid first (Series.register)")
    if not np.allclose(before.voxel_size, after.voxel_size):
        raise InputError("steps differ in voxel size; register and resample them onto one grid first")
    a, names_a = _labels_and_names(before)
    b, names_b = _labels_and_names(after)
    names = tuple(dict.fromkeys(list(names_a) + list(names_b)))
    index_a = np.full(int(a.max()) + 1, -1, np.int64)
    for n, lab in names_a.items():
        if lab <= a.max():
            index_a[lab] = names.index(n)
    index_b = np.full(int(b.max()) + 1, -1, np.int64)
    for n, lab in names_b.items():
        if lab <= b.max():
            index_b[lab] = names.index(n)
    ia, ib = index_a[a], index_b[b]
    if (ia < 0).any() or (ib < 0).any():
        raise InputError("some voxels carry labels that the volume's phases do not name")
    n = len(names)
    code = (ia * n + ib).astype(np.int16 if n * n < 32767 else np.int32)
    seen = [m for m in (field_of_view(before), field_of_view(after)) if m is not None]
    if seen:  # voxels outside either scan's field of view changed nothing we know of
        code[~np.logical_and.reduce(seen)] = -1
    counts = np.bincount(code[code >= 0].ravel(), minlength=n * n).reshape(n, n)
    return PhaseChanges(names, counts, code, float(np.prod(before.voxel_size)))


@takes_volume
def label_features(volume: Volume, *, phase, min_voxels: int = 1) -> np.ndarray:
    """Connected (6-neighbour) features of one phase, labelled 1..n; features smaller than
    ``min_voxels`` are dropped (label 0)."""
    from scipy import ndimage

    from .._phase import phase_mask

    labels, n = ndimage.label(phase_mask(volume, phase, allow_empty=True))
    if min_voxels > 1 and n:
        sizes = np.bincount(labels.ravel())
        small = sizes < min_voxels
        small[0] = False
        labels[small[labels]] = 0
        labels, _ = ndimage.label(labels > 0)
    return labels


def track(label_steps, *, voxel_volume: float | None = None, coords=None, min_overlap: float = 0.2):
    """Follow labelled features (pores, particles, cracks) through a list of label arrays.

    A feature at step t+1 continues the track of the feature at step t with which it shares
    the most voxels, provided that overlap is at least ``min_overlap`` of the smaller of the
    two; otherwise it starts a new track. Where two features continue one track (a split)
    the larger keeps it. Returns a pandas DataFrame with one row per feature and step:
    ``track``, ``step``, ``label``, ``voxels``, ``volume_m3``, centroid ``z, y, x`` (voxels),
    and ``parent`` (the track it split from, or -1).
    """
    import pandas as pd
    from scipy import ndimage

    label_steps = [np.asarray(s) for s in label_steps]
    if not label_steps:
        raise InputError("track needs at least one step")
    shape = label_steps[0].shape
    if any(s.shape != shape for s in label_steps):
        raise InputError("every step must be on the same grid; register and resample first")
    coords = list(range(len(label_steps))) if coords is None else list(coords)
    rows = []
    previous: dict[int, int] = {}  # label at step t -> track id
    next_track = 0
    for t, labels in enumerate(label_steps):
        ids = np.unique(labels)
        ids = ids[ids > 0]
        sizes = np.bincount(labels.ravel(), minlength=int(labels.max()) + 1)
        centroids = ndimage.center_of_mass(np.ones(shape), labels, ids) if len(ids) else []
        current: dict[int, int] = {}
        parent = {}
        if t > 0 and previous and len(ids):
            before = label_steps[t - 1]
            both = (before > 0) & (labels > 0)
            pairs, overlap = np.unique(np.stack([labels[both], before[both]]), axis=1, return_counts=True)
            prev_sizes = np.bincount(before.ravel(), minlength=int(before.max()) + 1)
            best: dict[int, tuple[int, int]] = {}
            for (lab, old), n in zip(pairs.T, overlap):
                if n >= min_overlap * min(sizes[lab], prev_sizes[old]) and n > best.get(lab, (0, 0))[1]:
                    best[lab] = (int(old), int(n))
            claimed: dict[int, int] = {}  # previous track -> current label that keeps it
            for lab, (old, n) in sorted(best.items(), key=lambda kv: -sizes[kv[0]]):
                track_id = previous.get(old)
                if track_id is None:
                    continue
                if track_id in claimed.values():
                    parent[lab] = track_id  # a split: the smaller piece starts a new track
                    continue
                claimed[lab] = track_id
            current.update(claimed)
        for lab in ids:
            if int(lab) not in current:
                current[int(lab)] = next_track
                next_track += 1
        next_track = max(next_track, max(current.values(), default=-1) + 1)
        for lab, c in zip(ids, centroids):
            rows.append({"track": current[int(lab)], "step": t, "coord": coords[t], "label": int(lab),
                         "voxels": int(sizes[lab]),
                         "volume_m3": float(sizes[lab] * voxel_volume) if voxel_volume else np.nan,
                         "z": float(c[0]), "y": float(c[1]), "x": float(c[2]), "parent": parent.get(int(lab), -1)})
        previous = current
    return pd.DataFrame(rows)
