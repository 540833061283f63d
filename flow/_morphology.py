"""Drainage and imbibition on the voxels by sphere insertion (the pore-morphology method, as
GeoDict's SatuDict and PoreSpy's ``simulations.drainage`` / ``imbibition``), and relative
permeability from the Stokes solver on each phase's voxels: the image-based check of the
network's two-phase curves.

A voxel is invaded by the non-wetting phase at Pc when a sphere of radius 2 sigma cos(theta) / Pc
fits there and reaches it from the inlet face through invaded space (PoreSpy's sphere insertion
on the Euclidean distance map, ``steps`` pressures); with ``trapping`` the defending phase that
loses contact with the outlet face stays. Imbibition runs the other way. Pressures are in Pa:
PoreSpy's 2 / r (voxels) times sigma cos(theta) over the voxel size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dca import InputError
from dca.network import face_axis
from dca.util import as_volume, check_cubic, check_positive, phase_label, select, short_repr

__all__ = ["Morphology", "morphological_drainage", "morphological_imbibition"]


@dataclass(frozen=True)
class Morphology:
    """A morphological displacement: the curve (``table``: Sw, Pc_pa), the Pc at which each pore
    voxel changed phase (``pc_map``, Pa; +inf never, NaN outside the pore space), and what it needs
    to compute relative permeabilities (``relative_permeability``)."""

    __repr__ = short_repr

    process: str
    axis: str
    table: pd.DataFrame
    pc_map: np.ndarray
    trapped: np.ndarray
    surface_tension: float
    contact_angle: float
    voxel_size: tuple

    def nonwetting(self, pc: float) -> np.ndarray:
        """The voxels the non-wetting phase holds at capillary pressure ``pc`` (Pa)."""
        pore = ~np.isnan(self.pc_map)
        if self.process == "drainage":
            return pore & (self.pc_map <= pc)
        return pore & (~(self.pc_map >= pc) | self.trapped)  # trapped oil stays

    def relative_permeability(self, *, points: int = 6, box=(0.2, 0.9), tol: float = 1e-5,
                              solver: str | None = None) -> pd.DataFrame:
        """krw and kro at ``points`` of the curve's pressures (those nearest to evenly spaced
        saturations) from the Stokes solver on each phase's voxels (``flow.stokes``; k of a
        phase over k of the whole pore space), both in the measurement ``box`` (fractions of the
        length along the axis; as pnflow's CALC_BOX, it leaves out the inlet, where the invading
        phase fills every pore before it spans), with the box's saturation."""
        from dca import Volume

        from ._network_flow import _box
        from ._stokes import stokes

        start, stop = _box(box)
        a = 2 - face_axis(self.axis)[2]
        n = self.pc_map.shape[a]
        cut = [slice(None)] * 3
        cut[a] = slice(int(round(start * n)), max(int(round(stop * n)), int(round(start * n)) + 1))
        cut = tuple(cut)
        pore = ~np.isnan(self.pc_map[cut])
        full = stokes(Volume(pore, voxel_size=self.voxel_size), axis=self.axis, tol=tol, solver=solver)
        k_abs = full.permeability.k_m2
        if not k_abs > 0:
            raise InputError(f"the pore space does not percolate along {self.axis}; no relative permeability")
        rows = []
        table = self.table
        sw = table["Sw"].to_numpy()
        wanted = np.linspace(sw.max(), sw.min(), points)  # evenly in saturation, not in steps
        pick = np.unique([int(np.argmin(np.abs(sw - w))) for w in wanted])
        for i in pick:
            pc = float(table["Pc_pa"].iloc[i])
            oil = self.nonwetting(pc)[cut]
            kr = []
            for phase in (pore & ~oil, oil):
                if not phase.any():
                    kr.append(0.0)
                    continue
                k = stokes(Volume(phase, voxel_size=self.voxel_size), axis=self.axis, tol=tol, solver=solver)
                kr.append(float(min(max(k.permeability.k_m2 / k_abs, 0.0), 1.0)))
            rows.append((1 - float(oil.sum() / pore.sum()), pc, kr[0], kr[1]))
        return pd.DataFrame(rows, columns=["Sw", "Pc_pa", "krw", "kro"])


