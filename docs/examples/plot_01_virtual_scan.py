"""
A virtual scan and its ground truth
===================================

A sphere pack with a known answer, scanned by the virtual X-ray microscope at a coarser
resolution with noise and beam hardening; the quick-look shows three orthogonal slices with
a scale bar, the true pore space drawn over the grey levels.
"""

import dca

truth = dca.samples.sphere_pack(64, radius=6, porosity=0.3, voxel_size=5e-6, seed=0)
scan = dca.samples.virtual_scan(truth, resolution=5.4e-6, snr=8, beam_hardening=0.05, seed=0)
print(scan.grey)
fig = scan.grey.quicklook(overlay=truth)
