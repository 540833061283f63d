"""``dca metrics IN``: porosity, specific surface, Minkowski functionals, distributions."""

from __future__ import annotations

from ._common import add_reader_options, emit, phase_arg, reader_options


def add_parser(sub) -> None:
    parser = sub.add_parser("metrics", help="measure a segmented volume",
                            description="Porosity, connected porosity, specific surface area (1/m), Minkowski "
                                        "functionals and size distributions of a segmented volume.")
    parser.add_argument("path")
    add_reader_options(parser)
    parser.add_argument("--phase", help="phase name or label to measure (default: pore / True)")
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"), help="axis for connected porosity and chords")
    parser.add_argument("--cylinder", action="store_true",
                        help="restrict to the cylindrical field of view about z (the scan's rotation axis)")
    parser.add_argument("--plots", metavar="DIR", help="also save the distribution plots (PNG) in DIR")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    import os

    from .. import metrics, read
    from ..io._atomic import save_figure
    from ..util import dask_progress

    volume = read(args.path, **reader_options(args))  # a big volume opens lazily and is streamed
    if args.cylinder:
        from ..filters import crop_cylinder

        volume = crop_cylinder(volume)
    phase = phase_arg(args.phase)
    with dask_progress("measuring", enabled=volume.is_lazy and not args.json):
        result = metrics.summary(volume, phase=phase, axis=args.axis)
    result["source"] = args.path
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)
        figures = {"psd.png": metrics.pore_size_distribution(volume, phase=phase).plot(),
                   "chords.png": metrics.chord_length_distribution(volume, phase=phase, axis=args.axis).plot(),
                   "rev.png": metrics.rev_analysis(volume).plot()}
        result["plots"] = [save_figure(fig, os.path.join(args.plots, name)) for name, fig in figures.items()]
    table = []
    for key, value in result.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.6g}"
        table.append((key, str(value)))
    emit(result, as_json=args.json, table=table)
    return 0
