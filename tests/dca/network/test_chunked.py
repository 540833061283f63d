"""Network extraction of a lazy volume, chunk by chunk: the in-memory network, pore for pore,
whatever the chunks (a pore crossing a seam, or the corner where eight chunks meet, stays one)."""

import dask.array as da
import numpy as np
import pytest

import dca
from dca import network


def _lazy(volume, chunks):
    return volume.replace(data=da.from_array(volume.to_numpy(), chunks=chunks))


def assert_same_network(got, expected):
    for table in ("pores", "throats"):
        a, b = getattr(expected, table), getattr(got, table)
        assert list(a.columns) == list(b.columns) and len(a) == len(b), table
        for column in a.columns:
            if a[column].dtype.kind == "f":
                np.testing.assert_allclose(b[column], a[column], rtol=1e-12, atol=0, err_msg=f"{table}.{column}")
            else:
                np.testing.assert_array_equal(b[column], a[column], err_msg=f"{table}.{column}")
    if "unassigned_voxels" in expected.attrs:  # not kept in a CSV file
        assert got.attrs["unassigned_voxels"] == expected.attrs["unassigned_voxels"]


@pytest.mark.parametrize("chunks", [(32, 32, 32), (17, 23, 72), (72, 72, 11)])
def test_the_network_of_a_lazy_volume_is_the_in_memory_network(chunks):
    v = dca.samples.blobs(72, porosity=0.35, seed=3, voxel_size=2e-6)[:, :70]  # sizes that do not divide
    assert_same_network(network.extract(_lazy(v, chunks)), network.extract(v))


def test_a_pore_across_the_corner_of_eight_chunks_stays_one_pore():
    g = np.mgrid[:40, :40, :40] - 19.5
    ball = (g ** 2).sum(0) < 12 ** 2  # centred where eight 20^3 chunks meet
    ball |= (np.abs(g[0]) < 3) & (np.abs(g[1]) < 3)  # and a tube along x through it, to the faces
    v = dca.Volume(ball, voxel_size=1e-6)
    lazy = network.extract(_lazy(v, 20))
    assert (lazy.pores["boundary"] == "").sum() == (network.extract(v).pores["boundary"] == "").sum()
    assert_same_network(lazy, network.extract(v))


def test_the_berea_network_chunked_is_the_in_memory_one(berea, berea_network):
    assert_same_network(network.extract(_lazy(berea, 100)), berea_network)


def test_dca_network_extracts_a_big_volume_chunk_by_chunk(tmp_path, monkeypatch):
    from dca.cli import main

    v = dca.samples.blobs(48, porosity=0.35, seed=1, voxel_size=2e-6)
    dca.write(v.replace(data=v.to_numpy().astype(np.uint8)), tmp_path / "labels.zarr", chunks=(20, 20, 20))
    monkeypatch.setattr(dca.io._registry, "LAZY_THRESHOLD_BYTES", 1000)  # a 'big' volume: opened lazily
    assert dca.read(tmp_path / "labels.zarr").is_lazy
    assert main(["network", str(tmp_path / "labels.zarr"), "-o", str(tmp_path / "net.csv")]) == 0
    network.extract(v).write(str(tmp_path / "memory.csv"))
    assert_same_network(network.read_network(str(tmp_path / "net.csv")),
                        network.read_network(str(tmp_path / "memory.csv")))
