"""``dca permeability``, ``dca tortuosity`` and ``dca drainage``: the subcommands that call ``flow``
(imported when one of them runs, so ``dca --help`` stays fast)."""

from __future__ import annotations

from .. import M2_PER_MILLIDARCY
from ._common import add_reader_options, emit, phase_arg
from ._network import add_network_input, load_image, load_network


def add_parser(sub) -> None:
    parser = sub.add_parser("permeability", help="absolute permeability (m^2 and mD) along an axis",
                            description="Absolute permeability by pore-network flow, by Stokes flow on the voxels, "
                                        "or both side by side (--method all). Given the folder of a finished "
                                        "OpenFOAM case that 'dca mesh --format openfoam' wrote, the k of its "
                                        "outlet flux.")
    add_network_input(parser)
    parser.add_argument("--method", default="network", choices=("network", "stokes", "all"),
                        help="network flow (default), Stokes on the voxels (image input), or both with their ratio")
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"))
    parser.add_argument("--model", choices=("pyramids_and_cuboids", "cones_and_cylinders", "valvatne_blunt"),
                        help="network: conduit conductance model (default: the network's own)")
    parser.add_argument("--viscosity", type=float, default=1e-3, help="Pa.s (default 1e-3)")
    parser.add_argument("--box", type=float, nargs=2, metavar=("START", "STOP"),
                        help="network: measure between these fractions of the length, as pnflow's CALC_BOX "
                             "(such as 0.2 0.9); the pores just outside hold the end pressures")
    parser.add_argument("--inlet", default="reservoir", choices=("reservoir", "periodic"),
                        help="stokes: free-fluid reservoirs at both ends (default) or periodic along the axis")
    parser.add_argument("--lateral", default="sealed", choices=("sealed", "periodic"),
                        help="stokes: the four other sides are walls (default) or periodic")
    parser.add_argument("--tol", type=float, default=1e-6, help="stokes: relative residual (default 1e-6)")
    parser.add_argument("--solver", choices=("amg", "multigrid"),
                        help="stokes: assembled with algebraic multigrid (default on one process), or matrix-free "
                             "geometric multigrid (a quarter of the memory; the default under mpiexec, where the "
                             "volume is split into z-slabs over the ranks)")
    parser.add_argument("--fields", metavar="FILE.vti", help="stokes: save velocity and pressure for ParaView")
    parser.add_argument("--microporous", nargs="+", metavar="PHASE=K",
                        help="stokes: phases below the resolution, as Darcy-Brinkman media of permeability K "
                             "(m^2, or with mD/D: micro=1e-15, micro=2mD); the result is given with and without")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_permeability)

    parser = sub.add_parser("tortuosity", help="diffusive tortuosity factor, D_eff/D and formation factor",
                            description="Laplace (diffusion) solve on the pore voxels along an axis, in the "
                                        "TauFactor convention: tau = porosity / (D_eff/D), F = 1 / (D_eff/D).")
    parser.add_argument("path", help="segmented image")
    add_reader_options(parser)
    parser.add_argument("--phase", help="conducting phase name or label (default: pore / True)")
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"))
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_tortuosity)

    parser = sub.add_parser("drainage", help="primary drainage capillary pressure and relative permeability",
                            description="Invasion-percolation drainage from the inlet face; capillary pressure "
                                        "curve, MICP table and relative permeability.")
    add_network_input(parser)
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"))
    parser.add_argument("--surface-tension", type=float, help="N/m (default 0.03, or 0.485 with --mercury)")
    parser.add_argument("--contact-angle", type=float, help="degrees (default 0, or 140 with --mercury)")
    parser.add_argument("--mercury", action="store_true", help="mercury intrusion (MICP) defaults")
    parser.add_argument("--no-trapping", action="store_true", help="let the wetting phase escape from any cluster")
    parser.add_argument("--plots", metavar="DIR", help="save capillary pressure and relative permeability plots")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_drainage)

    parser = sub.add_parser("scal", help="special core analysis on a network: drainage, waterflood, wettability",
                            description="Capillary pressure and relative permeability for primary drainage, "
                                        "waterflooding and secondary drainage (films, snap-off, pore-body filling, "
                                        "trapping), under a wettability state; Amott and USBM indices.")
    add_network_input(parser)
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"))
    parser.add_argument("--cycles", default="drainage,waterflood",
                        help="comma-separated, starting with drainage (default drainage,waterflood)")
    parser.add_argument("--receding", default="0", metavar="DEG[:DEG]",
                        help="drainage contact angle, one value or MIN:MAX uniform (default 0)")
    parser.add_argument("--contact-angle", default="30:50", metavar="DEG[:DEG]",
                        help="waterflood (advancing) angle of water-wet elements, MIN:MAX (default 30:50)")
    parser.add_argument("--wettability", default="water-wet",
                        choices=("water-wet", "oil-wet", "fractional", "mixed", "mixed-large", "mixed-small"),
                        help="which oil-filled elements age to --oil-wet-angle (mixed = mixed-large: the "
                             "largest by volume)")
    parser.add_argument("--oil-wet-fraction", type=float, default=0.5,
                        help="fractional and mixed: fraction of the oil-filled elements (by number, or "
                             "volume for mixed) that turn oil-wet (default 0.5)")
    parser.add_argument("--oil-wet-angle", default="100:150", metavar="DEG[:DEG]",
                        help="advancing angle of oil-wet elements (default 100:150)")
    parser.add_argument("--contact-model", type=int, choices=(1, 2, 3, 4), default=1,
                        help="pnflow's contact-angle model for the waterflood angles: 1 advancing = receding, "
                             "2 intrinsic with hysteresis, 3 intrinsic through Morrow's curves, 4 advancing with "
                             "Morrow's receding (default 1)")
    parser.add_argument("--surface-tension", type=float, default=0.03, help="N/m (default 0.03)")
    parser.add_argument("--pc-max", type=float, default=2e5, help="end of drainage, Pa (default 2e5)")
    parser.add_argument("--pc-min", type=float, default=-2e5, help="end of the waterflood, Pa (default -2e5)")
    parser.add_argument("--points", type=int, default=50, help="measurements per cycle (default 50)")
    parser.add_argument("--box", type=float, nargs=2, metavar=("START", "STOP"),
                        help="measure saturations and flows between these fractions of the length "
                             "(pnflow's CALC_BOX, such as 0.2 0.9)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plots", metavar="DIR", help="save the capillary pressure and relative permeability plot")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_scal)


