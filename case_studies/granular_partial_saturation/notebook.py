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
# # Partially saturated granules: three-phase segmentation, saturation, interfaces, connectivity
#
# The pipeline is declared in `case.toml`; this notebook runs it (cached stage by stage) and
# looks at the numbers. `DCA_CASE_SIZE=48` runs it on a reduced crop, as the tests do.

# %%
import dca.run

result = dca.run.run_case_beside(__file__ if "__file__" in globals() else None)
results = result.results["results"]
print("report:", result.report)

# %%
score, fluids = results["score"], results["fluids"]
print(f"voxel accuracy {score['accuracy']['value']:.4f}, water IoU {score['iou_water']['value']:.4f}")
for name in ("saturation_wetting", "interface_water_air_per_volume", "interface_water_grain_per_volume",
             "interface_air_grain_per_volume", "water_connected_fraction", "air_connected_fraction"):
    got, true = fluids[name]["value"], fluids[name + "_truth"]["value"]
    print(f"{name:34s} {got:10.4g}  truth {true:10.4g}  ({got / true - 1:+.1%})")
assert abs(fluids["saturation_wetting"]["value"] - fluids["saturation_wetting_truth"]["value"]) < 0.02
