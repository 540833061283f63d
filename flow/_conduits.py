"""Conduit conductance models: pore 1 half, throat, pore 2 half, in series.

Every model returns, per throat, the hydraulic conductance g (m^3 / (Pa s)) for a viscosity
mu, or the conduction "size factor" s (m) such that an electrical (diffusive) conductance is
sigma * s. Resistances add: 1/g = R_1 + R_t + R_2; a segment of zero length adds nothing.

- ``cones_and_cylinders`` / ``pyramids_and_cuboids`` (OpenPNM's size factors, on the
  pores' ``diameter`` column where there is one, else their inscribed diameter, and the
  throats' inscribed diameter): pore halves are truncated cones (square pyramids) from the pore
  diameter to the throat diameter, the throat a cylinder (square cuboid). Poiseuille flow
  in each cross-section: R = 16 pi^2 I int dx / A^2, with I = 1/(2 pi) for circles and 1/6
  for squares (OpenPNM's convention). A uniform tube is exactly Hagen-Poiseuille.
- ``valvatne_blunt`` (pnflow; Valvatne & Blunt 2004, doi:10.1029/2003WR002627): each
  element is a triangle, square or circle by its shape factor G = A / P^2, area
  A = r^2 / (4 G), conductance g = k A^2 G / mu with k = 3/5 (triangle, G <= sqrt(3)/36),
  0.5623 (square, G <= 1/16), 1/2 (circle). Conduction: A / L per element.
"""

from __future__ import annotations

import numpy as np

from dca import InputError

__all__ = ["MODELS", "hydraulic_conductance", "conduction_size_factor"]

MODELS = ("pyramids_and_cuboids", "cones_and_cylinders", "valvatne_blunt")
_TRIANGLE_G = np.sqrt(3) / 36
_SQUARE_G = 1 / 16


def _segments(network, pore_column="inscribed_diameter"):
    """Per throat: diameters (pore 1, throat, pore 2), lengths (pore 1, throat, pore 2), shape factors."""
    t, p = network.throats, network.pores
    c = network.conns
    pd_ = p[pore_column if pore_column in p else "inscribed_diameter"].to_numpy()
    d = np.stack([pd_[c[:, 0]], t["inscribed_diameter"].to_numpy(), pd_[c[:, 1]]])
    for name in ("pore1_length", "throat_length", "pore2_length"):
        if name not in t:
            raise InputError(f"the throat table has no {name!r} column: conduit lengths are needed for flow")
    lengths = np.stack([t["pore1_length"].to_numpy(), t["throat_length"].to_numpy(), t["pore2_length"].to_numpy()])
    circle = 1 / (4 * np.pi)
    pg = p["shape_factor"].to_numpy() if "shape_factor" in p else np.full(network.n_pores, circle)
    tg = t["shape_factor"].to_numpy() if "shape_factor" in t else np.full(network.n_throats, circle)
    g = np.stack([pg[c[:, 0]], tg, pg[c[:, 1]]])
    if np.any(d <= 0) or not np.all(np.isfinite(d)):
        raise InputError("some pores or throats have a zero or undefined inscribed diameter; trim them first")
    if np.any(lengths < 0):
        raise InputError("some conduit lengths are negative")
    return d, lengths, g


def _series(resistances: np.ndarray) -> np.ndarray:
    total = resistances.sum(axis=0)
    with np.errstate(divide="ignore"):
        return np.where(total > 0, 1.0 / total, np.inf)


def hydraulic_conductance(network, model: str | None = None, viscosity: float = 1e-3,
                          microporous: dict | None = None) -> np.ndarray:
    """Hydraulic conductance of every conduit (pore 1 half, throat, pore 2 half in series).

    Parameters
    ----------
    network : dca.network.Network
    model : str, optional
        One of :data:`MODELS`; default the network's own (``network.conductance``).
    viscosity : float, Pa.s
    microporous : mapping of phase to float, m^2, optional
        ``{phase: k_m}``: a conduit touching a pore of that phase also conducts by Darcy flow
        through the microporous medium, g_D = k_m A / (mu L), in parallel with its own.

    Returns
    -------
    (n_throats,) float array, m^3 / (Pa s)

    See Also
    --------
    conduction_size_factor : the electrical (diffusive) counterpart.

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> g = flow.hydraulic_conductance(net)
    >>> g.shape == (net.n_throats,), bool((g > 0).all())
    (True, True)
    >>> bool((flow.hydraulic_conductance(net, viscosity=2e-3) == g / 2).all())   # g ~ 1 / mu
    True
    """
    resistance = _resistances(network, model, viscosity)
    if microporous:
        resistance = _darcy_segments(network, resistance, microporous, viscosity)
    return _series(resistance)


