"""Runner stages of flow: permeability (network and direct), formation factor, drainage and
relative permeability, tortuosity."""

from __future__ import annotations

from .. import M2_PER_MILLIDARCY
from .._errors import InputError
from ..io import save_figure
from ._engine import Output, stage


def _with_faces(net, axis):
    from flow import with_face_pores

    return with_face_pores(net, axis)


@stage("permeability", needs=("segment",), optional=("network",), title="permeability",
       keys=("axis", "methods", "microporous", "tol"))
def permeability_stage(ctx, params, segment, network):
    """``methods``: ["network", "stokes"] (default both where a [network] stage exists);
    ``axis``; ``microporous`` ({phase: k in m^2}) for the direct solve."""
    from flow import permeability, stokes

    axis = params.get("axis", "x")
    methods = params.get("methods", ["network", "stokes"] if network is not None else ["stokes"])
    numbers, rows, value = {}, [], {}
    if "network" in methods:
        if network is None:
            raise InputError("methods includes 'network' but the case has no [network] stage")
        k = permeability(_with_faces(network, axis), axis=axis)
        value["network"] = k
        numbers["k_network_m2"], numbers["k_network_mD"] = (k.k_m2, "m^2"), (k.k_mD, "mD")
        rows.append({"method": "pore network", "k (mD)": f"{k.k_mD:.4g}", "k (m^2)": f"{k.k_m2:.4e}",
                     "mass balance": f"{k.mass_balance:.1e}", "note": k.reason})
    if "stokes" in methods:
        s = stokes(segment, axis=axis, microporous=params.get("microporous"), tol=float(params.get("tol", 1e-6)),
                   progress=ctx.progress)
        value["stokes"] = s.permeability
        numbers["k_stokes_m2"], numbers["k_stokes_mD"] = (s.k_m2, "m^2"), (s.k_mD, "mD")
        numbers["stokes_iterations"] = (s.iterations, "1")
        rows.append({"method": "Stokes on the voxels", "k (mD)": f"{s.k_mD:.4g}", "k (m^2)": f"{s.k_m2:.4e}",
                     "mass balance": f"{s.permeability.mass_balance:.1e}", "note": s.reason})
    if "network" in value and "stokes" in value:
        ratio = value["network"].k_m2 / value["stokes"].k_m2
        numbers["k_ratio_network_to_stokes"] = (ratio, "1")
        verdict = "within" if 1 / 1.5 <= ratio <= 1.5 else "outside"
        rows.append({"method": "ratio network / Stokes", "k (mD)": f"{ratio:.3f}", "k (m^2)": "", "mass balance": "",
                     "note": f"{verdict} the factor 1.5 that network and direct k usually agree to (Andrae 2013)"})
    return Output(value=value, numbers=numbers, tables={f"Permeability along {axis}": rows})


@stage("formation_factor", needs=("network",), title="formation factor", keys=("axis",))
def formation_factor_stage(ctx, params, network):
    """Formation factor along ``axis`` from the network's electrical conductances (pores full of brine)."""
    from flow import formation_factor

    axis = params.get("axis", "x")
    f = formation_factor(_with_faces(network, axis), axis=axis)
    return Output(value=f, numbers={"formation_factor": (f.formation_factor, "1")},
                  tables={"formation factor": [{"axis": axis, "F": f"{f.formation_factor:.4g}"}]})


@stage("drainage", needs=("network",), title="drainage",
       keys=("axis", "surface_tension", "contact_angle", "trapping"))
def drainage_stage(ctx, params, network):
    """Primary drainage (``surface_tension`` N/m, ``contact_angle`` deg, ``trapping``) and the
    relative permeability curves."""
    from flow import drainage, plot_relative_permeability, relative_permeability

    axis = params.get("axis", "x")
    d = drainage(_with_faces(network, axis), axis=axis, surface_tension=float(params.get("surface_tension", 0.03)),
                 contact_angle=float(params.get("contact_angle", 0.0)), trapping=bool(params.get("trapping", True)))
    kr = relative_permeability(d)
    figures = {"Capillary pressure (primary drainage)": save_figure(d.plot(), ctx.path("capillary_pressure.png")),
               "Relative permeability": save_figure(plot_relative_permeability(kr), ctx.path("relperm.png"))}
    numbers = {"breakthrough_pressure_pa": (d.breakthrough_pressure, "Pa"),
               "residual_wetting_saturation": (float(d.curve["saturation_wetting"].iloc[-1]), "1")}
    return Output(value=d, numbers=numbers, figures=figures)


