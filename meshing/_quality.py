"""Element quality of volume meshes: dihedral angles, radius ratio, scaled Jacobian, aspect ratio.

Definitions follow the Verdict library (VTK's vtkMeshQuality), each normalised to 1 for the
regular tetrahedron or the cube.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dca import InputError

__all__ = ["quality", "Quality", "DEFAULT_THRESHOLDS"]

# what FEM users check (../shared/notes/meshing.md): slivers below 10 degrees, caps above 165
DEFAULT_THRESHOLDS = {"min_dihedral_deg": 10.0, "max_dihedral_deg": 165.0, "max_radius_ratio": 3.0,
                      "min_scaled_jacobian": 0.2, "max_aspect_ratio": 5.0}
_CHUNK = 500_000  # elements per block: bounded temporaries on meshes of tens of millions
_TET_EDGES = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2), (1, 2, 0, 3), (1, 3, 0, 2), (2, 3, 0, 1))
# each hex corner with its three edge neighbours, ordered so that a positive brick has det > 0
_HEX_CORNER_EDGES = ((0, 1, 3, 4), (1, 2, 0, 5), (2, 3, 1, 6), (3, 0, 2, 7),
                     (4, 7, 5, 0), (5, 4, 6, 1), (6, 5, 7, 2), (7, 6, 4, 3))


def _unit(v):
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-300)


def _dihedral_tet(p):
    """(m, 6) dihedral angles in degrees, one per edge."""
    out = []
    for i, j, k, m in _TET_EDGES:
        u = _unit(p[:, j] - p[:, i])
        a = p[:, k] - p[:, i]
        b = p[:, m] - p[:, i]
        a = _unit(a - np.einsum("ij,ij->i", a, u)[:, None] * u)
        b = _unit(b - np.einsum("ij,ij->i", b, u)[:, None] * u)
        out.append(np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1, 1))))
    return np.stack(out, axis=1)


def _tet_metrics(p):
    e = [p[:, j] - p[:, i] for i, j, _, _ in _TET_EDGES]
    lengths = np.stack([np.linalg.norm(x, axis=1) for x in e], axis=1)
    vol = np.einsum("ij,ij->i", p[:, 1] - p[:, 0], np.cross(p[:, 2] - p[:, 0], p[:, 3] - p[:, 0])) / 6
    faces = ((0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3))
    area = sum(0.5 * np.linalg.norm(np.cross(p[:, b] - p[:, a], p[:, c] - p[:, a]), axis=1) for a, b, c in faces)
    inradius = 3 * np.abs(vol) / area
    # circumradius: |a^2 (b x c) + b^2 (c x a) + c^2 (a x b)| / (12 V)
    a, b, c = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0], p[:, 3] - p[:, 0]
    num = (np.einsum("ij,ij->i", a, a)[:, None] * np.cross(b, c) + np.einsum("ij,ij->i", b, b)[:, None] * np.cross(c, a)
           + np.einsum("ij,ij->i", c, c)[:, None] * np.cross(a, b))
    circumradius = np.linalg.norm(num, axis=1) / (12 * np.abs(vol))
    jac = []
    for corner, (x, y, z) in enumerate(((1, 2, 3), (2, 0, 3), (0, 1, 3), (1, 0, 2))):
        l1, l2, l3 = p[:, x] - p[:, corner], p[:, y] - p[:, corner], p[:, z] - p[:, corner]
        det = np.einsum("ij,ij->i", l1, np.cross(l2, l3))
        jac.append(np.sqrt(2) * det / (np.linalg.norm(l1, axis=1) * np.linalg.norm(l2, axis=1)
                                       * np.linalg.norm(l3, axis=1)))
    dihedral = _dihedral_tet(p)
    return {"min_dihedral_deg": dihedral.min(axis=1), "max_dihedral_deg": dihedral.max(axis=1),
            "radius_ratio": circumradius / (3 * inradius),
            "scaled_jacobian": np.min(jac, axis=0),
            "aspect_ratio": lengths.max(axis=1) / (2 * np.sqrt(6) * inradius)}


def _hex_metrics(p):
    jac, dihedral = [], []
    edges = []
    for c, x, y, z in _HEX_CORNER_EDGES:
        l1, l2, l3 = _unit(p[:, x] - p[:, c]), _unit(p[:, y] - p[:, c]), _unit(p[:, z] - p[:, c])
        jac.append(np.einsum("ij,ij->i", l1, np.cross(l2, l3)))
        for u, a, b in ((l1, l2, l3), (l2, l3, l1), (l3, l1, l2)):  # angle between the two faces at edge u
            pa = _unit(a - np.einsum("ij,ij->i", a, u)[:, None] * u)
            pb = _unit(b - np.einsum("ij,ij->i", b, u)[:, None] * u)
            dihedral.append(np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", pa, pb), -1, 1))))
        edges += [np.linalg.norm(p[:, x] - p[:, c], axis=1)]
    edges = np.stack(edges, axis=1)
    dihedral = np.stack(dihedral, axis=1)
    return {"min_dihedral_deg": dihedral.min(axis=1), "max_dihedral_deg": dihedral.max(axis=1),
            "radius_ratio": None, "scaled_jacobian": np.min(jac, axis=0),
            "aspect_ratio": edges.max(axis=1) / edges.min(axis=1)}


@dataclass
class Quality:
    """Per-element quality figures of a volume mesh, their summary, and the elements below thresholds."""

    cell_type: str
    metrics: dict
    thresholds: dict
    flagged: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no element is beyond any threshold."""
        return not any(self.flagged.values())

    def table(self) -> dict:
        """{metric: {min, p01, median, p99, max, mean}} plus the flagged counts."""
        out = {}
        for name, values in self.metrics.items():
            if values is None:
                continue
            q = np.percentile(values, [0, 1, 50, 99, 100])
            out[name] = {"min": float(q[0]), "p01": float(q[1]), "median": float(q[2]), "p99": float(q[3]),
                         "max": float(q[4]), "mean": float(values.mean())}
        return out

    def to_dict(self) -> dict:
        return {"cell_type": self.cell_type, "table": self.table(), "thresholds": dict(self.thresholds),
                "flagged": dict(self.flagged), "ok": self.ok}

    def histograms(self, bins: int = 30) -> dict:
        """{metric: (counts, edges)} for plotting or a report."""
        return {name: np.histogram(v, bins=bins) for name, v in self.metrics.items() if v is not None}

    def plot(self, bins: int = 30):
        """A matplotlib figure with one histogram per metric and the thresholds as lines."""
        import matplotlib.pyplot as plt

        shown = [(n, v) for n, v in self.metrics.items() if v is not None]
        columns = min(3, len(shown))  # readable in a report: at most three histograms a row
        rows = -(-len(shown) // columns)
        fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.6 * rows), layout="constrained",
                                 squeeze=False)
        for ax in axes.ravel()[len(shown):]:
            ax.set_visible(False)
        axes = axes.ravel()
        limits = {"min_dihedral_deg": "min_dihedral_deg", "max_dihedral_deg": "max_dihedral_deg",
                  "radius_ratio": "max_radius_ratio", "scaled_jacobian": "min_scaled_jacobian",
                  "aspect_ratio": "max_aspect_ratio"}
        for ax, (name, values) in zip(np.atleast_1d(axes), shown):
            ax.hist(values, bins=bins, color="0.4")
            ax.axvline(self.thresholds[limits[name]], color="tab:red", lw=1)
            ax.set_xlabel(name.replace("_", " "))
            ax.set_yscale("log")
        for ax in axes[::columns]:
            ax.set_ylabel(f"{self.cell_type} elements")
        return fig

    def __repr__(self) -> str:
        rows = [f"{n:>18s}  min {t['min']:.4g}  median {t['median']:.4g}  max {t['max']:.4g}"
                for n, t in self.table().items()]
        flags = ", ".join(f"{k}: {v}" for k, v in self.flagged.items() if v) or "none"
        return "\n".join([f"<Quality of {self.cell_type} mesh; flagged: {flags}>"] + rows)


