"""The ``dca`` command: one subcommand per module, each with ``add_parser`` and ``run``.

Library modules are imported inside ``run``, so ``dca --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading

from . import _convert, _demo, _flow, _formats, _info, _mesh, _metrics, _network, _run, _segment, _series

__all__ = ["main"]

_COMMANDS = (_info, _convert, _formats, _segment, _metrics, _network, _flow, _series, _mesh, _run, _demo)


class _Parser(argparse.ArgumentParser):
    """argparse with the package's error style: one line (where the usage would be several),
    naming the command and pointing to its --help; exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dca", description="Digital core analysis: CT volumes to numbers, flow and meshes.")
    parser.add_argument("--version", action="version", version=f"dca {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS:
        command.add_parser(sub)
    for command in sub.choices.values():  # every command can run its dask work on a cluster
        group = command.add_argument_group("where dask work runs")
        group.add_argument("--scheduler", metavar="ADDRESS",
                           help="'local' (a LocalCluster here) or a dask scheduler's address (tcp://host:8786); "
                                "default $DCA_SCHEDULER, else threads in this process")
        group.add_argument("--workers", type=int, metavar="N", help="worker processes of a local cluster")
        group.add_argument("--memory-limit", metavar="SIZE", help="memory of each local worker, e.g. 1.5GB")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dca")
    except PackageNotFoundError:
        return "unknown"


def _interrupt(signum, frame):
    from ..io._atomic import Interrupt

    Interrupt.signal = signum
    raise KeyboardInterrupt


@contextlib.contextmanager
def _interruptible():
    """SIGINT and SIGTERM raise KeyboardInterrupt, so every writer removes its temporaries
    (a plain SIGTERM would kill the process and leave them); the old handlers come back after."""
    from ..io._atomic import Interrupt

    Interrupt.signal = None
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    hook = sys.unraisablehook

    def quiet(unraisable):  # the interrupt raised inside a finalizer: already reported by us
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            hook(unraisable)

    sys.unraisablehook = quiet
    try:
        yield
    finally:
        sys.unraisablehook = hook
        for s, handler in old.items():
            signal.signal(s, handler)


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 success, 2 bad input, 130 interrupted
    by SIGINT, 143 by SIGTERM)."""
    from .._errors import DcaError
    from ..compute import compute
    from ..io._atomic import Interrupt

    args = build_parser().parse_args(argv)
    try:
        with _interruptible(), compute(args.scheduler, workers=args.workers, memory_limit=args.memory_limit):
            return int(args.run(args) or 0)
    except DcaError as err:
        print(f"dca {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"dca {args.command}: error: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"dca {args.command}: interrupted; nothing was written", file=sys.stderr)
        status, Interrupt.signal = 128 + (Interrupt.signal or signal.SIGINT), None  # later writes go on
        return status


def console() -> None:
    """The ``dca`` program: ``main``, then an exit that an interrupted library's threads (zarr's
    event loop) cannot hold up or fill with tracebacks."""
    status = main()
    if status >= 128:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    console()
