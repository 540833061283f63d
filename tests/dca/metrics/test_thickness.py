"""Local thickness and the pore size distribution: sphere diameters, PoreSpy's result, exact distances."""

import numpy as np
import pytest

import dca
from dca import InputError, metrics
from tests.helpers.shapes import ball


def test_local_thickness_psd_peaks_at_the_sphere_diameter():
    """Monodisperse spheres of radius 7 voxels, centred on voxels, none touching."""
    grid = np.zeros((96, 96, 96), bool)
    g = np.mgrid[-8:9, -8:9, -8:9]
    sphere = (g ** 2).sum(0) <= 49
    for cz in range(10, 90, 17):
        for cy in range(10, 90, 17):
            for cx in range(10, 90, 17):
                grid[cz - 8:cz + 9, cy - 8:cy + 9, cx - 8:cx + 9] |= sphere
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
    lt = metrics.local_thickness(ball(10, voxel=2e-6))
    assert lt.dtype == np.float32 and float(lt.data.max()) == pytest.approx(2 * 9 * 2e-6)
