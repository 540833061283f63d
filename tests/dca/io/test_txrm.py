"""Zeiss TXM/TXRM files built by the tests from the published OLE2 layout."""

import numpy as np
import pytest

import dca
from dca import FormatError
from tests.helpers.cfb import write_txm


@pytest.mark.parametrize("dtype", ["uint16", "float32"])
def test_txm_stack_and_pixel_size(tmp_path, dtype):
    rng = np.random.default_rng(0)
    stack = (rng.random((130, 9, 11)) * 1000).astype(dtype)  # > 100 images: two ImageData storages
    write_txm(tmp_path / "recon.txm", stack, pixel_size_um=0.6512)
    v = dca.read(tmp_path / "recon.txm")
    assert v.shape == (130, 9, 11) and v.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(v.data, stack)
    assert v.voxel_size == (0.6512e-6,) * 3  # float32 0.6512 shown as the instrument shows it
    lazy = dca.read(tmp_path / "recon.txm", lazy=True)
    assert lazy.is_lazy
    np.testing.assert_array_equal(lazy[100:102].to_numpy(), stack[100:102])


def test_txrm_with_no_of_images_key(tmp_path):
    stack = np.arange(3 * 4 * 5, dtype=np.uint16).reshape(3, 4, 5)
    write_txm(tmp_path / "proj.txrm", stack, pixel_size_um=2.0, count_key="ImageInfo/NoOfImages")
    np.testing.assert_array_equal(dca.read(tmp_path / "proj.txrm").data, stack)


def test_missing_image_is_reported_as_truncated(tmp_path):
    write_txm(tmp_path / "cut.txm", np.zeros((5, 4, 4), np.uint16), pixel_size_um=1.0, drop_images=(5,))
    with pytest.raises(FormatError, match=r"truncated: image 5 \(ImageData1/Image5\) is missing"):
        dca.read(tmp_path / "cut.txm")


def test_missing_pixel_size_needs_voxel_size(tmp_path):
    write_txm(tmp_path / "np.txm", np.zeros((2, 4, 4), np.uint16), pixel_size_um=None)
    with pytest.raises(dca.VoxelSizeError, match="ImageInfo/PixelSize"):
        dca.read(tmp_path / "np.txm")
    assert dca.read(tmp_path / "np.txm", voxel_size="1um").voxel_size == (1e-6,) * 3


def test_unknown_data_type(tmp_path):
    write_txm(tmp_path / "dt.txm", np.zeros((2, 4, 4), np.uint16), pixel_size_um=1.0, data_type=7)
    with pytest.raises(FormatError, match="DataType 7"):
        dca.read(tmp_path / "dt.txm")


def test_not_an_ole_file(tmp_path):
    (tmp_path / "x.txm").write_bytes(b"\0" * 600)
    with pytest.raises(FormatError, match="not an OLE2 compound file"):
        dca.read(tmp_path / "x.txm")