@stage("scal", needs=("network",), optional=("segment",), title="special core analysis",
       keys=("axis", "cycles", "receding", "advancing", "wettability", "oil_wet_fraction", "oil_wet_advancing",
             "surface_tension", "pc_max", "pc_min", "points", "box", "seed", "voxels", "contact_model"))
def scal_stage(ctx, params, network, segment):
    """Drainage, waterflood (and secondary drainage) on the network for each ``wettability``
    state (a list: water-wet, oil-wet, fractional, mixed-large, mixed-small), with the contact
    angles ``receding`` and ``advancing`` (degrees or [min, max]), ``oil_wet_advancing``,
    ``oil_wet_fraction``, ``pc_max``/``pc_min`` (Pa), ``points``, ``box`` ([0.2, 0.9]: pnflow's
    measurement box), ``contact_model`` (pnflow's 1-4), ``seed``. ``voxels = true`` adds the
    morphological drainage of the segmented image beside the network's, as the image-based
    check."""
    from matplotlib.figure import Figure

    from flow import morphological_drainage, scal

    axis = params.get("axis", "x")
    net = _with_faces(network, axis)
    states = params.get("wettability", ["water-wet", "mixed-large"])
    states = [states] if isinstance(states, str) else list(states)
    options = {"cycles": tuple(params.get("cycles", ["drainage", "waterflood", "drainage"])),
               "receding": _angles(params.get("receding", 0.0)),
               "advancing": _angles(params.get("advancing", [30, 50])),
               "oil_wet_advancing": _angles(params.get("oil_wet_advancing", [100, 150])),
               "oil_wet_fraction": float(params.get("oil_wet_fraction", 0.5)),
               "surface_tension": float(params.get("surface_tension", 0.03)),
               "pc_max": float(params.get("pc_max", 2e5)), "pc_min": float(params.get("pc_min", -2e5)),
               "points": int(params.get("points", 50)), "box": params.get("box"),
               "contact_model": int(params.get("contact_model", 1)),
               "seed": int(params.get("seed", ctx.seed))}
    numbers, rows, figures, value = {}, [], {}, {}
    for state in states:
        run = scal(net, axis=axis, wettability=state, **options)
        value[state] = run
        key = state.replace("-", "_")
        drain, flood = run.cycle("primary drainage"), run.cycle("waterflood") if "waterflood" in options["cycles"] \
            else None
        numbers[f"{key}_swi"] = (drain.end["Sw"], "1")
        numbers[f"{key}_kro_at_swi"] = (drain.end["kro"], "1")
        if flood is not None:
            numbers[f"{key}_sor"] = (1 - flood.end["Sw"], "1")
            numbers[f"{key}_krw_at_sor"] = (flood.end["krw"], "1")
            numbers[f"{key}_amott_water"] = (run.amott_water, "1")
        rows.append({"wettability": state, "Swi": f"{drain.end['Sw']:.4f}", "kro at Swi": f"{drain.end['kro']:.4f}",
                     "Sor": f"{1 - flood.end['Sw']:.4f}" if flood else "", "krw at Sor":
                     f"{flood.end['krw']:.4f}" if flood else "", "Amott water": f"{run.amott_water:.3f}",
                     "Amott oil": f"{run.amott_oil:.3f}", "USBM": f"{run.usbm:.3f}",
                     "Archie n": f"{run.archie_n:.2f}", "seconds": f"{run.seconds:.1f}"})
        figures[f"Capillary pressure and relative permeability ({state})"] = save_figure(
            run.plot(), ctx.path(f"scal_{key}.png"))
    if params.get("voxels") and segment is not None:
        voxel = morphological_drainage(segment, axis=axis, surface_tension=options["surface_tension"])
        value["voxels"] = voxel
        first = value[states[0]].cycle("primary drainage").table
        fig = Figure(figsize=(5.5, 4), layout="constrained")
        ax = fig.subplots()
        ax.semilogy(first["Sw"], first["Pc_pa"], "-", label=f"network ({states[0]})")
        ax.semilogy(voxel.table["Sw"], voxel.table["Pc_pa"], "o-", label="voxels (sphere insertion)")
        ax.set_xlabel("water saturation")
        ax.set_ylabel("capillary pressure (Pa)")
        ax.set_xlim(0, 1)
        ax.legend()
        figures["Primary drainage: network against voxels"] = save_figure(fig, ctx.path("drainage_network_voxels.png"))
        numbers["voxel_drainage_pc_at_sw_half_pa"] = (_pc_at(voxel.table, 0.5), "Pa")
        numbers["network_drainage_pc_at_sw_half_pa"] = (_pc_at(first, 0.5), "Pa")
    return Output(value=value, numbers=numbers, tables={"Special core analysis: end points": rows}, figures=figures)


