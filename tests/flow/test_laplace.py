"""The lean Laplace solver: the same concentration as a direct solve of the assembled
finite-volume system, on every axis, odd sizes and contrasting diffusivities; the same bits
on one thread as on two."""

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from flow._laplace import solve_laplace
from flow._voxels import spanning


def _direct(d, geom, axis):
    """The system assembled link by link (TauFactor's convention) and solved directly."""
    d = d.astype(np.float64)
    active = d > 0
    n = int(active.sum())
    index = np.full(d.shape, -1)
    index[active] = np.arange(n)
    rows, cols, vals, diag, rhs = [], [], [], np.zeros(n), np.zeros(n)
    for b in range(3):
        lo, hi = [slice(None)] * 3, [slice(None)] * 3
        lo[b], hi[b] = slice(0, -1), slice(1, None)
        d1, d2 = d[tuple(lo)], d[tuple(hi)]
        both = (d1 > 0) & (d2 > 0)
        g = geom[b] * 2 * d1[both] * d2[both] / (d1[both] + d2[both])
        i, j = index[tuple(lo)][both], index[tuple(hi)][both]
        rows += [i, j]
        cols += [j, i]
        vals += [-g, -g]
        np.add.at(diag, i, g)
        np.add.at(diag, j, g)
    for end, value in ((0, 1.0), (-1, 0.0)):
        cells = index.take(end, axis=axis)
        g = 2 * geom[axis] * d.take(end, axis=axis)[cells >= 0]
        np.add.at(diag, cells[cells >= 0], g)
        np.add.at(rhs, cells[cells >= 0], g * value)
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    c = np.zeros(d.shape)
    c[active] = spsolve((matrix + sp.diags(diag)).tocsc(), rhs)
    return c


def _medium(shape, seed, axis=0):
    """Conducting voxels of two diffusivities (1 and 0.05) in a random mix: the clusters that
    join the two ends of ``axis`` (what the solver is given)."""
    rng = np.random.default_rng(seed)
    d = np.where(rng.random(shape) < 0.6, 1.0, 0.0).astype(np.float32)
    d[(d > 0) & (rng.random(shape) < 0.3)] = 0.05
    d *= spanning(d > 0, axis)
    assert 0.25 < (d > 0).mean() < 0.65
    return d


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_the_concentration_is_the_direct_solution(axis):
    d = _medium((13, 22, 17), seed=axis, axis=axis)  # odd sizes: aggregates of one layer at the far ends
    geom = (0.5, 2.0, 1.0)  # anisotropic voxels
    sol = solve_laplace(d, geom, axis, tol=1e-12)
    expected = _direct(d, geom, axis)
    assert np.abs(sol.concentration - expected).max() < 1e-8
    assert sol.iterations < 40
    # flux: the same through the inlet, every plane and the outlet
    assert np.ptp(sol.fluxes) < 1e-9 * sol.fluxes.mean()


def test_a_tolerance_is_met_on_the_true_residual_and_the_float32_vectors_set_no_floor():
    d = _medium((40, 36, 44), seed=7, axis=2)
    loose = solve_laplace(d, (1, 1, 1), 2, tol=1e-6)
    tight = solve_laplace(d, (1, 1, 1), 2, tol=1e-12)
    assert loose.residual <= 1e-6 and tight.residual <= 1e-12
    assert tight.iterations > loose.iterations
    assert np.abs(tight.concentration - _direct(d, (1, 1, 1), 2)).max() < 1e-8


def test_one_thread_and_two_give_the_same_bits():
    d = _medium((30, 31, 29), seed=3)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = solve_laplace(d, (1, 1, 1), 0, tol=1e-9)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = solve_laplace(d, (1, 1, 1), 0, tol=1e-9)
    finally:
        numba.set_num_threads(before)
    assert one.iterations == two.iterations
    assert np.array_equal(one.concentration, two.concentration)


def test_it_refuses_what_it_cannot_read():
    with pytest.raises(TypeError, match="float32"):
        solve_laplace(np.ones((4, 4, 4)), (1, 1, 1), 0, tol=1e-6)
