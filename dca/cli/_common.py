"""Helpers shared by the subcommands: reader options, output as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys

from .._errors import InputError


def voxel_size_arg(text: str):
    from .._units import parse_voxel_size

    try:
        return parse_voxel_size(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def shape_arg(text: str):
    try:
        values = tuple(int(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"shape must be NZ,NY,NX, got {text!r}")
    return values


def phase_arg(text):
    """A phase given on the command line: its name, or its label when it is an integer."""
    return int(text) if text is not None and text.lstrip("-").isdigit() else text


def header_offset_arg(text: str):
    """A byte count, or 'auto'."""
    if text == "auto":
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"takes a number of bytes (0 or more) or 'auto', got {text!r}")
    return int(text)


def phases_arg(text: str) -> dict[str, int]:
    """``0=solid,1=pore,2=micro`` (or ``solid=0,...``) as {name: label}."""
    names = {}
    for item in text.split(","):
        left, eq, right = (part.strip() for part in item.partition("="))
        label, name = (left, right) if left.lstrip("-").isdigit() else (right, left)
        if not eq or not name or not label.lstrip("-").isdigit():
            raise argparse.ArgumentTypeError(f"phases must be LABEL=NAME pairs such as 0=solid,1=pore,2=micro, "
                                             f"got {text!r}")
        names[name] = int(label)
    return names


def add_reader_options(parser: argparse.ArgumentParser, *, format_flag: str = "--format") -> None:
    """Options for reading the input image; ``format_flag`` renames ``--format`` for commands
    whose ``--format`` is the output's (``dca mesh``)."""
    group = parser.add_argument_group("reading")
    group.add_argument("--voxel-size", type=voxel_size_arg, metavar="V",
                       help="voxel size: metres or with a unit (5.345e-6, 5.345um, or dz,dy,dx); "
                            "required when the file stores none, overrides it otherwise")
    group.add_argument(format_flag, dest="format", help="file format, overriding the extension (see 'dca formats')")
    group.add_argument("--shape", type=shape_arg, metavar="NZ,NY,NX", help="RAW: array shape")
    group.add_argument("--dtype", help="RAW: voxel type (uint8, uint16, float32, ...)")
    group.add_argument("--byte-order", choices=("little", "big"), help="RAW: byte order (default little)")
    group.add_argument("--header-offset", metavar="BYTES", type=header_offset_arg,
                       help="RAW: bytes before the voxels, or 'auto'")
    group.add_argument("--dataset", help="HDF5: dataset path")
    group.add_argument("--key", help="NPZ: array name")
    group.add_argument("--length-unit", help="MHD/Avizo: unit of the stored spacing (mm, um, m)")
    group.add_argument("--phases", type=phases_arg, metavar="L=NAME,...",
                       help="names of the labels of a segmented image, e.g. 0=solid,1=pore,2=micro "
                            "(overrides names stored in the file; a 0/1 image is solid/pore without it)")


def reader_options(args) -> dict:
    options = {"voxel_size": args.voxel_size, "format": args.format, "shape": args.shape,
               "dtype": args.dtype, "byte_order": args.byte_order, "dataset": args.dataset,
               "key": args.key, "length_unit": args.length_unit, "phases": args.phases}
    if args.header_offset is not None:
        options["header_offset"] = args.header_offset
    return {k: v for k, v in options.items() if v is not None}


def emit(payload: dict, *, as_json: bool, table: list[tuple[str, str]] | None = None) -> None:
    """Print ``payload`` as JSON on stdout, or ``table`` as aligned text."""
    if as_json:
        json.dump(payload, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return
    rows = table if table is not None else [(k, str(v)) for k, v in payload.items()]
    width = max((len(k) for k, _ in rows), default=0)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--overwrite and --json, shared by the commands that write a file."""
    parser.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")


def check_output(path: str, overwrite: bool) -> None:
    """Refuse to replace an existing output unless --overwrite was given."""
    import os

    if os.path.exists(path) and not overwrite:
        raise InputError(f"{path!r} exists; pass --overwrite to replace it")