def _angles(value):
    return tuple(float(v) for v in value) if isinstance(value, (list, tuple)) else float(value)


def _pc_at(table, sw: float) -> float:
    import numpy as np

    order = np.argsort(table["Sw"].to_numpy())
    return float(np.interp(sw, table["Sw"].to_numpy()[order], table["Pc_pa"].to_numpy()[order]))


@stage("tortuosity", needs=("segment",), title="tortuosity", keys=("axis", "phase", "diffusivity"))
def tortuosity_stage(ctx, params, segment):
    """Diffusive tortuosity along ``axis`` (``phase``, ``diffusivity`` per phase)."""
    from flow import tortuosity

    axis = params.get("axis", "x")
    t = tortuosity(segment, axis=axis, phase=params.get("phase"), diffusivity=params.get("diffusivity"),
                   progress=ctx.progress)
    numbers = {"tau": (t.tau, "1"), "effective_diffusivity_ratio": (t.effective_diffusivity_ratio, "1"),
               "formation_factor_diffusive": (t.formation_factor, "1"), "porosity": (t.porosity, "1")}
    row = {"axis": axis, "tau": f"{t.tau:.4g}", "D_eff/D": f"{t.effective_diffusivity_ratio:.4g}",
           "Bruggeman D_eff/D = phi^1.5": f"{t.porosity ** 1.5:.4g}"}
    numbers["bruggeman_ratio"] = (t.porosity ** 1.5, "1")
    return Output(value=t, numbers=numbers, tables={"tortuosity": [row]})


@stage("series_flow", needs=("series",), title="4D series: transport per step",
       keys=("tortuosity", "permeability"))
def series_flow_stage(ctx, params, series):
    """Transport through every step of [series]: ``tortuosity = {phase, axis, diffusivity}``
    (tau, D_eff/D and Bruggeman's phi^-0.5 per step) and/or ``permeability = {axis}`` (Stokes
    on the voxels per step). A step whose phase no longer spans the sample reports tau = inf
    and k = 0."""
    import numpy as np

    from flow import stokes, tortuosity

    from ..util import progress_steps as steps

    if not ({"tortuosity", "permeability"} & set(params)):
        raise InputError("[series_flow] needs tortuosity = {...} and/or permeability = {...}")
    columns: dict[str, list] = {}
    for i in steps(range(len(series)), "transport per step", enabled=ctx.progress):
        step = series[i]
        if "tortuosity" in params:
            spec = params["tortuosity"]
            t = tortuosity(step, axis=spec.get("axis", "x"), phase=spec.get("phase"),
                           diffusivity=spec.get("diffusivity"), progress=ctx.progress)  # tau = inf: no path
            for key, value in (("tau", t.tau), ("effective_diffusivity_ratio", t.effective_diffusivity_ratio),
                               ("porosity", t.porosity),
                               ("tau_bruggeman", t.porosity ** -0.5 if t.porosity > 0 else np.inf)):
                columns.setdefault(key, []).append(float(value))
        if "permeability" in params:
            spec = params["permeability"]
            k = stokes(step, axis=spec.get("axis", "x"), phase=spec.get("phase"), progress=ctx.progress).k_m2
            columns.setdefault("k_m2", []).append(k)
            columns.setdefault("k_mD", []).append(k / M2_PER_MILLIDARCY)
    units = {"k_m2": "m^2", "k_mD": "mD"}
    numbers = {key: (values, units.get(key, "1")) for key, values in columns.items()}
    x, label = series.coords, series.coord_label
    table = [{label: f"{c:g}", **{k: f"{v[j]:.4g}" for k, v in columns.items()}} for j, c in enumerate(x)]
    figures = {"Transport against the step": save_figure(_transport_history(x, label, columns),
                                                         ctx.path("series_transport.png"))}
    return Output(value=columns, numbers=numbers, figures=figures, tables={"transport per step": table})


