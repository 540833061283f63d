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
# # Segment and measure
#
# Denoise, keep the scanner's field of view (a cylinder), segment by Otsu's threshold (True =
# pore), and measure: porosity, specific surface, Minkowski functionals and the pore size
# distribution, all in SI units and inside the field of view only.

# %%
import dca

truth = dca.samples.sphere_pack(48, radius=5, porosity=0.35, voxel_size=5e-6, seed=0)
scan = dca.samples.virtual_scan(truth, snr=10, seed=0).grey
smooth = dca.filters.median(scan, size=3)
labels = dca.segment.otsu(dca.filters.crop_cylinder(smooth))
labels.view(overlay=labels)

# %%
summary = dca.metrics.summary(labels)
summary

# %%
psd = dca.metrics.pore_size_distribution(labels)
psd.plot()

# %%
porosity = dca.metrics.porosity(labels)
print(f"porosity {porosity:.3f}; the sample was made at {float(truth.to_numpy().mean()):.3f}")
assert abs(porosity - 0.35) < 0.05
