"""XDMF + HDF5 for FEniCS/dolfinx: the cells with their region tags in one file, the facets
with their boundary tags in a second (dolfinx reads one cell type per file)."""

from __future__ import annotations

import os
from xml.sax.saxutils import escape

import numpy as np

from dca.io import atomic_paths

from ._registry import register_exporter

__all__ = ["write_xdmf", "XdmfStream"]

_TOPOLOGY = {"tetra": "Tetrahedron", "tetra10": "Tetrahedron_10", "hexahedron": "Hexahedron", "triangle": "Triangle",
             "quad": "Quadrilateral"}


def _xml(h5_name: str, cell_type: str, n_cells: int, n_nodes: int, n_points: int, names: dict, unit: str,
         geometry_h5: str | None = None) -> str:
    # tag names in the form meshio reads back as field_data ({name: [tag, dim]}), inside CDATA
    dim = 2 if cell_type in ("triangle", "quad") else 3
    entries = "".join(f'<map key="{escape(n, {chr(34): "&quot;"})}" dim="{dim}">{t}</map>' for n, t in names.items())
    info = (f'      <Information Name="tags" Value="length unit {unit}">'
            f'<![CDATA[<main>{entries}</main>]]></Information>\n')
    return f"""<?xml version="1.0"?>
<Xdmf Version="3.0" xmlns:xi="http://www.w3.org/2001/XInclude">
  <Domain>
    <Grid Name="Grid" GridType="Uniform">
{info}      <Topology TopologyType="{_TOPOLOGY[cell_type]}" NumberOfElements="{n_cells}" NodesPerElement="{n_nodes}">
        <DataItem Dimensions="{n_cells} {n_nodes}" NumberType="Int" Precision="8"
                  Format="HDF">{h5_name}:/Mesh/topology</DataItem>
      </Topology>
      <Geometry GeometryType="XYZ">
        <DataItem Dimensions="{n_points} 3" NumberType="Float" Precision="8"
                  Format="HDF">{geometry_h5 or h5_name}:/Mesh/geometry</DataItem>
      </Geometry>
      <Attribute Name="tags" AttributeType="Scalar" Center="Cell">
        <DataItem Dimensions="{n_cells}" NumberType="Int" Precision="4" Format="HDF">{h5_name}:/Mesh/tags</DataItem>
      </Attribute>
    </Grid>
  </Domain>
</Xdmf>
"""


def write_xdmf(mesh, path):
    """Write ``stem.xdmf`` + ``stem.h5`` (cells, attribute ``tags``) and, for a volume mesh,
    ``stem_facets.xdmf`` + ``stem_facets.h5`` (facets, attribute ``tags``). Tag numbers are the
    mesh's own (the same in .msh and .vtu); their names go into each XDMF file's
    ``Information`` element (which meshio reads as ``field_data``) and the HDF5 attributes. HDF5 files use the
    1.8-compatible format, which dolfinx reads."""
    import h5py

    path = os.fspath(path)
    stem = os.path.splitext(path)[0]
    parts = [(mesh.cells, mesh.cell_tags, mesh.cell_type, dict(mesh.cell_names), stem)]
    if mesh.facets is not None:
        parts.append((mesh.facets, mesh.facet_tags, mesh.facet_type, dict(mesh.facet_names), stem + "_facets"))
    targets = [p for *_, s in parts for p in (s + ".xdmf", s + ".h5")]
    with atomic_paths(*targets) as temps:
        for k, (cells, tags, cell_type, names, s) in enumerate(parts):
            xdmf_tmp, h5_tmp = temps[2 * k], temps[2 * k + 1]
            with h5py.File(h5_tmp, "w", libver=("earliest", "v114")) as f:
                g = f.create_group("Mesh")
                g.create_dataset("geometry", data=mesh.points)
                g.create_dataset("topology", data=cells.astype(np.int64))
                g.create_dataset("tags", data=tags.astype(np.int32))
                for name, tag in names.items():
                    g.attrs[f"tag:{name}"] = tag
                g.attrs["length_unit"] = mesh.length_unit
            with open(xdmf_tmp, "w") as f:
                f.write(_xml(os.path.basename(s + ".h5"), cell_type, len(cells), cells.shape[1], mesh.n_points,
                             names, mesh.length_unit))
    return targets


class XdmfStream:
    """A volume mesh written piece by piece: nodes, cells and facets appended to ``stem.h5``
    and ``stem_facets.h5`` (resizable datasets), the two XDMF files written by :meth:`close`.
    The facets' XDMF reads the nodes from ``stem.h5``. Paths are the temporaries of
    ``atomic_paths`` (``names``: the final ones, which the XDMF files refer to)."""

    def __init__(self, temps, finals, cell_type: str, facet_type: str):
        import h5py

        self.temps, self.finals, self.types = temps, finals, (cell_type, facet_type)
        nodes = {"tetra": 4, "tetra10": 10, "hexahedron": 8, "triangle": 3, "quad": 4}
        self.files = [h5py.File(temps[1], "w", libver=("earliest", "v114")),
                      h5py.File(temps[3], "w", libver=("earliest", "v114"))]
        g = self.files[0].create_group("Mesh")
        self.geometry = g.create_dataset("geometry", (0, 3), np.float64, maxshape=(None, 3), chunks=(65536, 3))
        self.parts = []
        for f, kind in zip(self.files, self.types):
            m = f["Mesh"] if "Mesh" in f else f.create_group("Mesh")
            k = nodes[kind]
            self.parts.append((m.create_dataset("topology", (0, k), np.int64, maxshape=(None, k),
                                                chunks=(max(4096, 262144 // k), k)),
                               m.create_dataset("tags", (0,), np.int32, maxshape=(None,), chunks=(262144,))))

    @staticmethod
    def _append(dataset, rows) -> None:
        n = dataset.shape[0]
        dataset.resize(n + len(rows), axis=0)
        dataset[n:] = rows

    @property
    def n_points(self) -> int:
        return self.geometry.shape[0]

    def add(self, points, cells, cell_tags, facets, facet_tags) -> None:
        """Append nodes, and cells and facets that number nodes in the whole file."""
        self._append(self.geometry, points)
        for (topology, tags), c, t in ((self.parts[0], cells, cell_tags), (self.parts[1], facets, facet_tags)):
            self._append(topology, c)
            self._append(tags, t)

    def close(self, cell_names: dict, facet_names: dict, unit: str) -> None:
        counts = [(p[0].shape[0], p[0].shape[1]) for p in self.parts]
        n_points = self.n_points
        for f, names in zip(self.files, (cell_names, facet_names)):
            for name, tag in names.items():
                f["Mesh"].attrs[f"tag:{name}"] = tag
            f["Mesh"].attrs["length_unit"] = unit
            f.close()
        h5 = [os.path.basename(self.finals[1]), os.path.basename(self.finals[3])]
        for k, (kind, names) in enumerate(zip(self.types, (cell_names, facet_names))):
            with open(self.temps[2 * k], "w") as fh:
                fh.write(_xml(h5[k], kind, *counts[k], n_points, names, unit, geometry_h5=h5[0]))

    def abort(self) -> None:
        for f in self.files:
            if f:
                f.close()


register_exporter("xdmf", extensions=(".xdmf",), writer=write_xdmf,
                  description="XDMF + HDF5, cells and facets with tags and names (FEniCS/dolfinx)")
