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
