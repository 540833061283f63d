"""Synthetic samples with known answers, and a virtual scanner that turns them into grey levels."""

from ._cycling import electrode_cycles
from ._generators import blobs, dual_porosity, electrode, open_cell_foam, partially_saturated, sphere_pack
from ._multiscale import MultiscaleScans, multiscale_scans
from ._scanner import Scan, cylinder_mask, virtual_scan

__all__ = ["sphere_pack", "blobs", "open_cell_foam", "electrode", "electrode_cycles", "partially_saturated",
           "dual_porosity", "virtual_scan", "Scan", "cylinder_mask", "multiscale_scans", "MultiscaleScans"]
