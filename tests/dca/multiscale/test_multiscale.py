"""Multiscale: placing a fine scan in a coarse one, calibrating sub-resolution porosity."""

import numpy as np
import pytest

import dca
from dca.multiscale import block_mean, calibrate_porosity, locate

H = 2e-6


@pytest.fixture(scope="module")
def scans():
    """A 192^3 sample scanned coarse (3x3x3 fine voxels per coarse voxel, grey linear in the
    solid fraction) and fine over a 60^3 region starting at fine voxel (30, 45, 60)."""
    truth = dca.samples.blobs(192, porosity=0.4, blobiness=1.5, voxel_size=H, seed=4).to_numpy()
    phi = block_mean(truth, 3)
    rng = np.random.default_rng(0)
    coarse = dca.Volume((200 - 100 * phi + rng.normal(0, 2, phi.shape)).astype(np.float32), voxel_size=3 * H)
    region = truth[30:90, 45:105, 60:120]
    fine_grey = dca.Volume((200 - 100 * region + rng.normal(0, 5, region.shape)).astype(np.float32), voxel_size=H)
    fine_labels = dca.Volume(region, voxel_size=H)
    return coarse, fine_grey, fine_labels, phi


def test_locate_finds_the_fine_scan_within_half_a_coarse_voxel(scans):
    coarse, fine_grey, _, _ = scans
    p = locate(fine_grey, coarse)
    np.testing.assert_allclose(p.offset_voxels, (10, 15, 20), atol=0.5)
    # the fine scan's first voxel centre, in the coarse frame (coarse voxel 0 is fine voxels 0-2)
    np.testing.assert_allclose(p.origin, np.array([29, 44, 59]) * H, atol=0.5 * 3 * H)
    assert p.correlation > 0.9 and p.scale == pytest.approx(3)


def test_locate_refuses_what_it_cannot_find(scans):
    coarse, fine_grey, _, _ = scans
    noise = fine_grey.replace(data=np.random.default_rng(2).normal(size=fine_grey.shape).astype(np.float32))
    with pytest.raises(dca.ConvergenceError, match="correlation"):
        locate(noise, coarse, rotations=(0,))
    with pytest.raises(dca.InputError, match="swap"):
        locate(coarse, fine_grey)


def test_porosity_calibration_recovers_the_grey_to_porosity_line(scans):
    coarse, fine_grey, fine_labels, phi = scans
    cal = calibrate_porosity(coarse, fine_labels, locate(fine_grey, coarse))
    assert cal.slope == pytest.approx(-0.01, rel=0.02) and cal.intercept == pytest.approx(2.0, rel=0.02)
    assert cal.r2 > 0.99 and cal.samples == 20**3
    estimate = cal.porosity_map(coarse)
    assert np.sqrt(((estimate - phi) ** 2).mean()) < 0.02  # over the whole coarse scan, not just the region
    cal.plot()
