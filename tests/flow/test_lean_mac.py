"""The matrix-free MAC operator on compact cell storage equals the assembled one of ``_mac``
(viscous rows with every wall kind, gradient, divergence) for every boundary model, on the
whole image and on each of its slabs."""

import numpy as np
import pytest

from flow._lean_mac import Halo, apply_divergence, apply_gradient, apply_viscous, cells_of
from flow._mac import index_grids, momentum_rows


def _geometry(shape, seed):
    rng = np.random.default_rng(seed)
    fluid = rng.random(shape) < 0.62
    fluid[:, :2] = True  # some wide channels, so slits of every width appear
    return fluid


@pytest.mark.parametrize("periodic, open_axis", [
    ((False, False, False), -1),  # sealed box
    ((False, False, False), 2),  # reservoirs along x: open ends
    ((False, True, True), 0),  # reservoirs along z, periodic sides
    ((True, False, True), -1),  # periodic along z and x
    ((True, True, True), -1),
])
def test_the_matrix_free_operator_is_the_assembled_one(periodic, open_axis):
    fluid = _geometry((9, 11, 10), seed=3 * sum(periodic) + open_axis + 1)
    cells_grid, faces, nf = index_grids(fluid, periodic)
    matrix = momentum_rows(cells_grid, faces, nf, periodic, open_axis)
    diag = matrix.diagonal()
    assert (diag > 6).any() and ((diag < 6).any() or open_axis < 0)  # wall ghosts, and open ends where asked
    cells = cells_of(fluid, periodic, open_axis)
    own = cells.owned
    nc = cells.hi - cells.lo
    assert nc == int(fluid.sum())
    # the face of each (direction, owned cell), -1 where there is none
    face = np.stack([faces[a].reshape(-1)[np.flatnonzero(fluid)] for a in range(3)])
    exists = face >= 0
    assert exists.sum() == nf and np.array_equal(exists, cells.neighbours[own, 1::2].T >= 0)
    rng = np.random.default_rng(1)
    u_own = np.where(exists, rng.standard_normal((3, nc)), 0.0)
    u = np.zeros((3, cells.count))
    u[:, own] = u_own
    halo = Halo(cells, periodic_z=periodic[0])
    halo(u)
    u_faces = np.zeros(nf)
    u_faces[face[exists]] = u_own[exists]
    expected = np.zeros((3, nc))
    expected[exists] = (matrix @ u_faces)[face[exists]]
    np.testing.assert_allclose(apply_viscous(cells, u)[:, own], expected, rtol=1e-13, atol=1e-13)
    # gradient and divergence: G with +1 on a face's high cell and -1 on its low cell, and G^T
    p = np.zeros(cells.count)
    p[own] = rng.standard_normal(nc)
    halo(p)
    grad = apply_gradient(cells, p)[:, own]
    high = cells.neighbours[own, 1::2].T
    np.testing.assert_array_equal(grad[exists], (p[high] - p[own][None, :])[exists])
    div = apply_divergence(cells, u)[own]
    assert np.dot(div, p[own]) == pytest.approx(np.sum(u_own * grad), rel=1e-12)  # <G^T u, p> = <u, G p>
    # a slab of the image gives the whole image's rows on its planes
    for z0, z1 in ((0, 4), (4, 9), (3, 5)):
        slab = cells_of(fluid, periodic, open_axis, z0, z1)
        mine = slice(int(fluid[:z0].sum()), int(fluid[:z1].sum()))  # its cells among the whole image's
        number = _slab_planes(fluid, periodic[0], z0, z1)
        u_slab = u[:, cells.lo + number[number >= 0]]  # each slab cell's value in the whole image
        in_whole = slice(cells.lo + mine.start, cells.lo + mine.stop)
        np.testing.assert_array_equal(slab.code[:, slab.owned], cells.code[:, in_whole])
        np.testing.assert_allclose(apply_viscous(slab, u_slab)[:, slab.owned], expected[:, mine], rtol=1e-13,
                                   atol=1e-13)


def _slab_planes(fluid, periodic_z, z0, z1):
    """Each fluid cell of the slab [z0, z1) with its ghost planes, as its number among the
    whole image's cells, laid out on the slab's local box (-1 elsewhere)."""
    nz = fluid.shape[0]
    number = np.full(fluid.shape, -1)
    number[fluid] = np.arange(int(fluid.sum()))
    planes = [number[g % nz] if (0 <= g < nz or periodic_z) else np.full(fluid.shape[1:], -1)
              for g in range(z0 - 1, z1 + 2)]
    return np.stack(planes)


def test_float32_fields_are_applied_with_float64_sums():
    fluid = _geometry((8, 8, 8), seed=5)
    cells = cells_of(fluid, (False, False, False), 2)
    u = np.where(cells.neighbours[:, 1::2].T >= 0, 1.0, 0.0)  # no ghost planes: sealed z
    assert np.allclose(apply_viscous(cells, u.astype(np.float32)), apply_viscous(cells, u), atol=1e-6)
