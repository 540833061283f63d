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


def _box(box) -> tuple[float, float]:
    """The measurement box as (start, stop) fractions of the sample's length."""
    if box is None:
        return 0.0, 1.0
    try:
        start, stop = (float(b) for b in box)
    except (TypeError, ValueError):
        raise InputError(f"box must be (start, stop), fractions of the length such as (0.2, 0.9); got {box!r}")
    if not 0 <= start < stop <= 1:
        raise InputError(f"box must be (start, stop) with 0 <= start < stop <= 1, got {box!r}")
    return start, stop


def in_box(network, axis, box) -> np.ndarray:
    """Whether each pore's centre lies within the measurement ``box`` (start, stop fractions of
    the length along ``axis``)."""
    start, stop = _box(box)
    a = face_axis(axis)[2]
    coord = network.pores["xyz"[a]].to_numpy()
    origin, length = network.box[0][a], network.length(axis)
    return (coord >= origin + start * length) & (coord <= origin + stop * length)


def _box_length(network, axis, box) -> float:
    """The length over which a flow through ``box`` is measured."""
    start, stop = _box(box)
    return (stop - start) * network.length(axis)


def _box_boundaries(network, axis, start, stop, face_pores):
    """pnflow's measurement box (CALC_BOX): the pores whose centres lie within ``start``-``stop``
    of the length are solved; the pores outside it that a throat joins to one inside are held
    at the inlet value (before the box's middle) or the outlet value (after it). Returns those
    two sets and the throats that take part (at least one end inside)."""
    a = face_axis(axis)[2]
    coord = network.pores["xyz"[a]].to_numpy()
    origin, length = network.box[0][a], network.length(axis)
    inside = in_box(network, axis, (start, stop))
    inside[face_pores] = False
    c = network.conns
    conduits = inside[c[:, 0]] | inside[c[:, 1]]
    touching = np.zeros(network.n_pores, bool)
    touching[c[conduits & ~inside[c[:, 0]], 0]] = True
    touching[c[conduits & ~inside[c[:, 1]], 1]] = True
    middle = origin + 0.5 * (start + stop) * length
    return (np.nonzero(touching & (coord < middle))[0], np.nonzero(touching & (coord >= middle))[0], conduits)