def _darcy_segments(network, resistance, microporous, viscosity):
    names = dict(network.attrs.get("phases", {}))
    if "phase" not in network.pores or network.pores["phase"].nunique() < 2:
        raise InputError("microporous conductance needs a multi-phase network (pores with a 'phase' column): "
                         "extract it with dca.network.extract(volume, phase=['pore', '<micro phase>'])")
    k_of_label = {}
    for ph, k in microporous.items():
        label = names.get(ph, ph) if isinstance(ph, str) else int(ph)
        if isinstance(label, str):
            raise InputError(f"phase {ph!r} is not named in this network; give its label number")
        if not (k > 0 and np.isfinite(k)):
            raise InputError(f"microporous permeability of {ph!r} must be positive and finite (m^2), got {k!r}")
        k_of_label[int(label)] = float(k)
    phase = network.pores["phase"].to_numpy().astype(np.int64)
    k_pore = np.array([k_of_label.get(int(p), 0.0) for p in phase])
    c = network.conns
    area = network.throats["cross_section_area"].to_numpy() if "cross_section_area" in network.throats \
        else np.pi * network.throats["inscribed_diameter"].to_numpy() ** 2 / 4
    lengths = np.stack([network.throats[n].to_numpy() for n in ("pore1_length", "throat_length", "pore2_length")])
    k1, k2 = k_pore[c[:, 0]], k_pore[c[:, 1]]
    out = resistance.copy()
    for seg, k in ((0, k1), (2, k2)):
        m = k > 0
        out[seg, m] = viscosity * lengths[seg, m] / (k[m] * area[m])
    either = (k1 > 0) | (k2 > 0)
    kt = np.where((k1 > 0) & (k2 > 0), 2 / (1 / np.where(k1 > 0, k1, 1) + 1 / np.where(k2 > 0, k2, 1)),
                  np.maximum(k1, k2))
    out[1, either] = viscosity * lengths[1, either] / (kt[either] * area[either])
    return out


def _resistances(network, model: str | None, viscosity: float) -> np.ndarray:
    """Flow resistance of each conduit segment (pore 1, throat, pore 2), Pa s / m^3."""
    model = model or network.conductance
    d, lengths, g = _segments(network, "inscribed_diameter" if model == "valvatne_blunt" else "diameter")
    if model in ("pyramids_and_cuboids", "cones_and_cylinders"):
        d1, dt, d2 = d
        l1, lt, l2 = lengths
        if model == "pyramids_and_cuboids":
            f1 = l1 * (d1 ** 2 + d1 * dt + dt ** 2) / (3 * d1 ** 3 * dt ** 3)
            f2 = l2 * (d2 ** 2 + d2 * dt + dt ** 2) / (3 * d2 ** 3 * dt ** 3)
            ft = lt / dt ** 4
            inertia = 1 / 6
        else:
            f1 = 16 * l1 * (d1 ** 2 + d1 * dt + dt ** 2) / (3 * np.pi ** 2 * d1 ** 3 * dt ** 3)
            f2 = 16 * l2 * (d2 ** 2 + d2 * dt + dt ** 2) / (3 * np.pi ** 2 * d2 ** 3 * dt ** 3)
            ft = lt / (np.pi * dt ** 2 / 4) ** 2
            inertia = 1 / (2 * np.pi)
        return 16 * np.pi ** 2 * inertia * np.stack([f1, ft, f2]) * viscosity
    if model == "valvatne_blunt":
        area = (d / 2) ** 2 / (4 * g)
        k = np.where(g <= _TRIANGLE_G, 0.6, np.where(g <= _SQUARE_G, 0.5623, 0.5))
        per_length = k * area ** 2 * np.minimum(g, 1 / (4 * np.pi)) / viscosity
        return lengths / per_length
    raise InputError(f"conductance model must be one of {', '.join(MODELS)}, got {model!r}")


def conduction_size_factor(network, model: str | None = None) -> np.ndarray:
    """Conduction size factor s (m) of every conduit: an electrical or diffusive conductance is sigma * s.

    Parameters
    ----------
    network : dca.network.Network
    model : str, optional
        One of :data:`MODELS`; default the network's own.

    Returns
    -------
    (n_throats,) float array, m

    Examples
    --------
    >>> import dca, flow
    >>> net = dca.network.extract(dca.samples.blobs(32, porosity=0.4, seed=2, voxel_size=1e-6))
    >>> s = flow.conduction_size_factor(net)
    >>> s.shape == (net.n_throats,), bool((s > 0).all())
    (True, True)
    """
    model = model or network.conductance
    d, lengths, g = _segments(network, "inscribed_diameter" if model == "valvatne_blunt" else "diameter")
    d1, dt, d2 = d
    l1, lt, l2 = lengths
    if model == "pyramids_and_cuboids":
        return _series(np.stack([l1 / (d1 * dt), lt / dt ** 2, l2 / (d2 * dt)]))
    if model == "cones_and_cylinders":
        return _series(np.stack([4 * l1 / (np.pi * d1 * dt), 4 * lt / (np.pi * dt ** 2), 4 * l2 / (np.pi * d2 * dt)]))
    if model == "valvatne_blunt":
        area = (d / 2) ** 2 / (4 * g)
        return _series(lengths / area)
    raise InputError(f"conductance model must be one of {', '.join(MODELS)}, got {model!r}")
