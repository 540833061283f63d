# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Meshes for FEM and CFD
#
# A watertight surface, a conforming tetrahedral mesh tagged by phase and boundary, and a
# graded mesh (fine at interfaces, coarse inside) with its quality report, written for Gmsh,
# FEniCS (XDMF) and CalculiX/Abaqus (.inp).

# %%
import dca
import meshing

foam = dca.samples.open_cell_foam(32, cell_size=16, porosity=0.8, voxel_size=20e-6, seed=0)
surface = meshing.surface(foam)
print(meshing.surface_check(surface))

# %%
graded = meshing.graded_tet_mesh(foam, max_size=8)
print(graded)
print(graded.attrs["volume_error"])
graded.quality()

# %% [markdown]
# The mesh in 3-D, coloured by region (interactive in Jupyter), and its size field: fine at the
# interfaces, coarse inside the phases.

# %%
graded.plot()

# %%
meshing.plot_size_field(graded)

# %%
files = graded.write("foam.msh") + graded.write("foam.xdmf") + graded.write("foam.inp")
print(files)
assert graded.quality().ok
