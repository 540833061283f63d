"""Resolution calculator for laboratory micro-CT and X-ray microscopes (XRM).

A cone-beam instrument with source-to-object distance r_so, object-to-detector distance
r_od, focal spot S, detector pixel r_D and (for XRM) an optical objective of magnification
m_opt behind the scintillator:

    M        = (r_so + r_od) / r_so                  geometric magnification
    b_spot   = S (M - 1) / M                         spot blur in the object plane
    b_det    = r_D / (M m_opt)                       detector blur in the object plane
    d_total  = sqrt(b_det^2 + b_spot^2)              total resolution
    voxel    = r_D / (M m_opt)

At fixed source-detector distance the spot blur grows and the detector blur shrinks with M,
so for a given spot and detector there is a best achievable resolution
``a S / sqrt(a^2 + S^2)`` with a = r_D / m_opt; the optical stage of an XRM lowers ``a``
and is what takes lab instruments below the spot size.

References
----------
Withers et al., X-ray computed tomography, Nat. Rev. Methods Primers 1, 18 (2021),
doi:10.1038/s43586-021-00015-4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from . import _check
from ._errors import InputError
from ._units import format_length

__all__ = ["Geometry", "geometric_magnification", "total_resolution", "design_for"]


def geometric_magnification(source_to_object: float, object_to_detector: float) -> float:
    """M = (r_so + r_od) / r_so."""
    r_so = _check.positive(source_to_object, name="source_to_object")
    if object_to_detector < 0:
        raise InputError(f"object_to_detector must be >= 0, got {object_to_detector!r}")
    return (r_so + object_to_detector) / r_so


def total_resolution(magnification: float, *, detector_pixel: float, spot_size: float,
                     optical_magnification: float = 1.0) -> float:
    """d_total = sqrt((r_D / (M m_opt))^2 + (S (M - 1) / M)^2), metres."""
    m = float(magnification)
    if m < 1:
        raise InputError(f"geometric magnification must be >= 1, got {m}")
    detector = detector_pixel / (m * optical_magnification)
    spot = spot_size * (m - 1) / m
    return math.hypot(detector, spot)


@dataclass(frozen=True)
class Geometry:
    """An acquisition geometry; every length in metres.

    Examples
    --------
    >>> g = Geometry(source_to_object=0.02, object_to_detector=0.18,
    ...              detector_pixel=0.127e-3, spot_size=5e-6)
    >>> round(g.geometric_magnification, 6), round(g.voxel_size * 1e6, 3)
    (10.0, 12.7)
    """

    source_to_object: float
    object_to_detector: float
    detector_pixel: float
    spot_size: float
    optical_magnification: float = 1.0

    def __post_init__(self):
        _check.positive(self.source_to_object, name="source_to_object")
        _check.positive(self.detector_pixel, name="detector_pixel")
        _check.positive(self.optical_magnification, name="optical_magnification")
        if self.object_to_detector < 0 or self.spot_size < 0:
            raise InputError("object_to_detector and spot_size must be >= 0")

    @property
    def geometric_magnification(self) -> float:
        return geometric_magnification(self.source_to_object, self.object_to_detector)

    @property
    def total_magnification(self) -> float:
        return self.geometric_magnification * self.optical_magnification

    @property
    def spot_blur(self) -> float:
        """S (M - 1) / M, metres in the object plane."""
        m = self.geometric_magnification
        return self.spot_size * (m - 1) / m

    @property
    def detector_blur(self) -> float:
        """r_D / (M m_opt), metres in the object plane."""
        return self.detector_pixel / self.total_magnification

    @property
    def voxel_size(self) -> float:
        """Reconstructed voxel size r_D / (M m_opt), metres (unbinned)."""
        return self.detector_pixel / self.total_magnification

    @property
    def resolution(self) -> float:
        """Total resolution d_total, metres."""
        return math.hypot(self.detector_blur, self.spot_blur)

    def field_of_view(self, detector_pixels: int) -> float:
        """Width of the object imaged by ``detector_pixels`` detector pixels, metres."""
        return detector_pixels * self.voxel_size

    def resolves(self, feature_size: float, *, samples_per_feature: float = 2.0) -> bool:
        """True if ``feature_size`` spans at least ``samples_per_feature`` resolution elements."""
        return self.resolution * samples_per_feature <= feature_size

    def summary(self) -> dict[str, float]:
        """Every quantity, SI units, for tables and ``--json``."""
        return {**asdict(self), "geometric_magnification": self.geometric_magnification,
                "spot_blur": self.spot_blur, "detector_blur": self.detector_blur,
                "voxel_size": self.voxel_size, "resolution": self.resolution}

    def __str__(self) -> str:
        return (f"M = {self.geometric_magnification:.3g} x {self.optical_magnification:g} (optical), "
                f"voxel {format_length(self.voxel_size)}, resolution {format_length(self.resolution)} "
                f"(spot {format_length(self.spot_blur)}, detector {format_length(self.detector_blur)})")


def design_for(feature_size: float, *, source_to_detector: float, detector_pixel: float, spot_size: float,
               optical_magnification: float | Sequence[float] = 1.0,
               samples_per_feature: float = 2.0) -> Geometry:
    """The geometry that resolves ``feature_size`` (a throat, a crack) with the largest field of view.

    Solves d_total(M) = feature_size / samples_per_feature for the smallest magnification M
    at the given source-detector distance and returns where to put the sample.

    Parameters
    ----------
    feature_size : float, metres
        Smallest feature to resolve, e.g. a throat diameter.
    source_to_detector : float, metres
    detector_pixel, spot_size : float, metres
    optical_magnification : float or sequence of float
        An XRM's objectives; the lowest one that reaches the target is chosen.
    samples_per_feature : float
        Resolution elements across the feature (2: Nyquist).

    Raises
    ------
    InputError
        If no magnification reaches the target; the message gives the best achievable resolution.
    """
    target = _check.positive(feature_size, name="feature_size") / samples_per_feature
    sd = _check.positive(source_to_detector, name="source_to_detector")
    objectives = sorted(optical_magnification) if isinstance(optical_magnification, Sequence) \
        else [optical_magnification]
    best = math.inf
    for m_opt in objectives:
        a = detector_pixel / m_opt
        s = spot_size
        # (a^2 + S^2) u^2 - 2 S^2 u + (S^2 - t^2) <= 0 with u = 1/M in (0, 1]
        discriminant = target**2 * (a**2 + s**2) - a**2 * s**2
        best = min(best, a * s / math.hypot(a, s) if s > 0 else 0.0)
        if discriminant < 0:
            continue
        u = min(1.0, (s**2 + math.sqrt(discriminant)) / (a**2 + s**2))
        if u <= 0:
            continue
        magnification = 1.0 / u
        r_so = sd / magnification
        return Geometry(source_to_object=r_so, object_to_detector=sd - r_so, detector_pixel=detector_pixel,
                        spot_size=spot_size, optical_magnification=m_opt)
    raise InputError(f"no geometry resolves {format_length(feature_size)} with {samples_per_feature:g} samples: "
                     f"the best resolution with spot {format_length(spot_size)} and detector pixel "
                     f"{format_length(detector_pixel)} is {format_length(best)}; use a higher optical "
                     "magnification or a smaller spot")
