"""The real Berea crop in ../shared/data (skipped when absent)."""

import numpy as np

import dca


def test_berea_reads_with_its_published_porosity(berea):
    assert berea.shape == (200, 200, 200) and berea.dtype == bool
    assert int(np.count_nonzero(berea.data)) == 1_589_722
    assert np.count_nonzero(berea.data) / berea.size == 0.19871525
    assert berea.extent[2] == 200 * 5.345e-6


def test_berea_converts_to_nrrd_and_back(berea, tmp_path):
    dca.write(berea, tmp_path / "berea.nrrd")
    back = dca.read(tmp_path / "berea.nrrd")
    assert back.voxel_size == berea.voxel_size
    np.testing.assert_array_equal(back.to_numpy(), berea.data)
