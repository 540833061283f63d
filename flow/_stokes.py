"""Stokes flow on the voxels: permeability, velocity and pressure fields.

Discretisation: the MAC staggered grid of ``_mac`` (pressure at voxel centres, normal
velocities on fluid-fluid faces, no-slip walls on the voxel faces with the slit-exact ghost).

Boundary model, stated in every result:
- ``inlet="reservoir"`` (default): ``buffer`` slices of free fluid are added before and after
  the sample along the flow axis; the pressure is held at the outermost slice of each;
  ``inlet="periodic"``: the sample repeats along the axis and a pressure jump drives it.
- ``lateral="sealed"`` (default): the four other faces are no-slip walls;
  ``lateral="periodic"``: they wrap (needed for the off-diagonal terms of the tensor).
Permeability: k = mu Q L / (A dp) with L and A the sample's length and cross-section and
dp the difference of the mean pressures on the buffer slices that touch the sample (for a
periodic axis: the jump).

Solver: the saddle-point system is solved by BiCGStab with a block-triangular
preconditioner: smoothed-aggregation AMG V-cycles on the viscous block (one hierarchy per
face direction, which that block never couples, built on its symmetric part) and one on the
"Darcy" pressure operator G^T W G, where W = A^-1 1 is each face's
local Poiseuille response to a unit pressure gradient (the operator that governs the
large-scale pressure field of a porous medium, which the mass-matrix Schur approximations
miss). Convergence: the relative residual of the whole system below ``tol`` (default 1e-6,
k to ~1e-5); then one projection (G^T W G phi = div u, u -= W G phi, CG to 1e-12) makes the
velocity divergence-free, so the flow rate is the same through every cross-section.
``solver="multigrid"`` (``_lean_stokes``) solves the same system without assembling it, with
geometric multigrid in place of AMG, in one process or over the z-slabs of MPI ranks; it is
chosen by itself where the assembled system would not fit in memory.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from dca import ConvergenceError, InputError
from dca.util import (
    as_volume,
    check_cubic,
    check_positive,
    field_of_view,
    fits_in_memory,
    legend,
    phase_mask,
    require_memory,
    show_progress,
    show_scene,
)

from ._lean_stokes import lean_solve
from ._mac import index_grids, momentum_rows
from ._network_flow import Permeability
from ._voxels import AXIS_NAMES, SolveProgress, flow_axis, repeatable, spanning

__all__ = ["StokesFlow", "stokes", "permeability_tensor"]

BOUNDARIES = ("reservoir", "periodic")
SOLVERS = ("amg", "multigrid")
LATERALS = ("sealed", "periodic")


@dataclass(frozen=True)
class StokesFlow:
    """A converged Stokes solution on the voxels (SI units, (z, y, x) arrays)."""

    permeability: Permeability
    velocity: np.ndarray | None  # (nz, ny, nx, 3) m/s at voxel centres, components (z, y, x); None over MPI
    pressure: np.ndarray | None  # (nz, ny, nx) Pa, NaN in solid and excluded voxels; None over MPI
    mean_velocity: tuple[float, float, float]  # superficial velocity (z, y, x), m/s
    voxel_size: tuple[float, float, float]
    origin: tuple[float, float, float]

    @property
    def iterations(self) -> int:
        return self.permeability.extra["iterations"]

    @property
    def residual(self) -> float:
        return self.permeability.extra["residual"]

    @property
    def seconds(self) -> float:
        return self.permeability.extra["seconds"]

    @property
    def k_m2(self) -> float:
        return self.permeability.k_m2

    @property
    def k_mD(self) -> float:
        return self.permeability.k_mD

    def to_dict(self) -> dict:
        return self.permeability.to_dict()

    def write(self, path) -> str:
        """Velocity (vector, m/s), speed and pressure (Pa) as VTK image data (.vti) on the
        voxel cells, in metres and in the image frame, so it overlays the image in ParaView."""
        import pyvista as pv

        from dca.io import atomic_path

        path = str(path)
        if not path.endswith(".vti"):
            raise InputError(f"flow fields are written as VTK image data: give a .vti path, got {path!r}")
        if self.velocity is None:
            raise InputError("this solve kept no fields (it ran split over MPI ranks); solve on one rank for fields")
        dz, dy, dx = self.voxel_size
        nz, ny, nx = self.pressure.shape
        grid = pv.ImageData(dimensions=(nx + 1, ny + 1, nz + 1), spacing=(dx, dy, dz),
                            origin=(self.origin[2] - dx / 2, self.origin[1] - dy / 2, self.origin[0] - dz / 2))
        xyz = self.velocity[..., ::-1]  # components as (x, y, z) for VTK
        grid.cell_data["velocity"] = xyz.reshape(-1, 3)
        grid.cell_data["speed"] = np.linalg.norm(xyz, axis=-1).ravel()
        grid.cell_data["pressure"] = self.pressure.ravel()
        with atomic_path(path) as tmp:
            grid.save(tmp + ".vti", binary=True)  # VTK picks its writer by the extension
            os.replace(tmp + ".vti", tmp)
        return path

    def plot(self, field: str = "speed", *, interactive: bool | None = None, backend: str = "html"):
        """The flow field in 3-D: ``field`` ("speed", m/s, or "pressure", Pa) on three
        orthogonal slices through the sample's centre, solid in grey, with its colour legend,
        the box's outline and axes in units. Interactive in a Jupyter kernel (pyvista's trame
        backend), a static figure elsewhere; see :func:`dca.util.show_scene`."""
        if field not in ("speed", "pressure"):
            raise InputError(f"field must be 'speed' or 'pressure', got {field!r}")
        if self.velocity is None:
            raise InputError("this solve kept no fields (it ran split over MPI ranks); solve on one rank for fields")
        low = np.subtract(self.origin, np.divide(self.voxel_size, 2))[::-1]  # (x, y, z)
        high = low + np.multiply(self.pressure.shape, self.voxel_size)[::-1]
        return show_scene(functools.partial(self._draw, field), box=(low, high), interactive=interactive,
                          backend=backend)

    def _draw(self, field: str, plotter, scale: float, unit: str) -> None:
        import pyvista as pv

        dz, dy, dx = (h * scale for h in self.voxel_size)
        nz, ny, nx = self.pressure.shape
        grid = pv.ImageData(dimensions=(nx + 1, ny + 1, nz + 1), spacing=(dx, dy, dz),
                            origin=(self.origin[2] * scale - dx / 2, self.origin[1] * scale - dy / 2,
                                    self.origin[0] * scale - dz / 2))
        solid = np.isnan(self.pressure)
        if field == "speed":
            values = np.linalg.norm(self.velocity, axis=-1)
            values[solid] = np.nan
            top = float(np.nanmax(values, initial=0.0))
            name, factor = next(((n, f) for n, f in (("m/s", 1.0), ("mm/s", 1e-3), ("um/s", 1e-6))
                                 if top >= f), ("nm/s", 1e-9))
            values, label, limits = values / factor, f"speed ({name})", (0.0, top / factor)
        else:
            values, label, limits = self.pressure, "pressure (Pa)", None
        grid.cell_data[label] = values.ravel()
        plotter.add_mesh(grid.outline(), color="black")
        plotter.add_mesh(grid.slice_orthogonal(), scalars=label, cmap="inferno" if field == "speed" else "coolwarm",
                         clim=limits, nan_color="lightgray", scalar_bar_args=legend(label, fmt="%.3g"))

    @property
    def reason(self) -> str:
        """Why k = 0 (empty when the pore space spans the sample)."""
        return self.permeability.reason

    def __repr__(self) -> str:
        if self.reason:
            return f"<StokesFlow {self.permeability.axis}: k = 0 ({self.reason})>"
        return (f"<StokesFlow {self.permeability.axis}: k {self.k_m2:.4g} m^2 = {self.k_mD:.4g} mD, porosity "
                f"{self.permeability.porosity:.4f}, {self.iterations} iterations, residual {self.residual:.1e}, "
                f"flux spread {self.permeability.mass_balance:.1e}>")


def _check_options(inlet, lateral, buffer, tol, viscosity, pressure_drop):
    if inlet not in BOUNDARIES:
        raise InputError(f"inlet must be one of {BOUNDARIES}, got {inlet!r}")
    if lateral not in LATERALS:
        raise InputError(f"lateral must be one of {LATERALS}, got {lateral!r}")
    if inlet == "reservoir" and (int(buffer) != buffer or buffer < 1):
        raise InputError(f"buffer must be a whole number of slices >= 1, got {buffer!r}")
    check_positive(tol, name="tol")
    check_positive(viscosity, name="viscosity", unit="Pa.s")
    check_positive(pressure_drop, name="pressure_drop", unit="Pa")


def stokes(volume, *, axis="x", phase=None, voxel_size=None, viscosity: float = 1e-3, pressure_drop: float = 1.0,
           inlet: str = "reservoir", lateral: str = "sealed", buffer: int = 3, tol: float = 1e-6,
           maxiter: int = 500, microporous=None, solver: str | None = None, comm=None,
           progress: bool | None = None) -> StokesFlow:
    """Stokes flow through the pore space of ``volume`` along ``axis``: permeability and fields.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented (pore = True / 1, the phase named "pore", or ``phase``); cubic voxels.
    axis : {"x", "y", "z"}
    phase : name or label, optional
    voxel_size : float, metres
        With an array only (a Volume's own is never replaced).
    viscosity : float, Pa.s
    pressure_drop : float, Pa
    inlet : {"reservoir", "periodic"}
        ``buffer`` slices of free fluid before and after the sample, the pressure held on their
        outer faces; or periodic along the axis, driven by a pressure jump.
    lateral : {"sealed", "periodic"}
        The four other sides: walls, or periodic.
    tol : float
        Relative residual of the BiCGStab solve.
    microporous : mapping or array, m^2, optional
        Voxels below the resolution as a Darcy-Brinkman medium, -mu lap(u) + mu / k_m u =
        -grad(p): ``{phase: k_m}`` or a map of k_m per voxel (0 or NaN where not
        microporous). As k_m -> 0 they act as solid; a block of one such phase has k = k_m.
    solver : {"amg", "multigrid"}, optional
        "amg": the assembled system, algebraic multigrid (pyamg); the default where it fits
        in memory (about 2.1 kB per pore voxel). "multigrid" (free fluid only; the default
        where "amg" would not fit, and over MPI): matrix-free on compact float32 storage with
        geometric multigrid, threaded; the same k to the tolerance (Berea 200^3: 39-46 s and
        0.76 GB against 122-142 s and 3.1 GB), slower than "amg" on periodic sphere packings
        (two to four times the iterations).
    comm : mpi4py communicator, optional
        Split the solve into z-slabs over its ranks (``mpiexec -n 4 ...``; every rank calls
        with the same volume and gets the same result). ``flow.world()`` is the job's
        communicator when it was launched with more than one rank. Fields are not kept
        (``velocity`` and ``pressure`` are None).
    progress : bool, optional
        A bar over the phases and the BiCGStab iterations; default on in notebooks and
        interactive shells only.

    Returns
    -------
    StokesFlow
        ``k_m2``, ``k_mD``, ``iterations``, ``residual``, ``permeability`` (the full record,
        ``mass_balance`` included), ``velocity`` (m/s) and ``pressure`` (Pa) fields;
        ``.write("flow.vti")`` saves them for ParaView.

    Raises
    ------
    InputError
        Non-cubic voxels, an unknown option, a non-positive viscosity, tolerance or pressure drop.

    Notes
    -----
    MAC finite volumes, no-slip on the voxel faces (a wall ghost makes a slit of any width
    exact), preconditioned by AMG; the field is projected onto a divergence-free one, so the
    flow rate through every cross-section agrees to 1e-9 or better. Only voxels connected to
    both ends take part; a sample with no such path gets k = 0 and the reason (no exception).

    Examples
    --------
    A slit between two plates is exact: k = porosity H^2 / 12.

    >>> import numpy as np, flow
    >>> slit = np.zeros((6, 12, 4), bool); slit[:, 1:11] = True   # 10 voxels between plates
    >>> r = flow.stokes(slit, axis="x", voxel_size=1e-6, inlet="periodic", lateral="periodic")
    >>> round(r.k_m2 / (10 / 12 * (1e-5) ** 2 / 12), 6)
    1.0
    >>> blocked = np.ones((6, 6, 6), bool); blocked[:, :, 3] = False
    >>> flow.stokes(blocked, axis="x", voxel_size=1e-6).k_m2
    0.0
    """
    volume = as_volume(volume, voxel_size=voxel_size)
    a, name = flow_axis(axis)
    _check_options(inlet, lateral, buffer, tol, viscosity, pressure_drop)
    h = check_cubic(volume.voxel_size, what="the Stokes solver", rtol=1e-9)
    pore = phase_mask(volume, phase, allow_empty=True)
    ranks = comm.Get_size() if comm is not None else 1
    n_pore = int(np.count_nonzero(pore))
    if solver is None:  # the assembled solver where it fits, else the one that needs a quarter of the memory
        assembled = ranks == 1 and (microporous is not None or fits_in_memory(n_pore, "Stokes solve"))
        solver = "amg" if assembled else "multigrid"
    if solver not in SOLVERS:
        raise InputError(f"solver must be one of {SOLVERS}, got {solver!r}")
    if ranks > 1 and solver != "multigrid":
        raise InputError(f"a solve split over {ranks} MPI ranks needs solver='multigrid', got {solver!r}")
    stage = "Stokes solve" if solver == "amg" else "Stokes solve (multigrid)"
    require_memory(-(-n_pore // ranks), stage, shape=volume.shape)
    fov = field_of_view(volume)
    if fov is not None:  # outside the scanned field of view is no pore space: treat it as solid
        pore = pore & fov
    porosity = float(pore.mean())
    inv_k = _inverse_permeability(volume, microporous, pore, h)  # lattice units (h^2 / k_m), 0 in free fluid
    micro = inv_k > 0 if inv_k is not None else np.zeros((1, 1, 1), bool)
    if inv_k is not None:
        pore = pore | micro
    periodic = tuple(inlet == "periodic" if i == a else lateral == "periodic" for i in range(3))
    if pore.all() and all(periodic):
        raise InputError("the sample has no solid voxel and every side is periodic: the permeability is "
                         "infinite. Use lateral='sealed' or a sample with solid")
    t0 = time.perf_counter()
    nb = int(buffer) if inlet == "reservoir" else 0
    fluid = pore
    if nb:
        pad = [(0, 0)] * 3
        pad[a] = (nb, nb)
        fluid = np.pad(pore, pad, constant_values=True)
        if inv_k is not None:
            inv_k = np.pad(inv_k, pad, constant_values=0.0)
    used = spanning(fluid, a, periodic)
    sample = [slice(None)] * 3
    sample[a] = slice(nb, nb + pore.shape[a])
    sample = tuple(sample)
    n_used = int(used[sample].sum())
    if not n_used:  # the library's rule: k = 0 with the reason, not an exception (a 4D step may close up)
        why = ("the pore phase is empty" if not pore.any() else f"no connected path of pore voxels joins the two "
               f"faces normal to {name} ({int(pore.sum())} pore voxels, none spanning)")
        return _not_percolating(volume, name, porosity, why, inlet, lateral, tol, viscosity, pressure_drop)
    if solver == "multigrid" and micro.any():
        raise InputError("solver='multigrid' solves free fluid only; use solver='amg' with microporous voxels")
    shown = show_progress(progress) and (comm is None or comm.Get_rank() == 0)
    with repeatable():
        sol = _solve(used, a, periodic, nb, tol, maxiter, inv_k if micro.any() else None,
                     progress=shown, lean=solver == "multigrid", comm=comm)
    n_axis = pore.shape[a]
    area_lu = pore.size / n_axis
    k_lu = sol["q"] * n_axis / (area_lu * sol["dp"])
    k = k_lu * h * h
    scale = pressure_drop / sol["dp"]  # lattice pressure -> Pa
    u_scale = scale * h / viscosity
    velocity = pressure = None
    if sol["velocity"] is not None:  # scaled in place: at 512^3 each copy is gigabytes
        velocity = sol["velocity"][sample]
        velocity *= u_scale
        pressure = sol["pressure"]
        pressure[~used] = np.nan
        pressure = pressure[sample]
        pressure *= scale
    mean_u = tuple(float(v) * u_scale for v in sol["mean_velocity"])
    length, area = n_axis * h, area_lu * h * h
    ends = (f"reservoirs: {nb} free-fluid slices before and after the sample, pressure held on the outermost"
            if nb else "periodic along the flow axis, driven by a pressure jump")
    boundary = f"{ends}; lateral sides {lateral}; no-slip on voxel faces"
    if micro.any():
        boundary += "; microporous voxels as a Darcy-Brinkman medium"
    extra = {"voxels_used": n_used, "voxels_excluded": int(pore.sum()) - n_used,
             "microporous_voxels": int(micro.sum()), "iterations": sol["iterations"],
             "residual": sol["residual"], "tolerance": tol, "inlet": inlet, "lateral": lateral,
             "discretisation": "MAC finite volumes, slit-exact wall ghost", "solver": solver, "ranks": ranks,
             "seconds": time.perf_counter() - t0}
    perm = Permeability(axis=name, method="stokes", k_m2=float(k), porosity=porosity,
                        flow_rate_m3_s=float(sol["q"] * scale * h ** 3 / viscosity), pressure_drop_pa=pressure_drop,
                        viscosity_pa_s=viscosity, length_m=length, area_m2=area, mass_balance=sol["mass_balance"],
                        model="stokes", boundary_model=boundary, extra=extra)
    return StokesFlow(permeability=perm, velocity=velocity, pressure=pressure, mean_velocity=mean_u,
                      voxel_size=volume.voxel_size, origin=volume.origin)


def _not_percolating(volume, name, porosity, reason, inlet, lateral, tol, viscosity, pressure_drop) -> StokesFlow:
    """k = 0, no flow, and the reason: what a sample without a spanning pore path gets."""
    extra = {"voxels_used": 0, "voxels_excluded": 0, "microporous_voxels": 0, "iterations": 0, "residual": 0.0,
             "tolerance": tol, "inlet": inlet, "lateral": lateral, "seconds": 0.0}
    a = AXIS_NAMES.index(name)
    length = volume.extent[a]
    perm = Permeability(axis=name, method="stokes", k_m2=0.0, porosity=porosity, pressure_drop_pa=pressure_drop,
                        viscosity_pa_s=viscosity, length_m=length, area_m2=volume.extent[0] * volume.extent[1]
                        * volume.extent[2] / length, model="stokes", reason=reason, extra=extra)
    return StokesFlow(permeability=perm, velocity=np.zeros(volume.shape + (3,)),
                      pressure=np.full(volume.shape, np.nan), mean_velocity=(0.0, 0.0, 0.0),
                      voxel_size=volume.voxel_size, origin=volume.origin)


def permeability_tensor(volume, *, lateral: str = "periodic", **options) -> np.ndarray:
    """The 3x3 permeability tensor (m^2), rows and columns in the array frame (z, y, x): a
    Stokes solve along each axis with periodic sides by default, each column the mean
    velocity over the drive (a column of zeros where nothing flows along that axis).

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
    lateral : {"periodic", "sealed"}
    **options
        Passed to :func:`stokes`.

    Examples
    --------
    >>> import numpy as np, flow
    >>> duct = np.zeros((8, 8, 8), bool); duct[2:6, 2:6, :] = True   # a square duct along x
    >>> t = flow.permeability_tensor(duct, voxel_size=1e-6)
    >>> bool(t[2, 2] > 0), float(t[0, 0]), float(t[1, 1])   # (z, y, x): flow along x only
    (True, 0.0, 0.0)
    """
    tensor = np.zeros((3, 3))
    volume = as_volume(volume, voxel_size=options.pop("voxel_size", None))
    for j in range(3):
        r = stokes(volume, axis=AXIS_NAMES[j], lateral=lateral, **options)
        g = r.permeability.pressure_drop_pa / (volume.shape[j] * volume.voxel_size[j])
        tensor[:, j] = np.asarray(r.mean_velocity) * r.permeability.viscosity_pa_s / g
    return tensor


def _inverse_permeability(volume, microporous, pore, h) -> np.ndarray:
    """h^2 / k_m per voxel (0 where the voxel is free fluid or solid); None without microporous voxels."""
    if microporous is None:
        return None
    inv = np.zeros(volume.shape)
    if isinstance(microporous, dict):
        for ph, k in microporous.items():
            if not (isinstance(k, (int, float)) and k > 0 and math.isfinite(k)):
                raise InputError(f"microporous permeability of {ph!r} must be positive and finite (m^2), got {k!r}")
            where = phase_mask(volume, ph)
            if (where & pore).any():
                raise InputError(f"phase {ph!r} is both the free pore space and microporous; pick one")
            inv[where] = h * h / k
        return inv
    k = np.asarray(microporous, dtype=float)
    if k.shape != volume.shape:
        raise InputError(f"the microporous permeability map has shape {k.shape}, the image {volume.shape}")
    k = np.where(np.isnan(k), 0.0, k)
    if (k < 0).any():
        raise InputError("microporous permeabilities must be >= 0 (m^2; 0 = not microporous)")
    where = (k > 0) & ~pore
    inv[where] = h * h / k[where]
    return inv


def _brinkman(viscous, fluid, cells, faces, periodic, open_axis, inv_k, c1, c2):
    """Add the Darcy drag of microporous cells, and make their limit k_m -> 0 a no-slip wall.

    Each face gets the drag 1/k of the harmonic-mean permeability of its two cells. A face
    of free fluid next to microporous cells blends its viscous row between the row that sees
    them as fluid and the row that sees them as solid (the slit-exact wall ghost, half a
    voxel away), with weight theta = 1 / (1 + sqrt(h^2/k_m) / 2) on the first: theta -> 0 as
    k_m -> 0 (a wall) and -> 1 for a permeable medium, the Brinkman boundary layer sqrt(k_m)
    against the half voxel.
    """
    import scipy.sparse as sp
    from scipy import ndimage

    drag = inv_k[fluid]
    free = fluid & (inv_k == 0)
    cells_w, faces_w, nf_w = index_grids(free, periodic)
    if nf_w:
        wall = momentum_rows(cells_w, faces_w, nf_w, periodic, open_axis).tocoo()
        to_fluid = np.empty(nf_w, np.int64)
        for b in range(3):
            ok = faces_w[b] >= 0
            to_fluid[faces_w[b][ok]] = faces[b][ok]
        nf = viscous.shape[0]
        wall = sp.csr_matrix((wall.data, (to_fluid[wall.row], to_fluid[wall.col])), shape=(nf, nf))
        near = ndimage.maximum_filter(inv_k, size=3, mode="wrap")[fluid]  # the stiffest micro cell around
        alpha = np.zeros(nf)
        alpha[to_fluid] = np.maximum(near[c1[to_fluid]], near[c2[to_fluid]])
        theta = np.ones(nf)
        theta[to_fluid] = 1.0 / (1.0 + 0.5 * np.sqrt(alpha[to_fluid]))
        viscous = sp.diags(theta) @ viscous + sp.diags(1 - theta) @ wall
    return (viscous + sp.diags(0.5 * (drag[c1] + drag[c2]))).tocsr()


def _solve(fluid, a, periodic, nb, tol, maxiter, inv_k=None, progress=False, lean=False, comm=None):
    """Lattice-unit solve: pressure 1 at the inlet reservoir, 0 at the outlet (or jump 1).
    ``inv_k``: Brinkman drag h^2/k_m per cell (grid of the padded image), or None; ``lean``:
    matrix-free on compact storage (``_lean_stokes``), over the ranks of ``comm`` if given."""
    with SolveProgress("Stokes", progress, maxiter, tol) as bar:
        if lean:
            return lean_solve(fluid, a, periodic, nb, tol, maxiter, bar, comm)
        return _solve_with(fluid, a, periodic, nb, tol, maxiter, inv_k, bar)


def _solve_with(fluid, a, periodic, nb, tol, maxiter, inv_k, bar):
    from itertools import pairwise

    import pyamg
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from pyamg.relaxation.smoothing import change_smoothers

    bar.phase("assembling")
    open_axis = a if nb else -1
    cells, faces, nf = index_grids(fluid, periodic)
    nc = int(fluid.sum())
    viscous = momentum_rows(cells, faces, nf, periodic, open_axis)
    # gradient G: face f between c1 (low) and c2 (high): p[c2] - p[c1]
    c1 = np.empty(nf, np.int64)
    c2 = np.empty(nf, np.int64)
    jump = np.zeros(nf)
    for b in range(3):
        ok = faces[b] >= 0
        f = faces[b][ok]
        c1[f] = cells[ok]
        c2[f] = np.roll(cells, -1, axis=b)[ok]
        if b == a and periodic[a]:  # p drops by 1 across the periodic side: rhs + 1
            jump[f] = np.nonzero(ok)[b] == fluid.shape[b] - 1
    if inv_k is not None:
        viscous = _brinkman(viscous, fluid, cells, faces, periodic, open_axis, inv_k, c1, c2)
    known = np.zeros(nc, bool)
    value = np.zeros(nc)
    if nb:
        first, last = cells.take(0, axis=a), cells.take(-1, axis=a)
        known[first[first >= 0]] = known[last[last >= 0]] = True
        value[first[first >= 0]] = 1.0
    free = np.flatnonzero(~known)
    rows = np.arange(nf)
    grad = sp.csr_matrix((np.r_[np.ones(nf), -np.ones(nf)], (np.r_[rows, rows], np.r_[c2, c1])), shape=(nf, nc))
    rhs_u = jump - grad @ value
    grad = grad[:, free].tocsr()
    del c1, c2, jump, rows
    n_free = free.size
    bar.phase("multigrid setup")
    smoother = dict(presmoother=("gauss_seidel", {"sweep": "forward"}),
                    postsmoother=("gauss_seidel", {"sweep": "backward"}))
    # faces are numbered direction by direction and the viscous operator never couples two
    # directions: it is kept as three blocks, with one hierarchy each. Set up on a third of the
    # faces at a time, the transient memory of the setup (the peak of the solve) is a third
    spans = [(lo, hi) for lo, hi in pairwise(np.cumsum([0] + [int((faces[b] >= 0).sum()) for b in range(3)]))
             if hi > lo]
    blocks = [viscous[lo:hi, lo:hi].tocsr() for lo, hi in spans]
    del viscous
    amg_u, w = [], []
    for block in blocks:
        ml = pyamg.smoothed_aggregation_solver(((block + block.T) * 0.5).tocsr(), symmetry="symmetric",
                                               max_coarse=500, **smoother)
        w.append(ml.solve(np.ones(block.shape[0]), tol=0.1, accel="cg", maxiter=20))
        ml.levels[0].A = block  # the finest level smooths the true operator; the symmetrised copy goes
        change_smoothers(ml, smoother["presmoother"], smoother["postsmoother"])
        amg_u.append(ml)
    w = np.maximum(np.concatenate(w), 1e-3)
    darcy = (grad.T @ sp.diags(w) @ grad).tocsr()
    if not nb:  # all pressures free: fix the constant
        darcy = darcy + sp.diags(np.full(n_free, 1e-10 * darcy.diagonal().mean()))
    amg_p = pyamg.smoothed_aggregation_solver(darcy, symmetry="symmetric", max_coarse=500, **smoother)
    del darcy
    cycles = [ml.aspreconditioner(cycle="V") for ml in amg_u]
    mp_ = amg_p.aspreconditioner(cycle="V")

    def by_direction(operators, x):  # one block per face direction
        z = np.empty_like(x)
        for op, (lo, hi) in zip(operators, spans):
            z[lo:hi] = op @ x[lo:hi]
        return z

    grad_t = grad.T.tocsr()
    n = nf + n_free

    def apply(x):  # [[A, G], [G^T, 0]] without assembling it
        return np.concatenate([by_direction(blocks, x[:nf]) + grad @ x[nf:], grad_t @ x[:nf]])

    def precondition(r):
        zp = -(mp_ @ r[nf:]) - r[nf:]
        return np.concatenate([by_direction(cycles, r[:nf] - grad @ zp), zp])

    system = spla.LinearOperator((n, n), matvec=apply)
    rhs = np.concatenate([rhs_u, np.zeros(n_free)])
    count = [0]
    norm_rhs = float(np.linalg.norm(rhs))
    bar.phase("BiCGStab")

    def tick(x):
        count[0] += 1
        if bar.shown:  # one more product with the operator: only when someone watches
            bar.iteration(float(np.linalg.norm(apply(x) - rhs)) / norm_rhs)

    x, info = spla.bicgstab(system, rhs, M=spla.LinearOperator((n, n), precondition), rtol=tol,
                            maxiter=maxiter, callback=tick)
    bar.phase("projection")
    residual = float(np.linalg.norm(system @ x - rhs) / np.linalg.norm(rhs))
    if info != 0 or not residual <= 10 * tol:
        raise ConvergenceError(f"the Stokes solve did not converge: residual {residual:.2e} after {count[0]} "
                               f"iterations (tolerance {tol:g}); raise maxiter or loosen tol")
    u, p = x[:nf].copy(), x[nf:]
    for done in (blocks, cycles, amg_u):  # the velocity block is done with: free it before the fields
        done.clear()
    # projection onto divergence-free fields: the flow rate is then equal on every cross-section
    div = grad_t @ u
    phi = amg_p.solve(div, tol=1e-12, accel="cg", maxiter=200)
    u -= w * (grad @ phi)
    pressure = value.copy()
    pressure[free] = p
    pfield = np.zeros(fluid.shape)
    pfield[fluid] = pressure

    def face_grid(b):
        ok = faces[b] >= 0
        uf = np.zeros(fluid.shape)
        uf[ok] = u[faces[b][ok]]
        return uf

    return summarise(fluid, a, periodic, nb, face_grid, pfield, count[0], residual)


def summarise(fluid, a, periodic, nb, face_grid, pfield, iterations, residual):
    """What a lattice-unit solve hands back: the flow rate (mean over the planes between
    slices), its spread, dp between the buffer slices that touch the sample, the cell-centred
    velocity and the superficial velocity. ``face_grid(b)``: the velocity on the faces to +b
    at each cell (0 where there is no face)."""
    velocity = np.zeros(fluid.shape + (3,))
    mean_velocity = []
    for b in range(3):
        uf = face_grid(b)
        if b == a:
            q_planes = uf.sum(axis=tuple(i for i in range(3) if i != a))
            inner = q_planes[: fluid.shape[a] - (0 if periodic[a] else 1)]
            q = float(inner.mean())
            mass_balance = float(np.abs(inner - q).max() / abs(q))
        velocity[..., b] = 0.5 * (uf + np.roll(uf, 1, axis=b))  # a missing face holds 0
        inside = uf.swapaxes(0, a)[nb: fluid.shape[a] - nb]
        mean_velocity.append(float(inside.sum()) / inside.size)
    if nb:
        n = fluid.shape[a]
        mean_p = lambda i: pfield.take(i, axis=a)[fluid.take(i, axis=a)].mean()  # noqa: E731
        dp = float(mean_p(nb - 1) - mean_p(n - nb))
    else:
        dp = 1.0
    return dict(q=q, dp=dp, mass_balance=mass_balance, iterations=iterations, residual=residual,
                velocity=velocity, pressure=pfield, mean_velocity=mean_velocity)
