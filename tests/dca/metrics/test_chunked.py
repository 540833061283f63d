"""Metrics of a lazy volume, streamed in slabs: identical to the in-memory numbers, whatever
the chunks (odd sizes that do not divide, features across the corners where chunks meet)."""

import dask.array as da
import numpy as np
import pytest

import dca
from dca import metrics


def _lazy(volume, chunks):
    lazy_mask = None if volume.mask is None else da.from_array(np.asarray(volume.mask), chunks=chunks)
    return volume.replace(data=da.from_array(volume.to_numpy(), chunks=chunks), mask=lazy_mask)


@pytest.mark.parametrize("chunks", [(16, 16, 16), (7, 13, 64), (1, 64, 64), (64, 5, 9)])
@pytest.mark.parametrize("masked", [False, True])
def test_porosity_and_surface_of_a_lazy_volume_equal_the_in_memory_ones(chunks, masked):
    v = dca.samples.blobs(64, porosity=0.35, seed=3, voxel_size=2e-6)[:61, :59]  # sizes that do not divide
    if masked:
        v = dca.filters.crop_cylinder(v)
    lazy = _lazy(v, chunks)
    assert lazy.is_lazy and not v.is_lazy
    assert metrics.porosity(lazy) == metrics.porosity(v)
    assert metrics.porosity(lazy, phase="solid") == metrics.porosity(v, phase="solid")
    assert metrics.surface_area(lazy) == pytest.approx(metrics.surface_area(v), rel=1e-12)
    assert metrics.specific_surface(lazy) == pytest.approx(metrics.specific_surface(v), rel=1e-12)


def test_a_feature_across_the_corner_of_eight_chunks_is_counted_once():
    im = np.zeros((32, 32, 32), bool)
    g = np.mgrid[:32, :32, :32] - 15.5
    im[(g ** 2).sum(0) < 36] = True  # a ball centred where eight 16^3 chunks meet
    v = dca.Volume(im, voxel_size=1e-6)
    lazy = _lazy(v, (16, 16, 16))
    assert metrics.surface_area(lazy) == pytest.approx(metrics.surface_area(v), rel=1e-12)
    assert metrics.porosity(lazy) == metrics.porosity(v)


def test_a_lazy_label_volume_selects_the_same_phase_in_every_chunk():
    labels = np.zeros((20, 20, 20), np.uint8)
    labels[:, :, 10:] = 1
    labels[:4] = 2  # a chunk of 4 slices holds only label 2: the rule comes from the whole volume
    v = dca.Volume(labels, voxel_size=1e-6, phases={"solid": 0, "pore": 1, "micro": 2})
    lazy = _lazy(v, (4, 20, 20))
    for phase in (None, "micro", 0):
        assert metrics.porosity(lazy, phase=phase) == metrics.porosity(v, phase=phase)
    with pytest.raises(dca.InputError, match="no 'pore' phase"):
        metrics.porosity(_lazy(v.replace(phases={}), (4, 20, 20)))


@pytest.mark.parametrize("chunks", [(16, 64, 64), (5, 64, 64), (1, 64, 64), (13, 7, 9)])
@pytest.mark.parametrize("connectivity", [6, 18, 26])
def test_connected_porosity_of_a_lazy_volume_merges_clusters_across_slabs(chunks, connectivity):
    v = dca.samples.blobs(48, porosity=0.3, seed=5, voxel_size=1e-6)
    lazy = _lazy(v, chunks)
    for axis in "zyx":
        assert metrics.connected_porosity(lazy, axis=axis, connectivity=connectivity) == \
            metrics.connected_porosity(v, axis=axis, connectivity=connectivity)


def test_clusters_that_touch_only_diagonally_across_a_slab_face():
    im = np.zeros((8, 6, 6), bool)
    im[:4, 2, 2] = True  # a column down to the slab face at z = 4 ...
    im[4:, 3, 3] = True  # ... and one that goes on from a corner neighbour across it
    v = dca.Volume(im, voxel_size=1e-6)
    lazy = _lazy(v, (4, 6, 6))
    assert metrics.connected_porosity(lazy, axis="z") == metrics.connected_porosity(v, axis="z") > 0
    assert metrics.connected_porosity(lazy, axis="z", connectivity=6) == 0 == \
        metrics.connected_porosity(v, axis="z", connectivity=6)
    masked = dca.filters.crop_cylinder(dca.samples.blobs(40, porosity=0.3, seed=6, voxel_size=1e-6))
    report = metrics.porosity_report(_lazy(masked, (9, 40, 40)), axis="y")
    assert report == metrics.porosity_report(masked, axis="y")


