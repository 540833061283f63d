"""``dca convert IN OUT``: any readable format to any writable one, streamed slab by slab."""

from __future__ import annotations

import os

from ._common import add_reader_options, emit, reader_options


def add_parser(sub) -> None:
    parser = sub.add_parser("convert", help="convert a volume between formats",
                            description="Read IN (lazily) and write OUT in the format its extension names. "
                                        "The voxel size travels with the data.")
    parser.add_argument("input")
    parser.add_argument("output")
    add_reader_options(parser)
    parser.add_argument("--to", dest="out_format", help="output format, overriding OUT's extension")
    parser.add_argument("--overwrite", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run)


def run(args) -> int:
    from .. import read, write
    from .._errors import InputError
    from .._progress import dask_progress

    if os.path.exists(args.output) and not args.overwrite:
        raise InputError(f"{args.output!r} exists; pass --overwrite to replace it")
    volume = read(args.input, lazy=True, **reader_options(args))
    with dask_progress("converting", enabled=not args.json):
        files = write(volume, args.output, format=args.out_format)
    emit({"input": args.input, "written": files, "shape": list(volume.shape), "dtype": str(volume.dtype),
          "voxel_size": list(volume.voxel_size)}, as_json=args.json,
         table=[("written", ", ".join(files)), ("shape", " x ".join(map(str, volume.shape))),
                ("voxel size (m)", ", ".join(f"{h:.6g}" for h in volume.voxel_size))])
    return 0
