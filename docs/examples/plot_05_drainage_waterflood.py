"""
Drainage and waterflood on a network
====================================

Primary drainage, waterflood and secondary drainage of a water-wet network: capillary
pressure and relative permeability of every cycle, with the Amott and USBM indices.
"""

import dca
import flow

pores = dca.samples.blobs(64, porosity=0.4, seed=2, voxel_size=2e-6)
net = dca.network.extract(pores)
run = flow.scal(net, cycles=("drainage", "waterflood", "drainage"), receding=(0, 10), advancing=(30, 50),
                points=20)
print(f"Amott water index {run.amott_water:.2f}, USBM {run.usbm:.2f}")
fig = run.plot()
