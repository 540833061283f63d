"""Where the dask work of a call runs: threads in this process (the default), a LocalCluster
of worker processes with a memory limit each, or a running dask.distributed scheduler, so a
user who outgrows one machine points the same code at a cluster (dask-jobqueue on SLURM or
PBS, dask-kubernetes) and changes nothing else.

The scheduler comes from, first to last: the ``scheduler=`` of :func:`compute` (``--scheduler``
on the command line, ``scheduler`` in a case's ``[compute]`` section), then the environment
variable ``DCA_SCHEDULER``. ``"local"`` starts a LocalCluster on this machine.

>>> import dca
>>> with dca.compute.compute() as client:   # nothing asked for: dask's threads, no cluster
...     client is None
True
"""

from __future__ import annotations

import contextlib
import os

from ._errors import InputError, OptionalDependencyError

__all__ = ["compute", "scheduler_address"]


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler asked for: ``scheduler``, else ``DCA_SCHEDULER``, else None (threads)."""
    address = scheduler if scheduler is not None else os.environ.get("DCA_SCHEDULER") or None
    if address is not None and address != "local" and "://" not in address:
        raise InputError(f"scheduler must be 'local' or an address such as tcp://host:8786, got {address!r}")
    return address


@contextlib.contextmanager
def compute(scheduler: str | None = None, *, workers: int | None = None, memory_limit: str | None = None):
    """Run the dask work inside the block on the scheduler asked for; yields the
    ``distributed.Client`` (None for the default threads).

    Parameters
    ----------
    scheduler : str, optional
        ``"local"`` (a LocalCluster here), or a scheduler's address (``tcp://host:8786``).
        Default ``DCA_SCHEDULER``, else threads in this process.
    workers : int, optional
        Worker processes of a LocalCluster (default 2; giving it implies ``"local"``).
    memory_limit : str, optional
        Memory of each local worker (``"1.5GB"``); dask pauses and spills a worker near it,
        and dca's memory guard inside the worker takes it as the memory available.
    """
    address = scheduler_address(scheduler)
    if address is None and workers is None:
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # a declared dependency; guard for stripped installs
        raise OptionalDependencyError("a dask cluster needs dask.distributed: pip install distributed") from err
    cluster = None
    if address is None or address == "local":
        env = {"DCA_MEMORY_LIMIT": str(memory_limit)} if memory_limit else {}
        # dashboard on a free port: None still serves HTTP on 8787, and a second cluster on the
        # machine (another notebook, a parallel test run) would warn that it is taken
        cluster = LocalCluster(n_workers=int(workers or 2), threads_per_worker=1, processes=True,
                               memory_limit=memory_limit or "auto", dashboard_address=":0", env=env)
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
