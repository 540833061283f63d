"""Filters of a lazy volume: chunk by chunk with halos, the same voxels as in memory."""

import dask.array as da
import numpy as np
import pytest

import dca
from dca import filters


@pytest.fixture
def scan():
    return dca.samples.virtual_scan(dca.samples.blobs(40, seed=2), snr=4, field_of_view=False).grey[:37, :39]


@pytest.mark.parametrize("chunks", [(16, 16, 16), (7, 39, 11), (37, 5, 40)])
def test_median_and_gaussian_of_a_lazy_volume_equal_the_in_memory_ones(scan, chunks):
    lazy = scan.replace(data=da.from_array(scan.to_numpy(), chunks=chunks))
    for f, kw in ((filters.median, {"size": 3}), (filters.median, {"size": 4}), (filters.gaussian, {"sigma": 1.2}),
                  (filters.gaussian, {"sigma": (0.5, 1.0, 2.0)})):
        out = f(lazy, **kw)
        assert out.is_lazy  # stays lazy: nothing is computed until asked for
        np.testing.assert_array_equal(out.to_numpy(), f(scan, **kw).to_numpy())


def test_a_lazy_volume_with_nan_is_refused_like_an_in_memory_one():
    data = np.ones((8, 8, 8), np.float32)
    data[3, 3, 3] = np.nan
    lazy = dca.Volume(da.from_array(data, chunks=4), voxel_size=1e-6)
    with pytest.raises(dca.InputError, match="NaN or infinite"):
        filters.median(lazy)


def test_unsharp_nl_means_and_the_cylinder_of_a_lazy_scan():
    import dask.array as da

    scan = dca.samples.virtual_scan(dca.samples.blobs(32, porosity=0.35, seed=1, voxel_size=2e-6), snr=5,
                                    dtype="float32", field_of_view=False, seed=2).grey
    lazy = scan.replace(data=da.from_array(scan.to_numpy(), chunks=(9, 16, 32)))
    sharp = dca.filters.unsharp_mask(lazy, sigma=1.0, amount=0.7)
    assert sharp.is_lazy
    np.testing.assert_array_equal(sharp.to_numpy(), dca.filters.unsharp_mask(scan, sigma=1.0, amount=0.7).to_numpy())
    smooth = dca.filters.nl_means(lazy)
    expected = dca.filters.nl_means(scan)
    assert smooth.is_lazy and smooth.provenance[-1].params["h"] == expected.provenance[-1].params["h"]
    inside = (slice(4, -4),) * 3  # away from the faces, where the in-memory filter pads its own way
    np.testing.assert_allclose(smooth.to_numpy()[inside], expected.to_numpy()[inside], rtol=1e-4, atol=1e-3)
    cylinder = dca.filters.crop_cylinder(lazy)
    assert hasattr(cylinder.mask, "compute") and cylinder.is_lazy
    np.testing.assert_array_equal(np.asarray(cylinder.mask), np.asarray(dca.filters.crop_cylinder(scan).mask))
    assert dca.metrics.porosity(dca.segment.otsu(cylinder)) == dca.metrics.porosity(dca.segment.otsu(
        dca.filters.crop_cylinder(scan)))
