"""``dca series`` (the pipeline over the steps of a 4D series) and ``dca register``."""

from __future__ import annotations

import os

from ._common import add_reader_options, emit, phase_arg, reader_options


def add_parser(sub) -> None:
    parser = sub.add_parser("series", help="run the metrics pipeline on every step of a 4D series",
                            description="Each step (a file) is registered onto the first when asked, segmented "
                                        "if it holds grey levels, and measured; prints a table step x metric.")
    parser.add_argument("paths", nargs="+", metavar="FILE",
                        help="the steps; taken in natural order (step2 before step10), whatever order the shell "
                             "gives, and paired with --coord in that order (the pairing is printed)")
    add_reader_options(parser)
    parser.add_argument("--coord", help="comma-separated step coordinates (default 0, 1, 2, ...)")
    parser.add_argument("--unit", default="", help="unit of the coordinate (s, MPa, cycle, ...)")
    parser.add_argument("--name", default="step", help="what the coordinate is (time, load, strain, cycle)")
    parser.add_argument("--register", action="store_true", help="register every step onto the first (rigid)")
    parser.add_argument("--scaling", action="store_true", help="with --register: allow an isotropic scale")
    parser.add_argument("--phase", help="phase to measure (default pore / True)")
    parser.add_argument("--axis", default="x", choices=("x", "y", "z"), help="axis of connected porosity")
    parser.add_argument("--csv", metavar="FILE", help="also write the table as CSV")
    parser.add_argument("--plots", metavar="DIR", help="save each metric against the coordinate (PNG)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_series)

    parser = sub.add_parser("register", help="register a volume onto another, or find a fine scan in a coarse one",
                            description="Same voxel size: rigid (or similarity) registration of MOVING onto FIXED. "
                                        "A finer MOVING: its placement inside the coarse FIXED scan.")
    parser.add_argument("moving", help="volume to move (the fine scan for multiscale)")
    parser.add_argument("fixed", help="reference volume (the coarse scan for multiscale)")
    add_reader_options(parser)
    parser.add_argument("--scaling", action="store_true", help="allow an isotropic scale (swelling samples)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run_register)


def run_series(args) -> int:
    import sys

    from .. import InputError
    from ..io import atomic_path, save_figure
    from ..series import Series, step_metrics
    from ..util import natural_order

    coords = None
    if args.coord:
        try:
            coords = [float(c) for c in args.coord.split(",")]
        except ValueError as exc:
            raise InputError(f"--coord takes comma-separated numbers, got {args.coord!r}") from exc
    paths = natural_order(args.paths)
    if coords is not None and len(coords) != len(paths):
        raise InputError(f"--coord gives {len(coords)} coordinates for {len(paths)} files; give one coordinate per "
                         "step")
    for path, c in zip(paths, coords or range(len(paths))):
        print(f"{os.path.basename(path)} -> {args.name} {c:g}{' ' + args.unit if args.unit else ''}", file=sys.stderr)
    series = Series(paths, coords, unit=args.unit, name=args.name, read_options=reader_options(args))
    if args.register:
        series = series.register(scaling=args.scaling, progress=not args.json)
    table = series.map(lambda v: step_metrics(v, phase=phase_arg(args.phase), axis=args.axis), progress=not args.json)
    table.insert(1, "file", [os.path.basename(p) for p in paths])
    payload = {"name": args.name, "unit": args.unit, "steps": table.to_dict(orient="records")}
    if args.register:
        payload["registration"] = [None if t is None else t.to_dict() for t in series.transforms]
    if args.csv:
        with atomic_path(args.csv) as tmp:
            table.to_csv(tmp, index=False)
        payload["csv"] = args.csv
    if args.plots:
        os.makedirs(args.plots, exist_ok=True)
        metrics = ["porosity", "connected_porosity", "specific_surface_1_per_m", "euler_characteristic"]
        payload["plots"] = [save_figure(series.plot(table, [m for m in metrics if m in table]),
                                        os.path.join(args.plots, "series.png"))]
    if args.json:
        emit(payload, as_json=True)
    else:
        print(table.to_string(index=False))
    return 0


def run_register(args) -> int:
    import numpy as np

    from .. import read
    from ..multiscale import locate
    from ..series import register

    options = reader_options(args)
    moving = read(args.moving, lazy=False, **options)
    fixed = read(args.fixed, lazy=False, **options)
    if not np.allclose(moving.voxel_size, fixed.voxel_size, rtol=1e-6):
        result = {"kind": "multiscale placement", **locate(moving, fixed).to_dict()}
    else:
        found = register(moving, fixed, scaling=args.scaling)
        result = {"kind": "similarity" if args.scaling else "rigid", **found.to_dict()}
    result.update(moving=args.moving, fixed=args.fixed)
    emit(result, as_json=args.json)
    return 0
