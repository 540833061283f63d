"""
A pore network in 3-D
=====================

SNOW extraction of the pore space of a sphere pack; ``plot()`` draws pores as balls sized and
coloured by their inscribed diameter and throats as sticks, with axes in micrometres.
"""

import dca

pores = dca.samples.sphere_pack(64, radius=6, porosity=0.35, voxel_size=5e-6, seed=1)
net = dca.network.extract(pores)
print(net)
fig = net.plot()
