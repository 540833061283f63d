"""Upscaling: porosity and permeability maps of a large volume, block by block, and a
Kozeny-Carman relation fitted to them (the basis of a continuum model and of the
permeability given to microporous voxels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dca import M2_PER_MILLIDARCY, InputError
from dca.util import as_volume, phase_label, select, short_repr, show_progress
from dca.util import progress_steps as steps

from ._voxels import flow_axis

__all__ = ["upscale", "Upscaled", "kozeny_carman", "KozenyCarman"]


@dataclass(frozen=True)
class Upscaled:
    """Per-block porosity and permeability (m^2, along ``axis``; 0 where a block does not
    percolate), on a grid of blocks of ``block`` voxels whose ``origin`` is the centre of
    the first block (image frame)."""

    __repr__ = short_repr

    axis: str
    block: tuple[int, int, int]
    porosity: np.ndarray
    k_m2: np.ndarray
    voxel_size: tuple[float, float, float]
    origin: tuple[float, float, float]

    @property
    def k_mD(self) -> np.ndarray:
        return self.k_m2 / M2_PER_MILLIDARCY

    def table(self):
        import pandas as pd

        z, y, x = np.indices(self.porosity.shape)
        return pd.DataFrame({"bz": z.ravel(), "by": y.ravel(), "bx": x.ravel(), "porosity": self.porosity.ravel(),
                             "k_m2": self.k_m2.ravel(), "k_mD": self.k_mD.ravel()})

    def to_volume(self, what: str = "k_m2"):
        """A map as a dca.Volume on the block grid (voxel = one block), for writing or plotting."""
        from dca import Volume

        return Volume(getattr(self, what), voxel_size=self.voxel_size, origin=self.origin)


def upscale(volume, block, *, axis="x", phase=None, voxel_size=None, progress: bool | None = None,
            **stokes_options):
    """Porosity and Stokes permeability along ``axis`` of every block of a large volume.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    block : int or (3,) ints
        Block size in voxels (at least 4); the volume is cropped to whole blocks.
    axis : {"x", "y", "z"}
    phase : name or label, optional
    voxel_size : float, metres
        With an array only.
    progress : bool, optional
        A bar over the blocks; default on in notebooks and interactive shells only.
    **stokes_options
        Passed to :func:`stokes` (``microporous=``, ``lateral=``, ``tol=``).

    Returns
    -------
    Upscaled
        ``porosity`` and ``k_m2`` maps (one value per block; k = 0 where a block has no path),
        their grid's ``voxel_size`` and ``origin``.

    Examples
    --------
    >>> import dca, flow
    >>> u = flow.upscale(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6), 16, axis="x")
    >>> u.porosity.shape, bool((u.k_m2 >= 0).all())
    ((2, 2, 2), True)
    """
    volume = as_volume(volume, voxel_size=voxel_size)
    _, name = flow_axis(axis)
    block = (int(block),) * 3 if np.isscalar(block) else tuple(int(b) for b in block)
    if any(b < 4 for b in block):
        raise InputError(f"blocks must be at least 4 voxels along each axis, got {block}")
    counts = tuple(s // b for s, b in zip(volume.shape, block))
    if min(counts) < 1:
        raise InputError(f"a block {block} is larger than the volume {volume.shape}")
    label = phase_label(volume, phase)  # decided on the whole volume: every block selects the same voxels
    blocks = list(np.ndindex(*counts))
    pieces = [volume[tuple(slice(i * b, (i + 1) * b) for i, b in zip(idx, block))] for idx in blocks]
    client = _client()
    if client is None:  # here, one block after the other
        results = [_solve_block(p.data, p.mask, p.voxel_size, p.origin, p.phases, label, name, stokes_options)
                   for p in steps(pieces, "blocks", enabled=show_progress(progress))]
    else:  # one dask task per block on the cluster
        results = _on_cluster(client, pieces, label, name, stokes_options, show_progress(progress))
    porosity = np.zeros(counts)
    k = np.zeros(counts)
    for idx, (phi, k_block) in zip(blocks, results):
        porosity[idx], k[idx] = phi, k_block
    h = np.array(volume.voxel_size)
    origin = np.array(volume.origin) + (np.array(block) - 1) / 2 * h
    return Upscaled(name, block, porosity, k, tuple(h * block), tuple(origin))


def _solve_block(data, mask, voxel_size, origin, phases, label, axis, options) -> tuple[float, float]:
    """Porosity and Stokes k (0 where nothing spans) of one block; runs where dask puts it."""
    from dca import Volume

    from ._stokes import stokes

    piece = Volume(np.asarray(data), voxel_size=voxel_size, origin=origin, phases=phases,
                   mask=None if mask is None else np.asarray(mask))
    porosity = float(select(piece.data, label).mean())
    return porosity, stokes(piece, axis=axis, phase=label, **options).k_m2


def _client():
    """The dask.distributed client in use (``dca.compute``, ``--scheduler``), or None."""
    try:
        from distributed import default_client
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        return default_client()
    except ValueError:
        return None


def _on_cluster(client, pieces, label, axis, options, progress):
    """One task per block; results in block order, a bar over the blocks as they finish."""
    from dask import delayed
    from distributed import as_completed

    tasks = [delayed(_solve_block, pure=True)(p.data, p.mask, p.voxel_size, p.origin, dict(p.phases), label, axis,
                                              options)
             for p in pieces]
    futures = client.compute(tasks)
    order = {f.key: i for i, f in enumerate(futures)}
    results = [None] * len(futures)
    for future in steps(as_completed(futures), "blocks", enabled=progress, total=len(futures)):
        results[order[future.key]] = future.result()
    return results


@dataclass(frozen=True)
class KozenyCarman:
    """k = c * phi^3 / (1 - phi)^2 (m^2), c fitted in log space."""

    __repr__ = short_repr

    c: float
    r2_log: float
    samples: int

    def permeability(self, porosity) -> np.ndarray:
        phi = np.clip(np.asarray(porosity, dtype=float), 0.0, 0.999)
        return self.c * phi**3 / (1 - phi) ** 2

    def to_dict(self) -> dict:
        return {"c_m2": self.c, "r2_log": self.r2_log, "samples": self.samples}


def kozeny_carman(porosity, k_m2) -> KozenyCarman:
    """Fit k = c phi^3 / (1 - phi)^2 to (porosity, permeability) pairs, e.g. from :func:`upscale`.

    Parameters
    ----------
    porosity, k_m2 : array-like
        Pairs with k = 0 or porosity 0 or 1 are left out.

    Returns
    -------
    KozenyCarman
        ``c`` (m^2), the log-space fit quality ``r2_log``, and ``permeability(phi)``.

    Examples
    --------
    >>> import flow
    >>> law = flow.kozeny_carman([0.2, 0.3, 0.4], [2e-13 * p ** 3 / (1 - p) ** 2 for p in (0.2, 0.3, 0.4)])
    >>> round(law.c / 2e-13, 9), round(law.r2_log, 9)
    (1.0, 1.0)
    """
    phi = np.ravel(np.asarray(porosity, dtype=float))
    k = np.ravel(np.asarray(k_m2, dtype=float))
    ok = (k > 0) & (phi > 0) & (phi < 1)
    if ok.sum() < 2:
        raise InputError("need at least two blocks with flow to fit Kozeny-Carman")
    shape = np.log(phi[ok] ** 3 / (1 - phi[ok]) ** 2)
    log_c = float(np.mean(np.log(k[ok]) - shape))
    resid = np.log(k[ok]) - (log_c + shape)
    total = ((np.log(k[ok]) - np.log(k[ok]).mean()) ** 2).sum()
    return KozenyCarman(float(np.exp(log_c)), float(1 - (resid**2).sum() / total) if total > 0 else 1.0,
                        int(ok.sum()))
