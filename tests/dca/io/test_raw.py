import numpy as np
import pytest

import dca
from dca import FormatError


def test_raw_big_endian_with_header(tmp_path):
    data = np.arange(2 * 3 * 4, dtype=">u2").reshape(2, 3, 4)
    path = tmp_path / "scan.raw"
    path.write_bytes(b"HEADER--" + data.tobytes())
    v = dca.read(path, shape=(2, 3, 4), dtype="uint16", byte_order="big", header_offset=8, voxel_size=1e-6)
    np.testing.assert_array_equal(v.data, data.astype("=u2"))
    assert v.dtype == np.dtype("uint16") and v.dtype.isnative
    auto = dca.read(path, shape=(2, 3, 4), dtype="uint16", byte_order="big", header_offset="auto", voxel_size=1e-6)
    np.testing.assert_array_equal(auto.data, v.data)


def test_truncated_raw_names_expected_and_actual_bytes(tmp_path):
    path = tmp_path / "cut.raw"
    path.write_bytes(bytes(100))
    with pytest.raises(FormatError, match=r"truncated.*need 128 bytes, the file has 100"):
        dca.read(path, shape=(4, 4, 4), dtype="uint16", voxel_size=1e-6)


def test_raw_too_long_suggests_wrong_shape(tmp_path):
    path = tmp_path / "long.raw"
    path.write_bytes(bytes(200))
    with pytest.raises(FormatError, match="shape or dtype is probably wrong"):
        dca.read(path, shape=(4, 4, 4), dtype="uint16", voxel_size=1e-6)


def test_raw_without_shape_says_what_to_pass(tmp_path):
    path = tmp_path / "x.raw"
    path.write_bytes(bytes(8))
    with pytest.raises(FormatError, match=r"pass shape=\(nz, ny, nx\) and dtype="):
        dca.read(path, voxel_size=1e-6)


def test_two_gigabyte_raw_opens_lazily_and_crops_without_loading(tmp_path):
    """A sparse 2 GiB file: opening maps it, a crop reads only its own slabs."""
    shape = (1024, 1024, 1024)  # 2 GiB of uint16
    path = tmp_path / "big.raw"
    marker = np.arange(64 * 64, dtype="<u2").reshape(64, 64)
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024**3)
        fh.seek(2 * (700 * 1024 * 1024 + 100 * 1024 + 200))  # voxel (700, 100, 200)
        for row in marker:
            fh.write(row.tobytes())
            fh.seek(2 * (1024 - 64), 1)
    v = dca.read(path, shape=shape, dtype="uint16", voxel_size="1um")
    assert v.is_lazy and v.shape == shape
    crop = v[700:701, 100:164, 200:264]
    assert crop.origin == pytest.approx((700e-6, 100e-6, 200e-6))
    np.testing.assert_array_equal(crop.to_numpy()[0], marker)
    # once optimised, the crop's task graph reads only the one slab that holds it
    import dask

    (optimised,) = dask.optimize(crop.data)
    assert len(dict(optimised.__dask_graph__())) <= 3
