"""The pore network: pore and throat tables in SI units, the domain box, provenance.

Frame: pore and throat coordinates are in metres in the image frame, columns ``x, y, z``
with x along the image's last axis, so a network drawn over its image in ParaView sits on
it. The domain box is the sample's, not a hull of the pores: permeability uses its length
and cross-section.

Boundary pores: pores whose ``boundary`` column names a face (``xmin`` ... ``zmax``) lie on
that face with zero volume; flow enters and leaves the network through them. Internal pores
have ``boundary == ""``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._errors import InputError
from .._provenance import Step
from ..util import short_repr

__all__ = ["Network", "Health", "FACES", "face_axis"]

FACES = ("xmin", "xmax", "ymin", "ymax", "zmin", "zmax")
PORE_COLUMNS = ("x", "y", "z", "volume", "inscribed_diameter", "equivalent_diameter", "surface_area",
                "shape_factor", "boundary")
THROAT_COLUMNS = ("pore1", "pore2", "inscribed_diameter", "cross_section_area", "perimeter", "shape_factor",
                  "pore1_length", "throat_length", "pore2_length", "total_length")
UNITS = {"x": "m", "y": "m", "z": "m", "volume": "m^3", "inscribed_diameter": "m", "equivalent_diameter": "m",
         "extended_diameter": "m", "surface_area": "m^2", "shape_factor": "1", "cross_section_area": "m^2",
         "perimeter": "m", "pore1_length": "m", "throat_length": "m", "pore2_length": "m",
         "total_length": "m", "clay_volume": "m^3"}


def face_axis(axis) -> tuple[str, str, int]:
    """('xmin', 'xmax', column index in the box) for 'x', 'y' or 'z'."""
    name = str(axis).lower()
    if name not in ("x", "y", "z"):
        raise InputError(f"axis must be 'x', 'y' or 'z', got {axis!r}")
    return f"{name}min", f"{name}max", "xyz".index(name)


@dataclass(frozen=True)
class Health:
    """What a flow solve along ``axis`` can use: pores connected to both faces, and the rest."""

    __repr__ = short_repr

    axis: str
    spanning: np.ndarray  # bool per pore
    n_clusters: int
    isolated_pores: int  # pores with no throat
    disconnected_pores: int  # pores with throats, in clusters that miss a face

    @property
    def percolates(self) -> bool:
        return bool(self.spanning.any())

    def to_dict(self) -> dict:
        return {"axis": self.axis, "percolates": self.percolates, "spanning_pores": int(self.spanning.sum()),
                "clusters": self.n_clusters, "isolated_pores": self.isolated_pores,
                "disconnected_pores": self.disconnected_pores}


@dataclass(frozen=True, eq=False)
class Network:
    """A pore network.

    Parameters
    ----------
    pores, throats
        pandas DataFrames (SI units; see ``UNITS``). Throats name their pores by row index
        (``pore1``, ``pore2``).
    box
        ((x0, y0, z0), (x1, y1, z1)): the sample's bounds in metres.
    voxel_size
        (dz, dy, dx) of the image it came from, or None for a network read from a file.
    conductance
        The conduit model the authors intended (``"pyramids_and_cuboids"`` for image-based
        networks, ``"valvatne_blunt"`` for Statoil networks); ``flow`` uses it by default.
    """

    pores: Any
    throats: Any
    box: tuple[tuple[float, float, float], tuple[float, float, float]]
    voxel_size: tuple[float, float, float] | None = None
    conductance: str = "pyramids_and_cuboids"
    provenance: tuple[Step, ...] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        pores = pd.DataFrame(self.pores).reset_index(drop=True)
        throats = pd.DataFrame(self.throats).reset_index(drop=True)
        for name in ("x", "y", "z", "volume", "inscribed_diameter", "boundary"):
            if name not in pores:
                raise InputError(f"the pore table has no {name!r} column")
        for name in ("pore1", "pore2", "inscribed_diameter"):
            if name not in throats:
                raise InputError(f"the throat table has no {name!r} column")
        throats["pore1"] = throats["pore1"].astype(np.int64)
        throats["pore2"] = throats["pore2"].astype(np.int64)
        conns = throats[["pore1", "pore2"]].to_numpy()
        if conns.size and (conns.min() < 0 or conns.max() >= len(pores)):
            raise InputError(f"throats name pores outside 0..{len(pores) - 1}")
        box = np.asarray(self.box, dtype=float)
        if box.shape != (2, 3) or not np.all(box[1] > box[0]):
            raise InputError(f"box must be ((x0, y0, z0), (x1, y1, z1)) with x1 > x0 ..., got {self.box!r}")
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("pores", pores)
        put("throats", throats)
        put("box", (tuple(float(v) for v in box[0]), tuple(float(v) for v in box[1])))
        put("provenance", tuple(self.provenance))
        put("attrs", MappingProxyType(dict(self.attrs)))

    # ----------------------------------------------------------------- sizes
    @property
    def n_pores(self) -> int:
        return len(self.pores)

    @property
    def n_throats(self) -> int:
        return len(self.throats)

    @property
    def conns(self) -> np.ndarray:
        """(n_throats, 2) pore indices."""
        return self.throats[["pore1", "pore2"]].to_numpy()

    @property
    def coords(self) -> np.ndarray:
        """(n_pores, 3) pore centres (x, y, z), metres."""
        return self.pores[["x", "y", "z"]].to_numpy(dtype=float)

    @property
    def internal(self) -> np.ndarray:
        """True for pores that are not boundary pores."""
        return (self.pores["boundary"] == "").to_numpy()

    def boundary_pores(self, face: str) -> np.ndarray:
        """Indices of the boundary pores on ``face`` ('xmin' ... 'zmax')."""
        if face not in FACES:
            raise InputError(f"face must be one of {', '.join(FACES)}, got {face!r}")
        return np.flatnonzero((self.pores["boundary"] == face).to_numpy())

    def length(self, axis) -> float:
        """Length of the domain along ``axis``, metres."""
        a = face_axis(axis)[2]
        return self.box[1][a] - self.box[0][a]

    def cross_section(self, axis) -> float:
        """Area of the domain normal to ``axis``, m^2."""
        a = face_axis(axis)[2]
        extent = np.subtract(self.box[1], self.box[0])
        return float(np.prod(np.delete(extent, a)))

    @property
    def bulk_volume(self) -> float:
        return float(np.prod(np.subtract(self.box[1], self.box[0])))

    @property
    def porosity(self) -> float:
        """Pore (and throat, where tabulated) volume over the box volume."""
        volume = self.pores["volume"].sum() + (self.throats["volume"].sum() if "volume" in self.throats else 0.0)
        return float(volume / self.bulk_volume)

    @property
    def coordination(self) -> np.ndarray:
        """Number of throats of each pore."""
        return np.bincount(self.conns.ravel(), minlength=self.n_pores)

    # ----------------------------------------------------------------- health
    def health(self, axis="x") -> Health:
        """Clusters of the network and which pores connect the two faces normal to ``axis``."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        low, high, _ = face_axis(axis)
        conns = self.conns
        graph = coo_matrix((np.ones(len(conns)), (conns[:, 0], conns[:, 1])), shape=(self.n_pores,) * 2)
        n, labels = connected_components(graph, directed=False)
        inlet = np.zeros(n, bool)
        outlet = np.zeros(n, bool)
        inlet[labels[self.boundary_pores(low)]] = True
        outlet[labels[self.boundary_pores(high)]] = True
        spanning = (inlet & outlet)[labels]
        lonely = self.coordination == 0
        return Health(axis=str(axis), spanning=spanning, n_clusters=int(n), isolated_pores=int(lonely.sum()),
                      disconnected_pores=int((~spanning & ~lonely).sum()))

    def trim(self, keep) -> Network:
        """A network of the pores where ``keep`` is True (and the throats between them)."""
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != (self.n_pores,):
            raise InputError(f"keep needs one value per pore ({self.n_pores}), got shape {keep.shape}")
        new_index = np.cumsum(keep) - 1
        conns = self.conns
        t_keep = keep[conns[:, 0]] & keep[conns[:, 1]]
        throats = self.throats[t_keep].copy()
        throats["pore1"] = new_index[conns[t_keep, 0]]
        throats["pore2"] = new_index[conns[t_keep, 1]]
        return self.with_tables(self.pores[keep], throats, step="trim", kept_pores=int(keep.sum()),
                                removed_pores=int((~keep).sum()))

    def trim_to_spanning(self, axis="x") -> Network:
        """Only the pores connected to both faces normal to ``axis``."""
        health = self.health(axis)
        if not health.percolates:
            from .._errors import NotPercolatingError

            raise NotPercolatingError(f"no cluster of the network connects {face_axis(axis)[0]} to "
                                      f"{face_axis(axis)[1]}")
        return self.trim(health.spanning)

    def with_face_pores(self, axis, *, depth: float | None = None) -> Network:
        """Boundary pores on the two faces normal to ``axis`` for a network that has none
        there (a Statoil network along y or z): each internal pore whose centre lies within
        ``depth`` of a face (default: the median centre-to-centre throat length) is joined
        to a new boundary pore at its projection on the face, by a conduit of the pore's
        diameter and shape factor whose length is the distance to the face."""
        low, high, a = face_axis(axis)
        if len(self.boundary_pores(low)) and len(self.boundary_pores(high)):
            return self
        internal = np.flatnonzero(self.internal)
        xyz = self.coords
        if depth is None:
            internal_t = self.internal[self.conns].all(axis=1)
            d = np.linalg.norm(xyz[self.conns[internal_t, 0]] - xyz[self.conns[internal_t, 1]], axis=1)
            depth = float(np.median(d)) if d.size else self.length(axis) / 10
        new_pores, new_throats = [self.pores], [self.throats]
        start = self.n_pores
        for face, plane in ((low, self.box[0][a]), (high, self.box[1][a])):
            if len(self.boundary_pores(face)):
                continue
            near = internal[np.abs(xyz[internal, a] - plane) <= depth]
            index = start + np.arange(len(near))
            start += len(near)
            pores = self.pores.iloc[near].copy()
            pores.index = index
            pores["xyz"[a]] = plane
            pores["volume"] = 0.0
            pores["boundary"] = face
            if "diameter" in pores:
                pores["diameter"] = pores["inscribed_diameter"]
            distance = np.abs(xyz[near, a] - plane)
            g = self.pores["shape_factor"].to_numpy()[near] if "shape_factor" in self.pores else 1 / (4 * np.pi)
            d = self.pores["inscribed_diameter"].to_numpy()[near]
            area = (d / 2) ** 2 / (4 * g)
            throats = pd.DataFrame({"pore1": near, "pore2": index, "inscribed_diameter": d, "shape_factor": g,
                                    "cross_section_area": area, "perimeter": np.sqrt(area / g),
                                    "pore1_length": distance, "throat_length": 0.0, "pore2_length": 0.0,
                                    "total_length": distance, "volume": 0.0})
            new_pores.append(pores)
            new_throats.append(throats)
        return self.with_tables(pd.concat(new_pores), pd.concat(new_throats, ignore_index=True),
                                step="with_face_pores", axis=str(axis), depth=depth)

    def with_tables(self, pores, throats, *, step: str, **params) -> Network:
        return replace(self, pores=pores, throats=throats, provenance=self.provenance + (Step(step, params),))

    # ----------------------------------------------------------------- output
    def summary(self) -> dict:
        internal = self.internal
        z = self.coordination[internal]
        return {"n_pores": int(internal.sum()), "n_boundary_pores": int((~internal).sum()),
                "n_throats": self.n_throats, "mean_coordination": float(z.mean()) if z.size else 0.0,
                "porosity": self.porosity, "box_m": [list(self.box[0]), list(self.box[1])],
                "conductance_model": self.conductance}

    def __repr__(self) -> str:
        s = self.summary()
        extent = " x ".join(f"{(b - a) * 1e3:.4g}" for a, b in zip(*self.box))
        return (f"<Network {s['n_pores']} pores (+{s['n_boundary_pores']} boundary), {s['n_throats']} throats, "
                f"mean coordination {s['mean_coordination']:.2f}, porosity {s['porosity']:.4f}, box {extent} mm "
                f"(x, y, z), conductance {self.conductance!r}>")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in self.summary().items())
        return f"<table><caption>Network</caption>{rows}</table>"

    def plot(self, *, interactive: bool | None = None, backend: str = "html"):
        """The network in 3-D: pores as balls sized and coloured by their inscribed diameter,
        throats as sticks, axes in units. Interactive in a Jupyter kernel (pyvista's trame
        backend), a static figure elsewhere; see :func:`dca.util.show_scene`."""
        from .._scene import show_scene

        return show_scene(self._draw, box=self.box, interactive=interactive, backend=backend)

    def _draw(self, plotter, scale: float, unit: str) -> None:
        import pyvista as pv

        from .._scene import legend

        points = self.pores[["x", "y", "z"]].to_numpy() * scale
        label = f"pore inscribed diameter ({unit})"
        balls = pv.PolyData(points)
        balls[label] = self.pores["inscribed_diameter"].to_numpy() * scale
        conns = self.conns
        sticks = pv.PolyData(points, lines=np.hstack([np.full((len(conns), 1), 2), conns]).ravel())
        plotter.add_mesh(sticks, color="gray", line_width=1)
        plotter.add_mesh(balls.glyph(scale=label, orient=False, geom=pv.Sphere(theta_resolution=8, phi_resolution=8)),
                         scalars=label, cmap="viridis", scalar_bar_args=legend(label, fmt="%.3g"))

    def plot_sizes(self):
        """Pore and throat inscribed diameters and coordination number, one figure."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 3.4), layout="constrained")
        axes = fig.subplots(1, 3)
        internal = self.internal
        axes[0].hist(self.pores["inscribed_diameter"][internal] * 1e6, bins=40, color="tab:blue")
        axes[0].set_xlabel("pore inscribed diameter (µm)")
        axes[1].hist(self.throats["inscribed_diameter"] * 1e6, bins=40, color="tab:orange")
        axes[1].set_xlabel("throat inscribed diameter (µm)")
        z = self.coordination[internal]
        axes[2].bar(*np.unique(z, return_counts=True), color="tab:green")
        axes[2].set_xlabel("coordination number")
        for ax in axes:
            ax.set_ylabel("count")
        fig.suptitle(repr(self).strip("<>"), fontsize=8)
        return fig

    def write(self, path: str) -> str:
        """Write by extension: ``.vtp`` (ParaView balls and sticks), ``.csv`` (two tables,
        ``*_pores.csv`` and ``*_throats.csv``), ``.parquet`` (likewise), ``.dat`` (Statoil
        format: ``PREFIX_node1.dat`` ... from ``PREFIX.dat``)."""
        from ._formats import write_network

        return write_network(self, path)


def with_derived(pores: pd.DataFrame, throats: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill the columns that follow from others: equivalent diameter, shape factors."""
    pores = pores.copy()
    throats = throats.copy()
    if "equivalent_diameter" not in pores:
        pores["equivalent_diameter"] = np.cbrt(6 * pores["volume"] / np.pi)
    if "shape_factor" not in throats and {"cross_section_area", "perimeter"} <= set(throats):
        with np.errstate(divide="ignore", invalid="ignore"):
            g = throats["cross_section_area"] / throats["perimeter"] ** 2
        throats["shape_factor"] = np.where(np.isfinite(g), np.minimum(g, 1 / (4 * np.pi)), 1 / (4 * np.pi))
    return pores, throats
