"""The Mesh: points in the image frame, one cell type, a tag per cell and per boundary facet."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from dca import InputError

__all__ = ["Mesh", "CELL_TYPES", "BOX_FACES"]

# cell type -> nodes per cell, and the facet type of its faces
CELL_TYPES = {"triangle": 3, "quad": 4, "tetra": 4, "tetra10": 10, "hexahedron": 8}
FACET_TYPES = {"tetra": "triangle", "tetra10": "triangle", "hexahedron": "quad"}
# tetra10: corners 0-3, then the midside nodes of edges 01, 12, 20, 03, 13, 23 (VTK and Abaqus C3D10)
TETRA10_EDGES = ((0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3))
# box faces, named as FEM and CFD users name them: physical axis and side
BOX_FACES = ("xmin", "xmax", "ymin", "ymax", "zmin", "zmax")


@dataclass(frozen=True, eq=False)
class Mesh:
    """A surface or volume mesh of a label image, in the image's frame.

    Parameters
    ----------
    points : (n, 3) float array, metres
        Node coordinates as (x, y, z), x being the image's last array axis, so the mesh
        overlays its volume in ParaView.
    cells : (m, k) int array
        Node indices of each cell, in VTK order (outward normals for triangles,
        positive volume for tetrahedra and hexahedra).
    cell_type : {"triangle", "tetra", "hexahedron"}
    cell_tags : (m,) int array
        For a volume mesh, the region (phase) of each cell; for a surface, its patch.
    cell_names : mapping of str to int
        Name of each tag in ``cell_tags`` (phase names; for surfaces, patch names such as
        ``"wall"``, ``"xmin"`` or ``"pore|solid"``).
    facets, facet_tags, facet_names
        Volume meshes only: the boundary and interface faces (triangles of tetrahedra,
        quads of hexahedra), each facing out of its ``facet_cell``, with a tag named by box
        face (``"xmin"`` ... ``"zmax"``) or by the pair of phases it separates (``"pore|solid"``).
    facet_cell, facet_side : (f,) int arrays
        The cell each facet belongs to and which of its faces it is (0-based, in Abaqus'
        face order S1..S6), for pressure loads and surfaces in FEM decks.
    attrs : mapping
        What was done to build it (voxels changed to remove pinches, smoothing, ...).
    """

    points: np.ndarray
    cells: np.ndarray
    cell_type: str
    cell_tags: np.ndarray
    cell_names: Mapping[str, int]
    facets: np.ndarray | None = None
    facet_tags: np.ndarray | None = None
    facet_names: Mapping[str, int] = field(default_factory=dict)
    facet_cell: np.ndarray | None = None
    facet_side: np.ndarray | None = None
    attrs: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("points", np.ascontiguousarray(self.points, dtype=np.float64))
        put("cells", np.ascontiguousarray(self.cells))
        put("cell_tags", np.ascontiguousarray(self.cell_tags, dtype=np.int32))
        if self.cell_type not in CELL_TYPES:
            raise InputError(f"unknown cell type {self.cell_type!r}")
        if self.cells.ndim != 2 or self.cells.shape[1] != CELL_TYPES[self.cell_type]:
            raise InputError(f"{self.cell_type} cells need {CELL_TYPES[self.cell_type]} nodes each, "
                             f"got an array of shape {self.cells.shape}")
        put("cell_names", MappingProxyType(dict(self.cell_names)))
        put("facet_names", MappingProxyType(dict(self.facet_names)))
        put("attrs", MappingProxyType(dict(self.attrs)))

    # ------------------------------------------------------------------ properties
    @property
    def is_surface(self) -> bool:
        return self.cell_type in ("triangle", "quad")

    @property
    def facet_type(self) -> str | None:
        return FACET_TYPES.get(self.cell_type)

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_cells(self) -> int:
        return len(self.cells)

    def cell_volumes(self) -> np.ndarray:
        """Volume of each cell (m^3); for a surface, the area of each triangle (m^2)."""
        p = self.points[self.cells[:, :4] if self.cell_type == "tetra10" else self.cells]
        if self.cell_type == "triangle":
            return 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
        if self.cell_type in ("tetra", "tetra10"):
            return np.einsum("ij,ij->i", p[:, 1] - p[:, 0], np.cross(p[:, 2] - p[:, 0], p[:, 3] - p[:, 0])) / 6
        if self.cell_type == "hexahedron":  # five tetrahedra per brick, exact for parallelepipeds
            total = np.zeros(len(p))
            for a, b, c, d in ((0, 1, 3, 4), (1, 2, 3, 6), (1, 4, 5, 6), (3, 6, 7, 4), (1, 3, 4, 6)):
                total += np.einsum("ij,ij->i", p[:, b] - p[:, a], np.cross(p[:, c] - p[:, a], p[:, d] - p[:, a])) / 6
            return total
        raise InputError(f"no volume for {self.cell_type} cells")

    def region_volumes(self) -> dict[str, float]:
        """Total cell volume (m^3; m^2 for a surface) per named tag."""
        sizes = np.bincount(self.cell_tags, weights=self.cell_volumes(),
                            minlength=max(self.cell_names.values(), default=0) + 1)
        return {name: float(sizes[tag]) for name, tag in self.cell_names.items()}

    def enclosed_volume(self) -> float:
        """Volume enclosed by a closed, outward-oriented triangle surface (divergence theorem), m^3."""
        if self.cell_type != "triangle":
            raise InputError("enclosed_volume is for closed triangle surfaces; use region_volumes for volume meshes")
        p = self.points[self.cells]
        return float(np.einsum("ij,ij->i", p[:, 0], np.cross(p[:, 1], p[:, 2])).sum() / 6)

    def counts(self) -> dict:
        """Numbers a user checks first: nodes, cells, facets, and cells or facets per tag."""
        out = {"points": self.n_points, "cells": self.n_cells, "cell_type": self.cell_type,
               "cells_per_tag": {name: int(np.count_nonzero(self.cell_tags == tag))
                                 for name, tag in self.cell_names.items()}}
        if self.facets is not None:
            out["facets"] = len(self.facets)
            out["facets_per_tag"] = {name: int(np.count_nonzero(self.facet_tags == tag))
                                     for name, tag in self.facet_names.items()}
        return out

    def select(self, names) -> Mesh:
        """The cells (surface patches) with the given tag names, nodes renumbered."""
        names = [names] if isinstance(names, str) else list(names)
        unknown = [n for n in names if n not in self.cell_names]
        if unknown:
            raise InputError(f"no tag named {unknown}; this mesh has {sorted(self.cell_names)}")
        kept = self.keep_cells(np.isin(self.cell_tags, [self.cell_names[n] for n in names]))
        return dataclasses.replace(kept, cell_names={n: self.cell_names[n] for n in names})

    def keep_cells(self, keep) -> Mesh:
        """The mesh restricted to the cells where ``keep`` is True, with their facets; nodes renumbered."""
        keep = np.asarray(keep, bool)
        used, cells = np.unique(self.cells[keep], return_inverse=True)
        new_node = np.full(self.n_points, -1, np.int64)
        new_node[used] = np.arange(len(used))
        facets = facet_tags = facet_cell = facet_side = None
        if self.facets is not None:
            new_cell = np.cumsum(keep) - 1
            fk = keep[self.facet_cell]
            facets, facet_tags = new_node[self.facets[fk]], self.facet_tags[fk]
            facet_cell, facet_side = new_cell[self.facet_cell[fk]], self.facet_side[fk]
        attrs = dict(self.attrs)
        if "constraints" in attrs:  # hanging-node ties (octree_hex_mesh): renumbered, kept where all nodes are
            attrs["constraints"] = {int(new_node[d]): {int(new_node[m]): w for m, w in terms.items()}
                                    for d, terms in attrs["constraints"].items()
                                    if new_node[d] >= 0 and all(new_node[m] >= 0 for m in terms)}
        return Mesh(self.points[used], cells.reshape(-1, self.cells.shape[1]), self.cell_type, self.cell_tags[keep],
                    self.cell_names, facets, facet_tags, self.facet_names, facet_cell, facet_side, attrs)

    def quadratic(self) -> Mesh:
        """The same tetrahedra with a node at the middle of every edge (10-node, C3D10), which
        bend where linear tetrahedra lock; facets keep their corner nodes and sides."""
        if self.cell_type != "tetra":
            raise InputError(f"quadratic() is for linear tetrahedra, not {self.cell_type} cells")
        pairs = np.sort(np.stack([self.cells[:, [i, j]] for i, j in TETRA10_EDGES], axis=1), axis=2)
        key = pairs[..., 0].astype(np.int64) * self.n_points + pairs[..., 1]
        edges, index = np.unique(key.ravel(), return_inverse=True)
        a, b = np.divmod(edges, self.n_points)
        points = np.concatenate([self.points, (self.points[a] + self.points[b]) / 2])
        cells = np.concatenate([self.cells, self.n_points + index.reshape(-1, 6)], axis=1)
        return dataclasses.replace(self, points=points, cells=cells, cell_type="tetra10")

    def pieces(self) -> np.ndarray:
        """The node-connected piece (0, 1, ...) of every cell."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n, k = self.cells.shape
        incidence = coo_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), self.cells.ravel())),
                               shape=(n, self.n_points)).tocsr()
        return connected_components(incidence @ incidence.T, directed=False)[1]

    def _pieces_on(self, faces) -> tuple[np.ndarray, list[set]]:
        piece = self.pieces()
        on = [set(piece[self.facet_cell[self.facet_tags == self.facet_names[f]]]) if f in self.facet_names else set()
              for f in faces]
        return piece, on

    def spanning(self, axis: str) -> np.ndarray:
        """Cells in a node-connected piece that reaches both box faces normal to ``axis``
        (the cells that carry flow or load along it)."""
        piece, (low, high) = self._pieces_on((f"{axis}min", f"{axis}max"))
        return np.isin(piece, list(low & high))

    def floating(self) -> np.ndarray:
        """Cells in a piece that touches no box face: nothing a boundary condition holds, so a
        static FE solve of the whole mesh is singular there (CalculiX solves on silently)."""
        if self.facets is None:
            return np.zeros(self.n_cells, bool)
        piece, on = self._pieces_on(BOX_FACES)
        return ~np.isin(piece, list(set().union(*on)))

    # ------------------------------------------------------------------ conversions and output
    def quality(self, **thresholds):
        """Element quality table and flags; see :func:`meshing.quality`."""
        from ._quality import quality

        return quality(self, **thresholds)

    @property
    def length_unit(self) -> str:
        """Unit of ``points``: "m" unless the mesh was :meth:`scaled` for an export."""
        return str(self.attrs.get("length_unit", "m"))

    def scaled(self, unit: str) -> Mesh:
        """The same mesh with its points in ``unit`` ("m", "mm" or "um"); what exporters write."""
        from .export._registry import unit_scale

        scale = unit_scale(unit)
        if unit == self.length_unit:
            return self
        factor = scale / unit_scale(self.length_unit)
        return dataclasses.replace(self, points=self.points * factor, attrs={**self.attrs, "length_unit": unit})

    def to_meshio(self, *, facets: bool = True):
        """A meshio.Mesh with the cell tags (and facets with their tags) as cell data ``tag``."""
        import meshio

        blocks = [(self.cell_type, self.cells)]
        tags = [self.cell_tags]
        if facets and self.facets is not None and len(self.facets):
            blocks.append((self.facet_type, self.facets))
            tags.append(self.facet_tags)
        return meshio.Mesh(self.points, blocks, cell_data={"tag": tags})

    def to_pyvista(self):
        """A pyvista mesh (PolyData for a surface, UnstructuredGrid otherwise) with a ``tag`` array."""
        import pyvista as pv

        if self.cell_type == "triangle":
            faces = np.hstack([np.full((self.n_cells, 1), 3), self.cells]).ravel()
            mesh = pv.PolyData(self.points, faces)
        else:
            vtk_type = {"tetra": pv.CellType.TETRA, "tetra10": pv.CellType.QUADRATIC_TETRA,
                        "hexahedron": pv.CellType.HEXAHEDRON}[self.cell_type]
            mesh = pv.UnstructuredGrid({vtk_type: self.cells}, self.points)
        mesh.cell_data["tag"] = self.cell_tags
        return mesh

    def plot(self, *, interactive: bool | None = None, backend: str = "html"):
        """The mesh in 3-D: its outer surface coloured by region (volume mesh) or patch
        (surface), with the edges where the mesh is small enough to see them, axes in units.
        Interactive in a Jupyter kernel (pyvista's trame backend), a static figure elsewhere;
        see :func:`dca.util.show_scene`."""
        from dca.util import show_scene

        from .export._registry import unit_scale

        points = self.points / unit_scale(self.length_unit)
        return show_scene(self._draw, box=(points.min(axis=0), points.max(axis=0)), interactive=interactive,
                          backend=backend)

    def _draw(self, plotter, scale: float, unit: str) -> None:
        from dca.util import legend

        from .export._registry import unit_scale

        grid = self.to_pyvista()
        grid.points = grid.points * (scale / unit_scale(self.length_unit))
        if not self.is_surface:
            grid = grid.extract_surface(algorithm="dataset_surface")
        names = {tag: name for name, tag in self.cell_names.items()}
        title = "patch" if self.is_surface else "region"
        if plotter.notebook:  # the browser's vtk.js draws no annotations: the names go in the title
            title += ": " + ", ".join(f"{tag} {name}" for tag, name in sorted(names.items()))
        plotter.add_mesh(grid, scalars="tag", cmap="tab10", show_edges=self.n_cells < 200_000, categories=True,
                         annotations={float(t): n for t, n in names.items()},
                         scalar_bar_args=legend(title, n_labels=0))

    def write(self, path, *, format: str | None = None, **options):
        """Write to ``path`` (format from the extension, or ``format``); see :func:`meshing.write`."""
        from .export import write

        return write(self, path, format=format, **options)

    def __repr__(self) -> str:
        tags = ", ".join(f"{n}: {c}" for n, c in self.counts()["cells_per_tag"].items())
        extra = f", {len(self.facets)} facets" if self.facets is not None else ""
        return f"<Mesh {self.n_cells} {self.cell_type} ({tags}), {self.n_points} points{extra}>"
