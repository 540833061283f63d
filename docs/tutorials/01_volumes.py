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
# # Volumes: read, look, crop, write
#
# A `dca.Volume` carries its voxel size and origin (metres, axes z, y, x) wherever it goes. This
# tutorial makes a synthetic scan, writes it as OME-TIFF, reads it back with its voxel size and
# looks at it.

# %%
import dca

truth = dca.samples.sphere_pack(48, radius=5, porosity=0.35, voxel_size=5e-6, seed=0)
scan = dca.samples.virtual_scan(truth, snr=10, seed=0).grey
dca.write(scan, "scan.ome.tif")
scan = dca.read("scan.ome.tif")  # the voxel size comes back from the file
scan

# %% [markdown]
# `view()` shows the three orthogonal slices through a point, with a slider per axis in Jupyter
# (a static figure elsewhere) and a scale bar in physical units.

# %%
scan.view()

# %% [markdown]
# A crop keeps its place: its origin moves with it, so it overlays the full volume in ParaView.

# %%
sub = scan[10:40, 5:45, 5:45]
print(sub.origin, sub.voxel_size)
dca.write(sub, "crop.vti")
assert sub.voxel_size == scan.voxel_size and sub.origin[0] > scan.origin[0]
