"""Minkowski functionals of a phase: volume, surface area, integral mean curvature, Euler number.

- M0, volume: voxel count times voxel volume (m^3);
- M1, surface area (m^2): Crofton estimator (see ``surface_area``);
- M2, integral of the mean curvature H = (k1 + k2) / 2 over the surface (m): on the smoothed
  marching-cubes mesh, 1/2 sum over edges of length x signed dihedral angle; 4 pi R for a
  ball, 3 pi a for a cube, i.e. 2 pi times the mean breadth of a convex body;
- M3, Euler characteristic (dimensionless): components - tunnels + cavities, with the phase
  26-connected and its complement 6-connected (or 6 and 26), by scikit-image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import InputError
from .._phase import field_of_view, phase_mask
from ..util import short_repr, takes_volume
from ._surface import phase_mesh, surface_area

__all__ = ["Minkowski", "minkowski", "euler_characteristic", "integral_mean_curvature"]


@dataclass(frozen=True)
class Minkowski:
    volume: float
    surface_area: float
    integral_mean_curvature: float
    euler_characteristic: int
    bulk_volume: float
    connectivity: int

    def densities(self) -> dict[str, float]:
        """Each functional per unit bulk volume (1, 1/m, 1/m^2, 1/m^3)."""
        b = self.bulk_volume
        return {"volume_fraction": self.volume / b, "surface_density": self.surface_area / b,
                "mean_curvature_density": self.integral_mean_curvature / b,
                "euler_density": self.euler_characteristic / b}

    __repr__ = short_repr


@takes_volume
def euler_characteristic(volume, *, phase=None, connectivity: int = 26) -> int:
    """Euler characteristic of ``phase``: components minus tunnels plus cavities.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    connectivity : {26, 6}
        The phase 26- (its complement 6-) or 6- (complement 26-) connected.

    Returns
    -------
    int

    Examples
    --------
    >>> import numpy as np, dca
    >>> g = np.mgrid[:28, :28, :28] - 13.7
    >>> ball = dca.Volume((g ** 2).sum(0) < 10 ** 2, voxel_size=1e-6)   # radius 10 um
    >>> dca.metrics.euler_characteristic(ball)
    1
    """
    from skimage.measure import euler_number

    if connectivity not in (6, 26):
        raise InputError(f"connectivity must be 6 or 26 (the complement takes the other), got {connectivity}")
    if volume.is_lazy:  # the 2x2x2 configurations counted slab by slab: the same number
        from ._slabs import lazy_euler_characteristic

        return lazy_euler_characteristic(volume, phase, connectivity)
    return int(euler_number(phase_mask(volume, phase), connectivity=3 if connectivity == 26 else 1))


@takes_volume
def integral_mean_curvature(volume, *, phase=None) -> float:
    """Integral of the mean curvature over the boundary of ``phase`` (m), outward normals positive.

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).

    Returns
    -------
    float, m
        4 pi R for a ball of radius R.

    Examples
    --------
    >>> import numpy as np, dca
    >>> g = np.mgrid[:28, :28, :28] - 13.7
    >>> ball = dca.Volume((g ** 2).sum(0) < 10 ** 2, voxel_size=1e-6)   # radius 10 um
    >>> round(dca.metrics.integral_mean_curvature(ball) / (4 * np.pi * 10e-6), 2)
    0.99
    """
    if volume.is_lazy:  # streamed in slabs, each with the halo its smoothing needs
        from ._slabs import lazy_mean_curvature

        return lazy_mean_curvature(volume, phase)
    verts, faces = phase_mesh(volume, phase=phase)
    return float(np.sum(edge_curvature(verts, faces)[0]))


def edge_curvature(verts: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """-1/2 length x signed dihedral angle of every interior edge of a marching-cubes mesh
    (their sum is the integral of the mean curvature), and the index of the edges' first vertex
    and second vertex as an (n, 2) array."""
    # every edge with its two faces; marching cubes orients faces consistently
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    owner = np.tile(np.arange(len(faces)), 3)
    key = np.sort(edges, axis=1)
    order = np.lexsort((key[:, 1], key[:, 0]))
    key, edges, owner = key[order], edges[order], owner[order]
    same = np.all(key[1:] == key[:-1], axis=1)
    first = np.flatnonzero(same)  # pairs (i, i+1) sharing an edge: interior edges
    tri = verts[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    n1, n2 = normals[owner[first]], normals[owner[first + 1]]
    e = verts[edges[first, 1]] - verts[edges[first, 0]]
    length = np.linalg.norm(e, axis=1)
    angle = np.arctan2(np.einsum("ij,ij->i", np.cross(n1, n2), e / length[:, None]), np.einsum("ij,ij->i", n1, n2))
    # skimage's faces point their normals into the phase (towards higher values): outward is -n,
    # and the edge direction taken from face 1 makes convex edges come out negative
    return -0.5 * length * angle, edges[first]


@takes_volume
def minkowski(volume, *, phase=None, connectivity: int = 26) -> Minkowski:
    """All four Minkowski functionals of ``phase``: volume, surface area, integral of mean
    curvature and Euler characteristic (the field-of-view mask respected for the first two and
    the bulk volume).

    Parameters
    ----------
    volume : Volume, or an array with ``voxel_size``
        Segmented: True / 1 / the phase named "pore" is the pore space.
    phase : name or label, optional
        The phase to measure (default the pore space).
    connectivity : {26, 6}
        For the Euler characteristic.

    Returns
    -------
    Minkowski
        ``volume`` (m^3), ``surface_area`` (m^2), ``integral_mean_curvature`` (m),
        ``euler_characteristic``, ``bulk_volume`` (m^3) and ``densities`` (per bulk volume).

    Examples
    --------
    >>> import numpy as np, dca
    >>> g = np.mgrid[:28, :28, :28] - 13.7
    >>> ball = dca.Volume((g ** 2).sum(0) < 10 ** 2, voxel_size=1e-6)   # radius 10 um
    >>> m = dca.metrics.minkowski(ball)
    >>> m.euler_characteristic, round(float(m.volume / (4 / 3 * np.pi * (10e-6) ** 3)), 2)
    (1, 1.0)
    """
    if volume.is_lazy:
        from ._slabs import lazy_bulk_volume, lazy_fraction

        bulk = lazy_bulk_volume(volume)
        occupied = lazy_fraction(volume, phase) * bulk
    else:
        selected = phase_mask(volume, phase)
        mask = field_of_view(volume)
        count = np.count_nonzero(selected if mask is None else selected & mask)
        bulk = (volume.size if mask is None else np.count_nonzero(mask)) * volume.voxel_volume
        occupied = count * volume.voxel_volume
    return Minkowski(volume=occupied, surface_area=surface_area(volume, phase=phase),
                     integral_mean_curvature=integral_mean_curvature(volume, phase=phase),
                     euler_characteristic=euler_characteristic(volume, phase=phase, connectivity=connectivity),
                     bulk_volume=bulk, connectivity=connectivity)
