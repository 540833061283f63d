import numpy as np
import pytest
import tifffile

import dca
from dca import FormatError, VoxelSizeError


def _slices(folder, n=12, shape=(5, 6), names="slice_{}.tif", **kwargs):
    folder.mkdir()
    data = np.arange(n * shape[0] * shape[1], dtype=np.uint16).reshape((n,) + shape)
    for i in range(n):
        tifffile.imwrite(folder / names.format(i), data[i], **kwargs)
    return data


def test_folder_of_slices_in_natural_order(tmp_path):
    data = _slices(tmp_path / "scan")  # slice_2 must come before slice_10
    v = dca.read(tmp_path / "scan", voxel_size="2um")
    np.testing.assert_array_equal(v.data, data)
    assert v.source.format == "tiff" and len(v.source.paths) == 12
    lazy = dca.read(tmp_path / "scan", voxel_size="2um", lazy=True)
    assert lazy.is_lazy
    np.testing.assert_array_equal(lazy[3:5].to_numpy(), data[3:5])
    pattern = dca.read(str(tmp_path / "scan" / "slice_1*.tif"), voxel_size="2um")
    np.testing.assert_array_equal(pattern.data, data[[1, 10, 11]])


def test_inconsistent_slice_sizes_are_named(tmp_path):
    _slices(tmp_path / "scan", n=3)
    tifffile.imwrite(tmp_path / "scan" / "slice_3.tif", np.zeros((5, 7), np.uint16))
    with pytest.raises(FormatError, match=r"inconsistent slices.*slice_3.tif.*\(5, 7\)"):
        dca.read(tmp_path / "scan", voxel_size=1e-6)


def test_imagej_spacing_tags(tmp_path):
    data = np.zeros((4, 5, 6), np.uint16)
    tifffile.imwrite(tmp_path / "ij.tif", data, imagej=True, resolution=(1 / 0.65, 1 / 0.65),
                     metadata={"spacing": 1.3, "unit": "um", "axes": "ZYX"})
    v = dca.read(tmp_path / "ij.tif")
    assert v.voxel_size == pytest.approx((1.3e-6, 0.65e-6, 0.65e-6), rel=1e-12)


def test_ome_spacing_with_units(tmp_path):
    data = np.zeros((4, 5, 6), np.float32)
    tifffile.imwrite(tmp_path / "o.ome.tif", data, ome=True,
                     metadata={"axes": "ZYX", "PhysicalSizeX": 0.5, "PhysicalSizeXUnit": "mm",
                               "PhysicalSizeY": 0.5, "PhysicalSizeYUnit": "mm",
                               "PhysicalSizeZ": 700, "PhysicalSizeZUnit": "nm"})
    assert dca.read(tmp_path / "o.ome.tif").voxel_size == (7e-7, 5e-4, 5e-4)


def test_slices_with_pixel_size_but_no_slice_spacing(tmp_path):
    _slices(tmp_path / "scan", n=3, imagej=True, resolution=(2.0, 2.0), metadata={"unit": "um"})
    with pytest.raises(VoxelSizeError, match=r"pixel size \(dy, dx\).*no slice spacing dz"):
        dca.read(tmp_path / "scan")


def test_plain_tiff_resolution_is_not_trusted(tmp_path):
    tifffile.imwrite(tmp_path / "dpi.tif", np.zeros((3, 4, 4), np.uint8), resolution=(72, 72))
    with pytest.raises(VoxelSizeError, match="no OME or ImageJ spacing"):
        dca.read(tmp_path / "dpi.tif")


def test_not_a_tiff(tmp_path):
    (tmp_path / "fake.tif").write_bytes(b"not a tiff at all")
    with pytest.raises(FormatError, match="not a readable TIFF"):
        dca.read(tmp_path / "fake.tif", voxel_size=1e-6)
