"""
A graded tetrahedral mesh of a foam
===================================

Fine elements at the interfaces, coarse inside the phases, interfaces on the smoothed
boundaries; every phase a region. The mesh is drawn coloured by region, then its size field.
"""

import dca
import meshing

foam = dca.samples.open_cell_foam(40, cell_size=16, porosity=0.8, voxel_size=20e-6, seed=0)
mesh = meshing.graded_tet_mesh(foam)
print(mesh)
print(mesh.quality())
fig = mesh.plot()

# %%
# The size field: cube sizes against the distance to the nearest interface.
sizes = meshing.plot_size_field(mesh)
