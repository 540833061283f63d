"""Metrics against analytic answers: balls, tori, sphere packs, correlation limits, the real Berea."""

import numpy as np
import pytest

import dca
from dca import InputError, metrics


def _ball(radius=20, n=None, centre_shift=0.3, voxel=1e-6):
    n = n or 2 * radius + 8
    g = np.mgrid[:n, :n, :n] - (n - 1) / 2 + centre_shift
    return dca.Volume((g ** 2).sum(0) < radius ** 2, voxel_size=voxel)


def test_ball_surface_area_within_2_percent():
    ball = _ball(20)
    exact = 4 * np.pi * (20e-6) ** 2
    assert metrics.surface_area(ball) == pytest.approx(exact, rel=0.02)
    assert metrics.surface_area(ball, method="mesh") == pytest.approx(exact, rel=0.02)


def test_ball_mean_curvature_integral_within_5_percent():
    assert metrics.integral_mean_curvature(_ball(20)) == pytest.approx(4 * np.pi * 20e-6, rel=0.05)


def test_euler_characteristic_of_ball_torus_and_separate_balls():
    assert metrics.euler_characteristic(_ball(10)) == 1
    n = 60
    z, y, x = np.mgrid[:n, :n, :n] - (n - 1) / 2
    torus = (np.sqrt(x ** 2 + y ** 2) - 18) ** 2 + z ** 2 < 6 ** 2
    assert metrics.euler_characteristic(dca.Volume(torus, voxel_size=1e-6)) == 0
    balls = np.zeros((30, 30, 90), bool)
    for k in range(4):
        g = np.mgrid[:30, :30, :20] - 14.5
        balls[:, :, k * 22:k * 22 + 20] |= (g ** 2).sum(0) < 8 ** 2
    for connectivity in (6, 26):
        assert metrics.euler_characteristic(dca.Volume(balls, voxel_size=1e-6), connectivity=connectivity) == 4
    hollow = _ball(12, n=32).data & ~_ball(6, n=32).data  # a ball with a cavity: 1 + 1
    assert metrics.euler_characteristic(dca.Volume(hollow, voxel_size=1e-6)) == 2


def test_metrics_scale_with_voxel_size():
    small, big = _ball(12, voxel=1e-6), _ball(12, voxel=3e-6)
    assert metrics.surface_area(big) == pytest.approx(9 * metrics.surface_area(small), rel=1e-12)
    assert metrics.specific_surface(big) == pytest.approx(metrics.specific_surface(small) / 3, rel=1e-12)
    assert metrics.integral_mean_curvature(big) == pytest.approx(3 * metrics.integral_mean_curvature(small), rel=1e-6)
    m_small, m_big = metrics.minkowski(small), metrics.minkowski(big)
    assert m_big.volume == pytest.approx(27 * m_small.volume) and m_big.euler_characteristic == 1
    assert metrics.porosity(big) == metrics.porosity(small)


def test_local_thickness_psd_peaks_at_the_sphere_diameter():
    """Monodisperse spheres of radius 7 voxels, centred on voxels, none touching."""
    grid = np.zeros((96, 96, 96), bool)
    g = np.mgrid[-8:9, -8:9, -8:9]
    ball = (g ** 2).sum(0) <= 49
    for cz in range(10, 90, 17):
        for cy in range(10, 90, 17):
            for cx in range(10, 90, 17):
                grid[cz - 8:cz + 9, cy - 8:cy + 9, cx - 8:cx + 9] |= ball
    pack = dca.Volume(grid.astype(np.uint8), voxel_size=2e-6, phases={"grain": 1, "pore": 0})
    psd = metrics.pore_size_distribution(pack, phase="grain")
    assert abs(psd.summary["mode"] - 14 * 2e-6) <= 2e-6  # within one voxel of the diameter


def test_local_thickness_matches_porespy_exactly():
    ps = pytest.importorskip("porespy")
    from dca.metrics._thickness import local_thickness_radii

    images = [dca.samples.blobs(64, porosity=porosity, seed=seed).data for seed, porosity in ((1, 0.3), (2, 0.6))]
    images.append(np.random.default_rng(0).random((30, 40, 50)) < 0.8)  # noise: short distances, many centres
    slab = np.ones((70, 20, 90), bool)
    slab[0] = False  # distances up to 69: the exact envelope and radii beyond the containment table
    images.append(slab)
    for im in images:
        np.testing.assert_array_equal(local_thickness_radii(im), ps.filters.local_thickness(im))


def test_squared_distance_is_exact():
    from scipy import ndimage

    from dca.metrics._thickness import squared_distance

    im = dca.samples.blobs(48, porosity=0.8, seed=3).data
    im[:, :, :20] = True
    im[0] = False
    expected = np.rint(ndimage.distance_transform_edt(im) ** 2).astype(np.int64)
    np.testing.assert_array_equal(squared_distance(im), expected)


