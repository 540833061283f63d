"""Two-phase quasi-static flow on pore networks: primary drainage, waterflooding and secondary
drainage with films, snap-off, cooperative pore-body filling, trapping and wettability
(after Valvatne and Blunt 2004, doi:10.1029/2003WR002627, and Imperial College's pnflow).

Elements are the network's pores and throats, each a triangle, square or circle by its shape
factor G (triangle: G <= sqrt(3)/36, square: G < 0.07, as pnflow), with the inscribed radius
r. A triangle's corner half-angles come from G (Patzek 2001: beta_2 drawn within the
middle half of its bounds with the run's seed, as pnflow, beta_1 and beta_3 from it). The
centre of an element holds oil or water; the corners of an oil-filled element keep water (the
wetting films) wherever the contact angle is below pi/2 - beta, so water stays connected
through every angular element and is never trapped there.

Events, each at its capillary pressure Pc = Po - Pw (Pa):

- Drainage, piston-like: Pc = sigma cos(theta_r) (1 + 2 sqrt(pi G)) F_d / r (Oren et al. 1998,
  the Mayer-Stowe-Princen entry pressure), in order of entry pressure from the inlet face
  (invasion percolation); oil ganglia trapped by the waterflood join when oil reaches them.
- Waterflood (theta_a): piston-like advance into a throat next to a water-filled pore (the same
  formula with theta_a); cooperative pore-body filling of a pore with n oil-filled throats,
  Pc = sigma (2 cos(theta_a) / r - sum_{i<=n} a_i x_i) with pnflow's "blunt2" weights a_i and
  random x_i (oil-wet pores: 2 sigma cos(theta_a) / r); snap-off in any water-wet element with
  corner water, Pc = sigma / r (cos(theta_a) - 2 sin(theta_a) / (cot b_1 + cot b_2)) over its two
  sharpest corners, and forced snap-off in the others, once the corner meniscus pinned at b
  hinges to theta_a: sigma cos(theta_a + beta) / (b sin beta). Events go in order of
  decreasing Pc. Oil in a ganglion that reaches neither face is trapped and stays.
- Corner menisci hinge: in a waterflood the contact line stays where the drainage left it
  (apex distance b at the highest Pc) until the hinging angle reaches theta_a.
- Oil layers: where water takes the centre of an oil-wet element (theta_a > pi/2 + beta in a
  corner), oil stays in that corner between the centre water and the corner water that the
  drainage left, and keeps the oil connected (for trapping, volume and a thin-layer
  conductance) until the two interfaces meet on the corner's bisector (pnflow's collapse "from
  the centre"): sigma / |Pc| (-cos theta_a / sin beta - 1) = r_i (cos theta_r / sin beta - 1).
  Trapped layers keep their pressure.
- Contact angles: a number, a uniform range or pnflow's truncated Weibull; the waterflood's
  angles through pnflow's models 1-4 (``contact_model``), which also give the receding angles
  of secondary drainage in the elements that oil reached.

Conductances (per unit length, then pore half - throat - pore half in series as the single-
phase ``valvatne_blunt`` model): a phase filling the centre, k A^2 G / mu (k = 3/5, 0.5623, 1/2;
oil in the centre of a filmed element over its own area); water in a corner, pnflow's
expression (Oren: C A~^2 G_c b^4 / mu with C = 0.364 + 0.28 G*/G_c); an oil layer, the corner
expression of the region inside its outer interface times the layer's share of that region,
cubed (pnflow has its own layer expression). Relative permeability is the phase's flow over
the single-phase flow at the same pressure drop; the resistivity index is the brine's
conduction (over its area) in the same configurations. Saturations and flows are measured
in the measurement box (pnflow's CALC_BOX) when one is given.

Piston-like advance in a waterflood uses the Mayer-Stowe-Princen pressure at the advancing
angle; pnflow solves it with the hinging contact angles of the pinned corner menisci. On the
Imperial Berea network the two differ little (tried: +0.3 % median, +5.7 % at the 99th
percentile, the same residual oil), yet with Valvatne and Blunt's water-wet Berea angles
(advancing 56-76 degrees) we leave less oil behind than pnflow (benchmarks/README.md): the
cause is elsewhere and not found.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, replace

import numba
import numpy as np
import pandas as pd

from dca import InputError
from dca.network import Network, face_axis
from dca.util import check_positive, short_repr

from ._network_flow import _box, boundaries, in_box, solve_conduits, solve_network

__all__ = ["scal", "Scal", "Cycle", "WETTABILITY", "COLUMNS"]

WETTABILITY = ("water-wet", "oil-wet", "fractional", "mixed-large", "mixed-small")
_TRIANGLE, _SQUARE, _CIRCLE = 0, 1, 2
_K = np.array([0.6, 0.5623, 0.5])  # single-phase conductance factors, k A^2 G / mu
_WEIGHTS = (0.0, 15000.0, 15000.0, 15000.0, 15000.0, 15000.0)  # pnflow's blunt2 defaults, 1/m
#: the columns of every cycle's table: water saturation, capillary pressure (Pa), relative
#: permeabilities, trapped oil saturation, resistivity index R_t / R_0
COLUMNS = ["Sw", "Pc_pa", "krw", "kro", "trapped_oil", "RI"]


@dataclass(frozen=True)
class Cycle:
    """One displacement: its name and table (``Sw``, ``Pc_pa``, ``krw``, ``kro``, the trapped
    oil and water saturations), the events by kind, and its end points."""

    __repr__ = short_repr

    name: str
    table: pd.DataFrame
    events: dict
    pore_pc: np.ndarray | None = None  # Pc at which each pore's centre changed phase (NaN: it did not)
    throat_pc: np.ndarray | None = None

    @property
    def end(self) -> dict:
        last = self.table.iloc[-1]
        return {"Sw": float(last["Sw"]), "Pc_pa": float(last["Pc_pa"]), "krw": float(last["krw"]),
                "kro": float(last["kro"])}


@dataclass(frozen=True)
class Scal:
    """Special core analysis on a network: the cycles, wettability indices and settings."""

    __repr__ = short_repr

    cycles: list
    amott_water: float
    amott_oil: float
    usbm: float
    archie_n: float
    settings: dict
    seconds: float

    def cycle(self, name: str) -> Cycle:
        for c in self.cycles:
            if c.name == name:
                return c
        raise InputError(f"no cycle named {name!r}; this run has {[c.name for c in self.cycles]}")

    def to_dict(self) -> dict:
        return {"cycles": {c.name: {"end": c.end, "events": c.events,
                                    "table": {k: c.table[k].tolist() for k in COLUMNS}}
                           for c in self.cycles},
                "amott_water": self.amott_water, "amott_oil": self.amott_oil, "usbm": self.usbm,
                "archie_n": self.archie_n,
                "settings": self.settings, "seconds": self.seconds}

    def plot(self):
        """Capillary pressure and relative permeability of every cycle (a figure)."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(10, 4), layout="constrained")  # not pyplot's: nothing left open
        a, b = fig.subplots(1, 2)
        for c, colour in zip(self.cycles, ("tab:blue", "tab:red", "tab:green", "tab:purple")):
            t = c.table
            a.plot(t["Sw"], t["Pc_pa"] / 1e3, "-", color=colour, label=c.name)
            b.plot(t["Sw"], t["krw"], "-", color=colour, label=f"krw {c.name}")
            b.plot(t["Sw"], t["kro"], "--", color=colour, label=f"kro {c.name}")
        a.set_xlabel("water saturation")
        a.set_ylabel("capillary pressure Po - Pw (kPa)")
        a.set_yscale("symlog", linthresh=1.0)
        b.set_xlabel("water saturation")
        b.set_ylabel("relative permeability")
        for ax in (a, b):
            ax.set_xlim(0, 1)
            ax.legend(fontsize=7)
        return fig


