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
# # Pore networks and flow
#
# Extract a network, compute permeability on it and by Stokes flow on the voxels, then run
# drainage and a waterflood (special core analysis) on the network.

# %%
import dca
import flow

pores = dca.samples.blobs(48, porosity=0.4, seed=2, voxel_size=2e-6)
net = dca.network.extract(pores)
net

# %% [markdown]
# In Jupyter `plot()` is an interactive 3-D scene (drag to rotate, scroll to zoom); in a script
# it is a picture. Axes are in micrometres, the colour legend names its quantity and unit.

# %%
net.plot()

# %%
k_network = flow.permeability(net, axis="x")
stokes = flow.stokes(pores, axis="x")
print(f"network {k_network.k_mD:.0f} mD, Stokes {stokes.k_mD:.0f} mD")

# %% [markdown]
# The Stokes velocity field on three orthogonal slices (solid in grey); `stokes.plot("pressure")`
# shows the pressure instead, and `stokes.write("flow.vti")` the whole field for ParaView.

# %%
stokes.plot()

# %% [markdown]
# Drainage, waterflood and secondary drainage for a water-wet state: capillary pressure and
# relative permeability of each cycle, and the wettability indices.

# %%
run = flow.scal(net, cycles=("drainage", "waterflood", "drainage"), receding=(0, 10), advancing=(30, 50),
                points=20)
print(f"Amott water index {run.amott_water:.2f}, Archie n {run.archie_n:.2f}")
run.plot()

# %%
flood = run.cycle("waterflood").table
assert flood["Sw"].is_monotonic_increasing and flood["kro"].iloc[-1] == 0
