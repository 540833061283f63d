"""The ``dca`` subcommands that need flow: ``permeability`` and ``drainage`` (loaded by ``dca.cli``)."""

from __future__ import annotations

from dca.cli._common import emit
from dca.cli._network import add_network_input, load_network


def add_parsers(sub) -> None:
    parser = sub.add_parser("permeability", help="absolute permeability (m^2 and mD) along an axis",
                            description="Absolute permeability from a pore-network Stokes solve.")
    add_network_input(parser)
    parser.add_argument("--method", default="network", choices=("network",), help="network flow")
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"))
    parser.add_argument("--model", choices=("pyramids_and_cuboids", "cones_and_cylinders", "valvatne_blunt"),
                        help="conduit conductance model (default: the network's own)")
    parser.add_argument("--viscosity", type=float, default=1e-3, help="Pa.s (default 1e-3)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_permeability)

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


def _with_faces(net, axis):
    return net if len(net.boundary_pores(f"{axis}min")) else net.with_face_pores(axis)


def run_permeability(args) -> int:
    from . import permeability

    net = _with_faces(load_network(args), args.axis)
    k = permeability(net, args.axis, model=args.model, viscosity=args.viscosity)
    result = {**k.to_dict(), "source": args.path}
    table = [(key, f"{v:.6g}" if isinstance(v, float) else str(v)) for key, v in result.items()]
    emit(result, as_json=args.json, table=table)
    return 0


def run_drainage(args) -> int:
    import os

    from dca.io._atomic import save_figure

    from . import MERCURY, WATER_OIL, drainage, plot_relative_permeability, relative_permeability

    fluids = MERCURY if args.mercury else WATER_OIL
    sigma = args.surface_tension if args.surface_tension is not None else fluids["surface_tension"]
    theta = args.contact_angle if args.contact_angle is not None else fluids["contact_angle"]
    net = _with_faces(load_network(args), args.axis)
    result = drainage(net, args.axis, surface_tension=sigma, contact_angle=theta, trapping=not args.no_trapping)
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
