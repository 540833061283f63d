"""Otsu on a lazy volume: the global histogram streamed slab by slab, the same level and labels."""

import dask.array as da
import numpy as np
import pytest

import dca
from dca import segment


@pytest.mark.parametrize("dtype", ["uint16", "float32"])
@pytest.mark.parametrize("masked", [False, True])
def test_otsu_of_a_lazy_scan_equals_otsu_in_memory(dtype, masked):
    scan = dca.samples.virtual_scan(dca.samples.blobs(40, porosity=0.35, seed=1, voxel_size=2e-6), snr=5,
                                    dtype=dtype, field_of_view=masked, seed=2).grey
    lazy_mask = None if scan.mask is None else da.from_array(np.asarray(scan.mask), chunks=(7, 40, 40))
    lazy = scan.replace(data=da.from_array(scan.to_numpy(), chunks=(7, 40, 40)), mask=lazy_mask)
    assert segment.otsu_level(lazy) == segment.otsu_level(scan)
    labels = segment.otsu(lazy)
    assert labels.is_lazy
    np.testing.assert_array_equal(labels.to_numpy(), segment.otsu(scan).to_numpy())


def test_a_flat_lazy_scan_has_nothing_to_segment():
    flat = dca.Volume(da.ones((8, 8, 8), dtype=np.float32, chunks=4), voxel_size=1e-6)
    with pytest.raises(dca.InputError, match="all equal"):
        segment.otsu(flat)


def test_dca_segment_streams_a_big_scan_to_the_same_labels(tmp_path, monkeypatch, capsys):
    import json

    from dca.cli import main

    scan = dca.samples.virtual_scan(dca.samples.blobs(40, porosity=0.35, seed=1, voxel_size=2e-6), snr=5,
                                    dtype="uint16", field_of_view=False, seed=2).grey
    dca.write(scan, tmp_path / "scan.zarr")
    monkeypatch.setattr(dca.io._registry, "LAZY_THRESHOLD_BYTES", 1000)  # a 'big' scan: opened lazily
    assert dca.read(tmp_path / "scan.zarr").is_lazy
    assert main(["segment", str(tmp_path / "scan.zarr"), "-o", str(tmp_path / "labels.zarr"), "--denoise",
                 "median", "--json"]) == 0
    fractions = json.loads(capsys.readouterr().out)["fractions"]
    expected = segment.otsu(dca.filters.median(scan))
    written = dca.read(tmp_path / "labels.zarr", lazy=False)
    np.testing.assert_array_equal(written.to_numpy().astype(bool), expected.to_numpy())
    assert fractions["pore"] == dca.metrics.porosity(expected)


def _lazy(volume, chunks):
    return volume.replace(data=da.from_array(volume.to_numpy(), chunks=chunks))


def _three_labels(n=40):
    """Blobs with a sprinkle of a third label: islands of every size, nearest labels that differ."""
    im = dca.samples.blobs(n, porosity=0.35, seed=3, voxel_size=1e-6).to_numpy().astype(np.uint8)
    im[np.random.default_rng(0).random(im.shape) < 0.05] = 2
    return dca.Volume(im, voxel_size=1e-6, phases={"solid": 0, "pore": 1, "clay": 2})


@pytest.mark.parametrize("chunks", [(16, 16, 16), (7, 13, 40), (1, 40, 40)])
@pytest.mark.parametrize("kind", ["bool", "0/1", "three labels"])
@pytest.mark.parametrize("step, options", [
    (segment.remove_islands, {}), (segment.remove_islands, {"min_size": 5, "connectivity": 6}),
    (segment.fill_enclosed, {}), (segment.fill_enclosed, {"phase": "solid", "connectivity": 26}),
    (segment.keep_spanning, {}), (segment.keep_spanning, {"axis": "z", "connectivity": 6})])
def test_clean_up_of_a_lazy_volume_gives_the_in_memory_labels(chunks, kind, step, options):
    if kind == "three labels":
        v = _three_labels()
    else:
        im = dca.samples.blobs(40, porosity=0.3, seed=5).to_numpy()[:37, :39]  # sizes that do not divide
        im ^= np.random.default_rng(1).random(im.shape) < 0.03  # islands and holes of both phases
        v = dca.Volume(im if kind == "bool" else im.astype(np.uint8), voxel_size=1e-6)
    out = step(_lazy(v, chunks), **options)
    assert out.is_lazy or (kind == "three labels" and step is segment.keep_spanning)
    expected = step(v, **options).to_numpy()
    assert not np.array_equal(expected, v.to_numpy())  # the step did change something
    np.testing.assert_array_equal(out.to_numpy(), expected)


def test_an_island_across_the_corner_of_eight_chunks_is_one_island():
    im = np.zeros((32, 32, 32), bool)
    im[14:18, 14:18, 14:18] = True  # 64 voxels, 8 in each of the eight 16^3 chunks around the corner
    v = dca.Volume(im, voxel_size=1e-6)
    assert segment.remove_islands(_lazy(v, 16), min_size=60).to_numpy().sum() == 64
    assert segment.remove_islands(_lazy(v, 16), min_size=65).to_numpy().sum() == 0


def test_an_island_in_a_binary_label_image_takes_the_other_label():
    im = np.zeros((12, 12, 12), np.uint8)
    im[2:10, 2:10, 2:10] = 1
    im[5, 5, 5] = 0  # a one-voxel solid island inside the pore
    out = segment.remove_islands(im, voxel_size=1e-6, phase="solid", min_size=2).to_numpy()
    assert out.dtype == np.uint8 and out[5, 5, 5] == 1 and out.sum() == 512


def test_clean_up_in_slabs_thinner_than_the_chunks(monkeypatch):
    im = dca.samples.blobs(40, porosity=0.3, seed=5).to_numpy()
    im ^= np.random.default_rng(1).random(im.shape) < 0.03
    v = dca.Volume(im, voxel_size=1e-6)
    monkeypatch.setattr(dca._chunks, "SLAB_VOXELS", 2 * 40 * 40)  # two slices a slab
    for step in (segment.remove_islands, segment.fill_enclosed, segment.keep_spanning):
        np.testing.assert_array_equal(step(_lazy(v, (16, 40, 40))).to_numpy(), step(v).to_numpy())


@pytest.mark.parametrize("pore", ["dark", "bright"])
def test_multi_otsu_and_hysteresis_of_a_lazy_scan_equal_the_in_memory_ones(pore):
    scan = dca.samples.virtual_scan(dca.samples.blobs(40, porosity=0.35, seed=1, voxel_size=2e-6), snr=3,
                                    dtype="uint16", field_of_view=False, seed=2).grey
    lazy = _lazy(scan, (7, 40, 40))
    expected = segment.multi_otsu(scan, classes=3)
    got = segment.multi_otsu(lazy, classes=3)
    assert got.is_lazy and got.provenance[-1].params["levels"] == expected.provenance[-1].params["levels"]
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    level = segment.otsu_level(scan)
    low, high = (level - 400, level) if pore == "dark" else (level, level + 400)
    expected = segment.hysteresis(scan, low=low, high=high, pore=pore).to_numpy()
    got = segment.hysteresis(lazy, low=low, high=high, pore=pore)
    assert got.is_lazy and 0 < expected.sum() < expected.size
    np.testing.assert_array_equal(got.to_numpy(), expected)
