"""HDF5, Zarr and NumPy containers: choosing a dataset and reading other tools' spacing."""

import h5py
import numpy as np
import pytest
import zarr

import dca
from dca import FormatError


def test_hdf5_dataset_choice_and_fiji_spacing(tmp_path):
    path = tmp_path / "multi.h5"
    with h5py.File(path, "w") as fh:
        fh["exchange/data"] = np.zeros((3, 4, 5), np.float32)
        fh["exchange/data"].attrs["element_size_um"] = [2.0, 0.5, 0.5]
        fh["other"] = np.ones((2, 2, 2), np.uint8)
    with pytest.raises(FormatError, match=r"holds 2 image datasets \(/exchange/data, /other\); pass dataset="):
        dca.read(path)
    v = dca.read(path, dataset="exchange/data")
    assert v.shape == (3, 4, 5) and v.voxel_size == (2e-6, 5e-7, 5e-7)
    with pytest.raises(FormatError, match="no dataset 'nope'"):
        dca.read(path, dataset="nope")


def test_zarr_plain_array_with_voxel_size_attribute(tmp_path):
    z = zarr.open(str(tmp_path / "plain.zarr"), mode="w", shape=(4, 5, 6), dtype="uint16", chunks=(2, 5, 6))
    z[...] = np.arange(120, dtype=np.uint16).reshape(4, 5, 6)
    z.attrs["voxel_size"] = [1e-6, 1e-6, 2e-6]
    v = dca.read(tmp_path / "plain.zarr")
    assert v.voxel_size == (1e-6, 1e-6, 2e-6)
    np.testing.assert_array_equal(v.data, z[...])


def test_zarr_ngff_scale_in_micrometres(tmp_path):
    group = zarr.open_group(str(tmp_path / "ngff.zarr"), mode="w")
    arr = group.create_array("0", shape=(4, 5, 6), dtype="uint8", chunks=(4, 5, 6))
    arr[...] = 7
    group.attrs["multiscales"] = [{
        "version": "0.4", "axes": [{"name": a, "type": "space", "unit": "micrometer"} for a in "zyx"],
        "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [3.0, 0.5, 0.5]}]}]}]
    v = dca.read(tmp_path / "ngff.zarr")
    assert v.voxel_size == (3e-6, 5e-7, 5e-7) and int(v.data.max()) == 7


def test_npz_key_choice(tmp_path):
    np.savez(tmp_path / "two.npz", a=np.zeros((2, 2, 2)), b=np.ones((2, 2, 2)))
    with pytest.raises(FormatError, match="pass key="):
        dca.read(tmp_path / "two.npz", voxel_size=1e-6)
    assert dca.read(tmp_path / "two.npz", key="b", voxel_size=1e-6).data.sum() == 8
