# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Berea sandstone: porosity, pore sizes, network and direct permeability, drainage, meshes
#
# The pipeline is declared in `case.toml`; this notebook runs it (cached stage by stage) and
# looks at the numbers. `DCA_CASE_SIZE=48` runs it on a reduced crop, as the tests do.

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
