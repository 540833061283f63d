"""Primary drainage by invasion percolation, with or without trapping; relative permeability.

The non-wetting phase enters from the boundary pores of the inlet face and invades, one
element at a time, the accessible throat or pore of lowest entry pressure (Young-Laplace,
P_c = 2 sigma cos(theta) / r on the inscribed radius; ``shape_factor=True`` uses Oren's
P_c = sigma cos(theta) (1 + 2 sqrt(pi G)) / r for angular cross-sections). The capillary
pressure of a step is the largest entry pressure met so far (a quasi-static injection).

Trapping (Masson 2016, doi:10.1016/j.cpc.2016.02.003): the wetting phase in a cluster that
no longer reaches the outlet cannot be displaced. Found after the invasion by replaying it
backwards with a union-find: a pore is trapped if, when invaded, its defending cluster
(pores invaded later, joined through throats invaded later) missed the outlet; trapped
pores stay wetting-filled.

Relative permeability along the drainage path: at each saturation a conduit conducts the
phase that fills its throat and both pore halves (OpenPNM's conduit-occupancy rule, films
neglected); k_r = Q_phase / Q_single-phase with the same pressure drop.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dca import InputError
from dca.network import Network, face_axis
from dca.util import check_positive, short_repr

from ._conduits import hydraulic_conductance
from ._network_flow import solve_network

__all__ = ["Drainage", "drainage", "relative_permeability", "MERCURY", "WATER_OIL"]

MERCURY = {"surface_tension": 0.485, "contact_angle": 140.0}  # N/m, degrees (mercury intrusion)
WATER_OIL = {"surface_tension": 0.03, "contact_angle": 0.0}  # strongly water-wet oil drainage


def entry_pressure(diameter, shape_factor, surface_tension, contact_angle, use_shape_factor=False):
    """Capillary entry pressure (Pa) of elements of inscribed ``diameter`` (m): Young-Laplace
    ``2 sigma |cos theta| / r``, or with ``use_shape_factor`` Mason and Morrow's (1991) shape-factor
    form ``sigma |cos theta| (1 + 2 sqrt(pi G)) / r``.

    >>> from flow._drainage import entry_pressure
    >>> round(float(entry_pressure(2e-6, 1 / (4 * 3.141592653589793), 0.03, 0.0)))   # 2 sigma / r
    60000
    """
    r = np.asarray(diameter, dtype=float) / 2
    cos = np.cos(np.radians(contact_angle))
    if use_shape_factor:
        return surface_tension * abs(cos) * (1 + 2 * np.sqrt(np.pi * np.asarray(shape_factor))) / r
    return 2 * surface_tension * abs(cos) / r


@dataclass(frozen=True)
class Drainage:
    """The invasion sequence and the capillary pressure curve."""

    __repr__ = short_repr

    axis: str
    trapping: bool
    pore_order: np.ndarray  # step at which each pore was invaded (-1: never)
    throat_order: np.ndarray  # step at which each throat was invaded (-1: never)
    pore_pressure: np.ndarray  # capillary pressure at which each pore filled (inf: never)
    throat_pressure: np.ndarray
    trapped: np.ndarray  # pores whose wetting phase is trapped
    curve: Any  # DataFrame: capillary_pressure_pa, saturation_nonwetting, saturation_wetting
    surface_tension: float
    contact_angle: float
    network: Network

    def to_dict(self) -> dict:
        c = self.curve.iloc[_evenly(self.curve["saturation_wetting"].to_numpy(), 50)]
        return {"axis": self.axis, "trapping": self.trapping, "surface_tension_n_m": self.surface_tension,
                "contact_angle_deg": self.contact_angle, "breakthrough_pressure_pa": self.breakthrough_pressure,
                "residual_wetting_saturation": float(self.curve["saturation_wetting"].iloc[-1]),
                "curve": {"capillary_pressure_pa": c["capillary_pressure_pa"].tolist(),
                          "saturation_wetting": c["saturation_wetting"].tolist()}}

    @property
    def breakthrough_pressure(self) -> float:
        """Capillary pressure at which the non-wetting phase first reaches the outlet face."""
        return float(self.curve.attrs.get("breakthrough_pressure_pa", np.nan))

    def micp(self) -> pd.DataFrame:
        """Mercury-intrusion style table: pressure, intruded fraction of the pore volume, and the
        Washburn throat diameter ``4 sigma |cos theta| / P`` (m) that each pressure opens."""
        c = self.curve
        d = 4 * self.surface_tension * abs(np.cos(np.radians(self.contact_angle))) / c["capillary_pressure_pa"]
        return pd.DataFrame({"pressure_pa": c["capillary_pressure_pa"], "intruded_fraction":
                             c["saturation_nonwetting"], "washburn_diameter_m": d})

    def plot(self, ax=None):
        from dca.util import figure_axes

        fig, ax = figure_axes(ax)
        ax.semilogy(self.curve["saturation_wetting"], self.curve["capillary_pressure_pa"], "-", color="tab:blue")
        ax.set_xlabel("wetting saturation")
        ax.set_ylabel("capillary pressure (Pa)")
        ax.set_xlim(0, 1)
        ax.set_title(f"primary drainage along {self.axis} ({'with' if self.trapping else 'without'} trapping)")
        return fig


def drainage(network: Network, *, axis="x", surface_tension: float = WATER_OIL["surface_tension"],
             contact_angle: float = WATER_OIL["contact_angle"], trapping: bool = True,
             shape_factor: bool = False) -> Drainage:
    """Primary drainage from the inlet face of ``axis``: the non-wetting phase invades pores and
    throats in order of their entry pressure (invasion percolation), with or without trapping.

    Parameters
    ----------
    network : dca.network.Network
        With boundary pores on the faces normal to ``axis``.
    axis : {"x", "y", "z"}
    surface_tension : float, N/m
        0.03 (water-oil) by default; :data:`MERCURY` holds mercury's 0.485 and 140 degrees.
    contact_angle : float, degrees
        Through the wetting phase; 90 is refused (no capillary entry pressure).
    trapping : bool
        The wetting phase is trapped once its cluster loses contact with the outlet.
    shape_factor : bool
        Entry pressures from the elements' shape factors (Mason and Morrow) instead of circles.

    Returns
    -------
    Drainage
        ``curve`` (capillary pressure against saturations), ``breakthrough_pressure``, the
        invasion order and pressure of every pore and throat, ``micp()`` and ``plot()``.

    Raises
    ------
    InputError
        No boundary pores on the faces, a non-positive surface tension, or a contact angle of 90.

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> d = flow.drainage(net, axis="x")
    >>> curve = d.curve["saturation_wetting"].to_numpy()
    >>> bool((curve[1:] <= curve[:-1]).all()), d.breakthrough_pressure > 0   # Sw only falls as Pc rises
    (True, True)
    """
    low, high, _ = face_axis(axis)
    surface_tension = check_positive(surface_tension, name="surface_tension", unit="N/m")
    inlet, outlet = network.boundary_pores(low), network.boundary_pores(high)
    if inlet.size == 0 or outlet.size == 0:
        raise InputError(f"the network has no boundary pores on {low} or {high}; drainage needs both")
    if not 0 <= contact_angle < 90 and not 90 < contact_angle <= 180:
        raise InputError(f"contact_angle must be in [0, 90) or (90, 180] degrees, got {contact_angle}")
    pores, throats = network.pores, network.throats
    circle = 1 / (4 * np.pi)
    pc_pore = entry_pressure(pores["inscribed_diameter"], pores.get("shape_factor", circle), surface_tension,
                             contact_angle, shape_factor)
    pc_throat = entry_pressure(throats["inscribed_diameter"], throats.get("shape_factor", circle),
                               surface_tension, contact_angle, shape_factor)
    boundary = ~network.internal
    pc_pore = np.where(boundary, 0.0, pc_pore)  # boundary pores have no body to fill
    conns = network.conns
    n, nt = network.n_pores, network.n_throats
    neighbours = [[] for _ in range(n)]
    for t, (a, b) in enumerate(conns):
        neighbours[a].append((t, b))
        neighbours[b].append((t, a))
    pore_order = np.full(n, -1)
    throat_order = np.full(nt, -1)
    pore_p = np.full(n, np.inf)
    throat_p = np.full(nt, np.inf)
    heap: list = []  # (entry pressure, 0 throat / 1 pore, index, pore behind a throat)
    step = 0
    running = 0.0
    for p in inlet:
        pore_order[p], pore_p[p] = step, 0.0
        step += 1
        for t, q in neighbours[p]:
            heapq.heappush(heap, (pc_throat[t], 0, t, q))
    while heap:
        pc, kind, i, q = heapq.heappop(heap)
        if kind == 0:  # a throat; the pore behind it waits for its own entry pressure
            if throat_order[i] >= 0:
                continue
            running = max(running, pc)
            throat_order[i], throat_p[i] = step, running
            step += 1
            if pore_order[q] < 0:
                heapq.heappush(heap, (pc_pore[q], 1, q, q))
            continue
        if pore_order[i] >= 0:
            continue
        running = max(running, pc)
        pore_order[i], pore_p[i] = step, running
        step += 1
        for t2, q2 in neighbours[i]:
            if throat_order[t2] < 0:
                heapq.heappush(heap, (pc_throat[t2], 0, t2, q2))
    trapped = _trapped(pore_order, throat_order, conns, outlet) if trapping else np.zeros(n, bool)
    if trapping:
        pore_p[trapped] = np.inf
        pore_order[trapped] = -1
        for end in (0, 1):
            throat_p[trapped[conns[:, end]]] = np.inf
    curve = _curve(network, pore_p, throat_p, outlet)
    return Drainage(axis=str(axis), trapping=trapping, pore_order=pore_order, throat_order=throat_order,
                    pore_pressure=pore_p, throat_pressure=throat_p, trapped=trapped, curve=curve,
                    surface_tension=surface_tension, contact_angle=contact_angle, network=network)


def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def _trapped(pore_order, throat_order, conns, outlet):
    """Pores whose defending cluster had lost the outlet when they were invaded.

    Replays the invasion backwards: pores and throats become defenders again in decreasing
    order of invasion; a union-find joins defending pores through defending throats; the
    outlet boundary pores belong to the outlet (the wetting phase leaves there). A pore
    whose cluster, at the moment it becomes a defender again, does not hold the outlet was
    trapped when it was invaded.
    """
    n = len(pore_order)
    never = np.iinfo(np.int64).max
    p_time = np.where(pore_order >= 0, pore_order, never)
    t_time = np.where(throat_order >= 0, throat_order, never)
    parent = list(range(n + 1))  # node n is the outlet
    reaches = np.zeros(n + 1, bool)
    reaches[n] = True
    active = np.zeros(n + 1, bool)
    active[n] = True
    is_outlet = np.zeros(n, bool)
    is_outlet[outlet] = True
    node = lambda p: n if is_outlet[p] else p  # noqa: E731

    def union(i, j):
        ri, rj = _find(parent, i), _find(parent, j)
        if ri != rj:
            parent[ri] = rj
            reaches[rj] = reaches[rj] or reaches[ri]

    incident = [[] for _ in range(n)]
    for t, (a, b) in enumerate(conns):
        incident[a].append(t)
        incident[b].append(t)
    # events by decreasing time; at equal time throats first (a throat is invaded before its pore)
    events = sorted([(int(p_time[p]), 0, p) for p in range(n) if not is_outlet[p]]
                    + [(int(t_time[t]), 1, t) for t in range(len(conns))], reverse=True)
    throat_back = np.zeros(len(conns), bool)
    trapped = np.zeros(n, bool)
    for time, kind, i in events:
        if kind == 1:
            throat_back[i] = True
            a, b = node(conns[i, 0]), node(conns[i, 1])
            if active[a] and active[b]:
                union(a, b)
            continue
        active[i] = True
        for t in incident[i]:
            if throat_back[t]:
                other = node(conns[t, 1] if conns[t, 0] == i else conns[t, 0])
                if active[other]:
                    union(i, other)
        if time != never and not reaches[_find(parent, i)]:
            trapped[i] = True
    return trapped


def _curve(network, pore_p, throat_p, outlet):
    """The exact drainage curve: one row per distinct invasion pressure."""
    volume_p = network.pores["volume"].to_numpy()
    volume_t = network.throats["volume"].to_numpy() if "volume" in network.throats else np.zeros(network.n_throats)
    total = volume_p.sum() + volume_t.sum()
    if total <= 0:
        raise InputError("the network's pore volume is zero; drainage saturations are undefined")
    pressure = np.concatenate([pore_p, throat_p])
    volume = np.concatenate([volume_p, volume_t])
    keep = np.isfinite(pressure) & (pressure > 0)
    if not keep.any():
        raise InputError("no pore was invaded")
    levels, inverse = np.unique(pressure[keep], return_inverse=True)
    snw = np.cumsum(np.bincount(inverse, volume[keep], minlength=len(levels))) / total
    curve = pd.DataFrame({"capillary_pressure_pa": levels, "saturation_nonwetting": snw,
                          "saturation_wetting": 1 - snw})
    reached = pore_p[outlet]
    curve.attrs["breakthrough_pressure_pa"] = float(reached.min()) if np.isfinite(reached).any() else float("nan")
    return curve


def _evenly(saturation: np.ndarray, points: int) -> np.ndarray:
    """Row indices of a decreasing saturation column at about evenly spaced saturations."""
    targets = np.linspace(saturation[0], saturation[-1], points)
    return np.unique([int(np.argmax(saturation <= t + 1e-12)) for t in targets])


def relative_permeability(result: Drainage, *, points: int = 20, model: str | None = None) -> pd.DataFrame:
    """Relative permeabilities k_rw and k_rnw against wetting saturation along the drainage path.

    Parameters
    ----------
    result : Drainage
        From :func:`drainage`.
    points : int
        About this many saturations, evenly spaced along the curve.
    model : str, optional
        Conduit model; default the network's own.

    Returns
    -------
    pandas.DataFrame
        Columns ``capillary_pressure_pa``, ``saturation_wetting``, ``krw``, ``krnw``. Each phase
        flows through the conduits it fills (no corner films). A network that does not percolate
        gives kr = 0 with the reason in ``attrs["reason"]``.

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> kr = flow.relative_permeability(flow.drainage(net, axis="x"), points=5)
    >>> float(kr["krw"].iloc[0]) <= 1, bool(kr[["krw", "krnw"]].ge(0).all().all())
    (True, True)
    """
    net = result.network
    g = hydraulic_conductance(net, model)
    single = solve_network(net, g, axis=result.axis)
    if single.reason:  # no flow for either phase: kr = 0 everywhere, with the reason
        table = pd.DataFrame({"capillary_pressure_pa": [np.nan], "saturation_wetting": [1.0], "krw": [0.0],
                              "krnw": [0.0]})
        table.attrs["reason"] = single.reason
        return table
    q0 = single.inflow
    conns = net.conns
    curve = result.curve
    picks = _evenly(curve["saturation_wetting"].to_numpy(), points)
    internal = net.internal
    rows = []
    for pc, sw in zip(curve["capillary_pressure_pa"].to_numpy()[picks], curve["saturation_wetting"].to_numpy()[picks]):
        # boundary pores hold whichever phase reaches them: they never block a conduit
        nw_body = (result.pore_pressure <= pc) & internal
        nw_throat = result.throat_pressure <= pc
        nw_conduit = nw_throat & (nw_body | ~internal)[conns[:, 0]] & (nw_body | ~internal)[conns[:, 1]]
        w_conduit = ~nw_throat & ~nw_body[conns[:, 0]] & ~nw_body[conns[:, 1]]
        krs = []
        for mask in (w_conduit, nw_conduit):
            sol = solve_network(net, np.where(mask, g, 0.0), axis=result.axis)
            krs.append(0.0 if sol.reason else max(sol.inflow / q0, 0.0))
        rows.append((pc, sw, *krs))
    return pd.DataFrame(rows, columns=["capillary_pressure_pa", "saturation_wetting", "krw", "krnw"])


def plot_relative_permeability(table: pd.DataFrame, ax=None):
    """A figure of k_rw and k_rnw against wetting saturation.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`relative_permeability`.
    ax : matplotlib Axes, optional
        Draw there instead of on a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> fig = flow.plot_relative_permeability(flow.relative_permeability(flow.drainage(net, axis="x"), points=5))
    >>> fig.axes[0].get_xlabel()
    'wetting saturation'
    """
    from dca.util import figure_axes

    fig, ax = figure_axes(ax)
    ax.plot(table["saturation_wetting"], table["krw"], "o-", label="k_rw (wetting)")
    ax.plot(table["saturation_wetting"], table["krnw"], "s-", label="k_rnw (non-wetting)")
    ax.set_xlabel("wetting saturation")
    ax.set_ylabel("relative permeability")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.legend()
    return fig


def invasion_vs_drainage(invasion_table: pd.DataFrame, result: Drainage) -> pd.DataFrame:
    """Measured capillary pressure of a flow-cell series beside the simulated drainage curve at
    the same wetting saturation.

    Parameters
    ----------
    invasion_table : pandas.DataFrame
        From :func:`dca.series.invasion`: ``nonwetting_saturation`` and the interface's
        ``capillary_pressure_pa`` per step.
    result : Drainage
        From :func:`drainage` on the network of the same sample.

    Returns
    -------
    pandas.DataFrame
        ``wetting_saturation``, ``measured_pc_pa``, ``simulated_pc_pa`` (the drainage curve
        interpolated at each step's saturation; NaN outside it) and their ``ratio``.

    Examples
    --------
    >>> import pandas as pd, dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> result = flow.drainage(net, axis="x")
    >>> steps = pd.DataFrame({"nonwetting_saturation": [0.2, 0.5], "capillary_pressure_pa": [3.5e4, 4.0e4]})
    >>> list(flow.invasion_vs_drainage(steps, result).columns)
    ['wetting_saturation', 'measured_pc_pa', 'simulated_pc_pa', 'ratio']
    """
    if "capillary_pressure_pa" not in invasion_table or "nonwetting_saturation" not in invasion_table:
        raise InputError("give the table of dca.series.invasion (columns nonwetting_saturation, "
                         "capillary_pressure_pa)")
    curve = result.curve.sort_values("saturation_wetting")
    sw = 1 - invasion_table["nonwetting_saturation"].to_numpy(dtype=float)
    simulated = np.interp(sw, curve["saturation_wetting"].to_numpy(), curve["capillary_pressure_pa"].to_numpy(),
                          left=np.nan, right=np.nan)
    measured = invasion_table["capillary_pressure_pa"].to_numpy(dtype=float)
    out = pd.DataFrame({"wetting_saturation": sw, "measured_pc_pa": measured, "simulated_pc_pa": simulated})
    out["ratio"] = out["measured_pc_pa"] / out["simulated_pc_pa"]
    return out
