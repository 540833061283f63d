"""The ``dca`` command: one subcommand per module, each with ``add_parser`` and ``run``.

Library modules are imported inside ``run``, so ``dca --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from . import (
    _convert,
    _demo,
    _flow,
    _formats,
    _info,
    _mesh,
    _metrics,
    _network,
    _run,
    _segment,
    _series,
)

__all__ = ["main"]

_COMMANDS = (_info, _convert, _formats, _segment, _metrics, _network, _flow, _series, _mesh, _run, _demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dca", description="Digital core analysis: CT volumes to numbers, flow and meshes.")
    parser.add_argument("--version", action="version", version=f"dca {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.add_parser(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dca")
    except PackageNotFoundError:
        return "unknown"


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 success, 2 bad input, 130 interrupted)."""
    from .._errors import DcaError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except DcaError as err:
        print(f"dca {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"dca {args.command}: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dca: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
