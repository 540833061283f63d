"""Fluid invasion in a flow cell: saturation per step and the local capillary pressure from
the curvature of the fluid-fluid interfaces (Young-Laplace, Pc = sigma (k1 + k2))."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .._errors import InputError
from .._phase import phase_mask
from ..util import check_cubic, takes_volume

__all__ = ["saturation", "interface_curvature", "Curvature", "invasion"]


@takes_volume
def saturation(volume, *, fluid, pore_phases) -> dict:
    """Saturation of ``fluid`` in the pore space made of ``pore_phases`` (names or labels),
    and the fluid volume (its voxels times the voxel volume, m^3)."""
    pore_phases = [pore_phases] if isinstance(pore_phases, (str, int)) else list(pore_phases)
    if fluid not in pore_phases:
        raise InputError(f"the fluid {fluid!r} must be one of the pore phases {pore_phases}")
    pore = np.zeros(volume.shape, bool)
    for p in pore_phases:
        pore |= phase_mask(volume, p, allow_empty=True)
    n_pore = int(pore.sum())
    if n_pore == 0:
        raise InputError(f"no voxels of the pore phases {pore_phases}; check the phase names")
    n_fluid = int(phase_mask(volume, fluid, allow_empty=True).sum())
    cell = float(np.prod(volume.voxel_size))
    return {"saturation": n_fluid / n_pore, "fluid_voxels": n_fluid, "fluid_volume_m3": n_fluid * cell,
            "pore_volume_m3": n_pore * cell}


@dataclass(frozen=True)
class Curvature:
    """Total curvature (k1 + k2, 1/m) sampled on a fluid-fluid interface, and Pc = sigma (k1 + k2)."""

    values: np.ndarray  # 1/m, positive where the interface is convex towards the wetting phase
    surface_tension: float

    @property
    def median(self) -> float:
        return float(np.median(self.values)) if len(self.values) else float("nan")

    @property
    def capillary_pressure(self) -> float:
        """Median Pc (Pa), sigma times the median total curvature."""
        return self.surface_tension * self.median

    def to_dict(self) -> dict:
        q = np.percentile(self.values, [25, 75]) if len(self.values) else [np.nan, np.nan]
        return {"capillary_pressure_pa": self.capillary_pressure, "curvature_median_1_per_m": self.median,
                "curvature_iqr_1_per_m": [float(q[0]), float(q[1])], "interface_samples": int(len(self.values))}


@takes_volume
def interface_curvature(volume, *, nonwetting, wetting, surface_tension: float, sigma: float = 2.0,
                        solid_clearance: float = 3.0) -> Curvature:
    """Curvature of the interface between ``nonwetting`` and ``wetting`` fluid.

    The non-wetting indicator is blurred (Gaussian, ``sigma`` voxels) and its level-set
    curvature k1 + k2 = ``-div(grad f / |grad f|)`` is read on the voxels where the two fluids
    meet, at least ``solid_clearance`` voxels from any other phase (contact lines and the
    solid walls bias the estimate). Positive for a non-wetting blob bulging into the wetting
    fluid, so Pc = sigma (k1 + k2) > 0 in drainage.
    """
    h = check_cubic(volume.voxel_size, what="curvature")
    nw = phase_mask(volume, nonwetting)
    w = phase_mask(volume, wetting)
    f = ndimage.gaussian_filter(nw.astype(np.float64), sigma)
    g = np.gradient(f)
    norm = np.sqrt(sum(x * x for x in g)) + 1e-12
    div = sum(np.gradient(g[i] / norm, axis=i) for i in range(3))
    kappa = -div / h
    # interface voxels: non-wetting voxels with a wetting face neighbour, and vice versa
    meet = (nw & ndimage.binary_dilation(w)) | (w & ndimage.binary_dilation(nw))
    other = ~(nw | w)
    if other.any():
        import edt

        meet &= edt.edt(~other, parallel=1) > solid_clearance
    meet &= norm > 0.02  # a well-defined level set
    return Curvature(kappa[meet], float(surface_tension))


def invasion(series, *, nonwetting, wetting, surface_tension: float, solid=None, progress: bool | None = None):
    """Saturation, fluid volumes and interface capillary pressure at each step of a flow-cell series.

    Returns a pandas DataFrame (one row per step): the step coordinate, non-wetting
    saturation, fluid volumes (voxels times voxel volume, m^3), and the median capillary
    pressure from the interface curvature. The table's ``attrs`` keep the fluids and the
    surface tension.
    """
    def per_step(volume):
        s = saturation(volume, fluid=nonwetting, pore_phases=[nonwetting, wetting])
        row = {"nonwetting_saturation": s["saturation"], "nonwetting_volume_m3": s["fluid_volume_m3"],
               "wetting_volume_m3": s["pore_volume_m3"] - s["fluid_volume_m3"], "pore_volume_m3": s["pore_volume_m3"]}
        if 0 < s["fluid_voxels"] and s["saturation"] < 1:
            row.update(interface_curvature(volume, nonwetting=nonwetting, wetting=wetting,
                                           surface_tension=surface_tension).to_dict())
        return row

    table = series.map(per_step, progress=progress)
    table.attrs.update({"nonwetting": nonwetting, "wetting": wetting, "surface_tension_n_per_m": surface_tension})
    return table