def _transport_history(x, label, columns):
    from matplotlib.figure import Figure

    panels = [p for p in (("tau", "tau_bruggeman"), ("k_mD",)) if p[0] in columns]
    fig = Figure(figsize=(4.4 * len(panels), 3.4), layout="constrained")
    for ax, keys in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        for key, style, name in zip(keys, ("o-", "s--"), ("image", "Bruggeman phi^-0.5")):
            ax.plot(x, columns[key], style, label=name if key.startswith("tau") else "Stokes on the voxels")
        ax.set_xlabel(label)
        ax.set_ylabel("tortuosity factor" if keys[0] == "tau" else "permeability (mD)")
        ax.legend(fontsize=8)
    return fig


@stage("microporosity", needs=("input",), title="multiscale: microporosity",
       keys=("factor", "region", "block", "axis", "noise", "pore_above", "solid_below"))
def microporosity_stage(ctx, params, input):
    """A fine-scale sample (labels: solid 0, anything else pore) seen by a coarse scan
    ``factor`` times coarser, and by a fine scan of a ``region``^3 sub-volume
    (``dca.samples.multiscale_scans``, grey-level ``noise``). ``flow.microporous_model`` locates
    the fine scan in the coarse one, calibrates porosity per coarse grey level, fits a
    Kozeny-Carman law to Stokes permeabilities of ``block``^3 sub-volumes of the fine scan, and
    makes the coarse voxels between ``solid_below`` and ``pore_above`` porosity microporous.
    Permeability along ``axis``: coarse macropores alone, with the microporous voxels
    (Darcy-Brinkman), and the fine sample itself for reference."""
    import numpy as np

    from dca.samples import multiscale_scans
    from flow import microporous_model, stokes

    axis = params.get("axis", "x")
    scans = multiscale_scans(input, factor=int(params.get("factor", 4)), region=int(params.get("region", 48)),
                             noise=float(params.get("noise", 2.0)), seed=ctx.seed)
    model = microporous_model(scans.coarse, scans.fine, scans.fine_labels, block=int(params.get("block", 12)),
                              axis=axis, solid_below=float(params.get("solid_below", 0.05)),
                              pore_above=float(params.get("pore_above", 0.9)))
    labels, placement, calibration, kc = model.labels, model.placement, model.calibration, model.law
    micro = model.k_map > 0
    coarse, start = scans.coarse, np.array(scans.offset_voxels)
    k_without = stokes(labels, axis=axis).k_m2  # 0 where the macropores alone do not span
    k_with = stokes(labels, axis=axis, microporous=model.k_map).k_m2
    k_fine = stokes(input.replace(data=input.to_numpy() > 0, phases={}), axis=axis).k_m2
    md = M2_PER_MILLIDARCY
    numbers = {"placement_error_voxels": (float(np.abs(np.array(placement.offset_voxels) - start).max()), "1"),
               "placement_correlation": (placement.correlation, "1"),
               "calibration_slope": (calibration.slope, "1/grey"), "calibration_r2": (calibration.r2, "1"),
               "kozeny_carman_c_m2": (kc.c, "m^2"), "micro_voxel_fraction": (float(micro.mean()), "1"),
               "k_without_micro_mD": (k_without / md, "mD"), "k_with_micro_mD": (k_with / md, "mD"),
               "k_fine_reference_mD": (k_fine / md, "mD"), "k_with_micro_over_fine": (k_with / k_fine, "1"),
               "k_without_micro_over_fine": (k_without / k_fine, "1")}
    rows = [{"model": "coarse scan, macropores only", "k (mD)": f"{k_without / md:.4g}",
             "against the fine sample": f"{k_without / k_fine:.3f}"},
            {"model": "coarse scan + microporous voxels (Darcy-Brinkman, Kozeny-Carman)",
             "k (mD)": f"{k_with / md:.4g}", "against the fine sample": f"{k_with / k_fine:.3f}"},
            {"model": "the fine sample itself (Stokes)", "k (mD)": f"{k_fine / md:.4g}",
             "against the fine sample": "1"}]
    figures = {"The coarse scan with macropores and microporous voxels overlaid":
               save_figure(coarse.quicklook(overlay=labels, title="Coarse scan: macropore (1), microporous (2)"),
                           ctx.path("coarse_slices.png")),
               "Porosity per coarse grey level, calibrated on the fine scan":
               save_figure(calibration.plot().figure, ctx.path("calibration.png"))}
    return Output(value=labels, numbers=numbers, figures=figures, tables={
        "placement of the fine scan": [{"offset (coarse voxels)": str(np.round(placement.offset_voxels, 2).tolist()),
                                        "true": str(start.tolist()),
                                        "correlation": f"{placement.correlation:.4f}"}],
        "permeability with and without microporosity": rows})


