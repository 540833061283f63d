"""Avizo .am lattices built by the tests following the AmiraMesh header layout."""

import numpy as np
import pytest

import dca
from dca import FormatError, VoxelSizeError
from tests.helpers.amira import write_am


@pytest.mark.parametrize("encoding, dtype", [
    (e, d) for e in ("binary-le", "binary-be", "ascii", "rle", "zip") for d in ("uint8", "uint16", "float32")
    if not (e == "ascii" and d == "float32")  # ASCII floats are not bit-exact
])
def test_lattice_encodings(tmp_path, encoding, dtype):
    rng = np.random.default_rng(1)
    data = (rng.integers(0, 3, (6, 7, 8)) * (rng.random((6, 7, 8)) < 0.7)).astype(dtype)  # runs for RLE
    write_am(tmp_path / "v.am", data, spacing=(2.5, 1.5, 0.5), origin=(10, 20, 30), encoding=encoding)
    v = dca.read(tmp_path / "v.am")
    np.testing.assert_array_equal(v.to_numpy(), data)
    assert v.dtype == np.dtype(dtype)
    assert v.voxel_size == (2.5e-6, 1.5e-6, 0.5e-6)
    assert v.origin == (1e-5, 2e-5, 3e-5)


def test_units_other_than_micrometres(tmp_path):
    write_am(tmp_path / "mm.am", np.zeros((3, 3, 3), np.uint8), spacing=(0.01, 0.01, 0.01), unit="mm")
    assert dca.read(tmp_path / "mm.am").voxel_size == (1e-5,) * 3


def test_missing_unit_asks_for_length_unit(tmp_path):
    write_am(tmp_path / "nounit.am", np.zeros((3, 3, 3), np.uint8), spacing=(2, 2, 2), unit=None)
    with pytest.raises(VoxelSizeError, match="no length unit.*length_unit='um'"):
        dca.read(tmp_path / "nounit.am")
    assert dca.read(tmp_path / "nounit.am", length_unit="um").voxel_size == (2e-6,) * 3


def test_truncated_binary_lattice(tmp_path):
    write_am(tmp_path / "t.am", np.zeros((4, 4, 4), np.uint16))
    content = (tmp_path / "t.am").read_bytes()
    (tmp_path / "t.am").write_bytes(content[:-60])
    with pytest.raises(FormatError, match="truncated"):
        dca.read(tmp_path / "t.am")


def test_not_an_amira_file(tmp_path):
    (tmp_path / "x.am").write_text("hello\n")
    with pytest.raises(FormatError, match="not an Avizo .am file"):
        dca.read(tmp_path / "x.am")
