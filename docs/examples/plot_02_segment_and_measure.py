"""
Segment a scan and measure its pores
====================================

Otsu's threshold inside the cylindrical field of view, scored against the ground truth, then
porosity, specific surface and the pore size distribution (local thickness) of the result.
"""

import dca

truth = dca.samples.sphere_pack(64, radius=6, porosity=0.3, voxel_size=5e-6, seed=0)
scan = dca.samples.virtual_scan(truth, resolution=5e-6, snr=8, seed=0)
pores = dca.segment.otsu(dca.filters.median(scan.grey))
print(dca.segment.score(pores, truth))
print(f"porosity {dca.metrics.porosity(pores):.3f} (truth {dca.metrics.porosity(truth):.3f})")
fig = dca.metrics.pore_size_distribution(pores).plot()
