"""Rigid (and similarity) registration of one volume onto another with SimpleITK."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import ConvergenceError, InputError, OptionalDependencyError
from .._volume import Volume
from ..util import short_repr

__all__ = ["register", "Registration", "correlation"]


@dataclass(frozen=True)
class Registration:
    """The transform that maps a point of the reference (fixed) volume to the same material
    point in the moving volume, in the image frame (x, y, z in metres).

    ``matrix`` (3x3, rotation times scale), ``offset`` (m): p_moving = matrix @ p_fixed + offset.
    ``rotation_deg`` is the total rotation angle, ``rotation_axis`` its unit axis, ``scale``
    the isotropic scale (1 for rigid), ``shift_m`` how far the reference volume's centre
    moves. ``quality`` is the normalised cross-correlation of the reference with the
    resampled moving volume over their overlap (1 = identical).
    """

    matrix: np.ndarray
    offset: np.ndarray
    scale: float
    rotation_deg: float
    rotation_axis: np.ndarray
    shift_m: np.ndarray
    quality: float
    iterations: int
    stop_condition: str
    reference: int = 0

    def map_points(self, points_xyz: np.ndarray) -> np.ndarray:
        """Reference-frame points (n, 3; x, y, z in metres) to where they are in the moving volume."""
        return np.asarray(points_xyz) @ self.matrix.T + self.offset

    def apply(self, moving: Volume, reference: Volume, *, order: int | None = None) -> Volume:
        """``moving`` resampled onto ``reference``'s grid (linear for grey levels, nearest for labels).
        Reference voxels that fall outside the moving scan (or its field of view) are masked."""
        sitk = _sitk()
        kind = moving.to_numpy().dtype
        if order is None:  # labels (boolean, or integers with named phases) must not be interpolated
            order = 0 if kind.kind == "b" or (kind.kind in "iu" and moving.phases) else 1
        image = _image(moving.to_numpy().astype(np.float32), moving)
        grid = _image(np.zeros(reference.shape, np.float32), reference)
        t = sitk.AffineTransform(3)
        t.SetMatrix(self.matrix.ravel().tolist())
        t.SetTranslation(self.offset.tolist())
        out = sitk.GetArrayFromImage(sitk.Resample(image, grid, t, sitk.sitkNearestNeighbor if order == 0
                                                   else sitk.sitkLinear, 0.0))
        data = out.astype(kind) if order == 0 or kind.kind == "f" else np.round(out).astype(kind)
        # where the moving scan has no data (outside its box or its field of view) is no sample: masked
        seen = np.ones(moving.shape, np.uint8) if moving.mask is None else np.asarray(moving.mask, np.uint8)
        inside = sitk.GetArrayFromImage(sitk.Resample(_image(seen, moving), grid, t, sitk.sitkNearestNeighbor, 0))
        mask = None if inside.all() else inside.astype(bool)
        return reference.replace(data=data, mask=mask, phases=moving.phases, source=moving.source,
                                  provenance=moving.provenance).with_step(
            "register", reference=self.reference, rotation_deg=round(self.rotation_deg, 4),
            shift_m=[float(v) for v in self.shift_m], scale=self.scale, quality=round(self.quality, 4))

    def to_dict(self) -> dict:
        return {"rotation_deg": self.rotation_deg, "rotation_axis": self.rotation_axis.tolist(),
                "shift_m": self.shift_m.tolist(), "scale": self.scale, "quality": self.quality,
                "matrix": self.matrix.tolist(), "offset_m": self.offset.tolist(), "iterations": self.iterations,
                "stop_condition": self.stop_condition, "reference": self.reference}

    __repr__ = short_repr


def _sitk():
    try:
        import SimpleITK as sitk
    except ImportError as exc:  # a declared dependency; guard for stripped installs
        raise OptionalDependencyError("registration needs SimpleITK: pip install SimpleITK") from exc
    return sitk


def _image(array: np.ndarray, volume: Volume):
    sitk = _sitk()
    image = sitk.GetImageFromArray(np.ascontiguousarray(array))  # (z, y, x) -> index (x, y, z)
    image.SetSpacing([float(h) for h in volume.voxel_size[::-1]])
    image.SetOrigin([float(o) for o in volume.origin[::-1]])
    return image


def _grey(volume: Volume) -> np.ndarray:
    data = volume.to_numpy()
    if data.dtype == bool or data.dtype.kind in "iu" and volume.phases:
        from scipy import ndimage

        return ndimage.gaussian_filter(data.astype(np.float32), 1.0)  # labels: a smooth field to climb
    return data.astype(np.float32)


def correlation(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    """Normalised cross-correlation of two arrays (optionally over ``where``)."""
    a = a[where] if where is not None else a.ravel()
    b = b[where] if where is not None else b.ravel()
    a = a - a.mean()
    b = b - b.mean()
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else 0.0


def register(moving: Volume, fixed: Volume, *, scaling: bool = False, min_quality: float = 0.5,
             iterations: int = 300, reference_index: int = 0, seed: int = 0) -> Registration:
    """Find the rigid (``scaling=True``: rigid + isotropic scale) transform that puts
    ``moving`` onto ``fixed``.

    SimpleITK: correlation metric, regular-step gradient descent over three resolution levels
    (shrink 4, 2, 1), starting from the centres aligned and shifted by FFT phase correlation,
    so shifts of many voxels are found. Label volumes are blurred by one voxel first.
    Deterministic (fixed sampling seed). Raises ConvergenceError, with the quality figure,
    when the result correlates below ``min_quality``.
    """
    sitk = _sitk()
    for name, v in (("moving", moving), ("fixed", fixed)):
        if not isinstance(v, Volume):
            raise InputError(f"{name} must be a dca.Volume (it carries the voxel size)")
    h0 = min(fixed.voxel_size)
    # register in units of the fixed voxel: the optimiser's steps are then of order 1
    scaled = lambda v: v.replace(voxel_size=tuple(h / h0 for h in v.voxel_size),  # noqa: E731
                                  origin=tuple(o / h0 for o in v.origin))
    f_vol, m_vol = scaled(fixed), scaled(moving)
    f_img, m_img = _image(_grey(fixed), f_vol), _image(_grey(moving), m_vol)
    base = sitk.Similarity3DTransform() if scaling else sitk.Euler3DTransform()
    init = sitk.CenteredTransformInitializer(f_img, m_img, base, sitk.CenteredTransformInitializerFilter.GEOMETRY)
    same_voxels = np.allclose(fixed.voxel_size, moving.voxel_size, rtol=1e-6)
    if same_voxels and all(m <= f for m, f in zip(moving.shape, fixed.shape)) and moving.shape != fixed.shape:
        # a crop of the reference (the commonest multiscale case after a zoom): find it by
        # template matching first, then refine; centring the two grids would start it far off
        from ..multiscale import locate

        place = locate(moving, fixed, rotations=(0,), min_correlation=min_quality)
        init = base
        init.SetCenter(((np.array(place.origin) + (np.array(moving.shape) - 1) / 2 * np.array(moving.voxel_size))
                        / h0)[::-1].tolist())
        init.SetTranslation(((np.array(moving.origin) - np.array(place.origin)) / h0)[::-1].tolist())
    elif fixed.shape == moving.shape and same_voxels:
        from skimage.registration import phase_cross_correlation

        shift, _, _ = phase_cross_correlation(_grey(fixed), _grey(moving), normalization=None)
        spacing = np.array(f_vol.voxel_size[::-1])
        init.SetTranslation((np.array(init.GetTranslation()) - shift[::-1] * spacing).tolist())
    method = sitk.ImageRegistrationMethod()
    method.SetMetricAsCorrelation()
    method.SetMetricSamplingStrategy(method.RANDOM)
    # SimpleITK reads seed 0 as "the wall clock": shift ours so every seed is reproducible
    method.SetMetricSamplingPercentage(min(1.0, max(0.05, 2e5 / np.prod(fixed.shape))), int(seed) + 1)
    method.SetInterpolator(sitk.sitkLinear)
    method.SetOptimizerAsRegularStepGradientDescent(learningRate=1.0, minStep=1e-4, numberOfIterations=iterations,
                                                    relaxationFactor=0.6, gradientMagnitudeTolerance=1e-10)
    method.SetOptimizerScalesFromPhysicalShift()
    method.SetShrinkFactorsPerLevel([4, 2, 1])
    method.SetSmoothingSigmasPerLevel([2, 1, 0])
    method.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    method.SetInitialTransform(init, inPlace=False)
    result = method.Execute(f_img, m_img)
    # flatten whatever composite SimpleITK returns into p_moving = A p_fixed + b (fixed-voxel units)
    probe = np.vstack([np.zeros(3), np.eye(3)]) * 100.0
    mapped = np.array([result.TransformPoint(tuple(p)) for p in probe])
    b = mapped[0]
    a = (mapped[1:] - b).T / 100.0
    scale = float(np.cbrt(np.linalg.det(a)))
    rot = a / scale
    angle = float(np.degrees(np.arccos(np.clip((np.trace(rot) - 1) / 2, -1, 1))))
    axis = np.array([rot[2, 1] - rot[1, 2], rot[0, 2] - rot[2, 0], rot[1, 0] - rot[0, 1]])
    axis = axis / np.linalg.norm(axis) if np.linalg.norm(axis) > 1e-12 else np.array([0.0, 0.0, 1.0])
    offset = b * h0
    centre = np.array([(lo + hi) / 2 for lo, hi in fixed.bounds[::-1]])
    shift = a @ centre + offset - centre
    registration = Registration(a, offset, scale if scaling else 1.0, angle, axis, shift, 0.0,
                                method.GetOptimizerIteration(), method.GetOptimizerStopConditionDescription(),
                                reference_index)
    resampled = registration.apply(moving.replace(phases={}, data=_grey(moving)), fixed, order=1).to_numpy()
    inside = registration.apply(moving.replace(phases={}, data=np.ones(moving.shape, np.float32)), fixed,
                                order=1).to_numpy() > 0.999
    coverable = min(inside.size, moving.size * moving.voxel_volume / fixed.voxel_volume)  # a crop covers its own part
    if inside.sum() < 0.1 * coverable:
        raise ConvergenceError(f"registration left only {inside.mean():.1%} of the reference overlapping the moving "
                               "volume; give a closer starting point or check that both show the same sample")
    quality = correlation(_grey(fixed), resampled, inside)
    registration = Registration(**{**registration.__dict__, "quality": quality})
    if quality < min_quality:
        raise ConvergenceError(f"registration did not converge to a match: correlation {quality:.3f} "
                               f"< {min_quality} after {registration.iterations} iterations "
                               f"({registration.stop_condition}); the steps may differ too much or not overlap")
    return registration