def _table(result: dict) -> list[tuple[str, str]]:
    return [(key, f"{v:.6g}" if isinstance(v, float) else str(v)) for key, v in result.items()
            if not isinstance(v, dict)]


def _microporous(items) -> dict:
    """``["micro=1e-15", "clay=2mD"]`` -> {"micro": 1e-15, "clay": 1.97e-15} (m^2)."""
    from dca import InputError

    out = {}
    for item in items:
        name, _, value = item.partition("=")
        value = value.strip()
        try:
            if value.lower().endswith("md"):
                k = float(value[:-2]) * M2_PER_MILLIDARCY
            elif value.endswith("D"):
                k = float(value[:-1]) * 1e3 * M2_PER_MILLIDARCY
            else:
                k = float(value)
        except ValueError as exc:
            raise InputError(f"--microporous takes PHASE=K (m^2, or mD / D), got {item!r}") from exc
        out[phase_arg(name)] = k
    return out


def _is_foam_case(folder: str) -> bool:
    import os

    from meshing.export import CASE_FILE

    return os.path.isfile(os.path.join(folder, CASE_FILE))


def run_permeability(args) -> int:
    import os
    from dataclasses import replace

    from flow import Comparison, formation_factor, permeability, stokes, with_face_pores

    if os.path.isdir(args.path) and _is_foam_case(args.path):  # a finished OpenFOAM case that dca wrote
        from meshing import openfoam_permeability

        result = {**openfoam_permeability(args.path).to_dict(), "source": args.path}
        emit(result, as_json=args.json, table=_table(result))
        return 0
    from dca import InputError
    from flow import world

    if args.fields and not args.fields.endswith(".vti"):
        raise InputError(f"--fields takes a .vti path, got {args.fields!r}")
    comm = world() if args.method == "stokes" else None
    if comm is not None and args.fields:
        raise InputError(f"--fields needs the whole field on one process; run without mpiexec (got "
                         f"{comm.Get_size()} ranks)")
    net_result = direct = None
    if args.method in ("network", "all"):
        net = with_face_pores(load_network(args), args.axis)
        net_result = permeability(net, axis=args.axis, model=args.model, viscosity=args.viscosity, box=args.box)
        factor = formation_factor(net, axis=args.axis, model=args.model, box=args.box)
        net_result = replace(net_result, extra={**net_result.extra, "formation_factor": factor.formation_factor})
    elif args.box:
        raise InputError("--box measures a network (pnflow's CALC_BOX): use --method network")
    micro = _microporous(args.microporous) if args.microporous else None
    if micro and args.method != "stokes":
        raise InputError("--microporous goes with --method stokes")
    without = None
    if args.method in ("stokes", "all"):
        volume, phase = load_image(args)
        options = dict(phase=phase, viscosity=args.viscosity, inlet=args.inlet, lateral=args.lateral, tol=args.tol,
                       solver=args.solver, comm=comm)
        solution = stokes(volume, axis=args.axis, microporous=micro, **options)
        if micro:
            without = stokes(volume, axis=args.axis, **options).permeability  # k = 0 if only micro connects
        if args.fields:
            solution.write(args.fields)
        direct = solution.permeability
    if args.method == "all":
        both = Comparison(network=net_result, stokes=direct)
        result = {**both.to_dict(), "source": args.path}
        table = ([("k_network_mD", f"{net_result.k_mD:.6g}"), ("k_stokes_mD", f"{direct.k_mD:.6g}")]
                 + _table(result))
    else:
        result = {**(net_result or direct).to_dict(), "source": args.path}
        if micro:
            result["microporous_m2"] = micro
            result["k_without_microporosity_m2"] = without.k_m2
            result["k_without_microporosity_mD"] = without.k_mD
        table = _table(result)
    if args.fields:
        result["fields"] = args.fields
    if comm is None or comm.Get_rank() == 0:  # every rank has the result; one prints it
        emit(result, as_json=args.json, table=table)
    return 0


