"""``dca segment IN -o OUT``: grey levels to phases, with optional denoising and clean-up."""

from __future__ import annotations

from ._common import add_output_options, add_reader_options, check_output, emit, reader_options

_METHODS = ("otsu", "multi-otsu", "threshold", "hysteresis", "watershed")


def add_parser(sub) -> None:
    parser = sub.add_parser("segment", help="segment a grey-level volume into phases",
                            description="Denoise (optional), segment and clean up; writes a label volume.")
    parser.add_argument("path")
    parser.add_argument("-o", "--output", required=True, help="output file (its extension picks the format)")
    add_reader_options(parser)
    parser.add_argument("--method", choices=_METHODS, default="otsu")
    parser.add_argument("--classes", type=int, default=3, help="multi-otsu/watershed: number of phases")
    parser.add_argument("--names", help="phase names, darkest first, comma separated (e.g. air,water,grain)")
    parser.add_argument("--value", type=float, help="threshold: grey level")
    parser.add_argument("--low", type=float, help="hysteresis: certain-pore level")
    parser.add_argument("--high", type=float, help="hysteresis: possible-pore level")
    parser.add_argument("--denoise", choices=("none", "median", "gaussian", "nl-means"), default="none")
    parser.add_argument("--cylinder", action="store_true",
                        help="restrict to the cylindrical field of view about z (the scan's rotation axis)")
    parser.add_argument("--min-island", type=int, default=0, help="remove pore islands below this many voxels")
    add_output_options(parser)
    parser.set_defaults(run=run)


def _scratch(volume, stack, output: str):
    """``volume`` computed chunk by chunk into a temporary Zarr store beside ``output`` (or in
    ``DCA_TMPDIR``), removed when ``stack`` closes, and read back lazily."""
    import os
    import tempfile

    from .._chunks import spill

    folder = stack.enter_context(tempfile.TemporaryDirectory(
        prefix="dca-segment-", dir=os.environ.get("DCA_TMPDIR") or os.path.dirname(os.path.abspath(output))))
    return volume.replace(data=spill(volume.data.rechunk(volume.data.chunksize), folder, "filtered"))


def _segment(args, volume):
    from .. import segment
    from .._errors import InputError

    names = tuple(args.names.split(",")) if args.names else None
    if args.method == "otsu":
        labels = segment.otsu(volume)
    elif args.method == "threshold":
        if args.value is None:
            raise InputError("--method threshold needs --value")
        labels = segment.threshold(volume, args.value)
    elif args.method == "hysteresis":
        if args.low is None or args.high is None:
            raise InputError("--method hysteresis needs --low and --high")
        labels = segment.hysteresis(volume, low=args.low, high=args.high)
    elif args.method == "multi-otsu":
        labels = segment.multi_otsu(volume, classes=args.classes, names=names)
    else:
        labels = segment.watershed_phases(volume, classes=args.classes, names=names)
    if args.min_island and labels.dtype == bool:
        labels = segment.remove_islands(labels, min_size=args.min_island)
    return labels


def run(args) -> int:
    import contextlib

    from .. import filters, read, write
    from .._progress import dask_progress

    check_output(args.output, args.overwrite)
    volume = read(args.path, lazy=None, **reader_options(args))  # a big scan stays lazy: streamed where it can
    with contextlib.ExitStack() as stack:
        if args.cylinder:
            from ..filters import crop_cylinder

            volume = crop_cylinder(volume)
        denoise = {"median": filters.median, "gaussian": filters.gaussian, "nl-means": filters.nl_means}
        if args.denoise in denoise:
            volume = denoise[args.denoise](volume)
            if volume.is_lazy:  # filtered once, to a scratch store: the passes below read it, not filter again
                with dask_progress("filtering", enabled=not args.json):
                    volume = _scratch(volume, stack, args.output)
        labels = _segment(args, volume)
        from ..metrics import porosity

        with dask_progress("segmenting", enabled=labels.is_lazy and not args.json):
            files = write(labels, args.output)
            if labels.is_lazy and args.output.endswith(".zarr"):  # the fractions from the labels written
                labels = read(args.output, lazy=True).replace(phases=labels.phases)
            fractions = {name: porosity(labels, phase=name) for name in labels.phases}
    emit({"written": files, "method": args.method, "phases": dict(labels.phases), "fractions": fractions},
         as_json=args.json,
         table=[("written", ", ".join(files)), ("method", args.method)]
         + [(f"fraction {k}", f"{v:.4f}") for k, v in fractions.items()])
    return 0
