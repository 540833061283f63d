"""STL: binary (one solid), or ASCII with one named solid per patch for snappyHexMesh and CAD."""

from __future__ import annotations

import numpy as np

from dca.io import atomic_path

from ._common import facet_triangles, safe_name
from ._registry import register_exporter

__all__ = ["write_stl"]


def write_stl(mesh, path, *, patches: bool = False, tags=None):
    """Write the triangles of a surface (or the boundary facets of a volume mesh).

    ``patches=True`` writes ASCII STL with one ``solid <tag name>`` per tag: snappyHexMesh
    turns each into a patch. ``tags`` keeps only the named tags.
    """
    tris, tri_tags, names = facet_triangles(mesh)
    if tags is not None:
        keep = np.isin(tri_tags, [names[t] for t in ([tags] if isinstance(tags, str) else tags)])
        tris, tri_tags = tris[keep], tri_tags[keep]
    p = mesh.points[tris]
    normals = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-300)
    with atomic_path(path) as tmp:
        if patches:
            with open(tmp, "w") as f:
                for name, tag in names.items():
                    sel = tri_tags == tag
                    if not sel.any():
                        continue
                    f.write(f"solid {safe_name(name)}\n")
                    rows = np.concatenate([normals[sel], p[sel].reshape(-1, 9)], axis=1)
                    for r in rows:
                        f.write(f" facet normal {r[0]:.9e} {r[1]:.9e} {r[2]:.9e}\n  outer loop\n"
                                f"   vertex {r[3]:.9e} {r[4]:.9e} {r[5]:.9e}\n"
                                f"   vertex {r[6]:.9e} {r[7]:.9e} {r[8]:.9e}\n"
                                f"   vertex {r[9]:.9e} {r[10]:.9e} {r[11]:.9e}\n  endloop\n endfacet\n")
                    f.write(f"endsolid {safe_name(name)}\n")
        else:
            record = np.dtype([("normal", "<f4", 3), ("vertices", "<f4", (3, 3)), ("attr", "<u2")])
            data = np.zeros(len(tris), record)
            data["normal"] = normals
            data["vertices"] = p
            with open(tmp, "wb") as f:
                f.write(f"dca binary STL, unit {mesh.length_unit}, image frame".encode().ljust(80, b" "))
                f.write(np.uint32(len(tris)).tobytes())
                f.write(data.tobytes())
    return [str(path)]


register_exporter("stl", extensions=(".stl",), writer=write_stl,
                  description="STL surface: binary, or ASCII with one named solid per patch (snappyHexMesh, CAD)")
