"""Runner stages of flow: permeability (network and direct), formation factor, drainage and
relative permeability, tortuosity."""

from __future__ import annotations

from dca.io._atomic import save_figure
from dca.run import Output, stage


def _with_faces(net, axis):
    from ._network_flow import with_face_pores

    return with_face_pores(net, axis)


@stage("permeability", needs=("segment",), optional=("network",), title="permeability")
def permeability_stage(ctx, params, segment, network):
    """``methods``: ["network", "stokes"] (default both where a [network] stage exists);
    ``axis``; ``microporous`` ({phase: k in m^2}) for the direct solve."""
    from . import permeability, stokes

    axis = params.get("axis", "x")
    methods = params.get("methods", ["network", "stokes"] if network is not None else ["stokes"])
    numbers, rows, value = {}, [], {}
    if "network" in methods:
        if network is None:
            raise ValueError("methods includes 'network' but the case has no [network] stage")
        k = permeability(_with_faces(network, axis), axis)
        value["network"] = k
        numbers["k_network_m2"], numbers["k_network_mD"] = (k.k_m2, "m^2"), (k.k_mD, "mD")
        rows.append({"method": "pore network", "k (mD)": f"{k.k_mD:.4g}", "k (m^2)": f"{k.k_m2:.4e}",
                     "mass balance": f"{k.mass_balance:.1e}"})
    if "stokes" in methods:
        s = stokes(segment, axis, microporous=params.get("microporous"), tol=float(params.get("tol", 1e-6)))
        value["stokes"] = s.permeability
        numbers["k_stokes_m2"], numbers["k_stokes_mD"] = (s.k_m2, "m^2"), (s.k_mD, "mD")
        numbers["stokes_iterations"] = (s.iterations, "1")
        rows.append({"method": "Stokes on the voxels", "k (mD)": f"{s.k_mD:.4g}", "k (m^2)": f"{s.k_m2:.4e}",
                     "mass balance": f"{s.permeability.mass_balance:.1e}"})
    if "network" in value and "stokes" in value:
        ratio = value["network"].k_m2 / value["stokes"].k_m2
        numbers["k_ratio_network_to_stokes"] = (ratio, "1")
        rows.append({"method": "ratio network / Stokes", "k (mD)": f"{ratio:.3f}", "k (m^2)": "",
                     "mass balance": "within 1.5 (Andrae 2013)" if 1 / 1.5 <= ratio <= 1.5 else "outside 1.5"})
    return Output(value=value, numbers=numbers, tables={f"Permeability along {axis}": rows})


@stage("formation_factor", needs=("network",), title="formation factor")
def formation_factor_stage(ctx, params, network):
    from . import formation_factor

    axis = params.get("axis", "x")
    f = formation_factor(_with_faces(network, axis), axis)
    return Output(value=f, numbers={"formation_factor": (f.formation_factor, "1")},
                  tables={"formation factor": [{"axis": axis, "F": f"{f.formation_factor:.4g}"}]})


@stage("drainage", needs=("network",), title="drainage")
def drainage_stage(ctx, params, network):
    """Primary drainage (``surface_tension`` N/m, ``contact_angle`` deg, ``trapping``) and the
    relative permeability curves."""
    from . import drainage, plot_relative_permeability, relative_permeability

    axis = params.get("axis", "x")
    d = drainage(_with_faces(network, axis), axis, surface_tension=float(params.get("surface_tension", 0.03)),
                 contact_angle=float(params.get("contact_angle", 0.0)), trapping=bool(params.get("trapping", True)))
    kr = relative_permeability(d)
    figures = {"Capillary pressure (primary drainage)": save_figure(d.plot(), ctx.path("capillary_pressure.png")),
               "Relative permeability": save_figure(plot_relative_permeability(kr), ctx.path("relperm.png"))}
    numbers = {"breakthrough_pressure_pa": (d.breakthrough_pressure, "Pa"),
               "residual_wetting_saturation": (float(d.curve["saturation_wetting"].iloc[-1]), "1")}
    return Output(value=d, numbers=numbers, figures=figures)


@stage("tortuosity", needs=("segment",), title="tortuosity")
def tortuosity_stage(ctx, params, segment):
    """Diffusive tortuosity along ``axis`` (``phase``, ``diffusivity`` per phase)."""
    from . import tortuosity

    axis = params.get("axis", "x")
    t = tortuosity(segment, axis, phase=params.get("phase"), diffusivity=params.get("diffusivity"))
    numbers = {"tau": (t.tau, "1"), "effective_diffusivity_ratio": (t.effective_diffusivity_ratio, "1"),
               "formation_factor_diffusive": (t.formation_factor, "1"), "porosity": (t.porosity, "1")}
    row = {"axis": axis, "tau": f"{t.tau:.4g}", "D_eff/D": f"{t.effective_diffusivity_ratio:.4g}",
           "Bruggeman D_eff/D = phi^1.5": f"{t.porosity ** 1.5:.4g}"}
    numbers["bruggeman_ratio"] = (t.porosity ** 1.5, "1")
    return Output(value=t, numbers=numbers, tables={"tortuosity": [row]})
