"""Progress bars (tqdm, on stderr) for steps that take more than a second."""

from __future__ import annotations

import contextlib
import contextvars

# on inside dask_progress: the slab loops of streamed stages then show their bars too
_SHOWING = contextvars.ContextVar("dca_progress", default=False)


@contextlib.contextmanager
def dask_progress(description: str, *, enabled: bool = True):
    """Show a tqdm bar for every dask computation inside the block, and for every slab loop
    of a streamed stage (``steps`` with ``enabled=None``)."""
    if not enabled:
        yield
        return
    token = _SHOWING.set(True)
    try:
        with _dask_bar(description):
            yield
    finally:
        _SHOWING.reset(token)


@contextlib.contextmanager
def _dask_bar(description: str):
    from dask.callbacks import Callback
    from tqdm.auto import tqdm

    class _Bar(Callback):
        def _start_state(self, dsk, state):
            self._bar = tqdm(total=sum(len(state[k]) for k in ("ready", "waiting", "running")),
                             desc=description, unit="chunk", leave=False, mininterval=0.5, delay=1.0)

        def _posttask(self, key, result, dsk, state, worker_id):
            self._bar.update(1)

        def _finish(self, dsk, state, errored):
            self._bar.close()

    with _Bar():
        yield


def steps(items, description: str, *, enabled: bool | None = True, total: int | None = None):
    """Iterate with a tqdm bar that appears only if the loop takes more than a second
    (``enabled=None``: when inside ``dask_progress``); ``total`` for an iterator without a length."""
    if enabled is None:
        enabled = _SHOWING.get()
    if not enabled:
        return iter(items)
    from tqdm.auto import tqdm

    return tqdm(items, desc=description, leave=False, delay=1.0, total=total)
