"""
Permeability: network against Stokes on the voxels
==================================================

The same pore space two ways: the network model and a Stokes solve on the voxels. The flow
field's speed is drawn on three orthogonal slices, solid in grey.
"""

import dca
import flow

pores = dca.samples.sphere_pack(48, radius=6, porosity=0.35, voxel_size=5e-6, seed=1)
network = flow.permeability(dca.network.extract(pores), axis="x")
stokes = flow.stokes(pores, axis="x")
print(f"network {network.k_mD:.0f} mD, Stokes {stokes.k_mD:.0f} mD")
fig = stokes.plot()
