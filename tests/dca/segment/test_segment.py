import numpy as np
import pytest

import dca
from dca import InputError, NotPercolatingError, filters, segment


def test_otsu_recovers_porosity_within_1_percent_at_snr_5_and_one_voxel_blur():
    truth = dca.samples.sphere_pack(96, radius=6, porosity=0.3, seed=0)
    scan = dca.samples.virtual_scan(truth, snr=5, resolution=truth.voxel_size[0], seed=0)
    labels = segment.otsu(scan.grey)
    result = segment.score(labels, truth)
    assert abs(result.fraction_error(1)) < 0.01
    assert result.confusion.sum() == np.count_nonzero(scan.grey.mask)  # scored inside the field of view
    assert result.table().shape == (2, 2)
    assert labels.provenance[-1].name == "otsu" and labels.phases == {"pore": 1, "solid": 0}


def test_three_phase_segmentation_of_a_partially_saturated_sample():
    truth = dca.samples.partially_saturated(80, seed=0)
    scan = dca.samples.virtual_scan(truth, snr=10, seed=0)
    accuracy = {}
    for method, grey in ((segment.multi_otsu, filters.median(scan.grey)), (segment.watershed_phases, scan.grey)):
        labels = method(grey, classes=3, names=("air", "water", "grain"))
        result = segment.score(labels, truth)
        assert labels.phase("water") == 1
        assert abs(result.fraction_error(1)) < 0.01
        accuracy[method.__name__] = result.accuracy
    assert accuracy["multi_otsu"] > 0.96
    assert accuracy["watershed_phases"] > 0.985  # the films between grain and air stay water


def test_hysteresis_and_threshold_agree_on_clean_data():
    truth = dca.samples.blobs(40, porosity=0.4)
    scan = dca.samples.virtual_scan(truth, snr=1000, field_of_view=False)
    a = segment.threshold(scan.grey, 0.55)
    b = segment.hysteresis(scan.grey, low=0.3, high=0.55)
    np.testing.assert_array_equal(a.data, truth.data)
    assert np.mean(a.data != b.data) < 0.001


def test_cleanup_islands_voids_spanning():
    pore = np.zeros((30, 30, 30), bool)
    pore[10:20, 10:20, :] = True  # a channel along x
    pore[2, 2, 2] = True  # an island
    solid_void = pore.copy()
    v = dca.Volume(pore, voxel_size=1e-6)
    cleaned = segment.remove_islands(v, min_size=5)
    assert not cleaned.data[2, 2, 2] and cleaned.data[15, 15, 15]
    assert np.array_equal(segment.keep_spanning(v, axis="x").data, cleaned.data)
    with pytest.raises(NotPercolatingError, match="normal to z"):
        segment.keep_spanning(v, axis="z")
    solid_void[15, 15, 15] = False  # a solid speck enclosed by pore
    filled = segment.fill_enclosed(dca.Volume(solid_void, voxel_size=1e-6))
    assert filled.data[15, 15, 15]


def test_filters_record_provenance_and_keep_the_input():
    scan = dca.samples.virtual_scan(dca.samples.blobs(32), snr=4, field_of_view=False)
    before = scan.grey.data.copy()
    for f in (filters.median, filters.gaussian, filters.unsharp_mask, filters.nl_means):
        out = f(scan.grey)
        assert out.provenance[-1].name == f.__name__ and out.shape == scan.grey.shape
    np.testing.assert_array_equal(scan.grey.data, before)
    white = np.random.default_rng(0).normal(5.0, 0.3, size=(16, 64, 64)).astype(np.float32)
    assert filters.noise_sigma(white) == pytest.approx(0.3, rel=0.05)


def test_nl_means_chunked_equals_unchunked():
    scan = dca.samples.virtual_scan(dca.samples.blobs(24), snr=4, field_of_view=False)
    whole = filters.nl_means(scan.grey, h=0.1, chunk=64).data
    chunked = filters.nl_means(scan.grey, h=0.1, chunk=8).data
    np.testing.assert_allclose(chunked, whole, atol=1e-6)


def test_crops_by_physical_coordinates_and_cylinder():
    v = dca.samples.blobs(20, voxel_size=1e-6)
    c = filters.crop_physical(v, z=(5e-6, 9.5e-6))
    assert c.shape[0] == 5 and c.origin[0] == pytest.approx(5e-6)
    cyl = filters.crop_cylinder(v, radius=5e-6)
    assert cyl.shape[1:] == (10, 10) and cyl.mask is not None  # centres 5..14 um lie within 5 um of 9.5 um
    with pytest.raises(InputError, match="holds no voxel centre"):
        filters.crop_physical(v, x=(1, 2))


def test_bad_grey_input():
    v = dca.Volume(np.full((4, 4, 4), np.nan, np.float32), voxel_size=1e-6)
    with pytest.raises(InputError, match="NaN or infinite"):
        segment.otsu(v)
    with pytest.raises(InputError, match="all equal"):
        segment.otsu(dca.Volume(np.ones((4, 4, 4), np.float32), voxel_size=1e-6))
