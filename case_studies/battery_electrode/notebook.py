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
# # Battery electrode: tortuosity against Bruggeman, surface, particle sizes, and a charge-cycle series
#
# The pipeline is declared in `case.toml`; this notebook runs it (cached stage by stage) and
# looks at the numbers. `DCA_CASE_SIZE=48` runs it on a reduced crop, as the tests do.

# %%
import dca.run

result = dca.run.run_case_beside(__file__ if "__file__" in globals() else None)
results = result.results["results"]
print("report:", result.report)

# %%
t, tb = results["tortuosity"], results["tortuosity.with_binder"]
phi = t["porosity"]["value"]
print(f"electrolyte porosity {phi:.3f}: tau {t['tau']['value']:.3f}, Bruggeman phi^-0.5 = {phi ** -0.5:.3f}")
print(f"D_eff/D {t['effective_diffusivity_ratio']['value']:.4f}, Bruggeman phi^1.5 = {phi ** 1.5:.4f}")
print(f"with a binder at D/10: tau {tb['tau']['value']:.3f}, D_eff/D {tb['effective_diffusivity_ratio']['value']:.4f}")
print(f"particle d50 {results['metrics.particles']['pore_size_distribution.d50']['value'] * 1e6:.2f} um, "
      f"specific surface of the electrolyte {results['metrics']['specific_surface_area']['value']:.3g} 1/m")
# the particles make the path more tortuous than Bruggeman's spheres; a conducting binder helps
assert t["tau"]["value"] > phi ** -0.5
assert tb["effective_diffusivity_ratio"]["value"] > t["effective_diffusivity_ratio"]["value"]

# %% [markdown]
# ## Through the charge cycles
# The same pack after each cycle: the particles swell and crack. What the scans measure is set
# beside the generator's ground truth, and transport is solved on every step.

# %%
s, f = results["series"], results["series_flow"]
cycles = s["cycle"]["value"]
opened, cracks = s["active_to_pore_m3"]["value"], s["truth.crack_volume_m3"]["value"]
for i, c in enumerate(cycles):
    seen = opened[i] / cracks[i] if cracks[i] else float("nan")
    print(f"cycle {c:4g}: {s['truth.cracked_particles']['value'][i]:4.0f} cracked particles, cracks seen {seen:.3f} "
          f"of their volume, electrolyte {s['porosity']['value'][i]:.4f}, tau {f['tau']['value'][i]:.3f}, "
          f"k {f['k_mD']['value'][i]:.1f} mD")
# the scans find the cracks the generator made; more porosity, yet less permeability
assert all(abs(o - t) <= 0.1 * t for o, t in zip(opened[1:], cracks[1:]))
assert s["porosity"]["value"][-1] > s["porosity"]["value"][0] and f["k_mD"]["value"][-1] < f["k_mD"]["value"][0]