@stage("knudsen", needs=("segment", "tortuosity"), title="gas diffusion in nanopores",
       keys=("molecular_diffusivity", "molar_mass", "temperature", "phase", "agglomerate_phase"))
def knudsen_stage(ctx, params, segment, tortuosity):
    """Effective gas diffusivity of a nanoporous layer two ways.

    Measured: each pore diameter d of the local-thickness distribution conducts the
    Bosanquet diffusivity 1/D = 1/D_m + 1/D_K(d), D_K = d/3 sqrt(8RT/(pi M)); their
    volume-weighted mean times porosity over the image's tortuosity factor. Homogeneous: one
    pore diameter, the hydraulic 4 phi / S_v of uniform agglomerates, and Bruggeman's
    tau = phi^-0.5. Also the agglomerate size distribution of ``agglomerate_phase``.
    """
    import numpy as np

    from .. import metrics

    dm = float(params.get("molecular_diffusivity", 2.7e-5))  # O2 in N2 at 353 K, 1 atm
    molar_mass, temperature = float(params.get("molar_mass", 0.032)), float(params.get("temperature", 353.0))
    mean_speed = np.sqrt(8 * 8.314462618 * temperature / (np.pi * molar_mass))

    def bosanquet(d):
        return 1 / (1 / dm + 1 / (np.asarray(d) / 3 * mean_speed))

    phase = params.get("phase")
    psd = metrics.pore_size_distribution(segment, phase=phase)
    d, w = psd.table["diameter_m"].to_numpy(), psd.table["volume_fraction"].to_numpy()
    phi = tortuosity.porosity
    d_measured = float(np.sum(w * bosanquet(d)) / np.sum(w))
    deff_measured = phi * d_measured / tortuosity.tau
    sv = metrics.minkowski(segment, phase=phase).surface_area / (segment.size * segment.voxel_volume)
    d_h = 4 * phi / sv
    deff_homogeneous = phi ** 1.5 * float(bosanquet(d_h))
    aggl = metrics.particle_size_distribution(segment, phase=params.get("agglomerate_phase", "solid"))
    numbers = {"porosity": (phi, "1"), "tau_image": (tortuosity.tau, "1"), "tau_bruggeman": (phi ** -0.5, "1"),
               "mean_pore_diameter_m": (float(np.sum(w * d) / np.sum(w)), "m"), "hydraulic_diameter_m": (d_h, "m"),
               "knudsen_fraction": (1 - d_measured / dm, "1"),
               "deff_measured_m2_s": (deff_measured, "m^2/s"), "deff_homogeneous_m2_s": (deff_homogeneous, "m^2/s"),
               "deff_ratio_homogeneous_over_measured": (deff_homogeneous / deff_measured, "1"),
               "agglomerate_d50_m": (aggl.summary["d50"], "m")}
    rows = [{"prediction": "measured pore sizes and tortuosity", "D_eff (m^2/s)": f"{deff_measured:.3e}",
             "tau": f"{tortuosity.tau:.3f}", "pore diameter": f"{np.sum(w * d) / np.sum(w) * 1e9:.0f} nm (mean)"},
            {"prediction": "homogeneous agglomerates, Bruggeman", "D_eff (m^2/s)": f"{deff_homogeneous:.3e}",
             "tau": f"{phi ** -0.5:.3f}", "pore diameter": f"{d_h * 1e9:.0f} nm (4 phi / S_v)"}]
    figures = {"Pore size distribution": save_figure(psd.plot(), ctx.path("nano_psd.png")),
               "Agglomerate size distribution": save_figure(aggl.plot(), ctx.path("agglomerates.png"))}
    return Output(value=None, numbers=numbers, figures=figures, tables={"effective diffusivity of O2": rows})
