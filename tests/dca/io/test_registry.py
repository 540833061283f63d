import os

import dask.array as da
import numpy as np
import pytest

import dca
from dca import FormatError, InputError, MissingFileError


def test_unknown_extension_lists_known_formats(tmp_path):
    (tmp_path / "scan.xyz").write_bytes(b"")
    with pytest.raises(FormatError, match=r"unknown file extension of 'scan.xyz'.*tiff \(.tif.*zarr \(.zarr\)"):
        dca.read(tmp_path / "scan.xyz")
    with pytest.raises(FormatError, match="known formats for writing"):
        dca.write(dca.Volume(np.zeros((1, 1, 1)), voxel_size=1e-6), tmp_path / "out.xyz")


def test_format_option_overrides_extension(tmp_path):
    v = dca.Volume(np.arange(8, dtype=np.uint8).reshape(2, 2, 2), voxel_size=1e-6)
    dca.write(v, tmp_path / "data.bin", format="nrrd")
    np.testing.assert_array_equal(dca.read(tmp_path / "data.bin", format="nrrd").data, v.data)


def test_missing_file():
    with pytest.raises(MissingFileError, match="no such file"):
        dca.read("/nonexistent/scan.tif")


def test_non_3d_data_in_a_file(tmp_path):
    np.save(tmp_path / "four.npy", np.zeros((2, 2, 2, 2)))
    with pytest.raises(InputError, match="must be 3-D"):
        dca.read(tmp_path / "four.npy", voxel_size=1e-6)


def test_failed_write_leaves_no_file(tmp_path):
    def boom(block, block_info=None):
        if block_info[0]["chunk-location"][0] == 2:
            raise RuntimeError("disk full")
        return block

    data = da.zeros((4, 8, 8), chunks=(1, 8, 8), dtype=np.uint16).map_blocks(boom, dtype=np.uint16)
    v = dca.Volume(data, voxel_size=1e-6)
    for name in ("out.ome.tif", "out.nrrd", "out.mhd", "out.h5", "out.zarr", "out.vti", "out.raw"):
        with pytest.raises(RuntimeError, match="disk full"):
            dca.write(v, tmp_path / name)
    assert os.listdir(tmp_path) == []  # no partial output, no temporary left behind


def test_failed_write_keeps_the_previous_file(tmp_path):
    good = dca.Volume(np.ones((2, 2, 2), np.uint8), voxel_size=1e-6)
    dca.write(good, tmp_path / "v.nrrd")
    bad = dca.Volume(da.zeros((2, 2, 2), chunks=1, dtype=np.uint8).map_blocks(lambda b: 1 / 0, dtype=np.uint8),
                     voxel_size=1e-6)
    with pytest.raises(ZeroDivisionError):
        dca.write(bad, tmp_path / "v.nrrd")
    np.testing.assert_array_equal(dca.read(tmp_path / "v.nrrd").data, good.data)


def test_source_checksum_is_lazy_and_correct(tmp_path):
    import hashlib

    v = dca.Volume(np.arange(27, dtype=np.uint8).reshape(3, 3, 3), voxel_size=1e-6)
    dca.write(v, tmp_path / "v.mhd")
    back = dca.read(tmp_path / "v.mhd")
    expected = hashlib.sha256((tmp_path / "v.mhd").read_bytes() + (tmp_path / "v.raw").read_bytes())
    assert back.source.sha256 == expected.hexdigest()
    assert back.source.to_dict()["paths"] == [str(tmp_path / "v.mhd"), str(tmp_path / "v.raw")]


def test_write_requires_a_volume(tmp_path):
    with pytest.raises(FormatError, match="wrap an array with dca.Volume"):
        dca.write(np.zeros((2, 2, 2)), tmp_path / "a.nrrd")


def test_unreadable_headers_are_named(tmp_path):
    (tmp_path / "bad.mhd").write_text("ObjectType = Image\nNDims = 3\nthis line is broken\n")
    with pytest.raises(FormatError, match="without 'key = value'"):
        dca.read(tmp_path / "bad.mhd")
    (tmp_path / "bad.nrrd").write_bytes(b"PNG\x00 not nrrd\n")
    with pytest.raises(FormatError, match="NRRD magic"):
        dca.read(tmp_path / "bad.nrrd")
    (tmp_path / "bad.h5").write_bytes(b"not hdf5")
    with pytest.raises(FormatError, match="not a readable HDF5"):
        dca.read(tmp_path / "bad.h5")
    (tmp_path / "noraw.mhd").write_text("NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\n"
                                        "ElementSpacing = 1 1 1\nElementDataFile = missing.raw\n")
    with pytest.raises(FormatError, match="'missing.raw', which is not beside it"):
        dca.read(tmp_path / "noraw.mhd")
