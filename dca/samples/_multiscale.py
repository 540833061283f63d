"""A coarse scan of a whole sample and a fine scan of its centre, made from one label volume:
the test bed of the multiscale workflow, with the fine scan's true place as ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._volume import Volume
from ..util import as_volume, short_repr

__all__ = ["multiscale_scans", "MultiscaleScans"]


@dataclass(frozen=True)
class MultiscaleScans:
    """``coarse`` (grey, ``factor`` times coarser), ``fine`` (grey) and ``fine_labels`` (the
    truth of the fine scan, True = pore), and ``offset_voxels``: where the fine scan's first
    voxel sits on the coarse grid (z, y, x)."""

    __repr__ = short_repr

    coarse: Volume
    fine: Volume
    fine_labels: Volume
    offset_voxels: tuple[float, float, float]


def multiscale_scans(volume, *, factor: int = 4, region: int = 48, noise: float = 2.0, seed: int = 0,
                     voxel_size=None) -> MultiscaleScans:
    """A coarse scan of the whole of ``volume`` and a fine scan of its centre.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Labels at the fine resolution: 0 is solid, any other label pore (a segmentation of
        microporous rock often holds several pore classes).
    factor : int
        Coarse voxel / fine voxel. A coarse voxel's grey level is 200 - 100 x its pore
        fraction, so partly porous coarse voxels take grey levels between solid (200) and
        pore (100): the microporosity a calibration recovers.
    region : int, voxels
        Edge of the fine scan, a cube at the centre (aligned with the coarse grid).
    noise : float
        Grey-level noise (standard deviation) of the coarse scan; the fine scan has four times
        as much (smaller voxels, fewer photons each).
    seed : int

    Returns
    -------
    MultiscaleScans

    Examples
    --------
    >>> import dca
    >>> s = dca.samples.multiscale_scans(dca.samples.blobs(64, porosity=0.3, seed=1, voxel_size=1e-6), region=32)
    >>> s.coarse.shape, s.fine.shape, s.offset_voxels
    ((16, 16, 16), (32, 32, 32), (4.0, 4.0, 4.0))
    """
    from ..multiscale import block_mean

    volume = as_volume(volume, voxel_size=voxel_size)
    factor, region = int(factor), int(region)
    if factor < 1 or region < 4 or region > min(volume.shape):
        raise InputError(f"need factor >= 1 and 4 <= region <= {min(volume.shape)} voxels, got factor={factor}, "
                         f"region={region}")
    rng = np.random.default_rng(seed)
    pore = volume.to_numpy() != 0
    h = volume.voxel_size[0]
    phi = block_mean(pore, factor)
    coarse = Volume((200 - 100 * phi + rng.normal(0, noise, phi.shape)).astype(np.float32), voxel_size=factor * h)
    start = (np.array(pore.shape) - region) // 2 // factor * factor  # the centre, on the coarse grid
    cut = tuple(slice(s, s + region) for s in start)
    fine_grey = (200 - 100 * pore[cut] + rng.normal(0, 4 * noise, (region,) * 3)).astype(np.float32)
    return MultiscaleScans(coarse=coarse, fine=Volume(fine_grey, voxel_size=h),
                           fine_labels=Volume(pore[cut], voxel_size=h),
                           offset_voxels=tuple(float(s / factor) for s in start))
