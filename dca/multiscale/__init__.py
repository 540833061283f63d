"""Multiscale: a fine scan placed inside a coarse scan of the same sample, and sub-resolution
(micro-)porosity calibrated from the fine scan.

Flow with microporosity (Darcy-Brinkman voxels) and block-by-block upscaling live in
``flow`` (``flow.stokes(..., microporous=...)``, ``flow.upscale``).
"""

from ._calibrate import PorosityCalibration, block_mean, calibrate_porosity
from ._locate import Placement, locate

__all__ = ["locate", "Placement", "calibrate_porosity", "PorosityCalibration", "block_mean"]
