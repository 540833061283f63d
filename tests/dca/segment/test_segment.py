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


def test_bad_grey_input():
    v = dca.Volume(np.full((4, 4, 4), np.nan, np.float32), voxel_size=1e-6)
    with pytest.raises(InputError, match="NaN or infinite"):
        segment.otsu(v)
    with pytest.raises(InputError, match="all equal"):
        segment.otsu(dca.Volume(np.ones((4, 4, 4), np.float32), voxel_size=1e-6))
