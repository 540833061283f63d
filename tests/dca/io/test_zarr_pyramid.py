"""Zarr stores carry an OME-NGFF pyramid: each level halves every axis, at the right place."""

import numpy as np
import pytest
import zarr

import dca


def test_a_grey_volume_gets_a_pyramid_of_block_means(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.random((40, 36, 34)).astype(np.float32)
    v = dca.Volume(data, voxel_size=(2e-6, 1e-6, 1e-6), origin=(1e-3, 0.0, -5e-6))
    dca.io._zarr.write_zarr(v, str(tmp_path / "v.zarr"), max_top=10)
    group = zarr.open_group(str(tmp_path / "v.zarr"), mode="r")
    shapes = [group[str(k)].shape for k in range(3)]
    assert shapes == [(40, 36, 34), (20, 18, 17), (10, 9, 8)] and "3" not in group
    level1 = dca.read(tmp_path / "v.zarr", level=1)
    expected = data[:40, :36, :34].reshape(20, 2, 18, 2, 17, 2).mean(axis=(1, 3, 5))
    np.testing.assert_allclose(level1.to_numpy(), expected, rtol=1e-6)
    assert level1.voxel_size == pytest.approx((4e-6, 2e-6, 2e-6))
    # the centre of the first 2x2x2 block: half a fine voxel past the first fine voxel's centre
    assert level1.origin == pytest.approx((1e-3 + 1e-6, 0.5e-6, -4.5e-6))
    back = dca.read(tmp_path / "v.zarr")  # level 0 as it was
    np.testing.assert_array_equal(back.to_numpy(), data)
    assert back.voxel_size == v.voxel_size and back.origin == v.origin


def test_labels_are_subsampled_not_averaged(tmp_path):
    labels = (np.indices((24, 24, 24)).sum(0) % 3).astype(np.uint8)
    v = dca.Volume(labels, voxel_size=1e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    dca.io._zarr.write_zarr(v, str(tmp_path / "l.zarr"), max_top=12)
    level1 = dca.read(tmp_path / "l.zarr", level=1)
    np.testing.assert_array_equal(level1.to_numpy(), labels[::2, ::2, ::2])  # only labels that exist
