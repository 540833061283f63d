# ---
# jupyter:
#   jupytext:
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
# # Berea sandstone: porosity, pore sizes, network and direct permeability, drainage, meshes
#
# The pipeline is declared in `case.toml`; this notebook runs it (cached stage by stage) and
# looks at the numbers. `DCA_CASE_SIZE=64` runs it on a reduced crop, as the tests do.

# %%
import json

import dca.run

result = dca.run.run_case_beside(__file__ if "__file__" in globals() else None)
results = result.results["results"]
print("report:", result.report)

# %%
k = results["permeability"]
print(f"porosity {results['metrics']['porosity']['value']:.4f}")
print(f"network k {k['k_network_mD']['value']:.0f} mD, Stokes k {k['k_stokes_mD']['value']:.0f} mD, "
      f"ratio {k['k_ratio_network_to_stokes']['value']:.3f} (Andrae et al. 2013 spread: 1.5)")
print(f"formation factor {results['formation_factor']['formation_factor']['value']:.2f} (published Fx 23.12)")
assert 1 / 1.5 < k["k_ratio_network_to_stokes"]["value"] < 1.5

# %% [markdown]
# The report shows the slices, the size distributions, the network, the capillary pressure and
# relative permeability curves and the pore surface.

# %%
print(json.dumps(results["drainage"], indent=1))

# %% [markdown]
# Special core analysis on the network: drainage, waterflood and secondary drainage for a
# water-wet and a mixed-wet state (`[scal]` in `case.toml`; figures `scal_water_wet.png`,
# `scal_mixed_large.png`), and drainage on the voxels beside the network's.

# %%
scal = results["scal"]
for state in ("water_wet", "mixed_large"):
    print(f"{state}: Swi {scal[f'{state}_swi']['value']:.4f}, Sor {scal[f'{state}_sor']['value']:.3f}, "
          f"krw at Sor {scal[f'{state}_krw_at_sor']['value']:.3f}, "
          f"Amott water index {scal[f'{state}_amott_water']['value']:.2f}")
print(f"Pc at Sw = 0.5: network {scal['network_drainage_pc_at_sw_half_pa']['value'] / 1e3:.2f} kPa, "
      f"voxels {scal['voxel_drainage_pc_at_sw_half_pa']['value'] / 1e3:.2f} kPa")
assert scal["mixed_large_sor"]["value"] > scal["water_wet_sor"]["value"]  # oil-wet pores keep their oil
