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
