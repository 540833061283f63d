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
# # Fuel-cell catalyst layer: O2 diffusivity measured against a homogeneous-agglomerate model
#
# The pipeline is declared in `case.toml`; this notebook runs it (cached stage by stage) and
# looks at the numbers. `DCA_CASE_SIZE=48` runs it on a reduced crop, as the tests do.

# %%
import dca.run

result = dca.run.run_case_beside(__file__ if "__file__" in globals() else None)
k = result.results["results"]["knudsen"]
print("report:", result.report)

# %%
print(f"porosity {k['porosity']['value']:.3f}; tau from the image {k['tau_image']['value']:.3f}, "
      f"Bruggeman {k['tau_bruggeman']['value']:.3f}")
print(f"mean pore diameter {k['mean_pore_diameter_m']['value'] * 1e9:.0f} nm, hydraulic "
      f"{k['hydraulic_diameter_m']['value'] * 1e9:.0f} nm; Knudsen share of the resistance "
      f"{k['knudsen_fraction']['value']:.0%}")
ratio = k["deff_ratio_homogeneous_over_measured"]["value"]
print(f"D_eff measured {k['deff_measured_m2_s']['value']:.3e} m^2/s, homogeneous model "
      f"{k['deff_homogeneous_m2_s']['value']:.3e} m^2/s: ratio {ratio:.2f}")
assert k["deff_ratio_homogeneous_over_measured"]["value"] > 1  # the homogeneous model is optimistic
