"""``dca info FILE``: shape, dtype, voxel size, extent and a grey-level summary."""

from __future__ import annotations

from ._common import add_reader_options, emit, reader_options


def add_parser(sub) -> None:
    parser = sub.add_parser("info", help="describe a volume file",
                            description="Print shape, dtype, voxel size, physical extent and grey levels.")
    parser.add_argument("path", help="file, folder of slices or glob pattern")
    add_reader_options(parser)
    parser.add_argument("--no-stats", action="store_true", help="skip the grey-level summary (reads no voxels)")
    parser.add_argument("--exact", action="store_true",
                        help="grey levels from every voxel (default: above 16 M voxels, from every k-th voxel "
                             "along each axis, k in the output)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    parser.set_defaults(run=run)


SAMPLE_VOXELS = 1 << 24  # what dca info reads of a big volume unless --exact: about a second


def run(args) -> int:
    from .. import read
    from .._progress import dask_progress
    from .._summary import grey_summary

    volume = read(args.path, lazy=None, **reader_options(args))
    info = {
        "path": args.path,
        "format": volume.source.format,
        "shape": list(volume.shape),
        "dtype": str(volume.dtype),
        "voxel_size": list(volume.voxel_size),
        "origin": list(volume.origin),
        "extent": list(volume.extent),
        "lazy": volume.is_lazy,
        "nbytes": volume.nbytes,
    }
    if volume.is_lazy and hasattr(volume.data, "chunksize"):
        info["chunks"] = list(volume.data.chunksize)
    if not args.no_stats:
        with dask_progress("reading voxels", enabled=volume.is_lazy and not args.json):
            info["grey_levels"] = grey_summary(volume, max_voxels=None if args.exact else SAMPLE_VOXELS)
    table = [(k, v) for k, v in volume._summary() if k not in ("provenance",)]
    for key, value in info.get("grey_levels", {}).items():
        if key == "labels":
            value = ", ".join(f"{label}: {count}" for label, count in value.items())
        elif isinstance(value, float):
            value = f"{value:.6g}"
        table.append((f"grey {key}", str(value)))
    table.insert(0, ("file", f"{args.path} ({volume.source.format})"))
    emit(info, as_json=args.json, table=table)
    return 0
