"""From a Volume to the regions to mesh: phase names, region ids, pinch removal."""

from __future__ import annotations

import numpy as np

from dca import InputError
from dca.util import phase_names

__all__ = ["regions_of", "chosen_phases", "require_present", "require_segmented", "remove_pinches"]


def require_segmented(volume) -> None:
    """Refuse grey levels: meshing needs labels or a boolean volume."""
    if volume.dtype.kind == "f":
        raise InputError(f"meshing needs a segmented (label or boolean) volume, got {volume.dtype} grey levels; "
                         "segment it first (dca.segment.otsu, ...)")


def chosen_phases(names: dict, phases=None) -> dict[str, int]:
    """The phases to mesh, name -> label: ``phases`` (names or labels; default every one of
    ``names``, the volume's ``dca.util.phase_names``)."""
    by_label = {v: k for k, v in names.items()}
    wanted = list(names) if phases is None else ([phases] if isinstance(phases, (str, int)) else list(phases))
    chosen: dict[str, int] = {}
    for p in wanted:
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool):
            name = by_label.get(int(p), f"phase{int(p)}")
            label = int(p)
        elif p in names:
            name, label = p, names[p]
        else:
            raise InputError(f"no phase named {p!r}; this volume has {sorted(names)}")
        chosen[name] = label
    return chosen


def require_present(chosen: dict, present) -> None:
    """Refuse a phase chosen to mesh (name -> label) that is not among ``present`` (names)."""
    for name, label in chosen.items():
        if name not in present:
            raise InputError(f"phase {name!r} (label {label}) has no voxels in this volume; "
                             "drop it from the phases to mesh")


def regions_of(volume, phases=None) -> tuple[np.ndarray, dict[str, int], dict[str, int]]:
    """Region ids (1..R, 0 = not meshed) per voxel, the meshed names -> ids, and every phase's name -> label.

    ``phases``: names or labels to mesh; default every phase of the volume. Phases are named
    as everywhere in dca (``dca.util.phase_names``): a boolean or 0/1 volume has ``pore``
    (True / 1) and ``solid``.
    """
    require_segmented(volume)
    data = volume.to_numpy()
    names = phase_names(volume)
    labels = data.astype(np.int64) if data.dtype == bool else data
    chosen = chosen_phases(names, phases)
    region = np.zeros(data.shape, np.int32)
    ids = {}
    if phases is None:  # every phase present
        chosen = {n: lab for n, lab in chosen.items() if (labels == lab).any()}
    for i, (name, label) in enumerate(chosen.items(), start=1):
        where = labels == label
        require_present({name: label}, [name] if where.any() else [])
        region[where] = i
        ids[name] = i
    return region, ids, names


def _pinch_masks(a: np.ndarray) -> list[tuple[np.ndarray, tuple, tuple]]:
    """Where phase mask ``a`` touches itself only along an edge or at a corner.

    Returns (mask over the lower corner of each 2x2 or 2x2x2 block, offset of a voxel whose
    filling joins the two touching voxels through faces, offset of one of the touching voxels).
    """
    out = []
    for edge_axis in range(3):  # 2x2 blocks in the plane normal to the edge
        p, q = [d for d in range(3) if d != edge_axis]

        def part(dp, dq):
            s = [slice(0, n - 1) for n in a.shape]
            s[edge_axis] = slice(None)
            s[p] = slice(dp, a.shape[p] - 1 + dp)
            s[q] = slice(dq, a.shape[q] - 1 + dq)
            return a[tuple(s)]

        a00, a10, a01, a11 = part(0, 0), part(1, 0), part(0, 1), part(1, 1)
        e10 = [0, 0, 0]
        e10[p] = 1
        out.append((_pad_to(a00 & a11 & ~a10 & ~a01, a.shape), tuple(e10), (0, 0, 0)))
        out.append((_pad_to(a10 & a01 & ~a00 & ~a11, a.shape), (0, 0, 0), tuple(e10)))
    # corner-only contacts: opposite corners of a 2x2x2 block with the six others empty
    blocks = {(i, j, k): a[i:a.shape[0] - 1 + i, j:a.shape[1] - 1 + j, k:a.shape[2] - 1 + k]
              for i in (0, 1) for j in (0, 1) for k in (0, 1)}
    for c in ((0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)):
        o = tuple(1 - x for x in c)
        others = [blocks[k] for k in blocks if k not in (c, o)]
        empty = ~np.logical_or.reduce(others)
        fill = (1 - c[0], c[1], c[2])  # a face neighbour of c
        out.append((_pad_to(blocks[c] & blocks[o] & empty, a.shape), fill, c))
    return out


def _pad_to(mask: np.ndarray, shape) -> np.ndarray:
    """A block mask (one shorter along some axes) as a full-size mask of block corners."""
    full = np.zeros(shape, bool)
    full[tuple(slice(0, n) for n in mask.shape)] = mask
    return full


def remove_pinches(region: np.ndarray, *, max_rounds: int = 20) -> tuple[np.ndarray, int]:
    """Give each region's edge- and corner-only contacts a face, or undo them.

    A region whose voxels touch only along an edge or at a corner makes a non-manifold
    mesh (elements hinge on that edge; surface vertices are shared by two sheets). Regions
    are treated smallest first (thin phases such as a binder keep their voxels): a region
    fills a voxel of the block that is unmeshed (0) or of a larger region; where that voxel
    belongs to a smaller one, one of the two touching voxels goes to it instead. Returns the
    new array and the number of voxels changed.
    """
    region = region.copy()
    ids, counts = np.unique(region[region > 0], return_counts=True)
    order = ids[np.argsort(counts, kind="stable")]
    rank = np.zeros(int(region.max()) + 1, np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    rank[0] = len(order) + 1  # unmeshed voxels are always free to take
    changed = 0
    for _ in range(max_rounds):
        changed_this_round = 0
        for rid in order:
            for mask, fill, pinched in _pinch_masks(region == rid):
                idx = np.nonzero(mask)
                if not len(idx[0]):
                    continue
                target = tuple(i + o for i, o in zip(idx, fill))
                owner = region[target]
                grow = rank[owner] > rank[rid]
                region[tuple(t[grow] for t in target)] = rid
                source = tuple(i[~grow] + o for i, o in zip(idx, pinched))
                region[source] = owner[~grow]
                changed_this_round += len(idx[0])
        changed += changed_this_round
        if not changed_this_round:
            return region, changed
    raise InputError(f"could not remove every edge or corner contact in {max_rounds} rounds; "
                     "smooth the segmentation (dca.filters) before meshing")
