import numpy as np
import pytest

import dca
from dca import InputError, Volume, VoxelSizeError


def test_voxel_size_is_required():
    with pytest.raises(TypeError, match="voxel_size"):
        Volume(np.zeros((2, 2, 2)))  # no default, ever
    with pytest.raises(VoxelSizeError, match="voxel_size is missing"):
        Volume(np.zeros((2, 2, 2)), voxel_size=None)


@pytest.mark.parametrize("bad", [0, -1e-6, float("nan"), (1e-6, 1e-6), 2.0])
def test_invalid_voxel_size_is_named(bad):
    with pytest.raises(VoxelSizeError, match="voxel_size"):
        Volume(np.zeros((2, 2, 2)), voxel_size=bad)


def test_scalar_voxel_size_means_isotropic_and_units_parse():
    assert Volume(np.zeros((2, 2, 2)), voxel_size=3e-6).voxel_size == (3e-6,) * 3
    assert Volume(np.zeros((2, 2, 2)), voxel_size="5.345um").voxel_size == (5.345e-6,) * 3


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 4, 5), (0, 3, 3)])
def test_non_3d_data_is_rejected(shape):
    with pytest.raises(InputError, match="3-D|empty axis"):
        Volume(np.zeros(shape), voxel_size=1e-6)


def test_extent_bounds_and_coordinates(grey_volume):
    v = grey_volume
    assert v.extent == pytest.approx((6 * 2.5e-6, 7 * 1.25e-6, 9 * 5.345e-6), rel=1e-15)
    (zlo, zhi), _, (xlo, xhi) = v.bounds
    assert zlo == pytest.approx(1e-3 - 1.25e-6) and zhi - zlo == pytest.approx(v.extent[0])
    assert v.coordinates("x")[0] == v.origin[2]
    assert np.diff(v.coordinates(2)) == pytest.approx(np.full(8, 5.345e-6))
    assert v.voxel_volume == pytest.approx(2.5e-6 * 1.25e-6 * 5.345e-6)


def test_crop_shifts_origin_and_keeps_input(grey_volume):
    v = grey_volume
    before = v.data.copy()
    c = v[2:5, 1:, ::2]
    assert c.shape == (3, 6, 5)
    assert c.origin == pytest.approx((v.origin[0] + 2 * 2.5e-6, v.origin[1] + 1.25e-6, v.origin[2]))
    assert c.voxel_size == (2.5e-6, 1.25e-6, 2 * 5.345e-6)  # a strided crop is a coarser grid
    np.testing.assert_array_equal(c.data, v.data[2:5, 1:, ::2])
    assert c.provenance[-1].name == "crop" and v.provenance == ()
    np.testing.assert_array_equal(v.data, before)
    # the first voxel of the crop is at the same physical place as in the parent
    assert c.coordinates("z")[0] == pytest.approx(v.coordinates("z")[2])


@pytest.mark.parametrize("key", [(0,), (slice(None), 1), (slice(5, 2),)])
def test_crop_rejects_dimension_dropping_or_empty(grey_volume, key):
    with pytest.raises(InputError):
        grey_volume[key]


def test_mask_is_cropped_with_the_data(grey_volume):
    mask = np.zeros(grey_volume.shape, bool)
    mask[3:, :, :4] = True
    v = grey_volume.replace(mask=mask)
    np.testing.assert_array_equal(v[3:, :, 2:].mask, mask[3:, :, 2:])
    with pytest.raises(InputError, match="mask shape"):
        grey_volume.replace(mask=np.ones((1, 1, 1), bool))


def test_phases_lookup():
    v = Volume(np.zeros((2, 2, 2), np.uint8), voxel_size=1e-6, phases={"pore": 0, "grain": 1})
    assert v.phase("grain") == 1 and v.phase(0) == 0
    with pytest.raises(InputError, match="'water' is not named.*pore=0, grain=1"):
        v.phase("water")


def test_repr_names_what_a_notebook_user_needs(grey_volume):
    text = repr(grey_volume.with_step("gaussian", sigma=1.0))
    for expected in ("6 × 7 × 9", "uint16", "2.5 µm", "5.345 µm", "in memory", "1 step(s): gaussian"):
        assert expected in text
    assert "<table>" in grey_volume._repr_html_()


def test_lazy_volume_loads_only_on_request(grey_volume):
    import dask.array as da

    lazy = grey_volume.replace(data=da.from_array(grey_volume.data, chunks=(2, 7, 9)))
    assert lazy.is_lazy and "lazy" in repr(lazy)
    loaded = lazy[1:3].load()
    assert not loaded.is_lazy
    np.testing.assert_array_equal(loaded.data, grey_volume.data[1:3])
    np.testing.assert_array_equal(np.asarray(lazy), grey_volume.data)


def test_quicklook_has_three_planes_with_scale_bars(grey_volume):
    fig = dca.quicklook(grey_volume, overlay=grey_volume.replace(data=grey_volume.data > 30000))
    axes = fig.get_axes()
    assert [ax.get_title().split()[0] for ax in axes] == ["XY", "XZ", "YZ"]
    # each plane spans the physical extent of its axes: XY is x by y
    left, right, bottom, top = axes[0].images[0].get_extent()
    assert right - left == pytest.approx(grey_volume.extent[2])
    assert bottom - top == pytest.approx(grey_volume.extent[1])
    assert all(any("m" in t.get_text() for t in ax.texts) for ax in axes)


def test_provenance_record_is_json_with_checksum(tmp_path):
    import hashlib
    import json

    v = dca.samples.blobs(12, seed=5)
    dca.write(v, tmp_path / "b.nrrd")
    back = dca.read(tmp_path / "b.nrrd")[2:10].with_step("threshold", value=0.5)
    record = json.loads(json.dumps(back.provenance_record()))
    assert record["source"]["sha256"] == hashlib.sha256((tmp_path / "b.nrrd").read_bytes()).hexdigest()
    assert [s["name"] for s in record["steps"]] == ["read", "crop", "threshold"]
    assert record["steps"][1]["params"]["index"][0] == [2, 10, 1]