def solve_network(network: Network, conductance: np.ndarray, *, axis="x", inlet_value: float = 1.0,
                  outlet_value: float = 0.0, box=None) -> NetworkSolution:
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
    box : (start, stop), optional
        A measurement box (pnflow's CALC_BOX), fractions of the length along ``axis``: only the
        pores within it are solved, and the pores just outside it, joined to one inside by a
        throat, hold the inlet or outlet value. Default: the whole sample, between its faces.

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
    low, high, _ = face_axis(axis)
    n = network.n_pores
    nan = np.full(n, np.nan)
    inlet, outlet, usable, reason = boundaries(network, axis, box)
    if reason:
        return NetworkSolution(nan, np.zeros(network.n_throats), 0.0, 0.0, np.zeros(n, bool), reason)
    p, q, used, inflow, outflow = solve_conduits(network.conns, conductance, n, inlet, outlet, usable,
                                                 inlet_value, outlet_value)
    if not used.any():
        return NetworkSolution(nan, np.zeros(network.n_throats), 0.0, 0.0, used,
                               f"no connected path of pores joins {low} to {high}")
    return NetworkSolution(p, q, inflow, outflow, used)


def boundaries(network: Network, axis, box=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """The pores held at the inlet and outlet values, the conduits that take part (bool per
    throat) and why nothing can flow ("" when something can): the boundary pores of the two
    faces, or those around a measurement ``box`` (see :func:`solve_network`)."""
    low, high, _ = face_axis(axis)
    inlet, outlet = network.boundary_pores(low), network.boundary_pores(high)
    usable = np.ones(network.n_throats, bool)
    if inlet.size == 0 or outlet.size == 0:
        return inlet, outlet, usable, f"the network has no boundary pores on {low if inlet.size == 0 else high}"
    start, stop = _box(box)
    if (start, stop) != (0.0, 1.0):
        inlet, outlet, usable = _box_boundaries(network, axis, start, stop, np.union1d(inlet, outlet))
        if inlet.size == 0 or outlet.size == 0:
            return inlet, outlet, usable, (f"no pore of the measurement box {start:g}-{stop:g} joins a pore "
                                           f"before {'it' if inlet.size == 0 else 'after it'}")
    return inlet, outlet, usable, ""


def solve_conduits(conns, conductance, n, inlet, outlet, usable, inlet_value=1.0, outlet_value=0.0):
    """The linear solve behind :func:`solve_network`, on arrays: potentials ``p`` per pore (NaN
    outside the cluster joining inlet and outlet), flow per throat, the pores used (none when
    no cluster joins them), inflow and outflow. ``usable``: the conduits that take part."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import spsolve

    g = np.asarray(conductance, dtype=float)
    open_ = usable & (g > 0)
    graph = coo_matrix((np.ones(open_.sum()), (conns[open_, 0], conns[open_, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    spanning_labels = np.intersect1d(labels[inlet], labels[outlet])
    used = np.isin(labels, spanning_labels)
    if not used.any():
        return np.full(n, np.nan), np.zeros(len(conns)), used, 0.0, 0.0
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
    q = np.zeros(len(conns))
    q[t_used] = gt * (p[a] - p[b])
    is_in = np.zeros(n, bool)
    is_in[inlet] = True
    is_out = np.zeros(n, bool)
    is_out[outlet] = True
    inflow = q[t_used & is_in[conns[:, 0]]].sum() - q[t_used & is_in[conns[:, 1]]].sum()
    outflow = q[t_used & is_out[conns[:, 1]]].sum() - q[t_used & is_out[conns[:, 0]]].sum()
    return p, q, used, float(inflow), float(outflow)


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
                 pressure_drop: float = 1.0, microporous: dict | None = None, box=None) -> Permeability:
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
    box : (start, stop), optional
        pnflow's measurement box (its CALC_BOX, such as (0.2, 0.9)), as :func:`solve_network`:
        k = Q mu (stop - start) L / (A dP). Default: the whole sample between its faces.

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
    sol = solve_network(network, g, axis=axis, inlet_value=pressure_drop, outlet_value=0.0, box=box)
    length, area = _box_length(network, axis, box), network.cross_section(axis)
    k = sol.inflow * viscosity * length / (area * pressure_drop) if not sol.reason else 0.0
    return Permeability(axis=str(axis), method="network", k_m2=float(k), porosity=network.porosity,
                        flow_rate_m3_s=sol.inflow, pressure_drop_pa=pressure_drop, viscosity_pa_s=viscosity,
                        length_m=length, area_m2=area, mass_balance=sol.mass_balance, model=model,
                        pores_used=int(sol.used.sum()), pores_excluded=int((~sol.used).sum()), reason=sol.reason,
                        extra={} if box is None else {"box": list(_box(box))})


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


def formation_factor(network: Network, *, axis="x", model: str | None = None, box=None) -> FormationFactor:
    """Formation factor F = sigma_w / sigma_eff from a conduction solve through the brine-filled network.

    Parameters
    ----------
    network : dca.network.Network
    axis : {"x", "y", "z"}
    model : str, optional
        Conduit model for the conduction size factors; default the network's own.
    box : (start, stop), optional
        pnflow's measurement box, as in :func:`permeability`.

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
    sol = solve_network(network, s, axis=axis, box=box)
    ratio = sol.inflow * _box_length(network, axis, box) / network.cross_section(axis) if not sol.reason else 0.0
    return FormationFactor(axis=str(axis), formation_factor=1 / ratio if ratio > 0 else float("inf"),
                           conductivity_ratio=float(ratio), porosity=network.porosity, model=model,
                           mass_balance=sol.mass_balance, reason=sol.reason)
