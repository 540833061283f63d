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
# # Carbonate, two scales: microporosity calibration and permeability with and without it
#
# The pipeline is declared in `case.toml`; this notebook runs it (cached stage by stage) and
# looks at the numbers. `DCA_CASE_SIZE=64` runs it on a reduced crop, as the tests do.

# %%
import dca.run

result = dca.run.run_case_beside(__file__ if "__file__" in globals() else None)
m = result.results["results"]["microporosity"]
print("report:", result.report)

# %%
print(f"fine scan placed within {m['placement_error_voxels']['value']:.2f} coarse voxel "
      f"(correlation {m['placement_correlation']['value']:.3f})")
print(f"porosity = {m['calibration_slope']['value']:.5f} x grey + ..., r2 {m['calibration_r2']['value']:.4f}")
for key in ("k_without_micro_mD", "k_with_micro_mD", "k_fine_reference_mD"):
    print(f"{key:22s} {m[key]['value']:10.4g} mD")
assert m["placement_error_voxels"]["value"] < 0.5
assert m["k_with_micro_mD"]["value"] > m["k_without_micro_mD"]["value"]
