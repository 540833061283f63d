"""Diffusive tortuosity on the voxels: exact answers, TauFactor's convention and value."""

import math

import numpy as np
import pytest

import dca
import flow


def test_straight_channel_has_tortuosity_one():
    image = np.zeros((9, 7, 30), bool)
    image[3:6, 2:5, :] = True
    t = flow.tortuosity(image, voxel_size=1e-6, axis="x")
    assert t.tau == pytest.approx(1.0, rel=1e-9)
    assert t.effective_diffusivity_ratio == pytest.approx(t.porosity, rel=1e-9)
    assert t.formation_factor == pytest.approx(1 / t.porosity, rel=1e-9)


@pytest.mark.parametrize("rise", [1, 4, 9])
def test_stepped_channel_has_tortuosity_path_length_squared(rise):
    """A one-voxel channel of m voxels crossing n slices: m - 1 unit links and two half links
    to the faces in series, so D_eff/D = n / (m A) and tau = (m / n)^2 exactly."""
    n, half = 24, 12
    image = np.zeros((1, rise + 1, n), bool)
    image[0, 0, :half] = True
    image[0, : rise + 1, half - 1] = True
    image[0, rise, half - 1:] = True
    m = n + rise
    assert image.sum() == m
    t = flow.tortuosity(image, voxel_size=1e-6, axis="x", tol=1e-12)  # exact: the discrete solution itself
    assert t.tau == pytest.approx((m / n) ** 2, rel=1e-9)


def test_layers_in_series_and_in_parallel_give_the_harmonic_and_arithmetic_means():
    labels = np.zeros((4, 6, 10), np.uint8)
    labels[:, :, :4] = 1  # electrolyte
    labels[:, :, 4:] = 2  # porous binder
    volume = dca.Volume(labels, voxel_size=1e-6, phases={"electrolyte": 1, "binder": 2})
    d = {"electrolyte": 1.0, "binder": 0.1}
    binder = float(np.float32(0.1))  # diffusivities are held in float32: 0.1 is 0.10000000149
    series = flow.tortuosity(volume, axis="x", diffusivity=d, tol=1e-12)
    assert series.effective_diffusivity == pytest.approx(10 / (4 / 1.0 + 6 / binder), rel=1e-9)
    assert series.effective_diffusivity == pytest.approx(10 / (4 / 1.0 + 6 / 0.1), rel=2e-8)
    parallel = flow.tortuosity(volume, axis="y", diffusivity=d, tol=1e-12)
    assert parallel.effective_diffusivity == pytest.approx(0.4 * 1.0 + 0.6 * binder, rel=1e-9)
    assert parallel.tau == pytest.approx(1.0, rel=1e-9)  # TauFactor: sum(phi_i D_i) / D_eff
    assert parallel.effective_diffusivity_ratio == pytest.approx(0.4 + 0.6 * binder, rel=1e-9)


def test_anisotropic_voxels_keep_a_straight_channel_at_tau_one():
    image = np.zeros((6, 6, 12), bool)
    image[1:4, 2:5] = True
    t = flow.tortuosity(dca.Volume(image, voxel_size=(1e-6, 2e-6, 3e-6)), axis="x")
    assert t.tau == pytest.approx(1.0, rel=1e-9)


def test_flux_is_conserved_and_voxel_size_does_not_matter():
    image = dca.samples.blobs(48, porosity=0.35, seed=5).data
    a = flow.tortuosity(dca.Volume(image, voxel_size=1e-6), axis="z")
    b = flow.tortuosity(dca.Volume(image, voxel_size=7e-6), axis="z")
    assert a.mass_balance < 1e-5  # CG to a relative residual of 1e-7
    assert a.tau == pytest.approx(b.tau, rel=1e-6) and a.tau > 1


def test_non_percolating_sample_gets_infinite_tortuosity_with_the_reason():
    image = np.ones((5, 5, 8), bool)
    image[:, :, 4] = False
    t = flow.tortuosity(image, voxel_size=1e-6, axis="x")
    assert t.tau == math.inf and t.effective_diffusivity_ratio == 0 and t.formation_factor == math.inf
    assert "no connected path" in t.reason and "reason" in t.to_dict()
    assert flow.tortuosity(image, voxel_size=1e-6, axis="y").tau == pytest.approx(1.0)  # other axes still conduct


def test_bad_input():
    with pytest.raises(dca.InputError, match="axis"):
        flow.tortuosity(np.ones((3, 3, 3), bool), voxel_size=1e-6, axis="q")
    with pytest.raises(dca.InputError, match="either phase"):
        flow.tortuosity(np.ones((3, 3, 3), np.uint8), voxel_size=1e-6, phase=1, diffusivity={1: 1.0})
    with pytest.raises(dca.InputError, match="finite"):
        flow.tortuosity(np.ones((3, 3, 3), np.uint8), voxel_size=1e-6, diffusivity={1: -1.0})


def test_same_value_as_taufactor():
    """TauFactor's CPU solver on the same image (its x is our array axis 0): within 0.5 %."""
    taufactor = pytest.importorskip("taufactor")
    pytest.importorskip("torch")
    image = dca.samples.blobs(64, porosity=0.3, seed=1).data
    solver = taufactor.Solver(image.astype(np.uint8), device="cpu")
    solver.solve(verbose=False, conv_crit=1e-4)
    ours = flow.tortuosity(image, voxel_size=1e-6, axis="z")
    assert ours.tau == pytest.approx(float(np.squeeze(solver.tau)), rel=0.005)
