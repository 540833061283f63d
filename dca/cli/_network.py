"""``dca network IN -o NET``: extract a pore network from a segmented image and save it."""

from __future__ import annotations

from ._common import add_output_options, add_reader_options, check_output, emit, phase_arg, reader_options

NETWORK_SUFFIXES = (".dat", "_pores.csv", "_throats.csv", "_pores.parquet", "_throats.parquet")


def add_parser(sub) -> None:
    parser = sub.add_parser("network", help="extract a pore network (SNOW watershed) and save it",
                            description="Extract the pore network of a segmented image (True/nonzero = pore) and "
                                        "write it as .vtp (ParaView), .csv or .parquet tables, or .dat (Statoil).")
    parser.add_argument("path", help="segmented image")
    parser.add_argument("-o", "--output", required=True, metavar="NET",
                        help="NET.vtp, NET.csv, NET.parquet or PREFIX.dat (Statoil: PREFIX_node1.dat ...)")
    add_reader_options(parser)
    parser.add_argument("--phase", help="phase name or label to extract (default: pore / True)")
    parser.add_argument("--trim", action="store_true",
                        help="keep only the pores connected to both x faces (reported either way)")
    add_output_options(parser)
    parser.set_defaults(run=run)


def add_network_input(parser) -> None:
    parser.add_argument("path", help="segmented image, or a saved network (.dat Statoil, NAME_pores.csv/.parquet)")
    add_reader_options(parser)
    parser.add_argument("--phase", help="image input: phase name or label (default: pore / True)")


def load_image(args, *, lazy: bool | None = False):
    """The segmented image named by ``args.path`` and the ``--phase`` asked for (None: pore);
    ``lazy=None``: opened lazily when it is big (for the stages that stream it)."""
    from .. import InputError, read

    if args.path.endswith(NETWORK_SUFFIXES):
        raise InputError(f"{args.path} is a saved pore network; this needs the segmented image it came from")
    volume = read(args.path, lazy=lazy, **reader_options(args))
    return volume, phase_arg(args.phase)


def load_network(args):
    """The network named by ``args.path``: read if it is a network file, extracted if an image."""
    from .. import network

    if args.path.endswith(NETWORK_SUFFIXES):
        return network.read_network(args.path)
    from ..util import dask_progress

    volume, phase = load_image(args, lazy=None)  # a big image is extracted chunk by chunk
    with dask_progress("extracting", enabled=volume.is_lazy and not getattr(args, "json", False)):
        return network.extract(volume, phase=phase)


def run(args) -> int:
    import os

    from ..network._formats import _table_paths, statoil_paths

    out = args.output
    targets = (list(statoil_paths(out).values()) if out.endswith(".dat") else
               list(_table_paths(out, os.path.splitext(out)[1])) if out.endswith((".csv", ".parquet")) else [out])
    for target in targets:
        check_output(target, args.overwrite)
    net = load_network(args)
    health = net.health("x")
    if args.trim:
        net = net.trim_to_spanning("x")
    written = net.write(out)
    result = {**net.summary(), "health_x": health.to_dict(), "written": written if isinstance(written, list)
              else [written], "source": args.path}
    emit(result, as_json=args.json)
    return 0