def _run(volume, process, *, axis, phase, surface_tension, contact_angle, steps, trapping, voxel_size):
    import porespy as ps

    volume = as_volume(volume, voxel_size=voxel_size)
    sigma = check_positive(surface_tension, name="surface_tension", unit="N/m")
    if not 0 <= contact_angle < 90:
        raise InputError(f"contact_angle must be in [0, 90) degrees (the wetting phase's), got {contact_angle}")
    h = check_cubic(volume.voxel_size, what="sphere insertion", rtol=1e-3)
    _, _, a = face_axis(axis)
    a = 2 - a  # x is the last array axis
    pore = np.asarray(select(volume.to_numpy(), phase_label(volume, phase)), bool)
    if volume.mask is not None:
        pore &= np.asarray(volume.mask, bool)
    inlets, outlets = np.zeros_like(pore), np.zeros_like(pore)
    lo, hi = [slice(None)] * 3, [slice(None)] * 3
    lo[a], hi[a] = 0, -1
    inlets[tuple(lo)] = True
    outlets[tuple(hi)] = True
    simulate = ps.simulations.drainage if process == "drainage" else ps.simulations.imbibition
    result = simulate(pore, inlets=inlets & pore, outlets=(outlets & pore) if trapping else None, steps=steps)
    scale = sigma * np.cos(np.radians(contact_angle)) / h
    pc_map = np.where(pore, np.asarray(result.im_pc, float) * scale, np.nan)
    trapped = np.asarray(getattr(result, "im_trapped", np.zeros_like(pore)), bool) & pore
    pcs = np.unique(np.asarray(result.pc, float) * scale)
    pcs = pcs[np.isfinite(pcs)]
    out = Morphology(process, str(axis), pd.DataFrame(), pc_map, trapped, sigma, float(contact_angle),
                     tuple(volume.voxel_size))
    pcs = pcs if process == "drainage" else pcs[::-1]
    total = pore.sum()
    sw = [1 - out.nonwetting(pc).sum() / total for pc in pcs]  # the map's own saturations
    table = pd.DataFrame({"Sw": np.array(sw, float), "Pc_pa": pcs})
    return replace(out, table=table)


def morphological_drainage(volume, *, axis="x", phase=None, surface_tension: float = 0.03,
                           contact_angle: float = 0.0, steps: int = 25, trapping: bool = True,
                           voxel_size=None) -> Morphology:
    """Primary drainage on the voxels by sphere insertion from the inlet face of ``axis``.

    Parameters
    ----------
    volume : dca.Volume or array with ``voxel_size``
        Segmented; the pore space is ``phase`` (default pore / True). Cubic voxels.
    surface_tension : N/m
    contact_angle : degrees, through the wetting phase (below 90)
    steps : int
        Capillary pressures applied (PoreSpy's steps).
    trapping : bool
        The wetting phase cut off from the outlet face stays.

    Returns
    -------
    Morphology
        ``table`` (Sw, Pc_pa), ``pc_map``, ``nonwetting(pc)``, ``relative_permeability()``.
    """
    return _run(volume, "drainage", axis=axis, phase=phase, surface_tension=surface_tension,
                contact_angle=contact_angle, steps=steps, trapping=trapping, voxel_size=voxel_size)


def morphological_imbibition(volume, *, axis="x", phase=None, surface_tension: float = 0.03,
                             contact_angle: float = 0.0, steps: int = 25, trapping: bool = True,
                             voxel_size=None) -> Morphology:
    """Imbibition on the voxels by sphere insertion: the wetting phase enters from the inlet face
    as Pc falls, from a pore space full of the non-wetting phase; with ``trapping`` the
    non-wetting phase cut off from the outlet stays. As :func:`morphological_drainage`."""
    return _run(volume, "imbibition", axis=axis, phase=phase, surface_tension=surface_tension,
                contact_angle=contact_angle, steps=steps, trapping=trapping, voxel_size=voxel_size)
