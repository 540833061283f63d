"""Network flow against Hagen-Poiseuille, the real Berea crop and the Imperial networks."""

import numpy as np
import pandas as pd
import pytest

import dca
import flow
from dca.network import Network
from tests.dca.network.test_extract import _tube


def _chain(n=5, diameter=10e-6, spacing=40e-6, area=(100e-6) ** 2):
    """Pores on a line along x, boundary pores at both ends, every conduit a cylinder."""
    side = np.sqrt(area)
    x = np.concatenate([[0.0], spacing * (np.arange(n) + 0.5), [n * spacing]])
    pores = pd.DataFrame({"x": x, "y": side / 2, "z": side / 2, "volume": 1e-15, "inscribed_diameter": diameter,
                          "boundary": ["xmin"] + [""] * n + ["xmax"]})
    half = np.full(n + 1, spacing / 2)
    l1 = np.where(np.arange(n + 1) == 0, 0.0, spacing / 4)
    l2 = np.where(np.arange(n + 1) == n, 0.0, spacing / 4)
    throats = pd.DataFrame({"pore1": np.arange(n + 1), "pore2": np.arange(1, n + 2), "inscribed_diameter": diameter,
                            "pore1_length": l1, "pore2_length": l2, "throat_length": half * 2 - l1 - l2 - half,
                            "total_length": half})
    throats["throat_length"] = np.where((np.arange(n + 1) == 0) | (np.arange(n + 1) == n), spacing / 2 - spacing / 4,
                                        spacing / 2)
    throats["total_length"] = throats[["pore1_length", "throat_length", "pore2_length"]].sum(axis=1)
    return Network(pores, throats, box=((0.0, 0.0, 0.0), (n * spacing, side, side)), conductance="cones_and_cylinders")


def test_cylindrical_tube_network_gives_hagen_poiseuille():
    net = _chain()
    k = flow.permeability(net, axis="x")
    expected = np.pi * (10e-6) ** 4 / (128 * (100e-6) ** 2)  # pi D^4 / (128 A)
    assert k.k_m2 == pytest.approx(expected, rel=1e-12)
    assert k.mass_balance < 1e-9
    assert k.k_mD == pytest.approx(k.k_m2 / 9.869233e-16)
    for model in ("valvatne_blunt",):  # a circle by its shape factor: the same conduit
        assert flow.permeability(net, axis="x", model=model).k_m2 == pytest.approx(expected, rel=1e-9)


def test_voxelised_tube_network_gives_hagen_poiseuille():
    radius, voxel = 8, 2e-6
    v = _tube(radius, n=(41, 41, 80), voxel=voxel)  # axis on a voxel centre: inscribed radius 8 voxels
    net = dca.network.extract(v, pore_diameter="inscribed")
    k = flow.permeability(net, axis="x", model="cones_and_cylinders")
    assert k.k_m2 == pytest.approx(np.pi * (radius * voxel) ** 4 / (8 * np.prod(v.extent[:2])), rel=0.01)


def test_berea_permeability_and_formation_factor_near_direct_simulation(berea_network):
    k = flow.permeability(berea_network, axis="x")
    assert k.k_mD == pytest.approx(1360, rel=0.15)  # direct simulation of this crop: 1.36 D
    assert k.mass_balance < 1e-9
    assert k.pores_excluded == (~berea_network.health("x").spanning).sum()
    f = flow.formation_factor(berea_network, axis="x")
    assert f.formation_factor == pytest.approx(23.12, rel=0.15)
    assert f.mass_balance < 1e-9


def test_permeability_scales_with_voxel_size_squared_and_ignores_flips():
    v = dca.samples.blobs(48, porosity=0.45, seed=4)
    k = flow.permeability(dca.network.extract(v), axis="x").k_m2
    bigger = v.replace(voxel_size=(2.5 * v.voxel_size[0],) * 3)
    assert flow.permeability(dca.network.extract(bigger), axis="x").k_m2 == pytest.approx(6.25 * k, rel=1e-9)
    flipped = v.with_data(np.ascontiguousarray(v.data[:, :, ::-1]), step="flip")
    assert flow.permeability(dca.network.extract(flipped), axis="x").k_m2 == pytest.approx(k, rel=0.01)


def test_imperial_berea_network_against_published_direct_simulation(imperial):
    net = dca.network.read_statoil(imperial("Berea"))
    published = {"x": 1360, "y": 1304, "z": 1193}  # mD, lattice Boltzmann on the 400^3 image
    for axis, value in published.items():
        k = flow.permeability(net.with_face_pores(axis), axis=axis)
        assert k.model == "valvatne_blunt" and k.mass_balance < 1e-9
        assert k.k_mD == pytest.approx(value, rel=0.25)


def test_non_percolating_sample_gives_zero_with_the_reason():
    im = np.zeros((20, 20, 40), bool)
    im[5:15, 5:15, :18] = True
    im[5:15, 5:15, 22:] = True  # one block on each face; they never meet
    net = dca.network.extract(dca.Volume(im, voxel_size=1e-6))
    k = flow.permeability(net, axis="x")
    assert k.k_m2 == 0 and "no connected path" in k.reason
    assert flow.formation_factor(net, axis="x").formation_factor == np.inf
    with pytest.raises(dca.NotPercolatingError):
        net.trim_to_spanning("x")


def test_pnflows_measurement_box_gives_its_permeability_and_formation_factor(imperial):
    # pnflow (commit fbed9ab, CALC_BOX 0.2 0.9) on this network: 1.18147e-12 m^2 and F = 14.3724
    # (../shared/data/pnflow_berea/README.md). The whole sample between its faces gives less k
    # and more F: pnflow holds the pores just outside its box at the end pressures, which are
    # further apart than the box length it divides by.
    net = dca.network.read_statoil(imperial("Berea"))
    k, f = flow.permeability(net, box=(0.2, 0.9)), flow.formation_factor(net, box=(0.2, 0.9))
    assert k.k_m2 == pytest.approx(1.18147e-12, rel=1e-3) and k.mass_balance < 1e-9
    assert f.formation_factor == pytest.approx(14.3724, rel=1e-3)
    assert k.length_m == pytest.approx(0.7 * net.length("x")) and k.to_dict()["box"] == [0.2, 0.9]
    whole = flow.permeability(net)
    assert flow.permeability(net, box=(0, 1)).k_m2 == whole.k_m2 and whole.k_m2 < 0.92 * k.k_m2
    assert flow.formation_factor(net).formation_factor > 1.05 * f.formation_factor


def test_measurement_box_on_a_chain_and_its_bad_values():
    net = _chain(n=10)
    # pores at 0.5, 1.5, ... 9.5 spacings: the box 2.5-7.5 solves six of them and holds the two
    # at 1.5 and 8.5, seven spacings apart, but divides by its own five: k is 5/7 of the chain's
    whole, box = flow.permeability(net), flow.permeability(net, box=(0.25, 0.75))
    assert box.k_m2 == pytest.approx(whole.k_m2 * 5 / 7, rel=1e-9) and box.pores_used == 8
    with pytest.raises(dca.InputError, match="0 <= start < stop <= 1"):
        flow.permeability(net, box=(0.9, 0.2))
    with pytest.raises(dca.InputError, match="box must be"):
        flow.formation_factor(net, box=0.5)
