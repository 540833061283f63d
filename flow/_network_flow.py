"""Single-phase flow and conduction on a pore network: permeability and formation factor.

Boundary model: the boundary pores on the two faces normal to the flow axis are held at
fixed pressures (potentials); every other pore conserves mass. Only pores connected to both
faces take part; the others are reported and left out. Permeability follows Darcy over the
sample's box: k = Q mu L / (A dP) with L and A the box's length and cross-section (not a hull
of the pores). Formation factor: F = sigma_w / sigma_eff with sigma_eff = I L / (A dV).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dca import M2_PER_MILLIDARCY, InputError
from dca.network import Network, face_axis
from dca.util import check_positive, short_repr

from ._conduits import conduction_size_factor, hydraulic_conductance

__all__ = ["Permeability", "FormationFactor", "permeability", "formation_factor", "solve_network", "with_face_pores"]

BOUNDARY_MODEL = ("fixed pressure on the boundary pores of the inlet and outlet faces; flow enters each "
                  "boundary pore's region through its footprint on the face; lateral faces sealed")


@dataclass(frozen=True)
class NetworkSolution:
    potential: np.ndarray  # per pore (NaN where excluded)
    throat_flow: np.ndarray  # per throat, from pore1 to pore2
    inflow: float
    outflow: float
    used: np.ndarray  # pores in the solve
    reason: str = ""

    @property
    def mass_balance(self) -> float:
        """|Q_in - Q_out| / Q_in."""
        return abs(self.inflow - self.outflow) / abs(self.inflow) if self.inflow else 0.0


def solve_network(network: Network, conductance: np.ndarray, *, axis="x", inlet_value: float = 1.0,
                  outlet_value: float = 0.0) -> NetworkSolution:
    """Solve sum_j g_ij (p_i - p_j) = 0 with p fixed on the boundary pores of the two faces.

    Parameters
    ----------
    network : dca.network.Network
    conductance : (n_throats,) float array
        Conductance of every conduit (hydraulic, m^3/(Pa s), or a conduction size factor, m).
    axis : {"x", "y", "z"}
        The faces ``{axis}min`` (held at ``inlet_value``) and ``{axis}max`` (``outlet_value``).
    inlet_value, outlet_value : float
        The potentials held on the two faces.

    Returns
    -------
    NetworkSolution
        ``potential`` per pore (NaN outside the spanning cluster), ``throat_flow``, ``inflow``,
        ``outflow``, ``used`` and ``reason`` (why nothing flows, else empty).

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> sol = flow.solve_network(net, flow.hydraulic_conductance(net), axis="x")
    >>> sol.mass_balance < 1e-9, sol.reason
    (True, '')
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import spsolve

    low, high, _ = face_axis(axis)
    inlet, outlet = network.boundary_pores(low), network.boundary_pores(high)
    n = network.n_pores
    nan = np.full(n, np.nan)
    if inlet.size == 0 or outlet.size == 0:
        return NetworkSolution(nan, np.zeros(network.n_throats), 0.0, 0.0, np.zeros(n, bool),
                               f"the network has no boundary pores on {low if inlet.size == 0 else high}")
    conns = network.conns
    g = np.asarray(conductance, dtype=float)
    open_ = g > 0
    graph = coo_matrix((np.ones(open_.sum()), (conns[open_, 0], conns[open_, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    spanning_labels = np.intersect1d(labels[inlet], labels[outlet])
    used = np.isin(labels, spanning_labels)
    if not used.any():
        return NetworkSolution(nan, np.zeros(network.n_throats), 0.0, 0.0, used,
                               f"no connected path of pores joins {low} to {high}")
    fixed = np.zeros(n, bool)
    fixed[inlet] = fixed[outlet] = True
    value = np.zeros(n)
    value[inlet], value[outlet] = inlet_value, outlet_value
    free = used & ~fixed
    index = np.full(n, -1)
    index[free] = np.arange(free.sum())
    t_used = open_ & used[conns[:, 0]] & used[conns[:, 1]]
    a, b, gt = conns[t_used, 0], conns[t_used, 1], g[t_used]
    if np.isinf(gt).any():
        raise InputError("some conduits have zero resistance (all segment lengths zero); check the conduit lengths")
    rows, cols, vals = [], [], []
    rhs = np.zeros(free.sum())
    for i, j in ((a, b), (b, a)):
        fi = free[i]
        rows.append(index[i[fi]])
        cols.append(index[i[fi]])
        vals.append(gt[fi])
        both = fi & free[j]
        rows.append(index[i[both]])
        cols.append(index[j[both]])
        vals.append(-gt[both])
        to_fixed = fi & fixed[j]
        np.add.at(rhs, index[i[to_fixed]], gt[to_fixed] * value[j[to_fixed]])
    p = value.copy()
    if free.any():
        matrix = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                            shape=(free.sum(),) * 2).tocsc()
        p[free] = spsolve(matrix, rhs)
    p[~used] = np.nan
    q = np.zeros(network.n_throats)
    q[t_used] = gt * (p[a] - p[b])
    is_in = np.zeros(n, bool)
    is_in[inlet] = True
    is_out = np.zeros(n, bool)
    is_out[outlet] = True
    inflow = q[t_used & is_in[conns[:, 0]]].sum() - q[t_used & is_in[conns[:, 1]]].sum()
    outflow = q[t_used & is_out[conns[:, 1]]].sum() - q[t_used & is_out[conns[:, 0]]].sum()
    return NetworkSolution(p, q, float(inflow), float(outflow), used)


@dataclass(frozen=True)
class Permeability:
    """Absolute permeability along one axis, with what it rests on."""

    axis: str
    method: str
    k_m2: float
    porosity: float
    flow_rate_m3_s: float = 0.0
    pressure_drop_pa: float = 1.0
    viscosity_pa_s: float = 1e-3
    length_m: float = 0.0
    area_m2: float = 0.0
    mass_balance: float = 0.0
    model: str = ""
    boundary_model: str = BOUNDARY_MODEL
    pores_used: int = 0
    pores_excluded: int = 0
    reason: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def k_mD(self) -> float:
        return self.k_m2 / M2_PER_MILLIDARCY

    def to_dict(self) -> dict:
        out = {"axis": self.axis, "method": self.method, "k_m2": self.k_m2, "k_mD": self.k_mD,
               "porosity": self.porosity, "flow_rate_m3_s": self.flow_rate_m3_s,
               "pressure_drop_pa": self.pressure_drop_pa, "viscosity_pa_s": self.viscosity_pa_s,
               "length_m": self.length_m, "area_m2": self.area_m2, "mass_balance": self.mass_balance,
               "model": self.model, "boundary_model": self.boundary_model}
        if self.method == "network":
            out.update(pores_used=self.pores_used, pores_excluded=self.pores_excluded)
        if self.reason:
            out["reason"] = self.reason
        return {**out, **self.extra}

    def __repr__(self) -> str:
        if self.reason:
            return f"<Permeability {self.axis}: 0 ({self.reason})>"
        return (f"<Permeability {self.axis} ({self.method}, {self.model}): {self.k_m2:.4g} m^2 = {self.k_mD:.4g} mD, "
                f"porosity {self.porosity:.4f}, mass balance {self.mass_balance:.1e}>")


def with_face_pores(network: Network, axis="x") -> Network:
    """``network`` itself if it has boundary pores on both faces normal to ``axis``, else the
    network with face pores added (saved or foreign networks often have none).

    Parameters
    ----------
    network : dca.network.Network
    axis : {"x", "y", "z"}

    Returns
    -------
    dca.network.Network

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> flow.with_face_pores(net, "x") is net   # an extracted network has its face pores
    True
    """
    return network if len(network.boundary_pores(f"{axis}min")) else network.with_face_pores(axis)


def permeability(network: Network, *, axis="x", model: str | None = None, viscosity: float = 1e-3,
                 pressure_drop: float = 1.0, microporous: dict | None = None) -> Permeability:
    """Absolute permeability of ``network`` along ``axis`` from a Stokes-flow solve on its conduits.

    Parameters
    ----------
    network : dca.network.Network
    axis : {"x", "y", "z"}
    model : str, optional
        Conduit conductance model (:data:`flow.MODELS`); default the network's own.
    viscosity : float, Pa.s
    pressure_drop : float, Pa
    microporous : mapping of phase to float, m^2, optional
        Darcy micro-links through the pores of those phases (see :func:`hydraulic_conductance`).

    Returns
    -------
    Permeability
        ``k_m2``, ``k_mD``, ``mass_balance``, the box length and cross-section used, and
        ``reason`` (empty unless k = 0).

    Raises
    ------
    InputError
        A non-positive viscosity or pressure drop, or an unknown model.

    Notes
    -----
    Darcy over the sample's box: k = Q mu L / (A dP), with L and A the box's length and
    cross-section. A network that does not percolate along ``axis`` gets k = 0 and the reason
    (the library's rule for every transport quantity; see ``flow``).

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> k = flow.permeability(net, axis="x")
    >>> k.k_m2 > 0, k.mass_balance < 1e-9
    (True, True)
    >>> round(k.k_mD / k.k_m2 * 9.869233e-16, 12)   # 1 mD = 9.869233e-16 m^2
    1.0
    """
    viscosity = check_positive(viscosity, name="viscosity", unit="Pa.s")
    pressure_drop = check_positive(pressure_drop, name="pressure_drop", unit="Pa")
    model = model or network.conductance
    g = hydraulic_conductance(network, model, viscosity, microporous=microporous)
    sol = solve_network(network, g, axis=axis, inlet_value=pressure_drop, outlet_value=0.0)
    length, area = network.length(axis), network.cross_section(axis)
    k = sol.inflow * viscosity * length / (area * pressure_drop) if not sol.reason else 0.0
    return Permeability(axis=str(axis), method="network", k_m2=float(k), porosity=network.porosity,
                        flow_rate_m3_s=sol.inflow, pressure_drop_pa=pressure_drop, viscosity_pa_s=viscosity,
                        length_m=length, area_m2=area, mass_balance=sol.mass_balance, model=model,
                        pores_used=int(sol.used.sum()), pores_excluded=int((~sol.used).sum()), reason=sol.reason)


@dataclass(frozen=True)
class FormationFactor:

    __repr__ = short_repr

    axis: str
    formation_factor: float
    conductivity_ratio: float  # sigma_eff / sigma_w = 1 / F
    porosity: float
    model: str
    mass_balance: float
    reason: str = ""

    def to_dict(self) -> dict:
        out = {"axis": self.axis, "formation_factor": self.formation_factor,
               "conductivity_ratio": self.conductivity_ratio, "porosity": self.porosity, "model": self.model,
               "mass_balance": self.mass_balance}
        if self.reason:
            out["reason"] = self.reason
        return out


def formation_factor(network: Network, *, axis="x", model: str | None = None) -> FormationFactor:
    """Formation factor F = sigma_w / sigma_eff from a conduction solve through the brine-filled network.

    Parameters
    ----------
    network : dca.network.Network
    axis : {"x", "y", "z"}
    model : str, optional
        Conduit model for the conduction size factors; default the network's own.

    Returns
    -------
    FormationFactor
        ``formation_factor`` (inf where the network does not percolate, with ``reason``) and
        ``conductivity_ratio`` = 1 / F.

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> f = flow.formation_factor(net, axis="x")
    >>> f.formation_factor > 1 / net.porosity   # F exceeds 1/phi: the pore space is tortuous
    True
    """
    model = model or network.conductance
    s = conduction_size_factor(network, model)
    sol = solve_network(network, s, axis=axis)
    ratio = sol.inflow * network.length(axis) / network.cross_section(axis) if not sol.reason else 0.0
    return FormationFactor(axis=str(axis), formation_factor=1 / ratio if ratio > 0 else float("inf"),
                           conductivity_ratio=float(ratio), porosity=network.porosity, model=model,
                           mass_balance=sol.mass_balance, reason=sol.reason)
