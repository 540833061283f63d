"""What the writers share: safe names for tags, boundary facets as triangles."""

from __future__ import annotations

import re

import numpy as np

from dca import InputError

__all__ = ["safe_name", "facet_triangles"]


def safe_name(name: str) -> str:
    """A tag name every solver accepts: letters, digits and underscores, starting with a letter
    (``pore|solid`` -> ``pore_solid``)."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return out if out[:1].isalpha() else f"t_{out}"


def facet_triangles(mesh) -> tuple[np.ndarray, np.ndarray, dict]:
    """Triangles and their tags: a surface's own, or a volume mesh's facets (quads split in two)."""
    if mesh.cell_type == "triangle":
        return mesh.cells, mesh.cell_tags, dict(mesh.cell_names)
    if mesh.facets is None:
        raise InputError("this mesh has no boundary facets")
    f, tags = mesh.facets, mesh.facet_tags
    if f.shape[1] == 4:
        f = np.concatenate([f[:, [0, 1, 2]], f[:, [0, 2, 3]]])
        tags = np.concatenate([tags, tags])
    return f, tags, dict(mesh.facet_names)