def run_tortuosity(args) -> int:
    from flow import tortuosity

    volume, phase = load_image(args)
    result = {**tortuosity(volume, axis=args.axis, phase=phase).to_dict(), "source": args.path}
    emit(result, as_json=args.json, table=_table(result))
    return 0


def run_drainage(args) -> int:
    import os

    from dca.io import save_figure
    from flow import MERCURY, WATER_OIL, drainage, plot_relative_permeability, relative_permeability, with_face_pores

    fluids = MERCURY if args.mercury else WATER_OIL
    sigma = args.surface_tension if args.surface_tension is not None else fluids["surface_tension"]
    theta = args.contact_angle if args.contact_angle is not None else fluids["contact_angle"]
    net = with_face_pores(load_network(args), args.axis)
    result = drainage(net, axis=args.axis, surface_tension=sigma, contact_angle=theta, trapping=not args.no_trapping)
    kr = relative_permeability(result)
    payload = {**result.to_dict(), "relative_permeability": kr.to_dict(orient="list"), "source": args.path}
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)
        payload["plots"] = [save_figure(result.plot(), os.path.join(args.plots, "capillary_pressure.png")),
                            save_figure(plot_relative_permeability(kr), os.path.join(args.plots, "relperm.png"))]
    table = [("breakthrough_pressure_pa", f"{result.breakthrough_pressure:.6g}"),
             ("residual_wetting_saturation", f"{payload['residual_wetting_saturation']:.4f}"),
             ("trapping", str(result.trapping))]
    emit(payload, as_json=args.json, table=table)
    return 0


def _angle_range(text: str, option: str):
    from dca import InputError

    try:
        parts = [float(v) for v in str(text).split(":")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2):
        raise InputError(f"{option} takes degrees or MIN:MAX, got {text!r}")
    return parts[0] if len(parts) == 1 else tuple(parts)


def run_scal(args) -> int:
    import os

    from dca.io import save_figure
    from flow import scal, with_face_pores

    net = with_face_pores(load_network(args), args.axis)
    wettability = "mixed-large" if args.wettability == "mixed" else args.wettability
    result = scal(net, cycles=tuple(c.strip() for c in args.cycles.split(",")), axis=args.axis,
                  surface_tension=args.surface_tension, receding=_angle_range(args.receding, "--receding"),
                  advancing=_angle_range(args.contact_angle, "--contact-angle"), wettability=wettability,
                  oil_wet_fraction=args.oil_wet_fraction,
                  oil_wet_advancing=_angle_range(args.oil_wet_angle, "--oil-wet-angle"), pc_max=args.pc_max,
                  pc_min=args.pc_min, points=args.points, box=args.box, contact_model=args.contact_model,
                  seed=args.seed)
    payload = {**result.to_dict(), "source": args.path}
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)
        payload["plots"] = [save_figure(result.plot(), os.path.join(args.plots, "scal.png"))]
    table = []
    for c in result.cycles:
        end = c.end
        table.append((c.name, f"Sw {end['Sw']:.4f} at Pc {end['Pc_pa']:.4g} Pa, krw {end['krw']:.4g}, "
                              f"kro {end['kro']:.4g}; events {c.events}"))
    table += [("amott_water", f"{result.amott_water:.3f}"), ("amott_oil", f"{result.amott_oil:.3f}"),
              ("usbm", f"{result.usbm:.3f}"), ("archie_n", f"{result.archie_n:.3f}"),
              ("seconds", f"{result.seconds:.2f}")]
    emit(payload, as_json=args.json, table=table)
    return 0
