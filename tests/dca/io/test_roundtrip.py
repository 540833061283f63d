"""Every writable format: data, dtype, voxel size (and origin, where stored) survive a round trip."""

import numpy as np
import pytest

import dca

# (extension, dtypes it stores exactly, stores origin)
FORMATS = [
    (".ome.tif", ["uint8", "uint16", "int16", "float32", "float64", "bool"], False),
    (".mhd", ["uint8", "uint16", "int16", "int32", "float32", "float64"], True),
    (".mha", ["uint8", "uint16", "float32"], True),
    (".nrrd", ["uint8", "uint16", "int16", "int32", "float32", "float64", "bool"], True),
    (".h5", ["uint8", "uint16", "int16", "int32", "float32", "float64", "bool"], True),
    (".zarr", ["uint8", "uint16", "int16", "int32", "float32", "float64", "bool"], True),
    (".npz", ["uint8", "uint16", "int16", "int32", "float32", "float64", "bool"], True),
    (".vti", ["uint8", "uint16", "int16", "int32", "float32", "float64"], True),
]
CASES = [(ext, dtype, origin) for ext, dtypes, origin in FORMATS for dtype in dtypes]


def _volume(dtype):
    rng = np.random.default_rng(11)
    shape = (5, 6, 7)
    if dtype == "bool":
        data = rng.random(shape) < 0.4
    elif np.dtype(dtype).kind == "f":
        data = rng.normal(100, 30, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    # anisotropic, awkward decimal spacing and a non-zero origin
    return dca.Volume(data, voxel_size=(2.5e-6, 1.3e-6, 5.345e-6), origin=(1.5e-3, -2.675e-4, 7.1e-6))


@pytest.mark.parametrize("ext, dtype, stores_origin", CASES, ids=[f"{e}-{d}" for e, d, _ in CASES])
def test_round_trip_is_exact(tmp_path, ext, dtype, stores_origin):
    original = _volume(dtype)
    path = tmp_path / f"volume{ext}"
    written = dca.write(original, path)
    assert written[0] == str(path)
    back = dca.read(path)
    assert back.dtype == original.dtype
    np.testing.assert_array_equal(back.to_numpy(), original.data)
    assert back.voxel_size == original.voxel_size  # exactly, not approximately
    if stores_origin:
        assert back.origin == pytest.approx(original.origin, rel=1e-15, abs=1e-18)
    assert back.source.format in ext.replace(".", "") or back.source.format in ("tiff", "hdf5", "mhd")
    assert back.provenance[0].name == "read"
    lazy = dca.read(path, lazy=True)
    assert lazy.is_lazy or ext in (".npz", ".vti")  # npz and vti are always loaded
    np.testing.assert_array_equal(lazy.to_numpy(), original.data)


@pytest.mark.parametrize("ext", [".nrrd", ".mhd"])
def test_bool_is_stored_as_uint8_where_the_format_has_no_bool(tmp_path, ext):
    v = _volume("bool")
    dca.write(v, tmp_path / f"b{ext}")
    back = dca.read(tmp_path / f"b{ext}")
    np.testing.assert_array_equal(back.to_numpy() != 0, v.data)


@pytest.mark.parametrize("ext", [".raw", ".npy"])
def test_formats_without_spacing_need_it_back_from_the_caller(tmp_path, ext):
    v = _volume("uint16")
    dca.write(v, tmp_path / f"v{ext}")
    options = {"shape": v.shape, "dtype": "uint16"} if ext == ".raw" else {}
    with pytest.raises(dca.VoxelSizeError, match=r"voxel_size is missing.*Pass voxel_size="):
        dca.read(tmp_path / f"v{ext}", **options)
    back = dca.read(tmp_path / f"v{ext}", voxel_size=v.voxel_size, **options)
    np.testing.assert_array_equal(back.to_numpy(), v.data)
    assert back.voxel_size == v.voxel_size
    assert back.provenance[0].params["voxel_size"] == v.voxel_size


@pytest.mark.parametrize("ext", [".h5", ".zarr", ".npz", ".vti"])
def test_mask_and_phases_survive_where_stored(tmp_path, ext):
    v = _volume("uint8").replace(phases={"pore": 0, "grain": 1} if ext != ".vti" else {})
    mask = np.zeros(v.shape, bool)
    mask[:, 1:5, 2:6] = True
    v = v.replace(mask=mask)
    dca.write(v, tmp_path / f"m{ext}")
    back = dca.read(tmp_path / f"m{ext}")
    np.testing.assert_array_equal(np.asarray(back.mask), mask)
    assert dict(back.phases) == dict(v.phases)


def test_lazy_volume_is_written_slab_by_slab(tmp_path):
    import dask.array as da

    v = _volume("float32")
    lazy = v.replace(data=da.from_array(v.data, chunks=(1, 6, 7)))
    for ext in (".ome.tif", ".nrrd", ".h5", ".zarr", ".mhd", ".vti"):
        dca.write(lazy, tmp_path / f"lazy{ext}")
        np.testing.assert_array_equal(dca.read(tmp_path / f"lazy{ext}").to_numpy(), v.data)


def test_mhd_spacing_is_millimetres_by_itk_convention(tmp_path):
    v = _volume("uint8")
    dca.write(v, tmp_path / "v.mhd")
    header = (tmp_path / "v.mhd").read_text()
    assert "ElementSpacing = 0.005345 0.0013 0.0025" in header  # x y z in mm
    assert "DimSize = 7 6 5" in header
    as_um = dca.read(tmp_path / "v.mhd", length_unit="um")  # a file written in um
    assert as_um.voxel_size == pytest.approx(tuple(h * 1e-3 for h in v.voxel_size))


def test_vti_places_voxels_as_cells_in_metres(tmp_path):
    v = _volume("uint8")
    dca.write(v, tmp_path / "v.vti")
    pv = pytest.importorskip("pyvista")
    grid = pv.read(tmp_path / "v.vti")
    assert grid.dimensions == (8, 7, 6)  # points: voxels + 1 along x, y, z
    (x0, x1, y0, y1, z0, z1) = grid.bounds
    (zb, yb, xb) = v.bounds
    assert (x0, x1) == pytest.approx(xb) and (y0, y1) == pytest.approx(yb) and (z0, z1) == pytest.approx(zb)
    np.testing.assert_array_equal(grid.cell_data["values"], v.data.ravel())


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 3, 4), (4, 5, 3)])
def test_a_tiff_stack_three_or_four_voxels_wide_is_not_taken_for_colour(tmp_path, shape):
    # found by the property tests: tifffile stored (.., 3) and (.., 4) stacks as RGB(A)
    data = np.arange(np.prod(shape), dtype=np.int16).reshape(shape)
    dca.write(dca.Volume(data, voxel_size=(2e-5, 7e-6, 1e-5)), tmp_path / "v.tif")
    back = dca.read(tmp_path / "v.tif", lazy=False)
    assert back.shape == shape
    np.testing.assert_array_equal(back.to_numpy(), data)
