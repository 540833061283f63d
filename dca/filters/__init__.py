"""Filters and regions of interest. Each returns a new Volume and records itself in its provenance."""

from ._denoise import gaussian, median, nl_means, noise_sigma, unsharp_mask
from ._roi import crop, crop_cylinder, crop_physical

__all__ = ["median", "gaussian", "nl_means", "unsharp_mask", "noise_sigma", "crop", "crop_physical", "crop_cylinder"]
