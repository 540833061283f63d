"""Drainage: invariants of the capillary pressure curve, trapping, relative permeability."""

import numpy as np
import pytest

import dca
import flow


@pytest.fixture(scope="module")
def f42a():
    from tests.conftest import SHARED_DATA

    path = SHARED_DATA / "imperial_networks" / "F42A_node1.dat"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return dca.network.read_statoil(str(path))


def test_capillary_pressure_curve_is_monotone_and_young_laplace(f42a):
    d = flow.drainage(f42a, axis="x", surface_tension=0.03, contact_angle=0.0, trapping=False)
    c = d.curve
    assert np.all(np.diff(c["capillary_pressure_pa"]) > 0) and np.all(np.diff(c["saturation_wetting"]) <= 0)
    # without trapping everything the inlet reaches drains
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    conns = f42a.conns
    _, label = connected_components(coo_matrix((np.ones(len(conns)), tuple(conns.T)), shape=(f42a.n_pores,) * 2))
    reached = np.isin(label, label[f42a.boundary_pores("xmin")])
    assert np.all(np.isfinite(d.pore_pressure[reached])) and np.all(np.isinf(d.pore_pressure[~reached]))
    left = (f42a.pores["volume"][~reached].sum() + f42a.throats["volume"][np.isinf(d.throat_pressure)].sum()) / \
        (f42a.pores["volume"].sum() + f42a.throats["volume"].sum())
    assert c["saturation_wetting"].iloc[-1] == pytest.approx(left, abs=1e-12)
    # breakthrough is at least the entry pressure of the widest throat on the inlet
    inlet_throats = np.isin(f42a.conns, f42a.boundary_pores("xmin")).any(axis=1)
    widest = f42a.throats["inscribed_diameter"][inlet_throats].max()
    assert d.breakthrough_pressure >= 2 * 0.03 / (widest / 2) * (1 - 1e-12)
    # entry pressures scale with sigma cos(theta)
    hg = flow.drainage(f42a, axis="x", surface_tension=0.485, contact_angle=140.0, trapping=False)
    scale = 0.485 * abs(np.cos(np.radians(140))) / 0.03
    np.testing.assert_allclose(hg.curve["capillary_pressure_pa"], scale * c["capillary_pressure_pa"], rtol=1e-12)
    micp = hg.micp()
    assert micp["washburn_diameter_m"].is_monotonic_decreasing


def test_trapping_leaves_wetting_phase_behind(f42a):
    free = flow.drainage(f42a, axis="x", trapping=False)
    trapped = flow.drainage(f42a, axis="x", trapping=True)
    swr = trapped.curve["saturation_wetting"].iloc[-1]
    assert 0.05 < swr < 0.6
    assert trapped.trapped.sum() > 0
    assert np.all(trapped.pore_pressure[trapped.trapped] == np.inf)
    # trapped pores are never invaded, the others fill as without trapping
    same = ~trapped.trapped
    np.testing.assert_array_equal(free.pore_pressure[same], trapped.pore_pressure[same])


def test_relative_permeability_end_points(f42a):
    d = flow.drainage(f42a, axis="x")
    kr = flow.relative_permeability(d, points=12)
    assert kr["krw"].iloc[0] == pytest.approx(1.0, abs=0.05)  # before invasion the water flows alone
    assert kr["krnw"].iloc[0] == 0.0
    assert kr["krw"].iloc[-1] < 0.05 and 0.3 < kr["krnw"].iloc[-1] <= 1.0
    assert np.all((kr[["krw", "krnw"]] >= 0).to_numpy())