@pytest.mark.parametrize("chunks", [(16, 16, 16), (7, 13, 47), (1, 45, 47)])
@pytest.mark.parametrize("masked", [False, True])
def test_the_summary_of_a_lazy_volume_equals_the_in_memory_one(chunks, masked):
    v = dca.samples.blobs(48, porosity=0.35, seed=3, voxel_size=2e-6)[:45, :47]
    if masked:
        v = dca.filters.crop_cylinder(v)
    expected, got = metrics.summary(v), metrics.summary(_lazy(v, chunks))
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-12, abs=0), key
        else:
            assert got[key] == value, key  # counts, Euler characteristic, distributions' statistics
    profile = metrics.porosity_profile(_lazy(v, chunks), axis="y")
    np.testing.assert_array_equal(profile["porosity"], metrics.porosity_profile(v, axis="y")["porosity"])


@pytest.mark.parametrize("chunks", [(16, 16, 16), (7, 13, 64), (64, 5, 9)])
def test_local_thickness_of_a_lazy_volume_is_voxel_for_voxel_the_in_memory_one(chunks):
    im = dca.samples.blobs(64, porosity=0.5, seed=4).to_numpy()
    g = np.mgrid[:64, :64, :64] - 31.5
    im |= (g ** 2).sum(0) < 21 ** 2  # a pore wider than the first halo (16): the halo has to grow
    v = dca.Volume(im[:, :61], voxel_size=1e-6)
    lazy = metrics.local_thickness(_lazy(v, chunks))
    assert lazy.is_lazy
    np.testing.assert_array_equal(lazy.to_numpy(), metrics.local_thickness(v).to_numpy())
    psd = metrics.pore_size_distribution(_lazy(v, chunks))
    assert psd.table.equals(metrics.pore_size_distribution(v).table)


def test_euler_characteristic_across_the_corner_of_eight_chunks():
    g = np.mgrid[:32, :32, :32] - 15.5
    r = np.sqrt((g ** 2).sum(0))
    shell = (r > 5) & (r < 9)  # a hollow ball centred where eight chunks meet: one component, one cavity
    v = dca.Volume(shell, voxel_size=1e-6)
    for connectivity in (6, 26):
        assert metrics.euler_characteristic(_lazy(v, (16, 16, 16)), connectivity=connectivity) == 2
    assert metrics.integral_mean_curvature(_lazy(v, (16, 16, 16))) == \
        pytest.approx(metrics.integral_mean_curvature(v), rel=1e-12)


def test_dca_metrics_streams_a_big_volume_to_the_in_memory_numbers(tmp_path, monkeypatch, capsys):
    import json

    from dca.cli import main

    v = dca.samples.blobs(40, porosity=0.35, seed=1, voxel_size=2e-6)
    dca.write(v.replace(data=v.to_numpy().astype(np.uint8)), tmp_path / "labels.zarr")
    results = []
    for threshold in (10**12, 1000):  # in memory, then lazily
        monkeypatch.setattr(dca.io._registry, "LAZY_THRESHOLD_BYTES", threshold)
        assert main(["metrics", str(tmp_path / "labels.zarr"), "--json"]) == 0
        results.append(json.loads(capsys.readouterr().out))
    flat = [{f"{k}.{kk}": vv for k, v in r.items() for kk, vv in (v.items() if isinstance(v, dict) else [("", v)])}
            for r in results]
    assert flat[1].keys() == flat[0].keys()
    for key, value in flat[0].items():
        assert flat[1][key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), key


def test_slabs_thinner_than_the_chunks_give_the_same_numbers(monkeypatch):
    v = dca.samples.blobs(48, porosity=0.35, seed=3, voxel_size=2e-6)[:45, :47]
    lazy = _lazy(v, (20, 47, 48))
    expected = metrics.summary(lazy)
    monkeypatch.setattr(dca._chunks, "SLAB_VOXELS", 3 * 47 * 48)  # three slices a slab, read from 20-slice chunks
    assert len(dca._chunks.slab_bounds(lazy)) == 7 + 7 + 2
    got = metrics.summary(lazy)
    for key, value in expected.items():
        assert got[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), key