def test_local_thickness_of_a_phase_filling_the_box_is_an_error():
    with pytest.raises(InputError, match="fills the whole volume"):
        metrics.pore_size_distribution(dca.Volume(np.ones((8, 8, 8), bool), voxel_size=1e-6))


def test_local_thickness_volume_is_diameter_in_metres():
    lt = metrics.local_thickness(_ball(10, voxel=2e-6))
    assert lt.dtype == np.float32 and float(lt.data.max()) == pytest.approx(2 * 9 * 2e-6)


def test_two_point_correlation_limits():
    blobs = dca.samples.blobs(80, porosity=0.35, blobiness=2, seed=0)
    s2 = metrics.two_point_correlation(blobs)
    assert s2["s2"].iloc[0] == pytest.approx(0.35, abs=1e-6)
    assert s2["s2"].iloc[-5:].mean() == pytest.approx(0.35 ** 2, abs=0.01)


def test_particles_touching_are_split():
    n = 60
    z, y, x = np.mgrid[:n, :40, :40]
    two = ((z - 19.5) ** 2 + (y - 19.5) ** 2 + (x - 19.5) ** 2 < 12 ** 2) | \
          ((z - 41.5) ** 2 + (y - 19.5) ** 2 + (x - 19.5) ** 2 < 12 ** 2)  # overlapping slightly
    v = dca.Volume(two.astype(np.uint8), voxel_size=1e-6, phases={"particle": 1, "pore": 0})
    psd = metrics.particle_size_distribution(v, phase="particle", min_distance=5)
    assert psd.extra["regions"] == 2
    assert psd.summary["mean"] == pytest.approx(24e-6, rel=0.05)


def test_interfacial_areas_of_two_balls_in_a_matrix():
    labels = np.zeros((40, 40, 80), np.uint8)
    g = np.mgrid[:40, :40, :40] - 19.7
    labels[:, :, :40][(g ** 2).sum(0) < 15 ** 2] = 1
    labels[:, :, 40:][(g ** 2).sum(0) < 12 ** 2] = 2
    v = dca.Volume(labels, voxel_size=1e-6, phases={"matrix": 0, "b": 1, "c": 2})
    areas = metrics.interfacial_areas(v)
    assert areas[("matrix", "b")] == pytest.approx(4 * np.pi * 15e-6 ** 2, rel=0.02)
    assert areas[("matrix", "c")] == pytest.approx(4 * np.pi * 12e-6 ** 2, rel=0.02)
    assert areas[("b", "c")] == 0


def test_triple_line_of_three_phases():
    labels = np.zeros((40, 40, 40), np.uint8)
    labels[20:, :20] = 1
    labels[20:, 20:] = 2
    v = dca.Volume(labels, voxel_size=1e-6, phases={"a": 0, "b": 1, "c": 2})
    assert metrics.triple_line_length(v) == pytest.approx(40e-6)  # a straight line along x
    # a circle where a ball meets a plane: the staircase overestimates a planar curve by 4/pi
    n = 64
    z, y, x = np.mgrid[:n, :n, :n] - 31.7
    labels = (z > 0).astype(np.uint8)
    labels[x ** 2 + y ** 2 + z ** 2 < 20 ** 2] = 2
    circle = metrics.triple_line_length(dca.Volume(labels, voxel_size=1e-6))
    assert circle * np.pi / 4 == pytest.approx(2 * np.pi * np.sqrt(20 ** 2 - 0.3 ** 2) * 1e-6, rel=0.03)


def test_porosity_profile_and_mask():
    v = dca.samples.sphere_pack(48, porosity=0.35, seed=1)
    masked = dca.filters.crop_cylinder(v)
    assert masked.mask is not None
    inside = np.asarray(masked.mask)
    assert metrics.porosity(masked) == pytest.approx(masked.data[inside].mean())
    profile = metrics.porosity_profile(v, axis="z")
    assert len(profile) == 48 and profile["porosity"].mean() == pytest.approx(v.data.mean())


def test_berea_porosity_and_connected_porosity(berea):
    assert metrics.porosity(berea) == 0.19871525
    assert metrics.connected_porosity(berea, axis="x") == pytest.approx(0.1977, abs=0.001)


@pytest.mark.parametrize("make, message", [
    (lambda: dca.Volume(np.zeros((5, 5, 5), bool), voxel_size=1e-6), "has no voxels"),
    (lambda: dca.Volume(np.zeros((5, 5, 5), np.uint8), voxel_size=1e-6, phases={"pore": 3}), "has no voxels"),
    (lambda: dca.Volume(np.ones((5, 5, 5), np.float32), voxel_size=1e-6), "segment it first"),
])
def test_bad_input_is_named(make, message):
    with pytest.raises(InputError, match=message):
        metrics.specific_surface(make())


def test_mask_excluding_everything_and_unknown_label():
    v = dca.samples.blobs(16)
    with pytest.raises(InputError, match="excludes every voxel"):
        metrics.porosity(v.replace(mask=np.zeros(v.shape, bool)))
    with pytest.raises(InputError, match="'water' is not named"):
        metrics.porosity(v, phase="water")
