"""What the voxel solvers share: the flow axis, the clusters that span it, progress, seeding."""

from __future__ import annotations

import contextlib
import os

import numpy as np

from dca.util import check_axis

__all__ = ["flow_axis", "spanning", "AXIS_NAMES", "repeatable", "SolveProgress", "world"]

#: What launchers set for each rank: MPICH's hydra and Slurm's PMI, Open MPI, PMIx.
_RANKS_ENV = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE")


def world():
    """The job's MPI communicator (mpi4py's COMM_WORLD) when this process was launched as
    one of several ranks (``mpiexec -n 4``, ``srun``), else None. mpi4py is imported only then."""
    ranks = max((int(os.environ.get(name, "1") or 1) for name in _RANKS_ENV), default=1)
    if ranks <= 1:
        return None
    try:
        from mpi4py import MPI
    except ImportError as exc:
        from dca import InputError

        raise InputError(f"launched as one of {ranks} MPI ranks, but mpi4py is not installed: "
                         "pip install 'dca[mpi]' (mpi4py and the MPICH wheel)") from exc
    return MPI.COMM_WORLD


AXIS_NAMES = "zyx"  # array axis -> physical axis name


class SolveProgress:
    """A solver's progress bar (tqdm, after a second): its phase while it builds, then the
    iterations with the residual against the tolerance. Does nothing unless ``enabled``."""

    def __init__(self, solver: str, enabled: bool, maxiter: int, tol: float):
        self.solver, self.tol, self.bar = solver, tol, None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=maxiter, desc=solver, unit="it", leave=False, delay=1.0)

    @property
    def shown(self) -> bool:
        return self.bar is not None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

    def phase(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_description(f"{self.solver}: {text}")

    def iteration(self, residual: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(f"residual {residual:.1e} -> {self.tol:g}", refresh=False)


@contextlib.contextmanager
def repeatable(seed: int = 0):
    """Seed NumPy's global generator inside the block and restore it after.

    pyamg starts its spectral-radius estimates (smoothed aggregation's prolongation smoother)
    from ``np.random.rand``; without this, two identical solves differ in the 9th digit.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def flow_axis(axis) -> tuple[int, str]:
    """Array axis and name of ``axis`` ('x' is the last array axis)."""
    a = check_axis(axis)
    return a, AXIS_NAMES[a]


def spanning(mask: np.ndarray, axis: int, periodic=(False, False, False)) -> np.ndarray:
    """Voxels of ``mask`` in a 6-connected cluster that touches both ends of ``axis``.

    Clusters joined across a periodic side count as one; along a periodic ``axis`` a
    cluster spans when it wraps onto itself through the periodic side.
    """
    from scipy import ndimage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    labels, n = ndimage.label(mask)
    if n == 0:
        return np.zeros(mask.shape, bool)
    pairs = [np.zeros((0, 2), labels.dtype)]
    for a in range(3):
        if periodic[a]:
            lo, hi = labels.take(0, axis=a).ravel(), labels.take(-1, axis=a).ravel()
            both = (lo > 0) & (hi > 0)
            pairs.append(np.stack([lo[both], hi[both]], axis=1))
    pairs = np.concatenate(pairs)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n + 1, n + 1))
    _, cluster = connected_components(graph, directed=False)
    cluster[0] = -1  # background
    lo, hi = labels.take(0, axis=axis), labels.take(-1, axis=axis)
    if periodic[axis]:
        keep = np.unique(cluster[lo[(lo > 0) & (hi > 0)]])
    else:
        keep = np.intersect1d(cluster[lo], cluster[hi])
    keep = keep[keep >= 0]
    return np.isin(cluster[labels], keep)
