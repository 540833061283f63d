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
# # Open-cell foam: graded mesh, CalculiX compression and the Gibson-Ashby scaling
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
c = results.get("compression", {})
if c:
    print(f"relative density {c['relative_density']['value']:.4f}, E*/Es {c['relative_modulus']['value']:.5f}, "
          f"Gibson-Ashby C = {c['gibson_ashby_c']['value']:.3f} (about 1 expected)")
    assert 0.3 < c["gibson_ashby_c"]["value"] < 3
else:
    print("CalculiX (ccx) is not installed: the compression stage was skipped")
print(json.dumps(results["mesh"], indent=1))

# %% [markdown]
# The loop: each load step's scan measures the strain; the model from the step before predicts it.

# %%
series = results.get("compression_series", {})
for i in range(1, 4):
    if f"step{i}_predicted_strain" in series:
        print(f"step {i}: measured {series[f'step{i}_measured_strain']['value']:.4f}, "
              f"predicted {series[f'step{i}_predicted_strain']['value']:.4f}")