# --- geometry ---------------------------------------------------------------------------------

def _shapes(g: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shape (triangle, square, circle), shape factor used, and corner half-angles (n, 4; NaN
    where there is no corner), as pnflow classifies and builds them."""
    kind = np.where(g <= np.sqrt(3) / 36 + 1e-5, _TRIANGLE, np.where(g < 0.07, _SQUARE, _CIRCLE))
    g = np.where(kind == _TRIANGLE, np.minimum(g, np.sqrt(3) / 36 - 5e-5),
                 np.where(kind == _SQUARE, 1 / 16, 1 / (4 * np.pi)))
    beta = np.full((len(g), 4), np.nan)
    tri = kind == _TRIANGLE
    gt = g[tri]
    c = np.arccos(np.clip(-12 * np.sqrt(3) * gt, -1, 1)) / 3
    lo = np.arctan(2 / np.sqrt(3) * np.cos(c + 4 * np.pi / 3))
    hi = np.arctan(2 / np.sqrt(3) * np.cos(c))
    b2 = lo + (0.25 + 0.5 * rng.random(len(gt))) * (hi - lo)  # pnflow draws within the middle half
    b1 = -b2 / 2 + 0.5 * np.arcsin(np.clip((np.tan(b2) + 4 * gt) / (np.tan(b2) - 4 * gt) * np.sin(b2), -1, 1))
    b3 = np.pi / 2 - b1 - b2
    beta[tri, :3] = np.sort(np.stack([b1, b2, b3], axis=1), axis=1)
    beta[kind == _SQUARE] = np.pi / 4
    return kind, g, beta


def _entry(r, g, beta, theta, sigma):
    """Piston-like entry pressure (Mayer-Stowe-Princen, Oren et al. 1998) for contact angles
    ``theta`` (radians, per element); circles and angles without wetting corners: 2 sigma cos / r."""
    cos = np.cos(theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        wet = beta < (np.pi / 2 - theta)[:, None]
        sb = np.sin(beta)
        ctb = np.cos(theta[:, None] + beta)
        s1 = np.nansum(np.where(wet, cos[:, None] * ctb / sb - (np.pi / 2 - theta[:, None] - beta), 0), axis=1)
        s2 = np.nansum(np.where(wet, ctb / sb, 0), axis=1)
        s3 = 2 * np.nansum(np.where(wet, np.pi / 2 - theta[:, None] - beta, 0), axis=1)
        d = s1 - 2 * s2 * cos + s3
        root = np.sqrt(np.maximum(1 + 4 * g * d / np.maximum(cos ** 2, 1e-300), 0))
        fd = (1 + root) / (1 + 2 * np.sqrt(np.pi * g))
        polygon = sigma * cos * (1 + 2 * np.sqrt(np.pi * g)) * fd / r
    return np.where(np.isfinite(beta).any(axis=1) & (np.abs(cos) > 1e-12), polygon, 2 * sigma * cos / r)


def _snap_off(r, beta, theta_a, sigma, b_max=None):
    """Snap-off pressure (NaN: none). Spontaneous, where theta_a < pi/2 - beta in the sharpest
    corner: over the two sharpest corners. Forced, in the other elements with corner water: the
    Pc at which the meniscus pinned at ``b_max`` in the sharpest corner hinges to theta_a and
    starts to advance, sigma cos(theta_a + beta) / (b sin beta) (negative once theta_a > pi/2 -
    beta)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        cot = 1 / np.tan(beta[:, :2])
        pc = sigma / r * (np.cos(theta_a) - 2 * np.sin(theta_a) / cot.sum(axis=1))
        spontaneous = np.isfinite(beta[:, 0]) & (theta_a < np.pi / 2 - beta[:, 0])
        out = np.where(spontaneous, pc, np.nan)
        if b_max is not None:
            b = b_max[:, 0]
            forced = sigma * np.cos(theta_a + beta[:, 0]) / (b * np.sin(beta[:, 0]))
            out = np.where(~spontaneous & np.isfinite(beta[:, 0]) & (b > 0), forced, out)
    return out


def _corner_water(beta, theta_r, theta_a, rc, b_max, imbibing, per_corner=False):
    """Corner water area (per element, m^2), film conductance (per unit length, mu = 1) and the
    apex distance of each corner's contact line, for menisci of radius ``rc`` = sigma / Pc (per
    element; NaN: none). In a waterflood (``imbibing``) the contact line stays at ``b_max`` (per
    corner, from the drainage) while the hinging angle lies between theta_r and theta_a."""
    rc = np.asarray(rc, float)[:, None]
    th = np.broadcast_to(theta_r[:, None], beta.shape).copy()
    if imbibing:
        with np.errstate(invalid="ignore"):
            hinge = np.arccos(np.clip(b_max * np.sin(beta) / rc, -1, 1)) - beta
        th = np.clip(hinge, theta_r[:, None], theta_a[:, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        wet = np.isfinite(beta) & (th < np.pi / 2 - beta) & np.isfinite(rc)
        sb, cb = np.sin(beta), np.cos(th + beta)
        area = rc ** 2 * (np.cos(th) * cb / sb + th + beta - np.pi / 2)
        b = rc * cb / sb
        dimless = np.where(np.abs(th + beta - np.pi / 2) < 0.01, sb * np.cos(beta), (sb / cb) ** 2
                           * (np.cos(th) * cb / sb + beta + th - np.pi / 2))
        gstar = np.cos(beta) * sb / (4 * (1 + sb) ** 2)
        gc = np.where(np.abs(th + beta - np.pi / 2) < 0.01, gstar,
                      dimless / (4 * (1 - (sb / cb) * (beta + th - np.pi / 2)) ** 2))
        cond = (0.364 + 0.28 * gstar / gc) * dimless ** 2 * gc * b ** 4
    area = np.where(wet, area, 0.0)
    cond = np.where(wet, cond, 0.0)
    if per_corner:
        return area, cond, np.where(wet, b, 0.0)
    return area.sum(axis=1), cond.sum(axis=1), np.where(wet, b, 0.0)


# --- trapping ------------------------------------------------------------------------------------

@numba.njit(cache=True)
def _oil_cluster(start, oil, trapped, ptr, nbr, exit_, stamp, mark, out):
    """Oil-filled elements joined to ``start``; returns (count in ``out``, whether one is an exit).
    Stops early once an exit is found (the cluster is then free)."""
    n = 0
    out[n] = start
    n += 1
    stamp[start] = mark
    k = 0
    while k < n:
        e = out[k]
        k += 1
        if exit_[e]:
            return n, True
        for q in range(ptr[e], ptr[e + 1]):
            f = nbr[q]
            if oil[f] and not trapped[f] and stamp[f] != mark:
                stamp[f] = mark
                out[n] = f
                n += 1
    return n, False


# --- the displacement engine ----------------------------------------------------------------------

class _Net:
    """Elements (pores first, then throats), their geometry, adjacency and conduits."""

    def __init__(self, network: Network, axis, box, rng):
        low, high, _ = face_axis(axis)
        pores, throats = network.pores, network.throats
        internal = network.internal
        self.network, self.axis, self.box = network, axis, box
        self.pore_ids = np.nonzero(internal)[0]
        npores = len(self.pore_ids)
        element_of_pore = np.full(network.n_pores, -1)
        element_of_pore[self.pore_ids] = np.arange(npores)
        conns = network.conns
        self.np_, self.nt = npores, network.n_throats
        n = npores + self.nt
        circle = 1 / (4 * np.pi)
        self.r = np.concatenate([pores["inscribed_diameter"].to_numpy()[self.pore_ids],
                                 throats["inscribed_diameter"].to_numpy()]) / 2
        g = np.concatenate([pores["shape_factor"].to_numpy()[self.pore_ids] if "shape_factor" in pores
                            else np.full(npores, circle),
                            throats["shape_factor"].to_numpy() if "shape_factor" in throats
                            else np.full(self.nt, circle)])
        self.kind, self.g, self.beta = _shapes(g, rng)
        self.area = self.r ** 2 / (4 * self.g)
        vt = throats["volume"].to_numpy() if "volume" in throats else np.zeros(self.nt)
        self.volume = np.concatenate([pores["volume"].to_numpy()[self.pore_ids], vt])
        inside = in_box(network, axis, box) & internal  # the box: its pores, and throats with an end in it
        self.in_box = np.concatenate([inside[self.pore_ids], inside[conns[:, 0]] | inside[conns[:, 1]]])
        p1, p2 = element_of_pore[conns[:, 0]], element_of_pore[conns[:, 1]]
        tid = npores + np.arange(self.nt)
        src = np.concatenate([p1[p1 >= 0], tid[p1 >= 0], p2[p2 >= 0], tid[p2 >= 0]])
        dst = np.concatenate([tid[p1 >= 0], p1[p1 >= 0], tid[p2 >= 0], p2[p2 >= 0]])
        order = np.argsort(src, kind="stable")
        self.ptr = np.zeros(n + 1, np.int64)
        self.ptr[1:] = np.cumsum(np.bincount(src, minlength=n))
        self.nbr = dst[order].astype(np.int64)
        inlet = np.zeros(network.n_pores, bool)
        inlet[network.boundary_pores(low)] = True
        outlet = np.zeros(network.n_pores, bool)
        outlet[network.boundary_pores(high)] = True
        self.inlet = np.zeros(n, bool)  # throats that open on the inlet reservoir
        self.inlet[npores:] = inlet[conns[:, 0]] | inlet[conns[:, 1]]
        self.exit = self.inlet.copy()  # ... or on either reservoir: where oil leaves
        self.exit[npores:] |= outlet[conns[:, 0]] | outlet[conns[:, 1]]
        self.is_pore = np.arange(n) < npores
        self.p1, self.p2 = p1, p2
        self.lengths = np.stack([throats[k].to_numpy() for k in ("pore1_length", "throat_length", "pore2_length")])
        self.full = _K[self.kind] * self.area ** 2 * self.g  # single-phase conductance per length, mu = 1
        self.full_median = float(np.median(self.full))

    def neighbours(self, e):
        return self.nbr[self.ptr[e]:self.ptr[e + 1]]

    def by_network(self, values) -> tuple[np.ndarray, np.ndarray]:
        """Per-element values as the network's pore and throat arrays (NaN at boundary pores)."""
        pores = np.full(self.network.n_pores, np.nan)
        pores[self.pore_ids] = values[:self.np_]
        return pores, values[self.np_:].copy()

    def conduits(self, per_length, boundary=None) -> np.ndarray:
        """Conduit conductances from per-length element conductances (pore half, throat, pore
        half); the reservoirs' pore halves conduct as ``boundary`` (default the single-phase
        median)."""
        l1, lt, l2 = self.lengths
        bnd = self.full_median if boundary is None else boundary
        g1 = np.where(self.p1 >= 0, per_length[np.maximum(self.p1, 0)], bnd)
        g2 = np.where(self.p2 >= 0, per_length[np.maximum(self.p2, 0)], bnd)
        gt = per_length[self.np_:]
        with np.errstate(divide="ignore", invalid="ignore"):
            resistance = (np.where(l1 > 0, l1 / g1, 0) + np.where(lt > 0, lt / gt, 0)
                          + np.where(l2 > 0, l2 / g2, 0))
            return np.where(np.isfinite(resistance) & (resistance > 0), 1 / resistance, 0.0)


class _Flow:
    """Inflow through the network for conduit conductances, with its throats and boundaries
    (faces or measurement box) worked out once (``solve_network`` finds them on every call)."""

    def __init__(self, net: _Net):
        network = net.network
        self.conns, self.n = network.conns, network.n_pores
        self.inlet, self.outlet, self.usable, self.reason = boundaries(network, net.axis, net.box)

    def inflow(self, g) -> float:
        if self.reason:
            return 0.0
        return solve_conduits(self.conns, g, self.n, self.inlet, self.outlet, self.usable)[3]


class _Run:
    """The state of the displacement (oil in the centres, trapped oil, the corner history) and
    the measurements along it."""

    def __init__(self, net: _Net, sigma, mu_w, mu_o, points, rng):
        n = len(net.r)
        self.net, self.sigma, self.mu_w, self.mu_o, self.points, self.rng = net, sigma, mu_w, mu_o, points, rng
        self.oil = np.zeros(n, bool)
        self.trapped = np.zeros(n, bool)
        self.trap_pc = np.full(n, np.nan)
        self.layer = np.zeros(net.beta.shape, bool)  # oil layers in oil-wet corners of water-filled elements
        self.layer_pc = np.full(net.beta.shape, np.nan)  # the Pc at which each layer collapses
        self.inner_area = np.zeros(net.beta.shape)  # corner water behind the layers
        self.layer_count = 0
        self.b_max = np.zeros(net.beta.shape)
        self.stamp = np.zeros(n, np.int64)
        self.mark = 0
        self.buffer = np.zeros(n, np.int64)
        self.theta_r = np.zeros(n)
        self.theta_a = np.zeros(n)
        self.imbibing = False
        self.lowest_positive = np.inf
        self.pc_now = 0.0
        self.flow = _Flow(net)
        self.single = self.flow.inflow(net.conduits(net.full))
        if not self.single > 0:
            reason = self.flow.reason or solve_network(net.network, net.conduits(net.full), axis=net.axis,
                                                        box=net.box).reason
            raise InputError(f"no single-phase flow through this network along {net.axis}: {reason}")
        self.area_boundary = float(np.median(net.area))  # brine conduction: sigma_w A / L per element
        self.single_current = self.flow.inflow(net.conduits(net.area, self.area_boundary))
        self.box_share = net.volume * net.in_box / float((net.volume * net.in_box).sum())
        self.water = 1.0  # the box's volume share of water-filled centres

    # -- measurements
    def corners(self, pc):
        """Corner water at ``pc``; trapped oil keeps the films it had when it was trapped (its
        pressure no longer follows the oil's), and below Pc = 0 films stay as at the lowest
        positive Pc."""
        here = np.where(self.oil & self.trapped, self.trap_pc, pc)
        here = np.where(here > 0, here, self.lowest_positive)
        with np.errstate(divide="ignore"):
            rc = np.where(np.isfinite(here) & (here > 0), self.sigma / here, np.nan)
        return _corner_water(self.net.beta, self.theta_r, self.theta_a, rc, self.b_max, self.imbibing)

    def measure(self, pc) -> tuple:
        net = self.net
        area, film, _ = self.corners(pc)
        layer_area, layer_g = self.layers(pc)
        frac = np.where(self.oil, np.minimum(area / net.area, 1.0), 1.0 - np.minimum(layer_area / net.area, 1.0))
        v = self.box_share
        sw = float((v * frac).sum())
        trapped = float((v * (1 - frac) * self.trapped).sum())
        gw = np.where(self.oil, film, net.full)
        go = np.where(self.oil, _K[net.kind] * np.maximum(net.area - area, 0) ** 2 * net.g, layer_g)
        kr = [float(np.clip(self.flow.inflow(net.conduits(per)) / self.single, 0, 1)) for per in (gw, go)]
        current = self.flow.inflow(net.conduits(np.where(self.oil, np.minimum(area, net.area), net.area),
                                                self.area_boundary))
        ri = self.single_current / current if current > 0 else float("inf")  # resistivity index R_t / R_0
        return sw, float(pc), kr[0], kr[1], trapped, ri

    def layers(self, pc):
        """Oil-layer area and conductance (per unit length, mu = 1) per element at ``pc`` < 0:
        between the outer interface (radius sigma / |Pc|, angle pi - theta_a through the oil)
        and the corner water left by the drainage; the conductance is the corner expression of
        the outer region scaled by the layer's share of it, cubed (a thin layer)."""
        net = self.net
        if not self.layer.any():
            return np.zeros(len(net.r)), np.zeros(len(net.r))
        if not self.imbibing:  # in a drainage the layers keep what the waterflood left them
            pc = self.pc_now if self.pc_now < 0 else pc
        here = np.where(self.trapped & (self.trap_pc < 0), self.trap_pc, pc)  # trapped layers keep theirs
        with np.errstate(divide="ignore"):
            rc = np.where(here < 0, self.sigma / np.abs(here), np.nan)
        outer_angle = np.pi - self.theta_a
        outer, g_outer, _ = _corner_water(net.beta, outer_angle, outer_angle, rc, self.b_max, False, per_corner=True)
        inner = self.inner_area
        share = np.where(self.layer & (outer > 0), np.clip((outer - inner) / np.maximum(outer, 1e-300), 0, 1), 0)
        return (share * outer).sum(axis=1), (share ** 3 * g_outer).sum(axis=1)

    def fill(self, e, oil: bool) -> None:
        """Element ``e``'s centre to oil or water."""
        self.oil[e] = oil
        self.water += -self.box_share[e] if oil else self.box_share[e]

    def bulk_water(self) -> float:
        return self.water

    # -- trapping
    def trap_next_to(self, elements, pc) -> None:
        """Trap the oil ganglia next to ``elements`` that reach neither face, through oil-filled
        centres or oil layers."""
        carries = self.oil | self.layer.any(axis=1) if self.layer_count else self.oil
        for e in elements:
            if not carries[e] or self.trapped[e]:
                continue
            self.mark += 1
            n, free = _oil_cluster(e, carries, self.trapped, self.net.ptr, self.net.nbr, self.net.exit,
                                   self.stamp, self.mark, self.buffer)
            if not free:
                self.trapped[self.buffer[:n]] = True
                self.trap_pc[self.buffer[:n]] = pc

    def untrap_from(self, start) -> None:
        stack = [start]
        while stack:
            e = stack.pop()
            for f in self.net.neighbours(e):
                if self.oil[f] and self.trapped[f]:
                    self.trapped[f] = False
                    stack.append(f)

    # -- cycles
    def _recorder(self, pcs_wanted):
        """Measure when the bulk saturation has moved by 1/points, or Pc passed a wanted value."""
        rows, last = [], [self.bulk_water()]
        wanted = list(pcs_wanted)

        def record(pc, force=False):
            sw = self.bulk_water()
            crossed = False
            while wanted and ((not self.imbibing and pc >= wanted[0]) or (self.imbibing and pc <= wanted[0])):
                wanted.pop(0)
                crossed = True
            if force or crossed or abs(sw - last[0]) >= 1.0 / self.points:
                rows.append(self.measure(pc))
                last[0] = sw
        return rows, record

    def drain(self, theta_r, pc_end, serial=True, pc_start=None) -> Cycle:
        net, sigma = self.net, self.sigma
        self.imbibing = False
        self.trapped &= self.oil  # water-filled elements whose layers were trapped
        self.theta_r = theta_r
        self.theta_a = np.maximum(self.theta_a, theta_r)
        entry = _entry(net.r, net.g, net.beta, theta_r, sigma)
        circle = 2 * sigma * np.cos(theta_r) / net.r  # pnflow's piston pressure of an oil-filled element
        heap, queued = [], np.zeros(len(net.r), bool)

        def offer(e):
            if not self.oil[e] and not queued[e]:
                queued[e] = True
                pc = entry[e]
                nb = net.neighbours(e)
                fed = nb[self.oil[nb]]
                if serial and len(fed):  # pnflow: "serial, the hardest of the pore and throat"
                    pc = max(pc, 0.999 * circle[fed].min() + 0.001 * pc)
                heapq.heappush(heap, (pc, int(e)))

        for e in np.nonzero(net.inlet)[0]:
            offer(e)
        for e in np.nonzero(self.oil & ~self.trapped)[0]:
            for f in net.neighbours(e):
                offer(f)
        start = min(heap[0][0] if heap else pc_end, pc_end) if pc_start is None else pc_start
        rows, record = self._recorder(_pc_grid(start, pc_end, self.points // 2))
        rows.append(self.measure(start))
        running, events = start, 0
        changed = np.full(len(net.r), np.nan)
        while heap and heap[0][0] <= pc_end:
            pc, e = heapq.heappop(heap)
            if self.oil[e]:
                continue
            running = max(running, pc)
            self.fill(e, True)
            self.layer_count -= int(self.layer[e].sum())
            self.layer[e] = False
            changed[e] = running
            events += 1
            self.untrap_from(e)
            for f in net.neighbours(e):
                offer(f)
            record(running)
        # the contact lines in the corners of oil-filled elements sit where pc_end leaves them
        _, _, b = _corner_water(net.beta, theta_r, self.theta_a, np.full(len(net.r), sigma / pc_end),
                                self.b_max, False)
        self.b_max = np.where(self.oil[:, None], np.maximum(self.b_max, b), self.b_max)
        record(pc_end, force=True)
        self.pc_now = pc_end
        return Cycle("drainage", pd.DataFrame(rows, columns=COLUMNS),
                     {"piston": events}, *net.by_network(changed))

    def flood(self, theta_a, pc_end, weights) -> Cycle:
        net, sigma = self.net, self.sigma
        self.imbibing = True
        if self.pc_now > 0:  # films start where the drainage left them
            self.lowest_positive = self.pc_now
        self.theta_a = np.where(self.oil, theta_a, self.theta_a)  # aged where oil came; elsewhere as drained
        ta = self.theta_a
        n = len(net.r)
        # oil layers: where water takes the centre of an oil-wet element, the oil stays in each corner
        # with theta_a > pi/2 + beta, between the centre water and the corner water left by the
        # drainage, until the two interfaces meet on the corner's bisector (pnflow's collapse "from
        # the centre"): sigma / |Pc| (-cos theta_a / sin beta - 1) = r_i (cos theta_r / sin beta - 1)
        rc_in = np.full(n, self.sigma / self.pc_now if self.pc_now > 0 else np.nan)
        self.inner_area, _, _ = _corner_water(net.beta, self.theta_r, self.theta_r, rc_in, self.b_max, False,
                                              per_corner=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            ki = rc_in[:, None] * (np.cos(self.theta_r)[:, None] / np.sin(net.beta) - 1)
            ko = -np.cos(ta)[:, None] / np.sin(net.beta) - 1
            can = np.isfinite(net.beta) & (ta[:, None] > np.pi / 2 + net.beta) & (self.b_max > 0) & (ki > 0)
            self.layer_pc = np.where(can, -sigma * ko / ki, np.nan)
        piston = _entry(net.r, net.g, net.beta, ta, sigma)
        snap = _snap_off(net.r, net.beta, ta, sigma, self.b_max)
        w = np.asarray(weights, float)
        x = self.rng.random((n, len(w)))
        version = np.zeros(n, np.int64)
        heap = []
        counts = {"piston": 0, "pore filling": 0, "snap-off": 0, "layer collapse": 0}
        changed = np.full(n, np.nan)

        def event(e):
            nb = net.neighbours(e)
            best, how = snap[e], "snap-off"
            if net.inlet[e] or (~self.oil[nb]).any():
                if net.is_pore[e]:
                    k = int(self.oil[nb].sum())
                    if ta[e] < np.pi / 2 and k > 1:
                        m = min(k, len(w))
                        pc = sigma * (2 * np.cos(ta[e]) / net.r[e] - (w[:m] * x[e, :m]).sum())
                    else:
                        pc = 2 * sigma * np.cos(ta[e]) / net.r[e]
                    kind = "pore filling"
                else:
                    pc, kind = piston[e], "piston"
                if not np.isfinite(best) or pc > best:
                    best, how = pc, kind
            return best, how

        def push(e):
            version[e] += 1
            if self.oil[e] and not self.trapped[e]:
                pc, how = event(e)
                if np.isfinite(pc):
                    heapq.heappush(heap, (-pc, int(e), int(version[e]), how))

        for e in np.nonzero(self.oil & ~self.trapped)[0]:
            push(e)
        top = max(-heap[0][0], pc_end) if heap else pc_end
        rows, record = self._recorder(_pc_grid(top, pc_end, self.points // 2))
        rows.append(self.measure(top))
        pc = top
        while heap and -heap[0][0] >= pc_end:
            neg, e, v, how = heapq.heappop(heap)
            if how == "layer collapse":
                e, corner = divmod(e - n, 4)
                if not self.layer[e, corner] or self.trapped[e]:  # a trapped layer keeps its pressure
                    continue
                pc = min(pc, -neg)
                self.layer[e, corner] = False
                self.layer_count -= 1
                counts[how] += 1
                if not self.layer[e].any() and not self.oil[e]:  # the element no longer carries oil
                    self.trap_next_to(net.neighbours(e), pc)
                record(pc)
                continue
            if v != version[e] or not self.oil[e] or self.trapped[e]:
                continue
            pc = min(pc, -neg)  # an event that a filling made possible above Pc happens at Pc
            changed[e] = pc
            if pc > 0:
                self.lowest_positive = min(self.lowest_positive, pc)
            self.fill(e, False)
            version[e] += 1
            counts[how] += 1
            for corner in np.nonzero(self.layer_pc[e] < pc)[0]:  # layers form where they are stable
                self.layer[e, corner] = True
                self.layer_count += 1
                heapq.heappush(heap, (-self.layer_pc[e, corner], int(n + 4 * e + corner), 0, "layer collapse"))
            nb = net.neighbours(e)
            if not self.layer[e].any():  # with layers, e still joins its neighbours' oil
                self.trap_next_to(nb, pc)
            for f in nb:
                push(f)
                if not net.is_pore[f]:
                    for p in net.neighbours(f):  # a pore's filling pressure counts its oil throats
                        if self.oil[p]:
                            push(p)
            record(pc)
        if pc_end > 0:
            self.lowest_positive = min(self.lowest_positive, pc_end)
        record(pc_end, force=True)
        self.pc_now = pc_end
        return Cycle("waterflood", pd.DataFrame(rows, columns=COLUMNS),
                     counts, *net.by_network(changed))


def _pc_grid(a, b, points) -> np.ndarray:
    """Capillary pressures from ``a`` to ``b`` at which to measure whatever the saturation does:
    log-spaced on each side of zero (from 1 Pa), and zero itself when the range crosses it."""
    def side(lo, hi, k):  # lo < hi, same sign, |values| >= 1
        return np.geomspace(max(lo, 1.0), max(hi, 1.0), max(k, 2)) if hi > 1 else np.empty(0)
    up = a <= b
    lo, hi = (a, b) if up else (b, a)
    parts = [-side(-min(hi, -1.0), -lo, points // 2)[::-1] if lo < -1 else np.empty(0),
             [0.0] if lo <= 0 <= hi else np.empty(0), side(max(lo, 1.0), hi, points // 2)]
    grid = np.concatenate(parts)
    return grid if up else grid[::-1]


def _angles(spec, n, rng, name):
    """Contact angles (radians) from a number, a (min, max) uniform range or a dict
    {min, max, delta, eta} (pnflow's truncated Weibull; negative delta or eta: uniform)."""
    if isinstance(spec, (int, float)):
        lo = hi = float(spec)
        delta = eta = -1.0
    elif isinstance(spec, dict):
        lo, hi = float(spec["min"]), float(spec["max"])
        delta, eta = float(spec.get("delta", -1)), float(spec.get("eta", -1))
    else:
        try:
            lo, hi = (float(v) for v in spec)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be degrees, (min, max) or {{min, max, delta, eta}}; got {spec!r}")
        delta = eta = -1.0
    if not 0 <= lo <= hi <= 180:
        raise InputError(f"{name} must lie within 0-180 degrees with min <= max, got {spec!r}")
    u = rng.random(n)
    if delta > 0 and eta > 0:
        t = (hi - lo) * (-delta * np.log(u * (1 - np.exp(-1 / delta)) + np.exp(-1 / delta))) ** (1 / eta) + lo
    else:
        t = lo + u * (hi - lo)
    return np.radians(np.clip(t, lo, hi))


def _contact_model(theta, model: int, separation: float) -> tuple[np.ndarray, np.ndarray]:
    """(receding, advancing) from sampled angles ``theta`` (radians), pnflow's models 1-4."""
    pi = np.pi
    if model == 1:
        return theta.copy(), theta.copy()
    if model == 2:
        growth = (pi + separation) / pi
        return np.maximum(0.0, growth * theta - separation), np.minimum(pi, growth * theta)
    if model == 3:  # theta is intrinsic; Morrow's curves
        deg = np.degrees(theta)
        rec = np.select([theta < 0.38349, theta < 1.5289, theta < 2.7646],
                        [0.0, np.radians(0.5 * np.exp(0.05 * deg) - 1.5), 2 * (theta - 1.19680)], pi)
        adv = np.select([theta < 0.38349, theta < 1.61268, theta < 2.75805],
                        [0.0, 2 * (theta - 0.38349), np.radians(181.5 - 4051.0 * np.exp(-0.05 * deg))], pi)
        return rec, adv
    if model == 4:  # theta is the advancing angle
        rec = (pi - 1.3834263 - (pi - theta + 0.004) ** 0.45) ** (1 / 0.45) - 0.004
        return np.clip(rec, 0.0, pi), theta.copy()
    raise InputError(f"contact_model must be 1, 2, 3 or 4 (pnflow's), got {model!r}")


def _aged(run, theta_water_wet, theta_oil_wet, wettability, fraction, rng) -> np.ndarray:
    """Advancing angles after ageing: the oil-invaded elements get oil-wet angles where the
    wettability state says so (all; a random ``fraction``; or the ``fraction`` of them by
    volume with the largest or smallest radii), water-wet angles elsewhere."""
    oil = run.oil
    oil_wet = np.zeros(len(oil), bool)
    if wettability == "oil-wet":
        oil_wet = oil.copy()
    elif wettability == "fractional":
        oil_wet = oil & (rng.random(len(oil)) < fraction)
    elif wettability in ("mixed-large", "mixed-small"):
        idx = np.nonzero(oil)[0]
        order = idx[np.argsort(run.net.r[idx] * (-1 if wettability == "mixed-large" else 1), kind="stable")]
        v = np.cumsum(run.net.volume[order])
        oil_wet[order[v <= fraction * v[-1]]] = True
    return np.where(oil_wet, theta_oil_wet, theta_water_wet)


def scal(network: Network, *, cycles=("drainage", "waterflood"), axis="x", surface_tension: float = 0.03,
         receding=0.0, advancing=(30.0, 50.0), wettability: str = "water-wet", oil_wet_fraction: float = 0.5,
         oil_wet_advancing=(100.0, 150.0), pc_max: float = 2e5, pc_min: float = -2e5, water_viscosity: float = 1e-3,
         oil_viscosity: float = 1e-3, filling_weights=_WEIGHTS, points: int = 50, box=None,
         serial_entry: bool = True, contact_model: int = 1, separation: float = 25.0, seed: int = 0) -> Scal:
    """Capillary pressure and relative permeability cycles on a pore network (see the module notes).

    Parameters
    ----------
    network : dca.network.Network
        With boundary pores on the two faces normal to ``axis`` (water and oil enter at the
        low face; both faces produce).
    cycles : sequence of "drainage" and "waterflood"
        In order: primary drainage first, then waterflood, secondary drainage, ...
    surface_tension : float, N/m
    receding, advancing : degrees
        Contact angles for drainage (receding) and for the waterflood (advancing, in the
        elements that oil has filled); a number, (min, max) uniform, or {min, max, delta, eta}
        (truncated Weibull, as pnflow).
    wettability : {"water-wet", "oil-wet", "fractional", "mixed-large", "mixed-small"}
        Which oil-filled elements age to ``oil_wet_advancing`` before the waterflood: none, all,
        a random ``oil_wet_fraction`` of them, or that fraction of their volume in the largest
        (mixed-wet, MWL) or smallest (MWS) elements.
    pc_max, pc_min : Pa
        End of each drainage and of each waterflood.
    filling_weights : 1/m
        pnflow's "blunt2" pore-body filling weights a_1, a_2, ...
    points : int
        About this many measurements per cycle (a saturation step of 1/points, and Pc values).
    box : (start, stop), optional
        The measurement box for saturations and flows (pnflow's CALC_BOX, such as (0.2, 0.9)).
    contact_model : {1, 2, 3, 4}
        How the waterflood's sampled angle gives the advancing angle theta_a and the receding
        angle theta_r of secondary drainage, as pnflow's models: 1, both equal to it; 2, the
        intrinsic angle with ``separation`` degrees of hysteresis; 3, the intrinsic angle through
        Morrow's (1975) curves; 4, theta_a itself, theta_r from the fit to Morrow's curves.
    serial_entry : bool
        pnflow's drainage rule: oil enters an element at no less than the circular-tube entry
        pressure of the oil-filled neighbour it comes from (False: plain invasion percolation,
        which ``flow.drainage`` is).
    seed : int
        Corner angles, contact angles and pore-filling draws; same seed, same numbers.

    Returns
    -------
    Scal
        ``cycles`` (tables of Sw, Pc, krw, kro), Amott indices and the USBM index (where the
        cycles allow them), ``plot()``, ``to_dict()``.
    """
    t0 = time.perf_counter()
    sigma = check_positive(surface_tension, name="surface_tension", unit="N/m")
    mu_w = check_positive(water_viscosity, name="water_viscosity", unit="Pa.s")
    mu_o = check_positive(oil_viscosity, name="oil_viscosity", unit="Pa.s")
    if wettability not in WETTABILITY:
        raise InputError(f"wettability must be one of {', '.join(WETTABILITY)}, got {wettability!r}")
    if not 0 <= oil_wet_fraction <= 1:
        raise InputError(f"oil_wet_fraction must be within 0-1, got {oil_wet_fraction!r}")
    if not (pc_max > 0 and pc_min < pc_max):
        raise InputError(f"pc_max must be positive and above pc_min; got {pc_max!r} and {pc_min!r}")
    names = list(cycles)
    if not names or names[0] != "drainage" or any(c not in ("drainage", "waterflood") for c in names):
        raise InputError(f"cycles must start with 'drainage' and then alternate with 'waterflood', got {cycles!r}")
    if any(a == b for a, b in zip(names, names[1:])):
        raise InputError(f"cycles must alternate drainage and waterflood, got {cycles!r}")
    rng = np.random.default_rng(seed)
    net = _Net(network, axis, box, rng)
    n = len(net.r)
    theta_r = _angles(receding, n, rng, "receding")
    theta_w = _angles(advancing, n, rng, "advancing")
    theta_o = _angles(oil_wet_advancing, n, rng, "oil_wet_advancing")
    run = _Run(net, sigma, mu_w, mu_o, int(points), rng)
    out, aged_r = [], theta_r
    for k, name in enumerate(names):
        if name == "drainage":
            angles = theta_r if k == 0 else aged_r
            cycle = run.drain(angles, pc_max, serial_entry, None if k == 0 else pc_min)
            out.append(replace(cycle, name="primary drainage" if k == 0 else "secondary drainage"))
        else:
            if k == 1:
                sampled = _aged(run, theta_w, theta_o, wettability, oil_wet_fraction, rng)
                aged_r, theta_a = _contact_model(sampled, contact_model, np.radians(separation))
                aged_r = np.where(run.oil, aged_r, theta_r)  # elements oil never reached keep theirs
            cycle = run.flood(theta_a, pc_min, filling_weights)
            out.append(replace(cycle, name="waterflood" if k == 1 else f"waterflood {k // 2 + 1}"))
    amott_w, amott_o, usbm = _indices(out)
    settings = {"axis": axis, "surface_tension_n_m": sigma, "receding_deg": receding, "advancing_deg": advancing,
                "wettability": wettability, "oil_wet_fraction": oil_wet_fraction,
                "oil_wet_advancing_deg": oil_wet_advancing, "pc_max_pa": pc_max, "pc_min_pa": pc_min,
                "water_viscosity_pa_s": mu_w, "oil_viscosity_pa_s": mu_o, "filling_weights": list(filling_weights),
                "box": None if box is None else list(_box(box)), "serial_entry": serial_entry,
                "contact_model": contact_model, "separation_deg": separation, "seed": seed}
    return Scal(out, amott_w, amott_o, usbm, _archie(out[0].table), settings, round(time.perf_counter() - t0, 3))


def _archie(table) -> float:
    """Archie's saturation exponent n from RI = Sw^-n, fitted over the primary drainage between
    Sw = 0.2 and 0.9 (NaN without enough points)."""
    sw, ri = table["Sw"].to_numpy(), table["RI"].to_numpy()
    keep = (sw >= 0.2) & (sw <= 0.9) & np.isfinite(ri) & (ri > 0)
    if keep.sum() < 3:
        return float("nan")
    return float(-np.polyfit(np.log(sw[keep]), np.log(ri[keep]), 1)[0])


def _indices(cycles) -> tuple[float, float, float]:
    """Amott water index (spontaneous over total water uptake in the waterflood), Amott oil
    index (the same for oil in the secondary drainage) and USBM log10(A1 / A2) (areas under the
    secondary drainage's positive Pc and above the waterflood's negative Pc); NaN where the
    cycles do not give them."""
    flood = next((c.table for c in cycles if c.name == "waterflood"), None)
    second = next((c.table for c in cycles if c.name == "secondary drainage"), None)
    aw = ao = usbm = float("nan")
    if flood is not None:
        sw, pc = flood["Sw"].to_numpy(), flood["Pc_pa"].to_numpy()
        total = sw[-1] - sw[0]
        spont = np.interp(0.0, -pc, sw) - sw[0] if (pc <= 0).any() else total
        aw = float(spont / total) if total > 0 else float("nan")
    if second is not None:
        sw, pc = second["Sw"].to_numpy(), second["Pc_pa"].to_numpy()
        total = sw[0] - sw[-1]
        spont = sw[0] - np.interp(0.0, pc, sw) if (pc >= 0).any() and pc[0] < 0 else 0.0
        ao = float(spont / total) if total > 0 else float("nan")
        if flood is not None:
            a1 = _area(second, positive=True)
            a2 = _area(flood, positive=False)
            usbm = (float(np.log10(a1 / a2)) if a1 > 0 and a2 > 0 else float("inf") if a1 > 0 else
                    float("-inf") if a2 > 0 else float("nan"))
    return aw, ao, usbm


def _area(table, positive: bool) -> float:
    sw, pc = table["Sw"].to_numpy(), table["Pc_pa"].to_numpy()
    part = np.where(pc > 0, pc, 0.0) if positive else np.where(pc < 0, -pc, 0.0)
    order = np.argsort(sw)
    x, y = sw[order], part[order]
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))
