"""Atomic output: write to a temporary sibling, then rename into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time


def _temp_for(path: str) -> str:
    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=directory)
    os.close(fd)
    os.unlink(tmp)
    return tmp


class Interrupt:
    """Set by the command line's SIGINT/SIGTERM handler. A library (h5py, zarr's event loop)
    may swallow the KeyboardInterrupt the handler raises and finish its write; the flag still
    stops that write from being renamed into place."""

    signal: int | None = None


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait while the temporaries are renamed (main thread, POSIX), so an
    interrupt comes before every rename or after all of them."""
    import signal
    import threading

    held = {signal.SIGINT, signal.SIGTERM}
    hold = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if hold:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if hold:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


@contextlib.contextmanager
def atomic_paths(*paths: str):
    """Yield temporary paths beside ``paths``; rename them into place when the block succeeds.

    On any exception, an interrupt included, the temporaries are removed and the targets are
    left untouched. The first path is renamed last, so a reader that opens it (an MHD header)
    finds the others. Folders (Zarr stores, slice folders) are replaced whole.
    """
    temps = [_temp_for(p) for p in paths]
    try:
        yield temps
        with _signals_held():
            if Interrupt.signal is not None:
                raise KeyboardInterrupt
            for tmp, path in reversed(list(zip(temps, paths))):
                _replace(tmp, os.path.abspath(path))
    except BaseException:
        for tmp, path in zip(temps, paths):
            _remove(tmp, settle=True)
            _remove(tmp + os.path.splitext(path)[1])  # where a writer needs the suffix (VTK: tmp + ".vti")
        raise


@contextlib.contextmanager
def atomic_path(path: str):
    """``atomic_paths`` for one file or folder."""
    with atomic_paths(path) as (tmp,):
        yield tmp


def _replace(tmp: str, path: str) -> None:
    if os.path.isdir(path):
        backup = tmp + ".old"
        os.replace(path, backup)
        os.replace(tmp, path)
        _remove(backup)
    else:
        os.replace(tmp, path)


def _remove(path: str, *, settle: bool = False) -> None:
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
        if settle:
            _settle(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _settle(path: str, *, quiet: float = 0.5, limit: float = 15.0) -> None:
    """A writer's threads (dask, zarr's event loop) may finish a chunk after an interrupt and
    create the folder again: remove it until it has stayed gone for ``quiet`` seconds."""
    gone_since = start = time.monotonic()
    while time.monotonic() - gone_since < quiet and time.monotonic() - start < limit:
        time.sleep(0.05)
        if os.path.lexists(path):
            shutil.rmtree(path, ignore_errors=True)
            gone_since = time.monotonic()


def write_text(path: str, text: str) -> str:
    """Write a text file atomically; returns ``path``."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def save_figure(figure, path: str, *, dpi: int = 120) -> str:
    """Save a matplotlib figure atomically (format from ``path``'s extension)."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, dpi=dpi, format=os.path.splitext(path)[1].lstrip(".") or "png")
    return path
