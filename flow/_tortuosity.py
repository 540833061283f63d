"""Diffusive tortuosity and formation factor from a Laplace solve on the voxels.

Finite volumes on the voxel grid, in TauFactor's convention (Cooper et al. 2016): the
concentration (or potential) is held at 1 and 0 on the two faces normal to the axis, half a
voxel from the first and last voxel centres; the other faces are sealed; two touching
voxels exchange through the harmonic mean of their diffusivities. Then

    D_eff / D = Q L / (A dC D),   tau = porosity / (D_eff / D),   F = 1 / (D_eff / D),

with L and A the box's length and cross-section and porosity the volume fraction of the
conducting phase (all of it, as TauFactor counts it). With several phases (electrolyte and a
porous binder, say) D is the largest diffusivity and tau = sum(phi_i D_i) / D_eff.
Voxels in clusters that do not join the two faces carry no flux and are left out of the
solve; a sample with no such cluster gets D_eff = 0 and tau = inf, with the reason.

The solve is ``_laplace``'s: matrix-free, float32 storage with float64 sums, multigrid
preconditioned CG on both cores; about 30 bytes per voxel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dca import InputError
from dca.util import as_volume, field_of_view, phase_mask, require_memory, show_progress

from ._laplace import solve_laplace
from ._voxels import SolveProgress, flow_axis, spanning

__all__ = ["Tortuosity", "tortuosity"]

MAXITER = 500


@dataclass(frozen=True)
class Tortuosity:
    """Result of :func:`tortuosity`; ``to_dict`` gives the JSON of ``dca tortuosity``."""

    axis: str
    tau: float
    effective_diffusivity_ratio: float  # D_eff / D
    formation_factor: float  # 1 / (D_eff / D)
    porosity: float  # volume fraction of the conducting phase(s)
    effective_diffusivity: float  # in the units of the diffusivities given (1 for a binary image)
    mass_balance: float  # (max - min) / mean of the flux through each cross-section
    iterations: int
    residual: float
    voxels_used: int
    voxels_excluded: int
    reason: str = ""
    concentration: np.ndarray | None = None

    def to_dict(self) -> dict:
        out = {"axis": self.axis, "tau": self.tau, "effective_diffusivity_ratio": self.effective_diffusivity_ratio,
               "formation_factor": self.formation_factor, "porosity": self.porosity,
               "effective_diffusivity": self.effective_diffusivity, "mass_balance": self.mass_balance,
               "iterations": self.iterations, "residual": self.residual, "voxels_used": self.voxels_used,
               "voxels_excluded": self.voxels_excluded,
               "method": "voxel Laplace (finite volumes, TauFactor convention)"}
        if self.reason:
            out["reason"] = self.reason
        return out

    def __repr__(self) -> str:
        if self.reason:
            return f"<Tortuosity {self.axis}: tau = inf ({self.reason})>"
        return (f"<Tortuosity {self.axis}: tau {self.tau:.4f}, D_eff/D {self.effective_diffusivity_ratio:.4f}, "
                f"F {self.formation_factor:.3f}, porosity {self.porosity:.4f}>")


def _diffusivity_map(volume, phase, diffusivity) -> tuple[np.ndarray, float]:
    """Per-voxel diffusivity and the reference (largest) one; 0 outside the field of view."""
    fov = field_of_view(volume)
    if diffusivity is None:
        d = phase_mask(volume, phase).astype(np.float32, order="C")  # C order: a transposed view too
        if fov is not None:
            d *= fov
        return d, 1.0
    if phase is not None:
        raise InputError("pass either phase= (one conducting phase) or diffusivity= (several), not both")
    if not isinstance(diffusivity, dict) or not diffusivity:
        raise InputError("diffusivity must map phases (names or labels) to diffusivities, "
                         "e.g. {'pore': 1.0, 'binder': 0.1}")
    d = np.zeros(volume.shape, np.float32)
    for name, value in diffusivity.items():
        value = float(value)
        if not math.isfinite(value) or value < 0:
            raise InputError(f"diffusivity of phase {name!r} must be finite and >= 0, got {value!r}")
        d[phase_mask(volume, name)] = value
    if fov is not None:
        d *= fov
    reference = max(float(v) for v in diffusivity.values())
    if reference <= 0:
        raise InputError("every diffusivity is zero: nothing conducts")
    return d, reference


def tortuosity(volume, *, axis="x", phase=None, diffusivity: dict | None = None, voxel_size=None,
               tol: float = 1e-7, keep_field: bool = False, progress: bool | None = None) -> Tortuosity:
    """Tortuosity factor, effective diffusivity ratio and formation factor along ``axis``.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    axis : {"x", "y", "z"}
    phase : name or label, optional
        The conducting phase (default pore / True).
    diffusivity : mapping of phase to float, optional
        ``{phase: D}`` for several conducting phases (others conduct nothing), e.g.
        ``{"pore": 1.0, "binder": 0.1}``.
    voxel_size : float or (3,) floats, metres
        With an array only.
    tol : float
        Relative residual of the conjugate-gradient solve (multigrid preconditioned; 1e-7
        leaves the flux through the cross-sections equal to ~1e-6 and tau within ~2e-6 of
        its converged value).
    keep_field : bool
        Keep the concentration (NaN outside the conducting clusters).
    progress : bool, optional
        A bar over the CG iterations; default on in notebooks and
        interactive shells only.

    Returns
    -------
    Tortuosity
        ``tau``, ``effective_diffusivity_ratio`` (D_eff/D), ``formation_factor``, ``porosity``,
        ``mass_balance``; tau = inf with ``reason`` where the phase does not span the sample.

    Notes
    -----
    TauFactor's convention: the faces are held at 1 and 0 half a voxel outside, sides
    sealed, harmonic means between voxels; tau = porosity / (D_eff/D), F = 1 / (D_eff/D).
    Cooper et al. (2016), SoftwareX 5, 203, doi:10.1016/j.softx.2016.09.002.

    Examples
    --------
    >>> import numpy as np
    >>> tube = np.zeros((8, 8, 20), bool); tube[2:6, 2:6, :] = True
    >>> t = tortuosity(tube, axis="x", voxel_size=1e-6)
    >>> round(t.tau, 6), round(t.effective_diffusivity_ratio, 6)
    (1.0, 0.25)
    """
    volume = as_volume(volume, voxel_size=voxel_size)
    require_memory(volume.size, "tortuosity solve", shape=volume.shape)
    a, name = flow_axis(axis)
    d, reference = _diffusivity_map(volume, phase, diffusivity)
    conducting = d > 0
    n_conducting = int(np.count_nonzero(conducting))
    porosity = n_conducting / conducting.size
    d_mean = float(d.mean(dtype=np.float64))
    used = spanning(conducting, a)
    n_used = int(np.count_nonzero(used))
    shape = volume.shape

    def result(**kw):
        base = dict(axis=name, porosity=porosity, voxels_used=n_used, voxels_excluded=n_conducting - n_used,
                    iterations=0, residual=0.0, mass_balance=0.0)
        return Tortuosity(**{**base, **kw})

    if n_used == 0:
        why = ("the conducting phase is empty" if not n_conducting else
               f"no connected path of conducting voxels joins the two faces normal to {name}")
        return result(tau=math.inf, effective_diffusivity_ratio=0.0, formation_factor=math.inf,
                      effective_diffusivity=0.0, reason=why)
    h = np.asarray(volume.voxel_size)
    length = shape[a] * h[a]
    area = float(np.prod([shape[i] * h[i] for i in range(3) if i != a]))
    d *= used  # in place: the map is ours, float32
    del conducting, used
    cell = float(np.prod(h))
    with SolveProgress("tortuosity", show_progress(progress), MAXITER, tol) as bar:
        bar.phase("CG")
        sol = solve_laplace(d, [cell / h[b] ** 2 for b in range(3)], a, tol=tol, maxiter=MAXITER,
                            on_iteration=bar.iteration if bar.shown else None)
    q_slices, iterations, residual = sol.fluxes, sol.iterations, sol.residual
    conc = None
    if keep_field:
        conc = sol.concentration
        conc[d <= 0] = np.nan
    q = float(np.mean(q_slices))
    d_eff = q * length / area  # dC = 1
    mass_balance = float((q_slices.max() - q_slices.min()) / q) if q > 0 else 0.0
    ratio = d_eff / reference
    return result(tau=float(d_mean / d_eff), effective_diffusivity_ratio=float(ratio),
                  formation_factor=float(1 / ratio), effective_diffusivity=float(d_eff), mass_balance=mass_balance,
                  iterations=iterations, residual=residual, concentration=conc)