def quality(mesh, **thresholds) -> Quality:
    """Quality of every element of a tetrahedral or hexahedral mesh.

    Thresholds (keywords, defaults in ``DEFAULT_THRESHOLDS``): ``min_dihedral_deg``,
    ``max_dihedral_deg``, ``max_radius_ratio``, ``min_scaled_jacobian``, ``max_aspect_ratio``.
    ``Quality.flagged`` counts the elements beyond each; ``Quality.ok`` is False if any.

    Examples
    --------
    >>> import numpy as np, dca, meshing
    >>> q = meshing.tet_mesh(dca.Volume(np.ones((2, 2, 2), bool), voxel_size=1.0)).quality()
    >>> round(q.table()["min_dihedral_deg"]["min"], 3), round(q.table()["max_dihedral_deg"]["max"], 3)
    (45.0, 90.0)
    """
    unknown = set(thresholds) - set(DEFAULT_THRESHOLDS)
    if unknown:
        raise InputError(f"unknown quality thresholds {sorted(unknown)}; use {sorted(DEFAULT_THRESHOLDS)}")
    limits = DEFAULT_THRESHOLDS | thresholds
    if mesh.cell_type not in ("tetra", "tetra10", "hexahedron"):
        raise InputError(f"quality is for volume meshes (tetra, hexahedron), not {mesh.cell_type}")
    compute = _hex_metrics if mesh.cell_type == "hexahedron" else _tet_metrics
    cells = mesh.cells[:, :4] if mesh.cell_type == "tetra10" else mesh.cells  # straight edges: the corners
    chunks = [compute(mesh.points[cells[i:i + _CHUNK]]) for i in range(0, mesh.n_cells, _CHUNK)]
    metrics = {k: None if chunks[0][k] is None else np.concatenate([c[k] for c in chunks]).astype(np.float32)
               for k in chunks[0]}
    return Quality(mesh.cell_type, metrics, limits, flag_counts(metrics, limits))


def flag_counts(metrics: dict, limits: dict) -> dict:
    """How many elements of ``metrics`` (``_tet_metrics`` / ``_hex_metrics``) lie beyond each limit."""
    flagged = {"min_dihedral_deg": int(np.count_nonzero(metrics["min_dihedral_deg"] < limits["min_dihedral_deg"])),
               "max_dihedral_deg": int(np.count_nonzero(metrics["max_dihedral_deg"] > limits["max_dihedral_deg"])),
               "scaled_jacobian": int(np.count_nonzero(metrics["scaled_jacobian"] < limits["min_scaled_jacobian"])),
               "aspect_ratio": int(np.count_nonzero(metrics["aspect_ratio"] > limits["max_aspect_ratio"]))}
    if metrics["radius_ratio"] is not None:
        flagged["radius_ratio"] = int(np.count_nonzero(metrics["radius_ratio"] > limits["max_radius_ratio"]))
    return flagged
