"""Stokes-Brinkman: microporous voxels as a Darcy medium inside the voxel Stokes solver."""

import numpy as np
import pytest

import dca
import flow


def _with_micro(seed=3):
    g = dca.samples.sphere_pack(32, radius=5, porosity=0.45, seed=seed)
    data = np.where(g.to_numpy(), 1, 0).astype(np.uint8)
    data[(data == 0) & (np.indices(data.shape).sum(0) % 3 == 0)] = 2  # a third of the grain voxels microporous
    return dca.Volume(data, voxel_size=1e-5, phases={"solid": 0, "pore": 1, "micro": 2})


def test_a_block_of_one_microporous_phase_has_its_permeability():
    v = dca.Volume(np.full((12, 10, 10), 2, np.uint8), voxel_size=1e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    for km in (1e-15, 1e-13):
        r = flow.stokes(v, axis="z", microporous={"micro": km}, lateral="periodic")
        assert r.k_m2 == pytest.approx(km, rel=1e-4)
        assert r.permeability.extra["microporous_voxels"] == v.size


def test_vanishing_micro_permeability_gives_the_pure_stokes_result():
    v = _with_micro()
    pure = flow.stokes(v, axis="x")  # microporous voxels are not pore: solid
    tiny = flow.stokes(v, axis="x", microporous={"micro": 1e-22})
    assert tiny.k_m2 == pytest.approx(pure.k_m2, rel=1e-5)
    ks = [flow.stokes(v, axis="x", microporous={"micro": km}).k_m2 for km in (1e-16, 1e-13, 1e-11)]
    assert pure.k_m2 < ks[0] < ks[1] < ks[2]  # more permeable micro phase, more flow
    assert ks[2] < 1.2 * pure.k_m2


def test_a_permeability_map_equals_the_phase_form():
    v = _with_micro()
    k_map = np.where(v.to_numpy() == 2, 1e-13, 0.0)
    a = flow.stokes(v, axis="x", microporous={"micro": 1e-13})
    b = flow.stokes(v, axis="x", microporous=k_map)
    assert b.k_m2 == pytest.approx(a.k_m2, rel=1e-9)


def test_microporosity_lets_flow_through_an_otherwise_sealed_sample():
    data = np.ones((10, 10, 10), np.uint8)
    data[:, :, 5] = 2  # a microporous wall across x
    v = dca.Volume(data, voxel_size=1e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    sealed = flow.stokes(v, axis="x")
    assert sealed.k_m2 == 0 and "no connected path" in sealed.reason
    r = flow.stokes(v, axis="x", microporous={"micro": 1e-15}, lateral="periodic")
    # in series: 9 free slices (no resistance to speak of) and one voxel of k_m
    assert r.k_m2 == pytest.approx(10 * 1e-15, rel=0.02)


def test_bad_microporosity_input():
    v = _with_micro()
    with pytest.raises(dca.InputError, match="positive"):
        flow.stokes(v, axis="x", microporous={"micro": -1.0})
    with pytest.raises(dca.InputError, match="both the free pore space and microporous"):
        flow.stokes(v, axis="x", microporous={"pore": 1e-14})
    with pytest.raises(dca.InputError, match="shape"):
        flow.stokes(v, axis="x", microporous=np.zeros((3, 3, 3)))


def _checker_micro():
    g = dca.samples.sphere_pack(48, radius=6, porosity=0.35, seed=3)
    data = np.where(g.to_numpy(), 1, 0).astype(np.uint8)
    z, y, x = np.indices(data.shape)
    data[(data == 0) & ((x // 6 + y // 6 + z // 6) % 2 == 0)] = 2  # half the grain blocks microporous
    return dca.Volume(data, voxel_size=5e-6, phases={"solid": 0, "pore": 1, "micro": 2})


@pytest.mark.slow
def test_network_micro_links_track_the_brinkman_solution():
    v = _checker_micro()
    net = dca.network.extract(v, phase=["pore", "micro"])
    for km in (1e-13, 1e-12):
        k_net = flow.permeability(net, axis="x", microporous={"micro": km}).k_m2
        k_direct = flow.stokes(v, axis="x", microporous={"micro": km}).k_m2
        assert 1 / 1.5 < k_net / k_direct < 1.5  # the Andrae et al. (2013) inter-code spread
    low, high = (flow.permeability(net, axis="x", microporous={"micro": km}).k_m2 for km in (1e-14, 1e-12))
    assert high > low


def test_micro_links_carry_flow_where_the_pore_space_does_not_percolate():
    data = np.ones((16, 16, 32), np.uint8)
    data[:, :, 12:22] = 2  # a microporous wall across x, 10 voxels thick (SNOW needs a few voxels to place pores)
    data[::4, ::4, :] = 0  # some solid to shape pores
    v = dca.Volume(data, voxel_size=1e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    net = dca.network.extract(v, phase=["pore", "micro"])
    k = flow.permeability(net, axis="x", microporous={"micro": 1e-15}).k_m2
    direct = flow.stokes(v, axis="x", microporous={"micro": 1e-15}).k_m2
    # in series, the wall dominates: k ~ (32 / 10) k_m times its open cross-section (15/16)
    assert direct == pytest.approx(32 / 10 * 1e-15 * 15 / 16, rel=0.05)
    assert 1 / 1.5 < k / direct < 1.5
    with pytest.raises(dca.InputError, match="multi-phase network"):
        flow.permeability(dca.network.extract(dca.Volume(data == 1, voxel_size=1e-6)), axis="x",
                          microporous={"micro": 1e-15})
