"""Segmentation: grey levels to named phases, clean-up, and scoring against ground truth."""

from ._cleanup import fill_enclosed, keep_spanning, remove_islands
from ._score import Score, score
from ._threshold import hysteresis, multi_otsu, otsu, otsu_level, threshold
from ._watershed import watershed_phases

__all__ = ["threshold", "otsu", "otsu_level", "multi_otsu", "hysteresis", "watershed_phases",
           "remove_islands", "fill_enclosed", "keep_spanning", "score", "Score"]
