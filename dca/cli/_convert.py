"""``dca convert IN OUT``: any readable format to any writable one, streamed slab by slab."""

from __future__ import annotations

from ._common import add_output_options, add_reader_options, check_output, emit, reader_options


def add_parser(sub) -> None:
    parser = sub.add_parser("convert", help="convert a volume between formats",
                            description="Read IN (lazily) and write OUT in the format its extension names. "
                                        "The voxel size travels with the data.")
    parser.add_argument("input")
    parser.add_argument("output")
    add_reader_options(parser)
    parser.add_argument("--to", dest="out_format", help="output format, overriding OUT's extension")
    add_output_options(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    from .. import read, write
    from .._progress import dask_progress

    check_output(args.output, args.overwrite)
    volume = read(args.input, lazy=True, **reader_options(args))
    with dask_progress("converting", enabled=not args.json):
        files = write(volume, args.output, format=args.out_format)
    emit({"input": args.input, "written": files, "shape": list(volume.shape), "dtype": str(volume.dtype),
          "voxel_size": list(volume.voxel_size)}, as_json=args.json,
         table=[("written", ", ".join(files)), ("shape", " x ".join(map(str, volume.shape))),
                ("voxel size (m)", ", ".join(f"{h:.6g}" for h in volume.voxel_size))])
    return 0
