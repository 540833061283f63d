"""Sub-resolution porosity from two scans: a fine scan calibrates the coarse one's grey levels,
and its Stokes permeabilities give the microporous voxels of the coarse scan their k."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dca import InputError, Volume
from dca.multiscale import Placement, PorosityCalibration, calibrate_porosity, locate
from dca.util import as_volume, short_repr

from ._upscale import KozenyCarman, kozeny_carman, upscale

__all__ = ["microporous_model", "MicroporousModel"]


@dataclass(frozen=True)
class MicroporousModel:
    """The coarse scan as macropores, microporous voxels and solid, with what it rests on.

    ``labels``: solid 0, pore 1, micro 2 on the coarse grid; ``k_map``: the permeability
    (m^2) of every microporous voxel, 0 elsewhere, for ``flow.stokes(labels,
    microporous=k_map)``; ``porosity_map``: the calibrated porosity of every coarse voxel.
    """

    __repr__ = short_repr

    labels: Volume
    k_map: np.ndarray
    porosity_map: np.ndarray
    placement: Placement
    calibration: PorosityCalibration
    law: KozenyCarman


def microporous_model(coarse, fine, fine_labels, *, block: int = 12, axis="x", solid_below: float = 0.05,
                      pore_above: float = 0.9) -> MicroporousModel:
    """Turn a coarse grey scan into macropores, microporous voxels and solid, with a
    permeability for every microporous voxel, calibrated on a fine scan of part of it.

    Parameters
    ----------
    coarse : Volume
        The grey scan of the whole sample.
    fine : Volume
        A grey scan of a region of it at a finer voxel size.
    fine_labels : Volume
        The segmentation of ``fine`` (True / 1 = pore).
    block : int, voxels
        The fine scan is cut into blocks of this edge; their porosity and Stokes
        permeability along ``axis`` fit the Kozeny-Carman law k = c phi^3 / (1 - phi)^2.
    axis : {"x", "y", "z"}
    solid_below, pore_above : float
        Calibrated porosities below which a coarse voxel is solid, and above which it is a
        resolved macropore; between them it is microporous.

    Returns
    -------
    MicroporousModel

    Notes
    -----
    Steps: :func:`dca.multiscale.locate` finds the fine scan in the coarse one;
    :func:`dca.multiscale.calibrate_porosity` maps coarse grey level to porosity;
    :func:`upscale` and :func:`kozeny_carman` give k(phi); each coarse voxel gets its class and,
    where microporous, k(phi). Then ``flow.stokes(model.labels, microporous=model.k_map)``
    solves Darcy-Brinkman flow through macropores and microporous voxels together.

    Examples
    --------
    >>> import dca, flow
    >>> rock = dca.samples.blobs(64, porosity=0.3, seed=1, voxel_size=1e-6)
    >>> scans = dca.samples.multiscale_scans(rock, factor=4, region=48)
    >>> model = flow.microporous_model(scans.coarse, scans.fine, scans.fine_labels, block=12)
    >>> tuple(round(v) for v in model.placement.offset_voxels) == scans.offset_voxels
    True
    >>> bool(flow.stokes(model.labels, axis="x", microporous=model.k_map).k_m2 > 0)
    True
    """
    coarse, fine, fine_labels = (as_volume(v, name=n) for v, n in
                                 ((coarse, "coarse"), (fine, "fine"), (fine_labels, "fine_labels")))
    if not 0 <= solid_below < pore_above <= 1:
        raise InputError(f"need 0 <= solid_below < pore_above <= 1, got {solid_below} and {pore_above}")
    placement = locate(fine, coarse)
    calibration = calibrate_porosity(coarse, fine_labels, placement)
    blocks = upscale(fine_labels, block, axis=axis)
    law = kozeny_carman(blocks.porosity, blocks.k_m2)
    phi = calibration.porosity_of(coarse.to_numpy())
    macro = phi >= pore_above
    micro = (phi > solid_below) & ~macro
    labels = coarse.replace(data=np.where(macro, 1, np.where(micro, 2, 0)).astype(np.uint8),
                            phases={"solid": 0, "pore": 1, "micro": 2}).with_step(
        "microporous_model", solid_below=solid_below, pore_above=pore_above, block=block, axis=str(axis))
    return MicroporousModel(labels=labels, k_map=np.where(micro, law.permeability(phi), 0.0), porosity_map=phi,
                            placement=placement, calibration=calibration, law=law)
