"""Where a high-resolution sub-volume sits inside a low-resolution volume of the same sample."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._errors import ConvergenceError, InputError
from .._volume import Volume
from ..util import short_repr

__all__ = ["locate", "Placement"]


@dataclass(frozen=True)
class Placement:
    """The fine volume's place in the coarse one.

    ``origin`` (z, y, x, metres): where the centre of the fine volume's first voxel lies in
    the coarse volume's frame (so ``fine.replace(origin=placement.origin)`` overlays it);
    ``offset_voxels``: the same as a position on the coarse grid (fractional);
    ``rotation_deg``: the turn about z of the fine volume relative to the coarse one (one of
    the starts tried); ``correlation``: normalised cross-correlation of the coarse data with
    the fine volume averaged down to the coarse voxel, at that place.
    """

    __repr__ = short_repr

    origin: tuple[float, float, float]
    offset_voxels: tuple[float, float, float]
    rotation_deg: float
    correlation: float
    scale: float  # coarse voxel / fine voxel

    def to_dict(self) -> dict:
        return {"origin_m": list(self.origin), "offset_voxels": list(self.offset_voxels),
                "rotation_deg": self.rotation_deg, "correlation": self.correlation, "scale": self.scale}


def _grey(volume: Volume) -> np.ndarray:
    data = volume.to_numpy()
    return data.astype(np.float32)


def locate(fine: Volume, coarse: Volume, *, rotations=(0, 90, 180, 270), min_correlation: float = 0.5) -> Placement:
    """Find ``fine`` (a high-resolution scan of a region) inside ``coarse`` (the whole sample).

    The scale comes from the two voxel sizes: ``fine`` is averaged down to the coarse voxel,
    then matched against ``coarse`` by FFT normalised cross-correlation (scikit-image's
    ``match_template``) from several starts, one per turn about z in ``rotations`` (degrees);
    the best peak is refined to sub-voxel precision by a parabola through its neighbours.
    Raises ConvergenceError with the best correlation when it is below ``min_correlation``.
    """
    from skimage.feature import match_template

    for name, v in (("fine", fine), ("coarse", coarse)):
        if not isinstance(v, Volume):
            raise InputError(f"{name} must be a dca.Volume (it carries the voxel size)")
    ratio = np.array(coarse.voxel_size) / np.array(fine.voxel_size)
    if np.any(ratio < 1):
        raise InputError(f"the fine volume's voxels ({fine.voxel_size}) must not be larger than the coarse "
                         f"volume's ({coarse.voxel_size}); swap the arguments")
    down_shape = np.floor(np.array(fine.shape) / ratio).astype(int)
    if np.any(down_shape < 4) or np.any(down_shape > np.array(coarse.shape)):
        raise InputError(f"the fine volume covers {down_shape.tolist()} coarse voxels; it must span at least 4 "
                         f"and fit inside the coarse volume {coarse.shape}")
    target, grey = _grey(coarse), _grey(fine)
    best = None
    for angle in rotations:
        turned = ndimage.rotate(grey, angle, axes=(1, 2), reshape=False, order=1, mode="nearest") \
            if angle % 360 else grey
        # block average down to the coarse voxel (area-weighted resampling)
        small = ndimage.zoom(ndimage.uniform_filter(turned, size=np.maximum(1, np.round(ratio)).astype(int)),
                             1 / ratio, order=1, grid_mode=True, mode="nearest")
        score = match_template(target, small)
        peak = np.unravel_index(int(np.argmax(score)), score.shape)
        value = float(score[peak])
        if best is None or value > best[0]:
            best = (value, peak, angle, score, small.shape)
    value, peak, angle, score, small_shape = best
    sub = []
    for ax in range(3):  # parabola through the peak and its two neighbours
        i = peak[ax]
        if 0 < i < score.shape[ax] - 1:
            lo = list(peak)
            hi = list(peak)
            lo[ax] -= 1
            hi[ax] += 1
            a, b, c = score[tuple(lo)], value, score[tuple(hi)]
            den = a - 2 * b + c
            sub.append(i + (0.5 * (a - c) / den if den < 0 else 0.0))
        else:
            sub.append(float(i))
    if value < min_correlation:
        raise ConvergenceError(f"the fine volume was not found in the coarse one: best correlation {value:.3f} "
                               f"< {min_correlation} (rotation {angle} deg); check the voxel sizes and that both "
                               "scans show the same sample")
    # first coarse voxel covered by the downsampled fine block -> the fine volume's first voxel centre
    offset = np.array(sub)
    corner = np.array(coarse.origin) + (offset - 0.5) * np.array(coarse.voxel_size)  # low face of the block
    origin = corner + 0.5 * np.array(fine.voxel_size)
    return Placement(tuple(float(o) for o in origin), tuple(float(o) for o in offset), float(angle), value,
                     float(ratio.mean()))
