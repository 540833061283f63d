# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Battery electrode: tortuosity and effective diffusivity against Bruggeman, surface, particle sizes
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
